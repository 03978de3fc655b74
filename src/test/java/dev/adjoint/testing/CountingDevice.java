package dev.adjoint.testing;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import dev.adjoint.device.Distribution;
import dev.adjoint.device.ReduceOp;
import dev.adjoint.device.UnaryOp;
import dev.adjoint.device.Window;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A device that delegates everything and counts the bytes allocated, the bytes still live (allocated
 * and not yet closed), the downloads and the fills, for memory-bound tests.
 */
public final class CountingDevice implements Device {
    private final Device inner;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong allocations = new AtomicLong();
    private final AtomicLong downloads = new AtomicLong();
    private final AtomicLong fills = new AtomicLong();
    /** Buffers handed out and not seen closed yet; closed ones are dropped as {@link #liveBytes} walks them. */
    private final Set<Buffer> handedOut = ConcurrentHashMap.newKeySet();

    public CountingDevice(Device inner) {
        this.inner = inner;
    }

    /** Bytes allocated so far (freed memory is not subtracted). */
    public long allocatedBytes() {
        return bytes.get();
    }

    public long allocations() {
        return allocations.get();
    }

    /** Bytes in buffers allocated through this device and not closed yet. */
    public long liveBytes() {
        long live = 0;
        for (var it = handedOut.iterator(); it.hasNext(); ) {
            Buffer b = it.next();
            if (b.isClosed()) {
                it.remove();
            } else {
                live += (long) b.dtype().bytes() * b.length();
            }
        }
        return live;
    }

    /** Downloads (device to host copies) so far. */
    public long downloads() {
        return downloads.get();
    }

    /** Fills (of any value) so far. */
    public long fills() {
        return fills.get();
    }

    @Override public String name() { return inner.name(); }
    @Override public String description() { return "counting " + inner.description(); }

    @Override
    public Buffer allocate(long length, DType dtype) {
        bytes.addAndGet((long) dtype.bytes() * length);
        if (allocations.incrementAndGet() % 4096 == 0) {
            liveBytes(); // drops the closed buffers, so that a long run does not hold on to them
        }
        Buffer b = inner.allocate(length, dtype);
        handedOut.add(b);
        return b;
    }

    @Override public void upload(float[] src, int so, Buffer dst, long dOff, int len) { inner.upload(src, so, dst, dOff, len); }
    @Override
    public void download(Buffer src, long so, float[] dst, int dOff, int len) {
        downloads.incrementAndGet();
        inner.download(src, so, dst, dOff, len);
    }

    @Override
    public void fill(Buffer dst, long off, long len, float v) {
        fills.incrementAndGet();
        inner.fill(dst, off, len, v);
    }
    @Override public void copy(Buffer s, long so, Buffer d, long dOff, long len) { inner.copy(s, so, d, dOff, len); }
    @Override public void convert(Buffer s, long so, Buffer d, long dOff, long len) { inner.convert(s, so, d, dOff, len); }
    @Override public void random(Buffer d, long off, long len, Distribution dist, float a, float b, long seed) {
        inner.random(d, off, len, dist, a, b, seed);
    }
    @Override public void synchronize() { inner.synchronize(); }

    @Override
    public void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, Buffer a, long ao, int lda,
                     Buffer b, long bo, int ldb, float beta, Buffer c, long co, int ldc) {
        inner.gemm(ta, tb, m, n, k, alpha, a, ao, lda, b, bo, ldb, beta, c, co, ldc);
    }

    @Override
    public void unary(UnaryOp op, float p, int[] shape, Buffer x, long xo, long[] xs, Buffer out, long oo) {
        inner.unary(op, p, shape, x, xo, xs, out, oo);
    }

    @Override
    public void binary(BinaryOp op, float p, int[] shape, Buffer a, long ao, long[] as, Buffer b, long bo, long[] bs,
                       Buffer out, long oo) {
        inner.binary(op, p, shape, a, ao, as, b, bo, bs, out, oo);
    }

    @Override
    public void reduce(ReduceOp op, int outer, int n, int inner1, Buffer x, long xo, Buffer out, long oo) {
        inner.reduce(op, outer, n, inner1, x, xo, out, oo);
    }

    @Override
    public void softmax(boolean log, int rows, int cols, Buffer x, long xo, Buffer out, long oo) {
        inner.softmax(log, rows, cols, x, xo, out, oo);
    }

    @Override
    public void softmaxBackward(boolean log, int rows, int cols, Buffer y, long yo, Buffer gy, long gyo, Buffer gx, long gxo) {
        inner.softmaxBackward(log, rows, cols, y, yo, gy, gyo, gx, gxo);
    }

    @Override
    public void im2col(Window w, float fill, Buffer x, long xo, Buffer cols, long co) {
        inner.im2col(w, fill, x, xo, cols, co);
    }

    @Override
    public void col2im(Window w, Buffer cols, long co, Buffer x, long xo) {
        inner.col2im(w, cols, co, x, xo);
    }

    @Override
    public void maxPool(Window w, Buffer x, long xo, Buffer out, long oo, Buffer arg, long ao) {
        inner.maxPool(w, x, xo, out, oo, arg, ao);
    }

    @Override
    public void maxPoolBackward(Window w, Buffer gy, long gyo, Buffer arg, long ao, Buffer gx, long gxo) {
        inner.maxPoolBackward(w, gy, gyo, arg, ao, gx, gxo);
    }

    @Override
    public void crossEntropy(int rows, int cols, Buffer l, long lo, Buffer t, long to, Buffer loss, long lso, Buffer p, long po) {
        inner.crossEntropy(rows, cols, l, lo, t, to, loss, lso, p, po);
    }

    @Override
    public void crossEntropyBackward(int rows, int cols, Buffer p, long po, Buffer t, long to, Buffer g, long go, long gs,
                                     Buffer gx, long gxo) {
        inner.crossEntropyBackward(rows, cols, p, po, t, to, g, go, gs, gx, gxo);
    }

    @Override
    public void gather(int outer, int n, int in, int m, Buffer x, long xo, Buffer i, long io, long[] is, Buffer o, long oo) {
        inner.gather(outer, n, in, m, x, xo, i, io, is, o, oo);
    }

    @Override
    public void scatterAdd(int outer, int n, int in, int m, Buffer i, long io, long[] is, Buffer s, long so, Buffer o,
                           long oo) {
        inner.scatterAdd(outer, n, in, m, i, io, is, s, so, o, oo);
    }

    @Override
    public void select(int[] shape, Buffer c, long co, long[] cs, Buffer a, long ao, long[] as, Buffer b, long bo,
                       long[] bs, Buffer o, long oo) {
        inner.select(shape, c, co, cs, a, ao, as, b, bo, bs, o, oo);
    }

    @Override
    public void sgdStep(Buffer p, Buffer g, Buffer v, long off, long len, float lr, float mom, float damp, float wd,
                        boolean nesterov, boolean first) {
        inner.sgdStep(p, g, v, off, len, lr, mom, damp, wd, nesterov, first);
    }

    @Override
    public void adamStep(Buffer p, Buffer g, Buffer m, Buffer v, long off, long len, float lr, float b1, float b2,
                         float eps, float wd, boolean decoupled, long step) {
        inner.adamStep(p, g, m, v, off, len, lr, b1, b2, eps, wd, decoupled, step);
    }

    @Override public void close() { inner.close(); }
    @Override public boolean isClosed() { return inner.isClosed(); }
}
