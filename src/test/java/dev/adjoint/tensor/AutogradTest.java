package dev.adjoint.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.testing.CountingDevice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class AutogradTest {
    private static final Device CPU = new CpuDevice(2);

    @AfterAll
    static void close() {
        CPU.close();
    }

    private static Tensor scalar(float v) {
        return Tensor.scalar(CPU, v).requiresGrad(true);
    }

    @Test
    void scalarDagMatchesHandDerivatives() {
        // f = ln(x1) + x1·x2 − sin(x2); df/dx1 = 1/x1 + x2, df/dx2 = x1 − cos(x2).
        try (Scope s = Scope.open()) {
            Tensor x1 = scalar(2f);
            Tensor x2 = scalar(5f);
            Tensor f = x1.log().add(x1.mul(x2)).sub(x2.sin());
            assertEquals(Math.log(2) + 10 - Math.sin(5), f.item(), 1e-5);
            f.backward();
            assertEquals(1 / 2.0 + 5, x1.grad().item(), 1e-6);
            assertEquals(2 - Math.cos(5), x2.grad().item(), 1e-6);
        }
    }

    @Test
    void matmulWithAnEmptyInnerOrOuterAxisGivesZerosAndEmptyGradients() {
        try (Scope s = Scope.open()) {
            // Inner axis empty: [2,0]·[0,3] sums nothing, so zeros [2,3]; batched likewise.
            Tensor a = Tensor.zeros(CPU, 2, 0).requiresGrad(true);
            Tensor b = Tensor.zeros(CPU, 0, 3).requiresGrad(true);
            Tensor y = a.matmul(b);
            assertArrayEquals(new int[] {2, 3}, y.shape());
            assertArrayEquals(new float[6], y.toArray());
            assertArrayEquals(new float[4 * 6], Tensor.zeros(CPU, 4, 2, 0).matmul(b).toArray());
            y.mul(Tensor.full(CPU, 5f, 2, 3)).sum().backward();
            assertArrayEquals(new int[] {2, 0}, a.grad().shape());
            assertArrayEquals(new int[] {0, 3}, b.grad().shape());
            // Outer axis empty: [2,3]·[3,0] is [2,0]; dL/dx = dL/dy·Wᵀ is then a sum over nothing: zeros [2,3].
            Tensor x = Tensor.of(CPU, new float[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
            Tensor w = Tensor.zeros(CPU, 3, 0).requiresGrad(true);
            Tensor z = x.matmul(w);
            assertArrayEquals(new int[] {2, 0}, z.shape());
            z.sum().backward();
            assertArrayEquals(new float[6], x.grad().toArray());
            assertArrayEquals(new int[] {3, 0}, w.grad().shape());
        }
    }

    @Test
    void fanOutAccumulatesAndRepeatedBackwardAddsUp() {
        try (Scope s = Scope.open()) {
            Tensor x = scalar(3f);
            Tensor y = x.mul(x).add(x); // dy/dx = 2x + 1 = 7
            y.backward();
            assertEquals(7f, x.grad().item());
            x.mul(4f).backward(); // gradients accumulate until zeroGrad
            assertEquals(11f, x.grad().item());
            x.zeroGrad();
            assertNull(x.grad());
        }
    }

    @Test
    void broadcastGradientsAreSummedOverBroadcastAxes() {
        try (Scope s = Scope.open()) {
            Tensor w = Tensor.of(CPU, new float[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
            Tensor b = Tensor.of(CPU, new float[] {10, 20, 30}, 3).requiresGrad(true);
            w.add(b).mul(w).sum().backward(); // d/dw = 2w + b, d/db = sum over rows of w
            assertArrayEquals(new float[] {12, 24, 36, 18, 30, 42}, w.grad().toArray());
            assertArrayEquals(new float[] {5, 7, 9}, b.grad().toArray());
        }
    }

    @Test
    void gradientNeedsAScalarOrAnExplicitSeed() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(CPU, new float[] {1, 2}, 2).requiresGrad(true);
            Tensor y = x.square();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
            assertTrue(e.getMessage().contains("not a scalar"), e.getMessage());
            y.backward(Tensor.of(CPU, new float[] {1, 10}, 2));
            assertArrayEquals(new float[] {2, 40}, x.grad().toArray());
        }
    }

    @Test
    void aFreedGraphCannotBeReusedUnlessRetained() {
        try (Scope s = Scope.open()) {
            Tensor x = scalar(2f);
            Tensor y = x.exp().mul(3f);
            y.backward(null, true);
            y.backward(null, false); // retained: a second pass works and accumulates
            assertEquals(2 * 3 * Math.exp(2), x.grad().item(), 1e-4);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.backward());
            assertTrue(e.getMessage().contains("already freed") && e.getMessage().contains("retainGraph"), e.getMessage());
        }
    }

    @Test
    void detachAndNoGradStopRecording() {
        try (Scope s = Scope.open()) {
            Tensor x = scalar(2f);
            Tensor d = x.mul(3f).detach();
            assertFalse(d.requiresGrad());
            assertTrue(d.isLeaf());
            try (var off = Autograd.noGrad()) {
                assertFalse(x.mul(2f).requiresGrad());
            }
            assertTrue(x.mul(2f).requiresGrad());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> d.mul(2f).backward());
            assertTrue(e.getMessage().contains("does not require a gradient"), e.getMessage());
        }
    }

    @Test
    void deepChainsDoNotOverflowTheStack() {
        try (Scope s = Scope.open()) {
            Tensor x = scalar(1f);
            Tensor y = x;
            for (int i = 0; i < 20_000; i++) {
                y = y.add(1f);
            }
            y.backward();
            assertEquals(1f, x.grad().item());
        }
    }

    /** A user-defined op: x³ with its own backward, checked by finite differences. */
    static final class Cube extends Function {
        Cube() {
            super("cube");
        }

        @Override
        protected Tensor forward(Saved saved, Tensor... in) {
            saved.save(in[0]);
            return in[0].mul(in[0]).mul(in[0]);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            return new Tensor[] {g.mul(ctx.saved(0).square()).mul(3f)};
        }
    }

    @Test
    void customFunctionPassesGradcheck() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(CPU, new float[] {-1.5f, -0.3f, 0.7f, 2f}, 4);
            Gradcheck.check("cube", t -> new Cube().apply(t[0]).sin(), 2e-3, 1e-3, x);
            Tensor leaf = Tensor.of(CPU, new float[] {2f}, 1).requiresGrad(true);
            new Cube().apply(leaf).sum().backward();
            assertEquals(12f, leaf.grad().item(), 1e-5);
        }
    }

    @Test
    void gradientAscentOnTheInputMaximisesAnOutputUnit() {
        // A fixed network (weights do not require gradients); only the input is optimised.
        try (Scope s = Scope.open()) {
            Tensor w1 = Tensor.normal(CPU, 1, 0f, 0.5f, 8, 16);
            Tensor w2 = Tensor.normal(CPU, 2, 0f, 0.5f, 16, 4);
            Tensor x = Tensor.normal(CPU, 3, 0f, 0.1f, 1, 8);
            float first = Float.NaN;
            float last = Float.NaN;
            for (int step = 0; step < 100; step++) {
                try (Scope inner = Scope.open()) {
                    Tensor leaf = x.detach().requiresGrad(true);
                    Tensor unit = leaf.matmul(w1).tanh().matmul(w2).slice(0, 1).reshape(4).slice(2, 3).sum();
                    float value = unit.item();
                    if (step == 0) {
                        first = value;
                    }
                    last = value;
                    unit.backward();
                    Tensor next = leaf.detach().add(leaf.grad().mul(0.1f));
                    x = inner.keep(next);
                }
            }
            assertTrue(last > first + 1f, "unit 2 went from " + first + " to " + last);
        }
    }

    @Test
    void matmulBackwardAllocatesActivationsAndParametersNeverAJacobian() {
        int n = 64;
        int dIn = 4096;
        int dOut = 4096;
        try (CountingDevice dev = new CountingDevice(new CpuDevice(2)); Scope s = Scope.open()) {
            Tensor x = Tensor.normal(dev, 1, 0f, 1f, n, dIn).requiresGrad(true);
            Tensor w = Tensor.normal(dev, 2, 0f, 0.01f, dIn, dOut).requiresGrad(true);
            Tensor loss = x.matmul(w).sum();
            long before = dev.allocatedBytes();
            loss.backward();
            long backward = dev.allocatedBytes() - before;
            long activationsAndParameters = 4L * (2L * n * dIn + 2L * dIn * dOut + 2L * n * dOut);
            long jacobian = 4L * n * dIn * dOut;
            assertTrue(backward <= activationsAndParameters,
                    "backward allocated " + backward + " bytes; activations + parameters bound is " + activationsAndParameters
                            + " (a Jacobian would be " + jacobian + ")");
            assertEquals(n, x.grad().shape()[0]);
            // dL/dx = 1·Wᵀ: each row of the gradient is the row sums of W.
            float[] gx = x.grad().toArray();
            float[] wv = w.toArray();
            for (int i : new int[] {0, 1, 4095}) {
                double rowSum = 0;
                for (int j = 0; j < dOut; j++) {
                    rowSum += wv[i * dOut + j];
                }
                assertEquals(rowSum, gx[i], 1e-4);
                assertEquals(rowSum, gx[63 * dIn + i], 1e-4);
            }
        }
    }

    /**
     * A leaf used three times: its hook runs once per backward, after the three paths' sum is in its
     * gradient (d/dx of x·y + x² + 3x at x = 2, y = 5 is y + 2x + 3 = 12), and before the leaves that
     * backward reaches later; a closed hook no longer runs.
     */
    @Test
    void gradHookRunsOnceWhenALeafsGradientIsFinal() {
        try (Scope s = Scope.open()) {
            Tensor x = scalar(2f);
            Tensor y = scalar(5f);
            java.util.List<String> seen = new java.util.ArrayList<>();
            Tensor.GradHook hx = x.onGradAccumulated(() -> seen.add("x " + x.grad().item()));
            Tensor.GradHook hy = y.onGradAccumulated(() -> seen.add("y " + y.grad().item()));
            Tensor f = x.mul(y).add(x.mul(x)).add(x.mul(Tensor.scalar(CPU, 3f)));
            f.backward();
            assertEquals(java.util.List.of("x 12.0", "y 2.0"), seen.stream().sorted().toList());
            hx.close();
            x.zeroGrad();
            y.zeroGrad();
            x.mul(y).backward();
            assertEquals(java.util.List.of("x 12.0", "y 2.0", "y 2.0"), seen.stream().sorted().toList());
            hy.close();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> f.onGradAccumulated(() -> { }));
            assertTrue(e.getMessage().contains("only leaf tensors"), e.getMessage());
        }
    }
}
