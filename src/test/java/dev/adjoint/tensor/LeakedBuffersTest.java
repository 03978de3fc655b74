package dev.adjoint.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.testing.CountingDevice;
import org.junit.jupiter.api.Test;

/** Tensors nobody closes are freed after they are collected: device memory stays bounded, and nothing in use is freed. */
class LeakedBuffersTest {
    private static final int FLOATS = 4096;
    private static final long TENSOR_BYTES = 4L * FLOATS;

    /** Collects garbage until the Cleaner has queued a buffer of {@code d} (or 10 s pass), then frees the queue. */
    private static void collect(CountingDevice d) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (LeakedBuffers.queued(d) == 0 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(10);
        }
        LeakedBuffers.free(d);
    }

    @Test
    void tensorsThatAreNeverClosedAreFreedAfterTheyAreCollected() throws InterruptedException {
        try (CountingDevice d = new CountingDevice(new CpuDevice(1))) {
            long reclaimedBefore = LeakedBuffers.reclaimed();
            int rounds = 20;
            int perRound = 50;
            long maxLive = 0;
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < perRound; i++) {
                    Tensor.full(d, i, FLOATS).add(1f); // two tensors, neither closed nor in a scope
                }
                collect(d);
                maxLive = Math.max(maxLive, d.liveBytes());
            }
            long leaked = 2L * rounds * perRound * TENSOR_BYTES;
            assertTrue(maxLive <= leaked / 4, "live bytes reached " + maxLive + " of the " + leaked + " allocated");
            assertTrue(LeakedBuffers.reclaimed() - reclaimedBefore >= 2L * (rounds - 2) * perRound,
                    "reclaimed " + (LeakedBuffers.reclaimed() - reclaimedBefore) + " buffers");
        }
    }

    @Test
    void closedTensorsAreFreedAtOnceAndNeverTwice() throws InterruptedException {
        try (CountingDevice d = new CountingDevice(new CpuDevice(1))) {
            for (int i = 0; i < 100; i++) {
                try (Tensor t = Tensor.full(d, i, FLOATS); Tensor u = t.add(1f)) {
                    assertEquals(i + 1f, u.get(FLOATS - 1));
                }
            }
            assertEquals(0, d.liveBytes(), "close() frees at once");
            long reclaimedBefore = LeakedBuffers.reclaimed();
            System.gc();
            Thread.sleep(100);
            LeakedBuffers.free(d);
            assertEquals(reclaimedBefore, LeakedBuffers.reclaimed(), "a closed tensor is not freed again by the net");
        }
    }

    /** A view keeps its source's memory alive though the source object itself is gone and was never closed. */
    @Test
    void memoryStillReachableThroughAViewIsNotFreed() throws InterruptedException {
        try (CountingDevice d = new CountingDevice(new CpuDevice(1))) {
            Tensor view = Tensor.of(d, new float[] {1, 2, 3, 4, 5, 6}, 2, 3).transpose();
            for (int i = 0; i < 20; i++) {
                Tensor.zeros(d, FLOATS); // garbage for the collector to find
            }
            collect(d);
            assertTrue(d.liveBytes() < 4 * 20 * FLOATS, "the garbage was freed: " + d.liveBytes());
            dev.adjoint.device.Buffer buffer = view.storage.buffer;
            assertTrue(!buffer.isClosed());
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, view.toArray());
            view.close(); // the source still holds its reference: it was never closed
            assertTrue(!buffer.isClosed());
            view = null;
            collect(d); // now nothing refers to the storage: the net frees it
            assertTrue(buffer.isClosed());
        }
    }
}
