package dev.adjoint.train;

import java.util.LinkedHashMap;
import java.util.Map;

/** One epoch's record: the numbers a user watches, and what goes into the JSON log. */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double testAccuracy,
                         double samplesPerSecond, double seconds, double lr) {
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", (long) epoch);
        m.put("train_loss", trainLoss);
        m.put("train_accuracy", trainAccuracy);
        m.put("test_accuracy", testAccuracy);
        m.put("samples_per_second", samplesPerSecond);
        m.put("seconds", seconds);
        m.put("lr", lr);
        return m;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "epoch %3d  loss %.4f  train %.2f%%  test %.2f%%  %,.0f samples/s  %.1f s",
                epoch, trainLoss, 100 * trainAccuracy, 100 * testAccuracy, samplesPerSecond, seconds);
    }
}
