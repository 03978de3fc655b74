package dev.adjoint.train;

/**
 * Keras's and Lightning's early stopping as a pure rule: an epoch improves when its monitored
 * value beats the best so far by more than {@code minDelta}, and training stops after
 * {@code patience} epochs in a row that do not (patience 0: never). The first epoch always
 * improves; a NaN never does. The count starts afresh when a run is resumed, as in Keras.
 */
public final class EarlyStopping {
    private final Monitor monitor;
    private final int patience;
    private final double minDelta;
    private double best = Double.NaN;
    private int bestEpoch;
    private int wait;

    public EarlyStopping(Monitor monitor, int patience, double minDelta) {
        if (patience < 0 || !(minDelta >= 0) || Double.isInfinite(minDelta)) {
            throw new IllegalArgumentException("EarlyStopping: patience " + patience + " and min-delta " + minDelta
                    + " (need patience >= 0 and a finite min-delta >= 0)");
        }
        this.monitor = monitor;
        this.patience = patience;
        this.minDelta = minDelta;
    }

    /** Records epoch {@code epoch}'s value; true when training should stop after it. */
    public boolean update(int epoch, double value) {
        if (monitor.better(value, best, minDelta)) {
            best = value;
            bestEpoch = epoch;
            wait = 0;
            return false;
        }
        wait++;
        return patience > 0 && wait >= patience;
    }

    /** The epoch at which a run seeing {@code values} (epoch 1 first) stops: the last one when it never stops early. */
    public static int stopEpoch(Monitor monitor, int patience, double minDelta, double... values) {
        EarlyStopping s = new EarlyStopping(monitor, patience, minDelta);
        for (int i = 0; i < values.length; i++) {
            if (s.update(i + 1, values[i])) {
                return i + 1;
            }
        }
        return values.length;
    }

    /** Why training stopped, for the user: "val_loss has not improved by more than 0 for 3 epochs (best ... at epoch 4)". */
    public String reason() {
        return "early stopping: " + monitor.metric() + " has not improved by more than " + minDelta + " for " + wait
                + " epochs (best " + monitor.format(best) + " at epoch " + bestEpoch + ")";
    }
}
