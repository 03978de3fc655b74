package dev.adjoint.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.testing.Backends;
import dev.adjoint.testing.CountingDevice;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** NaN/Inf detection: off by default and free when off; on, the first non-finite value names its op. */
class AnomalyTest {
    static List<String> backends() {
        return Backends.names();
    }

    private static NonFiniteException detected(Runnable program) {
        try (Anomaly.Detecting on = Anomaly.detecting(); Scope s = Scope.open()) {
            return assertThrows(NonFiniteException.class, program::run);
        }
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + p + "' missing from: " + message);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aForwardThatProducesNaNOrInfIsNamedWithItsShapesAndTheIndex(String backend) {
        Device d = Backends.open(backend);
        NonFiniteException log = detected(() -> Tensor.of(d, new float[] {1, 2, 3, -4, 5, 6}, 2, 3).log());
        assertMentions(log.getMessage(), "forward of 'log' produced NaN at [1, 0] of its output [2, 3]; inputs [2, 3]");
        assertEquals("log", log.op());
        assertFalse(log.inBackward());
        assertArrayEquals(new int[] {1, 0}, log.index());
        assertTrue(Float.isNaN(log.value()));

        NonFiniteException exp = detected(() -> Tensor.of(d, new float[] {1, 100}, 2).mul(2f).exp());
        assertMentions(exp.getMessage(), "forward of 'exp' produced +Inf at [1] of its output [2]");
        assertEquals(Float.POSITIVE_INFINITY, exp.value());

        // 0·inf: the infinity was in the data, which the message says, so the op is not blamed for it.
        NonFiniteException mul = detected(() -> Tensor.of(d, new float[] {0, 1}, 2)
                .mul(Tensor.of(d, new float[] {Float.POSITIVE_INFINITY, 1}, 2)));
        assertMentions(mul.getMessage(), "forward of 'mul' produced NaN at [0] of its output [2]; inputs [2], [2]",
                "input 1 already held +Inf at [0], so it came from a leaf tensor or the data");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aBackwardThatProducesInfIsNamedAsTheBackwardOfItsOp(String backend) {
        Device d = Backends.open(backend);
        // sqrt is finite at 0 but its derivative 1/(2·sqrt x) is not.
        NonFiniteException e = detected(() -> {
            Tensor x = Tensor.of(d, new float[] {0, 4}, 2).requiresGrad(true);
            Tensor y = x.sqrt().sum();
            assertEquals(2f, y.item());
            y.backward();
        });
        assertMentions(e.getMessage(), "backward of 'sqrt' (its 'div' step) produced +Inf at [0] of its output [2]");
        assertEquals("sqrt", e.op());
        assertTrue(e.inBackward());
    }

    /** A rule whose own output is non-finite (no op inside it to blame) is named by the gradient it returned. */
    @Test
    void aCustomBackwardReturningNaNIsNamed() {
        Device d = Backends.open("cpu");
        Function broken = new Function("broken") {
            @Override
            protected Tensor forward(Saved saved, Tensor... in) {
                return in[0].mul(2f);
            }

            @Override
            protected Tensor[] backward(Context ctx, Tensor g) {
                return new Tensor[] {Tensor.full(d, Float.NaN, 3)};
            }
        };
        NonFiniteException e = detected(() -> broken.apply(Tensor.ones(d, 3).requiresGrad(true)).sum().backward());
        assertMentions(e.getMessage(), "backward of 'broken' produced NaN at [0] of the gradient for input 0 [3]; "
                + "inputs [3], upstream gradient [3]");
        assertTrue(e.inBackward());
    }

    @Test
    void inPlaceUpdatesAreChecked() {
        Device d = Backends.open("cpu");
        try (Anomaly.Detecting on = Anomaly.detecting(); Scope s = Scope.open()) {
            Tensor t = Tensor.full(d, 3e38f, 4);
            NonFiniteException e = assertThrows(NonFiniteException.class, () -> InPlace.add(t, t));
            assertMentions(e.getMessage(), "in-place 'add_' produced +Inf at [0] of the tensor [4]");
        }
    }

    @Test
    void offByDefaultTheSameProgramsRunAndGiveNaNAndInf() {
        assertFalse(Anomaly.isDetecting(), "anomaly mode must be off unless -D" + Anomaly.PROPERTY + "=true");
        Device d = Backends.open("cpu");
        try (Scope s = Scope.open()) {
            assertTrue(Float.isNaN(Tensor.of(d, new float[] {-4}, 1).log().item()));
            Tensor x = Tensor.of(d, new float[] {0, 4}, 2).requiresGrad(true);
            x.sqrt().sum().backward();
            assertArrayEquals(new float[] {Float.POSITIVE_INFINITY, 0.25f}, x.grad().toArray());
        }
    }

    @Test
    void finiteProgramsGiveTheSameResultsWithDetectionOnAndDetectingRestoresTheSwitch() {
        Device d = Backends.open("cpu");
        float[] off;
        float[] on;
        try (Scope s = Scope.open()) {
            off = gradients(d);
        }
        try (Anomaly.Detecting outer = Anomaly.detecting(); Scope s = Scope.open()) {
            on = gradients(d);
            try (Anomaly.Detecting inner = Anomaly.detecting()) {
                assertTrue(Anomaly.isDetecting());
            }
            assertTrue(Anomaly.isDetecting(), "closing the inner one restores the outer one's setting");
        }
        assertFalse(Anomaly.isDetecting());
        assertArrayEquals(off, on);
    }

    /** f = ln(x1) + x1·x2 − sin(x2) at (2, 5): df/dx1 = 1/x1 + x2, df/dx2 = x1 − cos(x2). */
    private static float[] gradients(Device d) {
        Tensor x1 = Tensor.scalar(d, 2f).requiresGrad(true);
        Tensor x2 = Tensor.scalar(d, 5f).requiresGrad(true);
        x1.log().add(x1.mul(x2)).sub(x2.sin()).backward();
        assertEquals(1 / 2.0 + 5, x1.grad().item(), 1e-6);
        assertEquals(2 - Math.cos(5), x2.grad().item(), 1e-6);
        return new float[] {x1.grad().item(), x2.grad().item()};
    }

    /** Off, an op reads nothing back from the device; on, it checks its output (one download per op). */
    @Test
    void offItCostsNoDeviceTraffic() {
        try (CountingDevice d = new CountingDevice(new CpuDevice(1)); Scope s = Scope.open()) {
            Tensor x = Tensor.of(d, new float[] {1, 2, 3}, 3).requiresGrad(true);
            long before = d.downloads();
            x.log().exp().sum().backward();
            assertEquals(before, d.downloads(), "anomaly mode off: no download");
            try (Anomaly.Detecting on = Anomaly.detecting()) {
                x.log().exp().sum().backward();
            }
            assertTrue(d.downloads() >= before + 6, "on: forward and backward outputs checked, " + (d.downloads() - before));
        }
    }
}
