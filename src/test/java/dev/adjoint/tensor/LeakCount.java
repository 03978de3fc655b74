package dev.adjoint.tensor;

/** For tests in other packages: how many buffers of unclosed tensors the Cleaner's net has freed. */
public final class LeakCount {
    private LeakCount() {}

    public static long reclaimed() {
        return LeakedBuffers.reclaimed();
    }
}
