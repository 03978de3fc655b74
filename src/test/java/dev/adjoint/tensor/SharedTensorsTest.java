package dev.adjoint.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.adjoint.device.Device;
import dev.adjoint.testing.Backends;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The thread contract ("Tensors and threads" in src/site/markdown/java-api.md): what several threads may do with one tensor
 * gives the right numbers, and what they may not do is a named error, never a wrong number. Each race
 * is run many times from a barrier; the expected values are counted by hand.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedTensorsTest {

    static List<String> backends() {
        return Backends.names();
    }

    /** Runs {@code tasks} on threads of their own, all released together, and returns what each returned or threw. */
    private static List<Object> race(List<Callable<Object>> tasks) throws Exception {
        CyclicBarrier start = new CyclicBarrier(tasks.size());
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            List<Future<Object>> running = new ArrayList<>();
            for (Callable<Object> t : tasks) {
                running.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    try {
                        return t.call();
                    } catch (RuntimeException e) {
                        return e;
                    }
                }));
            }
            List<Object> results = new ArrayList<>();
            for (Future<Object> f : running) {
                results.add(f.get(30, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Two threads run backward of sum(w·x) into one shared leaf w, 2000 times each: dL/dw = x per backward,
     * so w.grad is 4000·x exactly (x holds small integers: exact in float32), whichever thread made it first.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void backwardFromTwoThreadsAccumulatesIntoASharedLeafExactly(String backend) throws Exception {
        Device dev = Backends.open(backend);
        int perThread = backend.equals("cpu") ? 2000 : 300;
        int size = 4096;
        float[] xs = new float[size];
        for (int i = 0; i < size; i++) {
            xs[i] = 1 + i % 5;
        }
        try (Tensor w = Tensor.full(dev, 0.5f, size).requiresGrad(true);
             Tensor x = Tensor.of(dev, xs, size)) {
            Callable<Object> steps = () -> {
                for (int i = 0; i < perThread; i++) {
                    try (Scope s = Scope.open()) {
                        w.mul(x).sum().backward();
                    }
                }
                return null;
            };
            for (Object r : race(List.of(steps, steps))) {
                assertNull(r, () -> backend + ": a backward failed: " + r);
            }
            float[] expected = new float[size];
            for (int i = 0; i < size; i++) {
                expected[i] = 2 * perThread * xs[i];
            }
            assertArrayEquals(expected, w.grad().toArray(), backend + ": w.grad after " + 2 * perThread
                    + " backward passes of sum(w·x), x = 1 + i % 5");
            w.grad().close();
        }
    }

    /**
     * One thread multiplies by b while another closes b and at once allocates tensors of b's size filled
     * with 7 (which would reuse b's memory if it were freed under the product). Every product is either
     * right (b's ones: each entry is k) or refused with the named error; never 7·k or a mix.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void closingATensorWhileAnotherThreadMultipliesByItNeverGivesAWrongNumber(String backend) throws Exception {
        Device dev = Backends.open(backend);
        int n = 96;
        int runs = backend.equals("cpu") ? 300 : 40;
        try (Tensor a = Tensor.ones(dev, n, n)) {
            for (int run = 0; run < runs; run++) {
                Tensor b = Tensor.ones(dev, n, n);
                int spin = run % 50;
                List<Object> results = race(List.of(
                        () -> {
                            try (Tensor y = a.matmul(b)) {
                                return y.toArray();
                            }
                        },
                        () -> {
                            for (int i = 0; i < spin * 100; i++) {
                                Thread.onSpinWait();
                            }
                            b.close();
                            List<Tensor> sevens = new ArrayList<>();
                            for (int i = 0; i < 4; i++) {
                                sevens.add(Tensor.full(dev, 7f, n, n));
                            }
                            sevens.forEach(Tensor::close);
                            return null;
                        }));
                Object product = results.get(0);
                if (product instanceof float[] values) {
                    for (int i = 0; i < values.length; i++) {
                        if (values[i] != n) {
                            fail(backend + ": run " + run + ": a·b[" + i + "] = " + values[i] + ", expected " + n
                                    + " (b closed by another thread during the product)");
                        }
                    }
                } else if (product instanceof IllegalStateException e) {
                    assertEquals("matmul: tensor [" + n + ", " + n + "] on " + dev.name() + " was used after close()",
                            e.getMessage());
                } else {
                    throw new AssertionError(backend + ": run " + run + ": the product ended with " + product,
                            product instanceof Throwable t ? t : null);
                }
                assertNull(results.get(1));
            }
        }
    }

    /** An op that starts after another thread's close() has returned is refused, whatever thread runs it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void anOpStartedAfterAnotherThreadClosedItsTensorIsRefused(String backend) throws Exception {
        Device dev = Backends.open(backend);
        Tensor b = Tensor.ones(dev, 2, 3);
        Thread closer = Thread.ofPlatform().start(b::close);
        closer.join(10_000);
        try (Tensor a = Tensor.ones(dev, 4, 2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.matmul(b));
            assertEquals("matmul: tensor [2, 3] on " + dev.name() + " was used after close()", e.getMessage());
        }
    }

    /**
     * Two threads run backward through one graph (no retainGraph) at the same time: each either
     * runs through it, adding its gradient, or gets the "already freed" error; never another error
     * (a rule running on saved tensors the other thread is freeing). w passes through 20 products
     * with ones, so each pass that gets through adds exactly 1 to every element of w.grad.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void backwardFromTwoThreadsThroughOneGraphAddsUpOrSaysItWasFreed(String backend) throws Exception {
        Device dev = Backends.open(backend);
        int runs = backend.equals("cpu") ? 2000 : 100;
        try (Tensor w = Tensor.full(dev, 0.5f, 64).requiresGrad(true);
             Tensor ones = Tensor.ones(dev, 64)) {
            for (int run = 0; run < runs; run++) {
                try (Scope s = Scope.open()) {
                    Tensor h = w;
                    for (int i = 0; i < 20; i++) {
                        h = h.mul(ones);
                    }
                    Tensor loss = h.sum();
                    Callable<Object> backward = () -> {
                        loss.backward();
                        return null;
                    };
                    int through = 0;
                    for (Object r : race(List.of(backward, backward))) {
                        if (r == null) {
                            through++;
                        } else if (!(r instanceof IllegalStateException e && e.getMessage().startsWith("backward: the graph "
                                + "through '") && e.getMessage().contains("' was already freed by an earlier backward()"))) {
                            throw new AssertionError(backend + ": run " + run + ": a backward ended with " + r,
                                    r instanceof Throwable t ? t : null);
                        }
                    }
                    assertTrue(through >= 1, () -> backend + ": neither backward got through");
                    float[] ones64 = new float[64];
                    Arrays.fill(ones64, through);
                    assertArrayEquals(ones64, w.grad().toArray(), backend + ": run " + run + ": " + through
                            + " backward passes got through");
                    w.zeroGrad();
                }
            }
        }
    }

    /** backward() into a leaf that was closed is an error naming the leaf, and no leaf's gradient changes. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void backwardRefusesAClosedLeafAndChangesNoGradient(String backend) {
        Device dev = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor v = Tensor.of(dev, new float[] {1f, 2f}, 2).requiresGrad(true);
            Tensor w = Tensor.of(dev, new float[] {3f, 4f, 5f}, 3).requiresGrad(true);
            Tensor loss = v.sum().add(w.sum());
            w.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
            assertEquals("backward: leaf tensor [3] on " + dev.name() + " (it requires a gradient) was closed; "
                    + "its gradient has nowhere to go. Keep every leaf open until backward() has returned", e.getMessage());
            assertNull(v.grad(), "no gradient is accumulated by a refused backward");
            assertTrue(w.isClosed());
        }
    }

    /**
     * One thread writes a tensor in place (all ones, then all twos, over and over) while another
     * reads it: a device call is atomic with respect to other threads' calls on that device, so
     * every read sees one write whole, never half of one (the order between threads is theirs).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void aReadSeesAnotherThreadsInPlaceWriteWholeOrNotAtAll(String backend) throws Exception {
        Device device = Backends.open(backend);
        int n = 1 << 20;
        try (Tensor t = Tensor.ones(device, n)) {
            List<Object> results = race(List.of(() -> {
                for (int i = 0; i < 60; i++) {
                    InPlace.fill(t, 2f);
                    InPlace.fill(t, 1f);
                }
                return null;
            }, () -> {
                List<String> torn = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    float[] a = t.toArray();
                    float first = a[0];
                    for (int j = 1; j < n; j++) {
                        if (a[j] != first) {
                            torn.add("download " + i + ": [0] = " + first + ", [" + j + "] = " + a[j]);
                            break;
                        }
                    }
                    try (Scope s = Scope.open()) {
                        float sum = t.sum().item();
                        if (sum != n && sum != 2f * n) {
                            torn.add("sum " + i + " = " + sum + ", expected " + n + " or " + 2 * n);
                        }
                    }
                }
                return torn;
            }));
            assertNull(results.get(0), backend + ": the writer failed: " + results.get(0));
            assertEquals(List.of(), results.get(1), backend + ": a read saw part of a write");
        }
    }
}
