package dev.adjoint.bench;

import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import dev.adjoint.device.GraphCapable;
import dev.adjoint.graph.CapturingDevice;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Losses;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.optim.Schedule;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.train.Progress;
import dev.adjoint.train.Trainer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code adjoint bench train}: samples per second of the MLP training step (forward, softmax
 * cross-entropy, backward, Adam), exactly the step {@link Trainer} runs, on synthetic batches
 * already on the device. After a warm-up (JIT compilation), {@code repeat} samples of at least
 * {@code sample} seconds each end with a device synchronize; the median is reported. With
 * {@code --compare}, the numpy (or PyTorch, {@code --peer torch}) reference in bench/reference
 * runs the same step in the same invocation, interleaved round by round, and the ratio of
 * medians is printed. With {@code --replay} the step's device work is replayed from a captured
 * plan ({@link Trainer#replay}), on CUDA as one CUDA graph launch per step unless
 * {@code --graphs off} (the same as {@code -Dadjoint.cuda.graphs=false}).
 */
public final class TrainBench {
    static final String USAGE = """
            usage: adjoint bench train [--device D] [--sizes 784,256,128,10] [--batch 128] [--threads T]
                                       [--repeat 7] [--warmup 3] [--sample 1] [--compare] [--peer numpy|torch]
                                       [--python python3] [--json FILE] [--replay [--graphs on|off]]""";

    private TrainBench() {}

    record Options(String device, int[] sizes, int batch, int repeat, double warmup, double sample, boolean compare,
                   String peer, String python, Path json, int threads, boolean replay) {}

    public static int run(String[] args) {
        Options o = parse(args);
        Devices.Selection sel = Devices.select(o.device());
        try (Device device = o.replay() ? new CapturingDevice(sel.device()) : sel.device()) {
            System.out.println(sel.explanation());
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("benchmark", "train-step");
            root.put("environment", Environment.describe());
            root.put("device", Map.of("name", device.name(), "description", device.description()));
            root.put("model", "MLP " + Arrays.toString(o.sizes()) + " relu, softmax cross-entropy, Adam lr 1e-3");
            root.put("batch", (long) o.batch());
            root.put("replay", o.replay());
            root.put("device_graphs", o.replay() && graphs(device));
            List<Double> ours = new ArrayList<>();
            List<Double> peer = new ArrayList<>();
            try (Step step = new Step(device, o.sizes(), o.batch(), o.replay())) {
                step.warmup(o.warmup());
                for (int r = 0; r < o.repeat(); r++) {
                    if (o.compare()) {
                        double p = peer(o);
                        peer.add(p);
                        System.out.printf(Locale.ROOT, "round %d  %-6s %,12.0f samples/s%n", r + 1, o.peer(), p);
                    }
                    double a = step.time(o.sample());
                    ours.add(a);
                    System.out.printf(Locale.ROOT, "round %d  adjoint %,12.0f samples/s%n", r + 1, a);
                }
            }
            double med = median(ours);
            root.put("adjoint_samples_per_second", ours);
            root.put("adjoint_median", med);
            System.out.printf(Locale.ROOT, "adjoint %s%s: median %,.0f samples/s (batch %d, %s)%n", device.name(),
                    o.replay() ? graphs(device) ? " (replay, device graph)" : " (replay)" : "", med, o.batch(),
                    Arrays.toString(o.sizes()));
            if (o.compare()) {
                double pm = median(peer);
                root.put("peer", o.peer());
                root.put("peer_samples_per_second", peer);
                root.put("peer_median", pm);
                root.put("ratio", med / pm);
                System.out.printf(Locale.ROOT, "%s: median %,.0f samples/s; adjoint / %s = %.2f%n", o.peer(), pm, o.peer(),
                        med / pm);
            }
            if (o.json() != null) {
                Environment.writeJson(o.json(), root);
                System.out.println("wrote " + o.json());
            }
        }
        return 0;
    }

    /** Whether a plan replayed on {@code device} (a {@link CapturingDevice}) runs as a device graph. */
    static boolean graphs(Device device) {
        return device instanceof CapturingDevice c && c.inner() instanceof GraphCapable g && g.graphsEnabled();
    }

    /** The model, optimizer and a few device-resident batches, stepped by the trainer's own step. */
    static final class Step implements AutoCloseable {
        private static final int BATCHES = 4;
        private final Device device;
        private final Sequential model;
        private final Parameters params;
        private final Optimizer opt;
        private final Trainer trainer;
        private final Tensor[] xs = new Tensor[BATCHES];
        private final Tensor[] ys = new Tensor[BATCHES];
        private final int batch;
        private long steps;

        /** With {@code replay}, the device must be a {@link CapturingDevice}: steps replay a captured plan. */
        Step(Device device, int[] sizes, int batch, boolean replay) {
            this.device = device;
            this.batch = batch;
            model = Sequential.mlp(device, sizes, Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 1);
            params = Parameters.of(model);
            opt = Optimizer.adam(params, 1e-3f, 0f, false);
            trainer = new Trainer(model, params, opt, (p, t) -> p.crossEntropy(t),
                    new Trainer.Config(1, batch, 1, 0, 0f, Schedule.constant(), null, Progress.silent()), Map.of())
                    .replay(replay);
            java.util.Random rnd = new java.util.Random(3);
            for (int i = 0; i < BATCHES; i++) {
                xs[i] = Tensor.normal(device, 100 + i, 0f, 1f, batch, sizes[0]);
                float[] labels = new float[batch];
                for (int j = 0; j < batch; j++) {
                    labels[j] = rnd.nextInt(sizes[sizes.length - 1]);
                }
                ys[i] = Tensor.of(device, labels, batch);
            }
        }

        void step() {
            int i = (int) (steps++ % BATCHES);
            trainer.step(xs[i], ys[i], null, null);
        }

        /** Parameters and optimizer state, in a fixed order (for equality checks). */
        List<float[]> state() {
            List<float[]> all = new ArrayList<>();
            all.add(params.values().toArray());
            opt.state().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> all.add(e.getValue().toArray()));
            return all;
        }

        Trainer trainer() {
            return trainer;
        }

        void warmup(double seconds) {
            long end = System.nanoTime() + (long) (seconds * 1e9);
            do {
                step();
                device.synchronize();
            } while (System.nanoTime() < end);
        }

        /** Samples per second over at least {@code seconds}. */
        double time(double seconds) {
            long t0 = System.nanoTime();
            long end = t0 + (long) (seconds * 1e9);
            int n = 0;
            do {
                step();
                n++;
                if (n % 8 == 0) {
                    device.synchronize();
                }
            } while (System.nanoTime() < end || n % 8 != 0);
            device.synchronize();
            return (double) n * batch / ((System.nanoTime() - t0) / 1e9);
        }

        @Override
        public void close() {
            for (int i = 0; i < BATCHES; i++) {
                xs[i].close();
                ys[i].close();
            }
            trainer.replay(false);
            opt.close();
            params.close();
            model.close();
        }
    }

    /** One timing of the peer reference script, in a child process: its median samples/s. */
    private static double peer(Options o) {
        String script = o.peer().equals("torch") ? "bench/reference/pytorch_mlp.py" : "bench/reference/numpy_mlp.py";
        List<String> cmd = new ArrayList<>(List.of(o.python(), script, "--sizes", join(o.sizes()), "--batch",
                Integer.toString(o.batch()), "--seconds", Double.toString(o.sample()), "--warmup", "1", "--repeat", "1"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (o.threads() > 0) {
            for (String v : List.of("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")) {
                pb.environment().put(v, Integer.toString(o.threads()));
            }
        }
        try {
            Process p = pb.start();
            String last = null;
            StringBuilder all = new StringBuilder();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                for (String line; (line = r.readLine()) != null; ) {
                    all.append(line).append('\n');
                    if (line.startsWith("samples_per_second ")) {
                        last = line.substring("samples_per_second ".length()).trim();
                    }
                }
            }
            int rc = p.waitFor();
            if (rc != 0 || last == null) {
                throw new IllegalStateException("the " + o.peer() + " reference failed (" + String.join(" ", cmd) + "), exit "
                        + rc + ":\n" + all);
            }
            return Double.parseDouble(last);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + o.python() + " for the " + o.peer() + " reference: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String join(int[] sizes) {
        return String.join(",", Arrays.stream(sizes).mapToObj(Integer::toString).toList());
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static Options parse(String[] args) {
        String device = "cpu";
        int[] sizes = {784, 256, 128, 10};
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
                throw new IllegalArgumentException("bench train: " + a + " needs a value\n" + USAGE);
            }
            String v = args[++i];
            switch (a) {
                case "--device" -> device = v;
                case "--sizes" -> sizes = Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
                case "--batch" -> batch = Integer.parseInt(v);
                case "--repeat" -> repeat = Integer.parseInt(v);
                case "--warmup" -> warmup = Double.parseDouble(v);
                case "--sample" -> sample = Double.parseDouble(v);
                case "--peer" -> peer = v;
                case "--python" -> python = v;
                case "--json" -> json = Path.of(v);
                case "--graphs" -> {
                    if (!v.equals("on") && !v.equals("off")) {
                        throw new IllegalArgumentException("bench train: --graphs must be on or off, got " + v);
                    }
                    System.setProperty("adjoint.cuda.graphs", Boolean.toString(v.equals("on")));
                }
                case "--threads" -> {
                    threads = Integer.parseInt(v);
                    System.setProperty("adjoint.threads", v);
                }
                default -> throw new IllegalArgumentException("bench train: unknown option " + a + "\n" + USAGE);
            }
        }
        if (!peer.equals("numpy") && !peer.equals("torch")) {
            throw new IllegalArgumentException("bench train: --peer must be numpy or torch, got " + peer);
        }
        return new Options(device, sizes, batch, repeat, warmup, sample, compare, peer, python, json, threads, replay);
    }
}
