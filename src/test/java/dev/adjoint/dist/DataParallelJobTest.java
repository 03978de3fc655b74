package dev.adjoint.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.Safetensors;
import dev.adjoint.testing.ChildJvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mpirun -np 2 adjoint train} on the CPU, against one process: the job's weights after K steps
 * are the weights of one process whose batch is the two ranks' batches together, on the same data
 * order, up to float32 summation order; the ranks hold bit-identical weights; ranks started with
 * different settings, or a rank that fails, end the whole job with a named error, never a hang.
 * Skipped, with the reason, where Open MPI's mpirun is not installed (.ci/run installs it).
 */
class DataParallelJobTest {
    /** Plain SGD, so that a gradient's rounding difference moves a weight by lr times that difference, no more. */
    private static final List<String> RUN = List.of("train", "--data", "spiral", "--hidden", "32,16", "--optimizer", "sgd",
            "--lr", "0.05", "--batch", "32", "--epochs", "3", "--seed", "7", "--device", "cpu");

    private static String mpirun;

    @BeforeAll
    static void findMpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, "mpirun");
            if (Files.isExecutable(p)) {
                mpirun = p.toString();
                return;
            }
        }
    }

    /** {@code mpirun} with one program per rank (MPMD: {@code -np 1 A : -np 1 B}), as root if need be. */
    private static ChildJvm.Result job(Path dir, List<List<String>> ranks, long seconds) throws Exception {
        return job(dir, List.of(), ranks, seconds);
    }

    /** {@link #job}, every rank's JVM started with {@code jvm} options. */
    private static ChildJvm.Result job(Path dir, List<String> jvm, List<List<String>> ranks, long seconds)
            throws Exception {
        assumeTrue(mpirun != null, "Open MPI's mpirun is not on the PATH (Debian: apt-get install openmpi-bin"
                + " libopenmpi-dev; .ci/run does)");
        List<String> cmd = new ArrayList<>(List.of(mpirun, "--oversubscribe"));
        for (int r = 0; r < ranks.size(); r++) {
            if (r > 0) {
                cmd.add(":");
            }
            cmd.addAll(List.of("-np", "1"));
            cmd.addAll(ChildJvm.command(jvm, ranks.get(r).toArray(String[]::new)));
        }
        return ChildJvm.start(dir, "", DataParallelJobTest::mpiEnvironment, cmd).await(seconds);
    }

    /** Open MPI as root (CI's containers), without cross-process memory reads (which containers may forbid). */
    private static void mpiEnvironment(Map<String, String> env) {
        env.put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        env.put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        env.put("OMPI_MCA_btl_vader_single_copy_mechanism", "none");
    }

    private static List<String> run(String... more) {
        List<String> args = new ArrayList<>(RUN);
        args.addAll(List.of(more));
        return args;
    }

    private static float[] weights(Path dir) {
        Checkpoint.Loaded c = Checkpoint.load(dir);
        List<Float> all = new ArrayList<>();
        for (Map.Entry<String, Safetensors.Loaded> e : new java.util.TreeMap<>(c.tensors()).entrySet()) {
            for (float v : e.getValue().data()) {
                all.add(v);
            }
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }

    @Test
    void twoRanksOfBatch16TrainAsOneProcessOfBatch32(@TempDir Path tmp) throws Exception {
        Path two = tmp.resolve("two");
        ChildJvm.Result job = job(tmp, List.of(run("--checkpoint", two.toString()), run("--checkpoint", two.toString())),
                180);
        assertFalse(job.timedOut(), "timed out: " + job.out() + job.err());
        assertEquals(0, job.code(), job.out() + job.err());
        assertTrue(job.out().contains("data parallel: 2 ranks over Open MPI"), job.out());
        assertTrue(job.out().contains("global batch 32 (16 per rank)"), job.out());
        assertTrue(job.out().contains("the weights of all 2 ranks were identical, bit for bit, after every epoch"), job.out());
        assertEquals(1, job.out().split("final test accuracy", -1).length - 1, "rank 0 alone prints: " + job.out());

        Path one = tmp.resolve("one");
        ChildJvm.Result single = ChildJvm.run(tmp, "", 120, run("--checkpoint", one.toString()).toArray(String[]::new));
        assertEquals(0, single.code(), single.out() + single.err());
        assertFalse(single.out().contains("data parallel"), single.out());

        float[] a = weights(one);
        float[] b = weights(two);
        assertEquals(a.length, b.length);
        double scale = 0;
        double worst = 0;
        int differ = 0;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(a[i]));
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
            differ += a[i] != b[i] ? 1 : 0;
        }
        // The same arithmetic but for the order of summation: a batch's gradient is two sums of 16 rows, each
        // halved, then added, instead of one sum of 32 rows: a few ulps apart per step. SGD moves a weight by lr
        // times that, so 507 steps (3 epochs of 169) drift by a few ulps of the weights' scale: measured 3.6e-7
        // of 1.66 (and 1.2e-7 with Adam). 1e-5 of the scale leaves 30x room; a wrong share of the batch (a rank's
        // gradient weighted by another step's rows, a row served twice or never) moves them by ~1e-3 in one epoch.
        assertTrue(worst <= 1e-5 * scale, "largest difference " + worst + " of weights up to " + scale + " ("
                + differ + " of " + a.length + " differ)");
        assertNotEquals(0, scale);
    }

    /**
     * Batch norm's running statistics come from each rank's own rows; the ranks average them at the end of every
     * epoch, so that the check of weights and buffers, bit for bit, holds (without it the job ends with a mismatch).
     */
    @Test
    void batchNormStatisticsAreAveragedOverTheRanks(@TempDir Path tmp) throws Exception {
        ChildJvm.Result job = job(tmp, List.of(run("--no-checkpoint", "--norm", "batch"),
                run("--no-checkpoint", "--norm", "batch")), 180);
        assertEquals(0, job.code(), job.out() + job.err());
        assertTrue(job.out().contains("the weights of all 2 ranks were identical, bit for bit, after every epoch"),
                job.out());
        assertTrue(job.out().contains("batch norm"), job.out());
    }

    /**
     * Gradients summed in buckets while backward runs (a bucket per parameter here, 6 of them) give the
     * same bits as the whole slab summed after backward: each element is one sum of two ranks' values
     * either way. A bucket started in another order on one rank, or one read before backward finished
     * writing it, would change the weights.
     */
    @Test
    void bucketsSummedDuringBackwardGiveTheSameWeights(@TempDir Path tmp) throws Exception {
        Path whole = tmp.resolve("whole");
        Path buckets = tmp.resolve("buckets");
        List<String> off = List.of("-D" + DataParallel.BUCKET_PROPERTY + "=0");
        List<String> on = List.of("-D" + DataParallel.BUCKET_PROPERTY + "=0.0001");
        ChildJvm.Result a = job(tmp, off, List.of(run("--checkpoint", whole.toString()),
                run("--checkpoint", whole.toString())), 180);
        assertEquals(0, a.code(), a.out() + a.err());
        assertTrue(a.out().contains("gradients summed in the whole slab after backward"), a.out());
        ChildJvm.Result b = job(tmp, on, List.of(run("--checkpoint", buckets.toString()),
                run("--checkpoint", buckets.toString())), 180);
        assertEquals(0, b.code(), b.out() + b.err());
        assertTrue(b.out().contains("gradients summed in 6 buckets of up to 1.0E-4 MiB, 6 started during the last"
                + " step's backward"), b.out());
        assertArrayEquals(weights(whole), weights(buckets));
    }

    /**
     * --resume with another number of ranks: two epochs on 2 ranks then the third on one process, and two on
     * one process then the third on 2 ranks, each match three epochs on one process (constant learning rate,
     * so that the schedule does not depend on where the run was cut), within the tolerance above.
     */
    @Test
    void resumeWorksWithAnotherNumberOfRanks(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight");
        ChildJvm.Result one = ChildJvm.run(tmp, "", 120, run("--schedule", "constant", "--checkpoint",
                straight.toString()).toArray(String[]::new));
        assertEquals(0, one.code(), one.out() + one.err());
        float[] expected = weights(straight);

        Path a2 = tmp.resolve("two-ranks-first");
        List<String> first = run("--schedule", "constant", "--epochs", "2", "--checkpoint", a2.toString());
        ChildJvm.Result r = job(tmp, List.of(first, first), 120);
        assertEquals(0, r.code(), r.out() + r.err());
        Path a3 = tmp.resolve("then-one");
        r = ChildJvm.run(tmp, "", 120, run("--schedule", "constant", "--resume", a2.toString(), "--checkpoint",
                a3.toString()).toArray(String[]::new));
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("resumed from " + a2 + " after epoch 2"), r.out());

        Path b1 = tmp.resolve("one-first");
        r = ChildJvm.run(tmp, "", 120, run("--schedule", "constant", "--epochs", "2", "--checkpoint", b1.toString())
                .toArray(String[]::new));
        assertEquals(0, r.code(), r.out() + r.err());
        Path b3 = tmp.resolve("then-two");
        List<String> then = run("--schedule", "constant", "--resume", b1.toString(), "--checkpoint", b3.toString());
        r = job(tmp, List.of(then, then), 120);
        assertEquals(0, r.code(), r.out() + r.err());

        for (Path resumed : List.of(a3, b3)) {
            float[] got = weights(resumed);
            double scale = 0;
            double worst = 0;
            for (int i = 0; i < expected.length; i++) {
                scale = Math.max(scale, Math.abs(expected[i]));
                worst = Math.max(worst, Math.abs(expected[i] - got[i]));
            }
            assertTrue(worst <= 1e-5 * scale, resumed + ": largest difference " + worst + " of weights up to " + scale);
        }
    }

    /** A replayed step with the all-reduce after each replayed backward agrees with define-by-run bit for bit. */
    @Test
    void replayWithTheAllReduceMatchesDefineByRun(@TempDir Path tmp) throws Exception {
        List<String> check = List.of("bench", "replay-check", "--sizes", "20,16,4", "--batch", "8", "--steps", "30");
        ChildJvm.Result job = job(tmp, List.of(check, check), 120);
        assertEquals(0, job.code(), job.out() + job.err());
        assertTrue(job.out().contains("replay (calls) vs define-by-run: 0 of 1212 values differ"), job.out());
        assertTrue(job.out().contains("replay-check: OK"), job.out());
    }

    @Test
    void ranksStartedWithDifferentSettingsEndWithANamedError(@TempDir Path tmp) throws Exception {
        ChildJvm.Result job = job(tmp, List.of(run("--no-checkpoint"), run("--no-checkpoint", "--lr", "0.1")), 120);
        assertFalse(job.timedOut(), "a mismatch must end the job, not hang it: " + job.out() + job.err());
        assertNotEquals(0, job.code(), job.out() + job.err());
        assertTrue(job.err().contains("the settings or the data differ between rank 0 and rank(s) 1"), job.err());
    }

    /** Ranks that chose different backends (a GPU that did not open on one of them) stop before training. */
    @Test
    void ranksOnDifferentBackendsEndWithANamedError(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.adjoint.device.Devices.backends().stream().anyMatch(
                b -> b.name().equals("opencl") && b.availability().available()), "no OpenCL platform here");
        List<String> opencl = new ArrayList<>(run("--no-checkpoint"));
        opencl.set(opencl.indexOf("--device") + 1, "opencl:0");
        ChildJvm.Result job = job(tmp, List.of(run("--no-checkpoint"), opencl), 120);
        assertFalse(job.timedOut(), "a mismatch must end the job, not hang it: " + job.out() + job.err());
        assertNotEquals(0, job.code(), job.out() + job.err());
        assertTrue(job.err().contains("the device backends (cpu on rank 0) differ between rank 0 and rank(s) 1"),
                job.err());
    }

    @Test
    void aRankThatFailsAtTheStartEndsTheJob(@TempDir Path tmp) throws Exception {
        ChildJvm.Result job = job(tmp, List.of(run("--no-checkpoint"),
                run("--no-checkpoint", "--resume", tmp.resolve("missing").toString())), 120);
        assertFalse(job.timedOut(), "a failed rank must end the job, not hang it: " + job.out() + job.err());
        assertNotEquals(0, job.code(), job.out() + job.err());
        assertTrue(job.err().contains("missing/model.safetensors does not exist"), job.err());
    }

    /** Rank 1 killed (SIGKILL) in the middle of training: rank 0, waiting for it, must end too, and soon. */
    @Test
    void aRankThatDiesEndsEveryRank(@TempDir Path tmp) throws Exception {
        assumeTrue(mpirun != null, "Open MPI's mpirun is not on the PATH");
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "finds rank 1 through /proc (Linux)");
        List<String> cmd = new ArrayList<>(List.of(mpirun, "--oversubscribe", "-np", "2"));
        cmd.addAll(ChildJvm.command(List.of(), run("--no-checkpoint", "--epochs", "1000").toArray(String[]::new)));
        ChildJvm.Running job = ChildJvm.start(tmp, "", DataParallelJobTest::mpiEnvironment, cmd);
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!Files.readString(job.out()).contains("epoch   2") && job.process().isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(job.process().isAlive(), "the job ended before it could be cut: " + Files.readString(job.out())
                + Files.readString(job.err()));
        ProcessHandle rank1 = job.process().descendants().filter(p -> environ(p).contains("OMPI_COMM_WORLD_RANK=1"))
                .findFirst().orElseThrow(() -> new AssertionError("no process of rank 1 among mpirun's children"));
        long killed = System.nanoTime();
        new ProcessBuilder("kill", "-9", Long.toString(rank1.pid())).start().waitFor();
        ChildJvm.Result r = job.await(60);
        double seconds = (System.nanoTime() - killed) / 1e9;
        assertFalse(r.timedOut(), "rank 0 went on waiting for the dead rank 1: " + r.out() + r.err());
        assertNotEquals(0, r.code(), r.out() + r.err());
        assertTrue(seconds < 30, "the job ended " + seconds + " s after rank 1 died");
    }

    /** The environment of process {@code p}, one variable per entry (empty where it cannot be read). */
    private static List<String> environ(ProcessHandle p) {
        try {
            return List.of(new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ")),
                    java.nio.charset.StandardCharsets.UTF_8).split("\u0000"));
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
