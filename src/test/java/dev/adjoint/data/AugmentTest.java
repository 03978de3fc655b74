package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.DataLoader.LastBatch;
import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Augment}: shifts and flips against hand-computed images, the draws' spread and repeatability, the
 * loader's augmented batches against the augmentation of the rows it gathers (with and without the prefetch
 * thread, over shards, before normalization), and refusals.
 */
class AugmentTest {
    private static final Device CPU = new CpuDevice(1);

    @AfterAll
    static void close() {
        CPU.close();
    }

    /** Channel c of a C×3×4 image holds 100·c + 1 .. 100·c + 12, row by row, after {@code offset} values of -1. */
    private static float[] image(int channels, int offset) {
        float[] x = new float[offset + channels * 12];
        Arrays.fill(x, 0, offset, -1f);
        for (int c = 0; c < channels; c++) {
            for (int p = 0; p < 12; p++) {
                x[offset + 12 * c + p] = 100 * c + p + 1;
            }
        }
        return x;
    }

    private static float[] moved(Augment a, int dy, int dx, boolean mirror) {
        float[] x = image(a.channels(), 0);
        a.move(x, 0, new float[a.dims()], dy, dx, mirror);
        return x;
    }

    @Test
    void shiftsAndFlipsMoveThePixelsAsWorkedOutByHand() {
        Augment a = new Augment(1, 3, 4, 1, true);
        // out(y, x) = in(y + 1, x - 1): down-left content moves up and right, zeros come in on the left and the bottom
        assertArrayEquals(new float[] {0, 5, 6, 7, 0, 9, 10, 11, 0, 0, 0, 0}, moved(a, 1, -1, false));
        assertArrayEquals(new float[] {4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9}, moved(a, 0, 0, true));
        // in(y - 1, 3 - x + 1), mirrored after the shift
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 4, 3, 2, 0, 8, 7, 6}, moved(a, -1, 1, true));
        assertArrayEquals(image(1, 0), moved(a, 0, 0, false));

        // every channel moves alike, and nothing outside the image's values is touched
        Augment two = new Augment(2, 3, 4, 1, false);
        float[] x = image(2, 5);
        two.move(x, 5, new float[24], 1, -1, false);
        assertArrayEquals(new float[] {-1, -1, -1, -1, -1, 0, 5, 6, 7, 0, 9, 10, 11, 0, 0, 0, 0,
                0, 105, 106, 107, 0, 109, 110, 111, 0, 0, 0, 0}, x);
    }

    /** Over 1,800 samples each of the 3 × 3 shifts, mirrored or not, is drawn about 100 times; the same sample draws the same. */
    @Test
    void everyShiftAndFlipIsDrawnEvenlyAndTheSameSampleDrawsTheSame() {
        Augment a = new Augment(1, 3, 4, 1, true);
        Map<String, String> outcomes = new HashMap<>();
        for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++) {
                for (boolean m : new boolean[] {false, true}) {
                    outcomes.put(Arrays.toString(moved(a, dy, dx, m)), dy + "," + dx + "," + m);
                }
            }
        }
        assertEquals(18, outcomes.size(), "the 18 moves give 18 different images");
        Map<String, Integer> counts = new HashMap<>();
        int differ = 0;
        float[] scratch = new float[12];
        for (int i = 0; i < 1800; i++) {
            float[] x = image(1, 0);
            a.apply(x, 0, scratch, 7, 3, i);
            String move = outcomes.get(Arrays.toString(x));
            counts.merge(move, 1, Integer::sum);
            float[] again = image(1, 0);
            a.apply(again, 0, scratch, 7, 3, i);
            assertArrayEquals(x, again, "sample " + i + " draws the same again");
            float[] nextEpoch = image(1, 0);
            a.apply(nextEpoch, 0, scratch, 7, 4, i);
            differ += Arrays.equals(x, nextEpoch) ? 0 : 1;
        }
        assertEquals(18, counts.size(), "every move is drawn: " + counts);
        counts.forEach((move, n) -> assertTrue(n >= 50 && n <= 150, move + " drawn " + n + " times of 1800 (expect ~100)"));
        assertTrue(differ > 1600, "another epoch draws anew: " + differ + " of 1800 samples differ (expect ~1700)");

        Augment shiftOnly = new Augment(1, 3, 4, 1, false);
        for (int i = 0; i < 200; i++) {
            float[] x = image(1, 0);
            shiftOnly.apply(x, 0, scratch, 7, 0, i);
            assertTrue(!outcomes.get(Arrays.toString(x)).endsWith("true"), "without flip nothing is mirrored");
        }
    }

    /** Ten 1×3×4 images, sample i's values 100·i + 1 .. 100·i + 12. */
    private static Dataset images() {
        float[] x = new float[10 * 12];
        float[] y = new float[10];
        for (int i = 0; i < 10; i++) {
            for (int p = 0; p < 12; p++) {
                x[12 * i + p] = 100 * i + p + 1;
            }
            y[i] = i % 2;
        }
        return new Dataset("images", x, y, 10, 12, 2);
    }

    /** The features of every batch of {@code epochs} epochs. */
    private static List<float[]> batches(DataLoader loader, int epochs) {
        List<float[]> xy = MappedDatasetTest.batches(loader, epochs);
        List<float[]> x = new ArrayList<>();
        for (int i = 0; i < xy.size(); i += 2) {
            x.add(xy.get(i));
        }
        return x;
    }

    @Test
    void theLoaderAugmentsEverySampleByItsPlaceInTheEpochThenNormalizes() {
        Dataset data = images();
        Augment a = new Augment(1, 3, 4, 1, true);
        Normalization norm = new Normalization(50f, 4f);
        List<float[]> got;
        List<float[]> here;
        try (DataLoader loader = new DataLoader(data, CPU, 4, true, 7, LastBatch.KEEP, norm).augment(a);
             DataLoader sync = new DataLoader(data, CPU, 4, true, 7, LastBatch.KEEP, norm, false).augment(a)) {
            got = batches(loader, 2);
            here = batches(sync, 2);
        }
        assertEquals(6, got.size());
        float[] scratch = new float[12];
        int b = 0;
        for (int e = 0; e < 2; e++) {
            int[] order = DataLoader.order(10, true, 7, e);
            for (int start = 0; start < 10; start += 4, b++) {
                int n = Math.min(4, 10 - start);
                float[] expect = new float[n * 12];
                for (int r = 0; r < n; r++) {
                    data.copyRow(order[start + r], expect, 12 * r);
                    a.apply(expect, 12 * r, scratch, 7, e, start + r);
                }
                norm.apply(expect, 0, expect.length);
                assertArrayEquals(expect, got.get(b), "epoch " + e + ", batch at " + start);
                assertArrayEquals(expect, here.get(b), "without the prefetch thread, epoch " + e + ", batch at " + start);
            }
        }

        // two ranks' shares of each global batch are the rows one process gets
        try (DataLoader r0 = new DataLoader(data, CPU, 4, true, 7, LastBatch.KEEP, norm).shard(0, 2).augment(a);
             DataLoader r1 = new DataLoader(data, CPU, 4, true, 7, LastBatch.KEEP, norm).shard(1, 2).augment(a)) {
            List<float[]> s0 = batches(r0, 2);
            List<float[]> s1 = batches(r1, 2);
            for (int i = 0; i < got.size(); i++) {
                float[] joined = Arrays.copyOf(s0.get(i), s0.get(i).length + s1.get(i).length);
                System.arraycopy(s1.get(i), 0, joined, s0.get(i).length, s1.get(i).length);
                assertArrayEquals(got.get(i), joined, "batch " + i + " over two ranks");
            }
        }
    }

    @Test
    void specsAndShapesThatDoNotFitAreRefusedByName() {
        assertEquals(new Augment(1, 28, 28, 2, true), Augment.parse(" shift=2 , FLIP", new int[] {1, 28, 28}));
        assertEquals("shift=2,flip", Augment.parse("flip,shift=2", new int[] {1, 28, 28}).toString());
        assertEquals(new Augment(3, 8, 8, 0, true), Augment.parse("flip", new int[] {3, 8, 8}));
        assertNull(Augment.parse("  ", null));
        assertNull(Augment.parse("None", new int[] {1, 28, 28}));
        Map<String, String> bad = Map.of(
                "shift=0", "shift 0 (need >= 1 pixel)",
                "shift=two", "shift 'two' is not a whole number",
                "rotate", "unknown 'rotate'; give shift=N (pixels) and/or flip",
                "flip,flip", "flip is given twice",
                "shift=28", "a shift of 28 pixels on a 28x28 image (need 0 <= shift < 28)");
        bad.forEach((spec, message) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Augment.parse(spec, new int[] {1, 28, 28}), spec);
            assertTrue(e.getMessage().contains(message), spec + ": " + e.getMessage());
        });
        IllegalArgumentException flat = assertThrows(IllegalArgumentException.class, () -> Augment.parse("flip", new int[0]));
        assertTrue(flat.getMessage().contains("this model's input is not an image {C, H, W}"), flat.getMessage());

        try (DataLoader loader = new DataLoader(images(), CPU, 4, true, 7, LastBatch.KEEP, Normalization.NONE)) {
            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                    () -> loader.augment(new Augment(1, 4, 4, 1, false)));
            assertTrue(wrong.getMessage().contains("augmenting images of 1x4x4 = 16 values, but a sample has 12"),
                    wrong.getMessage());
            loader.next().close();
            IllegalStateException late = assertThrows(IllegalStateException.class,
                    () -> loader.augment(new Augment(1, 3, 4, 1, false)));
            assertTrue(late.getMessage().contains("before the first batch"), late.getMessage());
        }
    }
}
