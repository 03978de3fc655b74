package dev.adjoint.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.Backends;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Device out-of-memory is an exception naming the requested size and the free memory, and the device goes on working. */
class OutOfMemoryTest {
    static List<String> backends() {
        return Backends.names();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void outOfMemoryNamesTheSizeAndTheFreeMemoryThenTheDeviceKeepsWorking(String backend) {
        Device d = Backends.open(backend);
        // The cpu backend's buffers are Java arrays (at most 2^31 - 1 floats): 8 GiB is more than the test heap.
        long floats = backend.equals("cpu") ? Integer.MAX_VALUE - 8 : 1L << 40;
        if (backend.equals("cpu")) {
            Assumptions.assumeTrue(Runtime.getRuntime().maxMemory() < 4L * floats,
                    () -> "the heap (-Xmx) holds " + floats + " floats here");
        }
        DeviceException e = assertThrows(DeviceException.class, () -> d.allocate(floats).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(backend + ": ") && m.contains("out of memory") && m.contains(Long.toString(floats))
                && m.contains(" free"), m);
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(d, new float[] {1, 2, 3}, 3);
            assertArrayEquals(new float[] {2, 5, 10}, x.mul(x).add(1f).toArray());
        }
    }
}
