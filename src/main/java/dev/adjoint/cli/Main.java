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
 * wrong and what to do, and exits non-zero ({@code --verbose} adds the stack trace):
 * <ul>
 *   <li>0: done.
 *   <li>1: the run could not be done: a file missing, unreadable, corrupt or not matching its
 *       config; an unusable device; a diverged run; out of memory or disk; a directory another run
 *       holds; a failed selftest or benchmark case.
 *   <li>2: the command line is wrong: an unknown command, option or backend, a value out of its
 *       range, options that conflict with each other or with the checkpoint being resumed, an
 *       output directory that holds another run's checkpoint.
 *   <li>3: an internal error (a bug).
 * </ul>
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
              selftest [--device D]        run the conformance suite on a device, then compare every primitive
                                           with the cpu backend [--json FILE] [--seed N]
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

    /** The exit codes (see the class comment). */
    static final int OK = 0;
    static final int FAILED = 1;
    static final int WRONG_USAGE = 2;
    static final int BUG = 3;

    static int run(String[] args) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        String[] rest = Arrays.stream(args).filter(a -> !a.equals("--verbose")).toArray(String[]::new);
        try {
            rest = threads(rest);
            if (rest.length == 0 || rest[0].equals("--help") || rest[0].equals("help") || rest[0].equals("-h")) {
                System.out.print(USAGE);
                return rest.length == 0 ? 2 : 0;
            }
            if (!rest[0].equals("bench") && (Arrays.asList(rest).contains("--help") || Arrays.asList(rest).contains("-h"))) {
                System.out.print(USAGE);    // 'train --help' asks for help, not for an option named help
                return OK;
            }
            return switch (rest[0]) {
                case "devices" -> DevicesCommand.run(new Args(rest, 1, java.util.List.of()));
                case "selftest" -> SelftestCommand.run(new Args(rest, 1, java.util.List.of()));
                case "bench" -> BenchCommand.run(rest);
                case "train" -> TrainCommand.run(new Args(rest, 1, TrainCommand.FLAGS));
                case "eval" -> EvalCommand.eval(new Args(rest, 1, java.util.List.of()));
                case "predict" -> EvalCommand.predict(new Args(rest, 1, java.util.List.of()));
                default -> throw new Args.UsageException("unknown command '" + dev.adjoint.io.Excerpt.of(rest[0])
                        + "'; run 'adjoint --help'");
            };
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            return report(e, verbose);
        }
    }

    /** The exit code for a failure (see the class comment). */
    static int exitCode(Throwable e) {
        return switch (e) {
            case Args.UsageException _ -> WRONG_USAGE;
            case DatasetException _, FileFormatException _ -> FAILED;   // before IllegalArgumentException: a bad file
            case IllegalArgumentException _ -> WRONG_USAGE;
            case java.io.UncheckedIOException _, DeviceUnavailableException _, DeviceException _, IllegalStateException _,
                 NonFiniteException _, OutOfMemoryError _ -> FAILED;
            default -> BUG;
        };
    }

    /** Prints the one line for {@code e} (and with {@code verbose} its stack trace); returns its exit code. */
    static int report(Throwable e, boolean verbose) {
        int code = exitCode(e);
        String line = switch (code) {
            case BUG -> "internal error: " + e + " (a bug, not your mistake; please report it with the output of --verbose)";
            default -> e instanceof OutOfMemoryError ? "out of Java heap memory (" + e.getMessage() + ", at most "
                    + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB); raise it, e.g. ADJOINT_JAVA_OPTS=-Xmx8g, or use a"
                    + " smaller model, batch or dataset" : String.valueOf(e.getMessage());
        };
        boolean hint = !verbose && code != BUG && !(e instanceof Args.UsageException);
        System.err.println("adjoint: " + line.replaceAll("\\R", " ") + (hint ? " (--verbose shows the stack trace)" : ""));
        if (verbose) {
            e.printStackTrace();
        }
        return code;
    }

    /** Applies and removes a global {@code --threads N}. */
    private static String[] threads(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--threads") || args[i].startsWith("--threads=")) {
                String v = args[i].contains("=") ? args[i].substring(10) : i + 1 < args.length ? args[i + 1] : null;
                if (v == null) {
                    throw new Args.UsageException("option --threads needs a value");
                }
                int threads = (int) Args.integer("--threads", v, 1, Devices.MAX_CPU_THREADS);
                int cores = Runtime.getRuntime().availableProcessors();
                if (threads > cores) {
                    System.err.println("adjoint: --threads " + threads + " is more than the " + cores
                            + " cores here; using " + cores);
                    threads = cores;
                }
                System.setProperty(Devices.CPU_THREADS_PROPERTY, Integer.toString(threads));
                int drop = args[i].contains("=") ? 1 : 2;
                String[] r = new String[args.length - drop];
                System.arraycopy(args, 0, r, 0, i);
                System.arraycopy(args, i + drop, r, i, args.length - i - drop);
                return r;
            }
        }
        return args;
    }
}
