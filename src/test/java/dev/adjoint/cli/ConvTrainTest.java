package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.Json;
import dev.adjoint.train.MlpSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --conv}: convolution stages before the MLP, end to end on small 6×6 images the test draws
 * (a bright bar, horizontal or vertical, somewhere in noise: a class a CNN finds by its shape): the run
 * learns it, the checkpoint records the model ({@code type cnn}, image, channels) with PyTorch's
 * nn.Sequential names and layouts, eval rebuilds it and measures the same accuracy, resume keeps it, and
 * features that are not a square image are refused.
 */
class ConvTrainTest {
    @TempDir
    Path tmp;

    /** The final test accuracy a run on the bars printed, in percent, checked to be 90 or more: the orientation is learnt. */
    static double learntBars(Cli.Run t) {
        String line = t.out().lines().filter(l -> l.startsWith("final test accuracy")).findFirst().orElseThrow();
        double accuracy = Double.parseDouble(line.replaceAll("final test accuracy ([0-9.]+)%.*", "$1"));
        assertTrue(accuracy >= 90, "the bars' orientation is learnt: " + line);
        return accuracy;
    }

    static String bars(int rows, long seed) {
        Random rnd = new Random(seed);
        StringBuilder b = new StringBuilder();
        for (int p = 0; p < 36; p++) {
            b.append("p").append(p).append(',');
        }
        b.append("label\n");
        for (int i = 0; i < rows; i++) {
            boolean vertical = rnd.nextBoolean();
            int at = rnd.nextInt(6);
            for (int p = 0; p < 36; p++) {
                int r = p / 6;
                int c = p % 6;
                double v = 0.2 * rnd.nextGaussian() + ((vertical ? c : r) == at ? 1.5 : 0.0);
                b.append(String.format(Locale.ROOT, "%.4f,", v));
            }
            b.append(vertical ? "vertical" : "horizontal").append('\n');
        }
        return b.toString();
    }

    @Test
    void aCnnTrainsIsSavedAsPyTorchLaysItOutAndEvaluatesAgain() throws Exception {
        Path csv = Files.writeString(tmp.resolve("bars.csv"), bars(600, 1));
        Path ck = tmp.resolve("cnn");
        Cli.Run t = Cli.run("train", "--csv", csv.toString(), "--label", "label", "--conv", "4", "--hidden", "8",
                "--epochs", "12", "--batch", "32", "--lr", "0.01", "--checkpoint", ck.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("CNN on 6x6: conv [4] (5x5 same, max pool 2), then MLP [36, 8, 2]"), t.out());
        double accuracy = ConvTrainTest.learntBars(t);

        Checkpoint.Loaded best = Checkpoint.load(ck.resolve("best"));
        Map<?, ?> model = (Map<?, ?>) best.config().get("model");
        assertEquals("cnn", model.get("type"));
        assertEquals(List.of(1L, 6L, 6L), model.get("image"));
        assertEquals(List.of(4L), model.get("conv"));
        // nn.Sequential(Unflatten, Conv2d, ReLU, MaxPool2d, Flatten, Linear, ReLU, Linear)
        assertArrayEquals(new int[] {4, 1, 5, 5}, best.tensors().get("1.weight").shape());
        assertArrayEquals(new int[] {8, 4 * 3 * 3}, best.tensors().get("5.weight").shape());
        assertArrayEquals(new int[] {2, 8}, best.tensors().get("7.weight").shape());
        assertEquals(MlpSpec.fromConfig(model).toConfig(), Json.parseObject(Json.write(model)), "the config reads back");

        Cli.Run e = Cli.run("eval", "--checkpoint", ck.resolve("best").toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains(String.format(Locale.ROOT, "test accuracy %.2f%%", accuracy)), e.out() + " vs " + accuracy);

        Cli.Run more = Cli.run("train", "--resume", ck.toString(), "--epochs", "13", "--checkpoint", ck.toString());
        assertEquals(0, more.code(), more.err());
        assertTrue(more.out().contains("CNN on 6x6: conv [4]"), "resume keeps the stages: " + more.out());

        StringBuilder rows = new StringBuilder("a,b,c,label\n");
        for (int i = 0; i < 40; i++) {
            rows.append(i).append(',').append(i % 7).append(',').append(i % 3).append(',').append(i % 2 == 0 ? "x" : "y")
                    .append('\n');
        }
        Path flat = Files.writeString(tmp.resolve("flat.csv"), rows.toString());
        Cli.Run bad = Cli.run("train", "--csv", flat.toString(), "--label", "label", "--conv", "4", "--no-checkpoint");
        assertEquals(2, bad.code(), bad.out() + bad.err());
        assertTrue(bad.err().contains("--conv: convolution stages take square grey images") && bad.err().contains(
                "this data has 3 features per row"), bad.err());
    }

    /**
     * --norm batch: a BatchNorm after the convolution (2d) and after the hidden Linear (1d), saved under
     * PyTorch's nn.Sequential names with their running statistics; eval, which must load those statistics
     * to give the same accuracy, agrees with the run, and resume keeps the layers.
     */
    @Test
    void batchNormIsTrainedSavedWithItsStatisticsAndEvaluatesAgain() throws Exception {
        Path csv = Files.writeString(tmp.resolve("bars.csv"), bars(600, 3));
        Path ck = tmp.resolve("bn");
        Cli.Run t = Cli.run("train", "--csv", csv.toString(), "--label", "label", "--conv", "4", "--hidden", "8",
                "--norm", "batch", "--epochs", "6", "--batch", "32", "--lr", "0.01", "--checkpoint", ck.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("then MLP [36, 8, 2], batch norm"), t.out());
        double accuracy = ConvTrainTest.learntBars(t);

        Checkpoint.Loaded best = Checkpoint.load(ck.resolve("best"));
        assertEquals("batch", ((Map<?, ?>) best.config().get("model")).get("norm"));
        // nn.Sequential(Unflatten, Conv2d, BatchNorm2d, ReLU, MaxPool2d, Flatten, Linear, BatchNorm1d, ReLU, Linear)
        for (String k : List.of("2.weight", "2.bias", "2.running_mean", "2.running_var")) {
            assertArrayEquals(new int[] {4}, best.tensors().get(k).shape(), k);
        }
        for (String k : List.of("7.weight", "7.bias", "7.running_mean", "7.running_var")) {
            assertArrayEquals(new int[] {8}, best.tensors().get(k).shape(), k);
        }
        assertArrayEquals(new int[] {2, 8}, best.tensors().get("9.weight").shape());
        float[] var = best.tensors().get("2.running_var").data();
        assertTrue(var[0] != 1f && var[0] > 0, "the running variance moved from its start: " + var[0]);

        Cli.Run e = Cli.run("eval", "--checkpoint", ck.resolve("best").toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains(String.format(Locale.ROOT, "test accuracy %.2f%%", accuracy)), e.out() + " vs " + accuracy);
        Cli.Run more = Cli.run("train", "--resume", ck.toString(), "--epochs", "7", "--checkpoint", ck.toString());
        assertEquals(0, more.code(), more.err());
        assertTrue(more.out().contains("batch norm"), "resume keeps the norm: " + more.out());
    }

    @Test
    void modelCnnIsThePresetAndGivenSizesWin() throws Exception {
        Path csv = Files.writeString(tmp.resolve("bars.csv"), bars(64, 2));
        Path json = tmp.resolve("preset.json");
        Cli.Run preset = Cli.run("train", "--csv", csv.toString(), "--label", "label", "--model", "cnn",
                "--no-checkpoint", "--json", json.toString());
        assertEquals(0, preset.code(), preset.err());
        Map<?, ?> settings = (Map<?, ?>) Json.parseObject(Files.readString(json)).get("settings");
        assertEquals(Double.parseDouble(TrainCommand.CNN_DROPOUT), Double.parseDouble((String) settings.get("dropout")),
                "the preset's dropout: " + settings);
        assertEquals("none", settings.get("norm"), "the preset has no batch norm: " + settings);
        assertEquals(TrainCommand.CNN_AUGMENT, settings.get("augment"), "the preset's shifts: " + settings);
        assertEquals(TrainCommand.CNN_EPOCHS, settings.get("epochs"), "the preset's epochs: " + settings);
        assertTrue(preset.out().contains("CNN on 6x6: conv [" + TrainCommand.CNN_CONV.replace(",", ", ")
                + "] (5x5 same, max pool 2), then MLP [36, " + TrainCommand.CNN_HIDDEN + ", 2]"), preset.out());
        Cli.Run given = Cli.run("train", "--csv", csv.toString(), "--label", "label", "--model", "CNN", "--conv", "3",
                "--hidden", "5", "--epochs", "1", "--no-checkpoint");
        assertEquals(0, given.code(), given.err());
        assertTrue(given.out().contains("conv [3] (5x5 same, max pool 2), then MLP [36, 5, 2]"), given.out());
        assertTrue(given.out().contains("epoch   1 ") && !given.out().contains("epoch   2 "), "--epochs 1 wins: " + given.out());

        Cli.Run both = Cli.run("train", "--csv", csv.toString(), "--label", "label", "--model", "mlp", "--conv", "4",
                "--no-checkpoint");
        assertEquals(2, both.code(), both.out() + both.err());
        assertTrue(both.err().contains("--model mlp has no convolution stages"), both.err());
        Cli.Run unknown = Cli.run("train", "--csv", csv.toString(), "--label", "label", "--model", "resnet",
                "--no-checkpoint");
        assertEquals(2, unknown.code(), unknown.out() + unknown.err());
        assertTrue(unknown.err().contains("unknown --model 'resnet'; choose mlp, cnn or a JSON model file"), unknown.err());
    }

    /**
     * --augment: the training images are shifted and flipped (the first epoch's loss is not the one of the same run
     * without), the bars are still learnt, the setting is recorded and resume keeps it; a flat model and a spec
     * that is not one are refused by name.
     */
    @Test
    void augmentShiftsAndFlipsTheTrainingImagesAndResumeKeepsIt() throws Exception {
        Path csv = Files.writeString(tmp.resolve("bars.csv"), bars(600, 4));
        Path ck = tmp.resolve("aug");
        Path json = tmp.resolve("aug.json");
        List<String> common = List.of("train", "--csv", csv.toString(), "--label", "label", "--conv", "4", "--hidden",
                "8", "--batch", "32", "--lr", "0.01");
        Cli.Run t = Cli.run(args(common, "--augment", "shift=1,flip", "--epochs", "12", "--checkpoint", ck.toString(),
                "--json", json.toString()));
        assertEquals(0, t.code(), t.err());
        ConvTrainTest.learntBars(t);
        Map<?, ?> run = Json.parseObject(Files.readString(json));
        assertEquals("shift=1,flip", ((Map<?, ?>) run.get("settings")).get("augment"), "recorded: " + run.get("settings"));

        Path plainJson = tmp.resolve("plain.json");
        Cli.Run plain = Cli.run(args(common, "--epochs", "12", "--no-checkpoint", "--json", plainJson.toString()));
        assertEquals(0, plain.code(), plain.err());
        double augmented = firstLoss(run);
        double without = firstLoss(Json.parseObject(Files.readString(plainJson)));
        assertTrue(augmented != without, "the same run without augmentation trains on other images: " + augmented
                + " vs " + without);

        Path moreJson = tmp.resolve("more.json");
        Cli.Run more = Cli.run("train", "--resume", ck.toString(), "--epochs", "13", "--checkpoint", ck.toString(),
                "--json", moreJson.toString());
        assertEquals(0, more.code(), more.err());
        assertEquals("shift=1,flip", ((Map<?, ?>) Json.parseObject(Files.readString(moreJson)).get("settings"))
                .get("augment"), "resume keeps it");

        Cli.Run flat = Cli.run("train", "--csv", csv.toString(), "--label", "label", "--hidden", "8", "--augment", "flip",
                "--no-checkpoint");
        assertEquals(2, flat.code(), flat.out() + flat.err());
        assertTrue(flat.err().contains("--augment 'flip' shifts and flips images, and this model's input is not an image"),
                flat.err());
        Cli.Run unknown = Cli.run(args(common, "--augment", "rotate=15", "--no-checkpoint"));
        assertEquals(2, unknown.code(), unknown.out() + unknown.err());
        assertTrue(unknown.err().contains("--augment 'rotate=15': unknown 'rotate=15'; give shift=N (pixels) and/or flip"),
                unknown.err());
    }

    private static String[] args(List<String> common, String... more) {
        List<String> all = new java.util.ArrayList<>(common);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private static double firstLoss(Map<?, ?> run) {
        return ((Number) ((Map<?, ?>) ((List<?>) run.get("epochs")).get(0)).get("train_loss")).doubleValue();
    }
}
