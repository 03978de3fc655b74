package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.DirectoryLock;
import dev.adjoint.io.Safetensors;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files a run reads and writes, under misuse and faults (#20 classes 5, 6 and 8): a resumed run
 * takes the settings it was started with, two runs cannot write one directory, a full disk loses no
 * file, a model holding NaN is refused, and running out of heap is one line.
 */
class RunFilesTest {
    @TempDir
    Path tmp;

    @Test
    void aResumedRunTakesTheSettingsItWasStartedWithUnlessGiven() {
        Path dir = tmp.resolve("ck");
        Cli.Run first = Cli.run("train", "--data", "spiral", "--hidden", "8", "--optimizer", "sgd", "--lr", "0.05",
                "--schedule", "constant", "--epochs", "1", "--checkpoint", dir.toString());
        assertEquals(0, first.code(), first.err());
        Cli.Run resumed = Cli.run("train", "--resume", dir.toString(), "--checkpoint", dir.toString(), "--epochs", "2");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("MLP [2, 8, 3], sgd, batch 128, lr 0.05"), resumed.out());
        assertTrue(resumed.out().contains("epoch   2"), resumed.out());
    }

    /** Two processes, one directory: the second is refused, naming the first, and the first's files are whole. */
    @Test
    void aSecondProcessCannotWriteTheSameDirectory() throws Exception {
        Path dir = tmp.resolve("shared");
        ChildJvm.Running first = ChildJvm.start(tmp, "", e -> { }, ChildJvm.command(List.of(), "train", "--data", "spiral",
                "--hidden", "8", "--epochs", "100000", "--checkpoint", dir.toString()));
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.exists(dir.resolve(Checkpoint.MODEL)) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(dir.resolve(Checkpoint.MODEL)), "the first run wrote no checkpoint in 60 s");
            Cli.oneLine(1, List.of(dir + " is in use: another run (process " + first.process().pid() + ")"), "train",
                    "--data", "spiral", "--hidden", "8", "--epochs", "3", "--resume", dir.toString(), "--checkpoint",
                    dir.toString());
        } finally {
            first.process().destroyForcibly().waitFor();
        }
        Checkpoint.load(dir);   // whole
    }

    /**
     * A refused second lock in this process must not drop the first: the locks are POSIX record
     * locks, which closing any channel to the file would release, so another process could then
     * write the directory too.
     */
    @Test
    void aRefusedSecondLockKeepsTheFirstAgainstOtherProcesses() throws Exception {
        Path dir = tmp.resolve("held");
        try (DirectoryLock held = DirectoryLock.acquire(dir, "checkpoints")) {
            Cli.oneLine(1, List.of(dir + " is in use"), "train", "--data", "spiral", "--hidden", "4", "--epochs", "1",
                    "--checkpoint", dir.toString());
            ChildJvm.Result other = ChildJvm.run(tmp, "", 120, "train", "--data", "spiral", "--hidden", "4", "--epochs", "1",
                    "--checkpoint", dir.toString());
            assertEquals(1, other.code(), other.out() + other.err());
            assertTrue(other.err().contains(dir + " is in use: another run (process " + ProcessHandle.current().pid() + ")"),
                    other.err());
        }
    }

    /** The --json file is replaced whole or not at all: a write the disk refuses leaves the previous file as it was. */
    @Test
    void aFullDiskKeepsThePreviousReport() throws Exception {
        Path json = tmp.resolve("report.json");
        String previous = "{\"previous\": \"run\"}\n";
        Files.writeString(json, previous);
        // 1 KiB of file size allowed (RLIMIT_FSIZE, as a full disk): the report of epoch 1 does not fit
        ChildJvm.Result r = ChildJvm.run(tmp, "ulimit -f 1;", 120, "train", "--data", "spiral", "--hidden", "4",
                "--epochs", "3", "--json", json.toString(), "--no-checkpoint");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("adjoint: cannot write " + json + ": File too large"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertEquals(previous, Files.readString(json, StandardCharsets.UTF_8), "the previous report is whole");
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList(), "temp files");
        }
    }

    @Test
    void aCheckpointHoldingNaNIsRefused() throws Exception {
        Path dir = tmp.resolve("nan");
        Cli.Run ok = Cli.run("train", "--data", "spiral", "--hidden", "4", "--epochs", "1", "--checkpoint", dir.toString());
        assertEquals(0, ok.code(), ok.err());
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, Safetensors.Loaded> saved = Checkpoint.load(dir).tensors();
        try (CpuDevice cpu = new CpuDevice(1); Scope s = Scope.open()) {
            for (Map.Entry<String, Safetensors.Loaded> e : saved.entrySet()) {
                float[] d = e.getValue().data();
                if (e.getKey().equals("2.weight")) {
                    d[5] = Float.NaN;
                }
                tensors.put(e.getKey(), Tensor.of(cpu, d, e.getValue().shape()));
            }
            Checkpoint.save(dir, tensors, Checkpoint.load(dir).config());
        }
        Cli.oneLine(1, List.of(dir.resolve(Checkpoint.MODEL).toString(), "tensor '2.weight' holds NaN at flat index 5",
                "diverged"), "eval", "--data", "spiral", "--checkpoint", dir.toString());
    }

    /** A heap too small for the data (the ADJOINT_JAVA_OPTS=-Xmx100m on Fashion-MNIST): one line, no trace. */
    @Test
    void runningOutOfHeapIsOneLine() throws Exception {
        StringBuilder csv = new StringBuilder("a,b,c,d,e,f,g,h,label\n");
        for (int i = 0; i < 400_000; i++) {
            csv.append(i % 97).append(",1.5,2.5,3.5,4.5,5.5,6.5,7.5,").append(i % 3).append('\n');
        }
        Path data = Files.writeString(tmp.resolve("big.csv"), csv);
        ChildJvm.Result r = ChildJvm.start(tmp, "", e -> { }, ChildJvm.command(List.of("-Xmx24m"), "train", "--train-csv",
                data.toString(), "--test-csv", data.toString(), "--hidden", "4", "--epochs", "1")).await(120);
        assertEquals(1, r.code(), r.out() + r.err());
        List<String> lines = r.err().lines().filter(l -> l.startsWith("adjoint: ")).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.getFirst().contains("out of Java heap memory") && lines.getFirst().contains("-Xmx"), r.err());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception in thread"), r.err());
    }
}
