package dev.adjoint.conformance;

import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.adjoint.device.Backend;
import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance suite on every backend on the class path. A backend that cannot run here shows
 * as skipped, with its reason, for each of its cases — never as passed.
 */
class ConformanceTest {
    private static final Map<String, Device> OPEN = new ConcurrentHashMap<>();

    @TestFactory
    List<DynamicNode> everyBackend() {
        long seed = Conformance.seed();
        List<DynamicNode> nodes = new ArrayList<>();
        for (Backend backend : Devices.backends()) {
            Backend.Availability a = backend.availability();
            List<DynamicNode> cases = new ArrayList<>();
            for (Conformance.Case c : Conformance.cases()) {
                cases.add(dynamicTest(c.name(), () -> {
                    Assumptions.assumeTrue(a.available(), () -> backend.name() + " unavailable: " + a.reason());
                    c.run(device(backend), seed);
                }));
            }
            nodes.add(dynamicContainer(backend.name(), cases));
        }
        return nodes;
    }

    private static Device device(Backend backend) {
        return OPEN.computeIfAbsent(backend.name(), n -> backend.open(""));
    }

    @AfterAll
    static void close() {
        OPEN.values().forEach(Device::close);
        OPEN.clear();
    }
}
