package dev.adjoint.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.UnaryOp;
import dev.adjoint.testing.Backends;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A capture serves an allocation from a reused arena buffer that may be larger than asked for, so
 * the backend underneath cannot see a call that runs past the end of the caller's buffer; the
 * capturing device checks against the caller's buffer, rejects the call with nothing run or
 * recorded, and the plan replays only the good calls.
 */
class CapturingDeviceChecksTest {

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void aCallPastTheEndOfAnArenaBufferIsRejectedAndNotRecorded(String backend) {
        Device inner = Backends.open(backend);
        CapturingDevice device = new CapturingDevice(inner);   // not closed: it would close the shared device
        Buffer out = inner.allocate(100);
        try {
            inner.fill(out, 0, 100, -7f);
            Plan plan = Plan.capture(device, () -> {
                device.allocate(100).close();                  // back to the free list
                Buffer b = device.allocate(60);                // served by that 100-float arena buffer
                assertEquals(60, b.length());
                // The premise: without it the backend alone would refuse the call and this test would prove nothing.
                assertEquals(100, ((Plan.ArenaBuffer) b).underlying().length(), "not served by the freed arena buffer");
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> device.fill(b, 0, 80, 1f), backend);
                assertTrue(e.getMessage().startsWith("fill: destination needs 80 floats from offset 0 but its "
                        + "buffer holds 60"), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> device.unary(UnaryOp.COPY, 0f, new int[] {80}, b,
                        0, new long[] {1}, out, 0), backend);
                device.fill(b, 0, 60, 2f);                     // exactly fits: runs and is recorded
                device.unary(UnaryOp.COPY, 0f, new int[] {60}, b, 0, new long[] {1}, out, 0);
            });
            try (plan) {
                assertEquals(2, plan.calls().size(), backend + ": " + plan.calls());
                inner.fill(out, 0, 100, -7f);
                plan.replay();
                float[] got = new float[100];
                inner.download(out, 0, got, 0, 100);
                float[] expected = new float[100];
                Arrays.fill(expected, 0, 60, 2f);
                Arrays.fill(expected, 60, 100, -7f);
                assertArrayEquals(expected, got, backend);
            }
        } finally {
            out.close();
        }
    }
}
