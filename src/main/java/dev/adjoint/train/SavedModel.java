package dev.adjoint.train;

import dev.adjoint.data.Normalization;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.Excerpt;
import dev.adjoint.io.FileFormatException;
import dev.adjoint.io.Json;
import dev.adjoint.io.Safetensors;
import dev.adjoint.nn.Parameters;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model read back from a checkpoint: every parameter checked by name, shape and value (a NaN
 * or infinity means the run that wrote it had diverged) before any is copied, the optimizer
 * state and counters checked the same way, and the input normalization.
 */
public final class SavedModel {
    private SavedModel() {}

    /** Copies a checkpoint's parameters into the slab after checking every name, shape and value (none is copied if one is wrong). */
    public static void loadParameters(Parameters params, Checkpoint.Loaded loaded, Path dir) {
        checkParameters(params, loaded, dir);
        copyParameters(params, loaded);
    }

    /**
     * The normalization stored in a checkpoint's configuration; an IllegalArgumentException naming
     * the field when it is missing or not finite numbers with std > 0.
     */
    public static Normalization normalization(Map<String, Object> checkpointConfig) {
        Object n = checkpointConfig.get("normalization");
        if (n instanceof Map<?, ?> m && m.get("mean") instanceof Number mean && m.get("std") instanceof Number std) {
            float mu = mean.floatValue();
            float sigma = std.floatValue();
            if (Float.isFinite(mu) && Float.isFinite(sigma) && sigma > 0) {
                return new Normalization(mu, sigma);
            }
        }
        throw new IllegalArgumentException("\"normalization\" must be {\"mean\": m, \"std\": s} with finite m and s > 0,"
                + " got " + (n == null ? "nothing" : dev.adjoint.io.Excerpt.of(dev.adjoint.io.Json.writeCompact(n)))
                + " (Trainer.save writes it: edited by hand, or from another tool?)");
    }

    static void checkParameters(Parameters params, Checkpoint.Loaded loaded, Path dir) {
        for (Map.Entry<String, Tensor> e : params.named().entrySet()) {
            Safetensors.Loaded t = loaded.tensors().get(e.getKey());
            if (t == null) {
                throw new IllegalArgumentException("checkpoint " + dir + " has no tensor '" + e.getKey()
                        + "' (it has " + loaded.tensors().keySet() + ")");
            }
            if (!Arrays.equals(t.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("checkpoint " + dir + ": tensor '" + e.getKey() + "' has shape "
                        + Arrays.toString(t.shape()) + " but the model needs " + Arrays.toString(e.getValue().shape())
                        + "; build the model the checkpoint was saved from (its " + Checkpoint.CONFIG + " says how)");
            }
            checkFinite(dir, e.getKey(), t.data());
        }
    }

    /** The optimizer's state slabs from the checkpoint, each checked against the optimizer's size and for finite values. */
    static Map<String, float[]> optimizerState(Optimizer optimizer, Checkpoint.Loaded loaded, Path dir) {
        Map<String, float[]> state = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : optimizer.state().entrySet()) {
            Safetensors.Loaded t = loaded.tensors().get("optimizer." + e.getKey());
            if (t == null || t.data().length != e.getValue().numel()) {
                throw new IllegalArgumentException("checkpoint " + dir + ": optimizer state 'optimizer." + e.getKey()
                        + "' " + (t == null ? "is missing" : "has " + t.data().length + " values")
                        + ", this optimizer needs " + e.getValue().numel() + " (was it saved with another optimizer? it has "
                        + loaded.tensors().keySet() + ")");
            }
            checkFinite(dir, "optimizer." + e.getKey(), t.data());
            state.put(e.getKey(), t.data());
        }
        return state;
    }

    /** A whole number from 0 to {@code max} under {@code key} of the config, else the config's fault. */
    static long counter(Map<String, Object> cfg, String key, long max, Path dir) {
        if (cfg.get(key) instanceof Long v && v >= 0 && v <= max) {
            return v;
        }
        throw new FileFormatException(dir.resolve(Checkpoint.CONFIG), -1, key + " must be a whole number from 0 to " + max
                + ", got " + (cfg.get(key) == null ? "nothing" : Excerpt.of(Json.writeCompact(cfg.get(key))))
                + " (Trainer.save writes it: edited by hand, or from another tool?)");
    }

    /** A NaN or infinite value in a checkpoint: the run that wrote it had diverged, and no result from it means anything. */
    private static void checkFinite(Path dir, String name, float[] data) {
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new FileFormatException(dir.resolve(Checkpoint.MODEL), -1, "tensor '" + name + "' holds " + data[i]
                        + " at flat index " + i + ": the run that wrote it had diverged; use an earlier checkpoint (its best"
                        + " one is in " + dir.resolve(CheckpointDir.BEST) + ")");
            }
        }
    }

    static void copyParameters(Parameters params, Checkpoint.Loaded loaded) {
        for (Map.Entry<String, Tensor> e : params.named().entrySet()) {
            Safetensors.Loaded t = loaded.tensors().get(e.getKey());
            try (Tensor src = Tensor.of(e.getValue().device(), t.data(), t.shape())) {
                InPlace.copy(e.getValue(), src);
            }
        }
    }
}
