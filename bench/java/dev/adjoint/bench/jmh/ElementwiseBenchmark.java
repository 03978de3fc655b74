package dev.adjoint.bench.jmh;

import dev.adjoint.bench.Sizes;
import dev.adjoint.conformance.Reference;
import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.UnaryOp;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Elementwise primitives through the {@link Device} interface, on a rows×cols block: the
 * activations of the MLPs (ReLU, GELU), a transcendental (exp), same-shape add and multiply, the
 * bias add of a Linear layer (a [cols] row broadcast over rows) and the ReLU backward.
 *
 * <p>Device calls, not {@code Tensor} ops: the front end allocates a fresh output per op (and
 * records autograd when asked), which would time the allocator as much as the kernel; here the
 * buffers are allocated once, as in a replayed step, so the score is the kernel's. The primary
 * score is calls per second; the secondary {@code gbytes} ({@link MemoryTraffic}) is GB/s, from
 * the bytes each call must move: 8·n for a unary op, 12·n for a binary one, 8·n + 4·cols for the
 * bias add. Every call ends with {@link Device#synchronize()}. Before timing, the whole output is
 * checked against the float64 {@link Reference}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dorg.lwjgl.opencl.libname=libOpenCL.so.1"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ElementwiseBenchmark {
    /** The ops timed, by name. */
    enum Op {
        RELU(UnaryOp.RELU, null, false),
        GELU(UnaryOp.GELU, null, false),
        EXP(UnaryOp.EXP, null, false),
        ADD(null, BinaryOp.ADD, false),
        MUL(null, BinaryOp.MUL, false),
        BIAS_ADD(null, BinaryOp.ADD, true),
        RELU_BACKWARD(null, BinaryOp.RELU_BACKWARD, false);

        final UnaryOp unary;
        final BinaryOp binary;
        /** b is one row of cols values, broadcast over the rows. */
        final boolean rowBroadcast;

        Op(UnaryOp unary, BinaryOp binary, boolean rowBroadcast) {
            this.unary = unary;
            this.binary = binary;
            this.rowBroadcast = rowBroadcast;
        }

        static Op named(String name) {
            for (Op op : values()) {
                if (op.name().equalsIgnoreCase(name.trim())) {
                    return op;
                }
            }
            throw new IllegalArgumentException("elementwise op '" + name + "' is not one of "
                    + java.util.Arrays.toString(values()).toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** Device spec as {@code --device} takes it: cpu, cuda:0, opencl:0. */
    @Param({"cpu"})
    public String backend;

    @Param({"relu", "gelu", "exp", "add", "mul", "bias_add", "relu_backward"})
    public String op;

    /** rows x cols: 1M floats, the 784-256-128-10 MLP's first activation at batch 128, the 4096-wide one's at batch 1024. */
    @Param({"1024x1024", "128x256", "1024x4096"})
    public String shape;

    /** CPU threads (system property adjoint.threads); 0 = the backend's default (all cores). */
    @Param({"0"})
    public int threads;

    private Device device;
    private Op kind;
    private int[] dims;
    private long[] strides;
    private long[] bStrides;
    private Buffer a;
    private Buffer b;
    private Buffer out;
    private long floatsMoved;

    @Setup(Level.Trial)
    public void setup() {
        open(BenchmarkDevice.open(backend, threads));
    }

    /** Allocates on {@code device} (the benchmark owns it from here) and validates one call. */
    void open(Device device) {
        this.device = device;
        kind = Op.named(op);
        dims = Sizes.parse("elementwise shape", shape, "x", 2);
        int rows = dims[0];
        int cols = dims[1];
        int n = Math.multiplyExact(rows, cols);
        strides = new long[] {cols, 1};
        bStrides = kind.rowBroadcast ? new long[] {0, 1} : strides;
        int bLength = kind.rowBroadcast ? cols : n;
        // Uniform in [-4, 4): both sides of the ReLU kink, and exp stays finite.
        SplittableRandom rnd = new SplittableRandom(42);
        float[] ha = Validation.uniform(rnd, n, -4, 4);
        float[] hb = Validation.uniform(rnd, bLength, -4, 4);
        a = device.allocate(n);
        b = device.allocate(bLength);
        out = device.allocate(n);
        device.upload(ha, 0, a, 0, n);
        device.upload(hb, 0, b, 0, bLength);
        device.fill(out, 0, n, Float.NaN);
        floatsMoved = kind.unary != null ? 2L * n : kind.rowBroadcast ? 2L * n + cols : 3L * n;
        run();
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) {
            expected[i] = kind.unary != null ? Reference.unary(kind.unary, ha[i], 0)
                    : Reference.binary(kind.binary, ha[i], hb[kind.rowBroadcast ? i % cols : i], 0);
        }
        float[] got = new float[n];
        device.download(out, 0, got, 0, n);
        Validation.requireClose(op + " " + shape + " on " + device.name(), got, expected, null, 2e-6, 2e-6);
    }

    private void run() {
        if (kind.unary != null) {
            device.unary(kind.unary, 0f, dims, a, 0, strides, out, 0);
        } else {
            device.binary(kind.binary, 0f, dims, a, 0, strides, b, 0, bStrides, out, 0);
        }
        device.synchronize();
    }

    @Benchmark
    public void elementwise(MemoryTraffic traffic) {
        run();
        traffic.add(floatsMoved);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        BenchmarkDevice.close(device, a, b, out);
    }
}
