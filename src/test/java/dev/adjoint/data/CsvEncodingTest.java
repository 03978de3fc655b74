package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV as people have it (#24): the RFC 4180 reader, the fitted column encoding, and the stratified split. */
class CsvEncodingTest {
    @TempDir
    Path dir;

    private Path csv(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static CsvEncoding.Options options(String label, char delimiter, List<String> ignore, List<String> categorical,
                                               CsvEncoding.Impute impute) {
        return new CsvEncoding.Options(label, delimiter, ignore, categorical, impute);
    }

    /** Every row of {@code f} as training rows, encoded with what {@code o} fits on them. */
    private static Dataset all(Path f, CsvEncoding.Options o) {
        CsvRecords t = CsvRecords.read(f, o.delimiter());
        int[] rows = IntStream.range(0, t.size()).toArray();
        return CsvEncoding.labelsOf(t, o).fit(t, rows, o).encode(t, rows, "t", o.label(), "t", Dataset.Source.MEMORY);
    }

    @Test
    void quotedFieldsHoldDelimitersQuotesAndLineBreaks() throws IOException {
        Path f = csv("q.csv", "\uFEFFname, note ,label\r\n\"a,b\",\"say \"\"hi\"\"\",x\r\n\r\n\"two\r\nlines\nthree\", plain ,y\r\n");
        CsvRecords t = CsvRecords.read(f, ',');
        assertEquals(List.of("name", "note", "label"), t.header());
        assertEquals(2, t.size());
        assertEquals(List.of("a,b", "say \"hi\"", "x"), List.of(t.rows().get(0)));
        assertEquals(List.of("two\nlines\nthree", "plain", "y"), List.of(t.rows().get(1)));
        assertArrayEquals(new long[] {2, 4}, t.lines(), "each row's first line");
        DatasetException open = assertThrows(DatasetException.class,
                () -> CsvRecords.read(csv("open.csv", "a,label\n1,0\n\"2\n3,1\n"), ','));
        assertTrue(open.getMessage().contains("line 3, column 1: unterminated quoted field"), open.getMessage());
    }

    @Test
    void semicolonAndTabDelimiters() throws IOException {
        Path semi = csv("semi.csv", "a;b;label\n1,5;2;0\n\"3;4\";5;1\n");
        assertEquals(List.of("1,5", "2", "0"), List.of(CsvRecords.read(semi, ';').rows().get(0)));
        assertEquals("3;4", CsvRecords.read(semi, ';').rows().get(1)[0]);
        Path tab = csv("tab.tsv", "a\tb\tlabel\n1.5\t2\tcat\n3\t4\tdog\n");
        Dataset d = all(tab, options("label", '\t', List.of(), List.of(), CsvEncoding.Impute.NONE));
        assertEquals(2, d.dims());
        assertEquals(2, d.classes());
    }

    @Test
    void stringLabelsBecomeSortedClassIndices() throws IOException {
        Path f = csv("s.csv", "x,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n");
        CsvEncoding.Options o = CsvEncoding.Options.of("species");
        CsvRecords t = CsvRecords.read(f, ',');
        CsvEncoding labels = CsvEncoding.labelsOf(t, o);
        assertArrayEquals(new int[] {2, 0, 1, 0}, labels.classes(t, "species", "t"));
        assertEquals("versicolor", labels.className(1));
        assertEquals(List.of("setosa", "versicolor", "virginica"), labels.fit(t, new int[] {0, 1, 2, 3}, o).toConfig()
                .get("label_names"));
        Path other = csv("o.csv", "x,species\n1,daisy\n");
        DatasetException e = assertThrows(DatasetException.class, () -> labels.classes(CsvRecords.read(other, ','),
                "species", "the training file"));
        assertTrue(e.getMessage().contains("line 2, column 2 (species): label 'daisy' is not one of the 3 classes of the"
                + " training file"), e.getMessage());
        // integer labels stay integers: classes are their ranks
        CsvRecords ints = CsvRecords.read(csv("i.csv", "x,label\n1,7\n2,3\n"), ',');
        assertArrayEquals(new int[] {3, 7}, CsvEncoding.labelsOf(ints, CsvEncoding.Options.of("label")).labelValues());
    }

    @Test
    void categoricalColumnsAreOneHotAndIgnoredColumnsDropped() throws IOException {
        Path f = csv("c.csv", "id,color,size,label\n1,red,10,0\n2,blue,20,1\n3,red,30,0\n4,green,40,1\n");
        CsvEncoding.Options o = options("label", ',', List.of("id"), List.of("color"), CsvEncoding.Impute.NONE);
        Dataset d = all(f, o);
        assertEquals(4, d.dims(), "3 categories + size; id ignored");
        // categories sorted: blue, green, red; size standardised: mean 25, std sqrt(125)
        float s = (float) Math.sqrt(125);
        assertArrayEquals(new float[] {0, 0, 1, (10 - 25f) / s}, d.row(0), 1e-6f);
        assertArrayEquals(new float[] {1, 0, 0, (20 - 25f) / s}, d.row(1), 1e-6f);
        assertArrayEquals(new float[] {0, 1, 0, (40 - 25f) / s}, d.row(3), 1e-6f);
        CsvRecords t = CsvRecords.read(f, ',');
        CsvEncoding enc = CsvEncoding.labelsOf(t, o).fit(t, new int[] {0, 1, 2}, o);
        DatasetException e = assertThrows(DatasetException.class, () -> enc.encode(t, new int[] {3}, "t", "label", "t",
                Dataset.Source.MEMORY));
        assertTrue(e.getMessage().contains("line 5, column 2 (color): category 'green' is not one of the 2"), e.getMessage());
        DatasetException notNumber = assertThrows(DatasetException.class, () -> all(f, CsvEncoding.Options.of("label")));
        assertTrue(notNumber.getMessage().contains("line 2, column 2 (color): 'red' is not a number (a column of categories?"),
                notNumber.getMessage());
        DatasetException unknown = assertThrows(DatasetException.class,
                () -> all(f, options("label", ',', List.of("idd"), List.of(), CsvEncoding.Impute.NONE)));
        assertTrue(unknown.getMessage().contains("no column 'idd' to ignore"), unknown.getMessage());
    }

    @Test
    void aMissingValueIsRefusedNamingFileLineAndColumnUnlessImputed() throws IOException {
        Path f = csv("m.csv", "a,b,color,label\n1,10,red,0\n2,,blue,1\n\"3\",30,,0\n6,50,red,1\n");
        DatasetException e = assertThrows(DatasetException.class,
                () -> all(f, options("label", ',', List.of(), List.of("color"), CsvEncoding.Impute.NONE)));
        assertEquals(f + ": line 3, column 2 (b): empty cell: a missing value; fill missing values with --impute mean,"
                + " median or zero, or remove the row", e.getMessage());
        for (var c : List.of(new Object[] {CsvEncoding.Impute.MEAN, 30f}, new Object[] {CsvEncoding.Impute.MEDIAN, 30f},
                new Object[] {CsvEncoding.Impute.ZERO, 0f})) {
            Dataset d = all(csv("m2.csv", "a,b,label\n1,10,0\n2,,1\n3,30,0\n6,50,1\n"),
                    options("label", ',', List.of(), List.of(), (CsvEncoding.Impute) c[0]));
            float fill = (float) c[1];
            double[] b = {10, fill, 30, 50};
            double mean = Arrays.stream(b).average().orElseThrow();
            double std = Math.sqrt(Arrays.stream(b).map(v -> (v - mean) * (v - mean)).sum() / 4);
            assertEquals((float) ((fill - (float) mean) / (float) std), d.row(1)[1], 1e-6, c[0].toString());
        }
        Dataset gaps = all(f, options("label", ',', List.of(), List.of("color"), CsvEncoding.Impute.MEDIAN));
        assertArrayEquals(new float[] {0, 0}, Arrays.copyOfRange(gaps.row(2), 2, 4), "a missing category: all zeros");
        DatasetException noLabel = assertThrows(DatasetException.class, () -> all(csv("nl.csv", "a,label\n1,\n"),
                options("label", ',', List.of(), List.of(), CsvEncoding.Impute.MEAN)));
        assertTrue(noLabel.getMessage().contains("line 2, column 2 (label): empty cell: a row without a class label"),
                noLabel.getMessage());
    }

    /** Statistics are numpy's mean and std (ddof=0) over the training rows only, not over all rows. */
    @Test
    void perColumnStatisticsAreFittedOnTheTrainingRowsOnly() throws IOException {
        StringBuilder b = new StringBuilder("ratio,amount,const,label\n");
        for (int i = 0; i < 40; i++) {
            b.append(i * 0.025).append(',').append(1000 + 97 * i).append(",5,").append(i % 2).append('\n');
        }
        Path f = csv("stats.csv", b.toString());
        CsvRecords t = CsvRecords.read(f, ',');
        CsvEncoding.Options o = CsvEncoding.Options.of("label");
        CsvEncoding labels = CsvEncoding.labelsOf(t, o);
        int[][] split = Datasets.stratified(labels.classes(t, "label", "t"), 2, 0.25, 3);
        CsvEncoding enc = labels.fit(t, split[0], o);
        List<?> cols = (List<?>) enc.toConfig().get("columns");
        for (int c = 0; c < 2; c++) {
            final int col = c;
            double[] train = Arrays.stream(split[0]).mapToDouble(r -> Float.parseFloat(t.rows().get(r)[col])).toArray();
            double[] every = IntStream.range(0, t.size()).mapToDouble(r -> Float.parseFloat(t.rows().get(r)[col])).toArray();
            var m = (java.util.Map<?, ?>) cols.get(c);
            assertEquals((float) mean(train), ((Number) m.get("mean")).floatValue(), "column " + c);
            assertEquals((float) std(train), ((Number) m.get("std")).floatValue(), "column " + c);
            assertNotEquals((float) mean(every), ((Number) m.get("mean")).floatValue(), "fitted on all rows?");
        }
        assertEquals(1.0, ((Number) ((java.util.Map<?, ?>) cols.get(2)).get("std")).doubleValue(), "constant: std 1");
        assertTrue(enc.notes().contains("column 'const' is constant on the training rows: only centred (std 1)"), enc.notes()
                .toString());
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).sum() / v.length;
    }

    private static double std(double[] v) {
        double m = mean(v);
        return Math.sqrt(Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / v.length);
    }

    @Test
    void theSplitIsStratifiedSeededDisjointAndCovering() {
        int[] classes = new int[1000];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = i < 700 ? 0 : i < 950 ? 1 : 2;   // 700, 250, 50
        }
        int[][] s = Datasets.stratified(classes, 3, 0.2, 42);
        assertEquals(1000, s[0].length + s[1].length);
        List<Integer> seen = new ArrayList<>();
        IntStream.concat(Arrays.stream(s[0]), Arrays.stream(s[1])).sorted().forEach(seen::add);
        assertEquals(IntStream.range(0, 1000).boxed().toList(), seen, "disjoint and covering");
        int[] perClass = new int[3];
        Arrays.stream(s[1]).forEach(i -> perClass[classes[i]]++);
        assertArrayEquals(new int[] {140, 50, 10}, perClass, "20% of each class");
        assertArrayEquals(s[1], Datasets.stratified(classes, 3, 0.2, 42)[1], "same seed, same rows");
        assertNotEquals(Arrays.toString(s[1]), Arrays.toString(Datasets.stratified(classes, 3, 0.2, 43)[1]));
        int[] test = Datasets.stratified(new int[] {0, 1, 1}, 2, 0.5, 1)[1];
        assertEquals(1, test.length);
        assertNotEquals(0, test[0], "a class of one row stays in training");
    }

    @Test
    void theFittedEncodingRoundTripsThroughTheCheckpointConfig() throws IOException {
        Path f = csv("r.csv", "a,color,b,label\n0.5,red,1000,cat\n0.25,blue,,dog\n0.75,red,3000,cat\n");
        CsvEncoding.Options o = options("label", ',', List.of(), List.of("color"), CsvEncoding.Impute.MEAN);
        CsvRecords t = CsvRecords.read(f, ',');
        int[] rows = {0, 1, 2};
        CsvEncoding enc = CsvEncoding.labelsOf(t, o).fit(t, rows, o);
        CsvEncoding back = CsvEncoding.fromConfig(dev.adjoint.io.Json.parseObject(dev.adjoint.io.Json.write(enc.toConfig())),
                enc.labelValues());
        Dataset a = enc.encode(t, rows, "t", "label", "t", Dataset.Source.MEMORY);
        Dataset b2 = back.encode(t, rows, "t", "label", "t", Dataset.Source.MEMORY);
        assertArrayEquals(a.features(), b2.features());
        assertArrayEquals(a.labels(), b2.labels());
        assertEquals(enc.toConfig(), back.toConfig());
        DatasetException cols = assertThrows(DatasetException.class,
                () -> back.checkColumns(CsvRecords.read(csv("x.csv", "a,b,color,label\n1,2,red,cat\n"), ','), "checkpoint c"));
        assertTrue(cols.getMessage().contains("are not those of checkpoint c, [a, color, b, label]"), cols.getMessage());
    }
    @Test
    void aBinaryTaskTakesTwoClassesAndRegressionNumbers() throws IOException {
        Path f = csv("two.csv", "x,label\n1,yes\n2,no\n3,yes\n4,maybe\n");
        CsvEncoding.Options o = CsvEncoding.Options.of("label");
        assertEquals(3, all(f, o).classes(), "any number of classes for classification");
        DatasetException third = assertThrows(DatasetException.class,
                () -> all(f, o.withLabels(CsvEncoding.Labels.TWO_CLASSES)));
        assertTrue(third.getMessage().contains("line 5, column 2 (label): label 'maybe' is a third class"), third.getMessage());
        Path one = csv("one.csv", "x,label\n1,3\n2,3.0\n");
        DatasetException lone = assertThrows(DatasetException.class,
                () -> all(one, o.withLabels(CsvEncoding.Labels.TWO_CLASSES)));
        assertTrue(lone.getMessage().contains("holds one class only"), lone.getMessage());
        Dataset binary = all(csv("b.csv", "x,label\n1,7\n2,3\n3,7.0\n"), o.withLabels(CsvEncoding.Labels.TWO_CLASSES));
        assertArrayEquals(new float[] {1, 0, 1}, binary.labels(), "the larger label is the positive class");

        Path numbers = csv("n.csv", "x,price\n1,2.5\n2,-1e3\n3,7\n");
        CsvEncoding.Options r = CsvEncoding.Options.of("price").withLabels(CsvEncoding.Labels.NUMBERS);
        Dataset d = all(numbers, r);
        assertTrue(d.isRegression());
        assertArrayEquals(new float[] {2.5f, -1000f, 7f}, d.labels(), "targets as they are: the trainer standardises them");
        CsvRecords t = CsvRecords.read(numbers, ',');
        CsvEncoding fitted = CsvEncoding.labelsOf(t, r).fit(t, new int[] {0, 1, 2}, r);
        CsvEncoding back = CsvEncoding.fromConfig(fitted.toConfig(), new int[0]);
        assertTrue(back.numbers(), "a checkpoint's encoding reads the target as numbers again");
        DatasetException word = assertThrows(DatasetException.class,
                () -> all(csv("w.csv", "x,price\n1,2\n2,n/a\n"), r));
        assertTrue(word.getMessage().contains("line 3, column 2 (price): 'n/a' is not a number"), word.getMessage());
        assertThrows(DatasetException.class, () -> all(csv("inf.csv", "x,price\n1,inf\n"), r), "a target must be finite");
        assertThrows(IllegalArgumentException.class, () -> Dataset.regression("nan", new float[] {1}, new float[] {Float.NaN},
                1, 1, null));
        assertEquals(2, Holdout.size(Dataset.regression("r", new float[10], new float[10], 10, 1, null), 0.2),
                "regression rows are held out as one stratum");
    }
}
