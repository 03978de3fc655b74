package dev.adjoint.train;

import dev.adjoint.device.Device;
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

    /** The spec {@link #toConfig} wrote, or an error saying the config is not one (edited by hand, or not from Adjoint). */
    public static MlpSpec fromConfig(Map<?, ?> c) {
        try {
            List<?> s = (List<?>) c.get("sizes");
            int[] sizes = new int[s.size()];
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = ((Number) s.get(i)).intValue();
            }
            return new MlpSpec(sizes, Activation.parse((String) c.get("activation")),
                    Init.valueOf(((String) c.get("init")).toUpperCase(Locale.ROOT)),
                    ((Number) c.get("dropout")).floatValue(), ((Number) c.get("seed")).longValue());
        } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the checkpoint's model config " + c + " is not an MLP description "
                    + "(sizes, activation, init, dropout, seed) as 'adjoint train' writes it: " + e.getMessage(), e);
        }
    }
}
