package dev.adjoint.device.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The integer conversions of {@code kernels/cuda/convert.cuh}, which {@code convert.cu}'s kernels
 * run on the GPU, compiled for the host with the machine's C compiler (the header is plain C for
 * this) and checked against {@link DType}, the oracle, without a GPU: every 16-bit value widened,
 * and about a million float32 values narrowed: each of the 65,536 upper halves with the lower
 * halves where BF16 and F16 round (ties, one either side, and the F16 subnormal tie bits), plus
 * random bits. Skipped, with the reason, where no C compiler is installed. The kernels themselves,
 * the launch and the memory, are the GPU's conformance run (DTypeCases).
 *
 * <p>Checked once by hand over all 2<sup>32</sup> float32 inputs as well (a digest per 2<sup>24</sup>
 * block, C against Java): identical.
 */
class CudaConvertBitsTest {
    private static final Path KERNELS = Path.of("kernels", "cuda");
    /**
     * Lower halves where rounding decides: BF16 ties at 0x8000, F16 normal ties at 0x1000, F16
     * subnormal ties at 0x2000 and 0x4000 (and above, in the upper half), with their neighbours.
     */
    private static final int[] LOWER = {0x0000, 0x0001, 0x0FFF, 0x1000, 0x1001, 0x1FFF, 0x2000, 0x2001, 0x3FFF, 0x4000,
        0x4001, 0x7FFF, 0x8000, 0x8001, 0xFFFF};

    private static final String HARNESS = """
            #define CONVERT_HOST
            #include <stdio.h>
            #include "convert.cuh"

            static void put16(FILE* f, unsigned int v) { fputc((int)(v & 0xFF), f); fputc((int)(v >> 8 & 0xFF), f); }
            static void put32(FILE* f, unsigned int v) { put16(f, v & 0xFFFF); put16(f, v >> 16); }

            /* argv[1]: float32 bits, little-endian; argv[2]: BF16 and F16 bits of each, then every 16-bit
               pattern widened from BF16 and from F16. */
            int main(int argc, char** argv) {
                if (argc != 3) return 2;
                FILE* in = fopen(argv[1], "rb");
                FILE* out = fopen(argv[2], "wb");
                if (!in || !out) return 3;
                unsigned char b[4];
                while (fread(b, 1, 4, in) == 4) {
                    unsigned int x = b[0] | (unsigned int)b[1] << 8 | (unsigned int)b[2] << 16
                                     | (unsigned int)b[3] << 24;
                    put16(out, f32_to_bf16_bits(x));
                    put16(out, f32_to_f16_bits(x));
                }
                for (unsigned int h = 0; h < 65536u; h++) {
                    put32(out, bf16_to_f32_bits((unsigned short)h));
                    put32(out, f16_to_f32_bits((unsigned short)h));
                }
                return fclose(out) == 0 && fclose(in) == 0 ? 0 : 4;
            }
            """;

    @Test
    void convertCuhMatchesDTypeBitForBit(@TempDir Path dir) throws Exception {
        String cc = cCompiler();
        Assumptions.assumeTrue(cc != null, "no C compiler ($CC, cc, gcc or clang) to build kernels/cuda/convert.cuh "
                + "for the host");
        Path source = dir.resolve("convert_host.c");
        Path exe = dir.resolve("convert_host");
        Files.writeString(source, HARNESS);
        run(List.of(cc, "-std=c99", "-O2", "-Wall", "-Wextra", "-I", KERNELS.toAbsolutePath().toString(), "-o",
                exe.toString(), source.toString()), "compiling convert.cuh with " + cc);

        int[] inputs = inputs();
        ByteBuffer in = ByteBuffer.allocate(4 * inputs.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : inputs) {
            in.putInt(x);
        }
        Path inFile = dir.resolve("in.bin");
        Path outFile = dir.resolve("out.bin");
        Files.write(inFile, in.array());
        run(List.of(exe.toString(), inFile.toString(), outFile.toString()), "running the host build of convert.cuh");

        ByteBuffer out = ByteBuffer.wrap(Files.readAllBytes(outFile)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(4L * inputs.length + 8L * 65536, out.capacity(), "output size of the host build");
        List<String> wrong = new ArrayList<>();
        for (int x : inputs) {
            float f = Float.intBitsToFloat(x);
            compare(wrong, "f32_to_bf16_bits", x, out.getShort() & 0xFFFF, DType.floatToBf16(f) & 0xFFFF, 4);
            compare(wrong, "f32_to_f16_bits", x, out.getShort() & 0xFFFF, DType.floatToF16(f) & 0xFFFF, 4);
        }
        for (int h = 0; h < 65536; h++) {
            short bits = (short) h;
            compare(wrong, "bf16_to_f32_bits", h, out.getInt(), Float.floatToRawIntBits(DType.bf16ToFloat(bits)), 8);
            compare(wrong, "f16_to_f32_bits", h, out.getInt(), Float.floatToRawIntBits(DType.f16ToFloat(bits)), 8);
        }
        assertEquals(List.of(), wrong, "kernels/cuda/convert.cuh differs from DType (first differences shown)");
    }

    /** Each upper half with each of {@link #LOWER}, then random bits. */
    private static int[] inputs() {
        int[] x = new int[65536 * LOWER.length + 100_000];
        int i = 0;
        for (int upper = 0; upper < 65536; upper++) {
            for (int lower : LOWER) {
                x[i++] = upper << 16 | lower;
            }
        }
        Random rnd = new Random(16);
        while (i < x.length) {
            x[i++] = rnd.nextInt();
        }
        return x;
    }

    private static void compare(List<String> wrong, String fn, int in, int got, int want, int hexDigits) {
        if (got != want && wrong.size() < 12) {
            String f = "0x%0" + hexDigits + "X";
            wrong.add(String.format("%s(0x%08X) = " + f + ", DType gives " + f, fn, in, got, want));
        }
    }

    private static void run(List<String> command, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        String log = new String(p.getInputStream().readAllBytes());
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done && p.exitValue() == 0, what + " failed (" + (done ? "exit " + p.exitValue() : "timed out")
                + "): " + String.join(" ", command) + "\n" + log);
    }

    /** {@code $CC}, else the first of cc, gcc, clang that answers {@code --version}; null if none does. */
    private static String cCompiler() {
        List<String> candidates = new ArrayList<>();
        String env = System.getenv("CC");
        if (env != null && !env.isBlank()) {
            candidates.add(env.strip());
        }
        candidates.addAll(List.of("cc", "gcc", "clang"));
        for (String cc : candidates) {
            try {
                Process p = new ProcessBuilder(cc, "--version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return cc;
                }
                p.destroyForcibly();
            } catch (IOException e) {
                // not installed; try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }
}
