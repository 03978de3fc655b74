package dev.adjoint.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.testing.ThreadsProperty;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Device selection: an explicit choice that cannot be honoured fails with the reason; auto falls back and says why in one line. */
class DevicesTest {
    @Test
    void cpuThreadsReadsThePropertyAndNamesItWhenBad() throws Exception {
        ThreadsProperty.restoring(() -> {
            System.clearProperty(Devices.CPU_THREADS_PROPERTY);
            assertEquals(Runtime.getRuntime().availableProcessors(), Devices.cpuThreads());
            System.setProperty(Devices.CPU_THREADS_PROPERTY, " 3 ");
            assertEquals(3, Devices.cpuThreads());
            for (String bad : new String[] {"0", "-2", "two", "1.5", "1025", "4294967297"}) {
                System.setProperty(Devices.CPU_THREADS_PROPERTY, bad);
                String msg = assertThrows(IllegalArgumentException.class, Devices::cpuThreads).getMessage();
                assertEquals("adjoint.threads must be an integer from 1 to 1024, got '" + bad + "'", msg);
            }
            return null;
        });
    }

    @Test
    void theFlagWinsOverAdjointDeviceWhichWinsOverAuto() {
        assertEquals("opencl:1", Devices.spec("opencl:1", "cuda"));
        assertEquals("cuda", Devices.spec(null, "cuda"));
        assertEquals("cuda", Devices.spec("  ", "cuda"));
        assertEquals("auto", Devices.spec(null, null));
        assertEquals("auto", Devices.spec("", " "));
    }

    /**
     * A rank's device: an index given, or the CPU, stays as chosen; a GPU backend named without one opens the
     * device numbered by the local rank (PoCL's one device: rank 1 asks for a second one, which is not there).
     */
    @Test
    void aLocalRankTakesTheDeviceOfItsNumber() {
        try (Device c = Devices.select("cpu", 3).device()) {
            assertEquals("cpu", c.name());
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(Devices.backends().stream().anyMatch(b -> b.name().equals("opencl")
                && b.availability().available() && b.devices().size() == 1), "no OpenCL platform of one device here");
        try (Device first = Devices.select("opencl:0", 1).device(); Device zero = Devices.select("opencl", 0).device()) {
            assertEquals("opencl:0", first.name());
            assertEquals("opencl:0", zero.name());
        }
        String msg = assertThrows(DeviceUnavailableException.class, () -> Devices.select("opencl", 1).device().close())
                .getMessage();
        assertTrue(msg.contains("no device matches '1'"), msg);
    }

    /** A backend with a fixed availability whose open() either hands out a device or fails with a message. */
    private static final class FakeBackend implements Backend {
        private final String name;
        private final Availability availability;
        private final String openFailure;
        private final boolean numbered;
        final List<String> opened = new ArrayList<>();

        FakeBackend(String name, Availability availability, String openFailure) {
            this(name, availability, openFailure, false);
        }

        FakeBackend(String name, Availability availability, String openFailure, boolean numbered) {
            this.name = name;
            this.availability = availability;
            this.openFailure = openFailure;
            this.numbered = numbered;
        }

        @Override public String name() { return name; }
        @Override public boolean numbered() { return numbered; }
        @Override public int preference() { return 0; }
        @Override public Availability availability() { return availability; }
        @Override public List<String> devices() { return List.of(); }

        @Override
        public Device open(String selector) {
            opened.add(selector);
            if (openFailure != null) {
                throw new DeviceException(openFailure);
            }
            return new CpuDevice(1);
        }
    }

    private final FakeBackend cuda = new FakeBackend("cuda", Backend.Availability.no("no CUDA driver: libcuda.so.1 not found"), null);
    private final FakeBackend opencl = new FakeBackend("opencl", Backend.Availability.yes("1 platform"),
            "CL_DEVICE_NOT_AVAILABLE (-2)\ncreating a context on gfx1100");
    private final FakeBackend cpu = new FakeBackend("cpu", Backend.Availability.yes("2 threads"), null);
    private final List<Backend> all = List.of(cuda, opencl, cpu);

    @Test
    void anExplicitChoiceThatIsUnavailableFailsWithTheReasonAndNeverFallsBack() {
        DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class, () -> Devices.select("cuda:1", all));
        assertEquals("device 'cuda:1' was asked for but the cuda backend is unavailable: no CUDA driver: libcuda.so.1 not found",
                e.getMessage());
        DeviceException open = assertThrows(DeviceException.class, () -> Devices.select("opencl", all));
        assertTrue(open.getMessage().contains("CL_DEVICE_NOT_AVAILABLE"), open.getMessage());
        assertTrue(cpu.opened.isEmpty(), "no silent fallback to cpu");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Devices.select("tpu", all));
        assertEquals("unknown backend 'tpu'; known: cuda, opencl, cpu", unknown.getMessage());
    }

    @Test
    void autoFallsBackAndExplainsEverySkipInOneLine() {
        Devices.Selection s = Devices.select(" AUTO ", all);
        try (Device d = s.device()) {
            assertEquals(List.of(""), cpu.opened);
            assertEquals("cuda skipped: no CUDA driver: libcuda.so.1 not found; opencl skipped: CL_DEVICE_NOT_AVAILABLE (-2) "
                    + "creating a context on gfx1100; using cpu (" + d.description() + ")", s.explanation());
            assertFalse(s.explanation().contains("\n"));
        }
        DeviceUnavailableException none = assertThrows(DeviceUnavailableException.class,
                () -> Devices.select("auto", List.of(cuda, opencl)));
        assertTrue(none.getMessage().startsWith("no backend is available: cuda skipped: no CUDA driver"), none.getMessage());
    }

    /**
     * Local rank r opens its numbered device r straight away, never device 0 first (on a multi-GPU host every rank
     * would have made a context on GPU 0); an index given and the CPU stay as chosen; under auto a rank's device
     * that does not open is an error, not a fallback to another backend than the other ranks'.
     */
    @Test
    void aRankOpensOnlyTheDeviceOfItsNumber() {
        FakeBackend gpus = new FakeBackend("cuda", Backend.Availability.yes("2 devices"), null, true);
        FakeBackend host = new FakeBackend("cpu", Backend.Availability.yes("2 threads"), null);
        List<Backend> both = List.of(gpus, host);
        Devices.select("cuda", both, 2).device().close();
        Devices.select(" AUTO", both, 1).device().close();
        Devices.select("cuda:0", both, 3).device().close();
        Devices.select("cuda", both, 0).device().close();
        assertEquals(List.of("2", "1", "0", ""), gpus.opened);
        Devices.select("cpu", both, 3).device().close();
        assertEquals(List.of(""), host.opened, "the CPU is one device whatever the rank");

        FakeBackend busy = new FakeBackend("cuda", Backend.Availability.yes("2 devices"), "CUDA_ERROR_DEVICE_UNAVAILABLE", true);
        FakeBackend spare = new FakeBackend("cpu", Backend.Availability.yes("2 threads"), null);
        DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class,
                () -> Devices.select("auto", List.of(busy, spare), 1));
        assertTrue(e.getMessage().startsWith("auto: local rank 1 takes cuda:1, which did not open (CUDA_ERROR_DEVICE_UNAVAILABLE)"),
                e.getMessage());
        assertTrue(spare.opened.isEmpty(), "no fallback to another backend than the other ranks'");
        try (Device d = Devices.select("auto", List.of(busy, spare), 0).device()) {
            assertEquals(List.of(""), spare.opened, "rank 0 (or one process) still falls back");
        }
    }

    /** The real registry: auto says why it passed over each backend before the one it chose. */
    @Test
    void theRealAutoSelectionNamesEverySkippedBackend() {
        Devices.Selection s = Devices.select("auto");
        try (Device d = s.device()) {
            String chosen = d.name().split(":")[0];
            for (Backend b : Devices.backends()) {
                if (b.name().equals(chosen)) {
                    break;
                }
                assertTrue(s.explanation().contains(b.name() + " skipped: "), s.explanation());
            }
            assertTrue(s.explanation().endsWith("using " + d.name() + " (" + d.description() + ")"), s.explanation());
            assertFalse(s.explanation().contains("\n"));
        }
        for (Backend b : Devices.backends()) {
            if (!b.availability().available()) {
                DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class, () -> Devices.select(b.name()));
                assertTrue(e.getMessage().endsWith(b.availability().reason()), e.getMessage());
            }
        }
    }
}
