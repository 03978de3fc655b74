package dev.adjoint.report;

import static dev.adjoint.report.SvgDocument.elements;
import static dev.adjoint.report.SvgDocument.parse;
import static dev.adjoint.report.SvgDocument.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.io.FileFormatException;
import dev.adjoint.io.Json;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The report page of a run's JSON: the curves of whatever the epochs record, the confusion matrix
 * and per-class table only when the test result has them, every name escaped, nothing fetched or
 * run; and a JSON that is missing or garbled refused with the file and what is wrong.
 */
class RunReportTest {
    @TempDir
    Path tmp;

    /** A classification run of three epochs whose names (from a user's CSV) try to break out of the page. */
    static final String CLASSIFICATION = """
            {"dataset": "<b>mine</b>.csv",
             "classes": ["<script>alert(1)</script>", "a&b", "c\\"d'"],
             "device": "cpu",
             "options": {"csv": "my data.csv", "label": "<kind>", "epochs": "3"},
             "settings": {"hidden": "8", "seed": "1"},
             "monitor": {"metric": "val_accuracy", "mode": "max"},
             "epochs": [
               {"epoch": 1, "train_loss": 1.0, "train_accuracy": 0.5, "val_loss": 0.9, "val_accuracy": 0.55, "val_macro_f1": 0.5,
                "samples_per_second": 1000.0, "seconds": 0.5},
               {"epoch": 2, "train_loss": 0.6, "train_accuracy": 0.7, "val_loss": 0.7, "val_accuracy": 0.72, "val_macro_f1": 0.7,
                "samples_per_second": 1000.0, "seconds": 0.5},
               {"epoch": 3, "train_loss": 0.4, "train_accuracy": 0.8, "val_loss": 0.75, "val_accuracy": 0.7, "val_macro_f1": 0.69,
                "samples_per_second": 1000.0, "seconds": 0.5}],
             "best_epoch": 2,
             "test": {"samples": 30, "loss": 0.71, "accuracy": 0.8, "macro_f1": 0.79,
                      "precision": [0.8, 0.818, 0.778], "recall": [0.8, 0.9, 0.7], "f1": [0.8, 0.857, 0.737],
                      "support": [10, 10, 10], "confusion_matrix": [[8, 1, 1], [0, 9, 1], [2, 0, 7]]}}
            """;

    /** A regression run, as the regression task will record it: RMSE on validation only, no classes. */
    static final String REGRESSION = """
            {"dataset": "houses", "epochs": [
               {"epoch": 1, "train_loss": 4.0, "val_loss": 3.0, "val_rmse": 1.7},
               {"epoch": 2, "train_loss": 2.0, "val_loss": 2.5, "val_rmse": 1.5}],
             "monitor": {"metric": "val_loss", "mode": "min"},
             "test": {"samples": 20, "loss": 2.4, "rmse": 1.55, "mae": 1.2, "r2": 0.61}}
            """;

    static Map<String, Object> run(String json) {
        return Json.parseObject(json);
    }

    /** Each inline {@code <svg>} of the page, parsed. */
    static List<org.w3c.dom.Document> charts(String html) throws Exception {
        List<org.w3c.dom.Document> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?s)<svg .*?</svg>").matcher(html);
        while (m.find()) {
            out.add(parse(m.group()));
        }
        return out;
    }

    @Test
    void theCurvesAreWhateverTheEpochsRecordLossFirst() throws Exception {
        List<org.w3c.dom.Document> charts = charts(RunReport.html(run(CLASSIFICATION)));
        assertEquals(List.of("loss", "accuracy", "macro f1"), charts.stream().map(d -> texts(d, "title").getFirst()).toList(),
                "loss, then the metric measured on the training batches too, then the validation-only one");
        assertEquals(List.of("train", "validation"), texts(charts.get(1), "legend-entry"));
        assertEquals(List.of("validation"), texts(charts.get(2), "legend-entry"));
        for (org.w3c.dom.Document d : charts) {
            assertEquals(List.of("best epoch 2 (val_accuracy)"), texts(d, "mark-label"));
        }
        List<org.w3c.dom.Document> regression = charts(RunReport.html(run(REGRESSION)));
        assertEquals(List.of("loss", "rmse"), regression.stream().map(d -> texts(d, "title").getFirst()).toList());
        assertEquals(List.of("best epoch 2 (val_loss)"), texts(regression.getFirst(), "mark-label"),
                "before the run ends, the best epoch so far by the monitored metric (lowest val_loss)");
        assertEquals(2, elements(regression.get(1), "circle", "point").size());
    }

    /** A binary run's epochs as EpochStats writes them: ROC AUC on both splits gets its train-against-validation chart. */
    @Test
    void theTrainingMetricsOfAnEpochGetTheirCurvesBesideTheValidations() throws Exception {
        float[] logits = {-2f, -1f, 0.5f, 1f, 2f, -0.5f};
        float[] targets = {0, 0, 1, 1, 1, 1};
        List<Object> epochs = new ArrayList<>();
        for (int e = 1; e <= 2; e++) {
            dev.adjoint.train.Metrics.Evaluation m = new dev.adjoint.train.Binary().evaluate(logits, targets, 6, 0.5 / e);
            epochs.add(new dev.adjoint.train.EpochStats(e, 0.5 / e, m.accuracy(), m, m, 100, 1, 1e-3).toJson());
        }
        Map<String, Object> run = new java.util.LinkedHashMap<>();
        run.put("dataset", "binary");
        run.put("epochs", epochs);
        List<org.w3c.dom.Document> charts = charts(RunReport.html(run));
        List<String> titles = charts.stream().map(d -> texts(d, "title").getFirst()).toList();
        assertTrue(titles.contains("roc auc") && titles.contains("macro f1"), titles.toString());
        for (org.w3c.dom.Document d : charts) {
            assertEquals(List.of("train", "validation"), texts(d, "legend-entry"), texts(d, "title").getFirst());
        }
    }

    @Test
    void theConfusionMatrixAndPerClassTableOnlyWhenTheRunHasThem() {
        String html = RunReport.html(run(CLASSIFICATION));
        assertTrue(html.contains("id=\"confusion\""), html);
        assertTrue(html.contains("title=\"&lt;script&gt;alert(1)&lt;/script&gt; as &lt;script&gt;alert(1)&lt;/script&gt;: 8 of"
                + " 10\">8</td>"), "the diagonal cell of class 0, tinted by its share of the row");
        assertTrue(html.contains("background:rgba(0,114,178,0.800)"), "8 of 10 on the diagonal: blue at 0.8");
        assertTrue(html.contains("background:rgba(213,94,0,0.222)"), "2 of 9 off it: orange at 0.222");
        assertTrue(html.contains("<th class=\"key\">a&amp;b</th><td>0.8180</td><td>0.9000</td><td>0.8570</td><td>10</td>"),
                html);
        assertTrue(html.contains("<tr><th class=\"key\">accuracy</th><td class=\"text\">0.8000</td></tr>"), html);
        String regression = RunReport.html(run(REGRESSION));
        assertFalse(regression.contains("id=\"confusion\"") || regression.contains("id=\"per-class\""), regression);
        assertTrue(regression.contains("<tr><th class=\"key\">rmse</th><td class=\"text\">1.5500</td></tr>"), regression);
        String untested = RunReport.html(run(CLASSIFICATION.replaceFirst("(?s),\\s*\"best_epoch\".*", "}")));
        assertTrue(untested.contains("not yet"), untested);
    }

    @Test
    void everyNameIsEscapedAndThePageLoadsNothing() {
        String html = RunReport.html(run(CLASSIFICATION));
        assertFalse(html.contains("<script") || html.contains("<b>") || html.contains("<kind>"), html);
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && html.contains("a&amp;b")
                && html.contains("c&quot;d&#39;"), html);
        assertTrue(html.contains("<title>adjoint train: &lt;b&gt;mine&lt;/b&gt;.csv</title>"), html);
        assertTrue(html.contains("adjoint train --csv &#39;my data.csv&#39; --label &#39;&lt;kind&gt;&#39; --epochs 3"),
                "the command line, quoted as a shell would need it");
        assertTrue(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
                + " style-src 'unsafe-inline'\">"), "no script runs and nothing loads, whatever slipped through");
        for (String fetch : List.of(" src=", " href=", "url(", "@import", "http://", "https://")) {
            assertFalse(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "").contains(fetch), fetch);
        }
    }

    @Test
    void writeMakesThePageAndOneSvgPerCurveTheSameOnEveryBuild() throws Exception {
        Path page = RunReport.write(run(CLASSIFICATION), tmp);
        assertEquals(tmp.resolve(RunReport.HTML), page);
        for (String svg : List.of("loss.svg", "accuracy.svg", "macro_f1.svg")) {
            assertEquals("svg", parse(Files.readString(tmp.resolve(svg))).getDocumentElement().getLocalName(), svg);
        }
        byte[] first = Files.readAllBytes(page);
        RunReport.write(run(CLASSIFICATION), tmp);
        assertEquals(new String(first, StandardCharsets.UTF_8), Files.readString(page), "a pure function of the JSON");
        assertEquals("loss.svg", RunReport.fileName("loss"));
        assertTrue(RunReport.fileName("../../etc/x").matches("curve-[0-9a-f]+\\.svg"), "a key cannot name a path");
    }

    static Stream<Arguments> garbled() {
        return Stream.of(
                Arguments.of("{\"epochs\": [1,", "at byte offset 14: not the JSON of a run (expected a value, found end of text)"),
                Arguments.of("{\"dataset\": \"é\", \"epochs\": [}", "at byte offset 29: not the JSON of a run"),
                Arguments.of("[1, 2]", "at byte offset 0: not the JSON of a run (expected an object"),
                Arguments.of("{\"dataset\": \"x\"}", "\"epochs\" must be the list of epochs, got nothing"),
                Arguments.of("{\"epochs\": [7]}", "epochs[0] must be an object, got 7"),
                Arguments.of("{\"epochs\": [{\"epoch\": 1}, {\"val_loss\": \"low\"}]}",
                        "epochs[1].val_loss must be a number, got \"low\""),
                Arguments.of("{\"epochs\": [], \"best_epoch\": \"2\"}", "\"best_epoch\" must be a number"),
                Arguments.of("{\"epochs\": [], \"test\": 0.9}", "\"test\" must be an object, got 0.9"),
                Arguments.of("{\"epochs\": [], \"test\": {\"confusion_matrix\": [[1, 2], [3]]}}",
                        "test.confusion_matrix[1] must be 2 counts (whole numbers >= 0), got [3]"),
                Arguments.of("{\"epochs\": [], \"test\": {\"confusion_matrix\": [[1, -2], [3, 4]]}}",
                        "test.confusion_matrix[0] must be 2 counts"),
                Arguments.of("{\"epochs\": [], \"test\": {\"confusion_matrix\": [[1]], \"recall\": [0.5, 0.5]}}",
                        "test.recall has 2 values for 1 classes"),
                Arguments.of("{\"epochs\": [], \"test\": {\"precision\": [\"x\"]}}", "test.precision must be a list of numbers"));
    }

    @ParameterizedTest
    @MethodSource("garbled")
    void aGarbledJsonIsRefusedNamingTheFileAndWhatIsWrong(String text, String expected) throws Exception {
        Path file = Files.writeString(tmp.resolve("run.json"), text);
        FileFormatException e = assertThrows(FileFormatException.class, () -> RunReport.read(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(Files.exists(tmp.resolve(RunReport.HTML)));
    }

    @Test
    void aMissingJsonIsNamed() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> RunReport.read(tmp.resolve("run.json")));
        assertEquals("run JSON " + tmp.resolve("run.json") + " does not exist", e.getMessage());
    }
}
