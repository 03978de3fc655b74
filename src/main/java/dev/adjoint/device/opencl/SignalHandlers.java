package dev.adjoint.device.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.adjoint.device.DeviceException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Keeps the JVM's signal handlers in place while an OpenCL driver starts. The JVM turns SIGFPE,
 * SIGSEGV and SIGBUS in Java code into ArithmeticException, NullPointerException and so on (and
 * uses SIGSEGV for safepoints); a driver that installs its own handler for one of them breaks that
 * for the whole process. PoCL 3.x (Debian 12's) installs a SIGFPE handler that skips an integer
 * division by zero in <em>every</em> thread, so an interpreted {@code 7 / 0} then returns 7 (PoCL 4.0
 * skips only in its own threads); its LLVM installs one-shot handlers for SIGSEGV, SIGBUS, SIGILL,
 * SIGINT, SIGTERM and more, which delete LLVM's temporary files and hand the signal back. Hence:
 * <ul>
 *   <li>before the ICD loader first runs, {@code POCL_SIGFPE_HANDLER=0} (PoCL's documented switch) is
 *       set in this process's environment, unless it is set already;</li>
 *   <li>{@link #keep} reads the handlers of signals 1 to 31 before a native call that may start a
 *       driver (platform enumeration, context creation and kernel builds), puts back every one the
 *       call replaced, and reads them again: one that did not come back is a {@link DeviceException}
 *       saying how to run with signal chaining instead. When the JVM's fault handlers were among
 *       those put back, it warns once: until then, a fault in another Java thread went to the
 *       driver's handler (LLVM's deletes the build's temporary files, so that build fails).</li>
 * </ul>
 * With the JDK's signal-chaining library preloaded ({@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so},
 * as the {@code adjoint} launcher does) the JVM's fault handlers never change hands, and a driver's
 * handler runs only for faults the JVM does not claim. Without it, an OpenCL kernel that divides
 * an integer by zero on a CPU device stops the JVM (our kernels never do). Only Linux is checked:
 * the handlers in question are PoCL's and LLVM's on Linux.
 */
@SuppressWarnings("restricted")
final class SignalHandlers {
    private static final int SIGNALS = 31;
    /**
     * Room for glibc's {@code struct sigaction} on Linux (152 bytes on x86-64 and AArch64), the handler
     * at offset 0. Only handlers are compared: the mask and flags come back with bytes the kernel does
     * not fill, and the JDK itself resets SIGCHLD's flags when it first starts a process.
     */
    private static final long SIZE = 152;
    private static final String[] NAMES = {"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
        "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD",
        "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};
    /** SIGILL, SIGBUS, SIGFPE, SIGSEGV: the JVM turns these into exceptions and uses them for safepoints. */
    private static final List<Integer> FAULTS = List.of(4, 7, 8, 11);
    private static final boolean LINUX = System.getProperty("os.name", "").startsWith("Linux");
    /**
     * libc's own {@code sigaction}: the default lookup resolves through its own library handle,
     * which does not see an LD_PRELOADed interposer such as libjsig, so it reads the real dispositions.
     */
    private static final MethodHandle SIGACTION = LINUX ? libc("sigaction", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS) : null;

    static {
        if (LINUX) {
            try (Arena arena = Arena.ofConfined()) {   // setenv copies both strings; 0: a value already set stays
                int ignored = (int) libc("setenv", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT).invokeExact(
                        arena.allocateFrom("POCL_SIGFPE_HANDLER"), arena.allocateFrom("0"), 0);
            } catch (Throwable e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private static boolean warned;

    private SignalHandlers() {}

    /** {@code call}'s result, with every signal handler it replaced put back; one call at a time. */
    static synchronized <T> T keep(Supplier<T> call) {
        if (!LINUX) {
            return call.get();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment before = read(arena);
            T result;
            try {
                result = call.get();
            } catch (RuntimeException | Error e) {
                try {
                    putBack(arena, before);
                } catch (DeviceException broken) {
                    broken.addSuppressed(e);
                    throw broken;
                }
                throw e;
            }
            putBack(arena, before);
            return result;
        }
    }

    /** The {@code struct sigaction} of signals 1 to 31, {@link #SIZE} bytes each. */
    static MemorySegment read(Arena arena) {
        MemorySegment all = arena.allocate(SIZE * (SIGNALS + 1), 8);
        for (int sig = 1; sig <= SIGNALS; sig++) {
            sigaction(sig, MemorySegment.NULL, slot(all, sig));
        }
        return all;
    }

    /** The signals whose handler differs between two {@link #read}s, each with where it is now: {@code SIGFPE (libpocl.so.2.10.0)}. */
    static List<String> changed(MemorySegment before, MemorySegment now) {
        return describe(differing(before, now), now);
    }

    private static List<Integer> differing(MemorySegment before, MemorySegment now) {
        List<Integer> out = new ArrayList<>();
        for (int sig = 1; sig <= SIGNALS; sig++) {
            if (!same(slot(before, sig), slot(now, sig))) {
                out.add(sig);
            }
        }
        return out;
    }

    private static List<String> describe(List<Integer> signals, MemorySegment where) {
        return signals.stream().map(sig -> NAMES[sig] + " (" + owner(slot(where, sig).get(JAVA_LONG, 0)) + ")").toList();
    }

    /** Puts back what {@code before} held; warns once if the JVM's fault handlers were among them. */
    private static void putBack(Arena arena, MemorySegment before) {
        MemorySegment now = read(arena);
        List<Integer> replaced = differing(before, now);
        if (replaced.isEmpty()) {
            return;
        }
        for (int sig : replaced) {
            sigaction(sig, slot(before, sig), MemorySegment.NULL);
        }
        String chaining = "start Java with the JDK's signal-chaining library, LD_PRELOAD="
                + Path.of(System.getProperty("java.home"), "lib", "libjsig.so") + " (the adjoint launcher does)";
        List<String> stuck = changed(before, read(arena));
        if (!stuck.isEmpty()) {
            throw new DeviceException("opencl: the OpenCL driver replaced the handlers of " + String.join(", ", stuck)
                    + " and they could not be put back, so Java's ArithmeticException, NullPointerException and"
                    + " ArrayIndexOutOfBoundsException may no longer be thrown in this JVM; " + chaining);
        }
        List<Integer> faults = replaced.stream().filter(FAULTS::contains).toList();
        System.Logger log = System.getLogger(SignalHandlers.class.getName());
        if (!faults.isEmpty() && !warned) {
            warned = true;
            log.log(System.Logger.Level.WARNING, "opencl: while it started, the OpenCL driver replaced the JVM's handlers of "
                    + String.join(", ", describe(faults, now)) + "; they are put back, so Java's exceptions work, but until"
                    + " then a fault in another Java thread would have gone to the driver's handler (which can fail the"
                    + " kernel build or stop the JVM); to chain the handlers instead, " + chaining);
        } else {
            log.log(System.Logger.Level.DEBUG, () -> "opencl: put back the handlers the driver replaced: "
                    + String.join(", ", describe(replaced, now)));
        }
    }

    private static boolean same(MemorySegment a, MemorySegment b) {
        return a.get(JAVA_LONG, 0) == b.get(JAVA_LONG, 0);
    }

    private static MemorySegment slot(MemorySegment all, int sig) {
        return all.asSlice(SIZE * sig, SIZE);
    }

    private static void sigaction(int sig, MemorySegment act, MemorySegment old) {
        try {
            int ignored = (int) SIGACTION.invokeExact(sig, act, old);   // a failure shows as a difference on re-reading
        } catch (Throwable e) {
            throw new IllegalStateException("sigaction(" + sig + ")", e);
        }
    }

    /** Where a handler lives: "default", "ignored", or the file mapped at its address (/proc/self/maps). */
    private static String owner(long handler) {
        if (handler == 0 || handler == 1) {
            return handler == 0 ? "default" : "ignored";
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                String[] f = line.trim().split("\\s+", 6);
                int dash = f[0].indexOf('-');
                long lo = Long.parseUnsignedLong(f[0], 0, dash, 16);
                long hi = Long.parseUnsignedLong(f[0], dash + 1, f[0].length(), 16);
                if (Long.compareUnsigned(handler, lo) >= 0 && Long.compareUnsigned(handler, hi) < 0) {
                    return f.length == 6 ? Path.of(f[5]).getFileName().toString() : "anonymous memory";
                }
            }
        } catch (IOException | RuntimeException e) {
            // the address alone still says it changed
        }
        return String.format("handler at 0x%x", handler);
    }

    private static MethodHandle libc(String name, MemoryLayout result, MemoryLayout... args) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(),
                FunctionDescriptor.of(result, args));
    }
}
