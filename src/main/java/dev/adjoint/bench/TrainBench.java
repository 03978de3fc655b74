package dev.adjoint.bench;

import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import dev.adjoint.device.GraphCapable;
import dev.adjoint.dist.World;
import dev.adjoint.graph.CapturingDevice;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.train.MlpSpec;
import dev.adjoint.train.Precision;
import dev.adjoint.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code adjoint bench train}: samples per second of the MLP training step (forward, softmax
 * cross-entropy, backward, Adam), exactly the step {@link Trainer} runs ({@link TrainStep}), on
 * synthetic batches already on the device. After a warm-up (JIT compilation), {@code repeat}
 * samples of at least {@code sample} seconds each end with a device synchronize ({@link Timing});
 * the median is reported. With
 * {@code --compare}, the numpy (or PyTorch, {@code --peer torch}) reference in bench/reference
 * ({@link Peer}) runs the same step in the same invocation, interleaved round by round (the order alternating), each
 * side running {@value #SAMPLE_WARMUP_SECONDS} s of untimed steps right before each of its samples (the peer builds a
 * new model per request; and a vCPU that idled while the other side ran comes back slowly), and the ratio of
 * medians is printed. With {@code --replay} the step's device work is replayed from a captured
 * plan ({@link Trainer#replay}), on CUDA as one CUDA graph launch per step unless
 * {@code --graphs off} (the same as {@code -Dadjoint.cuda.graphs=false}). With {@code --precision} the step
 * computes as {@code adjoint train --precision} does (bf16/fp16: 16-bit matmul operands, F32 master weights; fp16
 * with loss scaling; tf32: CUDA's FP32 GEMMs on TF32 tensor cores), and the PyTorch peer the same way
 * ({@code torch.autocast}, {@code GradScaler}, {@code allow_tf32}); numpy has only FP32 and is refused.
 * Under {@code mpirun -np N}, {@code --batch} is the global batch: each rank steps on its share and the
 * gradients are averaged over the ranks ({@link World}) before each update; rank 0 reports samples per
 * second of the whole job.
 */
public final class TrainBench {
    static final String USAGE = """
            usage: adjoint bench train [--device D] [--sizes 784,256,128,10] [--conv C1,C2] [--norm none|batch]
                                       [--batch 128] [--threads T]
                                       [--repeat 7] [--warmup 3] [--sample 1] [--compare] [--peer numpy|torch]
                                       [--python python3] [--json FILE|-] [--replay [--graphs on|off]]
                                       [--precision fp32|tf32|bf16|fp16]""";

    /** Untimed steps by each side right before each of its samples in {@code --compare}. */
    static final double SAMPLE_WARMUP_SECONDS = 1;

    private TrainBench() {}

    record Options(String device, int[] sizes, int[] conv, boolean batchNorm, int batch, int repeat, double warmup, double sample, boolean compare,
                   String peer, String python, Path json, int threads, boolean replay, Precision precision) {}

    public static int run(String[] args) {
        if (java.util.List.of(args).contains("--help") || java.util.List.of(args).contains("-h")) {
            System.out.println(USAGE);
            return 0;
        }
        Options o = parse(args);
        World world = World.current();
        if (world.distributed() && o.compare()) {
            throw new IllegalArgumentException("bench train: under mpirun, --compare is not offered");
        }
        int rankBatch = world.evenShare("bench train", o.batch());
        world.silenceFollowers();
        Devices.Selection sel = Devices.select(o.device());
        try (Device device = o.replay() ? new CapturingDevice(sel.device()) : sel.device()) {
            System.out.println(sel.explanation());
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("benchmark", "train-step");
            root.put("environment", Environment.describe());
            root.put("device", Map.of("name", device.name(), "description", device.description()));
            root.put("model", new MlpSpec(o.sizes(), Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 1).withBatchNorm(o.batchNorm())
                    .withConvolution(o.conv()).describe() + " relu, softmax cross-entropy, Adam lr 1e-3");
            root.put("batch", (long) o.batch());
            root.put("precision", o.precision().id());
            root.put("replay", o.replay());
            root.put("device_graphs", o.replay() && graphs(device));
            root.put("ranks", (long) world.size());
            root.put("world", world.toString());
            double[] ours = new double[o.repeat()];   // seconds per step, one sample per round
            double[] peer = new double[o.repeat()];
            int calls;
            MatrixCase c = MatrixCase.cnn(MatrixCase.Kind.TRAIN, o.batch(), o.conv(), o.batchNorm(), o.sizes());
            try (TrainStep step = new TrainStep(device, o.sizes(), o.conv(), o.batchNorm(), rankBatch, o.replay(), false)
                    .precision(o.precision()).world(world);
                 Peer reference = o.compare() ? Peer.require(o.peer(), o.python(), Devices.cpuThreads(),
                         device.name().equals("cpu"), "bench train --compare")
                         : null) {
                root.put("gradient_engine", step.gradientEngine());
                calls = Timing.callsPerSample(world.distributed() ? Timing.warmup(step, o.warmup(), world)
                        : Timing.warmup(step, o.warmup()), o.sample());
                calls = (int) world.allGather(calls)[0];    // every step is a collective: rank 0's sample length for all
                for (int r = 0; r < o.repeat(); r++) {
                    // The order alternates from round to round, so that neither side always runs first.
                    if (o.compare() && r % 2 == 0) {
                        peer[r] = peerSample(reference, c, o, r);
                    }
                    if (o.compare()) {
                        Timing.warmup(step, SAMPLE_WARMUP_SECONDS);
                    }
                    ours[r] = Timing.sample(step, calls);
                    System.out.printf(Locale.ROOT, "round %d  adjoint %,12.0f samples/s%n", r + 1, o.batch() / ours[r]);
                    if (o.compare() && r % 2 == 1) {
                        peer[r] = peerSample(reference, c, o, r);
                    }
                }
                if (world.distributed()) {
                    root.put("gradient_buckets", step.gradientBuckets());
                }
            }
            double med = o.batch() / new Samples(ours, calls).median();
            root.put("adjoint_samples_per_second", perSecond(o.batch(), ours));
            root.put("adjoint_median", med);
            System.out.printf(Locale.ROOT, "adjoint %s%s: median %,.0f samples/s (batch %d, %s, %s)%n", device.name(),
                    o.replay() ? graphs(device) ? " (replay, device graph)" : " (replay)" : "", med, o.batch(),
                    c.shape(), o.precision().id());
            if (o.compare()) {
                double pm = o.batch() / new Samples(peer, 1).median();
                root.put("peer", o.peer());
                root.put("warmup_seconds_per_sample", SAMPLE_WARMUP_SECONDS);
                root.put("peer_samples_per_second", perSecond(o.batch(), peer));
                root.put("peer_median", pm);
                root.put("ratio", med / pm);
                System.out.printf(Locale.ROOT, "%s: median %,.0f samples/s; adjoint / %s = %.2f%n", o.peer(), pm, o.peer(),
                        med / pm);
            }
            if (o.json() != null && world.leader()) {
                Environment.writeJson(o.json(), root);
                System.out.println("wrote " + GemmBench.wrote(o.json()));
            }
        }
        return 0;
    }

    /** Whether a plan replayed on {@code device} (a {@link CapturingDevice}) runs as a device graph. */
    static boolean graphs(Device device) {
        return device instanceof CapturingDevice c && c.inner() instanceof GraphCapable g && g.graphsEnabled();
    }

    /** Like a fresh run of the reference script: a new model, the same warm-up as ours, one sample (seconds per step). */
    private static double peerSample(Peer reference, MatrixCase c, Options o, int round) {
        double s = reference.measure(c, Timing.Budget.fixed(SAMPLE_WARMUP_SECONDS, o.sample(), 1), o.precision().id())
                .median();
        System.out.printf(Locale.ROOT, "round %d  %-6s %,12.0f samples/s%n", round + 1, o.peer(), o.batch() / s);
        return s;
    }

    /** Samples per second of each round. */
    private static List<Object> perSecond(int batch, double[] seconds) {
        List<Object> out = new ArrayList<>();
        for (double s : seconds) {
            out.add(batch / s);
        }
        return out;
    }

    /**
     * The precision named {@code v} for benchmark {@code what}; tf32 also turns on CUDA's TF32 GEMMs, a setting
     * the device reads as it opens.
     */
    static Precision precision(String what, String v) {
        Precision p;
        try {
            p = Precision.of(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": --precision: " + e.getMessage());
        }
        if (p == Precision.TF32) {
            System.setProperty(Devices.TF32_PROPERTY, "true");
        }
        return p;
    }

    static Options parse(String[] args) {
        String device = "cpu";
        int[] sizes = {784, 256, 128, 10};
        int[] conv = {};
        boolean batchNorm = false;
        int batch = 128;
        int repeat = 7;
        double warmup = 3;
        double sample = 1;
        boolean compare = false;
        String peer = "numpy";
        String python = "python3";
        Path json = null;
        int threads = 0;
        boolean replay = false;
        Precision precision = Precision.FP32;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--compare")) {
                compare = true;
                continue;
            }
            if (a.equals("--replay")) {
                replay = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("bench train: " + a + " needs a value (adjoint bench train --help lists the options)");
            }
            String v = args[++i];
            switch (a) {
                case "--device" -> device = v;
                case "--sizes" -> sizes = Arrays.stream(v.split(",")).mapToInt(x -> GemmBench.positive(a, x)).toArray();
                case "--conv" -> conv = Arrays.stream(v.split(",")).mapToInt(x -> GemmBench.positive(a, x)).toArray();
                case "--norm" -> {
                    if (!v.equals("none") && !v.equals("batch")) {
                        throw new IllegalArgumentException("bench train: --norm must be none or batch, got " + v);
                    }
                    batchNorm = v.equals("batch");
                }
                case "--batch" -> batch = GemmBench.positive(a, v);
                case "--repeat" -> repeat = GemmBench.positive(a, v);
                case "--warmup" -> warmup = GemmBench.seconds(a, v);
                case "--sample" -> sample = GemmBench.seconds(a, v);
                case "--peer" -> peer = v;
                case "--python" -> python = v;
                case "--json" -> json = GemmBench.writable(Path.of(v));
                case "--precision" -> precision = precision("bench train", v);
                case "--graphs" -> {
                    if (!v.equals("on") && !v.equals("off")) {
                        throw new IllegalArgumentException("bench train: --graphs must be on or off, got " + v);
                    }
                    System.setProperty("adjoint.cuda.graphs", Boolean.toString(v.equals("on")));
                }
                case "--threads" -> {
                    threads = GemmBench.threads(a, v);
                    System.setProperty(Devices.CPU_THREADS_PROPERTY, v);
                }
                default -> throw new IllegalArgumentException("bench train: unknown option " + a);
            }
        }
        if (sizes.length < 2) {
            throw new IllegalArgumentException("bench train: --sizes needs at least an input and an output size, got "
                    + Arrays.toString(sizes));
        }
        if (compare && conv.length > 0 && peer.equals("numpy")) {
            throw new IllegalArgumentException("bench train: numpy has no convolution here; compare --conv with --peer"
                    + " torch");
        }
        if (!peer.equals("numpy") && !peer.equals("torch")) {
            throw new IllegalArgumentException("bench train: --peer must be numpy or torch, got " + peer);
        }
        if (compare && peer.equals("numpy") && precision != Precision.FP32) {
            throw new IllegalArgumentException("bench train: numpy computes in FP32 only; compare --precision "
                    + precision.id() + " with --peer torch (torch.autocast)");
        }
        new MlpSpec(sizes, Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 1).withConvolution(conv);   // refuses a bad image
        return new Options(device, sizes, conv, batchNorm, batch, repeat, warmup, sample, compare, peer, python, json, threads, replay,
                precision);
    }
}
