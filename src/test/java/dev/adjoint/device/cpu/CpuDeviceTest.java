package dev.adjoint.device.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.UnaryOp;
import org.junit.jupiter.api.Test;

class CpuDeviceTest {
    /** Values where a select and a max or a sign trick disagree, plus a tail that is not a whole vector. */
    private static final float[] EDGES = {Float.NaN, -0f, 0f, -1f, 1f, Float.MIN_VALUE, -Float.MIN_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0xffc00001), 3.5f, -2.25f,
            1e-30f, -1e30f, 7f, -7f, 0.5f, -0.5f, 2f};

    @Test
    void aFreedArrayIsReusedForTheNextAllocationOfItsLength() {
        try (CpuDevice cpu = new CpuDevice(1)) {
            CpuBuffer first = (CpuBuffer) cpu.allocate(1000);
            float[] array = first.data();
            first.close();
            CpuBuffer same = (CpuBuffer) cpu.allocate(1000);
            CpuBuffer other = (CpuBuffer) cpu.allocate(1000);
            assertSame(array, same.data(), "the cached array of the closed buffer");
            assertNotSame(array, other.data(), "a live buffer's array is never handed out twice");
            same.close();
            same.close(); // a second close must not cache the array twice
            CpuBuffer a = (CpuBuffer) cpu.allocate(1000);
            CpuBuffer b = (CpuBuffer) cpu.allocate(1000);
            assertNotSame(a.data(), b.data());
        }
    }

    @Test
    void theCacheHoldsNoMoreThanItsCapacity() {
        ArrayCache cache = new ArrayCache(100);
        cache.give(new float[60]);
        cache.give(new float[60]);
        assertEquals(60, cache.heldFloats());
        assertEquals(60, cache.take(60).length);
        assertEquals(null, cache.take(60));
        assertEquals(0, cache.heldFloats());
    }

    /**
     * relu and its backward are selects with the CUDA and OpenCL kernels' semantics: relu keeps NaN
     * (bit for bit, as PyTorch's relu gives NaN) and gives +0 for -0; the backward gives 0 where x is NaN.
     */
    @Test
    void reluIsASelectBitForBitOnEdgeValuesAndTails() {
        try (CpuDevice cpu = new CpuDevice(1)) {
            for (int n = 1; n <= EDGES.length; n++) {
                float[] x = java.util.Arrays.copyOf(EDGES, n);
                float[] g = new float[n];
                for (int i = 0; i < n; i++) {
                    g[i] = i + 0.25f;
                }
                float[] relu = new float[n];
                float[] back = new float[n];
                try (Buffer xb = put(cpu, x); Buffer gb = put(cpu, g); Buffer out = cpu.allocate(n)) {
                    cpu.unary(UnaryOp.RELU, 0f, new int[] {n}, xb, 0, new long[] {1}, out, 0);
                    cpu.download(out, 0, relu, 0, n);
                    cpu.binary(BinaryOp.RELU_BACKWARD, 0f, new int[] {n}, xb, 0, new long[] {1}, gb, 0, new long[] {1},
                            out, 0);
                    cpu.download(out, 0, back, 0, n);
                }
                for (int i = 0; i < n; i++) {
                    float wantRelu = x[i] > 0f || Float.isNaN(x[i]) ? x[i] : 0f;
                    float wantBack = x[i] > 0f ? g[i] : 0f;
                    assertEquals(Float.floatToRawIntBits(wantRelu), Float.floatToRawIntBits(relu[i]),
                            "relu(" + x[i] + ") at " + i + " of " + n);
                    assertEquals(Float.floatToRawIntBits(wantBack), Float.floatToRawIntBits(back[i]),
                            "relu_backward(" + x[i] + ") at " + i + " of " + n);
                }
            }
        }
    }

    private static Buffer put(CpuDevice cpu, float[] x) {
        Buffer b = cpu.allocate(x.length);
        cpu.upload(x, 0, b, 0, x.length);
        return b;
    }
}
