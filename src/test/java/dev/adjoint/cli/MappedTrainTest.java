package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.NpyFiles;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.Safetensors;
import dev.adjoint.testing.ChildJvm;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * #24 Deliver 6 from the command line: {@code train --data DIR --mmap} trains on numpy arrays whose
 * features stay in their files (memory-mapped), with the same validation split, statistics and
 * batches as the same arrays read into memory, and on a file larger than the JVM's heap.
 */
class MappedTrainTest {
    @TempDir
    Path tmp;

    /**
     * x_train.npy etc. in {@code dir}: three classes labelled 2, 5 and 9, four float32 features on
     * different scales (a mean near 50, so the fitted normalization matters), {@code n} training rows.
     */
    static Path arrays(Path dir, int n) throws IOException {
        Files.createDirectories(dir);
        for (String split : List.of("train", "test")) {
            int rows = split.equals("train") ? n : n / 3;
            double[] x = new double[4 * rows];
            double[] y = new double[rows];
            for (int i = 0; i < rows; i++) {
                int c = (i * 7 + (split.equals("test") ? 1 : 0)) % 3;
                double jitter = ((i * 37) % 11) / 11.0;
                x[4 * i] = 50 + 3 * c + jitter;
                x[4 * i + 1] = 40 - 2 * c + 0.5 * jitter;
                x[4 * i + 2] = 60 + jitter;
                x[4 * i + 3] = c == 1 ? 55 : 45;
                y[i] = new int[] {2, 5, 9}[c];
            }
            Files.write(dir.resolve("x_" + split + ".npy"), NpyFiles.npy("<f4", new long[] {rows, 4}, x));
            Files.write(dir.resolve("y_" + split + ".npy"), NpyFiles.npy("<i8", new long[] {rows}, y));
        }
        return dir;
    }

    @Test
    void mappedTrainingIsTheSameRunAsTrainingFromMemory() throws IOException {
        Path dir = arrays(tmp.resolve("arrays"), 300);
        String[] common = {"train", "--data", dir.toString(), "--epochs", "4", "--hidden", "8", "--lr", "0.05",
                "--batch", "32", "--seed", "5"};
        Path inMemory = tmp.resolve("memory");
        Path mapped = tmp.resolve("mapped");
        Cli.Run a = Cli.run(Cli.with(common, "--checkpoint", inMemory.toString()));
        assertEquals(0, a.code(), a.err());
        Cli.Run b = Cli.run(Cli.with(common, "--mmap", "--checkpoint", mapped.toString()));
        assertEquals(0, b.code(), b.err());
        assertTrue(b.out().contains("x_train.npy: 300 train / 100 test samples (30 of the train held out for validation),"
                + " MLP [4, 8, 3]"), b.out());
        assertEquals(lines(a.out(), "final test"), lines(b.out(), "final test"));
        assertEquals(lines(a.out(), "epoch"), lines(b.out(), "epoch"), "the same losses and metrics, epoch by epoch");
        for (Path sub : List.of(Path.of("."), Path.of("best"))) {
            Checkpoint.Loaded x = Checkpoint.load(inMemory.resolve(sub));
            Checkpoint.Loaded y = Checkpoint.load(mapped.resolve(sub));
            assertEquals(x.tensors().keySet(), y.tensors().keySet());
            for (Map.Entry<String, Safetensors.Loaded> e : x.tensors().entrySet()) {
                assertArrayEquals(e.getValue().data(), y.tensors().get(e.getKey()).data(), sub + "/" + e.getKey()
                        + ": the same weights, bit for bit");
            }
            assertEquals(x.config().get("preprocessing"), y.config().get("preprocessing"), "the same fitted mean and std");
            Map<?, ?> source = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) y.config().get("data")).get("source"));
            assertEquals("npy-mapped", source.get("format"), y.config().toString());
        }

        // eval and predict find the data again, mapped, from the checkpoint's command line
        Cli.Run ea = Cli.run("eval", "--checkpoint", inMemory.toString(), "--json", "-");
        Cli.Run eb = Cli.run("eval", "--checkpoint", mapped.toString(), "--json", "-");
        assertEquals(0, eb.code(), eb.err());
        assertEquals(field(ea.out(), "\"accuracy\""), field(eb.out(), "\"accuracy\""));
        Cli.Run pa = Cli.run("predict", "--checkpoint", inMemory.toString(), "--rows", "0,1,99", "--top", "2");
        Cli.Run pb = Cli.run("predict", "--checkpoint", mapped.toString(), "--rows", "0,1,99", "--top", "2");
        assertEquals(0, pb.code(), pb.err());
        assertEquals(lines(pa.out(), "row "), lines(pb.out(), "row "));
        assertTrue(pb.out().contains("row 0 (true: class 5)"), pb.out());
    }

    private static List<String> lines(String out, String prefix) {
        List<String> l = out.lines().filter(s -> s.startsWith(prefix))
                .map(s -> s.replaceAll("[0-9,.]+ samples/s.*", "").replaceAll(", which stays in .*", "")).toList();
        assertFalse(l.isEmpty(), "no line starting '" + prefix + "' in:\n" + out);
        return l;
    }

    private static String field(String json, String key) {
        return json.lines().filter(s -> s.contains(key)).findFirst().orElseThrow(() -> new AssertionError(key + " in " + json));
    }

    @Test
    void mmapIsRefusedForDataItCannotMap() throws IOException {
        Cli.oneLine(2, List.of("--mmap maps numpy arrays", "--data DIR"), "train", "--mmap");
        Cli.oneLine(2, List.of("--mmap maps numpy arrays"), "train", "--data", "spiral", "--mmap");
        Path npz = NpzDataTest.npz(tmp, 8);
        Cli.oneLine(2, List.of("--mmap maps .npy files", "np.save"), "train", "--data", npz.toString(), "--mmap");
        Path csv = Files.writeString(tmp.resolve("t.csv"), "a,label\n1,0\n2,1\n");
        Cli.oneLine(2, List.of("--mmap maps numpy arrays"), "train", "--csv", csv.toString(), "--mmap");
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        Cli.oneLine(2, List.of("holds no x_train.npy"), "train", "--data", empty.toString(), "--mmap");

        Path f8 = Files.createDirectory(tmp.resolve("f8"));
        arrays(f8, 30);
        Files.write(f8.resolve("x_train.npy"), NpyFiles.npy("<f8", new long[] {30, 4}, new double[120]));
        Cli.oneLine(1, List.of(f8.resolve("x_train.npy").toString(), "little-endian float32", "astype('<f4')"), "train",
                "--data", f8.toString(), "--mmap");
    }

    static final int BIG_ROWS = 65_536;
    static final int BIG_DIMS = 1024;      // 256 MiB of float32 features

    /**
     * A CLI run whose heap (64 MiB) is a quarter of its training features (a sparse 256 MiB
     * x_train.npy): with --mmap it trains, holds out a validation split, fits the normalization
     * and writes a checkpoint; without, it runs out of heap and says to use --mmap.
     */
    @Test
    void trainsOnFeaturesLargerThanTheHeap() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("big"));
        Path x = dir.resolve("x_train.npy");
        byte[] head = NpyFiles.header(1, NpyFiles.dict("<f4", false, BIG_ROWS, BIG_DIMS));
        long length = head.length + (long) BIG_ROWS * BIG_DIMS * Float.BYTES;
        assertTrue(Files.getFileStore(dir).getUsableSpace() > 2 * length, "not enough disk for the test file");
        try (RandomAccessFile f = new RandomAccessFile(x.toFile(), "rw")) {
            f.write(head);
            f.setLength(length);      // zeros, stored sparse
        }
        double[] labels = new double[BIG_ROWS];
        for (int i = 0; i < BIG_ROWS; i++) {
            labels[i] = i % 10;
        }
        Files.write(dir.resolve("y_train.npy"), NpyFiles.npy("<i8", new long[] {BIG_ROWS}, labels));
        Files.write(dir.resolve("x_test.npy"), NpyFiles.npy("<f4", new long[] {10, BIG_DIMS}, new double[10 * BIG_DIMS]));
        Files.write(dir.resolve("y_test.npy"), NpyFiles.npy("<i8", new long[] {10}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        long heap = 64L << 20;
        assertTrue(Files.size(x) > 4 * heap, "the features are larger than the heap");

        Path ckpt = tmp.resolve("big-run");
        ChildJvm.Result r = ChildJvm.start(tmp, "", env -> { }, ChildJvm.command(List.of("-Xmx64m"), "train", "--data",
                dir.toString(), "--mmap", "--epochs", "1", "--batch", "512", "--hidden", "8", "--device", "cpu",
                "--checkpoint", ckpt.toString())).await(120);
        assertFalse(r.timedOut(), "timed out: " + r.out() + r.err());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("x_train.npy: 65,536 train / 10 test samples (6,550 of the train held out for"
                + " validation), MLP [1024, 8, 10]"), r.out());
        assertTrue(r.out().contains("final test accuracy"), r.out());
        assertEquals(1L, ((Number) Checkpoint.load(ckpt).config().get("epochs_done")).longValue());

        ChildJvm.Result inHeap = ChildJvm.start(tmp, "", env -> { }, ChildJvm.command(List.of("-Xmx64m"), "train",
                "--data", dir.toString(), "--epochs", "1", "--device", "cpu", "--no-checkpoint")).await(120);
        assertFalse(inHeap.timedOut(), "timed out: " + inHeap.out() + inHeap.err());
        assertEquals(1, inHeap.code(), inHeap.out() + inHeap.err());
        assertTrue(inHeap.err().contains("out of Java heap memory") && inHeap.err().contains("--mmap"), inHeap.err());
    }
}
