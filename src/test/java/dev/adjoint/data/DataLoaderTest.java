package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.DataLoader.LastBatch;
import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.testing.CountingDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
    private static final Device CPU = new CpuDevice(1);

    @AfterAll
    static void close() {
        CPU.close();
    }

    /** Sample i has features [i, -i, 0.5] and label i mod 3, so a batch tells which samples it holds. */
    private static Dataset indexed(int n) {
        float[] x = new float[3 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[3 * i] = i;
            x[3 * i + 1] = -i;
            x[3 * i + 2] = 0.5f;
            y[i] = i % 3;
        }
        return new Dataset("indexed", x, y, n, 3, 3);
    }

    /** A batch as host arrays: x then y. */
    private static float[][] host(Batch b) {
        try (b) {
            assertEquals(b.size(), b.x().size(0));
            assertEquals(2, b.x().dim());
            assertArrayEquals(new int[] {b.size()}, b.y().shape());
            return new float[][] {b.x().toArray(), b.y().toArray()};
        }
    }

    private static List<float[][]> epoch(DataLoader loader) {
        List<float[][]> out = new ArrayList<>();
        for (Batch b : loader.epoch()) {
            out.add(host(b));
        }
        return out;
    }

    /** The sample indices of an epoch, in order. */
    private static List<Integer> indices(List<float[][]> epoch) {
        List<Integer> out = new ArrayList<>();
        for (float[][] b : epoch) {
            for (int r = 0; r < b[1].length; r++) {
                int i = (int) b[0][3 * r];
                assertEquals(-i, b[0][3 * r + 1]);
                assertEquals(i % 3, (int) b[1][r], "label travels with its sample");
                out.add(i);
            }
        }
        return out;
    }

    @Test
    void everySampleExactlyOncePerEpoch() {
        try (DataLoader loader = new DataLoader(indexed(103), CPU, 10, true, 1, LastBatch.KEEP, Normalization.NONE)) {
            assertEquals(11, loader.batches());
            for (int e = 0; e < 3; e++) {
                List<float[][]> ep = epoch(loader);
                assertEquals(e, loader.currentEpoch());
                assertEquals(11, ep.size());
                assertEquals(3, ep.get(10)[1].length, "the last batch keeps the remainder");
                List<Integer> idx = indices(ep);
                List<Integer> sorted = new ArrayList<>(idx);
                sorted.sort(null);
                assertEquals(java.util.stream.IntStream.range(0, 103).boxed().toList(), sorted);
                assertNotEquals(sorted, idx, "shuffled");
            }
        }
    }

    @Test
    void sameSeedSameOrderAndEachEpochItsOwnOrder() {
        List<List<Integer>> a = new ArrayList<>();
        List<List<Integer>> b = new ArrayList<>();
        try (DataLoader la = new DataLoader(indexed(50), CPU, 8, true, 7, LastBatch.KEEP, Normalization.NONE);
             DataLoader lb = new DataLoader(indexed(50), CPU, 8, true, 7, LastBatch.KEEP, Normalization.NONE);
             DataLoader lc = new DataLoader(indexed(50), CPU, 8, true, 8, LastBatch.KEEP, Normalization.NONE);
             DataLoader plain = new DataLoader(indexed(50), CPU, 8, false, 7, LastBatch.KEEP, Normalization.NONE)) {
            for (int e = 0; e < 3; e++) {
                a.add(indices(epoch(la)));
                b.add(indices(epoch(lb)));
                assertEquals(java.util.stream.IntStream.range(0, 50).boxed().toList(), indices(epoch(plain)));
            }
            assertEquals(a, b);
            assertNotEquals(a.get(0), a.get(1));
            assertNotEquals(a.get(1), a.get(2));
            assertNotEquals(a.get(0), indices(epoch(lc)));
            for (int e = 0; e < 3; e++) {
                assertEquals(Arrays.stream(DataLoader.order(50, true, 7, e)).boxed().toList(), a.get(e));
            }
        }
    }

    @Test
    void lastBatchKeepOrDrop() {
        try (DataLoader keep = new DataLoader(indexed(23), CPU, 5, true, 3, LastBatch.KEEP, Normalization.NONE);
             DataLoader drop = new DataLoader(indexed(23), CPU, 5, true, 3, LastBatch.DROP, Normalization.NONE)) {
            assertEquals(5, keep.batches());
            assertEquals(4, drop.batches());
            assertEquals(List.of(5, 5, 5, 5, 3), epoch(keep).stream().map(x -> x[1].length).toList());
            List<float[][]> d = epoch(drop);
            assertEquals(List.of(5, 5, 5, 5), d.stream().map(x -> x[1].length).toList());
            List<Integer> idx = indices(d);
            assertEquals(20, idx.stream().distinct().count());
            assertEquals(Arrays.stream(DataLoader.order(23, true, 3, 0)).limit(20).boxed().toList(), idx);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DataLoader(indexed(4), CPU, 5, true, 3, LastBatch.DROP, Normalization.NONE));
        assertTrue(e.getMessage().contains("'indexed'") && e.getMessage().contains("no batches"), e.getMessage());
        try (DataLoader small = new DataLoader(indexed(4), CPU, 5, false, 3, LastBatch.KEEP, null)) {
            assertEquals(List.of(4), epoch(small).stream().map(x -> x[1].length).toList());
        }
    }

    @Test
    void normalizationIsApplied() {
        Dataset data = indexed(20);
        Normalization n = Normalization.of(data);
        assertNotEquals(0f, n.mean());
        try (DataLoader loader = new DataLoader(data, CPU, 6, true, 5, LastBatch.KEEP, n)) {
            int[] order = DataLoader.order(20, true, 5, 0);
            int r = 0;
            for (Batch b : loader.epoch()) {
                float[] x = host(b)[0];
                for (int i = 0; i < x.length; i++, r += (i % 3 == 0 ? 1 : 0)) {
                    float raw = data.features()[3 * order[r] + i % 3];
                    assertEquals((raw - n.mean()) / n.std(), x[i], "sample " + order[r]);
                }
            }
            assertEquals(20, r);
        }
    }

    @Test
    void prefetchGivesTheSameBatchesAsPreparingInline() {
        Dataset data = Datasets.spiral(3, 37, 11, "spiral");
        Normalization n = Normalization.of(data);
        try (DataLoader fast = new DataLoader(data, CPU, 16, true, 99, LastBatch.KEEP, n, true);
             DataLoader slow = new DataLoader(data, CPU, 16, true, 99, LastBatch.KEEP, n, false)) {
            for (int step = 0; step < 3 * fast.batches() + 2; step++) {
                float[][] a = host(fast.next());
                float[][] b = host(slow.next());
                assertArrayEquals(b[0], a[0], "x of step " + step);
                assertArrayEquals(b[1], a[1], "y of step " + step);
                if (step % 5 == 4) {
                    Thread.yield(); // let the prefetcher run ahead
                }
            }
            assertEquals(3, fast.currentEpoch());
            assertEquals(2, fast.batchInEpoch());
            fast.setEpoch(1);
            slow.setEpoch(1);
            for (int i = 0; i < fast.batches(); i++) {
                assertArrayEquals(host(slow.next())[0], host(fast.next())[0]);
            }
        }
    }

    @Test
    void setEpochResumesWhereARunLeftOff() {
        List<List<Integer>> run = new ArrayList<>();
        try (DataLoader loader = new DataLoader(indexed(30), CPU, 4, true, 5, LastBatch.DROP, Normalization.NONE)) {
            for (int e = 0; e < 4; e++) {
                run.add(indices(epoch(loader)));
            }
        }
        try (DataLoader resumed = new DataLoader(indexed(30), CPU, 4, true, 5, LastBatch.DROP, Normalization.NONE)) {
            Batch first = resumed.next(); // partly into epoch 0, then resume at epoch 2
            first.close();
            resumed.setEpoch(2);
            assertEquals(run.get(2), indices(epoch(resumed)));
            assertEquals(run.get(3), indices(epoch(resumed)));
            assertEquals(3, resumed.currentEpoch());
            Iterable<Batch> ep = resumed.epoch();
            assertEquals(4, resumed.currentEpoch());
            var it = ep.iterator();
            for (int i = 0; i < resumed.batches(); i++) {
                it.next().close();
            }
            assertFalse(it.hasNext());
            assertThrows(NoSuchElementException.class, it::next);
        }
    }

    @Test
    void deviceSlotsAreAllocatedOnceAndReusedInTurn() {
        CountingDevice counting = new CountingDevice(CPU);
        Dataset data = indexed(50);
        try (DataLoader loader = new DataLoader(data, counting, 8, true, 1, LastBatch.KEEP, Normalization.NONE)) {
            assertEquals(4, counting.allocations(), "two x slots and two y slots");
            assertEquals(4L * 2 * (8 * 3 + 8), counting.allocatedBytes());
            for (int e = 0; e < 3; e++) {
                epoch(loader);
            }
            int[] order = DataLoader.order(50, true, 1, 3);
            Batch a = loader.next();
            Batch b = loader.next();
            // a is still valid while b is in use: they live in different slots
            assertEquals(order[0], (int) a.x().toArray()[0]);
            assertEquals(order[8], (int) b.x().toArray()[0]);
            a.close();
            b.close();
            assertEquals(order[16], (int) host(loader.next())[0][0], "closing a batch does not free its slot");
            assertEquals(4, counting.allocations(), "no device memory allocated per step");
        }
    }

    /** The hook the loader's slots rely on (added to Tensor for this package). */
    @Test
    void tensorWrapDoesNotOwnItsBuffer() {
        dev.adjoint.device.Buffer buf = CPU.allocate(10);
        try {
            CPU.upload(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0, buf, 0, 10);
            dev.adjoint.tensor.Tensor t = dev.adjoint.tensor.Tensor.wrap(CPU, buf, 2, 2, 3);
            assertArrayEquals(new float[] {2, 3, 4, 5, 6, 7}, t.toArray());
            try (dev.adjoint.tensor.Tensor v = t.transpose(); dev.adjoint.tensor.Tensor sum = t.sum()) {
                assertEquals(27f, sum.item());
                t.close();
                assertArrayEquals(new float[] {2, 5, 3, 6, 4, 7}, v.toArray());
            }
            assertFalse(buf.isClosed(), "closing the wrap and its views leaves the buffer open");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> dev.adjoint.tensor.Tensor.wrap(CPU, buf, 5, 2, 3));
            assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        } finally {
            buf.close();
        }
        assertThrows(IllegalArgumentException.class, () -> dev.adjoint.tensor.Tensor.wrap(CPU, buf, 0, 1));
    }

    @Test
    void closeStopsThePrefetcher() throws InterruptedException {
        DataLoader loader = new DataLoader(indexed(40), CPU, 4, true, 1, LastBatch.KEEP, Normalization.NONE);
        loader.next().close();
        assertTrue(prefetchThreads() > 0);
        loader.close();
        loader.close();
        assertEquals(0, prefetchThreads());
        IllegalStateException e = assertThrows(IllegalStateException.class, loader::next);
        assertTrue(e.getMessage().contains("after close"), e.getMessage());
    }

    private static long prefetchThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("adjoint-prefetch-indexed") && t.isAlive()).count();
    }

    /**
     * Three ranks' shards of each global batch, put side by side in rank order, are the unsharded loader's batch
     * (with prefetch, over two epochs), each with its share of the global rows; a last global batch with fewer
     * rows than ranks is left out.
     */
    @Test
    void shardsOfEachGlobalBatchMakeTheUnshardedBatch() {
        for (int n : new int[] {100, 97}) {      // 100 = 9 x 11 + 1: the last batch (1 row) is fewer than 3 ranks
            try (DataLoader whole = new DataLoader(indexed(n), CPU, 11, true, 5, LastBatch.KEEP, null)) {
                List<DataLoader> ranks = new ArrayList<>();
                for (int r = 0; r < 3; r++) {
                    ranks.add(new DataLoader(indexed(n), CPU, 11, true, 5, LastBatch.KEEP, null).shard(r, 3));
                }
                int expectedBatches = 9;     // and 97 = 8 x 11 + 9: the last 9 rows are split 3, 3, 3
                for (DataLoader l : ranks) {
                    assertEquals(expectedBatches, l.batches(), "n " + n);
                }
                for (int e = 0; e < 2; e++) {
                    List<float[][]> all = epoch(whole);
                    for (int b = 0; b < expectedBatches; b++) {
                        float[] x = new float[0];
                        int global = all.get(b)[1].length;
                        for (DataLoader l : ranks) {
                            try (Batch part = l.next()) {
                                assertEquals(global, part.globalSize());
                                assertEquals((double) part.size() / global, part.share());
                                float[] px = part.x().toArray();
                                float[] joined = Arrays.copyOf(x, x.length + px.length);
                                System.arraycopy(px, 0, joined, x.length, px.length);
                                x = joined;
                            }
                        }
                        assertArrayEquals(all.get(b)[0], x, "epoch " + e + " batch " + b + " of " + n);
                    }
                }
                ranks.forEach(DataLoader::close);
            }
        }
        try (DataLoader l = new DataLoader(indexed(2), CPU, 4, false, 0, LastBatch.KEEP, null)) {
            assertThrows(IllegalArgumentException.class, () -> l.shard(3, 3));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> l.shard(0, 3)).getMessage()
                    .contains("fewer than one row for each of 3 ranks"));
        }
    }
}
