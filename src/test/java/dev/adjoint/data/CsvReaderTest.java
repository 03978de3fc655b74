package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.io.Fifo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {
    @TempDir
    Path dir;

    private Path csv(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void readsFeaturesAndLabelsByColumnName() throws IOException {
        Path f = csv("train.csv", "\uFEFFx1, label ,\"x,2\"\n0.5,1,-2\n\n1e-3,0,3\r\n7,2.0,\"4\"\n");
        CsvReader.Table t = CsvReader.read(f, "label");
        assertEquals(List.of("x1", "x,2"), t.featureColumns());
        assertEquals(3, t.rows());
        assertArrayEquals(new float[] {0.5f, -2, 1e-3f, 3, 7, 4}, t.features());
        assertArrayEquals(new int[] {1, 0, 2}, t.labels());
        assertEquals(3, t.classes());
        Dataset d = CsvReader.dataset(f, "label");
        assertEquals("train.csv", d.name());
        assertEquals(2, d.dims());
        assertEquals(3, d.classes());
        assertArrayEquals(new float[] {1, 0, 2}, d.labels());
    }

    /**
     * The case: one label of 1000000 built a model with 1,000,001 outputs, and a test label
     * the training set lacks widened the output layer. The classes are the training file's distinct
     * labels, in ascending order; class index = rank.
     */
    @Test
    void theClassesAreTheDistinctLabelsOfTheTrainingFile() throws IOException {
        Path train = csv("train.csv", "y,a,b\n1000000,1,2\n3,3,4\n7.0,5,6\n3,7,8\n");
        Split<Dataset> s = Datasets.csv(train, csv("test.csv", "y,a,b\n7,5,6\n1000000,1,1\n"), "y");
        assertEquals(3, s.train().classes());
        assertArrayEquals(new int[] {3, 7, 1000000}, s.train().labelValues());
        assertArrayEquals(new int[] {3, 7, 1000000}, s.test().labelValues());
        assertArrayEquals(new float[] {2, 0, 1, 0}, s.train().labels());
        assertArrayEquals(new float[] {1, 2}, s.test().labels());
        assertArrayEquals(new float[] {5, 6, 1, 1}, s.test().features());

        Path test = csv("unseen.csv", "y,a,b\n3,5,6\n\n5,1,1\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.csv(train, test, "y"));
        assertEquals(test + ": line 4, column 1 (y): label 5 is not one of the 3 classes of the training file " + train
                + ": [3, 7, 1000000]; a model trained on those has no output for it", e.getMessage());
        assertEquals(test, e.file());

        // labels 0..K-1, all present, are their own class indices: what worked before is unchanged
        Split<Dataset> same = Datasets.csv(csv("a.csv", "y,a,b\n0,1,2\n2,3,4\n1,5,6\n"), csv("b.csv", "y,a,b\n2,5,6\n"), "y");
        assertEquals(3, same.test().classes());
        assertArrayEquals(new int[] {0, 1, 2}, same.train().labelValues());
        assertArrayEquals(new float[] {0, 2, 1}, same.train().labels());
        assertArrayEquals(new float[] {2}, same.test().labels());
        Dataset one = CsvReader.dataset(csv("one.csv", "y,a\n4,1\n9,2\n"), "y");
        assertArrayEquals(new int[] {4, 9}, one.labelValues());
        assertArrayEquals(new float[] {0, 1}, one.labels());

        e = assertThrows(DatasetException.class,
                () -> Datasets.csv(csv("c.csv", "y,a,b\n0,1,2\n"), csv("d.csv", "y,b,a\n0,1,2\n"), "y"));
        assertTrue(e.getMessage().contains("d.csv") && e.getMessage().contains("[b, a]")
                && e.getMessage().contains("feature 1 is 'b' here but 'a' there"), e.getMessage());
    }

    /** What eval and predict on a checkpoint use: the class list the model was trained with, not the file's. */
    @Test
    void aGivenClassListIsUsedAsIs() throws IOException {
        int[] classes = {0, 2, 5, 9};
        Path train = csv("t.csv", "y,a\n2,1\n5,2\n");
        Path test = csv("u.csv", "y,a\n9,3\n");
        Split<Dataset> s = Datasets.csv(train, test, "y", classes, "checkpoint runs/a");
        assertEquals(4, s.train().classes());
        assertArrayEquals(classes, s.test().labelValues());
        assertArrayEquals(new float[] {1, 2}, s.train().labels());
        assertArrayEquals(new float[] {3}, s.test().labels());
        Dataset d = CsvReader.dataset(test, "y", classes, "checkpoint runs/a");
        assertArrayEquals(new float[] {3}, d.labels());
        Path bad = csv("v.csv", "y,a\n0,1\n1,3\n");
        DatasetException e = assertThrows(DatasetException.class, () -> CsvReader.dataset(bad, "y", classes, "checkpoint runs/a"));
        assertEquals(bad + ": line 3, column 1 (y): label 1 is not one of the 4 classes of checkpoint runs/a: [0, 2, 5, 9]; "
                + "a model trained on those has no output for it", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CsvReader.read(test, "y", new int[] {2, 1}, "x"));
        assertThrows(IllegalArgumentException.class, () -> CsvReader.read(test, "y", new int[0], "x"));

        // a long class list is cut in the message
        StringBuilder many = new StringBuilder("y,a\n");
        for (int i = 0; i < 1000; i++) {
            many.append(i).append(",1\n");
        }
        Path wide = csv("wide.csv", many.toString());
        Path t2 = csv("t2.csv", "y,a\n1000,1\n");
        e = assertThrows(DatasetException.class, () -> Datasets.csv(wide, t2, "y"));
        assertTrue(e.getMessage().endsWith(": [0, 1, 2, 3, 4, ..., 995, 996, 997, 998, 999] (1000 items); a model trained on "
                + "those has no output for it"), e.getMessage());
    }

    /** A 50 MB cell was echoed into one 50 MB error line; 1 MB shows the rule. */
    @Test
    void textFromTheFileIsQuotedCutShort() throws IOException {
        String big = "x".repeat(1 << 20);
        String cut = "x".repeat(40) + "...";
        rejected("a,b,label\n1," + big + ",0\n", "line 2, column 2 (b): '" + cut + "' (1048576 characters) is not a number");
        rejected("a,label\n1," + big + "\n", "label '" + cut + "' (1048576 characters) is not a class label");
        rejected("a," + big + ",label\n1,2,0\n1,2\n", "line 3: 2 cells");
        rejected(big + "," + big + ",label\n", "line 1, column 2 (" + cut + " (1048576 characters)): column name '" + cut
                + "' (1048576 characters) appears twice");
        rejected(big + ",b\n", "no label column 'label'; the columns are [" + cut + " (1048576 characters), b]");
        rejected("a,b,label\n1,1\u001b[2J,0\n", "'1\\u001b[2J' is not a number");
        Path train = csv("h1.csv", "a,label\n1,0\n");
        Path test = csv("h2.csv", big + ",label\n1,0\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.csv(train, test, "label"));
        assertEquals(test + ": feature columns [" + cut + " (1048576 characters)] differ from those of " + train + ": [a] "
                + "(feature 1 is '" + cut + "' (1048576 characters) here but 'a' there)", e.getMessage());
    }

    /** A file that is not UTF-8 gave "MalformedInputException: Input length = 1", with no file or line. */
    @Test
    void bytesThatAreNotUtf8AreRefusedWithTheLineAndTheOffset() throws IOException {
        byte[] head = "a,b,label\n1,2,0\r\n3,caf".getBytes(StandardCharsets.UTF_8);
        byte[] text = new byte[head.length + 5];
        System.arraycopy(head, 0, text, 0, head.length);
        text[head.length] = (byte) 0xe9; // Latin-1 'é'
        System.arraycopy(",1\n\n".getBytes(StandardCharsets.UTF_8), 0, text, head.length + 1, 4);
        Path f = Files.write(dir.resolve("latin1.csv"), text);
        DatasetException e = assertThrows(DatasetException.class, () -> CsvReader.read(f, "label"));
        assertEquals(f + ": at byte offset " + head.length + ": line 3, character 6: byte 0xe9 is not UTF-8; the file must "
                + "be UTF-8 text (convert it, e.g. iconv -f latin1 -t utf-8)", e.getMessage());
        assertEquals(head.length, e.offset());
        // UTF-8 itself, a byte order mark and CR, LF or CRLF line ends still read as before
        Path ok = Files.write(dir.resolve("utf8.csv"), "\uFEFFcafé,label\r1,0\r\n2,1\n\n3,0".getBytes(StandardCharsets.UTF_8));
        CsvReader.Table t = CsvReader.read(ok, "label");
        assertEquals(List.of("café"), t.featureColumns());
        assertArrayEquals(new float[] {1, 2, 3}, t.features());
    }

    /** An empty dataset failed later, in Normalization, without naming the file (and exited 2). */
    @Test
    void aFileWithoutRowsIsRefused() throws IOException {
        rejected("a,b,label\n", "has no rows, only the header (line 1)");
        rejected("a,b,label\n\n \n", "has no rows, only the header (line 1) and 2 blank lines");
        Path empty = csv("empty.csv", "a,label\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.csv(csv("ok.csv", "a,label\n1,0\n"), empty, "label"));
        assertEquals(empty + ": has no rows, only the header (line 1)", e.getMessage());
    }

    /** CSV files are opened through InputFile: a FIFO is refused, not waited on; a loop of links is called one. */
    @Test
    void aPathThatIsNotARegularFileIsNamed() throws Exception {
        Path fifo = Fifo.make(dir.resolve("fifo.csv"));
        Throwable e = Fifo.thrownWithoutBlocking(fifo, () -> CsvReader.read(fifo, "label"));
        assertEquals("CSV file " + fifo + " is a FIFO (named pipe), not a regular file: reading it could wait forever "
                + "for a writer", e.getMessage());
        Path a = Files.createSymbolicLink(dir.resolve("a.csv"), Path.of("b.csv"));
        Files.createSymbolicLink(dir.resolve("b.csv"), Path.of("a.csv"));
        UncheckedIOException loop = assertThrows(UncheckedIOException.class, () -> CsvReader.read(a, "label"));
        assertEquals("CSV file " + a + " is a loop of symbolic links (or a chain of more than 40)", loop.getMessage());
        UncheckedIOException missing = assertThrows(UncheckedIOException.class, () -> CsvReader.read(dir.resolve("no.csv"), "label"));
        assertEquals("CSV file " + dir.resolve("no.csv") + " does not exist", missing.getMessage());
        UncheckedIOException folder = assertThrows(UncheckedIOException.class, () -> CsvReader.read(dir, "label"));
        assertEquals("CSV file " + dir + " is a directory, not a file", folder.getMessage());
    }

    private void rejected(String text, String... words) throws IOException {
        Path f = csv("bad" + Math.abs(text.hashCode()) + ".csv", text);
        DatasetException e = assertThrows(DatasetException.class, () -> CsvReader.read(f, "label"), text);
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "expected '" + w + "' in: " + e.getMessage());
        }
    }

    /**
     * A CSV file has no length or checksum, so a cut at the end of a row leaves a shorter valid file
     * (a cut right after the header leaves no rows, which is refused); a cut anywhere inside a row
     * (the label last, one digit) is refused whole, naming the file and the line.
     */
    @Test
    void aTruncatedFileIsRefusedUnlessTheCutFallsBetweenRows() throws IOException {
        String header = "a,b,label\n";
        String[] rows = {"0.5,-1.25,0", "2.5,3e2,1", "-4.5,5.5,2"};
        String text = header + String.join("\n", rows) + "\n";
        for (int cut = header.length(); cut <= text.length(); cut++) {
            String part = text.substring(0, cut);
            String[] lines = part.substring(header.length()).split("\n", -1);
            String last = lines[lines.length - 1];
            int whole = lines.length - 1 + (last.equals(rows[Math.min(lines.length - 1, rows.length - 1)]) ? 1 : 0);
            Path f = csv("cut" + cut + ".csv", part);
            if (whole == 0 && last.isEmpty()) {
                DatasetException e = assertThrows(DatasetException.class, () -> CsvReader.read(f, "label"), "cut at " + cut);
                assertTrue(e.getMessage().equals(f + ": has no rows, only the header (line 1)"), e.getMessage());
            } else if (last.isEmpty() || whole == lines.length) {
                assertEquals(whole, CsvReader.read(f, "label").rows(), "cut at " + cut);
            } else {
                DatasetException e = assertThrows(DatasetException.class, () -> CsvReader.read(f, "label"), "cut at " + cut);
                assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("line " + (lines.length + 1)),
                        "cut at " + cut + ": " + e.getMessage());
            }
        }
    }

    @Test
    void errorsNameFileLineAndColumn() throws IOException {
        rejected("a,label\n1,0\n2,1,5\n", "line 3", "3 cells", "2 columns");
        rejected("a,label\n1,0\n\n2\n", "line 4", "1 cells");
        rejected("a,b,label\n1,x2,0\n", "line 2, column 2 (b)", "'x2' is not a number");
        rejected("a,b,label\n1,,0\n", "line 2, column 2 (b)", "empty cell");
        rejected("a,b,label\n1,NaN,0\n", "column 2 (b)", "finite");
        rejected("a,label\n1,-1\n", "line 2, column 2 (label)", "'-1' is not a class label (an integer 0..16777215)");
        rejected("a,label\n1,0.5\n", "line 2, column 2 (label)", "'0.5'");
        rejected("a,label\n1,cat\n", "'cat'");
        rejected("a,b\n1,2\n", "line 1", "no label column 'label'", "[a, b]");
        rejected("", "line 1", "header");
        rejected("label\n1\n", "no feature columns");
        rejected("a,a,label\n", "line 1, column 2", "twice");
        rejected("a,label\n\"1,0\n", "line 2", "unterminated");
    }
}
