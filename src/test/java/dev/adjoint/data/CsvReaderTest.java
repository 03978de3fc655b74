package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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

    @Test
    void splitInfersClassesFromBothFiles() throws IOException {
        Split s = Datasets.csv(csv("a.csv", "y,a,b\n0,1,2\n1,3,4\n"), csv("b.csv", "y,a,b\n3,5,6\n"), "y");
        assertEquals(4, s.train().classes());
        assertEquals(4, s.test().classes());
        assertArrayEquals(new float[] {5, 6}, s.test().features());
        DatasetException e = assertThrows(DatasetException.class,
                () -> Datasets.csv(csv("c.csv", "y,a,b\n0,1,2\n"), csv("d.csv", "y,b,a\n0,1,2\n"), "y"));
        assertTrue(e.getMessage().contains("d.csv") && e.getMessage().contains("[b, a]"), e.getMessage());
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
     * A CSV file has no length or checksum, so a cut at the end of a row leaves a shorter valid file;
     * a cut anywhere inside a row (the label last, one digit) is refused whole, naming the file and the line.
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
            if (last.isEmpty() || whole == lines.length) {
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
        rejected("a,label\n1,-1\n", "line 2, column 2 (label)", "'-1' is not a class index");
        rejected("a,label\n1,0.5\n", "line 2, column 2 (label)", "'0.5'");
        rejected("a,label\n1,cat\n", "'cat'");
        rejected("a,b\n1,2\n", "line 1", "no label column 'label'", "[a, b]");
        rejected("", "line 1", "header");
        rejected("label\n1\n", "no feature columns");
        rejected("a,a,label\n", "line 1, column 2", "twice");
        rejected("a,label\n\"1,0\n", "line 2", "unterminated");
    }
}
