package dev.adjoint.device.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed pool of worker threads sized to the cores. {@link #run} splits {@code tasks} task
 * indices among the workers and the calling thread and returns when all are done. Workers spin
 * briefly before parking so that back-to-back kernels hand off quickly.
 */
public final class Parallel implements AutoCloseable {
    private static final long SPIN_NANOS = 200_000;

    private final Thread[] workers;
    private final int threads;
    private volatile Job job;
    private volatile boolean closed;

    /** One call of {@link #run}: its own counters, so a late worker can never touch the next one. */
    private static final class Job {
        final IntConsumer body;
        final int tasks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Job(IntConsumer body, int tasks) {
            this.body = body;
            this.tasks = tasks;
        }

        void work() {
            int i;
            while ((i = next.getAndIncrement()) < tasks) {
                try {
                    body.accept(i);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, "adjoint-cpu-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs body(0..tasks-1), each index exactly once, across the pool and the caller. */
    public synchronized void run(int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        if (tasks == 1 || workers.length == 0) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        Job j = new Job(body, tasks);
        job = j;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        j.work();
        while (j.done.get() < tasks) {
            Thread.onSpinWait();
        }
        job = null;
        Throwable f = j.failure;
        if (f instanceof RuntimeException r) {
            throw r;
        }
        if (f instanceof Error e) {
            throw e;
        }
        if (f != null) {
            throw new IllegalStateException(f);
        }
    }

    private void workerLoop() {
        Job seen = null;
        while (!closed) {
            Job j = job;
            if (j != null && j != seen) {
                seen = j;
                j.work();
                continue;
            }
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (idle(seen) && !closed && System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            }
            if (idle(seen) && !closed) {
                LockSupport.parkNanos(this, 50_000_000L);
            }
        }
    }

    private boolean idle(Job seen) {
        Job j = job;
        return j == null || j == seen;
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
