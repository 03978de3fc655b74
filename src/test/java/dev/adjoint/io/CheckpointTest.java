package dev.adjoint.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.tensor.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    private static final Device CPU = new CpuDevice(1);

    @TempDir
    Path dir;

    @AfterAll
    static void close() {
        CPU.close();
    }

    private static void save(Path dir, int iteration, int floats) {
        try (Tensor w = Tensor.full(CPU, iteration, floats); Tensor b = Tensor.full(CPU, iteration, 2)) {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("w", w);
            m.put("b", b);
            Checkpoint.save(dir, m, Map.of("iteration", iteration));
        }
    }

    @Test
    void savesAndLoadsTensorsAndConfig() throws IOException {
        Path ck = dir.resolve("run/epoch-3");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("layers", List.of(784, 128, 10));
        config.put("optimizer", Map.of("name", "adamw", "lr", 1e-3));
        config.put("epoch", 3);
        try (Tensor w = Tensor.of(CPU, new float[] {1, 2, 3, 4, 5, 6}, 2, 3); Tensor b = Tensor.of(CPU, new float[] {-1, 1}, 2)) {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("0.weight", w);
            m.put("0.bias", b);
            Checkpoint.save(ck, m, config);
        }
        assertTrue(Checkpoint.exists(ck));
        Checkpoint.Loaded l = Checkpoint.load(ck);
        assertEquals(List.of("0.weight", "0.bias"), List.copyOf(l.tensors().keySet()));
        assertArrayEquals(new int[] {2, 3}, l.tensors().get("0.weight").shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, l.tensors().get("0.weight").data());
        assertEquals(List.of(784L, 128L, 10L), l.config().get("layers"));
        assertEquals(Map.of("name", "adamw", "lr", 1e-3), l.config().get("optimizer"));
        assertEquals(3L, l.config().get("epoch"));
        assertEquals(Checkpoint.FORMAT, Safetensors.metadata(ck.resolve(Checkpoint.MODEL)).get("format"));
        String json = Files.readString(ck.resolve(Checkpoint.CONFIG));
        assertTrue(json.contains("\"epoch\": 3"), json);
        try (Stream<Path> s = Files.list(ck)) {
            assertEquals(2, s.count(), "only the two files");
        }
    }

    @Test
    void errorsNameTheFile() throws IOException {
        Path ck = dir.resolve("ck");
        UncheckedIOException missing = assertThrows(UncheckedIOException.class, () -> Checkpoint.load(ck));
        assertTrue(missing.getMessage().contains(ck.resolve(Checkpoint.MODEL).toString()), missing.getMessage());
        save(ck, 1, 10);
        Files.writeString(ck.resolve(Checkpoint.CONFIG), "{\"iteration\": 1,");
        FileFormatException bad = assertThrows(FileFormatException.class, () -> Checkpoint.load(ck));
        assertTrue(bad.getMessage().contains(ck.resolve(Checkpoint.CONFIG).toString()), bad.getMessage());
        Files.writeString(ck.resolve(Checkpoint.CONFIG), "{\"iteration\": 2}\n");
        FileFormatException mismatch = assertThrows(FileFormatException.class, () -> Checkpoint.load(ck));
        assertTrue(mismatch.getMessage().contains("does not belong to"), mismatch.getMessage());
        save(ck, 1, 10);
        byte[] model = Files.readAllBytes(ck.resolve(Checkpoint.MODEL));
        Files.write(ck.resolve(Checkpoint.MODEL), java.util.Arrays.copyOf(model, model.length - 1));
        FileFormatException truncated = assertThrows(FileFormatException.class, () -> Checkpoint.load(ck));
        assertTrue(truncated.getMessage().startsWith(ck.resolve(Checkpoint.MODEL).toString()), truncated.getMessage());
    }

    /** The cases: a FIFO named model.safetensors hung load forever; a loop of links was "does not exist". */
    @Test
    void aModelFileThatIsNotARegularFileIsNamedNotWaitedOn() throws Exception {
        Path ck = Files.createDirectories(dir.resolve("fifo"));
        Path model = Fifo.make(ck.resolve(Checkpoint.MODEL));
        Throwable e = Fifo.thrownWithoutBlocking(model, () -> Checkpoint.load(ck));
        assertEquals("checkpoint file " + model + " is a FIFO (named pipe), not a regular file: reading it could wait "
                + "forever for a writer", e.getMessage());
        assertTrue(e instanceof UncheckedIOException, e.toString());

        Path loop = Files.createDirectories(dir.resolve("loop"));
        Files.createSymbolicLink(loop.resolve(Checkpoint.MODEL), Path.of("other.safetensors"));
        Files.createSymbolicLink(loop.resolve("other.safetensors"), Path.of(Checkpoint.MODEL));
        UncheckedIOException l = assertThrows(UncheckedIOException.class, () -> Checkpoint.load(loop));
        assertEquals("checkpoint file " + loop.resolve(Checkpoint.MODEL) + " is a loop of symbolic links (or a chain of "
                + "more than 40)", l.getMessage());

        Path config = dir.resolve("config");
        save(config, 1, 10);
        Files.delete(config.resolve(Checkpoint.CONFIG));
        Fifo.make(config.resolve(Checkpoint.CONFIG));
        e = Fifo.thrownWithoutBlocking(config.resolve(Checkpoint.CONFIG), () -> Checkpoint.load(config));
        assertTrue(e.getMessage().startsWith("checkpoint config " + config.resolve(Checkpoint.CONFIG) + " is a FIFO"),
                e.getMessage());
        Files.delete(config.resolve(Checkpoint.CONFIG));
        Files.createDirectory(config.resolve(Checkpoint.CONFIG));
        l = assertThrows(UncheckedIOException.class, () -> Checkpoint.load(config));
        assertEquals("checkpoint config " + config.resolve(Checkpoint.CONFIG) + " is a directory, not a file", l.getMessage());
    }

    @Test
    void aSaveTornBetweenTheTwoRenamesLoadsTheNewCheckpointWhole() throws IOException {
        Path ck = dir.resolve("ck");
        save(ck, 1, 10);
        byte[] oldConfig = Files.readAllBytes(ck.resolve(Checkpoint.CONFIG));
        save(ck, 2, 10);
        // as if the process died after renaming model.safetensors and before renaming config.json
        Files.write(ck.resolve(Checkpoint.CONFIG), oldConfig);
        assertEquals(2, checkConsistent(Checkpoint.load(ck), 10, 10));
        // or died during the very first save, before any config.json existed
        Files.delete(ck.resolve(Checkpoint.CONFIG));
        assertEquals(2, checkConsistent(Checkpoint.load(ck), 10, 10));
        save(ck, 3, 10);
        assertEquals(3, checkConsistent(Checkpoint.load(ck), 10, 10));
    }

    @Test
    void aModelFromElsewhereLoadsWithItsConfigAsItIs() throws IOException {
        Path ck = Files.createDirectories(dir.resolve("hf"));
        try (Tensor w = Tensor.ones(CPU, 2)) {
            Safetensors.write(ck.resolve(Checkpoint.MODEL), Map.of("w", w), Map.of("format", "pt"));
        }
        Files.writeString(ck.resolve(Checkpoint.CONFIG), "{\"hidden_size\": 2}");
        Checkpoint.Loaded l = Checkpoint.load(ck);
        assertEquals(Map.of("hidden_size", 2L), l.config());
        assertArrayEquals(new float[] {1, 1}, l.tensors().get("w").data());
    }

    /** A checkpoint as written by {@link CheckpointWriterMain}: all of w equals the iteration in the config. */
    private static int checkConsistent(Checkpoint.Loaded l, int smallFloats, int bigFloats) {
        int it = ((Long) l.config().get("iteration")).intValue();
        float[] w = l.tensors().get("w").data();
        assertEquals(it == 0 ? smallFloats : bigFloats, w.length);
        for (float v : w) {
            if (v != it) {
                fail("w holds " + v + " in checkpoint " + it);
            }
        }
        assertArrayEquals(new float[] {it, it}, l.tensors().get("b").data());
        return it;
    }

    /**
     * Kills a JVM while it writes checkpoints (32 MB each) in a loop: the directory must still hold a
     * whole, consistent checkpoint, and the next save must clean up the dead writer's temporary file.
     */
    @Test
    void aWriterKilledMidSaveLeavesALoadableCheckpoint() throws Exception {
        int small = 16;
        int big = 8_000_000;
        Path ck = dir.resolve("ck");
        save(ck, 0, small);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), CheckpointWriterMain.class.getName(),
                ck.toString(), Integer.toString(big))
                .redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the child was killed
            }
        });
        List<String> seen = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            while (!seen.contains("saving 2")) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    fail("the child JVM did not reach its second save in 8 s; it printed " + seen);
                }
                seen.add(line);
            }
            Thread.sleep(40); // into the middle of writing 32 MB
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            reader.join(5000);
        }
        int it = checkConsistent(Checkpoint.load(ck), small, big);
        assertTrue(it >= 1, "the child's first save completed, so its checkpoint replaced ours: " + it);
        try (Stream<Path> s = Files.list(ck)) {
            System.out.println("[kill test] loaded checkpoint " + it + " after " + seen + "; left behind: "
                    + s.map(p -> p.getFileName().toString()).toList());
        }
        save(ck, 7, small);
        assertEquals(7, checkConsistent(Checkpoint.load(ck), small, small));
        try (Stream<Path> s = Files.list(ck)) {
            assertEquals(2, s.count(), "stale temporary files were cleaned up");
        }
    }
}
