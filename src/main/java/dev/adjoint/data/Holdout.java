package dev.adjoint.data;

/**
 * A training set split into the rows a model trains on and the validation rows held out of
 * training, as Keras's {@code validation_split} or a Lightning {@code random_split} does, but
 * stratified: each class gives {@code round(fraction × its samples)} rows (at least one when it has
 * two or more, never all of them), chosen by a seeded shuffle, so both parts keep the class
 * proportions and the same seed holds out the same rows. Rows keep their order within each part.
 * Regression data (classes 0) has no classes to stratify by: its rows are drawn as one class.
 * Both parts are views of the data ({@link Samples#rows}): no features are copied, and the rows
 * of a {@link MappedDataset} stay in its file.
 */
public record Holdout(Samples train, Samples validation) {
    /** The largest fraction that may be held out. */
    public static final double MAX_FRACTION = 0.9;

    /** Holds out {@code fraction} (in (0, {@value #MAX_FRACTION}]) of each class of {@code data}, chosen with {@code seed}. */
    public static Holdout of(Samples data, double fraction, long seed) {
        if (!(fraction > 0 && fraction <= MAX_FRACTION)) {
            throw new IllegalArgumentException("Holdout: a validation fraction must be in (0, " + MAX_FRACTION + "], got "
                    + fraction);
        }
        boolean[] held = data.isRegression() ? heldRows(new float[data.size()], 1, fraction, seed)
                : heldRows(data.labels(), data.classes(), fraction, seed);
        int n = 0;
        for (boolean h : held) {
            n += h ? 1 : 0;
        }
        if (n == 0 || n == data.size()) {
            throw new IllegalArgumentException("Holdout: dataset '" + data.name() + "' has " + data.size()
                    + " samples, too few to hold out " + fraction + " of each class for validation and train on the rest");
        }
        return new Holdout(data.rows(rows(held, false), data.name()),
                data.rows(rows(held, true), data.name() + "-validation"));
    }

    /**
     * The rows {@link #of} holds out of a dataset whose class indices, row by row, are {@code labels}:
     * known before the dataset exists, so that a CSV's encoding can be fitted without them.
     */
    public static boolean[] heldRows(float[] labels, int classes, double fraction, long seed) {
        int[] counts = new int[classes];
        for (float l : labels) {
            counts[(int) l]++;
        }
        int[][] byClass = new int[classes][];
        int[] filled = new int[classes];
        for (int c = 0; c < counts.length; c++) {
            byClass[c] = new int[counts[c]];
        }
        for (int i = 0; i < labels.length; i++) {
            int c = (int) labels[i];
            byClass[c][filled[c]++] = i;
        }
        boolean[] held = new boolean[labels.length];
        for (int c = 0; c < counts.length; c++) {
            int[] rows = byClass[c];
            int take = take(counts[c], fraction);
            SplitMix rnd = new SplitMix(SplitMix.derive(seed, c));
            for (int i = 0; i < take; i++) {         // partial Fisher-Yates: the first `take` of a shuffle
                int j = i + rnd.nextInt(rows.length - i);
                int t = rows[i];
                rows[i] = rows[j];
                rows[j] = t;
                held[rows[i]] = true;
            }
        }
        return held;
    }

    /** How many rows {@link #of} holds out of {@code data}, without choosing any. */
    public static int size(Samples data, double fraction) {
        if (data.isRegression()) {
            return take(data.size(), fraction);
        }
        int n = 0;
        for (int count : data.classCounts()) {
            n += take(count, fraction);
        }
        return n;
    }

    /** Of a class's {@code count} rows, {@code round(fraction × count)}, at least 1 and at most count - 1 (none of 1). */
    private static int take(int count, double fraction) {
        return count < 2 ? 0 : (int) Math.min(count - 1, Math.max(1, Math.round(fraction * count)));
    }

    /** The indices of the rows whose {@code held} is {@code which}, ascending. */
    private static int[] rows(boolean[] held, boolean which) {
        int n = 0;
        for (boolean h : held) {
            n += h == which ? 1 : 0;
        }
        int[] rows = new int[n];
        for (int i = 0, at = 0; i < held.length; i++) {
            if (held[i] == which) {
                rows[at++] = i;
            }
        }
        return rows;
    }
}
