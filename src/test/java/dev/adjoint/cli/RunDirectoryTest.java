package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.io.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs you can come back to (#22): {@code train} without {@code --checkpoint} saves into a run
 * directory it names, {@code runs/<yyyyMMdd-HHmmss>/}, and {@code runs/latest} names it once it
 * holds a checkpoint; {@code eval} and {@code predict} with no flags load it, on the data it was
 * trained on. The README's first command, then these two, need no flags.
 */
class RunDirectoryTest {
    @TempDir
    Path tmp;

    private static final String[] TINY = {"train", "--data", "spiral", "--hidden", "4", "--epochs", "2"};

    @Test
    void trainThenEvalAndPredictWithNoFlags() throws Exception {
        Path runs = tmp.resolve("runs");
        Cli.Run train = Cli.runIn(runs, TINY);
        assertEquals(0, train.code(), train.err());
        Path run = train.printed("run directory");
        assertEquals(runs, run.getParent());
        assertTrue(run.getFileName().toString().matches("\\d{8}-\\d{6}"), run.toString());
        assertTrue(Checkpoint.exists(run) && Checkpoint.exists(run.resolve("best")), "last and best saved in " + run);
        assertTrue(train.out().contains("checkpoint: " + run.resolve(Checkpoint.MODEL)), "said again at the end:\n"
                + train.out());
        assertEquals(run.getFileName() + "\n", Files.readString(runs.resolve(Runs.LATEST)));

        Cli.Run eval = Cli.runIn(runs, "eval");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().startsWith("checkpoint: " + run.resolve("best") + " (the latest run's best epoch"), eval.out());
        assertTrue(eval.out().contains("spiral-test test accuracy"), "the data it was trained on:\n" + eval.out());
        Cli.Run predict = Cli.runIn(runs, "predict");
        assertEquals(0, predict.code(), predict.err());
        assertEquals(5, predict.out().lines().filter(l -> l.startsWith("row ")).count(), predict.out());
    }

    /** A model trained on CSV files is evaluated on their test set with no flags: the checkpoint records them. */
    @Test
    void evalWithNoFlagsUsesTheDataTheRunWasTrainedOn() throws Exception {
        Path runs = tmp.resolve("runs");
        StringBuilder csv = new StringBuilder("x1,x2,label\n");
        for (int i = 0; i < 60; i++) {
            csv.append(i % 2 == 0 ? "0.1," : "0.9,").append(i % 5).append(',').append(i % 2 == 0 ? 4 : 7).append('\n');
        }
        Path file = Files.writeString(tmp.resolve("t.csv"), csv);
        assertEquals(0, Cli.runIn(runs, "train", "--train-csv", file.toString(), "--test-csv", file.toString(), "--hidden",
                "4", "--epochs", "1").code());
        Cli.Run eval = Cli.runIn(runs, "eval");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("t.csv test accuracy"), eval.out());
    }

    @Test
    void noRunYetIsAClearError() {
        Cli.Run r = Cli.runIn(tmp.resolve("runs"), "predict");
        assertEquals(2, r.code());
        assertEquals(List.of("adjoint: no run found under " + tmp.resolve("runs") + "/: train one first ('adjoint train')"
                + " or pass --checkpoint DIR"), r.errLines());
    }

    @Test
    void aLatestRunThatWasDeletedIsNamed() throws Exception {
        Path runs = tmp.resolve("runs");
        Cli.Run train = Cli.runIn(runs, Cli.with(TINY, "--epochs", "1"));
        Path run = train.printed("run directory");
        try (var files = Files.walk(run)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        Cli.Run r = Cli.runIn(runs, "eval");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("names run '" + run.getFileName() + "', which holds no checkpoint"), r.err());
    }

    /** Two runs in one second get distinct directories, the second with a suffix. */
    @Test
    void aNameTakenGetsASuffix() {
        LocalDateTime t = LocalDateTime.of(2025, 1, 2, 3, 4, 5);
        Path runs = tmp.resolve("runs");
        assertEquals(runs.resolve("20250102-030405"), Runs.create(runs, t));
        assertEquals(runs.resolve("20250102-030405-2"), Runs.create(runs, t));
        assertEquals(runs.resolve("20250102-030405-3"), Runs.create(runs, t));
    }

    /** A run that fails before its first checkpoint leaves no directory, and latest still names the last good run. */
    @Test
    void aRunThatSavedNothingLeavesNothing() throws Exception {
        Path runs = tmp.resolve("runs");
        Path good = Cli.runIn(runs, Cli.with(TINY, "--epochs", "1")).printed("run directory");
        Cli.Run diverged = Cli.runIn(runs, Cli.with(TINY, "--lr", "1e6"));
        assertEquals(1, diverged.code(), diverged.err());
        try (var dirs = Files.list(runs)) {
            assertEquals(List.of(good.getFileName().toString(), Runs.LATEST),
                    dirs.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(good.getFileName() + "\n", Files.readString(runs.resolve(Runs.LATEST)));
    }

    @Test
    void noCheckpointWritesNothingAndCheckpointDirWritesThere() {
        Path runs = tmp.resolve("runs");
        Cli.Run none = Cli.runIn(runs, Cli.with(TINY, "--no-checkpoint"));
        assertEquals(0, none.code(), none.err());
        assertFalse(Files.exists(runs), "--no-checkpoint made " + runs);
        assertFalse(none.out().contains("checkpoint: "), none.out());
        Path dir = tmp.resolve("mine");
        Cli.Run mine = Cli.runIn(runs, Cli.with(TINY, "--checkpoint", dir.toString()));
        assertEquals(0, mine.code(), mine.err());
        assertTrue(Checkpoint.exists(dir));
        assertFalse(Files.exists(runs), "--checkpoint DIR also made " + runs);
        Cli.oneLine(2, List.of("--checkpoint and --no-checkpoint cannot be used together"),
                Cli.with(TINY, "--checkpoint", dir.toString(), "--no-checkpoint"));
    }

    /** --resume without --checkpoint continues into a new run directory; the resumed one is left as it was. */
    @Test
    void resumingContinuesIntoANewRunDirectory() throws Exception {
        Path runs = tmp.resolve("runs");
        Path first = Cli.runIn(runs, Cli.with(TINY, "--epochs", "1")).printed("run directory");
        byte[] before = Files.readAllBytes(first.resolve(Checkpoint.MODEL));
        Cli.Run resumed = Cli.runIn(runs, "train", "--resume", first.toString(), "--epochs", "2");
        assertEquals(0, resumed.code(), resumed.err());
        Path second = resumed.printed("run directory");
        assertFalse(second.equals(first));
        assertTrue(resumed.out().contains("epoch   2"), resumed.out());
        assertEquals(2L, Checkpoint.load(second).config().get("epochs_done"));
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(first.resolve(Checkpoint.MODEL))), "resumed run changed");
        assertEquals(second.getFileName() + "\n", Files.readString(runs.resolve(Runs.LATEST)));
    }
}
