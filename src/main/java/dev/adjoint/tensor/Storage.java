package dev.adjoint.tensor;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;

/** A device buffer shared by a tensor and its views; freed when the last of them closes. */
final class Storage {
    final Device device;
    final Buffer buffer;
    private int refs = 1;

    Storage(Device device, long length) {
        this.device = device;
        this.buffer = device.allocate(Math.max(1, length));
    }

    synchronized void retain() {
        if (refs == 0) {
            throw new IllegalStateException("storage already freed");
        }
        refs++;
    }

    synchronized void release() {
        if (refs > 0 && --refs == 0) {
            buffer.close();
        }
    }
}
