package dev.adjoint.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Random shifts and horizontal flips of image rows ({@code channels × height × width} values, row-major),
 * drawn afresh for every sample of every training epoch: torchvision's {@code RandomCrop(size, padding=shift)}
 * (pad every side with {@code shift} zeros, crop a random window of the original size), then
 * {@code RandomHorizontalFlip()} (mirror with probability ½). The zeros are raw values, before the loader
 * normalizes the row, as torchvision's transforms run before {@code Normalize}.
 *
 * <p>Sample {@code index} of epoch {@code epoch} (its place in the epoch's order, counted over the whole
 * global batch) draws from a stream of its own derived from ({@code seed}, epoch, index), so a resumed run and
 * every rank of a data-parallel job see the same images one process would.
 */
public record Augment(int channels, int height, int width, int shift, boolean flip) {
    /** Mixed into the seed so that the draws are not the epoch's shuffle. */
    private static final long STREAM = 0x41554720L;

    public Augment {
        if (channels < 1 || height < 1 || width < 1 || (long) channels * height * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("augment: an image of " + channels + "x" + height + "x" + width
                    + " (need positive sizes)");
        }
        if (shift < 0 || shift >= Math.min(height, width)) {
            throw new IllegalArgumentException("augment: a shift of " + shift + " pixels on a " + height + "x" + width
                    + " image (need 0 <= shift < " + Math.min(height, width) + ")");
        }
        if (shift == 0 && !flip) {
            throw new IllegalArgumentException("augment: neither a shift nor a flip; leave augmentation off instead");
        }
    }

    /**
     * {@code spec}'s augmentation of images of {@code image = {C, H, W}}: comma-separated {@code shift=N} and
     * {@code flip}, e.g. {@code "shift=2,flip"}; null for
     * {@code "none"} or a blank spec.
     */
    public static Augment parse(String spec, int[] image) {
        if (spec == null || spec.isBlank() || spec.trim().equalsIgnoreCase("none")) {
            return null;
        }
        int shift = 0;
        boolean flip = false;
        List<String> seen = new ArrayList<>();
        for (String part : spec.split(",", -1)) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            String name = p.contains("=") ? p.substring(0, p.indexOf('=')).trim() : p;
            if (seen.contains(name)) {
                throw new IllegalArgumentException("augment '" + spec + "': " + name + " is given twice");
            }
            seen.add(name);
            if (p.equals("flip")) {
                flip = true;
            } else if (name.equals("shift") && p.contains("=")) {
                String n = p.substring(p.indexOf('=') + 1).trim();
                try {
                    shift = Integer.parseInt(n);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("augment '" + spec + "': shift '" + n + "' is not a whole number");
                }
                if (shift < 1) {
                    throw new IllegalArgumentException("augment '" + spec + "': shift " + shift + " (need >= 1 pixel)");
                }
            } else {
                throw new IllegalArgumentException("augment '" + spec + "': unknown '" + part.trim()
                        + "'; give shift=N (pixels) and/or flip, comma-separated");
            }
        }
        if (image == null || image.length != 3) {
            throw new IllegalArgumentException("augment '" + spec + "' shifts and flips images, and this model's input"
                    + " is not an image {C, H, W} (give --conv, --model cnn, or a model file with a 3-d \"input\")");
        }
        return new Augment(image[0], image[1], image[2], shift, flip);
    }

    /** The values of one image. */
    public int dims() {
        return channels * height * width;
    }

    /** The spec {@link #parse} reads back, e.g. "shift=2,flip". */
    @Override
    public String toString() {
        return (shift > 0 ? "shift=" + shift : "") + (shift > 0 && flip ? "," : "") + (flip ? "flip" : "");
    }

    /**
     * Shifts and flips the image at {@code x[offset ..]} in place as sample {@code index} of epoch {@code epoch}
     * of a run seeded {@code seed} draws; {@code scratch} holds at least {@link #dims()} values.
     */
    public void apply(float[] x, int offset, float[] scratch, long seed, int epoch, long index) {
        SplitMix rnd = new SplitMix(SplitMix.derive(SplitMix.derive(seed ^ STREAM, epoch), index));
        int dy = shift == 0 ? 0 : rnd.nextInt(2 * shift + 1) - shift;
        int dx = shift == 0 ? 0 : rnd.nextInt(2 * shift + 1) - shift;
        boolean mirror = flip && rnd.nextInt(2) == 1;
        move(x, offset, scratch, dy, dx, mirror);
    }

    /**
     * {@code out(y, x) = in(y + dy, x + dx)}, zero outside the input (RandomCrop's window at {@code (shift + dy, shift + dx)}
     * of the padded image), then mirrored left-right when {@code mirror}.
     */
    void move(float[] x, int offset, float[] scratch, int dy, int dx, boolean mirror) {
        System.arraycopy(x, offset, scratch, 0, dims());
        // out(y, x) = in(y + dy, x' + dx), x' = x or width-1-x when mirrored; 0 outside the input
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                int out = offset + (c * height + y) * width;
                int sy = y + dy;
                if (sy < 0 || sy >= height) {
                    java.util.Arrays.fill(x, out, out + width, 0f);
                    continue;
                }
                int in = (c * height + sy) * width;
                for (int col = 0; col < width; col++) {
                    int sx = (mirror ? width - 1 - col : col) + dx;
                    x[out + col] = sx < 0 || sx >= width ? 0f : scratch[in + sx];
                }
            }
        }
    }
}
