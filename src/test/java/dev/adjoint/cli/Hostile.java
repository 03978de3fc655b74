package dev.adjoint.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The hostile-input suite's vocabulary: a {@link Case} is one bad input, fault or misuse and what
 * must come of it, and running it gives a {@link Verdict}. A case either expects a clean error (an
 * exit code and words of its one line) or a correct result (exit 0 and a check of the result), may
 * name files that must come out of it unchanged, and is bounded in time.
 */
final class Hostile {
    private Hostile() {}

    /** What came of a case. Everything but OK fails the suite. */
    enum Verdict { OK, SILENT_WRONG, HANG, LOST_FILE, STACK_TRACE, WRONG_ERROR }

    /** A verdict with what was seen. */
    record Result(Case c, Verdict verdict, String detail) {}

    /** What a case runs: a CLI invocation, a child process, or a call into the API. */
    @FunctionalInterface
    interface Action {
        Cli.Run run() throws Exception;
    }

    /**
     * One case. {@code code} 0 means a correct result is expected and {@code correct} judges it;
     * otherwise an error with exit {@code code} whose single {@code adjoint:} line holds every
     * fragment. {@code protect} lists files whose bytes must not change.
     */
    record Case(String category, String name, Action action, int code, List<String> fragments,
                Predicate<Cli.Run> correct, List<Path> protect, long seconds) {
        Case protecting(Path... files) {
            List<Path> p = new ArrayList<>(protect);
            p.addAll(Arrays.asList(files));
            return new Case(category, name, action, code, fragments, correct, p, seconds);
        }

        Case within(long s) {
            return new Case(category, name, action, code, fragments, correct, protect, s);
        }
    }

    static Case error(String category, String name, int code, List<String> fragments, Action action) {
        return new Case(category, name, action, code, fragments, r -> true, List.of(), 60);
    }

    static Case result(String category, String name, Predicate<Cli.Run> correct, Action action) {
        return new Case(category, name, action, 0, List.of(), correct, List.of(), 60);
    }

    /** The CLI in this JVM on {@code args}: an error with exit {@code code} and these words. */
    static Case cli(String category, int code, List<String> fragments, String... args) {
        return error(category, String.join(" ", args), code, fragments, () -> Cli.run(args));
    }

    /** The CLI in this JVM on {@code args}: exit 0, judged by {@code correct}. */
    static Case cliOk(String category, Predicate<Cli.Run> correct, String... args) {
        return result(category, String.join(" ", args), correct, () -> Cli.run(args));
    }

    /** An API call that must throw {@code type} with a message holding every fragment. */
    static Case api(String name, Class<? extends Throwable> type, List<String> fragments, ThrowingRunnable call) {
        return error("api", name, 1, fragments, () -> {
            try {
                call.run();
            } catch (Throwable t) {
                boolean expected = type.isInstance(t);
                return new Cli.Run(expected ? 1 : 3, "", "adjoint: " + (expected ? "" : t.getClass().getName() + ": ")
                        + String.valueOf(t.getMessage()).replaceAll("\\R", " ") + "\n");
            }
            return new Cli.Run(0, "", "");
        });
    }

    /** An API use that must give the right answer, judged by {@code check} (which throws AssertionError otherwise). */
    static Case apiOk(String name, ThrowingRunnable check) {
        return result("api", name, r -> true, () -> {
            try {
                check.run();
            } catch (AssertionError e) {
                return new Cli.Run(0, "", "wrong: " + e.getMessage());
            }
            return new Cli.Run(0, "ok", "");
        });
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Runs every case, each bounded in time, in order. */
    static List<Result> runAll(List<Case> cases) {
        List<Result> results = new ArrayList<>();
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hostile-case");
            t.setDaemon(true);
            return t;
        });
        try {
            for (Case c : cases) {
                results.add(run(pool, c));
            }
        } finally {
            pool.shutdownNow();
        }
        return results;
    }

    private static Result run(ExecutorService pool, Case c) {
        Map<Path, String> before = digests(c.protect());
        Future<Cli.Run> f = pool.submit(c.action()::run);
        Cli.Run r;
        try {
            r = f.get(c.seconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return new Result(c, Verdict.HANG, "no answer in " + c.seconds() + " s");
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new Result(c, Verdict.WRONG_ERROR, "the case itself failed: " + cause);
        }
        Map<Path, String> after = digests(c.protect());
        if (!before.equals(after)) {
            return new Result(c, Verdict.LOST_FILE, "changed: " + changed(before, after));
        }
        String printed = r.out() + r.err();
        if (printed.contains("\tat ") || printed.contains("Exception in thread") || printed.contains("Caused by:")) {
            return new Result(c, Verdict.STACK_TRACE, r.err());
        }
        if (c.code() == 0) {
            if (r.code() != 0) {
                return new Result(c, Verdict.WRONG_ERROR, "expected success, exit " + r.code() + ": " + r.err());
            }
            if (r.err().startsWith("wrong: ") || !c.correct().test(r)) {
                return new Result(c, Verdict.SILENT_WRONG, "exit 0 with a wrong result: " + r.err() + r.out());
            }
            return new Result(c, Verdict.OK, "");
        }
        if (r.code() == 0) {
            return new Result(c, Verdict.SILENT_WRONG, "exit 0 where an error was due: " + r.out());
        }
        List<String> lines = r.err().lines().filter(l -> l.startsWith("adjoint: ")).toList();
        if (r.code() != c.code() || lines.size() != 1) {
            return new Result(c, Verdict.WRONG_ERROR, "exit " + r.code() + " (expected " + c.code() + "), " + lines.size()
                    + " 'adjoint:' lines: " + r.err());
        }
        for (String fragment : c.fragments()) {
            if (!lines.getFirst().contains(fragment)) {
                return new Result(c, Verdict.WRONG_ERROR, "'" + fragment + "' missing from: " + lines.getFirst());
            }
        }
        return new Result(c, Verdict.OK, lines.getFirst());
    }

    private static Map<Path, String> digests(List<Path> files) {
        Map<Path, String> d = new LinkedHashMap<>();
        for (Path p : files) {
            try {
                d.put(p, Files.exists(p) ? HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(p))) : "absent");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return d;
    }

    private static List<Path> changed(Map<Path, String> before, Map<Path, String> after) {
        return before.keySet().stream().filter(p -> !before.get(p).equals(after.get(p))).toList();
    }
}
