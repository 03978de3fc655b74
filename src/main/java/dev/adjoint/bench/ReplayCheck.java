package dev.adjoint.bench;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.DeviceException;
import dev.adjoint.device.Devices;
import dev.adjoint.device.GraphCapable;
import dev.adjoint.dist.World;
import dev.adjoint.graph.CapturingDevice;
import dev.adjoint.graph.Plan;
import dev.adjoint.train.Precision;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code adjoint bench replay-check}: the benchmark's training step ({@link TrainStep}) run
 * for {@code steps} steps three ways on one device — define-by-run, replayed call by call, and
 * replayed as a device graph where the device has graphs — and the final parameters and
 * optimizer state compared. Every kernel is deterministic, so the graph and the call-by-call
 * replay must agree bit for bit; define-by-run is reported by its largest difference. Also checks
 * that an allocation inside a graph capture is refused and leaves the device usable. Exits 1
 * when the two replays differ, or on a device that offers graphs the graph was not used or the
 * allocation was not refused. {@code --precision} runs the step as {@code adjoint train --precision} does. Under
 * {@code mpirun -np N} every step is a data-parallel step ({@link World}, {@code --batch} global): the replays then
 * sum their gradients over the ranks between replayed backwards, and must still agree bit for bit.
 */
public final class ReplayCheck {
    static final String USAGE = """
            usage: adjoint bench replay-check [--device D] [--sizes 784,256,128,10] [--batch 128] [--steps 100]
                                              [--precision fp32|tf32|bf16|fp16] [--json FILE|-]""";
    private static final String GRAPHS = "adjoint.cuda.graphs";

    private ReplayCheck() {}

    public static int run(String[] args) {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println(USAGE);
            return 0;
        }
        String deviceName = "cpu";
        int[] sizes = {784, 256, 128, 10};
        int batch = 128;
        int steps = 100;
        Path json = null;
        Precision precision = Precision.FP32;
        for (int i = 0; i < args.length; i++) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("bench replay-check: " + args[i] + " needs a value (adjoint bench replay-check --help lists the options)");
            }
            String a = args[i];
            String v = args[++i];
            switch (a) {
                case "--device" -> deviceName = v;
                case "--sizes" -> sizes = Arrays.stream(v.split(",")).mapToInt(x -> GemmBench.positive(a, x)).toArray();
                case "--batch" -> batch = GemmBench.positive(a, v);
                case "--steps" -> steps = GemmBench.positive(a, v);
                case "--json" -> json = GemmBench.writable(Path.of(v));
                case "--precision" -> precision = TrainBench.precision("bench replay-check", v);
                default -> throw new IllegalArgumentException("bench replay-check: unknown option " + a);
            }
        }
        if (sizes.length < 2) {
            throw new IllegalArgumentException("bench replay-check: --sizes needs at least an input and an output size, got "
                    + Arrays.toString(sizes));
        }
        World world = World.current();
        batch = world.evenShare("bench replay-check", batch);
        world.silenceFollowers();
        Devices.Selection sel = Devices.select(deviceName);
        String before = System.getProperty(GRAPHS);
        try (Device device = new CapturingDevice(sel.device())) {
            System.out.println(sel.explanation());
            boolean offersGraphs = ((CapturingDevice) device).inner() instanceof GraphCapable;
            Run plain = run(device, sizes, batch, steps, false, "false", precision);
            Run replay = run(device, sizes, batch, steps, true, "false", precision);
            Run graph = offersGraphs ? run(device, sizes, batch, steps, true, "true", precision) : null;

            Map<String, Object> root = new LinkedHashMap<>();
            root.put("benchmark", "replay-check");
            root.put("environment", Environment.describe());
            root.put("device", Map.of("name", device.name(), "description", device.description()));
            root.put("model", "MLP " + Arrays.toString(sizes) + " relu, softmax cross-entropy, Adam lr 1e-3");
            root.put("batch", (long) batch * world.size());
            root.put("ranks", (long) world.size());
            root.put("steps", (long) steps);
            root.put("precision", precision.id());
            root.put("plan", replay.plan);
            root.put("replay_vs_define_by_run_max_abs_diff", maxAbsDiff(replay.state, plain.state));
            root.put("replay_vs_define_by_run_differing", (long) differing(replay.state, plain.state));
            boolean ok = true;
            System.out.printf(Locale.ROOT, "replay (calls) vs define-by-run: %d of %d values differ, max |diff| %.3g%n",
                    differing(replay.state, plain.state), count(plain.state), maxAbsDiff(replay.state, plain.state));
            if (graph != null) {
                int diff = differing(graph.state, replay.state);
                root.put("graph_plan", graph.plan);
                root.put("graph_used", graph.graphed);
                root.put("graph_vs_replay_differing", (long) diff);
                root.put("graph_vs_replay_max_abs_diff", maxAbsDiff(graph.state, replay.state));
                root.put("graph_vs_define_by_run_max_abs_diff", maxAbsDiff(graph.state, plain.state));
                String refused = refusal(((CapturingDevice) device).inner());
                root.put("allocation_during_capture", refused);
                System.out.println("allocation during a graph capture: " + refused);
                ok = diff == 0 && graph.graphed && refused.startsWith("refused");
                System.out.printf(Locale.ROOT, "replay (device graph, used: %s) vs replay (calls): %d of %d values "
                        + "differ%n", graph.graphed, diff, count(replay.state));
            } else {
                root.put("graph_used", false);
                System.out.println(device.name() + " offers no device graphs; compared define-by-run and replay only");
            }
            root.put("ok", ok);
            System.out.println(ok ? "replay-check: OK" : "replay-check: FAILED");
            if (json != null && world.leader()) {
                Environment.writeJson(json, root);
                System.out.println("wrote " + GemmBench.wrote(json));
            }
            return ok ? 0 : 1;
        } finally {
            if (before == null) {
                System.clearProperty(GRAPHS);
            } else {
                System.setProperty(GRAPHS, before);
            }
        }
    }

    /** Allocating inside a capture must be refused with a DeviceException, and the device must work after. */
    private static String refusal(Device inner) {
        String outcome;
        try {
            ((GraphCapable) inner).capture(() -> inner.allocate(16).close()).close();
            outcome = "NOT refused";
        } catch (DeviceException e) {
            outcome = "refused: " + e.getMessage();
        }
        try (Buffer b = inner.allocate(2)) {
            float[] back = new float[2];
            inner.upload(new float[] {1.5f, -2f}, 0, b, 0, 2);
            inner.download(b, 0, back, 0, 2);
            if (back[0] != 1.5f || back[1] != -2f) {
                outcome = "device unusable after the refused capture: read back " + Arrays.toString(back);
            }
        }
        return outcome;
    }

    private record Run(List<float[]> state, String plan, boolean graphed) {}

    private static Run run(Device device, int[] sizes, int batch, int steps, boolean replay, String graphs,
                           Precision precision) {
        System.setProperty(GRAPHS, graphs);
        try (TrainStep step = new TrainStep(device, sizes, batch, replay, false).precision(precision)
                .world(World.current())) {
            for (int s = 0; s < steps; s++) {
                step.run();
            }
            device.synchronize();
            List<Plan> plans = step.trainer().replayPlans();
            String plan = plans.isEmpty() ? "none" : plans.getFirst().toString();
            boolean graphed = !plans.isEmpty() && plans.getFirst().graphed();
            return new Run(step.state(), plan, graphed);
        }
    }

    private static int count(List<float[]> a) {
        return a.stream().mapToInt(x -> x.length).sum();
    }

    private static int differing(List<float[]> a, List<float[]> b) {
        int n = 0;
        for (int i = 0; i < a.size(); i++) {
            for (int j = 0; j < a.get(i).length; j++) {
                if (Float.floatToRawIntBits(a.get(i)[j]) != Float.floatToRawIntBits(b.get(i)[j])) {
                    n++;
                }
            }
        }
        return n;
    }

    private static double maxAbsDiff(List<float[]> a, List<float[]> b) {
        double m = 0;
        for (int i = 0; i < a.size(); i++) {
            for (int j = 0; j < a.get(i).length; j++) {
                double d = Math.abs((double) a.get(i)[j] - b.get(i)[j]);
                m = Double.isNaN(d) ? Double.NaN : Math.max(m, d);
                if (Double.isNaN(m)) {
                    return m;
                }
            }
        }
        return m;
    }
}
