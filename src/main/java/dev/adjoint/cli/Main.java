package dev.adjoint.cli;

import dev.adjoint.data.DatasetException;
import dev.adjoint.device.DeviceException;
import dev.adjoint.io.FileFormatException;
import dev.adjoint.device.DeviceUnavailableException;
import dev.adjoint.device.Devices;
import dev.adjoint.dist.World;
import dev.adjoint.io.JsonOutput;
import dev.adjoint.tensor.NonFiniteException;
import java.util.Arrays;
import java.util.List;

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
    /** The options every command takes. */
    static final String GLOBAL_OPTIONS = """
            global options (any command):
              --threads N    threads of the cpu backend (default: one per core)
              --verbose      print the stack trace of an error
              --help, -h     the command's options, each with its default
            """;

    static final String USAGE = """
            usage: adjoint <command> [options]
                   adjoint <command> --help     every option of the command, with its default
                   adjoint --version            version, commit, JDK and available backends

            commands:
              train      train an MLP (Fashion-MNIST if installed, else the built-in spiral set); checkpoints go
                         to a new run directory, runs/<yyyyMMdd-HHmmss>/
              eval       test accuracy of a trained model (default: the latest run's best checkpoint)
              predict    top classes, with probabilities, for rows of the test set, or (--input FILE) for new data
                         (default: the latest run)
              report     rebuild a run's report, report.html (curves, confusion matrix, settings), from its JSON
                         (default: the latest run)
              devices    list backends and devices, and what 'auto' picks and why
              selftest   run the conformance suite on a device, then compare every primitive with the cpu backend
              bench      the benchmark matrix (SGEMM, training step, inference) on every available backend, with
                         numpy / PyTorch side by side; 'bench gemm|train|conv|replay-check' run one benchmark

            devices: auto (default; or $ADJOINT_DEVICE), cpu, cuda[:index], opencl[:index or name]
            --json FILE writes a command's result as JSON; --json - writes it to standard output, and the rest
            of what the command prints to standard error

            """ + GLOBAL_OPTIONS + "\ntrain's options ('adjoint train --help'):\n\n" + TrainCommand.optionLines();

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
        if (JsonOutput.requested(rest)) {
            return JsonOutput.toStandardOutput(() -> dispatch(rest, verbose));
        }
        return dispatch(rest, verbose);
    }

    private static int dispatch(String[] args, boolean verbose) {
        try {
            String[] rest = threads(args);
            if (rest.length == 0 || rest[0].equals("--help") || rest[0].equals("-h")) {
                System.out.print(USAGE);
                return rest.length == 0 ? WRONG_USAGE : OK;
            }
            if (rest[0].equals("--version")) {
                System.out.print(Version.describe());
                return OK;
            }
            if (rest[0].equals("help")) {
                System.out.print(rest.length > 1 && help(rest[1]) != null ? help(rest[1]) : USAGE);
                return OK;
            }
            if (!rest[0].equals("bench") && (Arrays.asList(rest).contains("--help") || Arrays.asList(rest).contains("-h"))) {
                String help = help(rest[0]);
                if (help == null) {
                    throw unknownCommand(rest[0]);
                }
                System.out.print(help);    // 'train --help' asks for help, not for an option named help
                return OK;
            }
            return switch (rest[0]) {
                case "devices" -> DevicesCommand.run(new Args("devices", rest, 1, DevicesCommand.OPTIONS));
                case "selftest" -> SelftestCommand.run(new Args("selftest", rest, 1, SelftestCommand.OPTIONS));
                case "bench" -> BenchCommand.run(rest);
                case "train" -> TrainCommand.run(new Args("train", rest, 1, TrainCommand.OPTIONS));
                case "eval" -> EvalCommand.eval(new Args("eval", rest, 1, EvalCommand.EVAL_OPTIONS));
                case "predict" -> EvalCommand.predict(new Args("predict", rest, 1, EvalCommand.PREDICT_OPTIONS));
                case "report" -> ReportCommand.run(new Args("report", rest, 1, ReportCommand.OPTIONS));
                default -> throw unknownCommand(rest[0]);
            };
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            int code = report(e, verbose);
            World world = World.joined();
            if (world != null && world.distributed()) {
                // the other ranks may be waiting for this one in a collective: end them all now, not at a timeout
                System.err.println("adjoint: rank " + world.rank() + " failed; ending all " + world.size()
                        + " ranks (MPI_Abort)");
                world.abort(code);
            }
            return code;
        }
    }

    /** The commands, in the order the usage lists them. */
    static final List<String> COMMANDS = List.of("train", "eval", "predict", "report", "devices", "selftest", "bench");

    /** {@code command}'s usage text, or null for a word that is not a command. */
    static String help(String command) {
        return switch (command) {
            case "train" -> TrainCommand.usage();
            case "eval" -> EvalCommand.evalUsage();
            case "predict" -> EvalCommand.predictUsage();
            case "report" -> ReportCommand.usage();
            case "devices" -> DevicesCommand.usage();
            case "selftest" -> SelftestCommand.usage();
            case "bench" -> BenchCommand.USAGE + "\n\n" + GLOBAL_OPTIONS;
            default -> null;
        };
    }

    private static Args.UsageException unknownCommand(String word) {
        String close = Usage.closest(word.replaceFirst("^-+", ""), COMMANDS);
        return new Args.UsageException("unknown command '" + dev.adjoint.io.Excerpt.of(word) + "'"
                + (close != null ? "; did you mean '" + close + "'?" : "") + " (commands: " + String.join(", ", COMMANDS)
                + "); run 'adjoint --help'");
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
                    + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB); raise it, e.g. ADJOINT_JAVA_OPTS=-Xmx8g, memory-map numpy"
                    + " arrays larger than memory (--data DIR --mmap), or use a smaller model, batch or dataset" : String.valueOf(e.getMessage());
        };
        boolean hint = !verbose && code != BUG && !(e instanceof Args.UsageException);
        World world = World.joined();
        String who = world != null && world.distributed() ? " (rank " + world.rank() + " of " + world.size() + ")" : "";
        System.err.println("adjoint" + who + ": " + line.replaceAll("\\R", " ")
                + (hint ? " (--verbose shows the stack trace)" : ""));
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
