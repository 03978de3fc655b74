package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.NpyFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --data FILE.npz} and {@code --data DIR} of four {@code .npy} files: train on numpy arrays, and
 * eval reads the same data again from the checkpoint.
 */
class NpzDataTest {
    @TempDir
    Path tmp;

    /** {@code dir/two.npz}: two classes, labels 3 and 7, one on each side of the first feature (also PredictInputTest's). */
    static Path npz(Path dir, int n) throws IOException {
        Path f = dir.resolve("two.npz");
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (String split : List.of("train", "test")) {
                double[] x = new double[2 * n];
                double[] y = new double[n];
                for (int i = 0; i < n; i++) {
                    int c = i % 2;
                    x[2 * i] = c == 0 ? -1 - 0.01 * i : 1 + 0.01 * i;
                    x[2 * i + 1] = 0.5 * ((i * 7) % 5);
                    y[i] = c == 0 ? 3 : 7;
                }
                zip.putNextEntry(new ZipEntry("x_" + split + ".npy"));
                zip.write(NpyFiles.npy("<f4", new long[] {n, 2}, x));
                zip.putNextEntry(new ZipEntry("y_" + split + ".npy"));
                zip.write(NpyFiles.npy("<i8", new long[] {n}, y));
            }
        }
        return f;
    }

    @Test
    void trainAndEvalOnAnNpzFile() throws IOException {
        Path f = npz(tmp, 64);
        Path ckpt = tmp.resolve("run");
        Cli.Run r = Cli.run("train", "--data", f.toString(), "--epochs", "15", "--hidden", "8", "--lr", "0.05",
                "--batch", "16", "--checkpoint", ckpt.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("two.npz:train: 64 train / 64 test samples (6 of the train held out for validation), MLP [2, 8, 2]"), r.out());
        assertTrue(r.out().contains("final test accuracy 100.00%"), r.out());
        Cli.Run e = Cli.run("eval", "--checkpoint", ckpt.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("100.00"), e.out());
    }

    /** The same arrays as {@link #npz} at {@code n}, as x_train.npy, y_train.npy, x_test.npy, y_test.npy in a directory. */
    @Test
    void trainAndEvalOnADirectoryOfNpyFiles() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("arrays"));
        int n = 64;
        for (String split : List.of("train", "test")) {
            double[] x = new double[2 * n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                x[2 * i] = i % 2 == 0 ? -1 - 0.01 * i : 1 + 0.01 * i;
                x[2 * i + 1] = 0.5 * ((i * 7) % 5);
                y[i] = i % 2 == 0 ? 3 : 7;
            }
            Files.write(dir.resolve("x_" + split + ".npy"), NpyFiles.npy("<f8", new long[] {n, 2}, x));
            Files.write(dir.resolve("y_" + split + ".npy"), NpyFiles.npy("<i4", new long[] {n}, y));
        }
        Path ckpt = tmp.resolve("run");
        Cli.Run r = Cli.run("train", "--data", dir.toString(), "--epochs", "15", "--hidden", "8", "--lr", "0.05",
                "--batch", "16", "--checkpoint", ckpt.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("x_train.npy: 64 train / 64 test samples (6 of the train held out for validation),"
                + " MLP [2, 8, 2]"), r.out());
        assertTrue(r.out().contains("final test accuracy 100.00%"), r.out());
        Cli.Run e = Cli.run("eval", "--checkpoint", ckpt.toString(), "--json", "-");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("\"accuracy\": 1.0"), e.out());

        Files.delete(dir.resolve("y_test.npy"));
        Cli.oneLine(2, List.of(dir.toString(), "holds numpy arrays but not y_test.npy"), "train", "--data", dir.toString());
    }

    @Test
    void aBadNpzIsOneLineNamingTheFile() throws IOException {
        Path f = Files.write(tmp.resolve("bad.npz"), new byte[] {'P', 'K', 3, 4, 0});
        Cli.oneLine(1, List.of(f.toString(), "not a readable zip archive"), "train", "--data", f.toString());
    }
}
