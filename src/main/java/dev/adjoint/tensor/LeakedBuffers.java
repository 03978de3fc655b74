package dev.adjoint.tensor;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import java.lang.ref.Cleaner;
import java.util.Collections;
import java.util.Map;
import java.util.Queue;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The safety net under {@link Tensor#close} and {@link Scope}: a buffer whose tensors were all
 * garbage-collected without being closed is freed by the next allocation on its device.
 *
 * <p>A {@link Cleaner} notices the unreachable {@link Storage}, but its thread only queues the
 * buffer: CUDA and OpenCL contexts belong to the threads that use them, so the buffer is freed on
 * a user thread, by the next {@link Storage} allocated on the same device. Memory comes back only
 * when the JVM collects garbage, which device memory pressure does not cause: closing tensors is
 * the way, this is the net. The first reclaimed buffer logs a warning saying so.
 */
final class LeakedBuffers {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final Map<Device, Queue<Buffer>> QUEUED = Collections.synchronizedMap(new WeakHashMap<>());
    private static final AtomicInteger queued = new AtomicInteger();
    private static final AtomicLong reclaimed = new AtomicLong();
    private static final AtomicBoolean warned = new AtomicBoolean();

    private LeakedBuffers() {}

    /** Watches one storage's buffer; it must not reference the storage, or the storage never becomes unreachable. */
    static final class Watch implements Runnable {
        private final Device device;
        private final Buffer buffer;
        private final Cleaner.Cleanable cleanable;
        private volatile boolean released;

        private Watch(Object owner, Device device, Buffer buffer) {
            this.device = device;
            this.buffer = buffer;
            this.cleanable = CLEANER.register(owner, this);
        }

        /** The owner freed the buffer itself: nothing left to do when it is collected. */
        void released() {
            released = true;
            cleanable.clean();
        }

        /** Runs once: on the Cleaner's thread after the owner became unreachable, or from {@link #released}. */
        @Override
        public void run() {
            if (!released) {
                QUEUED.computeIfAbsent(device, d -> new ConcurrentLinkedQueue<>()).add(buffer);
                queued.incrementAndGet();
            }
        }
    }

    /** Frees {@code buffer} on {@code device} once {@code owner} is unreachable, unless {@link Watch#released} first. */
    static Watch watch(Object owner, Device device, Buffer buffer) {
        return new Watch(owner, device, buffer);
    }

    /** Frees the queued buffers of {@code device}; with none queued anywhere it costs one atomic read. */
    static void free(Device device) {
        if (queued.get() == 0) {
            return;
        }
        Queue<Buffer> q = QUEUED.get(device);
        if (q == null) {
            return;
        }
        long n = 0;
        for (Buffer b = q.poll(); b != null; b = q.poll()) {
            queued.decrementAndGet();
            b.close();
            n++;
        }
        if (n > 0) {
            reclaimed.addAndGet(n);
            if (warned.compareAndSet(false, true)) {
                System.getLogger(LeakedBuffers.class.getName()).log(System.Logger.Level.WARNING,
                        "adjoint: tensors on " + device.name() + " were garbage-collected without close(); their device "
                                + "memory was freed late. Close tensors (try-with-resources) or open a Scope.");
            }
        }
    }

    /** Buffers freed by this net so far, in the whole process. */
    static long reclaimed() {
        return reclaimed.get();
    }

    /** Buffers of {@code device} queued by the Cleaner and not freed yet. */
    static int queued(Device device) {
        Queue<Buffer> q = QUEUED.get(device);
        return q == null ? 0 : q.size();
    }
}
