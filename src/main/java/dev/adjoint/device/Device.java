package dev.adjoint.device;

/**
 * The device contract: memory plus the small, fixed set of primitives everything above is
 * written in. A backend implements exactly this interface; nothing above {@code device/} knows
 * which backend runs.
 *
 * <p>Conventions, for every method:
 * <ul>
 *   <li>Buffers hold float32; lengths, offsets and strides count floats.</li>
 *   <li>Matrices are row-major; {@code ld*} is the distance between the starts of two rows.</li>
 *   <li>Strided inputs describe a view {@code element(idx) = buffer[offset + Σ idx[d]·strides[d]]}
 *       over {@code shape}; a stride of 0 broadcasts. Outputs are contiguous row-major over
 *       {@code shape} at their offset.</li>
 *   <li>An output may be the same memory as an input only when both are contiguous over the same
 *       elements (in-place updates); any other overlap is undefined.</li>
 *   <li>Work may run asynchronously; {@link #download} and {@link #synchronize} wait for it.</li>
 *   <li>Every backend checks the arguments of every primitive on entry, before it touches
 *       memory, with {@link DeviceChecks}: sizes non-negative, leading dimensions wide enough,
 *       and every float the call reads or writes inside its buffer (and inside the Java array of
 *       a transfer). A bad call throws {@link IllegalArgumentException} naming the primitive and
 *       the numbers, and changes nothing. Backends also check that buffers belong to them. The
 *       tensor front end checks shapes before this, with messages in the user's terms.</li>
 *   <li>Threads: a device takes calls from any number of threads at once, and each call is
 *       atomic with respect to the others (the CPU device runs one call at a time, OpenCL
 *       serializes every call on its queue, CUDA queues calls on its one stream): of two calls
 *       on different threads that touch the same memory, one of them writing, the reader sees
 *       the old values or the new ones, whole, never a mix. A buffer must stay
 *       open while a call that uses it runs (the tensor front end holds its tensors' buffers for
 *       the call). Once {@link #close}d, a device refuses every call.</li>
 * </ul>
 */
public interface Device extends AutoCloseable {

    /** Short name, as selected: {@code cpu}, {@code cuda:0}, {@code opencl:0}. */
    String name();

    /** One human line: model, memory, compute units, the implementation of GEMM. */
    String description();

    // ------------------------------------------------------------------ memory

    /** Uninitialised memory for {@code length} floats. */
    default Buffer allocate(long length) {
        return allocate(length, DType.F32);
    }

    /**
     * Uninitialised memory for {@code length} elements of {@code dtype}. Every primitive computes in
     * float32 and takes F32 buffers, except {@link #convert}, {@link #copy} (of one dtype) and the A
     * and B operands of {@link #gemm}.
     */
    Buffer allocate(long length, DType dtype);

    void upload(float[] src, int srcOffset, Buffer dst, long dstOffset, int length);

    void download(Buffer src, long srcOffset, float[] dst, int dstOffset, int length);

    void fill(Buffer dst, long offset, long length, float value);

    /** Copies within this device, between buffers of one dtype; the ranges must not overlap. */
    void copy(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length);

    /**
     * Converts {@code length} elements of {@code src} to {@code dst}'s dtype: float32 to BF16 or F16
     * rounds to nearest, ties to even, and BF16 or F16 to float32 is exact, bit for bit as
     * {@link DType}'s host conversions on every backend (NaNs included); between buffers of one
     * dtype it copies. BF16 to F16 and back is refused: convert through F32. The ranges must not overlap.
     */
    void convert(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length);

    /** Fills with samples from {@code dist} as defined by {@link CounterRandom}. */
    void random(Buffer dst, long offset, long length, Distribution dist, float a, float b, long seed);

    /** Waits until all work queued on this device has finished. */
    void synchronize();

    // ------------------------------------------------------------------ compute

    /**
     * {@code C = alpha·op(A)·op(B) + beta·C}, where op(A) is m×k and op(B) is k×n, row-major.
     * With {@code transA} the stored A is k×m; with {@code transB} the stored B is n×k.
     * Leading dimensions are at least the stored column count (lda ≥ k, or m with transA;
     * ldb ≥ n, or k with transB; ldc ≥ n). C is F32; A and B are F32, or both BF16 or both F16
     * (mixed precision: each product of two 16-bit values is exact in float32, and the sums are
     * accumulated in float32). Edge cases, as BLAS:
     * <ul>
     *   <li>{@code beta == 0}: C is not read (NaNs in it do not propagate); it is overwritten.</li>
     *   <li>{@code m == 0} or {@code n == 0}: nothing happens; C is not touched.</li>
     *   <li>{@code k == 0} or {@code alpha == 0}: {@code C = beta·C} (zeros when beta is 0), and
     *       A and B are not read, so NaN or infinity in them does not reach C (BLAS allows an
     *       implementation to skip them; here every backend must).</li>
     * </ul>
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              Buffer a, long aOffset, int lda,
              Buffer b, long bOffset, int ldb,
              float beta, Buffer c, long cOffset, int ldc);

    /** {@code out = op(x; p)} elementwise over {@code shape}, x strided, out contiguous. */
    void unary(UnaryOp op, float p, int[] shape,
               Buffer x, long xOffset, long[] xStrides,
               Buffer out, long outOffset);

    /** {@code out = op(a, b; p)} elementwise over {@code shape}; a and b strided (0 broadcasts). */
    void binary(BinaryOp op, float p, int[] shape,
                Buffer a, long aOffset, long[] aStrides,
                Buffer b, long bOffset, long[] bStrides,
                Buffer out, long outOffset);

    /**
     * Reduces the middle axis of the contiguous block x[outer][n][inner] into out[outer][inner].
     * {@code n} is at least 1.
     */
    void reduce(ReduceOp op, int outer, int n, int inner,
                Buffer x, long xOffset, Buffer out, long outOffset);

    /** Row-wise softmax (or log-softmax) of a contiguous rows×cols block, numerically stable. */
    void softmax(boolean log, int rows, int cols, Buffer x, long xOffset, Buffer out, long outOffset);

    /**
     * Gradient of {@link #softmax}: from its output y and the upstream gradient gy,
     * {@code gx = y·(gy − Σ gy·y)} for softmax, {@code gx = gy − exp(y)·Σ gy} for log-softmax.
     */
    void softmaxBackward(boolean log, int rows, int cols,
                         Buffer y, long yOffset, Buffer gy, long gyOffset,
                         Buffer gx, long gxOffset);

    /**
     * Fused softmax cross-entropy over rows×cols logits with integer class targets stored as floats:
     * {@code loss[r] = logsumexp(x[r]) − x[r][t[r]]}, and the row probabilities are saved in
     * {@code probs} for the backward. Targets must lie in [0, cols).
     */
    void crossEntropy(int rows, int cols, Buffer logits, long logitsOffset,
                      Buffer targets, long targetsOffset,
                      Buffer loss, long lossOffset, Buffer probs, long probsOffset);

    /**
     * Backward of {@link #crossEntropy}: {@code gx[r][c] = (probs[r][c] − [c == t[r]])·g[r]}, where
     * the upstream gradient of row r is {@code gLoss[gLossOffset + r·gLossStride]} (stride 0: one
     * value for all rows, e.g. the 1/rows of a mean).
     */
    void crossEntropyBackward(int rows, int cols, Buffer probs, long probsOffset,
                              Buffer targets, long targetsOffset,
                              Buffer gLoss, long gLossOffset, long gLossStride,
                              Buffer gx, long gxOffset);

    /**
     * Gathers the windows of {@code x}, a contiguous {@code [n, c, h, w]} block, into the columns
     * {@code [c·kh·kw, n·outH·outW]} as {@link Window} lays them out (im2col); a tap outside the image
     * reads {@code fill} (0 for convolution, −∞ for max pooling).
     */
    void im2col(Window window, float fill, Buffer x, long xOffset, Buffer cols, long colsOffset);

    /**
     * The adjoint of {@link #im2col} (col2im): overwrites the image block {@code x} with, for each
     * element, the sum of the column entries whose tap read it (0 for an element no window reads),
     * added in tap order (ki, then kj, ascending) on every backend, so results do not depend on threads.
     */
    void col2im(Window window, Buffer cols, long colsOffset, Buffer x, long xOffset);

    /**
     * Floats of workspace {@link #conv}, {@link #convBackwardInput} and {@link #convBackwardWeight} need for these
     * windows and {@code out} channels: by default the columns of {@link #im2col} ({@link Window#columns}) and the
     * product {@code [out, n·outH·outW]}; 0 for a backend that lays neither out.
     */
    default long convWorkspace(Window window, int out) {
        return Math.addExact(window.columns(), Math.multiplyExact((long) out, window.positions()));
    }

    /**
     * Convolution (cross-correlation, one group) of the contiguous image block {@code x [n, c, h, w]} with
     * {@code weight [out, c·kh·kw]}, plus {@code bias [out]} where one is given (else null): overwrites
     * {@code y [n, out, outH, outW]} with, per image, the weight times the image's columns ({@link #im2col}), then
     * the channel's bias added to the sum (the one rounding a separate add would make). {@code work} holds {@link
     * #convWorkspace} floats. By default the columns of the batch are laid out in it, one GEMM gives
     * {@code [out, n·outH·outW]}, and a copy, or the add of the bias, reorders it; every element is a sum over the
     * taps.
     */
    default void conv(Window window, int out, Buffer weight, long weightOffset, Buffer x, long xOffset, Buffer bias,
                      long biasOffset, Buffer y, long yOffset, Buffer work, long workOffset) {
        DeviceChecks.conv("conv", window, out, weight, weightOffset, x, xOffset, y, yOffset, work, workOffset,
                this);
        DeviceChecks.convBias(out, bias, biasOffset);
        int taps = Math.toIntExact(window.taps());
        int all = Math.toIntExact(window.positions());
        if (out == 0 || all == 0) {
            return;
        }
        long product = workOffset + window.columns();
        im2col(window, 0f, x, xOffset, work, workOffset);
        gemm(false, false, out, all, taps, 1f, weight, weightOffset, taps, work, workOffset, all, 0f, work, product,
                all);
        int p = window.outH() * window.outW();
        int[] shape = {window.n(), out, p};
        long[] columns = {p, all, 1};
        if (bias == null) {
            unary(UnaryOp.COPY, 0f, shape, work, product, columns, y, yOffset);
        } else {
            binary(BinaryOp.ADD, 0f, shape, work, product, columns, bias, biasOffset, new long[] {0, 1, 0}, y, yOffset);
        }
    }

    /**
     * {@link #conv}'s gradient with respect to the image: overwrites {@code gx [n, c, h, w]} with, per image, the
     * columns {@code weightᵀ · gy} summed back into it ({@link #col2im}), from {@code gy [n, out, outH, outW]}.
     */
    default void convBackwardInput(Window window, int out, Buffer weight, long weightOffset, Buffer gy,
                                   long gyOffset, Buffer gx, long gxOffset, Buffer work, long workOffset) {
        DeviceChecks.conv("convBackwardInput", window, out, weight, weightOffset, gx, gxOffset, gy, gyOffset, work,
                workOffset, this);
        int taps = Math.toIntExact(window.taps());
        int all = Math.toIntExact(window.positions());
        if (out == 0 || all == 0) {
            fill(gx, gxOffset, window.imageSize(), 0f);
            return;
        }
        long product = workOffset + window.columns();
        reorder(window, out, gy, gyOffset, work, product);
        gemm(true, false, taps, all, out, 1f, weight, weightOffset, taps, work, product, all, 0f, work, workOffset,
                all);
        col2im(window, work, workOffset, gx, gxOffset);
    }

    /**
     * {@link #conv}'s gradient with respect to the weight: overwrites {@code gw [out, c·kh·kw]} with the sum over
     * the images and positions of {@code gy} times the taps.
     */
    default void convBackwardWeight(Window window, int out, Buffer gy, long gyOffset, Buffer x, long xOffset,
                                    Buffer gw, long gwOffset, Buffer work, long workOffset) {
        DeviceChecks.conv("convBackwardWeight", window, out, gw, gwOffset, x, xOffset, gy, gyOffset, work,
                workOffset, this);
        int taps = Math.toIntExact(window.taps());
        int all = Math.toIntExact(window.positions());
        if (out == 0 || all == 0) {
            fill(gw, gwOffset, (long) out * taps, 0f);
            return;
        }
        long product = workOffset + window.columns();
        reorder(window, out, gy, gyOffset, work, product);
        im2col(window, 0f, x, xOffset, work, workOffset);
        gemm(false, true, out, taps, all, 1f, work, product, all, work, workOffset, all, 0f, gw, gwOffset, taps);
    }

    /** {@code gy [n, out, outH·outW]} copied to {@code [out, n·outH·outW]} at {@code at}, for a GEMM over the batch. */
    private void reorder(Window window, int out, Buffer gy, long gyOffset, Buffer work, long at) {
        int p = window.outH() * window.outW();
        unary(UnaryOp.COPY, 0f, new int[] {out, window.n(), p}, gy, gyOffset, new long[] {p, (long) out * p, 1}, work,
                at);
    }

    /**
     * Max pooling over the windows of the contiguous image block {@code x}: {@code out [n, c, outH, outW]} holds
     * each window's largest tap (a tap outside the image never wins), and {@code argmax} (same shape) the tap
     * holding it, {@code ki·kw + kj}, as a float, by PyTorch's rule: the first of equal taps; a NaN wins, the last
     * NaN if several. A window wholly outside the image gives −∞ and tap 0.
     */
    void maxPool(Window window, Buffer x, long xOffset, Buffer out, long outOffset, Buffer argmax, long argmaxOffset);

    /**
     * {@link #maxPool}'s gradient: overwrites {@code gx} (the image block) with, for each element, the sum of
     * {@code gy} over the windows whose arg-max tap read it (0 where none did), added in tap order as
     * {@link #col2im}'s. An arg-max that is not a tap of the window (not a whole number in [0, kh·kw)) sends its
     * gradient nowhere.
     */
    void maxPoolBackward(Window window, Buffer gy, long gyOffset, Buffer argmax, long argmaxOffset, Buffer gx,
                         long gxOffset);

    /**
     * Picks along the middle axis of the contiguous block x[outer][n][inner] by an index view:
     * {@code out[o][j][i] = x[o][index(o, j, i)][i]} for out [outer][m][inner] contiguous, where
     * {@code index(o, j, i) = index[indexOffset + o·s[0] + j·s[1] + i·s[2]]} with the three
     * {@code indexStrides} s (0 broadcasts: s = {0, 1, 0} picks whole slices, as index_select). An
     * index is a float holding a whole number in [0, n); any other value is never used as an address:
     * the CPU throws {@link IndexException} before writing, a GPU writes NaN to that output element.
     */
    void gather(int outer, int n, int inner, int m, Buffer x, long xOffset,
                Buffer index, long indexOffset, long[] indexStrides, Buffer out, long outOffset);

    /**
     * Adds src [outer][m][inner] (contiguous) into out [outer][n][inner] (contiguous, in place) at
     * the rows the index view names, as {@link #gather}'s: {@code out[o][index(o, j, i)][i] += src[o][j][i]}.
     * Deterministic: each output element receives its sources in order of j, one after the other (no
     * atomics), so every run, and every backend, adds in the same order. A bad index is never used as
     * an address: the CPU throws {@link IndexException} before writing anything, a GPU writes NaN over
     * the whole fiber out[o][·][i] of the bad index.
     */
    void scatterAdd(int outer, int n, int inner, int m, Buffer index, long indexOffset, long[] indexStrides,
                    Buffer src, long srcOffset, Buffer out, long outOffset);

    /**
     * {@code out = cond ≠ 0 ? a : b} elementwise over {@code shape}, cond, a and b strided (0
     * broadcasts): a pick, never arithmetic, so a NaN or infinity in the side not picked never reaches
     * out. A NaN condition counts as nonzero.
     */
    void select(int[] shape, Buffer cond, long condOffset, long[] condStrides,
                Buffer a, long aOffset, long[] aStrides, Buffer b, long bOffset, long[] bStrides,
                Buffer out, long outOffset);

    /**
     * In-place SGD over {@code length} elements at {@code offset} of param, grad and velocity
     * (PyTorch's semantics): {@code g = grad + wd·param; v = momentum·v + (1−dampening)·g}
     * (v = g on the first step, {@code firstStep}); {@code step = nesterov ? g + momentum·v : v};
     * {@code param −= lr·step}. With momentum 0 the velocity is not touched (it may be null).
     */
    void sgdStep(Buffer param, Buffer grad, Buffer velocity, long offset, long length,
                 float lr, float momentum, float dampening, float weightDecay,
                 boolean nesterov, boolean firstStep);

    /**
     * In-place Adam / AdamW over {@code length} elements at {@code offset} (PyTorch's semantics),
     * {@code step} counting from 1. Adam adds {@code wd·param} to the gradient; AdamW
     * ({@code decoupled}) multiplies param by {@code 1 − lr·wd} first.
     */
    void adamStep(Buffer param, Buffer grad, Buffer m, Buffer v, long offset, long length,
                  float lr, float beta1, float beta2, float eps, float weightDecay,
                  boolean decoupled, long step);

    /**
     * Frees everything this device allocated and its context. Afterwards the device refuses every
     * call, and every op on its tensors, with {@link DeviceChecks#open}'s {@link IllegalStateException}.
     */
    @Override
    void close();

    /** Whether {@link #close} has been called. */
    boolean isClosed();

    /**
     * This device's collective engine (NCCL on CUDA) where one is installed, else null: data parallelism
     * then sums gradients through the host (MPI).
     */
    default Collectives collectives() {
        return null;
    }
}
