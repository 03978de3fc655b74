package dev.adjoint.device.opencl;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tile parameters of the tiled GEMM kernels (see {@code kernels/opencl/gemm.cl}): a work-group of
 * {@code wx × wy} work-items computes a {@code (wy·tm) × (wx·tn)} block of C, stepping {@code bk}
 * along k, each work-item a {@code tm × tn} register block held in {@code vw}-wide vectors.
 * {@code version} picks the kernel: 1 (register block in one piece, single-buffered tiles; CPUs) or
 * 2 (float4 sub-blocks strided across the group, double-buffered tiles padded by {@code pad}; GPUs).
 */
record GemmConfig(String kind, int version, int tm, int tn, int vw, int wx, int wy, int bk, int pad) {
    /** System property naming one of {@link #NAMED} to use on every OpenCL device (for benchmarks). */
    static final String PROPERTY = "adjoint.opencl.gemm";

    /** The CPU configuration (PoCL); see bench/NOTES-opencl.md for the measurements behind it. */
    static final GemmConfig CPU = new GemmConfig("cpu", 1, 8, 8, 8, 8, 8, 64, 0);

    /** Configurations by name: the CPU one, the first GPU one ("gpu1", version 1) and the version-2 variants. */
    static final Map<String, GemmConfig> NAMED = named(
            CPU,
            new GemmConfig("gpu1", 1, 8, 8, 4, 16, 16, 16, 0),
            new GemmConfig("v2-128x128k16", 2, 8, 8, 4, 16, 16, 16, 4),
            new GemmConfig("v2-128x128k8", 2, 8, 8, 4, 16, 16, 8, 4),
            new GemmConfig("v2-128x128k16-8x16", 2, 8, 16, 4, 8, 16, 16, 4),
            new GemmConfig("v2-64x128k16", 2, 4, 8, 4, 16, 16, 16, 4),
            new GemmConfig("v2-128x128k16-nopad", 2, 8, 8, 4, 16, 16, 16, 0),
            new GemmConfig("v2-128x256k8-8x16", 2, 8, 16, 4, 16, 16, 8, 4));

    /**
     * The GPU default: the fastest at 4096³ on an H100 through NVIDIA's OpenCL (42.3 TFLOP/s, 82% of
     * cuBLAS in the same run; gpu1 13.5), bench/results/opencl-nvidia-h100-gemm-tuning.json.
     */
    static final GemmConfig GPU = NAMED.get("v2-128x128k8");

    GemmConfig {
        if (version == 1 && (tn % vw != 0 || (vw != 4 && vw != 8))) {
            throw new IllegalArgumentException("gemm tile: tn (" + tn + ") must be a multiple of vw (4 or 8, got " + vw + ")");
        }
        if (version == 2 && (vw != 4 || tm % 4 != 0 || tn % 4 != 0 || bk % 4 != 0 || pad % 4 != 0
                || wy * tm * bk % (4 * wx * wy) != 0 || wx * tn * bk % (4 * wx * wy) != 0)) {
            throw new IllegalArgumentException("gemm tile " + kind + ": version 2 needs float4, tm, tn, bk and pad multiples"
                    + " of 4, and each tile a whole number of float4s per work-item");
        }
    }

    /**
     * The property's configuration if it is set, else GPUs: {@link #GPU}, CPUs (PoCL): {@link #CPU} —
     * few work-items with a wide register block in float8, since PoCL runs a work-group's
     * work-items in a loop on one core and the explicit vectors are what reaches the SIMD units.
     */
    static GemmConfig forDevice(ClPlatforms.DeviceInfo info) {
        String name = System.getProperty(PROPERTY, "").trim();
        return name.isEmpty() ? (info.isGpu() ? GPU : CPU) : named(name);
    }

    static GemmConfig named(String name) {
        GemmConfig c = NAMED.get(name);
        if (c == null) {
            throw new IllegalArgumentException("opencl: no GEMM configuration named '" + name + "' (" + PROPERTY
                    + "); known: " + String.join(", ", NAMED.keySet()));
        }
        return c;
    }

    private static Map<String, GemmConfig> named(GemmConfig... configs) {
        Map<String, GemmConfig> m = new LinkedHashMap<>();
        for (GemmConfig c : configs) {
            m.put(c.kind, c);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    int blockM() {
        return wy * tm;
    }

    int blockN() {
        return wx * tn;
    }

    String defines() {
        return "-DGEMM_KERNEL=" + version + " -DTM=" + tm + " -DTN=" + tn + " -DVW=" + vw + " -DWX=" + wx + " -DWY=" + wy
                + " -DBK=" + bk + " -DPAD=" + pad;
    }

    String describe() {
        return "tiled v" + version + " " + blockM() + "x" + blockN() + "x" + bk + ", " + tm + "x" + tn + " per work-item (float"
                + vw + ")" + (version == 2 ? ", double-buffered, pad " + pad : "") + ", work-group " + wx + "x" + wy
                + " [" + kind + "]";
    }
}
