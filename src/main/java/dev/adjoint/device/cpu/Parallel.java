package dev.adjoint.device.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
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
    /** parked[i]: worker i is parked or about to park (Dekker with {@link #seq}: both volatile). */
    private final AtomicIntegerArray parked;
    private final int threads;
    /**
     * The current call's state, reused call after call so that {@link #run} allocates nothing. A
     * late worker must never run a task of the next call with the previous call's body: it reads
     * {@link #body}, {@link #tasks} and {@link #generation} under the seqlock {@link #seq} (odd
     * while {@link #run} writes them), and it claims task indices with a CAS on {@link #claims},
     * whose high half is the generation: a claim made with a stale generation fails.
     */
    private volatile long seq;
    private volatile WorkerTask body;
    private volatile int tasks;
    private volatile long generation;
    private final AtomicLong claims = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    private volatile Throwable failure;
    private volatile boolean closed;

    /** A task body that is also told which thread runs it: 0 is the caller, 1.. the workers. */
    @FunctionalInterface
    public interface WorkerTask {
        void run(int task, int worker);
    }

    public Parallel(int threads) {
        if (threads < 1 || threads > dev.adjoint.device.Devices.MAX_CPU_THREADS) {
            throw new IllegalArgumentException("thread count must be from 1 to " + dev.adjoint.device.Devices.MAX_CPU_THREADS
                    + ", got " + threads);
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
        long g = generation + 1;
        seq++;
        this.body = body;
        this.tasks = tasks;
        failure = null;
        done.set(0);
        claims.set(g << 32);
        generation = g;
        seq++;
        for (int i = 0; i < workers.length; i++) {
            if (parked.get(i) != 0) {
                LockSupport.unpark(workers[i]);
            }
        }
        work(0, g, body, tasks);
        while (done.get() < tasks) {
            Thread.onSpinWait();
        }
        seq++;
        this.body = null;
        seq++;
        Throwable f = failure;
        failure = null;
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

    /** Claims and runs tasks of generation {@code g} until none is left or a newer call has begun. */
    private void work(int worker, long g, WorkerTask b, int n) {
        while (true) {
            long c = claims.get();
            if (c >>> 32 != g || (int) c >= n) {
                return;
            }
            if (!claims.compareAndSet(c, c + 1)) {
                continue;
            }
            try {
                b.run((int) c, worker);
            } catch (Throwable t) {
                failure = t;
            } finally {
                done.incrementAndGet();
            }
        }
    }

    private void workerLoop(int index) {
        long seen = 0;
        while (!closed) {
            long s = seq;
            if ((s & 1) == 0) {
                WorkerTask b = body;
                int n = tasks;
                long g = generation;
                if (b != null && g != seen && seq == s) {
                    seen = g;
                    work(index + 1, g, b, n);
                    continue;
                }
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

    /** Nothing new to do: no call open, or the open one was already seen (an odd seq is a call starting). */
    private boolean idle(long seen) {
        return (seq & 1) == 0 && (body == null || generation == seen);
    }
    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
