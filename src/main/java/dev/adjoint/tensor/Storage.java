package dev.adjoint.tensor;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;

/** A device buffer shared by a tensor and its views; freed when the last of them closes. */
final class Storage {
    final Device device;
    final Buffer buffer;
    private final boolean owned;
    private int refs = 1;

    Storage(Device device, long length) {
        this.device = device;
        this.buffer = device.allocate(Math.max(1, length));
        this.owned = true;
    }

    /** Shares a buffer that someone else owns: releasing the last reference leaves it open. */
    Storage(Device device, Buffer borrowed) {
        this.device = device;
        this.buffer = borrowed;
        this.owned = false;
    }

    synchronized void retain() {
        if (refs == 0) {
            throw new IllegalStateException("storage already freed");
        }
        refs++;
    }

    synchronized void release() {
        if (refs > 0 && --refs == 0 && owned) {
            buffer.close();
        }
    }
}
