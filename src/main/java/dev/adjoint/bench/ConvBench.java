package dev.adjoint.bench;

import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import dev.adjoint.nn.Convolution;
import dev.adjoint.tensor.Autograd;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * {@code adjoint bench conv}: one Conv2d layer's forward and backward (y = conv(x), then the gradients of
 * y.sum() for the input, the weight and the bias), by default the ResNet layer of issue #27 (64 to 64
 * channels, 3x3, padding 1, 56x56, batch 32). Validated against float64 at sampled outputs before it is
 * timed; with {@code --compare}, {@code bench/reference/torch_conv_layer.py} times the same layer in
 * PyTorch on the CPU with the same threads, the two alternating round by round.
 */
public final class ConvBench {
    static final String USAGE = """
            usage: adjoint bench conv [--device D] [--shape 32,64,56,56] [--out 64] [--kernel 3] [--padding 1]
                                      [--threads T] [--repeat 5] [--warmup 2] [--sample 1] [--compare]
                                      [--python python3] [--json FILE|-]""";

    private ConvBench() {}

    record Options(String device, int[] shape, int out, int kernel, int padding, int repeat, double warmup,
                   double sample, boolean compare, String python, Path json) {}

    /** The layer's step on a device: a fresh gradient each call. */
    private static final class Layer implements Workload {
        private final Device device;
        private final Tensor x;
        private final Tensor w;
        private final Tensor b;
        private final int[] pad;

        Layer(Device device, Options o) {
            this.device = device;
            int[] s = o.shape();
            float bound = (float) (1 / Math.sqrt((double) s[1] * o.kernel() * o.kernel()));
            x = Tensor.normal(device, 1, 0f, 1f, s).requiresGrad(true);
            w = Tensor.uniform(device, 2, -bound, bound, o.out(), s[1], o.kernel(), o.kernel()).requiresGrad(true);
            b = Tensor.uniform(device, 3, -bound, bound, o.out()).requiresGrad(true);
            pad = new int[] {o.padding(), o.padding(), o.padding(), o.padding()};
        }

        Tensor forward() {
            return Convolution.conv2d(x, w, b, new int[] {1, 1}, pad, new int[] {1, 1}, 1);
        }

        @Override
        public void run() {
            x.zeroGrad();
            w.zeroGrad();
            b.zeroGrad();
            try (Scope scope = Scope.open()) {
                forward().sum().backward();
            }
        }

        @Override
        public void synchronize() {
            device.synchronize();
        }

        @Override
        public void close() {
            for (Tensor t : new Tensor[] {x, w, b}) {
                t.zeroGrad();     // closes the last gradient
            }
            x.close();
            w.close();
            b.close();
        }

        /**
         * Compares 64 sampled outputs with float64 sums of the inputs, then one step's gradients of y.sum(): the
         * bias's (every output position), 16 sampled weight entries (sums of the input they multiply) and 16 input
         * entries (sums of the weights that reach them); throws naming the first that differs.
         */
        void validate() {
            float[] xs = x.toArray();
            float[] ws = w.toArray();
            float[] bs = b.toArray();
            int[] s = x.shape();
            int o = w.shape()[0];
            int k = w.shape()[2];
            float[] y;
            int[] ys;
            try (Scope scope = Scope.open(); Autograd.NoGrad off = Autograd.noGrad()) {
                Tensor out = forward();
                y = out.toArray();
                ys = out.shape();
            }
            Random rnd = new Random(7);
            for (int t = 0; t < 64; t++) {
                int n = rnd.nextInt(s[0]);
                int oc = rnd.nextInt(o);
                int i = rnd.nextInt(ys[2]);
                int j = rnd.nextInt(ys[3]);
                double sum = bs[oc];
                double mag = Math.abs(bs[oc]);
                for (int c = 0; c < s[1]; c++) {
                    for (int ki = 0; ki < k; ki++) {
                        for (int kj = 0; kj < k; kj++) {
                            int r = i - pad[0] + ki;
                            int q = j - pad[2] + kj;
                            if (r >= 0 && r < s[2] && q >= 0 && q < s[3]) {
                                double v = (double) xs[((n * s[1] + c) * s[2] + r) * s[3] + q]
                                        * ws[((oc * s[1] + c) * k + ki) * k + kj];
                                sum += v;
                                mag += Math.abs(v);
                            }
                        }
                    }
                }
                float got = y[((n * o + oc) * ys[2] + i) * ys[3] + j];
                check("output", new int[] {n, oc, i, j}, got, sum, mag);
            }
            run();
            float[] gx = x.grad().toArray();
            float[] gw = w.grad().toArray();
            float[] gb = b.grad().toArray();
            for (int oc = 0; oc < o; oc++) {
                check("bias gradient", new int[] {oc}, gb[oc], (double) s[0] * ys[2] * ys[3], 0);
            }
            for (int t = 0; t < 16; t++) {
                int oc = rnd.nextInt(o);
                int c = rnd.nextInt(s[1]);
                int ki = rnd.nextInt(k);
                int kj = rnd.nextInt(k);
                double sum = 0;
                double mag = 0;
                for (int n = 0; n < s[0]; n++) {
                    for (int i = 0; i < ys[2]; i++) {
                        for (int j = 0; j < ys[3]; j++) {
                            int r = i - pad[0] + ki;
                            int q = j - pad[2] + kj;
                            if (r >= 0 && r < s[2] && q >= 0 && q < s[3]) {
                                double v = xs[((n * s[1] + c) * s[2] + r) * s[3] + q];
                                sum += v;
                                mag += Math.abs(v);
                            }
                        }
                    }
                }
                check("weight gradient", new int[] {oc, c, ki, kj}, gw[((oc * s[1] + c) * k + ki) * k + kj], sum, mag);
                int n = rnd.nextInt(s[0]);
                int r = rnd.nextInt(s[2]);
                int q = rnd.nextInt(s[3]);
                double in = 0;
                double inMag = 0;
                for (int oc2 = 0; oc2 < o; oc2++) {
                    for (int a = 0; a < k; a++) {
                        for (int e = 0; e < k; e++) {
                            int i = r + pad[0] - a;
                            int j = q + pad[2] - e;
                            if (i >= 0 && i < ys[2] && j >= 0 && j < ys[3]) {
                                double v = ws[((oc2 * s[1] + c) * k + a) * k + e];
                                in += v;
                                inMag += Math.abs(v);
                            }
                        }
                    }
                }
                check("input gradient", new int[] {n, c, r, q}, gx[((n * s[1] + c) * s[2] + r) * s[3] + q], in, inMag);
            }
        }

        private static void check(String what, int[] at, float got, double want, double mag) {
            if (!(Math.abs(got - want) <= 1e-5 * Math.max(mag, Math.abs(want)) + 1e-6)) {
                throw new IllegalStateException(String.format(Locale.ROOT, "bench conv: %s %s is %s, float64 gives %s: not"
                        + " timed", what, Arrays.toString(at), got, want));
            }
        }
    }

    public static int run(String[] args) {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println(USAGE);
            return 0;
        }
        Options o = parse(args);
        Devices.Selection sel = Devices.select(o.device());
        try (Device device = sel.device(); Layer layer = new Layer(device, o)) {
            System.out.println(sel.explanation());
            layer.validate();
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("benchmark", "conv2d-forward-backward");
            root.put("environment", Environment.describe());
            root.put("device", Map.of("name", device.name(), "description", device.description()));
            root.put("layer", String.format(Locale.ROOT, "Conv2d(%d, %d, %d, padding=%d) on %s, y.sum().backward()",
                    o.shape()[1], o.out(), o.kernel(), o.padding(), Arrays.toString(o.shape())));
            double[] ours = new double[o.repeat()];
            double[] peer = new double[o.repeat()];
            String torch = null;
            int calls = Timing.callsPerSample(Timing.warmup(layer, o.warmup()), o.sample());
            for (int r = 0; r < o.repeat(); r++) {
                PeerSample early = o.compare() && r % 2 == 0 ? torch(o, Devices.cpuThreads()) : null;
                if (o.compare()) {
                    Timing.warmup(layer, TrainBench.SAMPLE_WARMUP_SECONDS);
                }
                ours[r] = Timing.sample(layer, calls);
                PeerSample late = o.compare() && r % 2 == 1 ? torch(o, Devices.cpuThreads()) : null;
                PeerSample sample = early != null ? early : late;
                if (sample != null) {
                    peer[r] = sample.seconds();
                    torch = sample.version();
                }
                System.out.printf(Locale.ROOT, "round %d  adjoint %9.2f ms%s%n", r + 1, 1e3 * ours[r],
                        o.compare() ? String.format(Locale.ROOT, "  torch %9.2f ms", 1e3 * peer[r]) : "");
            }
            double med = new Samples(ours, calls).median();
            root.put("adjoint_seconds", MatrixReport.boxed(ours));
            root.put("adjoint_median_seconds", med);
            System.out.printf(Locale.ROOT, "adjoint %s: median %.2f ms a forward and backward%n", device.name(), 1e3 * med);
            if (o.compare()) {
                double pm = new Samples(peer, 1).median();
                root.put("peer", "torch " + torch + " (bench/reference/torch_conv_layer.py, CPU)");
                root.put("peer_seconds", MatrixReport.boxed(peer));
                root.put("peer_median_seconds", pm);
                root.put("adjoint_time_over_peer", med / pm);
                System.out.printf(Locale.ROOT, "torch: median %.2f ms; adjoint's time / torch's = %.2f%n", 1e3 * pm, med / pm);
            }
            if (o.json() != null) {
                Environment.writeJson(o.json(), root);
                System.out.println("wrote " + GemmBench.wrote(o.json()));
            }
        }
        return 0;
    }

    /** One sample of the PyTorch layer: seconds per call after its own warm-up, and its {@code VERSION threads N}. */
    private record PeerSample(double seconds, String version) {}

    private static PeerSample torch(Options o, int threads) {
        String script = Path.of("bench", "reference", "torch_conv_layer.py").toString();
        List<String> cmd = List.of(o.python(), script, "--shape", String.join(",", Arrays.stream(o.shape())
                        .mapToObj(Integer::toString).toList()), "--out", Integer.toString(o.out()), "--kernel",
                Integer.toString(o.kernel()), "--padding", Integer.toString(o.padding()), "--threads",
                Integer.toString(threads), "--seconds", Double.toString(o.sample()),
                "--warmup", Double.toString(TrainBench.SAMPLE_WARMUP_SECONDS));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            StringBuilder text = new StringBuilder();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    text.append(line).append('\n');
                }
            }
            int code = p.waitFor();
            double seconds = Double.NaN;
            String version = "(version not reported)";
            for (String line : text.toString().split("\n")) {
                if (line.startsWith("seconds_per_call ")) {
                    seconds = Double.parseDouble(line.substring("seconds_per_call ".length()));
                } else if (line.startsWith("torch ")) {
                    version = line.substring("torch ".length()).trim();
                }
            }
            if (code == 0 && !Double.isNaN(seconds)) {
                return new PeerSample(seconds, version);
            }
            throw new IllegalStateException("bench conv: the PyTorch peer (" + String.join(" ", cmd) + ") exited "
                    + code + " without a timing:\n" + text);
        } catch (IOException e) {
            throw new IllegalStateException("bench conv: cannot run the PyTorch peer with " + o.python() + ": "
                    + e.getMessage() + " (--python names a Python with torch)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("bench conv: interrupted while PyTorch ran", e);
        }
    }

    private static int badPadding(String v) {
        throw new IllegalArgumentException("bench conv: --padding must be a whole number from 0 to 9999, got '" + v + "'");
    }

    static Options parse(String[] args) {
        String device = "cpu";
        int[] shape = {32, 64, 56, 56};
        int out = 64;
        int kernel = 3;
        int padding = 1;
        int repeat = 5;
        double warmup = 2;
        double sample = 1;
        boolean compare = false;
        String python = "python3";
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--compare")) {
                compare = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("bench conv: " + a + " needs a value (adjoint bench conv --help lists"
                        + " the options)");
            }
            String v = args[++i];
            switch (a) {
                case "--device" -> device = v;
                case "--shape" -> shape = Arrays.stream(v.split(",")).mapToInt(x -> GemmBench.positive(a, x)).toArray();
                case "--out" -> out = GemmBench.positive(a, v);
                case "--kernel" -> kernel = GemmBench.positive(a, v);
                case "--padding" -> padding = v.trim().matches("[0-9]{1,4}") ? Integer.parseInt(v.trim()) : badPadding(v);
                case "--repeat" -> repeat = GemmBench.positive(a, v);
                case "--warmup" -> warmup = GemmBench.seconds(a, v);
                case "--sample" -> sample = GemmBench.seconds(a, v);
                case "--python" -> python = v;
                case "--json" -> json = GemmBench.writable(Path.of(v));
                case "--threads" -> {
                    GemmBench.threads(a, v);
                    System.setProperty(Devices.CPU_THREADS_PROPERTY, v);
                }
                default -> throw new IllegalArgumentException("bench conv: unknown option " + a);
            }
        }
        if (shape.length != 4) {
            throw new IllegalArgumentException("bench conv: --shape is N,C,H,W, got " + shape.length + " numbers");
        }
        if (compare && !device.equals("cpu")) {
            throw new IllegalArgumentException("bench conv: --compare runs PyTorch on the CPU; compare --device cpu");
        }
        return new Options(device, shape, out, kernel, padding, repeat, warmup, sample, compare, python, json);
    }
}
