package dev.adjoint.device.cpu;

import dev.adjoint.device.Host;


/**
 * The vector width of the CPU backend, chosen once per process: the GEMM kernel, its packing and the
 * Vector API elementwise kernels all use the one species of {@link CpuSpecies}. By default it is the
 * JVM's preferred width, which HotSpot derives from the hardware (512 bits with AVX-512, 256 with
 * AVX2, 128 with NEON or SSE) and caps at {@code -XX:MaxVectorSize}; the loops C2 vectorizes by itself
 * (reductions, optimizer steps, most elementwise ops) use that same width. The system property
 * {@value #PROPERTY} (128, 256 or 512) forces a width, so every path can be tested on any host; with
 * {@code -XX:MaxVectorSize} set to the same number of bytes the automatic loops follow it too (the
 * surefire executions and {@code ./adjoint} set both).
 *
 * <p>Why one width a process: code paths of the Vector API shared by two species get a polluted type
 * profile, C2 then fails to intrinsify them and the FMAs run boxed, 20x slower (measured with a
 * 128-bit copy in the GEMM's packing, bench/NOTES-gemm.md). Reading a static final species that is
 * decided before any kernel class loads makes a second species impossible.
 *
 * <p>A width wider than the hardware's is honoured (the Vector API then runs its Java fallback, about
 * 100x slower) with a warning; it exists for tests.
 */
public final class CpuVectors {
    public static final String PROPERTY = "adjoint.cpu.vectorBits";
    private static final String MODULE = "jdk.incubator.vector";
    /** The refusal of a bad {@value #PROPERTY}, or null: kept, not thrown, so class loading never fails. */
    private static final String REFUSED;
    private static final Choice CHOICE;

    static {
        String requested = System.getProperty(PROPERTY);
        Choice c;
        String refused = null;
        try {
            c = choose(requested);
        } catch (IllegalArgumentException e) {
            refused = e.getMessage();
            c = new Choice(0, 0, true, refused);
        }
        REFUSED = refused;
        CHOICE = c;
    }

    private CpuVectors() {}

    /**
     * What was chosen. {@code bits} is 0 when the Vector API is not in use; {@code jvmBits} is the
     * JVM's preferred width (0 when the module is absent); {@code forced} when {@value #PROPERTY} chose.
     */
    public record Choice(int bits, int jvmBits, boolean forced, String why) {
        public boolean vectorized() {
            return bits > 0;
        }
    }

    /**
     * Throws the refusal of a bad {@value #PROPERTY} (e.g. 300), naming it; the CPU device calls this
     * before it opens, and the backend reports itself unavailable with the same words.
     */
    public static void check() {
        if (REFUSED != null) {
            throw new IllegalArgumentException(REFUSED);
        }
    }

    /** The refusal of a bad {@value #PROPERTY}, or null when the width was chosen. */
    static String refused() {
        return REFUSED;
    }

    /** Whether the CPU kernels use the Vector API (the module is present and the width is at least 128 bits). */
    public static boolean available() {
        return CHOICE.vectorized();
    }

    /** The width, in bits, of every Vector API kernel of this process; 0 when none is used. */
    public static int bits() {
        return CHOICE.bits();
    }

    public static Choice choice() {
        return CHOICE;
    }

    /**
     * One line for {@code adjoint devices} and result files, e.g. "512-bit (the JVM's preferred 512-bit;
     * CPU: avx512f avx2 fma)". The JVM's preferred width follows the hardware unless
     * {@code -XX:MaxVectorSize} lowers it.
     */
    public static String describe() {
        if (REFUSED != null) {
            return "none chosen: " + REFUSED;
        }
        String ext = String.join(" ", Host.vectorExtensions());
        String jvm = (CHOICE.jvmBits() > 0 ? "the JVM's preferred " + CHOICE.jvmBits() + "-bit" : "no Vector API")
                + (ext.isEmpty() ? "" : "; CPU: " + ext);
        if (!CHOICE.vectorized()) {
            return "scalar (" + CHOICE.why() + "; " + jvm + ")";
        }
        int auto = Host.autoVectorBits();
        return CHOICE.bits() + "-bit" + (CHOICE.forced() ? ", forced by -D" + PROPERTY : "") + " (" + jvm + ")"
                + (auto > 0 && auto != CHOICE.bits() ? "; C2's own loops at " + auto + "-bit (-XX:MaxVectorSize)" : "");
    }

    /** The chosen width for a requested value (null: none), with the JVM's preferred width. */
    static Choice choose(String requested) {
        System.Logger log = System.getLogger(CpuVectors.class.getName());
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            log.log(System.Logger.Level.WARNING, "the Vector API is not enabled, so the CPU GEMM runs"
                    + " scalar Java code, about 10x slower; run java with --add-modules " + MODULE);
            return new Choice(0, 0, false, "the module " + MODULE + " is not enabled");
        }
        int jvm = Preferred.bits();
        if (requested == null || requested.isBlank()) {
            if (jvm < 128) {
                log.log(System.Logger.Level.WARNING, "this CPU has no 128-bit float vectors; the CPU kernels"
                        + " run scalar Java code");
                return new Choice(0, jvm, false, "no 128-bit float vectors");
            }
            return new Choice(Math.min(jvm, 512), jvm, false, "the JVM's preferred width");
        }
        int bits = parse(requested);
        if (bits > jvm) {
            log.log(System.Logger.Level.WARNING, "-D" + PROPERTY + "=" + bits + " is wider than this JVM's "
                    + jvm + "-bit vectors: the CPU kernels run the Vector API's Java fallback, very slowly");
        }
        return new Choice(bits, jvm, true, "-D" + PROPERTY + "=" + requested.trim());
    }

    static int parse(String requested) {
        String v = requested.trim();
        if (v.equals("128") || v.equals("256") || v.equals("512")) {
            return Integer.parseInt(v);
        }
        throw new IllegalArgumentException("-D" + PROPERTY + "=" + requested + ": the CPU vector width must be"
                + " 128, 256 or 512 (bits)");
    }

    /** Touches {@code jdk.incubator.vector}: loaded only once the module is known to be present. */
    private static final class Preferred {
        static int bits() {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        }
    }
}
