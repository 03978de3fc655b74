package dev.adjoint.bench.jmh;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Gigabytes a memory-bound benchmark moved (read plus written, counted from the op's definition,
 * not measured), reported by JMH per second as the secondary result {@code gbytes}: GB/s.
 */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class MemoryTraffic {
    public double gbytes;

    @Setup(Level.Iteration)
    public void reset() {
        gbytes = 0;
    }

    /** Adds one call that moved {@code floats} float32 values. */
    void add(long floats) {
        gbytes += 4.0 * floats / 1e9;
    }
}
