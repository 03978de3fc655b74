package dev.adjoint.tensor;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A device buffer shared by a tensor and its views; freed when the last of them closes, or, if
 * none ever does, after they are garbage-collected ({@link LeakedBuffers}).
 *
 * <p>The reference count is atomic, so tensors over one storage may be made and closed on any
 * threads: each open tensor holds one reference, and so does each op while it runs on one of them
 * ({@link Tensor#pin}), so the memory goes only when the last of both lets go.
 */
final class Storage {
    private static final VarHandle REFS;

    static {
        try {
            REFS = MethodHandles.lookup().findVarHandle(Storage.class, "refs", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Device device;
    final Buffer buffer;
    /** Null for a borrowed buffer. */
    private final LeakedBuffers.Watch watch;
    /** Open tensors plus ops in flight; 0 once freed, and then it never rises again. */
    private volatile int refs = 1;

    Storage(Device device, long length, DType dtype) {
        LeakedBuffers.free(device);
        this.device = device;
        this.buffer = device.allocate(Math.max(1, length), dtype);
        this.watch = LeakedBuffers.watch(this, device, buffer);
    }

    /** Shares a buffer that someone else owns: releasing the last reference leaves it open. */
    Storage(Device device, Buffer borrowed) {
        this.device = device;
        this.buffer = borrowed;
        this.watch = null;
    }

    /** Takes one more reference, unless the memory is already freed: then false, and nothing changes. */
    boolean retain() {
        for (int r = refs; r > 0; r = refs) {
            if (REFS.compareAndSet(this, r, r + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Drops one reference taken by the constructor or {@link #retain}; the last one frees the memory. */
    void release() {
        if ((int) REFS.getAndAdd(this, -1) == 1 && watch != null) {
            watch.released();
            buffer.close();
        }
    }
}
