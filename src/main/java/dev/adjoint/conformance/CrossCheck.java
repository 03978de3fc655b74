package dev.adjoint.conformance;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.DeviceException;
import dev.adjoint.device.RoundsAsCpu;
import dev.adjoint.device.UnaryOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A device against a reference device (the CPU backend), primitive by primitive: the same random
 * inputs (odd sizes, strided, transposed and broadcast views, offsets, ties and planted NaNs) run
 * on both, and the outputs are compared element by element, every output float, with the error
 * counted in ulps of the reference value. The conformance cases hold each backend to float64
 * formulas within a tolerance; this check says how far a device departs from the CPU backend,
 * which is where a remapped op code, a missed tail or an unwritten element (outputs are poisoned
 * first) shows. {@code adjoint selftest --device D} runs it for every device but the CPU itself.
 */
public final class CrossCheck {
    /**
     * At most {@code ulps} ulps of {@code max(|reference value|, floor)} on a device that
     * {@link RoundsAsCpu}, and {@code contractUlps} of {@code max(|reference value|, contractFloor)}
     * on any other: a floor of 1 for results of unit scale that may cancel (a sum, a softmax, a
     * float math library's result near zero), 0 where every element is its own scale.
     */
    record Tolerance(double ulps, float floor, double contractUlps, float contractFloor) {
        /** The same bound on every device. */
        static Tolerance everywhere(double ulps, float floor) {
            return new Tolerance(ulps, floor, ulps, floor);
        }
    }

    /**
     * One comparison: {@code count} output floats, {@code bitExact} of them identical on both devices,
     * the largest error {@code maxUlps} (infinite for a NaN on one side only) against the
     * {@code allowedUlps} this device is held to, what went wrong ({@code failure}, null when it
     * passed), and the milliseconds both devices took.
     */
    public record Comparison(String family, String name, int count, int bitExact, double maxUlps,
                             double allowedUlps, String failure, double millis) {
        public boolean passed() {
            return failure == null;
        }
    }

    /** What one side of a comparison runs, on buffers holding the inputs, then the output. */
    @FunctionalInterface
    interface Op {
        void run(Device d, Buffer[] b);
    }

    private final Device device;
    private final boolean roundsAsCpu;
    private final Device reference;
    private final Random rnd;
    private final List<Comparison> results = new ArrayList<>();

    private CrossCheck(Device device, Device reference, long seed) {
        this.device = device;
        this.roundsAsCpu = device instanceof RoundsAsCpu;
        this.reference = reference;
        this.rnd = new Random(seed);
    }

    /** Every primitive of {@code device} against {@code reference}, on inputs drawn from {@code seed}. */
    public static List<Comparison> run(Device device, Device reference, long seed) {
        CrossCheck c = new CrossCheck(device, reference, seed);
        CrossCases.all(c);
        return List.copyOf(c.results);
    }

    /**
     * Asks {@code device} for 2^40 floats (4 TiB): expects a {@link DeviceException} that says out of
     * memory, names the size and the free memory, and then a device that still computes. Not for the
     * CPU backend, whose buffers are Java arrays of at most 2^31 floats.
     */
    public static Comparison outOfMemory(Device device) {
        long floats = 1L << 40;
        long t0 = System.nanoTime();
        String failure = null;
        try (Buffer huge = device.allocate(floats)) {
            failure = "allocating " + floats + " floats succeeded (" + huge.length() + ")";
        } catch (DeviceException e) {
            String m = String.valueOf(e.getMessage());
            if (!m.contains("out of memory") || !m.contains(Long.toString(floats)) || !m.contains(" free")) {
                failure = "the DeviceException does not say out of memory, the size and the free memory: " + m;
            }
        } catch (RuntimeException e) {
            failure = "not a DeviceException: " + e;
        }
        try (Buffer b = device.allocate(3)) {
            device.upload(new float[] {1, 2, 3}, 0, b, 0, 3);
            device.unary(UnaryOp.SQUARE, 0, new int[] {3}, b, 0, new long[] {1}, b, 0);
            float[] back = new float[3];
            device.download(b, 0, back, 0, 3);
            if (failure == null && !Arrays.equals(back, new float[] {1, 4, 9})) {
                failure = "afterwards, squaring [1, 2, 3] gave " + Arrays.toString(back);
            }
        } catch (RuntimeException e) {
            failure = (failure == null ? "" : failure + "; ") + "afterwards the device failed: " + e;
        }
        return new Comparison("out of memory", floats + " floats, then a working device", 0, 0, 0, 0, failure,
                (System.nanoTime() - t0) / 1e6);
    }

    Device reference() {
        return reference;
    }

    float[] random(int n, double lo, double hi) {
        return Check.random(rnd, n, lo, hi);
    }

    int nextInt(int bound) {
        return rnd.nextInt(bound);
    }

    /** Runs {@code op} on both devices over the same inputs and compares the first {@code outLen} floats of the output. */
    void compare(String family, String name, float[][] inputs, int outLen, Tolerance tol, Op op) {
        long t0 = System.nanoTime();
        double allowed = roundsAsCpu ? tol.ulps() : tol.contractUlps();
        float floor = roundsAsCpu ? tol.floor() : tol.contractFloor();
        int exact = 0;
        double worst = 0;
        String failure = null;
        try {
            float[] got = run(device, inputs, outLen, op);
            float[] want = run(reference, inputs, outLen, op);
            int bad = -1;
            for (int i = 0; i < outLen; i++) {
                if (Float.floatToIntBits(got[i]) == Float.floatToIntBits(want[i]) || (Float.isNaN(got[i]) && Float.isNaN(want[i]))) {
                    exact++;
                    continue;
                }
                double err = ulps(got[i], want[i], floor);
                if (err > worst) {
                    worst = err;
                    bad = i;
                }
            }
            if (worst > allowed) {
                failure = String.format(Locale.ROOT, "element %d is %s on %s, %s on %s: %s ulps of %s, %s allowed", bad,
                        got[bad], device.name(), want[bad], reference.name(), format(worst),
                        floor == 0 ? "the value" : "max(|value|, " + floor + ")", format(allowed));
            }
        } catch (RuntimeException e) {
            failure = e.toString();
        }
        results.add(new Comparison(family, name, outLen, exact, worst, allowed, failure, (System.nanoTime() - t0) / 1e6));
    }

    /** |a − b| in ulps of max(|b|, floor); infinite when only one of them is NaN. */
    static double ulps(float a, float b, float floor) {
        double err = Math.abs((double) a - b) / Math.ulp(Math.max(Math.abs(b), Math.max(floor, Float.MIN_NORMAL)));
        return Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
    }

    /** An ulp count for people: one decimal (two significant digits below 0.1), or "inf". */
    public static String format(double ulps) {
        if (Double.isInfinite(ulps)) {
            return "inf";
        }
        return String.format(Locale.ROOT, ulps > 0 && ulps < 0.1 ? "%.2g" : "%.1f", ulps);
    }

    /** Buffers: one per input, then the output, poisoned first so that unwritten elements show. */
    private static float[] run(Device d, float[][] inputs, int outLen, Op op) {
        Buffer[] bufs = new Buffer[inputs.length + 1];
        try {
            for (int i = 0; i < inputs.length; i++) {
                bufs[i] = Check.put(d, inputs[i]);
            }
            float[] poison = new float[outLen];
            Arrays.fill(poison, Float.intBitsToFloat(0x7fbadbad));
            bufs[inputs.length] = Check.put(d, poison);
            op.run(d, bufs);
            return Check.get(d, bufs[inputs.length], outLen);
        } finally {
            for (Buffer b : bufs) {
                if (b != null) {
                    b.close();
                }
            }
        }
    }
}
