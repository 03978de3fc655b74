package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.bench.MatrixBench;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code adjoint bench}'s options: defaults, values, and one-line errors for mistakes. */
class BenchCommandTest {
    private static MatrixBench.Options parse(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        return BenchCommand.matrixOptions(all);
    }

    @Test
    void noOptionsMeanEveryBackendTheFullMatrixAndDefaultFiles() {
        MatrixBench.Options o = parse();
        MatrixBench.Options d = MatrixBench.Options.defaults(false);
        assertEquals(List.of(), o.devices());
        assertEquals(List.of(), o.cases(), "the standard matrix");
        assertFalse(o.compare());
        assertFalse(o.quick());
        assertNull(o.json());
        assertNull(o.svg());
        assertEquals(d.budget(), o.budget());
        assertEquals(45, o.caseLimitSeconds());
    }

    @Test
    void optionsSetWhatTheySay() {
        MatrixBench.Options o = parse("--device", "cpu, opencl:0", "--compare", "--quick", "--json", "r.json", "--svg",
                "c.svg", "--repeat", "5", "--warmup", "0.5", "--sample=0.1", "--case-limit", "12", "--python", "py");
        assertEquals(List.of("cpu", "opencl:0"), o.devices());
        assertTrue(o.compare());
        assertTrue(o.quick());
        assertEquals(Path.of("r.json"), o.json());
        assertEquals(Path.of("c.svg"), o.svg());
        assertEquals(5, o.budget().repeat());
        assertEquals(3, o.budget().minSamples());
        assertEquals(0.5, o.budget().warmupSeconds());
        assertEquals(0.1, o.budget().sampleSeconds());
        assertEquals(12, o.caseLimitSeconds());
        assertEquals("py", o.python());
        assertEquals(List.of("gemm:8x8x8", "infer:4-2/3"), parse("--cases", "gemm:8x8x8, infer:4-2/3").cases());
        assertEquals(1, parse("--repeat", "1").budget().minSamples(), "fewer repeats lower the minimum");
    }

    @Test
    void mistakesAreOneLineErrorsNamingTheOption() {
        String[][] bad = {{"--repeat", "0"}, {"--repeat", "2.5"}, {"--warmup", "-1"}, {"--sample", "soon"},
            {"--case-limit", "0"}, {"--bogus", "1"}, {"--device", "cpu,opencl,"}, {"--compare", "extra"}, {"--json"},
            {"--cases", "gemm:8x8x8,"}};
        String[] named = {"--repeat", "--repeat", "--warmup", "--sample", "--case-limit", "--bogus", "--device", "extra",
            "--json", "--cases"};
        for (int i = 0; i < bad.length; i++) {
            String[] args = bad[i];
            Args.UsageException e = assertThrows(Args.UsageException.class, () -> parse(args), String.join(" ", args));
            assertTrue(e.getMessage().contains(named[i]), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        }
    }

    @Test
    void theCommandLineExitsWithTwoAndOneLineOnAMistake() {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, Main.run(new String[] {"bench", "--repeat", "none"}));
            assertEquals(2, Main.run(new String[] {"bench", "matrix"}));
            assertEquals(2, Main.run(new String[] {"bench", "--cases", "gemm:8x8"}));
        } finally {
            System.setErr(saved);
        }
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(3, lines.size(), "one line per mistake: " + lines);
        assertEquals("adjoint: bench: --repeat must be a positive integer, got 'none'", lines.get(0));
        assertTrue(lines.get(1).startsWith("adjoint: unknown benchmark 'matrix'"), lines.get(1));
        assertEquals("adjoint: bench: --cases: case 'gemm:8x8': shape '8x8' is not 3 positive integers separated by 'x' "
                + "(MxKxN, e.g. 128x784x256)",
                lines.get(2));
    }
}
