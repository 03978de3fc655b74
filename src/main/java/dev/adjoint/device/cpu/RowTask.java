package dev.adjoint.device.cpu;

/**
 * A kernel call over rows, split into contiguous row ranges across the pool. A kernel keeps one
 * instance per calling thread and sets its arguments as fields before each {@link #split}, so a
 * call allocates nothing (a capturing lambda per call would; a replayed training step makes dozens
 * of calls). {@link #clear} drops the array references after the call, so closed buffers can be
 * collected.
 */
abstract class RowTask implements Parallel.WorkerTask {
    /** Below this many elements a kernel runs on the calling thread. */
    static final int PARALLEL_MIN = 1 << 15;

    private int rows;
    private int tasks;

    /** Runs rows [r0, r1) on thread {@code worker} (0 is the caller). */
    abstract void rows(int r0, int r1, int worker);

    /** Drops references to the call's arrays. */
    abstract void clear();

    @Override
    public final void run(int task, int worker) {
        rows((int) ((long) rows * task / tasks), (int) ((long) rows * (task + 1) / tasks), worker);
    }

    /** Runs all {@code rows} rows of {@code cols} elements, in parallel when there is enough work. */
    final void split(Parallel pool, int rows, int cols) {
        try {
            long total = (long) rows * cols;
            int t = (int) Math.min(rows, Math.min(4L * pool.threads(), total / (PARALLEL_MIN / 2)));
            if (t <= 1) {
                rows(0, rows, 0);
                return;
            }
            this.rows = rows;
            this.tasks = t;
            pool.run(t, this);
        } finally {
            clear();
        }
    }
}
