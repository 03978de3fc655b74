package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Backend;
import dev.adjoint.device.Devices;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.tensor.Anomaly;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a person sees when they get something wrong: one line on stderr, a non-zero exit, a trace only with --verbose. */
class MainTest {
    @TempDir
    Path tmp;

    private static Cli.Run run(String... args) {
        return Cli.run(args);
    }

    private static Cli.Run oneLine(int code, List<String> parts, String... args) {
        return Cli.oneLine(code, parts, args);
    }

    @Test
    void mistakesInTheCommandLineExitWithTwo() {
        oneLine(2, List.of("unknown command 'fit'", "adjoint --help"), "fit");
        oneLine(2, List.of("--epochs must be an integer from 1 to 1000000, got 'many'"), "train", "--epochs", "many");
        oneLine(2, List.of("unknown option --epoch", "--epochs"), "train", "--epoch", "3");
        oneLine(2, List.of("--threads must be an integer from 1 to 1024, got 0"), "devices", "--threads", "0");
        oneLine(2, List.of("--data /no/such/dir is not a directory"), "train", "--data", "/no/such/dir");
        Cli.Run r = Cli.runIn(tmp.resolve("runs"), "eval");
        assertEquals(2, r.code(), r.err());
        assertEquals("adjoint: no run found under " + tmp.resolve("runs") + "/: train one first ('adjoint train') or pass"
                + " --checkpoint DIR\n", r.err());
    }

    @Test
    void badFilesNameTheFileAndTheOffset() throws IOException {
        Path missing = tmp.resolve("none");
        oneLine(1, List.of(missing.resolve("model.safetensors").toString(), "does not exist"),
                "eval", "--checkpoint", missing.toString());
        Path corrupt = Files.createDirectories(tmp.resolve("corrupt"));
        Files.write(corrupt.resolve("model.safetensors"), new byte[] {12, 0, 0, 0, 0, 0, 0, 0, '{', '"', 'a'});
        oneLine(1, List.of(corrupt.resolve("model.safetensors").toString(), "at byte offset"),
                "eval", "--checkpoint", corrupt.toString());
        Path csv = tmp.resolve("train.csv");
        Files.writeString(csv, "a,b,label\n1,2,0\n3,4\n");
        oneLine(1, List.of(csv.toString(), "line 3"), "train", "--train-csv", csv.toString(), "--test-csv", csv.toString());
    }

    /** A model from elsewhere with a config.json that is not what 'adjoint train' writes: one line, no stack trace. */
    @Test
    void aCheckpointWithAnIncompleteConfigIsAOneLineError() throws IOException {
        String mlp = "{\"type\": \"mlp\", \"sizes\": [2, 8, 3], \"activation\": \"relu\", \"init\": \"he_uniform\", "
                + "\"dropout\": 0.0, \"seed\": 1}";
        Path dir = HostileCheckpointCases.foreign(tmp, "elsewhere", "{\"model\": " + mlp + "}");
        String config = dir.resolve(Checkpoint.CONFIG).toString();
        oneLine(1, List.of(config, "\"normalization\" must be {\"mean\": m, \"std\": s} with finite m and s > 0, got nothing"),
                "eval", "--data", "spiral", "--checkpoint", dir.toString());
        Files.writeString(dir.resolve(Checkpoint.CONFIG), "{\"model\": {\"sizes\": \"2, 8, 3\"}}");
        oneLine(1, List.of(config, "model.sizes must be a list of two or more layer sizes, got \"2, 8, 3\""),
                "eval", "--data", "spiral", "--checkpoint", dir.toString());
        Files.writeString(dir.resolve(Checkpoint.CONFIG), "{\"model\": " + mlp + ", \"normalization\": {\"mean\": 0, \"std\": 0}}");
        oneLine(1, List.of(config, "with finite m and s > 0, got {\"mean\":0,\"std\":0}"),
                "eval", "--data", "spiral", "--checkpoint", dir.toString());
        Files.writeString(dir.resolve(Checkpoint.CONFIG), "{\"model\": " + mlp + ", \"normalization\": {\"mean\": 0, \"std\": 1}}");
        Cli.Run ok = run("eval", "--data", "spiral", "--checkpoint", dir.toString());
        assertEquals(0, ok.code(), ok.err());
    }

    @Test
    void anUnusableDeviceSaysWhy() {
        oneLine(2, List.of("unknown backend 'tpu'", "cpu"), "train", "--data", "spiral", "--device", "tpu");
        for (Backend b : Devices.backends()) {
            if (!b.availability().available()) {
                oneLine(1, List.of("device '" + b.name() + "' was asked for", b.availability().reason()),
                        "train", "--data", "spiral", "--device", b.name());
            }
        }
    }

    @Test
    void verboseAddsTheStackTrace() {
        Path missing = tmp.resolve("none");
        Cli.Run r = run("eval", "--checkpoint", missing.toString(), "--verbose");
        assertEquals(1, r.code());
        assertTrue(r.errLines().getFirst().startsWith("adjoint: ") && r.errLines().getFirst().contains("does not exist"),
                r.err());
        assertTrue(r.err().contains("\tat dev.adjoint.io.Checkpoint.load"), r.err());
        assertFalse(run("eval", "--checkpoint", missing.toString()).err().contains("\tat "));
    }

    @Test
    void resumingIntoAnotherModelNamesTheFieldAndBothValues() {
        String dir = tmp.resolve("ckpt").toString();
        Cli.Run first = run("train", "--data", "spiral", "--hidden", "8", "--epochs", "1", "--checkpoint", dir);
        assertEquals(0, first.code(), first.err());
        oneLine(2, List.of("resume: " + dir + " was trained with model.sizes = [2, 8, 3], and this run has [2, 16, 3]"),
                "train", "--data", "spiral", "--hidden", "16", "--epochs", "2", "--resume", dir);
    }

    @Test
    void aDivergingRunSaysSoAndDetectAnomalyNamesTheOp() {
        List<String> train = new ArrayList<>(List.of("train", "--data", "spiral", "--hidden", "8", "--epochs", "2",
                "--lr", "1e30", "--schedule", "constant"));
        oneLine(1, List.of("training diverged", "--detect-anomaly"), train.toArray(String[]::new));
        train.add("--detect-anomaly");
        Cli.Run r = oneLine(1, List.of("produced"), train.toArray(String[]::new));
        assertTrue(r.errLines().getFirst().matches("adjoint: (forward|backward) of '\\w+'.* produced [+-]?(NaN|Inf) at .*"),
                r.err());
        assertTrue(r.out().contains("anomaly detection on"), r.out());
        assertFalse(Anomaly.isDetecting(), "the flag lasts for the command only");
    }
}
