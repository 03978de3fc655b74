package dev.adjoint.conformance;

import dev.adjoint.device.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The conformance suite: every primitive of the device contract against a float64 reference, on
 * fresh random inputs, odd sizes included. The same cases run as JUnit tests over every available
 * backend and as {@code adjoint selftest} from the bundle. A case throws {@link AssertionError}
 * naming the device, op and shape when a value is wrong.
 */
public final class Conformance {
    private Conformance() {}

    /** A named check of one primitive on a device, drawing its inputs from the given generator. */
    public record Case(String name, Body body) {
        public void run(Device device, long seed) {
            try {
                body.run(device, new Random(seed));
            } catch (AssertionError e) {
                throw new AssertionError(device.name() + " " + name + " (seed " + seed + "): " + e.getMessage(), e);
            }
        }
    }

    @FunctionalInterface
    public interface Body {
        void run(Device device, Random rnd);
    }

    /** Every case, in a stable order. */
    public static List<Case> cases() {
        List<Case> all = new ArrayList<>();
        all.addAll(MemoryCases.cases());
        all.addAll(GemmCases.cases());
        all.addAll(DTypeCases.cases());
        all.addAll(ElementwiseCases.cases());
        all.addAll(ReductionCases.cases());
        all.addAll(IndexingCases.cases());
        all.addAll(OptimizerCases.cases());
        all.addAll(WindowCases.cases());
        return all;
    }

    /** The seed for this run: {@code -Dadjoint.seed=N} to reproduce a failure, else fresh. */
    public static long seed() {
        String s = System.getProperty("adjoint.seed");
        return s == null ? System.nanoTime() : Long.parseLong(s);
    }
}
