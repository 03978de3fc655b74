package dev.adjoint.device;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * The registry of backends. {@link #select} opens a device from a spec such as {@code auto},
 * {@code cpu}, {@code cuda:1} or {@code opencl:pocl}; {@code auto} prefers cuda, then opencl,
 * then cpu, and the returned {@link Selection} says why each skipped backend was skipped.
 * An explicit choice that cannot be honoured throws instead of falling back.
 */
public final class Devices {
    /** Environment variable consulted when no spec is given. */
    public static final String ENV = "ADJOINT_DEVICE";
    /** The system property the cpu backend reads its thread count from (the CLI's {@code --threads}). */
    public static final String CPU_THREADS_PROPERTY = "adjoint.threads";
    /**
     * System property: {@code true} lets devices opened afterwards run FP32 GEMMs on TF32 tensor
     * cores where they have them (CUDA); other backends have none and compute in F32.
     */
    public static final String TF32_PROPERTY = "adjoint.cuda.tf32";

    /** The most threads the CPU backend runs (each is a pinned worker: more than the cores only slows it down). */
    public static final int MAX_CPU_THREADS = 1024;

    /**
     * The CPU backend's thread count: {@value #CPU_THREADS_PROPERTY} when set, else the number of
     * cores; an IllegalArgumentException naming the property when it is not an integer from 1 to
     * {@value #MAX_CPU_THREADS}.
     */
    public static int cpuThreads() {
        String s = System.getProperty(CPU_THREADS_PROPERTY);
        if (s == null || s.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int t = Integer.parseInt(s.trim());
            if (t >= 1 && t <= MAX_CPU_THREADS) {
                return t;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new IllegalArgumentException(CPU_THREADS_PROPERTY + " must be an integer from 1 to " + MAX_CPU_THREADS
                + ", got '" + s + "'");
    }

    private static volatile List<Backend> backends;

    private Devices() {}

    /** Every backend on the class path, in {@code auto}'s order of preference. */
    public static List<Backend> backends() {
        List<Backend> found = backends;
        if (found == null) {
            List<Backend> list = new ArrayList<>();
            ServiceLoader.load(Backend.class).forEach(list::add);
            list.sort(Comparator.comparingInt(Backend::preference));
            backends = found = List.copyOf(list);
        }
        return found;
    }

    public static Backend backend(String name) {
        return backend(name, backends());
    }

    private static Backend backend(String name, List<Backend> backends) {
        for (Backend b : backends) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "'; known: "
                + String.join(", ", backends.stream().map(Backend::name).toList()));
    }

    /** The device a spec names, with the reasoning. {@code null} or blank means $ADJOINT_DEVICE, else auto. */
    public static Selection select(String spec) {
        return select(spec(spec, System.getenv(ENV)), backends());
    }

    /**
     * {@link #select(String)} for local rank {@code localRank} of a data-parallel job: a numbered backend's device
     * chosen without an index ({@code cuda}, or {@code auto}) is opened as the device numbered {@code localRank},
     * one per rank on a host, and no rank opens another's device first; an index given, or the CPU, stays as
     * chosen. Under {@code auto}, a rank whose numbered device does not open fails rather than falling back, so
     * the ranks of a host never end up on different backends.
     */
    public static Selection select(String spec, int localRank) {
        return select(spec(spec, System.getenv(ENV)), backends(), localRank);
    }

    /** The spec to select: the flag's when given, else the environment's, else {@code auto}. */
    static String spec(String flag, String env) {
        if (flag != null && !flag.isBlank()) {
            return flag;
        }
        return env == null || env.isBlank() ? "auto" : env;
    }

    /** {@link #select} over the given backends, in {@code auto}'s order of preference. */
    static Selection select(String spec, List<Backend> backends) {
        return select(spec, backends, 0);
    }

    /** {@link #select(String, int)} over the given backends. */
    static Selection select(String spec, List<Backend> backends, int localRank) {
        spec = spec.trim().toLowerCase(Locale.ROOT);
        if (spec.equals("auto")) {
            return auto(backends, localRank);
        }
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon);
        Backend backend = backend(name, backends);
        String selector = colon >= 0 ? spec.substring(colon + 1) : rankSelector(backend, localRank);
        Backend.Availability a = backend.availability();
        if (!a.available()) {
            throw new DeviceUnavailableException(
                    "device '" + spec + "' was asked for but the " + name + " backend is unavailable: " + a.reason());
        }
        Device device = backend.open(selector);
        return new Selection(device, "using " + device.name() + " as asked (" + device.description() + ")");
    }

    /** The selector of local rank {@code localRank}'s device when none is given: its number on a numbered backend. */
    private static String rankSelector(Backend backend, int localRank) {
        return localRank > 0 && backend.numbered() ? Integer.toString(localRank) : "";
    }

    private static Selection auto(List<Backend> backends, int localRank) {
        StringBuilder why = new StringBuilder();
        for (Backend b : backends) {
            Backend.Availability a = b.autoAvailability();
            if (!a.available()) {
                why.append(b.name()).append(" skipped: ").append(oneLine(a.reason())).append("; ");
                continue;
            }
            String selector = rankSelector(b, localRank);
            try {
                Device device = b.open(selector);
                return new Selection(device, why + "using " + device.name() + " (" + device.description() + ")");
            } catch (DeviceUnavailableException | DeviceException e) {
                if (!selector.isEmpty()) {
                    throw new DeviceUnavailableException("auto: local rank " + localRank + " takes " + b.name() + ":"
                            + selector + ", which did not open (" + oneLine(e.getMessage()) + "); the ranks of a host"
                            + " must share one backend, so it does not fall back to another (--device names one)");
                }
                why.append(b.name()).append(" skipped: ").append(oneLine(e.getMessage())).append("; ");
            }
        }
        throw new DeviceUnavailableException("no backend is available: " + why);
    }

    /** A reason as part of one line (a driver's message may span several). */
    private static String oneLine(String reason) {
        return String.valueOf(reason).strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** An opened device and one line saying why it was chosen and why others were skipped. */
    public record Selection(Device device, String explanation) {}
}
