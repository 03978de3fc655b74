package dev.adjoint.data;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.tensor.Tensor;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Mini-batches of a {@link Samples} (a {@link Dataset} in memory, a {@link MappedDataset} on disk) on a device, epoch after epoch.
 *
 * <p><b>Order.</b> Epoch {@code e} visits every sample exactly once, in the order
 * {@link #order(int, boolean, long, int) order(size, shuffle, seed, e)}: a permutation derived from
 * ({@code seed}, {@code e}) alone, so a run resumed with {@link #setEpoch} sees the same batches as
 * the run it continues. The last, short batch is kept or dropped as {@link LastBatch} says.
 *
 * <p><b>Shards.</b> In a data-parallel job ({@link #shard}), {@code batchSize} is the global batch: every
 * rank walks the same order, and rank {@code r} of {@code R} takes rows {@code [r·g/R, (r+1)·g/R)} of
 * each global batch of {@code g} rows (equal shares when R divides g), so that the ranks together see
 * exactly the batches one process would. A last global batch with fewer rows than ranks is left out of
 * the epoch, as {@link LastBatch#DROP} would (a rank must not step on no rows).
 *
 * <p><b>Augmentation.</b> With {@link #augment}, every sample is shifted and flipped as its epoch and place in
 * the epoch's order draw ({@link Augment}), so shards and resumed runs see the same images.
 *
 * <p><b>Prefetch.</b> A daemon thread gathers and normalizes the next batch into host arrays while
 * the caller's step runs; the caller's thread uploads it. Device memory is two slots of
 * {@code batchSize × dims} and {@code batchSize} floats, allocated once in the constructor and used
 * in turn: a {@link Batch}'s tensors are views of a slot, valid until the loader hands out the batch
 * after next. Closing a batch frees nothing; closing the loader frees the slots. This relies on
 * {@link Device#upload} having read the host array when it returns and being ordered after work
 * already queued on the device (an in-order queue), so a slot is not overwritten while a step that
 * reads it is still pending.
 *
 * <p><b>Use.</b> {@code for (Batch b : loader.epoch()) ...} serves the rest of the current epoch,
 * and a new call to {@link #epoch()} after an epoch was fully served starts the next one;
 * {@link #next()} serves batches forever, rolling over from one epoch to the next. A loader is used
 * from one thread.
 */
public final class DataLoader implements AutoCloseable {

    /** What to do with the last batch of an epoch when the batch size does not divide the dataset. */
    public enum LastBatch {
        /** Serve it, smaller than the others. */
        KEEP,
        /** Leave its samples out of this epoch (they come back in another order next epoch). */
        DROP
    }

    private final Samples data;
    private final Device device;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final Normalization norm;
    private int batches;
    private final boolean prefetch;
    private int rank;
    private int ranks = 1;
    private Augment augment;
    private final Buffer[] xSlots = new Buffer[2];
    private final Buffer[] ySlots = new Buffer[2];
    private int slot;
    private int epoch;
    private int position;
    private Gatherer gatherer;
    private HostBatch syncBatch;
    private Prefetcher prefetcher;
    private boolean closed;

    /** A prefetching loader; {@code norm} may be {@link Normalization#NONE} (or null). */
    public DataLoader(Samples data, Device device, int batchSize, boolean shuffle, long seed,
                      LastBatch lastBatch, Normalization norm) {
        this(data, device, batchSize, shuffle, seed, lastBatch, norm, true);
    }

    /** With {@code prefetch} false, batches are prepared on the caller's thread (same batches, for debugging). */
    public DataLoader(Samples data, Device device, int batchSize, boolean shuffle, long seed,
                      LastBatch lastBatch, Normalization norm, boolean prefetch) {
        if (data == null || device == null || lastBatch == null) {
            throw new IllegalArgumentException("DataLoader: dataset, device and lastBatch are required");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("DataLoader '" + data.name() + "': batch size " + batchSize + " (need >= 1)");
        }
        if (data.size() == 0) {
            throw new IllegalArgumentException("DataLoader '" + data.name() + "': the dataset is empty");
        }
        this.batches = lastBatch == LastBatch.KEEP ? (data.size() + batchSize - 1) / batchSize : data.size() / batchSize;
        if (batches == 0) {
            throw new IllegalArgumentException("DataLoader '" + data.name() + "': " + data.size()
                    + " samples are fewer than one batch of " + batchSize + " and LastBatch.DROP drops it: no batches");
        }
        this.data = data;
        this.device = device;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.norm = norm == null ? Normalization.NONE : norm;
        this.prefetch = prefetch;
        int rows = Math.min(batchSize, data.size());
        try {
            for (int s = 0; s < 2; s++) {
                xSlots[s] = device.allocate((long) rows * data.dims());
                ySlots[s] = device.allocate(rows);
            }
        } catch (RuntimeException e) {
            freeSlots();
            throw e;
        }
    }

    // ------------------------------------------------------------------ properties

    /**
     * Serves rank {@code rank}'s share of each global batch of {@link #batchSize} rows, of
     * {@code ranks} ranks (see the class comment); before the first batch only. Returns this loader.
     */
    public DataLoader shard(int rank, int ranks) {
        checkOpen();
        if (ranks < 1 || rank < 0 || rank >= ranks) {
            throw new IllegalArgumentException("DataLoader.shard: rank " + rank + " of " + ranks);
        }
        if (gatherer != null || prefetcher != null || position != 0 || this.ranks != 1) {
            throw new IllegalStateException("DataLoader.shard: call it once, before the first batch");
        }
        int last = data.size() % batchSize;
        if (ranks > 1 && last != 0 && last < ranks && batches == (data.size() + batchSize - 1) / batchSize) {
            batches--;
            if (batches == 0) {
                throw new IllegalArgumentException("DataLoader '" + data.name() + "': " + data.size()
                        + " samples are fewer than one row for each of " + ranks + " ranks");
            }
        }
        this.rank = rank;
        this.ranks = ranks;
        return this;
    }

    /**
     * Shifts and flips every sample as {@code a} draws for its epoch and place in the epoch's order (before the
     * normalization); null for none. Before the first batch only. Returns this loader.
     */
    public DataLoader augment(Augment a) {
        checkOpen();
        if (gatherer != null || prefetcher != null || position != 0) {
            throw new IllegalStateException("DataLoader.augment: call it before the first batch");
        }
        if (a != null && a.dims() != data.dims()) {
            throw new IllegalArgumentException("DataLoader '" + data.name() + "': augmenting images of "
                    + a.channels() + "x" + a.height() + "x" + a.width() + " = " + a.dims() + " values, but a sample has "
                    + data.dims());
        }
        augment = a;
        return this;
    }

    /** Batches per epoch. */
    public int batches() {
        return batches;
    }

    public int batchSize() {
        return batchSize;
    }

    public Samples dataset() {
        return data;
    }

    /** The epoch being served (0-based); after its last batch it stays until the next batch is asked for. */
    public int currentEpoch() {
        return epoch;
    }

    /** How many batches of {@link #currentEpoch()} were served. */
    public int batchInEpoch() {
        return position;
    }

    /**
     * The order in which epoch {@code epoch} visits the samples: 0..size-1 when not shuffling,
     * else a permutation that depends only on ({@code seed}, {@code epoch}).
     */
    public static int[] order(int size, boolean shuffle, long seed, int epoch) {
        int[] p = new int[size];
        for (int i = 0; i < size; i++) {
            p[i] = i;
        }
        if (shuffle) {
            SplitMix rnd = new SplitMix(SplitMix.derive(seed, epoch));
            for (int i = size - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
        }
        return p;
    }

    // ------------------------------------------------------------------ serving

    /** Continues from the start of epoch {@code epoch} (to resume a run); prefetched work is discarded. */
    public void setEpoch(int epoch) {
        checkOpen();
        if (epoch < 0) {
            throw new IllegalArgumentException("DataLoader.setEpoch: epoch " + epoch + " (need >= 0)");
        }
        stopPrefetch();
        gatherer = null;
        this.epoch = epoch;
        this.position = 0;
    }

    /** The remaining batches of the current epoch (all of them unless it was partly served), or of the next one if it is done. */
    public Iterable<Batch> epoch() {
        checkOpen();
        rollOver();
        int e = epoch;
        return () -> new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !closed && epoch == e && position < batches;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("DataLoader: epoch " + e + " is over");
                }
                return DataLoader.this.next();
            }
        };
    }

    /** The next batch, starting the next epoch when the current one is over. */
    public Batch next() {
        checkOpen();
        rollOver();
        HostBatch h = prefetch ? takePrefetched() : prepareHere();
        if (h.error != null) {
            stopPrefetch();
            gatherer = null;
            throw new IllegalStateException("DataLoader '" + data.name() + "': preparing batch " + h.position
                    + " of epoch " + h.epoch + " failed: " + h.error, h.error);
        }
        if (h.epoch != epoch || h.position != position) {
            throw new IllegalStateException("DataLoader: prepared batch " + h.position + " of epoch " + h.epoch
                    + " where batch " + position + " of epoch " + epoch + " was due (a bug)");
        }
        int n = h.size;
        int global = h.global;     // read before h goes back to the prefetch thread, which refills it
        int dims = data.dims();
        Buffer xs = xSlots[slot];
        Buffer ys = ySlots[slot];
        device.upload(h.x, 0, xs, 0, n * dims);
        device.upload(h.y, 0, ys, 0, n);
        if (prefetch) {
            prefetcher.free.add(h);
        }
        slot ^= 1;
        position++;
        return new Batch(Tensor.wrap(device, xs, 0, n, dims), Tensor.wrap(device, ys, 0, n), n, global);
    }

    private void rollOver() {
        if (position == batches) {
            epoch++;
            position = 0;
        }
    }

    private HostBatch prepareHere() {
        if (gatherer == null) {
            gatherer = new Gatherer(epoch, position);
            syncBatch = new HostBatch(Math.min(batchSize, data.size()), data.dims());
        }
        syncBatch.error = null;
        gatherer.fill(syncBatch);
        return syncBatch;
    }

    private HostBatch takePrefetched() {
        if (prefetcher == null) {
            prefetcher = new Prefetcher(new Gatherer(epoch, position));
        }
        try {
            return prefetcher.ready.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("DataLoader: interrupted while waiting for the next batch", e);
        }
    }

    // ------------------------------------------------------------------ lifetime

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("DataLoader '" + data.name() + "' was used after close()");
        }
    }

    private void stopPrefetch() {
        if (prefetcher != null) {
            prefetcher.stop();
            prefetcher = null;
        }
    }

    private void freeSlots() {
        for (Buffer b : xSlots) {
            if (b != null) {
                b.close();
            }
        }
        for (Buffer b : ySlots) {
            if (b != null) {
                b.close();
            }
        }
    }

    /** Stops the prefetch thread and frees the device slots (batches handed out become invalid). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            stopPrefetch();
            freeSlots();
        }
    }

    // ------------------------------------------------------------------ host side

    /** Host arrays for one batch, and which batch they hold. */
    private static final class HostBatch {
        final float[] x;
        final float[] y;
        int epoch;
        int position;
        int size;
        int global;
        Throwable error;

        HostBatch(int rows, int dims) {
            x = new float[rows * dims];
            y = new float[rows];
        }
    }

    /** Walks the batch sequence (epoch by epoch) and fills host batches: gather rows, then normalize. */
    private final class Gatherer {
        private int epoch;
        private int position;
        private int[] order;
        private float[] scratch;

        Gatherer(int epoch, int position) {
            this.epoch = epoch;
            this.position = position;
        }

        void fill(HostBatch h) {
            if (position == batches) {
                epoch++;
                position = 0;
                order = null;
            }
            if (order == null) {
                order = order(data.size(), shuffle, seed, epoch);
            }
            int dims = data.dims();
            int global = Math.min(batchSize, data.size() - position * batchSize);
            int start = position * batchSize + (int) ((long) rank * global / ranks);
            int n = position * batchSize + (int) ((long) (rank + 1) * global / ranks) - start;
            for (int r = 0; r < n; r++) {
                int i = order[start + r];
                data.copyRow(i, h.x, r * dims);
                h.y[r] = data.label(i);
                if (augment != null) {
                    if (scratch == null) {
                        scratch = new float[dims];
                    }
                    augment.apply(h.x, r * dims, scratch, seed, epoch, start + r);
                }
            }
            norm.apply(h.x, 0, n * dims);
            h.epoch = epoch;
            h.position = position;
            h.size = n;
            h.global = global;
            position++;
        }
    }

    /** The daemon thread that fills the next host batch while the caller's step runs. */
    private final class Prefetcher implements Runnable {
        final BlockingQueue<HostBatch> free = new ArrayBlockingQueue<>(2);
        final BlockingQueue<HostBatch> ready = new ArrayBlockingQueue<>(2);
        private final Gatherer gatherer;
        private final Thread thread;
        private volatile boolean stopped;

        Prefetcher(Gatherer gatherer) {
            this.gatherer = gatherer;
            int rows = Math.min(batchSize, data.size());
            free.add(new HostBatch(rows, data.dims()));
            free.add(new HostBatch(rows, data.dims()));
            thread = Thread.ofPlatform().daemon().name("adjoint-prefetch-" + data.name()).unstarted(this);
            thread.start();
        }

        @Override
        public void run() {
            try {
                while (!stopped) {
                    HostBatch h = free.take();
                    try {
                        gatherer.fill(h);
                    } catch (RuntimeException | Error e) {
                        h.error = e;
                        ready.put(h);
                        return;
                    }
                    ready.put(h);
                }
            } catch (InterruptedException e) {
                // stopped
            }
        }

        void stop() {
            stopped = true;
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
