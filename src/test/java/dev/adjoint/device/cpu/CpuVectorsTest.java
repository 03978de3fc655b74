package dev.adjoint.device.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.adjoint.device.cpu.gemm.Sgemm;
import dev.adjoint.testing.ChildJvm;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The width choice. The surefire executions run this class (and the CPU kernels' tests) once per
 * forced width, so the checks on {@link CpuVectors#choice()} see each of 128, 256 and 512.
 */
class CpuVectorsTest {
    @Test
    void theWidthIsTheForcedOneWhenThePropertyIsSetElseTheJvmsPreferred() {
        assumeTrue(CpuVectors.available(), "the Vector API is not in use here");
        String forced = System.getProperty(CpuVectors.PROPERTY);
        CpuVectors.Choice c = CpuVectors.choice();
        if (forced == null || forced.isBlank()) {
            assertFalse(c.forced());
            assertEquals(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(), c.bits());
        } else {
            assertTrue(c.forced());
            assertEquals(Integer.parseInt(forced.trim()), c.bits());
        }
        assertEquals(c.bits(), CpuSpecies.FLOAT.vectorBitSize(), "the kernels' species");
    }

    @Test
    void theGemmKernelIsTwoVectorsOfTheChosenWidthWide() {
        assumeTrue(CpuVectors.available(), "the Vector API is not in use here");
        try (Parallel pool = new Parallel(1)) {
            String name = Sgemm.create(pool).name();
            int nr = 2 * CpuVectors.bits() / 32;
            assertTrue(name.contains("4x" + nr + " FMA kernel, blocks MC ") && name.contains(", " + CpuVectors.bits() + "-bit"),
                    name);
        }
    }

    @Test
    void aForcedWidthIsTakenAndABadOneIsRefusedNamingTheProperty() {
        assumeTrue(CpuVectors.available(), "the Vector API is not in use here");
        for (int bits : new int[] {128, 256, 512}) {
            CpuVectors.Choice c = CpuVectors.choose(" " + bits + " ");
            assertEquals(bits, c.bits());
            assertTrue(c.forced());
        }
        CpuVectors.Choice auto = CpuVectors.choose(null);
        assertFalse(auto.forced());
        assertEquals(Math.min(512, auto.jvmBits()), auto.bits());
        for (String bad : new String[] {"300", "64", "1024", "wide", "256bits"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuVectors.choose(bad));
            assertTrue(e.getMessage().contains("-D" + CpuVectors.PROPERTY + "=" + bad), e.getMessage());
            assertTrue(e.getMessage().contains("128, 256 or 512"), e.getMessage());
        }
    }

    /** A bad value never surfaces as a class-initialization stack trace: the cpu backend says it, in one line. */
    @Test
    void aBadPropertyMakesTheCpuBackendUnavailableWithTheReason(@TempDir Path dir) throws Exception {
        List<String> bad = List.of("-D" + CpuVectors.PROPERTY + "=300");
        String reason = "-D" + CpuVectors.PROPERTY + "=300: the CPU vector width must be 128, 256 or 512 (bits)";
        ChildJvm.Result devices = ChildJvm.start(dir, "", e -> { }, ChildJvm.command(bad, "devices")).await(120);
        assertTrue(devices.out().contains("cpu     unavailable: " + reason), devices.out() + devices.err());
        assertFalse(devices.err().contains("ExceptionInInitializerError"), devices.err());
        ChildJvm.Result train = ChildJvm.start(dir, "", e -> { }, ChildJvm.command(bad, "train", "--data", "spiral",
                "--epochs", "1", "--device", "cpu", "--no-checkpoint")).await(120);
        assertTrue(train.code() != 0, train.out() + train.err());
        assertTrue(train.err().contains(reason) && !train.err().contains("ExceptionInInitializerError")
                && !train.err().contains("\tat "), train.err());
    }

    @Test
    void theDescriptionNamesTheWidthAndWhetherItWasForced() {
        String d = CpuVectors.describe();
        if (CpuVectors.available()) {
            assertTrue(d.startsWith(CpuVectors.bits() + "-bit"), d);
            assertEquals(CpuVectors.choice().forced(), d.contains("forced by -D" + CpuVectors.PROPERTY), d);
        } else {
            assertTrue(d.startsWith("scalar"), d);
        }
    }
}
