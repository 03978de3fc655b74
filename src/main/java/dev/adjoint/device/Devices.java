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
     * {@link #select(String)} for local rank {@code localRank} of a data-parallel job: a device with an index
     * ({@code cuda:0}) chosen without one ({@code cuda}, or {@code auto}) becomes the device numbered
     * {@code localRank} of that backend, one per rank on a host; an index given, or the CPU, stays as chosen.
     */
    public static Selection select(String spec, int localRank) {
        Selection sel = select(spec);
        String name = sel.device().name();
        int colon = name.indexOf(':');
        if (localRank == 0 || colon < 0 || spec(spec, System.getenv(ENV)).contains(":")) {
            return sel;
        }
        sel.device().close();
        return select(name.substring(0, colon) + ":" + localRank);
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
        spec = spec.trim().toLowerCase(Locale.ROOT);
        if (spec.equals("auto")) {
            return auto(backends);
        }
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon);
        String selector = colon < 0 ? "" : spec.substring(colon + 1);
        Backend backend = backend(name, backends);
        Backend.Availability a = backend.availability();
        if (!a.available()) {
            throw new DeviceUnavailableException(
                    "device '" + spec + "' was asked for but the " + name + " backend is unavailable: " + a.reason());
        }
        Device device = backend.open(selector);
        return new Selection(device, "using " + device.name() + " as asked (" + device.description() + ")");
    }

    private static Selection auto(List<Backend> backends) {
        StringBuilder why = new StringBuilder();
        for (Backend b : backends) {
            Backend.Availability a = b.autoAvailability();
            if (!a.available()) {
                why.append(b.name()).append(" skipped: ").append(oneLine(a.reason())).append("; ");
                continue;
            }
            try {
                Device device = b.open("");
                return new Selection(device, why + "using " + device.name() + " (" + device.description() + ")");
            } catch (DeviceUnavailableException | DeviceException e) {
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
