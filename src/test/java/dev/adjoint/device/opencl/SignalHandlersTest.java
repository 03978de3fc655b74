package dev.adjoint.device.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Backend;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import dev.adjoint.testing.ChildJvm;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java's own exceptions after the OpenCL backend has been probed and used: PoCL 3.x replaced the
 * JVM's SIGFPE handler, after which an interpreted {@code 7 / 0} returned 7. A child JVM, started
 * as a library user would start it (no signal chaining) or as the {@code adjoint} launcher does
 * (libjsig preloaded), selects {@code auto}, then {@code opencl} and runs an op on it, and after
 * each checks that a division by zero, a null dereference and an index out of bounds throw, and
 * that no signal disposition changed; meanwhile a second thread divides by zero over and over,
 * so a handler that was wrong even for a moment during the probe is caught too.
 */
class SignalHandlersTest {

    @BeforeAll
    static void openClAvailable() {
        Backend.Availability a = new OpenClBackend().availability();
        Assumptions.assumeTrue(a.available(), () -> "OpenCL unavailable: " + a.reason());
    }

    @Test
    void interpretedJavaThrowsAfterOpenClInALibraryJvm(@TempDir Path dir) throws Exception {
        runChild(dir, Map.of(), "-Xint", "-DdivideDuring=auto");
    }

    @Test
    void compiledJavaThrowsAfterOpenClInALibraryJvm(@TempDir Path dir) throws Exception {
        runChild(dir, Map.of(), "-Dwarm=true", "-DdivideDuring=auto");
    }

    @Test
    void javaThrowsAfterOpenClWithSignalChainingAsTheLauncherRunsIt(@TempDir Path dir) throws Exception {
        Path jsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        Assumptions.assumeTrue(Files.exists(jsig), () -> "this JDK has no " + jsig);
        runChild(dir, Map.of("LD_PRELOAD", jsig.toString()), "-Dwarm=true", "-DdivideDuring=auto,opencl");
    }

    /** Runs {@link Child} with {@code jvmFlags} and the environment {@code env} adds; it must exit 0. */
    private static void runChild(Path dir, Map<String, String> env, String... jvmFlags) throws Exception {
        List<String> options = new ArrayList<>(List.of(jvmFlags));
        options.addAll(ChildJvm.ADJOINT_OPTIONS);
        ChildJvm.Result r = ChildJvm.start(dir, "", e -> {
            e.remove("LD_PRELOAD");            // a library JVM: no signal chaining unless asked
            e.remove("POCL_SIGFPE_HANDLER");   // PoCL's default, so the backend is what keeps it off
            e.remove(Devices.ENV);
            e.putAll(env);
        }, ChildJvm.java(options, Child.class.getName(), "auto", "opencl")).await(300);
        String out = r.out() + r.err();
        assertTrue(!r.timedOut(), "child JVM (" + List.of(jvmFlags) + ", " + env + ") did not finish in 300 s:\n" + out);
        assertEquals(0, r.code(), "child JVM (" + List.of(jvmFlags) + ", " + env + "):\n" + out);
        assertTrue(out.contains("auto: " + Child.EXPECTED) && out.contains("opencl: " + Child.EXPECTED), out);
    }

    /** The child JVM: selects each spec given, runs an op, checks the exceptions; exit status 1 on any failure. */
    public static final class Child {
        static int zero = 0;
        static int[] one = new int[1];
        static int[] nothing = null;
        static volatile boolean dividing;
        static volatile long silent;

        public static void main(String[] specs) throws Exception {
            List<String> divideDuring = List.of(System.getProperty("divideDuring", "").split(","));
            Thread divider = Thread.ofPlatform().daemon().start(Child::divideByZeroWhileAsked);
            List<String> failures = new ArrayList<>();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment before = SignalHandlers.read(arena);
                for (String spec : specs) {
                    dividing = divideDuring.contains(spec);
                    Devices.Selection s = Devices.select(spec);
                    try (Device d = s.device()) {
                        Buffer b = d.allocate(4);
                        d.fill(b, 0, 4, 2.5f);
                        float[] got = new float[4];
                        d.download(b, 0, got, 0, 4);
                        if (got[3] != 2.5f) {
                            failures.add(spec + ": fill gave " + got[3]);
                        }
                    }
                    dividing = false;
                    List<String> changed = SignalHandlers.changed(before, SignalHandlers.read(arena));
                    if (!changed.isEmpty()) {   // before the exceptions below, whose first fault LLVM's handler would undo
                        failures.add(spec + ": signal handlers changed: " + changed);
                    }
                    String seen = exceptions();
                    int rounds = Boolean.getBoolean("warm") ? 200_000 : 1;
                    for (int i = 1; i < rounds && seen.equals(EXPECTED); i++) {
                        seen = exceptions();
                    }
                    System.out.println(spec + ": " + seen + " (on " + s.device().name() + ")");
                    if (!seen.equals(EXPECTED)) {
                        failures.add(spec + ": " + seen);
                    }
                }
            }
            if (silent > 0) {
                failures.add("7 / 0 returned instead of throwing " + silent + " times on another thread");
            }
            failures.forEach(f -> System.out.println("FAILED " + f));
            System.exit(failures.isEmpty() ? 0 : 1);
        }

        /** While {@link #dividing}: {@code 7 / 0} over and over, counting the times it did not throw. */
        private static void divideByZeroWhileAsked() {
            while (true) {
                if (!dividing) {
                    LockSupport.parkNanos(1_000_000);
                    continue;
                }
                try {
                    int r = 7 / zero;
                    silent++;
                } catch (ArithmeticException expected) {
                    // what Java says
                }
            }
        }

        static final String EXPECTED = "ArithmeticException, NullPointerException, ArrayIndexOutOfBoundsException";

        /** What an integer division by zero, a null dereference and an index out of bounds did. */
        static String exceptions() {
            String div;
            String nul;
            String idx;
            try {
                div = "7 / 0 = " + (7 / zero);
            } catch (ArithmeticException e) {
                div = "ArithmeticException";
            }
            try {
                nul = "null.length = " + nothing.length;
            } catch (NullPointerException e) {
                nul = "NullPointerException";
            }
            try {
                idx = "[1] of 1 = " + one[zero + 1];
            } catch (ArrayIndexOutOfBoundsException e) {
                idx = "ArrayIndexOutOfBoundsException";
            }
            return div + ", " + nul + ", " + idx;
        }
    }
}
