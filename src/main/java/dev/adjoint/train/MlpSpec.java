package dev.adjoint.train;

import dev.adjoint.device.Device;
import dev.adjoint.io.Json;
import dev.adjoint.io.Excerpt;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.BatchNorm;
import dev.adjoint.nn.Conv2d;
import dev.adjoint.nn.Flatten;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Layer;
import dev.adjoint.nn.Pool2d;
import dev.adjoint.nn.Sequential;
import dev.adjoint.nn.Unflatten;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a model is made of, as stored in a checkpoint's configuration so the model can be rebuilt: an MLP
 * ({@code sizes}: inputs, hidden, outputs), optionally behind convolution stages ({@code conv}: channels, on
 * inputs that are {@code image = {C, H, W}} flattened). Each stage is a 5×5 SAME {@link Conv2d}, the
 * activation and 2×2 max pooling; then {@link Flatten} and the MLP's hidden and output layers. As a PyTorch
 * {@code nn.Sequential} it is Unflatten, the stages' layers, Flatten, then Linear/activation pairs, so the
 * parameter names (index.weight) are the same. With {@code batchNorm} ({@code "norm": "batch"}), a
 * {@link BatchNorm} follows every convolution (2d) and every hidden Linear (1d), before the activation.
 */
public record MlpSpec(int[] sizes, Activation.Kind activation, Init init, float dropout, long seed, int[] image,
                      int[] conv, boolean batchNorm) implements ModelSpec {
    /** The kernel of every convolution stage. */
    public static final int KERNEL = 5;

    public MlpSpec {
        if (sizes.length < 2) {
            throw new IllegalArgumentException("an MLP needs input and output sizes, got " + java.util.Arrays.toString(sizes));
        }
        sizes = sizes.clone();
        conv = conv == null ? new int[0] : conv.clone();
        image = image == null ? new int[0] : image.clone();
        if (conv.length > 0 && (image.length != 3 || image[0] * image[1] * image[2] != sizes[0])) {
            throw new IllegalArgumentException("convolution stages need the input as an image {C, H, W} of "
                    + sizes[0] + " values, got " + java.util.Arrays.toString(image));
        }
        if (conv.length > 0 && (image[1] >> conv.length < 1 || image[2] >> conv.length < 1)) {
            throw new IllegalArgumentException(conv.length + " convolution stages halve a " + image[1] + "x" + image[2]
                    + " image " + conv.length + " times: too small");
        }
    }

    /** An MLP: no convolution stages, no batch normalisation. */
    public MlpSpec(int[] sizes, Activation.Kind activation, Init init, float dropout, long seed) {
        this(sizes, activation, init, dropout, seed, null, null, false);
    }

    /** The same model with (or without) batch normalisation after every convolution and hidden Linear. */
    public MlpSpec withBatchNorm(boolean on) {
        return new MlpSpec(sizes, activation, init, dropout, seed, image, conv, on);
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

    /** The same MLP behind convolution stages of {@code channels} on square grey images of {@code inputs} values. */
    public MlpSpec withConvolution(int[] channels) {
        if (channels.length == 0) {
            return this;
        }
        int side = (int) Math.round(Math.sqrt(sizes[0]));
        if (side * side != sizes[0]) {
            throw new IllegalArgumentException("convolution stages take square grey images (rows of H·H values); this"
                    + " data has " + sizes[0] + " features per row");
        }
        return new MlpSpec(sizes, activation, init, dropout, seed, new int[] {1, side, side}, channels, batchNorm);
    }

    @Override
    public int inputs() {
        return sizes[0];
    }

    @Override
    public int outputs() {
        return sizes[sizes.length - 1];
    }

    @Override
    public Sequential build(Device device) {
        if (conv.length == 0) {
            return Sequential.mlp(device, sizes, activation, init, dropout, seed, batchNorm);
        }
        Sequential s = new Sequential();
        s.add(new Unflatten(image));
        int c = image[0];
        int h = image[1];
        int w = image[2];
        for (int i = 0; i < conv.length; i++) {
            s.add(new Conv2d(device, c, conv[i], new int[] {KERNEL, KERNEL}, new int[] {1, 1}, Conv2d.SAME,
                    new int[] {1, 1}, 1, true, init, seed + 100_000L * (i + 1)));
            if (batchNorm) {
                s.add(BatchNorm.of2d(device, conv[i]));
            }
            s.add(new Activation(activation));
            s.add(Pool2d.max2d(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1}, false));
            c = conv[i];
            h /= 2;
            w /= 2;
        }
        s.add(new Flatten());
        int[] head = sizes.clone();
        head[0] = c * h * w;
        for (Layer l : Sequential.mlp(device, head, activation, init, dropout, seed, batchNorm).layers()) {
            s.add(l);
        }
        return s;
    }

    /** "MLP [784, 512, 256, 10]", or "CNN conv [16, 32] (5x5, max pool 2) then MLP [...]", and ", batch norm". */
    @Override
    public String describe() {
        return (conv.length == 0 ? "" : "CNN on " + image[1] + "x" + image[2] + ": conv " + java.util.Arrays.toString(conv)
                + " (" + KERNEL + "x" + KERNEL + " same, max pool 2), then ") + "MLP " + java.util.Arrays.toString(sizes)
                + (batchNorm ? ", batch norm" : "");
    }

    @Override
    public Map<String, Object> toConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("type", conv.length == 0 ? "mlp" : "cnn");
        if (conv.length > 0) {
            c.put("image", longs(image));
            c.put("conv", longs(conv));
        }
        c.put("sizes", longs(sizes));
        c.put("activation", activation.name().toLowerCase(Locale.ROOT));
        c.put("init", init.name().toLowerCase(Locale.ROOT));
        c.put("dropout", (double) dropout);
        if (batchNorm) {
            c.put("norm", "batch");
        }
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
        Object norm = c.get("norm");
        if (norm != null && !"batch".equals(norm)) {
            throw field("norm", norm, "\"batch\", or absent for none");
        }
        if ("cnn".equals(c.get("type"))) {
            int[] image = ints(c, "image", 3, 3);
            int[] conv = ints(c, "conv", 1, 16);
            try {
                return new MlpSpec(sizes, activation, init, d.floatValue(), seed, image, conv, norm != null);
            } catch (IllegalArgumentException e) {
                throw field("image", c.get("image"), "an image {C, H, W} that the stages fit: " + e.getMessage());
            }
        }
        return new MlpSpec(sizes, activation, init, d.floatValue(), seed).withBatchNorm(norm != null);
    }

    /** Sizes as the JSON config holds them: a list of longs. */
    static List<Object> longs(int[] v) {
        List<Object> out = new ArrayList<>();
        for (int x : v) {
            out.add((long) x);
        }
        return out;
    }

    private static int[] ints(Map<?, ?> c, String name, int min, int max) {
        if (!(c.get(name) instanceof List<?> l) || l.size() < min || l.size() > max) {
            throw field(name, c.get(name), "a list of " + min + " to " + max + " positive integers");
        }
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Number v) || v.doubleValue() != Math.rint(v.doubleValue()) || v.doubleValue() < 1
                    || v.doubleValue() > 1 << 16) {
                throw field(name, c.get(name), "a list of positive integers up to " + (1 << 16));
            }
            out[i] = v.intValue();
        }
        return out;
    }

    private static IllegalArgumentException field(String name, Object value, String expected) {
        return new IllegalArgumentException("model." + name + " must be " + expected + ", got "
                + (value == null ? "nothing" : Excerpt.of(Json.writeCompact(value)))
                + " (the model config 'adjoint train' writes; edited by hand, or from another tool?)");
    }
}
