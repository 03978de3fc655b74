package dev.adjoint.cli;

import dev.adjoint.io.Checkpoint;
import dev.adjoint.testing.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Faults from outside: a run killed (SIGKILL, SIGTERM) while it writes, a disk that is full (a
 * small tmpfs where this process may mount one, and always a file-size limit), a read-only
 * directory, two runs on one directory. Each run is a child JVM, bounded in time.
 */
final class HostileFaultCases {
    private HostileFaultCases() {}

    private static final String CAT = "faults";

    /** The CLI in a child JVM under {@code shell} (e.g. a ulimit), as a case's run. */
    private static Cli.Run child(Path dir, String shell, String... args) throws Exception {
        ChildJvm.Result r = ChildJvm.run(dir, shell, 120, args);
        if (r.timedOut()) {
            throw new IllegalStateException("the child JVM did not finish in 120 s");
        }
        return new Cli.Run(r.code(), r.out(), r.err().lines().filter(l -> !l.startsWith("WARNING:"))
                .map(l -> l + "\n").reduce("", String::concat));
    }

    /** Whether {@code dir} holds a checkpoint that loads. */
    private static boolean loads(Path dir) {
        try {
            Checkpoint.load(dir);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Starts a long run writing checkpoints to {@code dir}, waits for its first one, then {@code signal}s it mid-run. */
    private static Cli.Run interrupted(Path root, Path dir, String signal, long afterMillis) throws Exception {
        ChildJvm.Running run = ChildJvm.start(root, "", e -> { }, ChildJvm.command(List.of(), "train", "--data", "spiral",
                "--hidden", "512,512", "--epochs", "100000", "--checkpoint", dir.toString()));
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (!Files.exists(dir.resolve(Checkpoint.MODEL)) && System.nanoTime() < deadline && run.process().isAlive()) {
            Thread.sleep(20);
        }
        Thread.sleep(afterMillis);
        if (signal.equals("KILL")) {
            run.process().destroyForcibly();    // SIGKILL
        } else {
            run.process().destroy();            // SIGTERM
        }
        ChildJvm.Result r = run.await(60);
        return new Cli.Run(0, "killed with " + signal + ", exit " + r.code(), r.err());
    }

    static List<Hostile.Case> cases(Path root) throws IOException {
        List<Hostile.Case> c = new ArrayList<>();
        for (long after : new long[] {0, 137, 311, 577}) {
            Path dir = root.resolve("killed-" + after);
            c.add(Hostile.result(CAT, "kill -9 while checkpointing, " + after + " ms after the first save",
                    r -> loads(dir), () -> interrupted(root, dir, "KILL", after)).within(180));
        }
        Path termed = root.resolve("terminated");
        c.add(Hostile.result(CAT, "SIGTERM mid-run", r -> loads(termed), () -> interrupted(root, termed, "TERM", 200))
                .within(180));

        // a disk that fills: a file-size limit (RLIMIT_FSIZE) in the child refuses writes past 40 KiB
        Path kept = root.resolve("kept");
        Cli.Run first = Cli.run("train", "--data", "spiral", "--hidden", "64,64", "--epochs", "1", "--checkpoint",
                kept.toString());
        if (first.code() != 0) {
            throw new IllegalStateException(first.err());
        }
        c.add(Hostile.error(CAT, "checkpoint on a full disk (ulimit -f 40): the previous checkpoint stays", 1,
                List.of("File too large"), () -> child(root, "ulimit -f 40;", "train", "--resume", kept.toString(),
                        "--checkpoint", kept.toString(), "--epochs", "2"))
                .protecting(kept.resolve(Checkpoint.MODEL), kept.resolve(Checkpoint.CONFIG),
                        kept.resolve("best").resolve(Checkpoint.MODEL)).within(180));
        Path json = Files.writeString(root.resolve("previous.json"), "{\"previous\": 1}\n");
        c.add(Hostile.error(CAT, "--json on a full disk (ulimit -f 1): the previous report stays", 1,
                List.of("cannot write " + json), () -> child(root, "ulimit -f 1;", "train", "--data", "spiral", "--hidden",
                        "4", "--epochs", "2", "--json", json.toString(), "--no-checkpoint")).protecting(json).within(180));
        Path small = root.resolve("tmpfs");
        if (mountTmpfs(small, "size=96k")) {
            Path full = small.resolve("ck");
            c.add(Hostile.error(CAT, "checkpoint on a full 96 KiB tmpfs", 1, List.of("No space left on device"),
                    () -> Cli.run("train", "--data", "spiral", "--hidden", "64,64", "--epochs", "2", "--checkpoint",
                            full.toString())).within(120));
            c.add(Hostile.result(CAT, "after the full tmpfs: no temporary file is left behind", r -> true, () -> {
                try (var files = Files.walk(small)) {
                    List<Path> tmp = files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
                    return new Cli.Run(0, "", tmp.isEmpty() ? "" : "wrong: left " + tmp);
                }
            }));
        }
        // a read-only directory: /proc/self refuses new files even to root; a read-only tmpfs where one can be mounted
        c.add(Hostile.cli(CAT, 1, List.of("--checkpoint /proc/self/ck", "cannot be written"), "train", "--data", "spiral",
                "--hidden", "4", "--epochs", "1", "--checkpoint", "/proc/self/ck"));
        c.add(Hostile.cli(CAT, 1, List.of("--json /proc/self/report.json", "cannot be written"), "train", "--data",
                "spiral", "--hidden", "4", "--epochs", "1", "--json", "/proc/self/report.json"));
        c.add(Hostile.cli(CAT, 1, List.of("--json /proc/self/r.json", "cannot be written"), "selftest", "--device", "cpu",
                "--json", "/proc/self/r.json"));
        Path readOnly = root.resolve("read-only");
        if (mountTmpfs(readOnly, "ro,size=64k")) {
            c.add(Hostile.cli(CAT, 1, List.of("cannot be written", "Read-only file system"), "train", "--data", "spiral",
                    "--hidden", "4", "--epochs", "1", "--checkpoint", readOnly.resolve("ck").toString()));
        }
        Path shared = root.resolve("shared");
        c.add(Hostile.error(CAT, "two runs on one checkpoint directory", 1, List.of(shared + " is in use"), () -> {
            ChildJvm.Running holder = ChildJvm.start(root, "", e -> { }, ChildJvm.command(List.of(), "train", "--data",
                    "spiral", "--hidden", "8", "--epochs", "100000", "--checkpoint", shared.toString()));
            try {
                long deadline = System.nanoTime() + 90_000_000_000L;
                while (!Files.exists(shared.resolve(Checkpoint.MODEL)) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                return Cli.run("train", "--resume", shared.toString(), "--checkpoint", shared.toString(), "--epochs", "5");
            } finally {
                holder.process().destroyForcibly().waitFor();
            }
        }).within(180));
        return c;
    }

    /** Mounts a tmpfs with {@code options} on {@code dir} where this process may (root with CAP_SYS_ADMIN); false otherwise. */
    static boolean mountTmpfs(Path dir, String options) {
        try {
            Files.createDirectories(dir);
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString())
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Unmounts what {@link #mountTmpfs} mounted under {@code root}. */
    static void unmountAll(Path root) throws IOException, InterruptedException {
        for (String d : List.of("tmpfs", "read-only")) {
            Path dir = root.resolve(d);
            if (Files.isDirectory(dir)) {
                new ProcessBuilder("umount", dir.toString()).redirectErrorStream(true).start().waitFor();
            }
        }
    }
}
