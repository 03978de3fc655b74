package dev.adjoint.device.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed pool of worker threads sized to the cores. {@link #run} splits {@code tasks} task
 * indices among the workers and the calling thread and returns when all are done; each index runs
 * exactly once, on one thread, so per-task scratch indexed by the task is safe.
 *
 * <p>Hand-off: a worker spins for {@value #SPIN_NANOS} ns after its last job before it parks, so
 * back-to-back kernels (a training step, a benchmark loop) reach it in well under a microsecond.
 * The caller unparks only workers that actually parked: an unpark is a system call, and most
 * hand-offs find the worker spinning.
 */
public final class Parallel implements AutoCloseable {
    private static final long SPIN_NANOS = 1_000_000;

    private final Thread[] workers;
    /** parked[i]: worker i is parked or about to park (Dekker with {@link #job}: both volatile). */
    private final AtomicIntegerArray parked;
    private final int threads;
    private volatile Job job;
    private volatile boolean closed;

    /** A task body that is also told which thread runs it: 0 is the caller, 1.. the workers. */
    @FunctionalInterface
    public interface WorkerTask {
        void run(int task, int worker);
    }

    /** One call of {@link #run}: its own counters, so a late worker can never touch the next one. */
    private static final class Job {
        final WorkerTask body;
        final int tasks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Job(WorkerTask body, int tasks) {
            this.body = body;
            this.tasks = tasks;
        }

        void work(int worker) {
            int i;
            while ((i = next.getAndIncrement()) < tasks) {
                try {
                    body.run(i, worker);
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
        this.parked = new AtomicIntegerArray(Math.max(1, threads - 1));
        for (int i = 0; i < workers.length; i++) {
            int index = i;
            Thread t = new Thread(() -> workerLoop(index), "adjoint-cpu-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs body(0..tasks-1), each index exactly once, across the pool and the caller. */
    public void run(int tasks, IntConsumer body) {
        run(tasks, (task, worker) -> body.accept(task));
    }

    /**
     * Runs body(task, worker) for task 0..tasks-1, each exactly once, across the pool and the caller;
     * {@code worker} (in [0, threads)) lets a task use per-thread scratch without locking. Tasks are
     * handed out one at a time, so a thread that starts late simply takes fewer.
     */
    public synchronized void run(int tasks, WorkerTask body) {
        if (tasks <= 0) {
            return;
        }
        if (tasks == 1 || workers.length == 0) {
            for (int i = 0; i < tasks; i++) {
                body.run(i, 0);
            }
            return;
        }
        Job j = new Job(body, tasks);
        job = j;
        for (int i = 0; i < workers.length; i++) {
            if (parked.get(i) != 0) {
                LockSupport.unpark(workers[i]);
            }
        }
        j.work(0);
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

    private void workerLoop(int index) {
        Job seen = null;
        while (!closed) {
            Job j = job;
            if (j != null && j != seen) {
                seen = j;
                j.work(index + 1);
                continue;
            }
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (idle(seen) && !closed && System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            }
            if (idle(seen) && !closed) {
                parked.set(index, 1);
                if (idle(seen) && !closed) {
                    LockSupport.parkNanos(this, 50_000_000L);
                }
                parked.set(index, 0);
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
