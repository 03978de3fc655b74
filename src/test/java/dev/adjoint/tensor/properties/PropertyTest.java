package dev.adjoint.tensor.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Scope;
import dev.adjoint.testing.Backends;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The machinery of the DAG properties: replay, validity of any replayed case, and shrinking. */
class PropertyTest {
    @Test
    void replayingTheRecordedChoicesGivesTheSameDag() {
        for (long seed = 1; seed <= 200; seed++) {
            for (Ops.Set set : Ops.Set.values()) {
                Choices c = Choices.random(seed);
                String original = Dag.generate(c, set, 7).toString();
                assertEquals(original, Dag.generate(Choices.replay(c.recorded()), set, 7).toString(), "seed " + seed);
            }
        }
    }

    /** Shrinking edits choices freely, so every int sequence must replay to a DAG the engine accepts. */
    @Test
    void anyChoicesReplayToAValidDag() {
        Device cpu = Backends.open("cpu");
        SplittableRandom rnd = new SplittableRandom(5);
        for (int trial = 0; trial < 200; trial++) {
            int[] choices = rnd.ints(rnd.nextInt(60), -3, trial % 2 == 0 ? 4 : 1000).toArray();
            for (Ops.Set set : Ops.Set.values()) {
                Dag dag = Dag.generate(Choices.replay(choices), set, 7);
                try (Scope scope = Scope.open()) {
                    assertEquals(0, dag.reverse(dag.leafValues(cpu)).dim(), "f is a scalar\n" + dag);
                }
            }
        }
    }

    @Test
    void aFailureShrinksToASmallReadableCase() {
        AssertionError e = assertThrows(AssertionError.class, () -> {
            for (long seed = 1; seed <= 100; seed++) {
                Property.check("no matmul", seed, c -> Dag.generate(c, Ops.Set.SMOOTH, 7),
                        dag -> assertTrue(!dag.toString().contains(" @ "), "a matmul"));
            }
        });
        String message = e.getMessage();
        String smallest = message.substring(message.indexOf("Smallest failing case"), message.indexOf("Original case"));
        List<String> lines = smallest.lines().filter(l -> l.startsWith("  ")).toList();
        List<String> leaves = lines.stream().filter(l -> l.contains("= leaf")).toList();
        List<String> ops = lines.stream().filter(l -> l.startsWith("  n")).toList();
        assertEquals(1, leaves.size(), smallest);
        assertTrue(leaves.get(0).endsWith("[1]"), smallest);
        assertEquals(Dag.MIN_OPS, ops.size(), smallest);
        assertTrue(ops.stream().anyMatch(l -> l.contains(" @ ")), smallest);
        assertTrue(message.contains("fails for seed ") && message.contains("Choices.replay("), message);
    }
}
