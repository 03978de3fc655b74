package dev.adjoint.data;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Labels turned into class indices: the classes are {@code labelValues} (ascending, distinct),
 * by default the distinct labels present, and a label's class index is its rank among them (as
 * {@link CsvReader} does).
 */
record ClassIndex(float[] indices, int[] labelValues) {
    /**
     * The class index of every label of {@code labels} (read from {@code file}); a label outside
     * {@code labelValues} (when given: from {@code classesFrom}) is a {@link DatasetException}.
     */
    static ClassIndex of(Path file, int[] labels, int[] labelValues, String classesFrom) {
        int[] values = labelValues != null ? labelValues.clone() : Arrays.stream(labels).distinct().sorted().toArray();
        if (values.length == 0) {
            throw new DatasetException(file, -1, "no labels: a dataset needs at least one sample");
        }
        float[] y = new float[labels.length];
        for (int i = 0; i < labels.length; i++) {
            int k = Arrays.binarySearch(values, labels[i]);
            if (k < 0) {
                throw new DatasetException(file, -1, "label " + labels[i] + " of sample " + i + " is not one of the"
                        + " class labels " + Dataset.labelList(values) + (classesFrom != null ? " of " + classesFrom : ""));
            }
            y[i] = k;
        }
        return new ClassIndex(y, values);
    }
}
