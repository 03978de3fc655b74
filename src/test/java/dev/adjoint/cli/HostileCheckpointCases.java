package dev.adjoint.cli;

import static dev.adjoint.cli.Hostile.cli;
import static dev.adjoint.cli.Hostile.cliOk;

import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.Safetensors;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hostile checkpoints: truncated, corrupt, edited, from another tool, holding NaN, in the wrong kind
 * of file; and resumes that do not belong to the checkpoint they continue.
 */
final class HostileCheckpointCases {
    private HostileCheckpointCases() {}

    /** A checkpoint of MLP [2, 8, 3] on the spiral set, one epoch: what every case starts from. */
    static Path good(Path root) {
        Path dir = root.resolve("good");
        Cli.Run r = Cli.run("train", "--data", "spiral", "--hidden", "8", "--epochs", "1", "--checkpoint", dir.toString());
        if (r.code() != 0) {
            throw new IllegalStateException("the fixture did not train: " + r.err());
        }
        return dir;
    }

    /** A copy of {@code good} named {@code name}, changed by {@code how}. */
    private static Path variant(Path good, String name, IoConsumer<Path> how) {
        Path dir = good.resolveSibling(name);
        try {
            Files.createDirectories(dir);
            for (String f : List.of(Checkpoint.MODEL, Checkpoint.CONFIG)) {
                Files.copy(good.resolve(f), dir.resolve(f));
            }
            how.accept(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    @FunctionalInterface
    interface IoConsumer<T> {
        void accept(T t) throws IOException;
    }

    private static void truncate(Path file, long length) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(length);
        }
    }

    /** A checkpoint as another tool writes one: a plain safetensors model of MLP [2, 8, 3] and a config.json. */
    static Path foreign(Path root, String name, String config) {
        Path dir = root.resolve(name);
        try {
            Files.createDirectories(dir);
            try (CpuDevice cpu = new CpuDevice(1); Scope s = Scope.open()) {
                Map<String, Tensor> t = new LinkedHashMap<>();
                t.put("0.weight", Tensor.zeros(cpu, 8, 2));
                t.put("0.bias", Tensor.zeros(cpu, 8));
                t.put("2.weight", Tensor.zeros(cpu, 3, 8));
                t.put("2.bias", Tensor.zeros(cpu, 3));
                Safetensors.write(dir.resolve(Checkpoint.MODEL), t, Map.of());
            }
            Files.writeString(dir.resolve(Checkpoint.CONFIG), config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private static final String MLP = "{\"type\": \"mlp\", \"sizes\": [2, 8, 3], \"activation\": \"relu\", \"init\": "
            + "\"he_uniform\", \"dropout\": 0.0, \"seed\": 1}";
    private static final String NORM = "\"normalization\": {\"mean\": 0, \"std\": 1}";

    /** The good checkpoint with one value of one tensor replaced. */
    private static Path poisoned(Path good, String name, String tensor, float value) {
        return variant(good, name, dir -> {
            Map<String, Safetensors.Loaded> saved = Checkpoint.load(dir).tensors();
            try (CpuDevice cpu = new CpuDevice(1); Scope s = Scope.open()) {
                Map<String, Tensor> t = new LinkedHashMap<>();
                saved.forEach((k, v) -> {
                    float[] d = v.data();
                    if (k.equals(tensor)) {
                        d[0] = value;
                    }
                    t.put(k, Tensor.of(cpu, d, v.shape()));
                });
                Checkpoint.save(dir, t, Checkpoint.load(dir).config());
            }
        });
    }

    static List<Hostile.Case> cases(Path root) throws IOException {
        Path good = good(root);
        List<Hostile.Case> c = new ArrayList<>();
        String cat = "checkpoint files";
        java.util.function.BiConsumer<Path, String> evalFails = (dir, reason) -> c.add(cli(cat, 1,
                List.of(dir.toString(), reason), "eval", "--data", "spiral", "--checkpoint", dir.toString()));
        long size = Files.size(good.resolve(Checkpoint.MODEL));
        c.add(cli(cat, 1, List.of("does not exist"), "eval", "--data", "spiral", "--checkpoint", root.resolve("nowhere").toString()));
        evalFails.accept(variant(good, "no-model", dir -> Files.delete(dir.resolve(Checkpoint.MODEL))), "does not exist");
        for (long cut : new long[] {0, 4, 8, 20, size / 2, size - 1}) {
            String reason = cut < 8 ? "too short for the 8-byte header length" : cut == size - 1 ? "the file ends inside tensor"
                    : "is impossible";
            evalFails.accept(variant(good, "cut-" + cut, dir -> truncate(dir.resolve(Checkpoint.MODEL), cut)), reason);
        }
        evalFails.accept(variant(good, "huge-header", dir -> {
            byte[] b = Files.readAllBytes(dir.resolve(Checkpoint.MODEL));
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
            Files.write(dir.resolve(Checkpoint.MODEL), b);
        }), "header length 1099511627776 is impossible");
        evalFails.accept(variant(good, "garbage-header", dir -> {
            byte[] b = Files.readAllBytes(dir.resolve(Checkpoint.MODEL));
            for (int i = 8; i < 40; i++) {
                b[i] = (byte) 0xFF;
            }
            Files.write(dir.resolve(Checkpoint.MODEL), b);
        }), "does not start with '{'");
        c.add(cli(cat, 1, List.of("does not match the checksum saved with it"), "eval", "--data", "spiral",
                "--checkpoint", variant(good, "flipped-data", dir -> {
                    byte[] b = Files.readAllBytes(dir.resolve(Checkpoint.MODEL));
                    b[b.length - 2] ^= 0x01;   // one bit of one weight: still a finite number
                    Files.write(dir.resolve(Checkpoint.MODEL), b);
                }).toString()));
        evalFails.accept(variant(good, "model-is-dir", dir -> {
            Files.delete(dir.resolve(Checkpoint.MODEL));
            Files.createDirectory(dir.resolve(Checkpoint.MODEL));
        }), "is a directory, not a file");
        evalFails.accept(variant(good, "config-is-dir", dir -> {
            Files.delete(dir.resolve(Checkpoint.CONFIG));
            Files.createDirectory(dir.resolve(Checkpoint.CONFIG));
        }), "is a directory, not a file");
        evalFails.accept(variant(good, "model-fifo", dir -> {
            Files.delete(dir.resolve(Checkpoint.MODEL));
            mkfifo(dir.resolve(Checkpoint.MODEL));
        }), "is a FIFO");
        evalFails.accept(variant(good, "model-loop", dir -> {
            Files.delete(dir.resolve(Checkpoint.MODEL));
            Files.createSymbolicLink(dir.resolve("a"), dir.resolve(Checkpoint.MODEL));
            Files.createSymbolicLink(dir.resolve(Checkpoint.MODEL), dir.resolve("a"));
        }), "is a loop of symbolic links");
        evalFails.accept(variant(good, "config-not-json", dir -> Files.writeString(dir.resolve(Checkpoint.CONFIG), "{oops")), "does not belong to");
        evalFails.accept(variant(good, "config-edited", dir -> Files.writeString(dir.resolve(Checkpoint.CONFIG),
                Files.readString(dir.resolve(Checkpoint.CONFIG)).replace("\"relu\"", "\"tanh\""))), "does not belong to");
        String recordedAccuracy = String.format(java.util.Locale.ROOT, "test accuracy %.2f%%",
                100 * ((Number) Checkpoint.load(good.resolve("best")).config().get("test_accuracy")).doubleValue());
        c.add(cliOk(cat, r -> r.out().contains(recordedAccuracy), "eval", "--data", "spiral", "--checkpoint",
                variant(good, "torn-save", dir -> Files.delete(dir.resolve(Checkpoint.CONFIG))).toString()));
        for (String[] bad : new String[][] {
                {"sizes-string", "{\"model\": {\"sizes\": \"2,8,3\"}, " + NORM + "}", "model.sizes"},
                {"sizes-negative", "{\"model\": " + MLP.replace("[2, 8, 3]", "[2, -8, 3]") + ", " + NORM + "}", "model.sizes"},
                {"sizes-huge", "{\"model\": " + MLP.replace("[2, 8, 3]", "[2, 4294967304, 3]") + ", " + NORM + "}",
                        "model.sizes"},
                {"activation", "{\"model\": " + MLP.replace("relu", "swish") + ", " + NORM + "}", "model.activation"},
                {"dropout", "{\"model\": " + MLP.replace("0.0", "2.0") + ", " + NORM + "}", "model.dropout"},
                {"seed", "{\"model\": " + MLP.replace("\"seed\": 1", "\"seed\": \"one\"") + ", " + NORM + "}", "model.seed"},
                {"model-string", "{\"model\": \"mlp\", " + NORM + "}", "\"model\" must be"},
                {"no-normalization", "{\"model\": " + MLP + "}", "\"normalization\""},
                {"std-zero", "{\"model\": " + MLP + ", \"normalization\": {\"mean\": 0, \"std\": 0}}", "\"normalization\""},
                {"std-negative", "{\"model\": " + MLP + ", \"normalization\": {\"mean\": 0, \"std\": -1}}", "\"normalization\""},
                {"mean-string", "{\"model\": " + MLP + ", \"normalization\": {\"mean\": \"0\", \"std\": 1}}",
                        "\"normalization\""},
                {"not-object", "[1, 2]", "config.json"},
                {"other-shape", "{\"model\": " + MLP.replace("[2, 8, 3]", "[2, 5, 3]") + ", " + NORM + "}", "shape"}}) {
            Path dir = foreign(root, "foreign-" + bad[0], bad[1]);
            c.add(cli(cat, 1, List.of(dir.toString(), bad[2]), "eval", "--data", "spiral", "--checkpoint", dir.toString()));
        }
        Path nan = poisoned(good, "nan-weight", "2.weight", Float.NaN);
        c.add(cli(cat, 1, List.of("holds NaN", "diverged"), "eval", "--data", "spiral", "--checkpoint", nan.toString()));
        c.add(cli(cat, 1, List.of("holds Infinity"), "predict", "--data", "spiral", "--checkpoint",
                poisoned(good, "inf-weight", "0.bias", Float.POSITIVE_INFINITY).toString()));
        Path infState = poisoned(good, "inf-state", "optimizer.m", Float.POSITIVE_INFINITY);
        c.add(cli(cat, 1, List.of("optimizer.m", "holds Infinity"), "train", "--resume", infState.toString(),
                "--checkpoint", infState.toString(), "--epochs", "2")
                .protecting(infState.resolve(Checkpoint.MODEL), infState.resolve(Checkpoint.CONFIG)));
        String[][] mismatches = {
                {"--optimizer", "sgd", "optimizer.name"}, {"--activation", "tanh", "model.activation"},
                {"--hidden", "16", "model.sizes"}, {"--loss", "hinge", "loss"}, {"--batch", "64", "batch_size"},
                {"--lr", "0.01", "optimizer.lr"}, {"--seed", "2", "model.seed"}, {"--schedule", "constant", "schedule.name"},
                {"--warmup", "3", "schedule.name"}, {"--clip", "1", "clip"}, {"--weight-decay", "0.1", "optimizer.weight_decay"},
                {"--dropout", "0.5", "model.dropout"}, {"--init", "xavier-normal", "model.init"}};
        for (String[] m : mismatches) {
            c.add(cli("resume", 2, List.of("resume: " + good + " was trained with " + m[2]), "train", "--resume",
                    good.toString(), "--checkpoint", good.toString(), "--epochs", "2", m[0], m[1])
                    .protecting(good.resolve(Checkpoint.MODEL), good.resolve(Checkpoint.CONFIG)));
        }
        Path csv = Files.writeString(root.resolve("three.csv"), "a,b,c,label\n1,2,3,0\n4,5,6,1\n7,8,9,2\n1,1,1,0\n");
        c.add(cli("resume", 2, List.of("model.sizes"), "train", "--resume", good.toString(), "--checkpoint",
                good.toString(), "--epochs", "2", "--train-csv", csv.toString(), "--test-csv", csv.toString())
                .protecting(good.resolve(Checkpoint.MODEL)));
        c.add(cli("resume", 2, List.of("already holds the checkpoint of another run", "--overwrite"), "train", "--data",
                "spiral", "--hidden", "4", "--epochs", "1", "--checkpoint", good.toString())
                .protecting(good.resolve(Checkpoint.MODEL), good.resolve(Checkpoint.CONFIG),
                        good.resolve("best").resolve(Checkpoint.MODEL)));
        Path resumedElsewhere = root.resolve("elsewhere-target");
        variant(good, "elsewhere-target", dir -> { });
        c.add(cli("resume", 2, List.of("already holds the checkpoint of another run"), "train", "--resume",
                good.toString(), "--epochs", "2", "--checkpoint", resumedElsewhere.toString())
                .protecting(resumedElsewhere.resolve(Checkpoint.MODEL)));
        Path file = Files.writeString(root.resolve("a-file"), "x");
        c.add(cli(cat, 1, List.of("--checkpoint " + file, "cannot be written"), "train", "--data", "spiral", "--hidden",
                "4", "--epochs", "1", "--checkpoint", file.toString()).protecting(file));
        c.add(cli(cat, 2, List.of("takes 2 inputs", "--data"), "eval", "--train-csv", csv.toString(), "--test-csv",
                csv.toString(), "--checkpoint", good.toString()));
        c.add(cli(cat, 2, List.of("--rows: row 999999 is outside the test set"), "predict", "--data", "spiral",
                "--checkpoint", good.toString(), "--rows", "999999"));
        c.add(cliOk(cat, r -> r.out().contains(recordedAccuracy), "eval", "--data", "spiral", "--checkpoint", good.toString()));
        c.add(cliOk(cat, HostileCheckpointCases::probabilitiesSumToOne, "predict", "--data", "spiral", "--checkpoint",
                good.toString(), "--rows", "0,1,2", "--top", "3"));
        Path extended = variant(good, "extended", dir -> { });
        c.add(cliOk("resume", r -> r.out().contains("resumed from " + extended + " after epoch 1")
                && r.out().contains("epoch   2") && !r.out().contains("epoch   1 ") && !r.out().contains("epoch   3"), "train", "--resume",
                extended.toString(), "--checkpoint", extended.toString(), "--epochs", "2"));
        c.add(cliOk("resume", r -> r.out().contains("nothing to train"), "train", "--resume", good.toString()));
        Path replaced = variant(good, "replaced", dir -> { });
        c.add(cliOk("resume", r -> r.out().contains("replacing the checkpoint in " + replaced), "train", "--data", "spiral",
                "--hidden", "4", "--epochs", "1", "--checkpoint", replaced.toString(), "--overwrite"));
        return c;
    }

    /** Three rows of predictions, each with all three classes whose probabilities add up to 100% (to the printed digit). */
    private static boolean probabilitiesSumToOne(Cli.Run r) {
        List<String> rows = r.out().lines().filter(l -> l.startsWith("row ")).toList();
        for (String row : rows) {
            double sum = 0;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(" ([0-9.]+)%").matcher(row);
            int n = 0;
            while (m.find()) {
                sum += Double.parseDouble(m.group(1));
                n++;
            }
            if (n != 3 || Math.abs(sum - 100) > 0.2) {
                return false;
            }
        }
        return rows.size() == 3;
    }

    static void mkfifo(Path p) throws IOException {
        try {
            dev.adjoint.io.Fifo.make(p);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
