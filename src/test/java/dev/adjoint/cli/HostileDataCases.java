package dev.adjoint.cli;

import static dev.adjoint.cli.Hostile.cli;
import static dev.adjoint.cli.Hostile.cliOk;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/** Hostile data files: CSV tables and Fashion-MNIST-style IDX folders that are empty, cut, mislabelled or not files. */
final class HostileDataCases {
    private HostileDataCases() {}

    private static final String CAT = "data files";
    private static final String GOOD = "a,b,label\n0.1,0.2,0\n0.3,0.1,1\n0.9,0.5,2\n0.2,0.2,0\n0.7,0.1,1\n0.4,0.8,2\n";

    private static String[] csvTrain(Path train, Path test) {
        return new String[] {"train", "--train-csv", train.toString(), "--test-csv", test.toString(), "--hidden", "4",
            "--epochs", "1"};
    }

    static List<Hostile.Case> cases(Path root) throws IOException {
        List<Hostile.Case> c = new ArrayList<>();
        Path good = Files.writeString(root.resolve("good.csv"), GOOD);
        String[][] badTrain = {
                {"empty", "", "found an empty file"}, {"header-only", "a,b,label\n", "has no rows"},
                {"blank-header", "\n0.1,0.2,0\n", "found a blank line"},
                {"no-label-column", "a,b,c\n1,2,3\n", "no label column 'label'"},
                {"duplicate-column", "a,a,label\n1,2,0\n", "column name 'a' appears twice"},
                {"ragged", "a,b,label\n1,2,0\n3,4\n", "line 3: 2 cells, but the header has 3 columns"},
                {"not-a-number", "a,b,label\n1,x,0\n", "line 2, column 2 (b): 'x' is not a number"},
                {"nan-cell", "a,b,label\n1,NaN,0\n", "'NaN' is not a finite number"},
                {"inf-cell", "a,b,label\n1,Infinity,0\n", "'Infinity' is not a finite number"},
                {"float-overflow", "a,b,label\n1,1e39,0\n", "'1e39' is not a finite number"},
                // labels that are not integers are class names (#24): the test file's 0 is not one of them
                {"negative-label", "a,b,label\n1,2,-1\n", "label '0' is not one of the 1 classes of the training file"},
                {"fractional-label", "a,b,label\n1,2,1.5\n", "label '0' is not one of the 1 classes"},
                {"word-label", "a,b,label\n1,2,cat\n", "label '0' is not one of the 1 classes"},
                {"unterminated-quote", "a,b,label\n\"1,2,0\n", "unterminated quoted field"},
                {"after-quote", "a,b,label\n\"1\"x,2,0\n", "text after the closing quote"},
                {"only-label", "label\n0\n1\n", "there are no feature columns"},
                {"other-columns", "a,c,label\n1,2,0\n3,4,1\n5,6,2\n", "feature columns"}};
        for (String[] b : badTrain) {
            Path f = Files.writeString(root.resolve(b[0] + ".csv"), b[1]);
            c.add(cli(CAT, 1, List.of(f.toString(), b[2]), csvTrain(f, good)).protecting(f));
        }
        Path emptyTest = Files.writeString(root.resolve("empty-test.csv"), "a,b,label\n");
        c.add(cli(CAT, 1, List.of(emptyTest.toString(), "has no rows"), csvTrain(good, emptyTest)));
        Path unseen = Files.writeString(root.resolve("unseen-label.csv"), "a,b,label\n0.1,0.2,0\n0.3,0.3,7\n");
        c.add(cli(CAT, 1, List.of(unseen.toString(), "line 3", "7"), csvTrain(good, unseen)));
        Path latin1 = root.resolve("latin1.csv");
        Files.write(latin1, "a,b,label\n1,2,0\n3,4,1\n5,6,2\n\"caf\u00e9\",1,0\n".getBytes(StandardCharsets.ISO_8859_1));
        c.add(cli(CAT, 1, List.of(latin1.toString(), "line 5", "is not UTF-8"), csvTrain(latin1, good)));
        Path bigCell = Files.writeString(root.resolve("big-cell.csv"), "a,b,label\n1," + "9".repeat(1_000_000) + "x,0\n");
        c.add(cli(CAT, 1, List.of(bigCell.toString(), "line 2", "(1000001 characters) is not a number"),
                csvTrain(bigCell, good)));
        Path dir = Files.createDirectories(root.resolve("a-directory.csv"));
        c.add(cli(CAT, 1, List.of(dir + " is a directory"), csvTrain(dir, good)));
        c.add(cli(CAT, 1, List.of("does not exist"), csvTrain(root.resolve("missing.csv"), good)));
        Path fifo = root.resolve("fifo.csv");
        HostileCheckpointCases.mkfifo(fifo);
        c.add(cli(CAT, 1, List.of(fifo + " is a FIFO"), csvTrain(fifo, good)).within(30));
        Path loop = root.resolve("loop.csv");
        Files.createSymbolicLink(root.resolve("loop2.csv"), loop);
        Files.createSymbolicLink(loop, root.resolve("loop2.csv"));
        c.add(cli(CAT, 1, List.of(loop.toString(), "loop"), csvTrain(loop, good)));

        Path odd = Files.writeString(root.resolve("odd-but-valid.csv"),
                "\uFEFFa, \"b\" ,label\r\n0.1,\"0.2\",0\r\n\r\n0.3,0.1,1\r\n0.9,0.5,2.0\r\n");
        c.add(cliOk(CAT, r -> r.out().contains("3 train / 6 test samples"), csvTrain(odd, good)));
        Path sparse = Files.writeString(root.resolve("sparse-labels.csv"), "a,b,label\n0.1,0.2,0\n0.3,0.1,1\n0.9,0.5,1000000\n");
        Path sparseTest = Files.writeString(root.resolve("sparse-test.csv"), "a,b,label\n0.1,0.2,1000000\n0.3,0.1,0\n");
        c.add(cliOk(CAT, r -> r.out().contains("MLP [2, 4, 3]"), csvTrain(sparse, sparseTest)));
        // the sparse labels' model, evaluated: label 1000000 is class 2, and predict names it by its label
        Path sparseRun = root.resolve("sparse-run");
        c.add(Hostile.result(CAT, "predict names a sparse label by its value", r -> r.out().contains("row 0 (true: class"
                + " 1000000)"), () -> {
            Cli.Run t = Cli.run(Stream.concat(Stream.of(csvTrain(sparse, sparseTest)),
                    Stream.of("--checkpoint", sparseRun.toString())).toArray(String[]::new));
            return t.code() != 0 ? t : Cli.run("predict", "--train-csv", sparse.toString(), "--test-csv",
                    sparseTest.toString(), "--checkpoint", sparseRun.toString(), "--rows", "0");
        }));
        Path oneBased = Files.writeString(root.resolve("one-based.csv"), "a,b,label\n0.1,0.2,1\n0.3,0.1,2\n0.9,0.5,3\n");
        c.add(cliOk(CAT, r -> r.out().contains("MLP [2, 4, 3]"), csvTrain(oneBased, oneBased)));

        Path idx = fashion(root.resolve("idx-good"), 20, 10, 28, 28, 10);
        c.add(cliOk(CAT, r -> r.out().contains("20 train / 10 test samples"), "train", "--data", idx.toString(),
                "--hidden", "4", "--epochs", "1"));
        c.add(idxCase(fashion(root.resolve("idx-missing"), 20, 10, 28, 28, 10), "t10k-labels-idx1-ubyte", "no t10k-labels-idx1-ubyte", dir1 -> {
            Files.delete(dir1.resolve("t10k-labels-idx1-ubyte"));
        }));
        c.add(idxCase(fashion(root.resolve("idx-cut"), 20, 10, 28, 28, 10), "train-images-idx3-ubyte", "100 bytes are missing", d -> {
            Path f = d.resolve("train-images-idx3-ubyte");
            byte[] b = Files.readAllBytes(f);
            Files.write(f, java.util.Arrays.copyOf(b, b.length - 100));
        }));
        c.add(idxCase(fashion(root.resolve("idx-magic"), 20, 10, 28, 28, 10), "train-labels-idx1-ubyte", "magic number", d -> {
            Path f = d.resolve("train-labels-idx1-ubyte");
            byte[] b = Files.readAllBytes(f);
            b[3] = 0x03;
            Files.write(f, b);
        }));
        c.add(idxCase(fashion(root.resolve("idx-count"), 20, 10, 28, 28, 10), "train-labels-idx1-ubyte", "19 labels, but", d ->
                Files.write(d.resolve("train-labels-idx1-ubyte"), labels(19, 10))));
        c.add(idxCase(fashion(root.resolve("idx-label"), 20, 10, 28, 28, 10), "t10k-labels-idx1-ubyte", "label 10 of sample 3", d -> {
            byte[] l = labels(10, 10);
            l[8 + 3] = 10;
            Files.write(d.resolve("t10k-labels-idx1-ubyte"), l);
        }));
        c.add(idxCase(fashion(root.resolve("idx-shape"), 20, 10, 28, 28, 10), "t10k-images-idx3-ubyte", "27×27", d ->
                Files.write(d.resolve("t10k-images-idx3-ubyte"), images(10, 27, 27))));
        c.add(idxCase(fashion(root.resolve("idx-empty"), 20, 10, 28, 28, 10), "train-images-idx3-ubyte", "has no samples", d -> {
            Files.write(d.resolve("train-images-idx3-ubyte"), images(0, 28, 28));
            Files.write(d.resolve("train-labels-idx1-ubyte"), labels(0, 10));
        }));
        c.add(idxCase(fashion(root.resolve("idx-gzip"), 20, 10, 28, 28, 10), "train-images-idx3-ubyte.gz", "truncated or corrupt", d -> {
            Path f = d.resolve("train-images-idx3-ubyte");
            ByteArrayOutputStream z = new ByteArrayOutputStream();
            try (GZIPOutputStream g = new GZIPOutputStream(z)) {
                g.write(Files.readAllBytes(f));
            }
            byte[] b = z.toByteArray();
            b[b.length / 2] ^= 0x55;
            Files.delete(f);
            Files.write(d.resolve("train-images-idx3-ubyte.gz"), b);
        }));
        return c;
    }

    private static Hostile.Case idxCase(Path dir, String file, String reason, HostileCheckpointCases.IoConsumer<Path> damage)
            throws IOException {
        damage.accept(dir);
        return cli(CAT, 1, List.of(file, reason), "train", "--data", dir.toString(), "--hidden", "4", "--epochs", "1");
    }

    /** A Fashion-MNIST-shaped folder: {@code train} and {@code test} images of rows × cols with labels 0..classes-1. */
    static Path fashion(Path dir, int train, int test, int rows, int cols, int classes) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(train, rows, cols));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels(train, classes));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), images(test, rows, cols));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), labels(test, classes));
        return dir;
    }

    private static byte[] images(int n, int rows, int cols) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(0x803);
        out.writeInt(n);
        out.writeInt(rows);
        out.writeInt(cols);
        for (int i = 0; i < n * rows * cols; i++) {
            out.writeByte((i * 31) % 256);
        }
        return b.toByteArray();
    }

    private static byte[] labels(int n, int classes) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(0x801);
        out.writeInt(n);
        for (int i = 0; i < n; i++) {
            out.writeByte(i % classes);
        }
        return b.toByteArray();
    }
}
