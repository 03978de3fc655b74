package dev.adjoint.cli;

import dev.adjoint.io.InputFile;
import dev.adjoint.report.RunReport;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code adjoint report [RUN]}: rebuilds a run's report (report.html and the curves' SVG files)
 * from the JSON train recorded, {@code RUN/run.json}; RUN is a run directory or a run's JSON
 * (a {@code --json FILE}), by default the latest run.
 */
final class ReportCommand {
    static final List<Args.Option> OPTIONS = List.of(
            new Args.Option("output", "DIR", null, "where report.html and the curves' SVG files go (default: the"
                    + " directory of the run's JSON)"));

    private ReportCommand() {}

    static String usage() {
        return Usage.text("report [RUN]", """
                Rebuild a run's report from the JSON 'adjoint train' recorded: report.html, one self-contained page
                (the training curves, the test set's figures and confusion matrix, the run's settings), and each
                curve as an SVG file (loss.svg, accuracy.svg, ...). RUN is a run directory, which holds run.json, or
                a run's JSON file (what --json FILE wrote); default: the latest run, the one runs/latest names.
                """, OPTIONS);
    }

    static int run(Args args) {
        String given = args.allowOne("RUN");
        String instead = "name a run: adjoint report RUN";
        Path named = given == null ? Runs.latestRun(Runs.root(), instead) : Path.of(given);
        boolean directory = Files.isDirectory(named);
        if (given == null && !directory) {
            throw Runs.gone(Runs.root(), named, "is not there", instead);
        }
        Path file = directory ? named.resolve(RunReport.RECORD) : named;
        if (directory && InputFile.absent(file)) {
            throw new UncheckedIOException(named + " holds no " + RunReport.RECORD + ": it is not the directory of a run"
                    + " of 'adjoint train' (or is one from before runs recorded their JSON); name a run directory or a"
                    + " run's JSON file", new NoSuchFileException(file.toString()));
        }
        Map<String, Object> run = RunReport.read(file);
        String output = args.get("output");
        Path dir = output != null ? Path.of(output) : file.toAbsolutePath().getParent();
        Path page = RunReport.write(run, dir);
        System.out.println("report: " + page + " (" + ((List<?>) run.get("epochs")).size() + " epochs, from " + file + ")");
        return 0;
    }
}
