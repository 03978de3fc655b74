package dev.adjoint.cli;

import dev.adjoint.device.Backend;
import dev.adjoint.device.Device;
import dev.adjoint.device.DeviceUnavailableException;
import dev.adjoint.device.Devices;
import java.util.List;

/** {@code adjoint devices}: every backend, whether it can run here and why not, and what auto picks. */
final class DevicesCommand {
    private DevicesCommand() {}

    static int run(Args args) {
        args.allow(List.of());
        for (Backend b : Devices.backends()) {
            Backend.Availability a = b.availability();
            System.out.printf("%-7s %s%n", b.name(), a.available() ? "available: " + a.reason() : "unavailable: " + a.reason());
            for (String d : b.devices()) {
                System.out.println("        " + d);
            }
        }
        try {
            Devices.Selection s = Devices.select("auto");
            try (Device d = s.device()) {
                System.out.println("auto -> " + d.name() + ": " + s.explanation());
            }
        } catch (DeviceUnavailableException e) {
            System.out.println("auto -> none: " + e.getMessage());
            return 1;
        }
        return 0;
    }
}
