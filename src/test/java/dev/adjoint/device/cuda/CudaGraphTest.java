package dev.adjoint.device.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Buffer;
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
