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
 *                       its __metadata__ holds
 *                         "format": "adjoint-checkpoint", "version": "1",
 *                         "config": the config as compact JSON (the copy that belongs to these tensors),
 *                         "config_sha256": SHA-256 (hex) of the exact bytes of config.json,
 *                         "previous_config_sha256": the same for the config.json this save replaced,
 *                         "data_sha256": SHA-256 (hex) of the tensor data, every value's little-endian
 *                         bytes in file order, so a changed or damaged value is found at load
 *   config.json         the caller's config (model shape, optimizer, epoch, step, ...) as pretty JSON,
 *                       for people and other tools
 * </pre>
 *
 * <p>{@link #save} writes each file atomically (temporary file in the same directory, fsync,
 * rename), model first, config last; the rename of model.safetensors is the moment the new
 * checkpoint exists. A crash never leaves a half-written file: the directory holds the previous
 * checkpoint, the new one, or, when the crash fell between the two renames, the new model beside
 * the previous config.json (or none). {@link #load} recognises that last case by
 * {@code previous_config_sha256} and returns the config stored in the model, so the tensors and the
 * config it returns always belong together. A config.json that matches neither (edited by hand, or
 * copied from another run) is refused. A writer killed mid-save leaves a hidden
 * {@code .model.safetensors.<hex>.tmp} beside the files, which the next save into the directory
 * deletes; one directory is written by one process at a time.
 *
 * <p>{@link #save} always stores F32, whatever the tensors came from: a checkpoint holds the
 * float32 values training resumes from. A directory with a safetensors file from elsewhere (no
 * Adjoint metadata) and a config.json loads too, as it is; its BF16 or F16 tensors (a PyTorch
 * state dict saved in half precision) are widened exactly to float32, the dtype the model
 * computes in (see {@link Safetensors}). Errors name the file: {@link FileFormatException} for a bad or mismatched
 * file, {@link UncheckedIOException} for I/O failures, including a missing file.
 */
public final class Checkpoint {
    public static final String MODEL = "model.safetensors";
    public static final String CONFIG = "config.json";
    public static final String FORMAT = "adjoint-checkpoint";
    static final String CONFIG_JSON = "config";
    static final String CONFIG_SHA256 = "config_sha256";
    static final String PREVIOUS_SHA256 = "previous_config_sha256";
    static final String DATA_SHA256 = "data_sha256";
    /** A config.json larger than this is not one Adjoint wrote (as for a safetensors header). */
    static final long MAX_CONFIG_BYTES = Safetensors.MAX_HEADER_BYTES;

    private Checkpoint() {}

    /** What {@link #load} returns: the tensors in file order and the config. */
    public record Loaded(Map<String, Safetensors.Loaded> tensors, Map<String, Object> config) {}

    /**
     * Saves {@code tensors} and {@code config} into {@code dir} (created if missing). Config values
     * are what {@link Json#write} accepts; they come back from {@link #load} as JSON values (whole
     * numbers as {@code Long}, others as {@code Double}, lists, maps).
     */
    public static void save(Path dir, Map<String, Tensor> tensors, Map<String, Object> config) {
        Map<String, Object> cfg = config == null ? Map.of() : config;
        byte[] configBytes = Json.write(cfg).getBytes(StandardCharsets.UTF_8);
        Path configFile = dir.resolve(CONFIG);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("version", "1");
        meta.put(CONFIG_JSON, Json.writeCompact(cfg));
        meta.put(CONFIG_SHA256, sha256(configBytes));
        meta.put(DATA_SHA256, dataSha256(tensors.values().stream().map(Tensor::toArray).toList()));
        try {
            Files.createDirectories(dir);
            AtomicFile.deleteStale(dir.resolve(MODEL));
            AtomicFile.deleteStale(configFile);
            if (Files.isRegularFile(configFile)) {
                meta.put(PREVIOUS_SHA256, sha256(Files.readAllBytes(configFile)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Checkpoint.save " + dir + ": " + e, e);
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

    /** Whether {@code dir} holds a checkpoint's model file (it may still be corrupt). */
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(MODEL));
    }

    /** Loads and checks a checkpoint written by {@link #save}. */
    public static Loaded load(Path dir) {
        Path modelFile = dir.resolve(MODEL);
        Path configFile = dir.resolve(CONFIG);
        InputFile.check(modelFile, "checkpoint file");
        Map<String, String> meta = Safetensors.metadata(modelFile);
        // a missing config.json is a save torn before it was written, or a model without one: see config()
        byte[] configBytes = InputFile.absent(configFile) ? null
                : InputFile.readAllBytes(configFile, "checkpoint config", MAX_CONFIG_BYTES);
        Map<String, Object> config = config(modelFile, configFile, meta, configBytes);
        Map<String, Safetensors.Loaded> tensors = Safetensors.read(modelFile);
        String expected = meta.get(DATA_SHA256);
        if (expected != null && !expected.equals(dataSha256(tensors.values().stream().map(Safetensors.Loaded::data).toList()))) {
            throw new FileFormatException(modelFile, -1, "the tensor data does not match the checksum saved with it ("
                    + DATA_SHA256 + "): the file was changed or damaged after it was written");
        }
        return new Loaded(tensors, config);
    }

    /** SHA-256 (hex) of every value's little-endian bytes, tensor after tensor. */
    static String dataSha256(java.util.List<float[]> data) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float[] d : data) {
                for (int at = 0; at < d.length; at += buf.capacity() / 4) {
                    int n = Math.min(buf.capacity() / 4, d.length - at);
                    buf.clear();
                    buf.asFloatBuffer().put(d, at, n);
                    md.update(buf.array(), 0, 4 * n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static Map<String, Object> config(Path modelFile, Path configFile, Map<String, String> meta, byte[] bytes) {
        String sha = bytes == null ? null : sha256(bytes);
        String embedded = meta.get(CONFIG_JSON);
        if (bytes != null && (sha.equals(meta.get(CONFIG_SHA256)) || !meta.containsKey(CONFIG_SHA256))) {
            try {
                return Json.parseObject(new String(bytes, StandardCharsets.UTF_8));
            } catch (Json.ParseException e) {
                throw new FileFormatException(configFile, e.offset(), "not a JSON object: " + e.getMessage(), e);
            }
        }
        if (embedded != null && (bytes == null || sha.equals(meta.get(PREVIOUS_SHA256)))) {
            // the save that wrote this model stopped before replacing config.json: its own config is in the model
            try {
                return Json.parseObject(embedded);
            } catch (Json.ParseException e) {
                throw new FileFormatException(modelFile, 8, "the config in __metadata__ is not a JSON object: "
                        + e.getMessage(), e);
            }
        }
        if (bytes == null) {
            throw new UncheckedIOException("Checkpoint.load: " + configFile + " does not exist",
                    new NoSuchFileException(configFile.toString()));
        }
        throw new FileFormatException(configFile, -1, "does not belong to " + modelFile
                + ": it is not the config saved with it (config_sha256 differs) nor the one that save replaced;"
                + " was it edited by hand or copied from another checkpoint?");
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
