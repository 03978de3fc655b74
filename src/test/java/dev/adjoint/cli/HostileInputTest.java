package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-input suite (#20): bad command lines, data files, checkpoint files, faults (kills
 * mid-write, a full disk, a read-only directory, two writers) and API misuse, each bounded in time.
 * Every case must end in a clean, named error (one line, the right exit code, no stack trace) or a
 * correct answer; the suite prints its counts per category and verdict, and fails on any silent
 * wrong result, hang, lost file, stack trace or wrong error. Every case, its verdict and the line it
 * printed go to {@code target/hostile-input-report.txt}.
 */
class HostileInputTest {
    @TempDir
    Path root;

    @Test
    void everyHostileInputEndsInANamedErrorOrACorrectAnswer() throws Exception {
        List<Hostile.Case> cases = new ArrayList<>();
        cases.addAll(HostileCliCases.cases(Files.createDirectories(root.resolve("cli"))));
        cases.addAll(HostileDataCases.cases(Files.createDirectories(root.resolve("data"))));
        cases.addAll(HostileCheckpointCases.cases(Files.createDirectories(root.resolve("checkpoints"))));
        cases.addAll(HostileFaultCases.cases(Files.createDirectories(root.resolve("faults"))));
        cases.addAll(HostileApiCases.cases(Files.createDirectories(root.resolve("api"))));
        List<Hostile.Result> results;
        try {
            results = Hostile.runAll(cases);
        } finally {
            HostileFaultCases.unmountAll(root.resolve("faults"));
        }
        Map<Hostile.Verdict, Long> counts = new EnumMap<>(Hostile.Verdict.class);
        for (Hostile.Verdict v : Hostile.Verdict.values()) {
            counts.put(v, results.stream().filter(r -> r.verdict() == v).count());
        }
        Map<String, Long> perCategory = new TreeMap<>(results.stream().collect(Collectors.groupingBy(r -> r.c().category(),
                Collectors.counting())));
        long errors = results.stream().filter(r -> r.verdict() == Hostile.Verdict.OK && r.c().code() != 0).count();
        if (results.stream().noneMatch(r -> r.c().name().contains("tmpfs"))) {
            System.out.println("hostile-input suite: no tmpfs could be mounted here (not root, or no CAP_SYS_ADMIN): the"
                    + " full-tmpfs and read-only-tmpfs cases did not run; the file-size-limit and /proc cases stand in");
        }
        System.out.printf("hostile-input suite: %d cases %s: %d clean errors, %d correct answers; silent wrong results %d,"
                        + " hangs %d, lost files %d, stack traces %d, wrong errors %d%n", results.size(), perCategory, errors,
                counts.get(Hostile.Verdict.OK) - errors, counts.get(Hostile.Verdict.SILENT_WRONG),
                counts.get(Hostile.Verdict.HANG), counts.get(Hostile.Verdict.LOST_FILE),
                counts.get(Hostile.Verdict.STACK_TRACE), counts.get(Hostile.Verdict.WRONG_ERROR));
        Files.write(Path.of("target", "hostile-input-report.txt"), results.stream()
                .map(r -> r.verdict() + "\t[" + r.c().category() + "] " + shorten(r.c().name()) + "\t" + shorten(r.detail()))
                .toList());
        List<String> bad = results.stream().filter(r -> r.verdict() != Hostile.Verdict.OK)
                .map(r -> r.verdict() + " [" + r.c().category() + "] " + shorten(r.c().name()) + ": " + shorten(r.detail()))
                .toList();
        assertTrue(results.size() >= 200, "the suite has only " + results.size() + " cases");
        assertEquals(List.of(), bad, String.join("\n", bad));
    }

    private static String shorten(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }
}
