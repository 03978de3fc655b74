package dev.adjoint.cli;

import dev.adjoint.data.DatasetException;
import dev.adjoint.device.DeviceException;
import dev.adjoint.io.FileFormatException;
import dev.adjoint.device.DeviceUnavailableException;
import dev.adjoint.device.Devices;
import dev.adjoint.tensor.NonFiniteException;
import java.util.Arrays;

/**
 * The {@code adjoint} command line. A user error prints one line, {@code adjoint: } and what was
 * wrong and what to do, and exits non-zero: 2 for a wrong command line or argument, 1 for a bad
 * file, an unusable device or a failed run, 3 for an internal error (a bug). {@code --verbose}
 * adds the stack trace.
 */
public final class Main {
    static final String USAGE = """
            usage: adjoint <command> [options]

            commands:
              train [options]              train an MLP (Fashion-MNIST if installed, else the built-in spiral set):
                                           --hidden 512,256 --activation relu --loss cross-entropy --optimizer adam
                                           --lr 0.001 --batch 128 --epochs 20 --schedule cosine --seed 1
                                           --data DIR|spiral --checkpoint DIR --resume DIR --json FILE --device D
                                           --detect-anomaly (name the op that first makes a NaN or infinity)
              eval --checkpoint DIR        test accuracy of a trained model
              predict --checkpoint DIR     top classes for test rows: --rows 0,1,2 --top 3
              devices                      list backends and devices, and what 'auto' picks and why
              selftest [--device D]        run the conformance suite on a device [--json FILE] [--seed N]
              bench [--compare]            the standard matrix (SGEMM, training step, inference) on every
                                           available backend, with numpy / PyTorch side by side: a table,
                                           JSON and an SVG chart [--device D,...] [--quick] [--json FILE]
              bench gemm [--device D]      time SGEMM: [--size N | --shape MxKxN] [--threads T] [--json FILE]
              bench train [--device D]     time the MLP training step: [--sizes 784,256,128,10] [--batch 128]
                                           [--compare] (runs the numpy / PyTorch reference side by side)
                                           [--replay [--graphs on|off]] (a captured plan; CUDA graph on cuda)
              bench replay-check [--device D]  define-by-run vs replay vs CUDA-graph replay: same weights?

            global options: --threads N (cpu backend), --verbose (stack traces on errors)
            devices: auto (default; or $ADJOINT_DEVICE), cpu, cuda[:index], opencl[:index or name]
            """;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        String[] rest = Arrays.stream(args).filter(a -> !a.equals("--verbose")).toArray(String[]::new);
        try {
            rest = threads(rest);
            if (rest.length == 0 || rest[0].equals("--help") || rest[0].equals("help") || rest[0].equals("-h")) {
                System.out.print(USAGE);
                return rest.length == 0 ? 2 : 0;
            }
            return switch (rest[0]) {
                case "devices" -> DevicesCommand.run(new Args(rest, 1, java.util.List.of()));
                case "selftest" -> SelftestCommand.run(new Args(rest, 1, java.util.List.of()));
                case "bench" -> BenchCommand.run(rest);
                case "train" -> TrainCommand.run(new Args(rest, 1, TrainCommand.FLAGS));
                case "eval" -> EvalCommand.eval(new Args(rest, 1, java.util.List.of()));
                case "predict" -> EvalCommand.predict(new Args(rest, 1, java.util.List.of()));
                default -> throw new Args.UsageException("unknown command '" + rest[0] + "'; run 'adjoint --help'");
            };
        } catch (Args.UsageException | IllegalArgumentException e) {
            return fail(e, verbose, 2);
        } catch (DatasetException | FileFormatException | java.io.UncheckedIOException e) {
            return fail(e, verbose, 1);
        } catch (DeviceUnavailableException | DeviceException | IllegalStateException | NonFiniteException e) {
            return fail(e, verbose, 1);
        } catch (RuntimeException e) {
            System.err.println("adjoint: internal error: " + e + " (a bug, not your mistake; please report it with "
                    + "the output of --verbose)");
            if (verbose) {
                e.printStackTrace();
            }
            return 3;
        }
    }

    /** Applies and removes a global {@code --threads N}. */
    private static String[] threads(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--threads") || args[i].startsWith("--threads=")) {
                String v = args[i].contains("=") ? args[i].substring(10) : i + 1 < args.length ? args[i + 1] : null;
                if (v == null) {
                    throw new Args.UsageException("option --threads needs a value");
                }
                try {
                    if (Integer.parseInt(v) < 1) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    throw new Args.UsageException("--threads must be a positive integer, got '" + v + "'");
                }
                System.setProperty(Devices.CPU_THREADS_PROPERTY, v);
                int drop = args[i].contains("=") ? 1 : 2;
                String[] r = new String[args.length - drop];
                System.arraycopy(args, 0, r, 0, i);
                System.arraycopy(args, i + drop, r, i, args.length - i - drop);
                return r;
            }
        }
        return args;
    }

    /** One line: what was wrong and what to do; with {@code --verbose} the stack trace follows it. */
    private static int fail(RuntimeException e, boolean verbose, int code) {
        boolean hint = !verbose && !(e instanceof Args.UsageException);
        System.err.println("adjoint: " + e.getMessage() + (hint ? " (--verbose shows the stack trace)" : ""));
        if (verbose) {
            e.printStackTrace();
        }
        return code;
    }
}
