package dev.adjoint.device;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the host CPU is (model, vector extensions, caches, the JIT's vector width), for
 * {@code adjoint devices}, the CPU backend's choices and every result file. The width the CPU backend
 * chose is the backend's to say ({@code Devices.backend("cpu").versions()}).
 */
public final class Host {
    private Host() {}

    /**
     * The vector extensions the CPU reports (x86 {@code /proc/cpuinfo} flags such as avx512f, avx2, fma;
     * on ARM asimd, sve), widest first; empty where unknown.
     */
    public static List<String> vectorExtensions() {
        String line = cpuinfo("flags", "Features");
        if (line == null) {
            return List.of();
        }
        Set<String> flags = Set.of(line.split("\\s+"));
        List<String> found = new ArrayList<>();
        for (String f : List.of("avx512f", "avx512bw", "avx512vl", "avx512_bf16", "avx512_fp16", "avx2", "fma", "avx",
                "sse4_2", "sve2", "sve", "asimd")) {
            if (flags.contains(f)) {
                found.add(f);
            }
        }
        return found;
    }

    /**
     * The CPU's model name from {@code /proc/cpuinfo}, with its x86 family and model numbers where the
     * name alone does not say the generation (e.g. "AMD EPYC (family 25 model 17)"), else the architecture.
     */
    public static String cpuModel() {
        String model = cpuinfo("model name", "Model");
        if (model == null || model.isEmpty()) {
            return System.getProperty("os.arch");
        }
        String family = cpuinfo("cpu family");
        String number = cpuinfo("model");
        return family == null || number == null ? model : model + " (family " + family + " model " + number + ")";
    }

    /**
     * The size in bytes of the first CPU's cache of this level (a unified or data cache) from
     * {@code /sys/devices/system/cpu/cpu0/cache}, or 0 where that is not known.
     */
    public static long cacheBytes(int level) {
        Path dir = Path.of("/sys/devices/system/cpu/cpu0/cache");
        for (int i = 0; i < 8; i++) {
            Path index = dir.resolve("index" + i);
            try {
                if (!Files.isDirectory(index)) {
                    break;
                }
                String type = Files.readString(index.resolve("type")).trim();
                if (Integer.parseInt(Files.readString(index.resolve("level")).trim()) != level || type.equals("Instruction")) {
                    continue;
                }
                String size = Files.readString(index.resolve("size")).trim();
                long unit = size.endsWith("K") ? 1024 : size.endsWith("M") ? 1024 * 1024 : 1;
                return Long.parseLong(size.replaceAll("[KM]$", "")) * unit;
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }
        return 0;
    }

    /** The value of the first {@code /proc/cpuinfo} line whose key is one of {@code keys}; null if none. */
    private static String cpuinfo(String... keys) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon > 0 && List.of(keys).contains(line.substring(0, colon).trim())) {
                    return line.substring(colon + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: nothing to report
        }
        return null;
    }

    /** C2's {@code MaxVectorSize} in bits (the width of the loops it vectorizes by itself), or 0 if unknown. */
    public static int autoVectorBits() {
        try {
            var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return Integer.parseInt(bean.getVMOption("MaxVectorSize").getValue()) * 8;
        } catch (RuntimeException | LinkageError e) { // not HotSpot, or a runtime without jdk.management
            return 0;
        }
    }
}
