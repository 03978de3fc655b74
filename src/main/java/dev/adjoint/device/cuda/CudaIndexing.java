package dev.adjoint.device.cuda;

/**
 * Launchers for {@code kernels/cuda/indexing.cu}. Indices are checked by the kernels where they read
 * them: a bad one is never an address, and gives NaN (the element for gather, the fiber for
 * scatter_add), as cross_entropy's kernels do for a bad target; the tensor front end names it in
 * anomaly mode. Addresses passed here already include the offsets.
 */
final class CudaIndexing {
    private final CudaKernels kernels;

    CudaIndexing(CudaKernels kernels) {
        this.kernels = kernels;
    }

    void gather(int outer, int n, int inner, int m, long x, long index, long[] s, long out) {
        long count = (long) outer * m * inner;
        if (count > 0) {
            kernels.launch("indexing", "gather_forward", kernels.gridFor(count), outer, n, inner, m, x, index, s[0],
                    s[1], s[2], out);
        }
    }

    void scatterAdd(int outer, int n, int inner, int m, long index, long[] s, long src, long out) {
        long fibers = (long) outer * inner;
        if (fibers > 0 && m > 0) {
            kernels.launch("indexing", "scatter_add_forward", kernels.gridFor(fibers), outer, n, inner, m, index, s[0],
                    s[1], s[2], src, out);
        }
    }

    void select(int[] shape, long c, long[] cs, long a, long[] as, long b, long[] bs, long out) {
        CudaElementwise.Layout l = CudaElementwise.Layout.of(shape, cs, as, bs);
        if (l.count() == 0) {
            return;
        }
        int blocks = kernels.gridFor(l.count());
        if (l.contiguous()) {
            kernels.launch("indexing", "select_forward", blocks, l.count(), c, a, b, out);
        } else {
            kernels.launch("indexing", "select_strided_forward", blocks, l.count(), c, a, b, l.pack("select"), out);
        }
    }
}
