package dev.adjoint.device.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Backend;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Devices;
import dev.adjoint.device.DeviceUnavailableException;
import dev.adjoint.device.UnaryOp;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class CudaBackendTest {
    private final CudaBackend backend = new CudaBackend();

    @Test
    void availabilityNeverThrowsAndGivesAReason() {
        Backend.Availability a = backend.availability();
        assertNotNull(a.reason());
        assertFalse(a.reason().isBlank());
        assertEquals(a, backend.availability(), "availability is cached");
        if (!a.available()) {
            assertTrue(backend.devices().isEmpty());
            DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class, () -> backend.open(""));
            assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
        }
    }

    @Test
    void versionsNameJCudaEvenWithoutADriver() {
        Map<String, String> v = backend.versions();
        assertTrue(v.get("jcuda").matches("\\d+\\.\\d+\\.\\d+"), "JCuda's version from its Maven metadata: " + v);
        assertEquals(backend.availability().available(), v.containsKey("cuda_driver"), v.toString());
    }

    @Test
    void registeredForServiceLoader() {
        assertTrue(Devices.backends().stream().anyMatch(b -> b.name().equals("cuda") && b.preference() == 0));
    }

    @Test
    void ptxResourcesHoldEveryEntryTheLaunchersUse() {
        Pattern entry = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(");
        for (Map.Entry<String, List<String>> family : CudaKernels.ENTRIES.entrySet()) {
            byte[] ptx = CudaKernels.ptx(family.getKey());
            assertEquals(0, ptx[ptx.length - 1], "NUL-terminated for cuModuleLoadData");
            String text = new String(ptx, 0, ptx.length - 1, StandardCharsets.US_ASCII);
            assertTrue(text.contains(".target sm_75"), family.getKey() + ".ptx targets compute_75");
            Set<String> found = new HashSet<>();
            Matcher m = entry.matcher(text);
            while (m.find()) {
                found.add(m.group(1));
            }
            for (String e : family.getValue()) {
                assertTrue(found.contains(e), CudaKernels.resource(family.getKey()) + " lacks .entry " + e + "; has " + found);
            }
        }
    }

    @Test
    void stridedViewsAreSimplifiedBeforeLaunch() {
        // A contiguous 3-D view collapses to one run: the fast path.
        CudaElementwise.Layout l = CudaElementwise.Layout.of(new int[] {2, 3, 5}, new long[] {15, 5, 1});
        assertTrue(l.contiguous());
        assertEquals(30, l.count());
        // Row broadcast (a bias) stays 2-D; a transposed view stays strided.
        CudaElementwise.Layout bias = CudaElementwise.Layout.of(new int[] {4, 7}, new long[] {7, 1}, new long[] {0, 1});
        assertFalse(bias.contiguous());
        assertEquals(2, bias.shape().length);
        CudaElementwise.Layout t = CudaElementwise.Layout.of(new int[] {1, 3, 1, 4}, new long[] {99, 1, 99, 3});
        assertEquals(2, t.shape().length);
        assertEquals(3, t.strides()[0][1]);
        assertEquals(1 + 8 * 2, t.pack("test").length);
        assertTrue(CudaElementwise.Layout.of(new int[] {}, new long[] {}).contiguous());
    }

    @Test
    void allocationSizesAreRoundedForTheCache() {
        assertEquals(512, CudaMemory.rounded(0));
        assertEquals(1024, CudaMemory.rounded(513));
        assertEquals(4L << 20, CudaMemory.rounded((2L << 20) + 1));
    }

    @Test
    void bufferOffsetsCountElementsOfTheirDType() {
        CudaMemory.Block block = new CudaMemory.Block(new CudaDriver.DevicePointer(), 512);
        assertEquals(12, new CudaBuffer(null, block, 10, DType.F32).address(3));
        assertEquals(6, new CudaBuffer(null, block, 10, DType.BF16).address(3));
        assertEquals(14, new CudaBuffer(null, block, 10, DType.F16).address(7));
        assertEquals("CudaBuffer[10 BF16]", new CudaBuffer(null, block, 10, DType.BF16).toString());
        assertEquals("1000 floats", CudaMemory.describe(1000, DType.F32));
        assertEquals("1000 F16 elements", CudaMemory.describe(1000, DType.F16));
        assertEquals("1000 bytes", CudaMemory.describe(1000, null));
    }

    @Test
    void convertPicksTheKernelOfEachDirection() {
        assertEquals("f32_to_bf16_forward", CudaElementwise.convertEntry(DType.F32, DType.BF16));
        assertEquals("f32_to_f16_forward", CudaElementwise.convertEntry(DType.F32, DType.F16));
        assertEquals("bf16_to_f32_forward", CudaElementwise.convertEntry(DType.BF16, DType.F32));
        assertEquals("f16_to_f32_forward", CudaElementwise.convertEntry(DType.F16, DType.F32));
        assertThrows(IllegalArgumentException.class, () -> CudaElementwise.convertEntry(DType.BF16, DType.F16));
        assertThrows(IllegalArgumentException.class, () -> CudaElementwise.convertEntry(DType.F32, DType.F32));
        for (String entry : List.of("f32_to_bf16_forward", "f32_to_f16_forward", "bf16_to_f32_forward",
                "f16_to_f32_forward")) {
            assertTrue(CudaKernels.ENTRIES.get("convert").contains(entry), entry);
        }
    }

    @Test
    void deviceRoundTripWhenAGpuIsPresent() {
        Backend.Availability a = backend.availability();
        Assumptions.assumeTrue(a.available(), () -> "cuda unavailable: " + a.reason());
        try (CudaDevice d = backend.open("")) {
            float[] x = {1, -2, 3, -4, 5};
            Buffer b = d.allocate(5);
            Buffer o = d.allocate(5);
            d.upload(x, 0, b, 0, 5);
            d.unary(UnaryOp.RELU, 0, new int[] {5}, b, 0, new long[] {1}, o, 0);
            float[] y = new float[5];
            d.download(o, 0, y, 0, 5);
            assertEquals(List.of(1f, 0f, 3f, 0f, 5f), List.of(y[0], y[1], y[2], y[3], y[4]));
        }
    }
}
