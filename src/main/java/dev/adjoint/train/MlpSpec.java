package dev.adjoint.train;

import dev.adjoint.device.Device;
import dev.adjoint.io.Json;
import dev.adjoint.io.Excerpt;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Sequential;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What an MLP is made of, as stored in a checkpoint's configuration so the model can be rebuilt. */
public record MlpSpec(int[] sizes, Activation.Kind activation, Init init, float dropout, long seed) {
    public MlpSpec {
        if (sizes.length < 2) {
            throw new IllegalArgumentException("an MLP needs input and output sizes, got " + java.util.Arrays.toString(sizes));
        }
        sizes = sizes.clone();
    }

    /** Input size, hidden sizes, output size. */
    public static MlpSpec of(int inputs, int[] hidden, int outputs, Activation.Kind activation, Init init, float dropout,
                             long seed) {
        int[] sizes = new int[hidden.length + 2];
        sizes[0] = inputs;
        System.arraycopy(hidden, 0, sizes, 1, hidden.length);
        sizes[sizes.length - 1] = outputs;
        return new MlpSpec(sizes, activation, init, dropout, seed);
    }

    public Sequential build(Device device) {
        return Sequential.mlp(device, sizes, activation, init, dropout, seed);
    }

    public Map<String, Object> toConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        List<Object> s = new ArrayList<>();
        for (int v : sizes) {
            s.add((long) v);
        }
        c.put("type", "mlp");
        c.put("sizes", s);
        c.put("activation", activation.name().toLowerCase(Locale.ROOT));
        c.put("init", init.name().toLowerCase(Locale.ROOT));
        c.put("dropout", (double) dropout);
        c.put("seed", seed);
        return c;
    }

    /**
     * The spec {@link #toConfig} wrote, or an IllegalArgumentException naming the first field that
     * is not what it should be (edited by hand, or not from Adjoint), quoting a short excerpt of it.
     */
    public static MlpSpec fromConfig(Map<?, ?> c) {
        if (!(c.get("sizes") instanceof List<?> s) || s.size() < 2) {
            throw field("sizes", c.get("sizes"), "a list of two or more layer sizes");
        }
        int[] sizes = new int[s.size()];
        for (int i = 0; i < sizes.length; i++) {
            if (!(s.get(i) instanceof Number v) || v.doubleValue() != Math.rint(v.doubleValue()) || v.doubleValue() < 1
                    || v.doubleValue() > 1 << 24) {
                throw field("sizes", c.get("sizes"), "a list of layer sizes, each an integer from 1 to " + (1 << 24));
            }
            sizes[i] = v.intValue();
        }
        Activation.Kind activation;
        Init init;
        try {
            activation = Activation.parse(c.get("activation") instanceof String a ? a : "");
        } catch (IllegalArgumentException e) {
            throw field("activation", c.get("activation"), "one of relu, leaky_relu, sigmoid, tanh, gelu");
        }
        try {
            init = Init.valueOf(c.get("init") instanceof String i ? i.toUpperCase(Locale.ROOT) : "");
        } catch (IllegalArgumentException e) {
            throw field("init", c.get("init"), "one of xavier_uniform, xavier_normal, he_uniform, he_normal, pytorch");
        }
        if (!(c.get("dropout") instanceof Number d) || !(d.doubleValue() >= 0 && d.doubleValue() < 1)) {
            throw field("dropout", c.get("dropout"), "a number in [0, 1)");
        }
        if (!(c.get("seed") instanceof Long seed)) {
            throw field("seed", c.get("seed"), "an integer");
        }
        return new MlpSpec(sizes, activation, init, d.floatValue(), seed);
    }

    private static IllegalArgumentException field(String name, Object value, String expected) {
        return new IllegalArgumentException("model." + name + " must be " + expected + ", got "
                + (value == null ? "nothing" : Excerpt.of(Json.writeCompact(value)))
                + " (the model config 'adjoint train' writes; edited by hand, or from another tool?)");
    }
}
