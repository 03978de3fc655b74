package dev.adjoint.io;

import dev.adjoint.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training checkpoint: a directory holding two files.
 *
 * <pre>
 * dir/
 *   model.safetensors   every tensor (parameters, optimizer state, ...) as F32, see {@link Safetensors};
 *                       its __metadata__ holds "format": "adjoint-checkpoint", "version": "1" and
 *                       "config_sha256": the SHA-256 (hex) of the exact bytes of config.json
 *   config.json         the caller's config (model shape, optimizer, epoch, step, ...) as pretty JSON
 * </pre>
 *
 * <p>{@link #save} writes each file atomically (temporary file in the same directory, fsync,
 * rename), model first and config last. A crash therefore never leaves a half-written file: the
 * directory holds the previous checkpoint, the new one, or, if the crash fell between the two
 * renames, the new model beside the previous config. {@link #load} detects that last case through
 * {@code config_sha256} and refuses the pair rather than resuming from weights and a config that do
 * not belong together. (Editing config.json by hand trips the same check.) A writer killed
 * mid-save leaves a hidden {@code .model.safetensors.<hex>.tmp} beside the files, which the next
 * save into the same directory deletes; one directory is written by one process at a time.
 *
 * <p>Errors name the file: {@link FileFormatException} for a bad file, {@link UncheckedIOException}
 * for I/O failures, including a missing file.
 */
public final class Checkpoint {
    public static final String MODEL = "model.safetensors";
    public static final String CONFIG = "config.json";
    public static final String FORMAT = "adjoint-checkpoint";
    static final String CONFIG_SHA256 = "config_sha256";

    private Checkpoint() {}

    /** What {@link #load} returns: the tensors in file order and the config. */
    public record Loaded(Map<String, Safetensors.Loaded> tensors, Map<String, Object> config) {}

    /**
     * Saves {@code tensors} and {@code config} into {@code dir} (created if missing). Config values
     * are what {@link Json#write} accepts; they come back from {@link #load} as JSON values (whole
     * numbers as {@code Long}, others as {@code Double}, lists, maps).
     */
    public static void save(Path dir, Map<String, Tensor> tensors, Map<String, Object> config) {
        byte[] configBytes = Json.write(config == null ? Map.of() : config).getBytes(StandardCharsets.UTF_8);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("version", "1");
        meta.put(CONFIG_SHA256, sha256(configBytes));
        Path configFile = dir.resolve(CONFIG);
        try {
            Files.createDirectories(dir);
            AtomicFile.deleteStale(dir.resolve(MODEL));
            AtomicFile.deleteStale(configFile);
        } catch (IOException e) {
            throw new UncheckedIOException("Checkpoint.save: cannot create " + dir + ": " + e, e);
        }
        Safetensors.write(dir.resolve(MODEL), tensors, meta);
        try {
            AtomicFile.write(configFile, ch -> {
                ByteBuffer buf = ByteBuffer.wrap(configBytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Checkpoint.save " + configFile + ": " + e, e);
        }
    }

    /** Whether {@code dir} holds both files of a checkpoint (it may still be corrupt). */
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(MODEL)) && Files.isRegularFile(dir.resolve(CONFIG));
    }

    /** Loads and checks a checkpoint written by {@link #save}. */
    public static Loaded load(Path dir) {
        Path modelFile = dir.resolve(MODEL);
        Path configFile = dir.resolve(CONFIG);
        byte[] configBytes;
        try {
            configBytes = Files.readAllBytes(configFile);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("Checkpoint.load: " + configFile + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("Checkpoint.load " + configFile + ": " + e, e);
        }
        Map<String, Object> config;
        try {
            config = Json.parseObject(new String(configBytes, StandardCharsets.UTF_8));
        } catch (Json.ParseException e) {
            throw new FileFormatException(configFile, e.offset(), "not a JSON object: " + e.getMessage(), e);
        }
        if (!Files.exists(modelFile)) {
            throw new UncheckedIOException("Checkpoint.load: " + modelFile + " does not exist",
                    new NoSuchFileException(modelFile.toString()));
        }
        Map<String, String> meta = Safetensors.metadata(modelFile);
        String expected = meta.get(CONFIG_SHA256);
        if (expected != null && !expected.equals(sha256(configBytes))) {
            throw new FileFormatException(configFile, -1, "does not belong to " + modelFile
                    + " (config_sha256 differs): a save was interrupted between the two files, or one was replaced");
        }
        return new Loaded(Safetensors.read(modelFile), config);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
