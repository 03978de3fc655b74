package dev.adjoint.bench.jmh;

import dev.adjoint.bench.Sizes;
import dev.adjoint.conformance.Reference;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
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
 * The fused softmax cross-entropy of a training step, forward and backward, through the
 * {@link Device} interface: {@link Device#crossEntropy} (per-row loss, probabilities saved) then
 * {@link Device#crossEntropyBackward} with the 1/rows of a mean loss broadcast (stride 0), the
 * pair {@code Tensor.crossEntropy} and its backward run. One op is the pair, ended by
 * {@link Device#synchronize()}. The secondary {@code gbytes} is GB/s from the bytes the pair must
 * move: logits, targets, loss and probabilities in the forward, probabilities, targets and the
 * gradient in the backward (4·(4·n + 3·rows + 1)). Loss, probabilities and gradient are checked
 * against the float64 {@link Reference} before timing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dorg.lwjgl.opencl.libname=libOpenCL.so.1"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SoftmaxCrossEntropyBenchmark {
    /** Device spec as {@code --device} takes it: cpu, cuda:0, opencl:0. */
    @Param({"cpu"})
    public String backend;

    /** rows x classes: the MLP's batch 128 and 1024 over 10 classes, and an ImageNet-sized head. */
    @Param({"128x10", "1024x10", "256x1000"})
    public String shape;

    /** CPU threads (system property adjoint.threads); 0 = the backend's default (all cores). */
    @Param({"0"})
    public int threads;

    private Device device;
    private int rows;
    private int cols;
    private Buffer logits;
    private Buffer targets;
    private Buffer loss;
    private Buffer probs;
    private Buffer meanScale;
    private Buffer grad;
    private long floatsMoved;

    @Setup(Level.Trial)
    public void setup() {
        open(BenchmarkDevice.open(backend, threads));
    }

    /** Allocates on {@code device} (the benchmark owns it from here) and validates one forward and backward. */
    void open(Device device) {
        this.device = device;
        int[] dims = Sizes.parse("softmax-cross-entropy shape", shape, "x", 2);
        rows = dims[0];
        cols = dims[1];
        int n = Math.multiplyExact(rows, cols);
        SplittableRandom rnd = new SplittableRandom(42);
        float[] hx = Validation.uniform(rnd, n, -8, 8);
        float[] ht = new float[rows];
        for (int r = 0; r < rows; r++) {
            ht[r] = rnd.nextInt(cols);
        }
        logits = device.allocate(n);
        targets = device.allocate(rows);
        loss = device.allocate(rows);
        probs = device.allocate(n);
        meanScale = device.allocate(1);
        grad = device.allocate(n);
        device.upload(hx, 0, logits, 0, n);
        device.upload(ht, 0, targets, 0, rows);
        device.fill(meanScale, 0, 1, 1f / rows);
        device.fill(loss, 0, rows, Float.NaN);
        device.fill(probs, 0, n, Float.NaN);
        device.fill(grad, 0, n, Float.NaN);
        floatsMoved = 4L * n + 3L * rows + 1;
        run();
        String what = "softmax cross-entropy " + shape + " on " + device.name();
        double[] p = Reference.softmax(false, hx, 0, rows, cols);
        double[] g = Reference.crossEntropyBackward(p, ht, new float[] {1f / rows}, 0, rows, cols);
        Validation.requireClose(what + ", loss", download(loss, rows), Reference.crossEntropy(hx, 0, ht, rows, cols),
                null, 1e-5, 1e-5);
        Validation.requireClose(what + ", probabilities", download(probs, n), p, null, 1e-5, 1e-6);
        Validation.requireClose(what + ", gradient", download(grad, n), g, null, 1e-5, 2e-6 / rows);
    }

    private float[] download(Buffer b, int n) {
        float[] x = new float[n];
        device.download(b, 0, x, 0, n);
        return x;
    }

    private void run() {
        device.crossEntropy(rows, cols, logits, 0, targets, 0, loss, 0, probs, 0);
        device.crossEntropyBackward(rows, cols, probs, 0, targets, 0, meanScale, 0, 0, grad, 0);
        device.synchronize();
    }

    @Benchmark
    public void forwardBackward(MemoryTraffic traffic) {
        run();
        traffic.add(floatsMoved);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        BenchmarkDevice.close(device, logits, targets, loss, probs, meanScale, grad);
    }
}
