package dev.adjoint.data;

/**
 * A labelled dataset held in host memory: class indices for classification, or (with
 * {@code classes} 0, {@link #regression}) real-valued targets for regression.
 *
 * @param name     what the data is, for messages ("fashion-mnist-train", a file name)
 * @param features {@code size × dims} values, row-major (sample i is {@code features[i*dims .. (i+1)*dims)})
 * @param labels   {@code size} class indices 0..classes-1, stored as floats (what cross-entropy takes);
 *                 with {@code classes} 0, each sample's target value (finite)
 * @param size     number of samples
 * @param dims     features per sample
 * @param classes  number of classes; 0 for regression targets (then {@code labelValues} is empty)
 * @param labelValues the label each class stands for in the data it came from, ascending: class
 *                 {@code i} is label {@code labelValues[i]} (a CSV with labels {3, 7} has classes
 *                 0 and 1 for labels 3 and 7); null means {@code 0..classes-1}. A model trained on
 *                 this dataset predicts class indices; this list turns them back into labels, and a
 *                 checkpoint keeps it so that later data is read with the same classes
 * @param source   where the numbers came from and how the features were computed from them
 *                 (null means {@link Source#MEMORY}: arrays given as they are)
 */
public record Dataset(String name, float[] features, float[] labels, int size, int dims, int classes, int[] labelValues,
                      Source source) implements Samples {

    /**
     * Where a dataset came from, as a checkpoint records it so that another program can read the
     * same data the same way: {@code format} ({@code idx}, {@code csv}, {@code spiral}, or
     * {@code memory} for arrays given directly), the {@code files} read (IDX images then labels;
     * the CSV file), the CSV's {@code labelColumn} (null otherwise), and {@code divisor}: every
     * value as stored in the file was divided by it, in float32, to make a feature (IDX pixel bytes
     * 0..255 by 255, to [0, 1]); 1 when the values are used as they are. {@code split} (null: none)
     * says which rows of one file these are ({@code test_fraction}, {@code seed}, {@code part}:
     * train or test, as {@link Datasets#stratified} draws them). {@code steps} are the fitted
     * preprocessing steps (a CSV's {@link CsvEncoding}) that already turned the stored values into
     * these features; when there are any, no global mean and std is applied on top.
     */
    public record Source(String format, java.util.List<String> files, String labelColumn, float divisor,
                         java.util.Map<String, Object> split, java.util.List<java.util.Map<String, Object>> steps) {
        public static final Source MEMORY = new Source("memory", java.util.List.of(), null, 1f);

        public Source {
            files = java.util.List.copyOf(files);
            steps = steps == null ? java.util.List.of() : java.util.List.copyOf(steps);
            if (!(divisor > 0) || !Float.isFinite(divisor)) {
                throw new IllegalArgumentException("Dataset.Source: divisor " + divisor + " (need a finite value > 0)");
            }
        }

        /** A source whose features are its stored values divided by {@code divisor}, all rows, no fitted steps. */
        public Source(String format, java.util.List<String> files, String labelColumn, float divisor) {
            this(format, files, labelColumn, divisor, null, null);
        }

        /** This source as JSON values: format, files, and the label column, divisor and split where they apply. */
        public java.util.Map<String, Object> toConfig() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("format", format);
            m.put("files", java.util.List.copyOf(files));
            if (labelColumn != null) {
                m.put("label_column", labelColumn);
            }
            m.put("divisor", (double) divisor);
            if (split != null) {
                m.put("split", split);
            }
            return m;
        }
    }

    /** A dataset whose numbers were given as they are ({@link Source#MEMORY}). */
    public Dataset(String name, float[] features, float[] labels, int size, int dims, int classes, int[] labelValues) {
        this(name, features, labels, size, dims, classes, labelValues, Source.MEMORY);
    }

    /** Checks the lengths, that every label is a class index and that the class labels ascend. */
    public Dataset {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("Dataset: a name is required");
        }
        if (features == null || labels == null) {
            throw new IllegalArgumentException("Dataset '" + name + "': features and labels are required");
        }
        if (size < 0 || dims < 1 || classes < 0) {
            throw new IllegalArgumentException("Dataset '" + name + "': size " + size + ", dims " + dims + ", classes "
                    + classes + " (need size >= 0, dims >= 1, classes >= 1, or 0 for regression targets)");
        }
        if ((long) size * dims != features.length) {
            throw new IllegalArgumentException("Dataset '" + name + "': " + features.length + " feature values, but "
                    + size + " samples × " + dims + " dims need " + (long) size * dims);
        }
        if (labels.length != size) {
            throw new IllegalArgumentException("Dataset '" + name + "': " + labels.length + " labels for " + size + " samples");
        }
        for (int i = 0; i < size; i++) {
            float y = labels[i];
            if (classes == 0 ? !Float.isFinite(y) : !(y >= 0 && y < classes) || y != Math.rint(y)) {
                if (classes == 0) {
                    throw new IllegalArgumentException("Dataset '" + name + "': target " + y + " of sample " + i
                            + " is not a finite number");
                }
                throw new IllegalArgumentException("Dataset '" + name + "': label " + y + " of sample " + i
                        + " is not a class index 0.." + (classes - 1));
            }
        }
        if (labelValues == null) {
            labelValues = java.util.stream.IntStream.range(0, classes).toArray();
        }
        if (source == null) {
            source = Source.MEMORY;
        }
        if (labelValues.length != classes) {
            throw new IllegalArgumentException("Dataset '" + name + "': " + labelValues.length + " label values for "
                    + classes + " classes");
        }
        for (int i = 1; i < classes; i++) {
            if (labelValues[i] <= labelValues[i - 1]) {
                throw new IllegalArgumentException("Dataset '" + name + "': label values " + labelList(labelValues)
                        + " must be distinct and ascending");
            }
        }
    }

    /** A regression dataset: {@code targets} holds one finite value per sample (classes 0, no label values). */
    public static Dataset regression(String name, float[] features, float[] targets, int size, int dims, Source source) {
        return new Dataset(name, features, targets, size, dims, 0, new int[0], source);
    }

    /** A dataset whose class {@code i} is label {@code i}. */
    public Dataset(String name, float[] features, float[] labels, int size, int dims, int classes) {
        this(name, features, labels, size, dims, classes, null, Source.MEMORY);
    }

    /** A list of label values for a message: {@code [0, 1, 2]}, or its ends and its length when it is long. */
    static String labelList(int[] values) {
        return dev.adjoint.io.Excerpt.list(java.util.Arrays.stream(values).boxed().toList());
    }

    @Override
    public void copyRow(int i, float[] dst, int offset) {
        System.arraycopy(features, i * dims, dst, offset, dims);
    }

    @Override
    public float label(int i) {
        return labels[i];
    }

    /** Sample {@code i}'s features (a copy). */
    public float[] row(int i) {
        java.util.Objects.checkIndex(i, size);
        float[] r = new float[dims];
        System.arraycopy(features, i * dims, r, 0, dims);
        return r;
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ": " + size + " samples, " + dims + " dims, " + classes + " classes]";
    }
}
