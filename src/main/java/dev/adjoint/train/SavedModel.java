package dev.adjoint.train;

import dev.adjoint.data.CsvEncoding;
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
import java.util.List;
import java.util.Map;

/**
 * A model read back from a checkpoint: every parameter checked by name, shape and value (a NaN
 * or infinity means the run that wrote it had diverged) before any is copied, the optimizer
 * state and counters checked the same way, and the input normalization.
 */
public final class SavedModel {
    private SavedModel() {}

    /**
     * What a checkpoint's config.json says about its model and the input it takes: the network, the
     * preprocessing (a division of the stored values by {@code divisor}, then {@code normalization};
     * or a CSV's column {@code encoding}, null for other data), the label each output stands for,
     * the class names a CSV with string labels recorded (null otherwise), the run's seed, and the
     * {@link Task} it was trained for (fitted: class weights, a regression target's mean and std;
     * a checkpoint from before tasks is a classification).
     */
    public record Settings(ModelSpec spec, Normalization normalization, float divisor, CsvEncoding encoding,
                           int[] labelValues, List<?> labelNames, long seed, Task task) {
        /** The settings in {@code cfg}, the config of checkpoint {@code dir}; a FileFormatException names what is wrong. */
        public static Settings of(Map<String, Object> cfg, Path dir) {
            Path file = dir.resolve(Checkpoint.CONFIG);
            try {
                if (!(cfg.get("model") instanceof Map<?, ?> model)) {
                    throw new IllegalArgumentException("\"model\" must be the model's description, got "
                            + (cfg.get("model") == null ? "nothing" : Excerpt.of(Json.writeCompact(cfg.get("model")))));
                }
                ModelSpec spec = ModelSpec.fromConfig(model);
                Normalization norm = SavedModel.normalization(cfg);
                long seed = cfg.get("seed") instanceof Number n ? n.longValue() : 1;
                int outputs = spec.outputs();
                String legacyLoss = cfg.get(RunRecord.RUN) instanceof Map<?, ?> run && run.get("loss") instanceof String l
                        && Task.losses(Task.Kind.CLASSIFICATION).contains(l) ? l : null;
                Task task = Task.fromConfig(cfg.get(Task.CONFIG), legacyLoss);
                if (task.kind() != Task.Kind.CLASSIFICATION && outputs != 1) {
                    throw new IllegalArgumentException("a " + task.name() + " model has one output, and \"model\" has "
                            + outputs);
                }
                int[] recorded = task.kind() == Task.Kind.REGRESSION ? new int[0] : SavedModel.labelValues(cfg, dir);
                // a checkpoint that records no class labels is from before they were kept: output i was label i
                int[] labels = recorded != null ? recorded : java.util.stream.IntStream.range(0, outputs).toArray();
                if (task.kind() == Task.Kind.BINARY && labels.length != 2) {
                    throw new IllegalArgumentException("a binary model stands for two classes, and data.labels has "
                            + labels.length);
                }
                List<?> steps = cfg.get("preprocessing") instanceof List<?> l ? l : List.of();
                CsvEncoding encoding = null;
                float divisor = 1f;
                List<?> names = null;
                for (Object step : steps) {
                    if (step instanceof Map<?, ?> m && CsvEncoding.OP.equals(m.get("op"))) {
                        encoding = CsvEncoding.fromConfig(m, labels);
                    } else if (step instanceof Map<?, ?> m && "divide".equals(m.get("op")) && m.get("by") instanceof Number by
                            && by.floatValue() > 0 && Float.isFinite(by.floatValue())) {
                        divisor = by.floatValue();
                    }
                    if (step instanceof Map<?, ?> m && m.get("label_names") instanceof List<?> l) {
                        names = l;
                    }
                }
                return new Settings(spec, norm, divisor, encoding, labels, names, seed, task);
            } catch (IllegalArgumentException e) {
                throw new FileFormatException(file, -1, e.getMessage(), e);
            }
        }

        /** The number of outputs: one per class, or one (binary, regression). */
        public int outputs() {
            return spec.outputs();
        }

        /** The number of classes the model tells apart: its outputs, two for a binary model, none for regression. */
        public int classes() {
            return labelValues.length;
        }

        /** Class {@code c}'s name: the CSV's label name, else the label it stands for. */
        public String className(int c) {
            return labelNames != null ? String.valueOf(labelNames.get(c)) : Integer.toString(labelValues[c]);
        }
    }

    /**
     * The label each output of the checkpoint's model stands for ({@code "data": {"labels": [...]}}),
     * or null for a checkpoint that records none (output i is label i); a list that is not
     * ascending integers is the config's fault.
     */
    private static int[] labelValues(Map<String, Object> cfg, Path dir) {
        if (!(cfg.get("data") instanceof Map<?, ?> data) || data.get("labels") == null) {
            return null;
        }
        if (data.get("labels") instanceof List<?> list && !list.isEmpty()) {
            int[] v = new int[list.size()];
            for (int i = 0; i < v.length; i++) {
                if (!(list.get(i) instanceof Long x) || x < 0 || x >= 1 << 24 || (i > 0 && x <= v[i - 1])) {
                    v = null;
                    break;
                }
                v[i] = x.intValue();
            }
            if (v != null) {
                return v;
            }
        }
        throw new FileFormatException(dir.resolve(Checkpoint.CONFIG), -1, "data.labels must be ascending class labels"
                + " (integers from 0 to " + ((1 << 24) - 1) + "), got " + Excerpt.of(Json.writeCompact(data.get("labels"))));
    }

    /**
     * {@link #loadParameters} into a model built from the checkpoint's own config: a tensor that does
     * not fit is the checkpoint's fault, a FileFormatException naming its model file.
     */
    public static void loadOwnParameters(Parameters params, Checkpoint.Loaded loaded, Path dir) {
        try {
            loadParameters(params, loaded, dir);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(dir.resolve(Checkpoint.MODEL), -1, "does not match its " + Checkpoint.CONFIG + ": "
                    + e.getMessage(), e);
        }
    }

    /** Copies a checkpoint's parameters into the slab (and its buffers into the layers) after checking every name, shape and value (none is copied if one is wrong). */
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
        for (Map.Entry<String, Tensor> e : params.state().entrySet()) {
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
        for (Map.Entry<String, Tensor> e : params.state().entrySet()) {
            Safetensors.Loaded t = loaded.tensors().get(e.getKey());
            try (Tensor src = Tensor.of(e.getValue().device(), t.data(), t.shape())) {
                InPlace.copy(e.getValue(), src);
            }
        }
    }
}
