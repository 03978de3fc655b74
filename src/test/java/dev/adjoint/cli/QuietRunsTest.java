package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Backend;
import dev.adjoint.device.Devices;
import dev.adjoint.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Quiet runs (issue #22): a successful command prints nothing on stderr but its own progress.
 * {@code devices} and {@code train} have no progress on stderr: the device choice, the epochs and
 * the accuracy all go to stdout. So their stderr must be empty, with one exception, named here
 * exactly and allowed only as the first line: {@value #INCUBATOR}. The JVM prints it before
 * {@code main} whenever an incubator module is resolved at startup (JDK 25's
 * {@code jdk.internal.module.ModuleBootstrap.checkIncubatingStatus}, unconditionally, to
 * {@code System.err}; JEP 11 asks for it), and the CPU backend's Vector API is one; no option turns it off.
 *
 * <p>Each child JVM runs {@code Main} with exactly the JVM options the {@code adjoint} launcher passes
 * (read from its {@code exec} line) and the launcher's {@code LD_PRELOAD} of the JDK's libjsig: with
 * OpenCL available (the ICD installed here, when there is one) and with OpenCL unavailable as on a
 * machine without {@code libOpenCL.so.1}, i.e. {@code ADJOINT_JAVA_OPTS=-Dorg.lwjgl.opencl.libname=}
 * a library no system has. Before the fix, both printed four {@code WARNING: … sun.misc.Unsafe …}
 * lines (LWJGL's memory access) and, without OpenCL, LWJGL's four {@code [LWJGL] Failed to load a
 * library…} lines.
 */
class QuietRunsTest {
    static final String INCUBATOR = "WARNING: Using incubator modules: jdk.incubator.vector";
    static final String NO_OPENCL = "-Dorg.lwjgl.opencl.libname=libOpenCL-absent-for-QuietRunsTest.so.1";
    static final String TRAIN = "train --data spiral --epochs 1 --hidden 16 --batch 256 --no-checkpoint";

    @Test
    void childJvmsTheBundleAndTheLauncherPassTheSameOptions() throws Exception {
        List<String> launcher = ChildJvm.launcherOptions(Path.of("adjoint"));
        assertTrue(launcher.contains("--sun-misc-unsafe-memory-access=allow"), launcher.toString());
        assertEquals(launcher, ChildJvm.launcherOptions(Path.of("native/dist.sh")), "native/dist.sh's bin/adjoint");
        assertEquals(launcher, ChildJvm.ADJOINT_OPTIONS, "ChildJvm.ADJOINT_OPTIONS");
    }

    @ParameterizedTest(name = "{0}, OpenCL {1}")
    @CsvSource({"devices, available", "devices, unavailable", TRAIN + ", available", TRAIN + ", unavailable"})
    void aSuccessfulCommandPrintsNothingOnStderr(String command, String openCl, @TempDir Path dir) throws Exception {
        boolean withOpenCl = openCl.equals("available");
        if (withOpenCl) {
            Backend.Availability a = Devices.backend("opencl").availability();
            Assumptions.assumeTrue(a.available(), () -> "OpenCL unavailable here: " + a.reason());
        }
        ChildJvm.Result r = runAsTheLauncher(dir, withOpenCl ? List.of() : List.of(NO_OPENCL), command.split(" "));
        String what = command + " (OpenCL " + openCl + ")";
        assertFalse(r.timedOut(), what + " did not finish:\n" + r.out() + r.err());
        assertEquals(0, r.code(), what + ":\n" + r.out() + r.err());
        assertEquals(List.of(), beyondTheIncubatorLine(r.err()), what + " printed on stderr:\n" + r.err());
        if (command.equals("devices")) {   // the reason OpenCL is unavailable is still said, once, on stdout
            assertTrue(r.out().contains(withOpenCl ? "opencl  available: "
                    : "opencl  unavailable: the OpenCL ICD loader could not be loaded"), r.out());
        } else {
            assertTrue(r.out().contains("final test accuracy"), r.out());
        }
    }

    /** What LWJGL printed is not lost: the LwjglLog logger's DEBUG (java.util.logging's FINE) records hold it. */
    @Test
    void lwjglsProbeMessagesAreDebugRecords(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("logging.properties");
        Files.writeString(config, """
                handlers=java.util.logging.ConsoleHandler
                java.util.logging.ConsoleHandler.level=FINE
                dev.adjoint.device.opencl.LwjglLog.level=FINE
                """);
        ChildJvm.Result r = runAsTheLauncher(dir, List.of(NO_OPENCL, "-Djava.util.logging.config.file=" + config), "devices");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("FINE: [LWJGL] Failed to load a library. Possible solutions:")
                && r.err().contains("FINE: a) Install the library or the driver that provides the library."), r.err());
    }

    /** Main with {@code args}, started as {@code ./adjoint} starts it, {@code javaOpts} as ADJOINT_JAVA_OPTS. */
    private static ChildJvm.Result runAsTheLauncher(Path dir, List<String> javaOpts, String... args) throws Exception {
        List<String> options = new ArrayList<>(ChildJvm.launcherOptions(Path.of("adjoint")));
        options.addAll(javaOpts);
        Path jsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        return ChildJvm.start(dir, "", env -> {
            env.remove(Devices.ENV);
            env.remove("LD_PRELOAD");
            if (Files.exists(jsig)) {
                env.put("LD_PRELOAD", jsig.toString());
            }
        }, ChildJvm.java(options, Main.class.getName(), args)).await(300);
    }

    /** The stderr lines after the JVM's incubator warning (allowed as the first line only). */
    private static List<String> beyondTheIncubatorLine(String err) {
        List<String> lines = err.isEmpty() ? List.of() : List.of(err.split("\\R"));
        return !lines.isEmpty() && lines.getFirst().equals(INCUBATOR) ? lines.subList(1, lines.size()) : lines;
    }
}
