package dev.adjoint.train;

import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import dev.adjoint.io.Excerpt;
import dev.adjoint.io.Json;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.BatchNorm;
import dev.adjoint.nn.Conv1d;
import dev.adjoint.nn.Conv2d;
import dev.adjoint.nn.Dropout;
import dev.adjoint.nn.Flatten;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Layer;
import dev.adjoint.nn.LayerNorm;
import dev.adjoint.nn.Linear;
import dev.adjoint.nn.Pool2d;
import dev.adjoint.nn.Sequential;
import dev.adjoint.nn.Unflatten;
import dev.adjoint.tensor.Autograd;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A model file's network ({@code adjoint train --model FILE.json}): PyTorch's {@code nn.Sequential}
 * written out as a list of layers, each an object with a {@code "type"} and PyTorch's argument names.
 *
 * <pre>{@code
 * {"input": [1, 28, 28],
 *  "layers": [{"type": "conv2d", "out": 32, "kernel": 3, "padding": "same"}, {"type": "batchnorm2d"},
 *             {"type": "relu"}, {"type": "maxpool2d", "kernel": 2}, {"type": "flatten"},
 *             {"type": "linear", "out": 128}, {"type": "relu"}, {"type": "dropout", "p": 0.3},
 *             {"type": "linear"}]}
 * }</pre>
 *
 * {@code "input"} views each row of features as {@code [C, H, W]} or {@code [C, L]} (an {@code nn.Unflatten}
 * in front, child 0); without it rows stay {@code [features]}. Each layer's input size (channels, features)
 * is the previous layer's output, found by running one row of zeros through the layers as they are built;
 * the last layer must give one value per class (or one), and a last {@code linear} without {@code "out"}
 * gets that many. Types and their keys (defaults in brackets):
 * <ul>
 *   <li>{@code linear}: out, bias [true]</li>
 *   <li>{@code conv2d}: out, kernel, stride [1], padding [0; a number, [ph, pw], "same" or "valid"],
 *       dilation [1], groups [1], bias [true]; sizes are a number or [h, w]</li>
 *   <li>{@code conv1d}: out, kernel, stride [1], padding [0, "same" or "valid"], dilation [1], groups [1], bias [true]</li>
 *   <li>{@code maxpool2d}, {@code maxpool1d}: kernel, stride [kernel], padding [0], dilation [1], ceil_mode [false]</li>
 *   <li>{@code avgpool2d}, {@code avgpool1d}: kernel, stride [kernel], padding [0], ceil_mode [false]</li>
 *   <li>{@code batchnorm1d}, {@code batchnorm2d}: eps [1e-5], momentum [0.1]; {@code layernorm}: eps [1e-5]</li>
 *   <li>{@code relu}, {@code leaky_relu} (slope 0.01), {@code sigmoid}, {@code tanh}, {@code gelu}, {@code flatten};
 *       {@code dropout}: p [0.5]</li>
 * </ul>
 * A key a type does not take, a value of the wrong kind, or a layer that does not fit its input is an
 * IllegalArgumentException naming the layer by its position and type. Weights are drawn by {@code init}
 * from {@code seed} and the layer's position.
 */
public record LayerSpec(int inputs, int[] image, List<Map<String, Object>> layers, int outputs, Init init, long seed)
        implements ModelSpec {
    /** The config's {@code "type"}. */
    static final String TYPE = "layers";
    private static final Map<String, Set<String>> KEYS = keys();

    private static Map<String, Set<String>> keys() {
        Map<String, Set<String>> k = new LinkedHashMap<>();
        k.put("linear", Set.of("out", "bias"));
        k.put("conv2d", Set.of("out", "kernel", "stride", "padding", "dilation", "groups", "bias"));
        k.put("conv1d", Set.of("out", "kernel", "stride", "padding", "dilation", "groups", "bias"));
        k.put("maxpool2d", Set.of("kernel", "stride", "padding", "dilation", "ceil_mode"));
        k.put("maxpool1d", Set.of("kernel", "stride", "padding", "dilation", "ceil_mode"));
        k.put("avgpool2d", Set.of("kernel", "stride", "padding", "ceil_mode"));
        k.put("avgpool1d", Set.of("kernel", "stride", "padding", "ceil_mode"));
        k.put("batchnorm1d", Set.of("eps", "momentum"));
        k.put("batchnorm2d", Set.of("eps", "momentum"));
        k.put("layernorm", Set.of("eps"));
        for (String a : List.of("relu", "leaky_relu", "sigmoid", "tanh", "gelu", "flatten")) {
            k.put(a, Set.of());
        }
        k.put("dropout", Set.of("p"));
        return k;
    }

    public LayerSpec {
        image = image == null ? new int[0] : image.clone();
        if (inputs < 1 || outputs < 1) {
            throw new IllegalArgumentException("model: inputs (" + inputs + ") and outputs (" + outputs + ") must be positive");
        }
        if (image.length != 0 && (image.length < 2 || image.length > 3
                || Arrays.stream(image).asLongStream().reduce(1, (a, b) -> a * b) != inputs
                || Arrays.stream(image).anyMatch(d -> d < 1))) {
            throw new IllegalArgumentException("model.input must be [C, H, W] or [C, L] of positive sizes whose product is the"
                    + " data's " + inputs + " features, got " + Arrays.toString(image));
        }
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("model.layers must be a list of one or more layers");
        }
        List<Map<String, Object>> checked = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            checked.add(checkLayer(i, layers.get(i)));
        }
        Map<String, Object> last = checked.getLast();
        if ("linear".equals(last.get("type")) && !last.containsKey("out")) {
            Map<String, Object> filled = new LinkedHashMap<>(last);
            filled.put("out", (long) outputs);
            checked.set(checked.size() - 1, filled);
        }
        layers = List.copyOf(checked);
        if (init == null) {
            throw new IllegalArgumentException("model: an init is required");
        }
    }

    /** Whether a checkpoint's model config is a model file's layers. */
    public static boolean describesLayers(Map<?, ?> modelConfig) {
        return TYPE.equals(modelConfig.get("type"));
    }

    /**
     * The model file at {@code file} for rows of {@code inputs} features and {@code outputs} outputs (a
     * task's); an IllegalArgumentException names the file and what in it is wrong.
     */
    public static LayerSpec read(Path file, int inputs, int outputs, Init init, long seed) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("--model " + file + ": " + e.getMessage(), e);
        }
        try {
            Map<String, Object> doc = Json.parseObject(text);
            for (String k : doc.keySet()) {
                if (!k.equals("input") && !k.equals("layers")) {
                    throw new IllegalArgumentException("model." + k + " is not a key of a model file (it has \"input\" and"
                            + " \"layers\")");
                }
            }
            LayerSpec spec = new LayerSpec(inputs, doc.containsKey("input") ? ints(doc.get("input"), "model.input") : null,
                    layerList(doc.get("layers")), outputs, init, seed);
            spec.check();
            return spec;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--model " + file + ": " + e.getMessage(), e);
        }
    }

    /** Builds the model once on the CPU, so that a layer that does not fit is named before training starts. */
    private void check() {
        try (Device cpu = Devices.select("cpu").device(); Sequential s = build(cpu)) {
            // built and thrown away: build names the layer that does not fit
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> layerList(Object v) {
        if (!(v instanceof List<?> list)) {
            throw new IllegalArgumentException("model.layers must be a list of layers, got "
                    + (v == null ? "nothing" : Excerpt.of(Json.writeCompact(v))));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException("model.layers[" + i + "] must be an object with a \"type\", got "
                        + Excerpt.of(Json.writeCompact(list.get(i))));
            }
            out.add((Map<String, Object>) m);
        }
        return out;
    }

    private static Map<String, Object> checkLayer(int i, Map<String, Object> layer) {
        Object type = layer.get("type");
        if (!(type instanceof String t) || !KEYS.containsKey(t)) {
            throw new IllegalArgumentException("model.layers[" + i + "].type must be one of " + String.join(", ", KEYS.keySet())
                    + ", got " + (type == null ? "nothing" : Excerpt.of(Json.writeCompact(type))));
        }
        for (String k : layer.keySet()) {
            if (!k.equals("type") && !KEYS.get(t).contains(k)) {
                throw new IllegalArgumentException(where(i, t) + " takes " + (KEYS.get(t).isEmpty() ? "no keys"
                        : String.join(", ", new java.util.TreeSet<>(KEYS.get(t)))) + ", not \"" + Excerpt.of(k) + "\"");
            }
        }
        return new LinkedHashMap<>(layer);
    }

    private static String where(int i, String type) {
        return "model.layers[" + i + "] (" + type + ")";
    }

    @Override
    public Sequential build(Device device) {
        Sequential s = new Sequential();
        boolean built = false;
        try {
            int[] shape = image.length > 0 ? image : new int[] {inputs};
            if (image.length > 0) {
                s.add(new Unflatten(image));
            }
            for (int i = 0; i < layers.size(); i++) {
                Map<String, Object> cfg = layers.get(i);
                String type = (String) cfg.get("type");
                try {
                    Layer l = layer(device, i, type, cfg, shape);    // outside the probe's scope, which would close its weights
                    s.add(l);
                    shape = probe(device, l, shape);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where(i, type) + " on input " + Shape.format(shape) + ": "
                            + e.getMessage(), e);
                }
            }
            if (shape.length != 1 || shape[0] != outputs) {
                throw new IllegalArgumentException("the last layer gives " + Shape.format(shape) + " per row, and the task"
                        + " needs [" + outputs + "] (end with {\"type\": \"linear\"}, after a flatten)");
            }
            built = true;
            return s;
        } finally {
            if (!built) {
                s.close();
            }
        }
    }

    /** The shape of one row out of {@code l}, from a row of zeros of {@code shape} run through it in eval mode. */
    private static int[] probe(Device device, Layer l, int[] shape) {
        int[] row = new int[shape.length + 1];
        row[0] = 1;
        System.arraycopy(shape, 0, row, 1, shape.length);
        try (Scope scope = Scope.open(); Autograd.NoGrad off = Autograd.noGrad()) {
            l.eval();     // one value per channel would be refused by a BatchNorm in training
            Tensor y = l.forward(Tensor.zeros(device, row));
            return Arrays.copyOfRange(y.shape(), 1, y.dim());
        } finally {
            l.train();
        }
    }

    private Layer layer(Device device, int i, String type, Map<String, Object> c, int[] shape) {
        long at = seed + 1000L * i;
        return switch (type) {
            case "linear" -> {
                if (shape.length != 1) {
                    throw new IllegalArgumentException("linear takes [N, features]; put {\"type\": \"flatten\"} before it");
                }
                yield new Linear(device, shape[0], positive(c, "out", -1), bool(c, "bias", true), init, at);
            }
            case "conv2d" -> {
                rank(type, shape, 3, "[N, C, H, W]");
                Object p = c.get("padding");
                int[] padding = "same".equals(p) ? Conv2d.SAME : "valid".equals(p) ? Conv2d.VALID : pair(c, "padding", 0, 0);
                yield new Conv2d(device, shape[0], positive(c, "out", -1), pair(c, "kernel", -1, 1),
                        pair(c, "stride", 1, 1), padding, pair(c, "dilation", 1, 1), positive(c, "groups", 1),
                        bool(c, "bias", true), init, at);
            }
            case "conv1d" -> {
                rank(type, shape, 2, "[N, C, L]");
                Object p = c.get("padding");
                int padding = "same".equals(p) ? Conv1d.SAME : "valid".equals(p) ? 0 : whole(c, "padding", 0, 0);
                yield new Conv1d(device, shape[0], positive(c, "out", -1), positive(c, "kernel", -1),
                        positive(c, "stride", 1), padding, positive(c, "dilation", 1), positive(c, "groups", 1),
                        bool(c, "bias", true), init, at);
            }
            case "maxpool2d", "avgpool2d" -> {
                rank(type, shape, 3, "[N, C, H, W]");
                int[] kernel = pair(c, "kernel", -1, 1);
                int[] stride = c.containsKey("stride") ? pair(c, "stride", -1, 1) : kernel;
                int[] padding = pair(c, "padding", 0, 0);
                yield type.equals("maxpool2d")
                        ? Pool2d.max2d(kernel, stride, padding, pair(c, "dilation", 1, 1), bool(c, "ceil_mode", false))
                        : Pool2d.avg2d(kernel, stride, padding, bool(c, "ceil_mode", false));
            }
            case "maxpool1d", "avgpool1d" -> {
                rank(type, shape, 2, "[N, C, L]");
                int kernel = positive(c, "kernel", -1);
                int stride = positive(c, "stride", kernel);
                int padding = whole(c, "padding", 0, 0);
                yield type.equals("maxpool1d")
                        ? Pool2d.max1d(kernel, stride, padding, positive(c, "dilation", 1), bool(c, "ceil_mode", false))
                        : Pool2d.avg1d(kernel, stride, padding, bool(c, "ceil_mode", false));
            }
            case "batchnorm1d", "batchnorm2d" -> BatchNorm.of(type.equals("batchnorm1d") ? 1 : 2, device, shape[0],
                    (float) number(c, "eps", BatchNorm.EPS), (float) number(c, "momentum", BatchNorm.MOMENTUM), true);
            case "layernorm" -> new LayerNorm(device, shape[shape.length - 1], (float) number(c, "eps", 1e-5), true);
            case "dropout" -> new Dropout((float) number(c, "p", 0.5), seed + 7919L * (i + 1));
            case "flatten" -> new Flatten();
            default -> new Activation(Activation.parse(type));
        };
    }

    private static void rank(String type, int[] shape, int rank, String takes) {
        if (shape.length != rank) {
            throw new IllegalArgumentException(type + " takes " + takes + "; give the model an \"input\" of that shape, or"
                    + " remove the flatten before it");
        }
    }

    /** A whole number of at least {@code min}; {@code fallback} when absent (-1: required). */
    private static int whole(Map<String, Object> c, String key, int fallback, int min) {
        Object v = c.get(key);
        if (v == null) {
            if (fallback < 0) {
                throw new IllegalArgumentException("\"" + key + "\" is required");
            }
            return fallback;
        }
        if (!(v instanceof Long n) || n < min || n > 1 << 24) {
            throw new IllegalArgumentException("\"" + key + "\" must be a whole number from " + min + ", got "
                    + Excerpt.of(Json.writeCompact(v)));
        }
        return n.intValue();
    }

    private static int positive(Map<String, Object> c, String key, int fallback) {
        return whole(c, key, fallback, 1);
    }

    /** A size for both axes: a whole number, or [h, w]. */
    private static int[] pair(Map<String, Object> c, String key, int fallback, int min) {
        Object v = c.get(key);
        if (v instanceof List<?> l) {
            if (l.size() != 2) {
                throw new IllegalArgumentException("\"" + key + "\" must be a number or [h, w], got "
                        + Excerpt.of(Json.writeCompact(v)));
            }
            Map<String, Object> first = new java.util.HashMap<>();     // Map.of refuses a null, and JSON may hold one
            first.put(key, l.get(0));
            Map<String, Object> second = new java.util.HashMap<>();
            second.put(key, l.get(1));
            return new int[] {whole(first, key, -1, min), whole(second, key, -1, min)};
        }
        int n = whole(c, key, fallback, min);
        return new int[] {n, n};
    }

    private static boolean bool(Map<String, Object> c, String key, boolean fallback) {
        Object v = c.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException("\"" + key + "\" must be true or false, got " + Excerpt.of(Json.writeCompact(v)));
        }
        return b;
    }

    private static double number(Map<String, Object> c, String key, double fallback) {
        Object v = c.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw new IllegalArgumentException("\"" + key + "\" must be a number, got " + Excerpt.of(Json.writeCompact(v)));
        }
        return n.doubleValue();
    }

    private static int[] ints(Object v, String what) {
        if (!(v instanceof List<?> l) || l.isEmpty()) {
            throw new IllegalArgumentException(what + " must be a list of sizes, got "
                    + (v == null ? "nothing" : Excerpt.of(Json.writeCompact(v))));
        }
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Long n) || n < 1 || n > 1 << 24) {
                throw new IllegalArgumentException(what + " must be a list of positive whole numbers, got "
                        + Excerpt.of(Json.writeCompact(v)));
            }
            out[i] = n.intValue();
        }
        return out;
    }

    @Override
    public Map<String, Object> toConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("type", TYPE);
        c.put("inputs", (long) inputs);
        if (image.length > 0) {
            c.put("input", MlpSpec.longs(image));
        }
        c.put("layers", new ArrayList<>(layers));
        c.put("outputs", (long) outputs);
        c.put("init", init.name().toLowerCase(Locale.ROOT));
        c.put("seed", seed);
        return c;
    }

    /** The spec {@link #toConfig} wrote; an IllegalArgumentException names what is wrong. */
    static LayerSpec fromConfig(Map<?, ?> c) {
        Init init;
        try {
            init = Init.valueOf(c.get("init") instanceof String i ? i.toUpperCase(Locale.ROOT) : "");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model.init must be one of xavier_uniform, xavier_normal, he_uniform,"
                    + " he_normal, pytorch, got " + Excerpt.of(Json.writeCompact(String.valueOf(c.get("init")))));
        }
        if (!(c.get("seed") instanceof Long seed)) {
            throw new IllegalArgumentException("model.seed must be an integer, got " + Excerpt.of(String.valueOf(c.get("seed"))));
        }
        int inputs = ints(List.of(c.get("inputs") == null ? 0L : c.get("inputs")), "model.inputs")[0];
        int outputs = ints(List.of(c.get("outputs") == null ? 0L : c.get("outputs")), "model.outputs")[0];
        return new LayerSpec(inputs, c.containsKey("input") ? ints(c.get("input"), "model.input") : null,
                layerList(c.get("layers")), outputs, init, seed);
    }

    @Override
    public String describe() {
        List<String> names = new ArrayList<>();
        for (Map<String, Object> l : layers) {
            names.add((String) l.get("type"));
        }
        return "model file: " + (image.length > 0 ? "input " + Arrays.toString(image) + ", " : "") + layers.size()
                + " layers (" + String.join(", ", names) + "), " + inputs + " -> " + outputs;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerSpec s && inputs == s.inputs && Arrays.equals(image, s.image) && layers.equals(s.layers)
                && outputs == s.outputs && init == s.init && seed == s.seed;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(inputs, Arrays.hashCode(image), layers, outputs, init, seed);
    }

    @Override
    public int[] image() {
        return image.clone();
    }
}
