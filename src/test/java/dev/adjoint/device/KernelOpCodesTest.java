package dev.adjoint.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Kernel op codes come from the Java enums, never from numbers copied by hand (DESIGN.md): the
 * committed CUDA header is what {@link KernelOpCodes} renders, every PTX was built from it, no
 * kernel selects an op by a bare number, and every op is named by the kernels of each backend.
 * All of it runs without a GPU, so reordering an enum fails here rather than remapping ops on one.
 */
class KernelOpCodesTest {
    private static final Path KERNELS = Path.of("kernels");
    private static final Path HEADER = KERNELS.resolve("cuda/op_codes.cuh");
    private static final String REGENERATE = "run native/build-ptx.sh (it rewrites the header, then the PTX) and commit both";

    /** {@code #define NAME N} lines of a header, in order. */
    static Map<String, String> defines(String header) {
        Map<String, String> d = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^#define\\s+(\\w+)\\s+(\\S+)\\s*$").matcher(header);
        while (m.find()) {
            d.put(m.group(1), m.group(2));
        }
        return d;
    }

    /** What a stale header gets wrong, constant by constant: empty when the two agree. */
    static List<String> staleConstants(String committed, String rendered) {
        Map<String, String> have = defines(committed);
        Map<String, String> want = defines(rendered);
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> w : want.entrySet()) {
            String h = have.get(w.getKey());
            if (h == null) {
                wrong.add(w.getKey() + " is missing (the enums give " + w.getValue() + ")");
            } else if (!h.equals(w.getValue())) {
                wrong.add(w.getKey() + " is " + h + ", the enums give " + w.getValue());
            }
        }
        for (String name : have.keySet()) {
            if (!want.containsKey(name)) {
                wrong.add(name + " is no longer in the enums");
            }
        }
        return wrong;
    }

    @Test
    void theCudaHeaderIsRenderedFromTheEnums() throws IOException {
        assertTrue(Files.exists(HEADER), HEADER + " is missing: " + REGENERATE);
        String committed = Files.readString(HEADER);
        String rendered = KernelOpCodes.header();
        List<String> wrong = staleConstants(committed, rendered);
        assertEquals(List.of(), wrong, HEADER + " is stale: " + String.join("; ", wrong) + ". " + REGENERATE);
        assertEquals(rendered, committed, HEADER + " differs from KernelOpCodes.header() (comments or order). " + REGENERATE);
    }

    @Test
    void aStaleHeaderNamesTheConstant() {
        String rendered = KernelOpCodes.header();
        int sigmoid = UnaryOp.SIGMOID.ordinal();
        int tanh = UnaryOp.TANH.ordinal();
        String swapped = rendered.replace("#define UNARY_SIGMOID " + sigmoid + "\n", "#define UNARY_SIGMOID " + tanh + "\n")
                .replace("#define UNARY_TANH " + tanh + "\n", "#define UNARY_TANH " + sigmoid + "\n");
        List<String> wrong = staleConstants(swapped, rendered);
        assertTrue(wrong.contains("UNARY_SIGMOID is " + tanh + ", the enums give " + sigmoid), wrong.toString());
        assertTrue(wrong.contains("UNARY_TANH is " + sigmoid + ", the enums give " + tanh), wrong.toString());
        assertEquals(2, wrong.size(), wrong.toString());
    }

    @Test
    void everyPtxWasBuiltWithTheCurrentOpCodes() throws IOException {
        Pattern global = Pattern.compile("\\badjoint_op_codes = (-?\\d+);");
        int want = (int) KernelOpCodes.fingerprint();
        List<String> stale = new ArrayList<>();
        for (Path ptx : files("cuda", ".ptx")) {
            Matcher m = global.matcher(Files.readString(ptx, StandardCharsets.US_ASCII));
            if (!m.find()) {
                stale.add(ptx + " carries no adjoint_op_codes (built without common.cuh's op codes)");
            } else if (Integer.parseInt(m.group(1)) != want) {
                stale.add(ptx + " was built with op codes " + Integer.toUnsignedString(Integer.parseInt(m.group(1)))
                        + ", the enums give " + Integer.toUnsignedString(want));
            }
        }
        assertTrue(files("cuda", ".ptx").size() >= 6, "the PTX families are under " + KERNELS.resolve("cuda"));
        assertEquals(List.of(), stale, "stale PTX: " + REGENERATE);
    }

    /** An op selector written as a number: {@code case 16:}, {@code op == 2}, {@code op <= 1}, {@code dist == 0}. */
    private static final List<Pattern> BARE_NUMBERS = List.of(
            Pattern.compile("\\bcase\\s+[-+(]*\\s*(0x)?\\d+\\w*\\s*\\)?\\s*:"),
            Pattern.compile("\\b(op|dist)\\s*(==|!=|<=|>=|<|>)\\s*[-+(]*\\s*\\d"),
            Pattern.compile("\\d\\w*\\s*\\)?\\s*(==|!=|<=|>=|<|>)\\s*(op|dist)\\b"));

    static List<String> bareNumbers(String file, String source) {
        List<String> bad = new ArrayList<>();
        String[] lines = withoutComments(source).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            for (Pattern p : BARE_NUMBERS) {
                if (p.matcher(lines[i]).find()) {
                    bad.add(file + ":" + (i + 1) + ": " + lines[i].strip());
                    break;
                }
            }
        }
        return bad;
    }

    @Test
    void noKernelSelectsAnOpByANumber() throws IOException {
        List<String> bad = new ArrayList<>();
        for (Path f : kernelSources()) {
            bad.addAll(bareNumbers(f.toString(), Files.readString(f)));
        }
        assertEquals(List.of(), bad, "name the op (UNARY_SIGMOID, REDUCE_SUM, DIST_NORMAL ... from "
                + "KernelOpCodes) instead of its number");
    }

    @Test
    void theScanCatchesEachWayOfWritingANumber() {
        for (String line : List.of("case 16: return jsigmoid(x);", "case 2: case 3: return best;", "if (op <= 1) {",
                "bool wantMax = op == 2 || op == 4;", "if (dist == 0) {", "if (k > 0 && op > 1)", "if (2 == op)")) {
            assertEquals(1, bareNumbers("x.cu", line).size(), line);
        }
        for (String line : List.of("case UNARY_SIGMOID: return jsigmoid(x);", "if (op == REDUCE_MAX || op == REDUCE_ARGMAX)",
                "// case 16: in a comment", "/* op == 2 */ x = 1;", "for (int s = BLOCK / 2; s > 0; s >>= 1)",
                "if (ops == 2)")) {
            assertEquals(List.of(), bareNumbers("x.cu", line), line);
        }
    }

    /** The kernel file of each family that must name every op code, per backend. */
    private static final Map<String, String> FAMILY_FILE = Map.of(
            "UNARY", "elementwise", "BINARY", "elementwise", "REDUCE", "reduce", "DIST", "random");

    @Test
    void everyOpIsNamedByTheKernelsOfEveryBackend() throws IOException {
        List<String> missing = new ArrayList<>();
        for (KernelOpCodes.Family f : KernelOpCodes.FAMILIES) {
            String family = FAMILY_FILE.get(f.prefix());
            assertTrue(family != null, "KernelOpCodesTest.FAMILY_FILE names no kernel file for " + f.prefix());
            for (Path file : List.of(KERNELS.resolve("cuda/" + family + ".cu"), KERNELS.resolve("opencl/" + family + ".cl"))) {
                String code = withoutComments(Files.readString(file));
                for (Enum<?> c : f.constants()) {
                    String name = KernelOpCodes.name(f, c);
                    if (!Pattern.compile("\\b" + name + "\\b").matcher(code).find()) {
                        missing.add(file + " never names " + name);
                    }
                }
            }
        }
        assertEquals(List.of(), missing, "each op needs its case in the kernels of every backend");
    }

    @Test
    void theHeaderDefinesEveryConstantOnceWithItsOrdinal() {
        Map<String, String> d = defines(KernelOpCodes.header());
        assertEquals(String.valueOf(UnaryOp.SIGMOID.ordinal()), d.get("UNARY_SIGMOID"));
        assertEquals(String.valueOf(BinaryOp.GELU_BACKWARD.ordinal()), d.get("BINARY_GELU_BACKWARD"));
        assertEquals(String.valueOf(ReduceOp.ARGMIN.ordinal()), d.get("REDUCE_ARGMIN"));
        assertEquals(String.valueOf(Distribution.BERNOULLI.ordinal()), d.get("DIST_BERNOULLI"));
        int constants = UnaryOp.values().length + BinaryOp.values().length + ReduceOp.values().length
                + Distribution.values().length;
        assertEquals(constants + 1, d.size(), "every constant and the fingerprint: " + d.keySet());
    }

    /** Source with comments blanked (newlines kept, so line numbers hold). */
    static String withoutComments(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            if (s.startsWith("//", i)) {
                while (i < s.length() && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? s.length() : end + 2;
                for (; i < end; i++) {
                    out.append(s.charAt(i) == '\n' ? '\n' : ' ');
                }
            } else {
                out.append(s.charAt(i++));
            }
        }
        return out.toString();
    }

    private static List<Path> kernelSources() throws IOException {
        List<Path> all = new ArrayList<>();
        for (String ext : List.of(".cu", ".cuh")) {
            all.addAll(files("cuda", ext));
        }
        all.addAll(files("opencl", ".cl"));
        assertTrue(all.size() >= 14, "kernel sources found: " + all);
        return all;
    }

    private static List<Path> files(String backend, String ext) throws IOException {
        try (Stream<Path> s = Files.list(KERNELS.resolve(backend))) {
            return s.filter(p -> p.getFileName().toString().endsWith(ext)).sorted().toList();
        }
    }
}
