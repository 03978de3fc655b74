package dev.adjoint.conformance;

import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.adjoint.testing.Backends;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The conformance suite on every backend on the class path. A backend that cannot run here shows
 * as skipped, with its reason, for each of its cases — never as passed.
 */
class ConformanceTest {
    @TestFactory
    List<DynamicNode> everyBackend() {
        long seed = Conformance.seed();
        List<DynamicNode> nodes = new ArrayList<>();
        for (String backend : Backends.names()) {
            List<DynamicNode> cases = new ArrayList<>();
            for (Conformance.Case c : Conformance.cases()) {
                cases.add(dynamicTest(c.name(), () -> c.run(Backends.open(backend), seed)));
            }
            nodes.add(dynamicContainer(backend, cases));
        }
        return nodes;
    }
}
