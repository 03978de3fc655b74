package dev.adjoint.tensor;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;

/**
 * A device buffer shared by a tensor and its views; freed when the last of them closes, or, if
 * none ever does, after they are garbage-collected ({@link LeakedBuffers}).
 */
final class Storage {
    final Device device;
    final Buffer buffer;
    /** Null for a borrowed buffer. */
    private final LeakedBuffers.Watch watch;
    private int refs = 1;

    Storage(Device device, long length) {
        LeakedBuffers.free(device);
        this.device = device;
        this.buffer = device.allocate(Math.max(1, length));
        this.watch = LeakedBuffers.watch(this, device, buffer);
    }

    /** Shares a buffer that someone else owns: releasing the last reference leaves it open. */
    Storage(Device device, Buffer borrowed) {
        this.device = device;
        this.buffer = borrowed;
        this.watch = null;
    }

    synchronized void retain() {
        if (refs == 0) {
            throw new IllegalStateException("storage already freed");
        }
        refs++;
    }

    synchronized void release() {
        if (refs > 0 && --refs == 0 && watch != null) {
            watch.released();
            buffer.close();
        }
    }
}
