package dev.adjoint.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.Datasets;
import dev.adjoint.data.Dataset;
import dev.adjoint.data.Split;
import dev.adjoint.device.Device;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Losses;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.tensor.LeakCount;
import dev.adjoint.testing.Backends;
import dev.adjoint.testing.CountingDevice;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * 10,000 define-by-run training steps, as {@code adjoint train} runs them (Trainer.fit: a Scope per
 * step, prefetching loader, test pass and metrics every epoch): after warm-up, device memory is the
 * same to the byte and the heap does not grow, every tensor is closed by its owner (none is left
 * for the Cleaner's net), and the model really trained.
 */
class SoakTest {
    private static final int EPOCHS = 1000;
    private static final int WARM = 100;
    /**
     * Heap growth allowed between step 1,000 and step 10,000, after a full GC. What should grow is the
     * returned history, 900 more EpochStats of about 510 bytes, most of it the training split's
     * scalars (448 KiB; measured: +452 KiB on cpu, +456 KiB on PoCL; +61 and +70 KiB before those
     * scalars). 1 MiB leaves room for the collector's bookkeeping yet fails on anything kept per step
     * bigger than about 65 bytes, less than one leaked Tensor object with its shape and strides.
     */
    private static final long HEAP_MARGIN = 1L << 20;

    static List<String> backends() {
        return Backends.names();
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void tenThousandStepsKeepDeviceMemoryAndHeapFlat(String backend) {
        CountingDevice device = new CountingDevice(Backends.open(backend)); // not closed: the device is shared
        Split<Dataset> data = Datasets.spiral(4, 80, 3); // 320 samples: 10 batches of 32 per epoch
        MlpSpec spec = MlpSpec.of(2, new int[] {32, 16}, 4, Activation.Kind.TANH, Init.XAVIER_UNIFORM, 0f, 1);
        long[] live = new long[2];
        long[] heap = new long[2];
        long[] reclaimed = new long[2];
        long t0 = System.nanoTime();
        List<EpochStats> history;
        double testAccuracy;
        try (Sequential model = spec.build(device); Parameters params = Parameters.of(model);
             Optimizer adam = Optimizer.adam(params, 1e-2f, 0f, false)) {
            Trainer trainer = new Trainer(model, params, adam, Losses.byName("cross-entropy"),
                    Trainer.Config.of(EPOCHS, 32).withProgress(Progress.silent()), spec.toConfig());
            history = trainer.fit(data.train(), data.test(), device, e -> {
                if (e.epoch() == WARM || e.epoch() == EPOCHS) {
                    int i = e.epoch() == WARM ? 0 : 1;
                    live[i] = device.liveBytes();
                    reclaimed[i] = LeakCount.reclaimed();
                    heap[i] = heapAfterGc();
                }
            });
            assertEquals(10L * EPOCHS, adam.steps());
            testAccuracy = trainer.test().accuracy();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("soak %s: %d steps in %.1f s; device bytes live at steps 1000 / 10000: %d / %d; "
                + "heap after GC: %d / %d KiB (%+d KiB)%n", backend, 10 * EPOCHS, seconds, live[0], live[1],
                heap[0] >> 10, heap[1] >> 10, (heap[1] - heap[0]) >> 10);
        assertTrue(live[0] > 0);
        assertEquals(live[0], live[1], backend + ": device bytes live at step 1,000 and at step 10,000");
        assertEquals(reclaimed[0], reclaimed[1], backend + ": tensors left unclosed for the Cleaner during training");
        assertTrue(heap[1] - heap[0] <= HEAP_MARGIN, backend + ": the heap grew by " + (heap[1] - heap[0]) + " bytes");
        EpochStats first = history.getFirst();
        EpochStats last = history.getLast();
        assertTrue(last.trainLoss() < first.trainLoss() / 4, "loss " + first.trainLoss() + " -> " + last.trainLoss());
        assertTrue(testAccuracy > 0.9, "test accuracy " + testAccuracy);
    }
}
