package dev.adjoint.device.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import dev.adjoint.device.DeviceException;
import dev.adjoint.device.GraphCapable;
import dev.adjoint.device.UnaryOp;
import dev.adjoint.testing.Backends;
import org.junit.jupiter.api.Test;

/** CUDA stream capture; skipped, with the reason, where there is no CUDA driver. */
class CudaGraphTest {
    private static final long[] CONTIGUOUS = {1};

    @Test
    void aCapturedGraphRunsOnlyWhenLaunchedAndEveryLaunchRepeatsTheWork() {
        Device cuda = Backends.open("cuda");
        GraphCapable graphs = (GraphCapable) cuda;
        try (Buffer x = cuda.allocate(4); Buffer y = cuda.allocate(4)) {
            cuda.upload(new float[] {1, -2, 3, -4}, 0, x, 0, 4);
            cuda.fill(y, 0, 4, 0f);
            float[] out = new float[4];
            try (GraphCapable.Graph g = graphs.capture(() -> {
                cuda.unary(UnaryOp.RELU, 0f, new int[] {4}, x, 0, CONTIGUOUS, y, 0);
                cuda.copy(y, 0, x, 0, 4);
            })) {
                cuda.download(y, 0, out, 0, 4);
                assertArrayEquals(new float[] {0, 0, 0, 0}, out, "capture alone runs nothing");
                cuda.upload(new float[] {5, -6, 7, -8}, 0, x, 0, 4);
                g.launch();
                cuda.download(y, 0, out, 0, 4);
                assertArrayEquals(new float[] {5, 0, 7, 0}, out, "the launch reads the buffer's current values");
            }
        }
    }

    /** convert, a 16-bit copy and cublasGemmEx are stream work like any other: captured, then run at each launch. */
    @Test
    void sixteenBitConvertCopyAndGemmAreCaptured() {
        Device cuda = Backends.open("cuda");
        GraphCapable graphs = (GraphCapable) cuda;
        for (DType t : new DType[] {DType.BF16, DType.F16}) {
            try (Buffer x = cuda.allocate(4); Buffer h = cuda.allocate(5, t); Buffer h2 = cuda.allocate(4, t);
                 Buffer c = cuda.allocate(4); Buffer back = cuda.allocate(4)) {
                cuda.fill(c, 0, 4, 0f);
                try (GraphCapable.Graph g = graphs.capture(() -> {
                    cuda.convert(x, 0, h, 1, 4);
                    cuda.copy(h, 1, h2, 0, 4);
                    cuda.gemm(false, false, 2, 2, 2, 1f, h, 1, 2, h2, 0, 2, 0f, c, 0, 2);
                    cuda.convert(h2, 0, back, 0, 4);
                })) {
                    float[] out = new float[4];
                    cuda.upload(new float[] {1, 2, 3, 4}, 0, x, 0, 4);
                    g.launch();
                    cuda.download(c, 0, out, 0, 4);
                    assertArrayEquals(new float[] {7, 10, 15, 22}, out, t + " x·x");
                    // 1 + 2^-12 is no 16-bit value: BF16 and F16 both round it to 1
                    cuda.upload(new float[] {0.5f, 0, 0, 1 + 0x1p-12f}, 0, x, 0, 4);
                    g.launch();
                    cuda.download(c, 0, out, 0, 4);
                    assertArrayEquals(new float[] {0.25f, 0, 0, 1}, out, t + " x·x, second launch");
                    cuda.download(back, 0, out, 0, 4);
                    assertArrayEquals(new float[] {0.5f, 0, 0, 1}, out, t + " round trip");
                }
            }
        }
    }

    @Test
    void allocationTransfersAndSynchronizeAreRefusedDuringCaptureAndTheDeviceStaysUsable() {
        Device cuda = Backends.open("cuda");
        GraphCapable graphs = (GraphCapable) cuda;
        try (Buffer b = cuda.allocate(2)) {
            for (Runnable illegal : new Runnable[] {() -> cuda.allocate(16).close(), cuda::synchronize,
                    () -> cuda.upload(new float[2], 0, b, 0, 2), () -> cuda.download(b, 0, new float[2], 0, 2)}) {
                DeviceException e = assertThrows(DeviceException.class, () -> graphs.capture(illegal).close());
                assertTrue(e.getMessage().contains("during CUDA graph capture"), e.getMessage());
            }
            cuda.upload(new float[] {1, 2}, 0, b, 0, 2);
            float[] out = new float[2];
            cuda.download(b, 0, out, 0, 2);
            assertArrayEquals(new float[] {1, 2}, out);
        }
    }
}
