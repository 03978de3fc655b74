package dev.adjoint.bench;

/**
 * The {@code model} parameter of the MLP benchmarks: layer sizes and the batch, written
 * {@code 784-256-128-10/128} ({@code adjoint bench train --sizes 784,256,128,10 --batch 128}).
 */
public record ModelSpec(int[] sizes, int batch) {
    public static ModelSpec parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("model '" + text + "' is not SIZES/BATCH, e.g. 784-256-128-10/128");
        }
        int[] sizes = Sizes.parse("model sizes", text.substring(0, slash), "-", 0);
        int batch = Sizes.parse("model batch", text.substring(slash + 1), "-", 1)[0];
        return new ModelSpec(sizes, batch);
    }

    public int classes() {
        return sizes[sizes.length - 1];
    }
}
