package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.io.Json;
import dev.adjoint.report.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every run writes run.json and report.html (with the curves' SVG files) into its directory and
 * says where; {@code adjoint report} rebuilds the same page from the JSON, and refuses a missing or
 * garbled one with the file and what is wrong.
 */
class ReportCommandTest {
    private static final String[] TINY = {"train", "--data", "spiral", "--hidden", "4", "--epochs", "2"};

    @TempDir
    Path tmp;

    @Test
    void trainWritesTheReportAndReportRebuildsItByteForByte() throws Exception {
        Path runs = tmp.resolve("runs");
        Cli.Run train = Cli.runIn(runs, TINY);
        assertEquals(0, train.code(), train.err());
        Path page = train.printed("report");
        Path dir = page.getParent();
        assertEquals(RunReport.HTML, page.getFileName().toString());
        assertTrue(dir.startsWith(runs), dir.toString());
        Map<String, Object> run = Json.parseObject(Files.readString(dir.resolve(RunReport.RECORD)));
        assertEquals(2, ((List<?>) run.get("epochs")).size());
        assertEquals(List.of("class 0", "class 1", "class 2"), run.get("classes"));
        assertEquals("4", ((Map<?, ?>) run.get("settings")).get("hidden"));
        assertEquals(Map.of("metric", "val_accuracy", "mode", "max"), run.get("monitor"));
        assertEquals(3, ((List<?>) ((Map<?, ?>) run.get("test")).get("confusion_matrix")).size());
        String html = Files.readString(page);
        assertTrue(html.contains("id=\"confusion\"") && html.contains("adjoint train --data spiral --hidden 4 --epochs 2"),
                html);
        byte[] written = Files.readAllBytes(page);

        Files.delete(page);
        Files.delete(dir.resolve("loss.svg"));
        Cli.Run rebuilt = Cli.runIn(runs, "report");
        assertEquals(0, rebuilt.code(), rebuilt.err());
        assertEquals("", rebuilt.err());
        assertEquals(page.toAbsolutePath(), rebuilt.printed("report").toAbsolutePath(), rebuilt.out());
        assertEquals(new String(written), Files.readString(page), "the page train wrote, rebuilt from run.json alone");
        assertTrue(Files.isRegularFile(dir.resolve("loss.svg")) && Files.isRegularFile(dir.resolve("accuracy.svg")));

        Path out = tmp.resolve("elsewhere");
        Cli.Run fromFile = Cli.run("report", dir.resolve(RunReport.RECORD).toString(), "--output", out.toString());
        assertEquals(0, fromFile.code(), fromFile.err());
        assertEquals(new String(written), Files.readString(out.resolve(RunReport.HTML)));
        assertEquals(0, Cli.run("report", dir.toString()).code());
    }

    @Test
    void aResumedRunsReportHoldsTheEpochsBeforeTheResume() throws Exception {
        Path ck = tmp.resolve("ck");
        assertEquals(0, Cli.run("train", "--data", "spiral", "--hidden", "4", "--epochs", "1", "--checkpoint", ck.toString())
                .code());
        Cli.Run resumed = Cli.run("train", "--resume", ck.toString(), "--checkpoint", ck.toString(), "--epochs", "3");
        assertEquals(0, resumed.code(), resumed.err());
        List<?> epochs = (List<?>) RunReport.read(ck.resolve(RunReport.RECORD)).get("epochs");
        assertEquals(List.of(1L, 2L, 3L), epochs.stream().map(e -> ((Map<?, ?>) e).get("epoch")).toList());
    }

    /** Class names come from the user's CSV: on the page they are text, never markup. */
    @Test
    void classNamesFromACsvAreEscaped() throws Exception {
        StringBuilder csv = new StringBuilder("x,y,kind\n");
        String[] kinds = {"<script>alert(1)</script>", "a&b", "c"};
        for (int i = 0; i < 60; i++) {
            csv.append(i % 3).append('.').append(i % 7).append(',').append(i % 5).append(',').append(kinds[i % 3]).append('\n');
        }
        Path data = Files.writeString(tmp.resolve("<data>.csv"), csv);
        Path ck = tmp.resolve("csv-run");
        Cli.Run r = Cli.run("train", "--csv", data.toString(), "--label", "kind", "--hidden", "4", "--epochs", "1",
                "--checkpoint", ck.toString());
        assertEquals(0, r.code(), r.err());
        String html = Files.readString(ck.resolve(RunReport.HTML));
        assertFalse(html.contains("<script") || html.contains("<data>"), html);
        assertTrue(html.contains("<th class=\"key\">&lt;script&gt;alert(1)&lt;/script&gt;</th>")
                && html.contains("<th class=\"key\">a&amp;b</th>"), html);
    }

    @Test
    void aMissingOrGarbledJsonIsOneLineNamingTheFile() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Cli.oneLine(1, List.of(empty + " holds no run.json: it is not the directory of a run"), "report", empty.toString());
        Cli.oneLine(1, List.of("run JSON " + tmp.resolve("nothing.json") + " does not exist"), "report",
                tmp.resolve("nothing.json").toString());
        Path bad = Files.createDirectories(tmp.resolve("bad"));
        Files.writeString(bad.resolve(RunReport.RECORD), "{\"epochs\": [");
        Cli.oneLine(1, List.of(bad.resolve(RunReport.RECORD) + ": at byte offset 12: not the JSON of a run"), "report",
                bad.toString());
        Files.writeString(bad.resolve(RunReport.RECORD), "{\"epochs\": {}}");
        Cli.oneLine(1, List.of(bad.resolve(RunReport.RECORD) + ": not the JSON of a run of 'adjoint train': \"epochs\" must"
                + " be the list of epochs, got {}"), "report", bad.toString());
        assertFalse(Files.exists(bad.resolve(RunReport.HTML)), "nothing is written from a garbled JSON");
        Cli.Run none = Cli.runIn(tmp.resolve("no-runs"), "report");
        assertEquals(2, none.code(), none.err());
        assertEquals(List.of("adjoint: no run found under " + tmp.resolve("no-runs") + "/: train one first ('adjoint train')"
                + " or name a run: adjoint report RUN"), none.errLines());
    }
}
