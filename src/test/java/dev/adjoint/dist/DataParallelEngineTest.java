package dev.adjoint.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Collectives;
import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.tensor.Tensor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The device engine's path through {@link DataParallel} (NCCL's, on CUDA), on the CPU: a device whose
 * collective engine is a stand-in that sums two identical ranks (doubles the buffer). The slab is scaled
 * by the rank's share on the device, then summed in place, whole; the engine is asked for by
 * {@value DataParallel#ENGINE_PROPERTY}, and asking for it where the device has none is an error.
 */
class DataParallelEngineTest {
    private final CpuDevice cpu = new CpuDevice(1);
    private final List<String> calls = new ArrayList<>();

    @AfterEach
    void restore() {
        System.clearProperty(DataParallel.ENGINE_PROPERTY);
        cpu.close();
    }

    /** The CPU device, offering {@code engine} as its collectives (none when null). */
    private Device withEngine(Collectives engine) {
        return (Device) Proxy.newProxyInstance(Device.class.getClassLoader(), new Class<?>[] {Device.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("collectives")) {
                        return engine;
                    }
                    try {
                        return method.invoke(cpu, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private Collectives twoIdenticalRanks() {
        return new Collectives() {
            @Override
            public String describe() {
                return "stand-in engine";
            }

            @Override
            public byte[] newId() {
                calls.add("newId");
                return new byte[ID_BYTES];
            }

            @Override
            public Group join(byte[] id, int rank, int ranks) {
                calls.add("join " + id.length + " bytes as " + rank + " of " + ranks);
                return new Group() {
                    @Override
                    public void allReduceSum(Buffer buffer, long offset, long length) {
                        calls.add("allReduceSum [" + offset + ", " + (offset + length) + ")");
                        float[] v = new float[(int) length];
                        cpu.download(buffer, offset, v, 0, v.length);
                        for (int i = 0; i < v.length; i++) {
                            v[i] *= 2;     // the other rank holds the same values
                        }
                        cpu.upload(v, 0, buffer, offset, v.length);
                    }

                    @Override
                    public void close() {
                        calls.add("close");
                    }
                };
            }
        };
    }

    @Test
    void theDeviceEngineScalesByTheShareThenSumsInPlace() {
        System.setProperty(DataParallel.ENGINE_PROPERTY, "nccl");
        Device device = withEngine(twoIdenticalRanks());
        assertTrue(DataParallel.wanted(World.single()), "nccl asked for: a group of one still runs through it");
        try (DataParallel dp = new DataParallel(World.single(), device);
             Tensor grads = Tensor.of(device, new float[] {1, 2, 3, 4}, 4)) {
            assertEquals("stand-in engine", dp.engine());
            assertEquals(List.of("newId", "join 128 bytes as 0 of 1"), calls);
            dp.averageGradients(grads, 0.5);
            assertArrayEquals(new float[] {1, 2, 3, 4}, grads.toArray(), "half of each of two equal ranks");
            dp.averageGradients(grads, 0.25);
            assertArrayEquals(new float[] {0.5f, 1, 1.5f, 2}, grads.toArray());
            dp.averageGradients(grads, 1);
            assertArrayEquals(new float[] {1, 2, 3, 4}, grads.toArray(), "a share of 1 is not scaled");
            assertEquals("allReduceSum [0, 4)", calls.get(2));
            assertThrows(IllegalArgumentException.class, () -> dp.averageGradients(grads, 1.5));
        }
        assertEquals("close", calls.getLast());
    }

    @Test
    void mpiOrAnAbsentEngineIsHonouredOrRefused() {
        Device device = withEngine(twoIdenticalRanks());
        System.setProperty(DataParallel.ENGINE_PROPERTY, "mpi");
        assertTrue(!DataParallel.wanted(World.single()), "one process through MPI has nothing to sum");
        try (DataParallel dp = new DataParallel(World.single(), device)) {
            assertEquals("none, through the host", dp.engine());
            assertEquals(List.of(), calls, "mpi asked for: the device's engine is not joined");
        }
        System.setProperty(DataParallel.ENGINE_PROPERTY, "nccl");
        String msg = assertThrows(IllegalStateException.class, () -> new DataParallel(World.single(), withEngine(null)))
                .getMessage();
        assertTrue(msg.contains("cpu has no collective engine") && msg.contains("libnccl.so.2"), msg);
        System.setProperty(DataParallel.ENGINE_PROPERTY, "gloo");
        msg = assertThrows(IllegalArgumentException.class, () -> new DataParallel(World.single(), device)).getMessage();
        assertTrue(msg.contains("auto, mpi or nccl"), msg);
    }
}
