package dev.adjoint.device.opencl;

/**
 * Tile parameters of the tiled GEMM kernels (see {@code kernels/opencl/gemm.cl}): a work-group of
 * {@code wx × wy} work-items computes a {@code (wy·tm) × (wx·tn)} block of C, stepping {@code bk}
 * along k, each work-item a {@code tm × tn} register block held in {@code vw}-wide vectors.
 */
record GemmConfig(String kind, int tm, int tn, int vw, int wx, int wy, int bk) {

    GemmConfig {
        if (tn % vw != 0 || (vw != 4 && vw != 8)) {
            throw new IllegalArgumentException("gemm tile: tn (" + tn + ") must be a multiple of vw (4 or 8, got " + vw + ")");
        }
    }

    /**
     * GPUs: 16×16 work-items of 8×8 outputs (128×128 blocks, float4), the classic shape for
     * register-blocked SGEMM. CPUs (PoCL): few work-items with a wide register block in float8 —
     * PoCL runs a work-group's work-items in a loop on one core, so the explicit vectors are what
     * reaches the SIMD units (see bench/NOTES-opencl.md for the measurements behind these numbers).
     */
    static GemmConfig forDevice(ClPlatforms.DeviceInfo info) {
        return info.isGpu() ? new GemmConfig("gpu", 8, 8, 4, 16, 16, 16) : new GemmConfig("cpu", 8, 8, 8, 8, 8, 64);
    }

    int blockM() {
        return wy * tm;
    }

    int blockN() {
        return wx * tn;
    }

    String defines() {
        return "-DTM=" + tm + " -DTN=" + tn + " -DVW=" + vw + " -DWX=" + wx + " -DWY=" + wy + " -DBK=" + bk;
    }

    String describe() {
        return "tiled " + blockM() + "x" + blockN() + "x" + bk + ", " + tm + "x" + tn + " per work-item (float" + vw
                + "), work-group " + wx + "x" + wy + " [" + kind + "]";
    }
}
