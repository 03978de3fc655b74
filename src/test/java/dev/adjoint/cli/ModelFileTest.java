package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.Safetensors;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.Python;
import dev.adjoint.train.SavedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --model FILE.json}: a network written as a list of layers trains on the bars images
 * ({@link ConvTrainTest#bars}), is saved under PyTorch's nn.Sequential names, evaluates again, resumes,
 * and gives PyTorch's outputs when PyTorch rebuilds it from the checkpoint alone
 * ({@code src/test/python/torch_model.py}); files that do not describe a fitting network are refused
 * with the layer named.
 */
class ModelFileTest {
    @TempDir
    Path tmp;

    private static final String MODEL = """
            {"input": [1, 6, 6],
             "layers": [{"type": "conv2d", "out": 4, "kernel": 3, "padding": "same"}, {"type": "batchnorm2d"},
                        {"type": "relu"}, {"type": "maxpool2d", "kernel": 2}, {"type": "flatten"},
                        {"type": "linear", "out": 8}, {"type": "gelu"}, {"type": "dropout", "p": 0.1},
                        {"type": "linear"}]}
            """;

    @Test
    void aModelFileTrainsIsSavedAsPyTorchLaysItOutAndPyTorchRunsIt() throws Exception {
        Path csv = Files.writeString(tmp.resolve("bars.csv"), ConvTrainTest.bars(600, 5));
        Path file = Files.writeString(tmp.resolve("net.json"), MODEL);
        Path ck = tmp.resolve("ck");
        Cli.Run t = Cli.run("train", "--csv", csv.toString(), "--label", "label", "--model", file.toString(),
                "--epochs", "8", "--batch", "32", "--lr", "0.01", "--checkpoint", ck.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("model file: input [1, 6, 6], 9 layers (conv2d, batchnorm2d, relu, maxpool2d, flatten,"
                + " linear, gelu, dropout, linear), 36 -> 2"), t.out());
        double accuracy = ConvTrainTest.learntBars(t);

        Path best = ck.resolve("best");
        Checkpoint.Loaded saved = Checkpoint.load(best);
        assertEquals("layers", ((Map<?, ?>) saved.config().get("model")).get("type"));
        // nn.Sequential(Unflatten, Conv2d, BatchNorm2d, ReLU, MaxPool2d, Flatten, Linear, GELU, Dropout, Linear)
        assertArrayEquals(new int[] {4, 1, 3, 3}, saved.tensors().get("1.weight").shape());
        assertArrayEquals(new int[] {4}, saved.tensors().get("2.running_var").shape());
        assertArrayEquals(new int[] {8, 36}, saved.tensors().get("6.weight").shape());
        assertArrayEquals(new int[] {2, 8}, saved.tensors().get("9.weight").shape());

        Cli.Run e = Cli.run("eval", "--checkpoint", best.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains(String.format(Locale.ROOT, "test accuracy %.2f%%", accuracy)), e.out() + " vs " + accuracy);
        Files.delete(file);     // the checkpoint holds the layers: resume needs no file
        Cli.Run more = Cli.run("train", "--resume", ck.toString(), "--epochs", "9", "--checkpoint", ck.toString());
        assertEquals(0, more.code(), more.err());
        assertTrue(more.out().contains("model file: input [1, 6, 6], 9 layers"), "resume rebuilds it: " + more.out());
        Cli.Run other = Cli.run("train", "--resume", ck.toString(), "--hidden", "16", "--epochs", "10", "--no-checkpoint");
        assertEquals(2, other.code(), other.out() + other.err());
        assertTrue(other.err().contains("continues a model file's layers; drop --hidden"), other.err());

        Python.assumeModules("torch");
        Random rnd = new Random(9);
        float[] x = new float[5 * 36];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] ours;
        try (Device d = new CpuDevice(1)) {
            SavedModel.Settings settings = SavedModel.Settings.of(saved.config(), best);
            try (Sequential model = settings.spec().build(d); Parameters params = Parameters.of(model)) {
                SavedModel.loadOwnParameters(params, saved, best);
                model.eval();
                ours = model.forward(Tensor.of(d, x, 5, 36)).toArray();
            }
            Safetensors.write(tmp.resolve("x.safetensors"), Map.of("x", Tensor.of(d, x, 5, 36)), Map.of());
        }
        Python.Result r = Python.run(List.of("src/test/python/torch_model.py", best.toString(),
                tmp.resolve("x.safetensors").toString(), tmp.resolve("y.safetensors").toString()), 120);
        assertEquals(0, r.code(), r.out());
        float[] theirs = Safetensors.read(tmp.resolve("y.safetensors")).get("y").data();
        assertEquals(ours.length, theirs.length);
        for (int i = 0; i < ours.length; i++) {
            assertEquals(theirs[i], ours[i], 1e-4 * Math.max(1, Math.abs(theirs[i])), "output " + i);
        }
    }

    @Test
    void filesThatDoNotDescribeAFittingNetworkAreRefusedByLayer() throws Exception {
        Path csv = Files.writeString(tmp.resolve("bars.csv"), ConvTrainTest.bars(40, 6));
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("{\"layers\": [{\"type\": \"softmax2\"}]}", "model.layers[0].type must be one of linear, conv2d");
        bad.put("{\"layers\": [{\"type\": \"linear\", \"kernel\": 3}]}", "model.layers[0] (linear) takes bias, out, not"
                + " \"kernel\"");
        bad.put("{\"input\": [1, 6, 6], \"layers\": [{\"type\": \"conv2d\", \"out\": 2, \"kernel\": 3}, {\"type\": \"linear\"}]}",
                "model.layers[1] (linear) on input [2, 4, 4]: linear takes [N, features]; put {\"type\": \"flatten\"}"
                        + " before it");
        bad.put("{\"layers\": [{\"type\": \"linear\", \"out\": 3}]}", "the last layer gives [3] per row, and the task needs"
                + " [2]");
        bad.put("{\"layers\": [{\"type\": \"conv2d\", \"out\": 2, \"kernel\": 3}]}", "model.layers[0] (conv2d) on input [36]:"
                + " conv2d takes [N, C, H, W]");
        bad.put("{\"input\": [1, 6, 5], \"layers\": []}", "model.input must be [C, H, W] or [C, L]");
        bad.put("{\"input\": [1, 36], \"layers\": [{\"type\": \"conv1d\", \"out\": 0, \"kernel\": 3}]}",
                "model.layers[0] (conv1d) on input [1, 36]: \"out\" must be a whole number from 1, got 0");
        bad.put("{\"layer\": []}", "model.layer is not a key of a model file");
        int n = 0;
        for (Map.Entry<String, String> b : bad.entrySet()) {
            Path file = Files.writeString(tmp.resolve("bad" + n++ + ".json"), b.getKey());
            Cli.Run r = Cli.run("train", "--csv", csv.toString(), "--label", "label", "--model", file.toString(),
                    "--epochs", "1", "--no-checkpoint");
            assertEquals(2, r.code(), b.getKey() + ": " + r.out() + r.err());
            assertTrue(r.err().contains("--model " + file) && r.err().contains(b.getValue()), b.getKey() + ": " + r.err());
        }
        Path good = Files.writeString(tmp.resolve("good.json"), MODEL);
        Cli.Run both = Cli.run("train", "--csv", csv.toString(), "--label", "label", "--model", good.toString(), "--hidden",
                "8", "--no-checkpoint");
        assertEquals(2, both.code(), both.err());
        assertTrue(both.err().contains("describes every layer; drop --hidden"), both.err());
        Cli.Run missing = Cli.run("train", "--csv", csv.toString(), "--label", "label", "--model",
                tmp.resolve("none.json").toString(), "--no-checkpoint");
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.err().contains("none.json: no such file"), missing.err());
    }
}
