package dev.adjoint.data;

/**
 * One mean and standard deviation for all features, applied by the {@link DataLoader} as
 * {@code (x - mean) / std}. Compute it on the training set and apply the same one to the test set.
 */
public record Normalization(float mean, float std) {
    /** Leaves the data as it is. */
    public static final Normalization NONE = new Normalization(0f, 1f);

    public Normalization {
        if (!Float.isFinite(mean) || !Float.isFinite(std) || std <= 0) {
            throw new IllegalArgumentException("Normalization: mean " + mean + " and std " + std
                    + " (need finite values and std > 0)");
        }
    }

    /**
     * The mean and population standard deviation over every feature value of {@code data}
     * (accumulated in double, row by row: two passes, so a {@link MappedDataset} is read twice and
     * never held in memory). Constant data (std 0) is only centred: std is then 1.
     */
    public static Normalization of(Samples data) {
        long count = (long) data.size() * data.dims();
        if (count == 0) {
            throw new IllegalArgumentException("Normalization.of: dataset '" + data.name() + "' is empty");
        }
        float[] row = new float[data.dims()];
        double sum = 0;
        for (int i = 0, n = data.size(); i < n; i++) {
            data.copyRow(i, row, 0);
            for (float v : row) {
                sum += v;
            }
        }
        double mean = sum / count;
        double sq = 0;
        for (int i = 0, n = data.size(); i < n; i++) {
            data.copyRow(i, row, 0);
            for (float v : row) {
                double d = v - mean;
                sq += d * d;
            }
        }
        double std = Math.sqrt(sq / count);
        return new Normalization((float) mean, std > 0 && (float) std > 0 ? (float) std : 1f);
    }

    public boolean isIdentity() {
        return mean == 0f && std == 1f;
    }

    public float apply(float x) {
        return (x - mean) / std;
    }

    /** Normalizes {@code length} values of {@code x} from {@code offset}, in place. */
    public void apply(float[] x, int offset, int length) {
        if (isIdentity()) {
            return;
        }
        for (int i = offset; i < offset + length; i++) {
            x[i] = (x[i] - mean) / std;
        }
    }
}
