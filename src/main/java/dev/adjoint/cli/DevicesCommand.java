package dev.adjoint.cli;

import dev.adjoint.device.Backend;
import dev.adjoint.device.Device;
import dev.adjoint.device.DeviceUnavailableException;
import dev.adjoint.device.Devices;
import dev.adjoint.dist.World;
import dev.adjoint.io.Json;
import dev.adjoint.io.JsonOutput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code adjoint devices}: every backend, whether it can run here and why not, and what auto picks. */
final class DevicesCommand {
    /** The --device option of every command that runs on one device. */
    static final Args.Option DEVICE = new Args.Option("device", "D", null, "auto, cpu, cuda[:i] or opencl[:i or name]"
            + " (default: auto, or $ADJOINT_DEVICE)");

    static final List<Args.Option> OPTIONS = List.of(
            new Args.Option("json", "FILE|-", "", "also write the list as JSON to FILE, or to standard output (-)"));

    private DevicesCommand() {}

    static String usage() {
        return Usage.text("devices", """
                Every backend, whether it can run here (and why not), its devices, and which device 'auto' picks
                and why; then the collective engines of data-parallel training (mpi, nccl): found, or why not.
                Exit 1 when no device can run.""", OPTIONS);
    }

    static int run(Args args) {
        args.allow();
        String json = args.get("json");
        if (json != null) {
            JsonOutput.checkWritable(Path.of(json), "--json");
        }
        List<Map<String, Object>> backends = new ArrayList<>();
        for (Backend b : Devices.backends()) {
            Backend.Availability a = b.availability();
            System.out.printf("%-7s %s%n", b.name(), a.available() ? "available: " + a.reason() : "unavailable: " + a.reason());
            for (String d : b.devices()) {
                System.out.println("        " + d);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", b.name());
            m.put("available", a.available());
            m.put("reason", a.reason());
            m.put("devices", List.copyOf(b.devices()));
            backends.add(m);
        }
        List<Map<String, Object>> engines = new ArrayList<>();
        for (Map.Entry<String, String> e : World.engines().entrySet()) {
            System.out.printf("%-7s %s%n", e.getKey(), e.getValue());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.getKey());
            m.put("available", !e.getValue().startsWith("unavailable"));
            m.put("reason", e.getValue());
            engines.add(m);
        }
        Map<String, Object> auto = new LinkedHashMap<>();
        int code = 0;
        try {
            Devices.Selection s = Devices.select("auto");
            try (Device d = s.device()) {
                System.out.println("auto -> " + d.name() + ": " + s.explanation());
                auto.put("device", d.name());
                auto.put("description", d.description());
                auto.put("explanation", s.explanation());
            }
        } catch (DeviceUnavailableException e) {
            System.out.println("auto -> none: " + e.getMessage());
            auto.put("device", null);
            auto.put("explanation", e.getMessage());
            code = 1;
        }
        if (json != null) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("backends", backends);
            root.put("auto", auto);
            root.put("collectives", engines);
            JsonOutput.write(Path.of(json), Json.write(root) + "\n");
        }
        return code;
    }
}
