package dev.adjoint.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The op codes kernels switch on, rendered from the Java enums as C preprocessor definitions
 * ({@code #define UNARY_SIGMOID 16}): a kernel names an op ({@code case UNARY_SIGMOID:}) and its
 * number is the enum constant's ordinal, which is what the launchers pass. No kernel holds a copied
 * number, so inserting or reordering an enum constant cannot silently remap an op on a device.
 *
 * <p>OpenCL builds its programs at run time and puts {@link #header()} in front of each source.
 * CUDA's PTX is built ahead of time by nvcc, so {@code kernels/cuda/op_codes.cuh} is this header,
 * committed, and every PTX carries its {@link #fingerprint()}; tests fail when the header or a PTX
 * is stale. {@code native/build-ptx.sh} regenerates both (it runs {@link #main} from source).
 */
public final class KernelOpCodes {
    /** An enum whose ordinals cross into kernels, and the prefix of its constants' names there. */
    public record Family(String prefix, List<? extends Enum<?>> constants) {}

    /** Every enum a launcher passes to a kernel by ordinal. */
    public static final List<Family> FAMILIES = List.of(
            new Family("UNARY", List.of(UnaryOp.values())),
            new Family("BINARY", List.of(BinaryOp.values())),
            new Family("REDUCE", List.of(ReduceOp.values())),
            new Family("DIST", List.of(Distribution.values())));

    private KernelOpCodes() {}

    /** The name of an op code in kernel source: {@code UNARY_SIGMOID} for {@link UnaryOp#SIGMOID}. */
    public static String name(Family family, Enum<?> constant) {
        return family.prefix() + "_" + constant.name();
    }

    /** One {@code #define NAME ordinal} line per constant of every family, grouped by family. */
    static String definitions() {
        StringBuilder sb = new StringBuilder();
        for (Family f : FAMILIES) {
            sb.append("\n// dev.adjoint.device.").append(f.constants().getFirst().getDeclaringClass().getSimpleName())
                    .append('\n');
            for (Enum<?> c : f.constants()) {
                sb.append("#define ").append(name(f, c)).append(' ').append(c.ordinal()).append('\n');
            }
        }
        return sb.toString();
    }

    /** CRC-32 of {@link #definitions()}: which op codes a compiled kernel was built with. */
    public static long fingerprint() {
        CRC32 crc = new CRC32();
        crc.update(definitions().getBytes(StandardCharsets.US_ASCII));
        return crc.getValue();
    }

    /** The header, for C (CUDA) and OpenCL C alike: include-guarded, so including it twice is harmless. */
    public static String header() {
        return "// Generated from the Java enums by dev.adjoint.device.KernelOpCodes: do not edit. After changing\n"
                + "// an enum, run native/build-ptx.sh (it rewrites this file, then the PTX) and commit both.\n"
                + "#ifndef ADJOINT_OP_CODES\n"
                + "#define ADJOINT_OP_CODES\n"
                + definitions()
                + "\n// CRC-32 of the definitions above; each PTX carries it (KernelOpCodesTest checks).\n"
                + "#define OP_CODES_FINGERPRINT " + fingerprint() + "u\n"
                + "#endif\n";
    }

    /**
     * Writes {@link #header()} to the file named by the one argument (the build of CUDA's PTX runs
     * this from source: {@code java src/main/java/dev/adjoint/device/KernelOpCodes.java FILE}).
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: KernelOpCodes OUTPUT_FILE (e.g. kernels/cuda/op_codes.cuh)");
        }
        Files.writeString(Path.of(args[0]), header(), StandardCharsets.US_ASCII);
    }
}
