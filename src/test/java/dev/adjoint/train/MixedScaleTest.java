package dev.adjoint.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.CsvEncoding;
import dev.adjoint.data.Datasets;
import dev.adjoint.data.Dataset;
import dev.adjoint.data.Split;
import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Losses;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * #24's acceptance line: on tabular data whose columns live on different scales, one global mean
 * and std (what {@code Trainer.fit} applied to every CSV before) leaves the small columns flat, and
 * the model learns little; per-column standardisation fitted on the training rows (scikit-learn's
 * {@code StandardScaler}: {@code (x - mean) / std}, population std) learns the task. Same files,
 * same MLP, same seeds; only the scaling differs.
 *
 * <p>The data: two ratios in [0, 1] decide the class ({@code (r1 > 0.5) + (r2 > 0.5)}: 3 classes,
 * 25/50/25%); next to them an amount in the thousands (1,000..9,000) and a count in the hundreds
 * (0..500), both noise.
 */
class MixedScaleTest {
    @TempDir
    Path tmp;

    private static String table(int rows, long seed) {
        Random rnd = new Random(seed);
        StringBuilder b = new StringBuilder("r1,amount,r2,count,label\n");
        for (int i = 0; i < rows; i++) {
            double r1 = rnd.nextDouble();
            double r2 = rnd.nextDouble();
            int label = (r1 > 0.5 ? 1 : 0) + (r2 > 0.5 ? 1 : 0);
            b.append(String.format(Locale.ROOT, "%.4f,%.2f,%.4f,%d,%d%n", r1, 1000 + 8000 * rnd.nextDouble(), r2,
                    rnd.nextInt(501), label));
        }
        return b.toString();
    }

    private static double accuracy(Split<Dataset> split) {
        MlpSpec spec = MlpSpec.of(split.train().dims(), new int[] {32}, split.train().classes(), Activation.Kind.RELU,
                Init.HE_UNIFORM, 0f, 3);
        try (Device cpu = new CpuDevice(1); Sequential model = spec.build(cpu); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.byName("adam", params, 0.01f, 0f)) {
            Trainer t = new Trainer(model, params, opt, Losses.byName("cross-entropy"),
                    Trainer.Config.of(30, 64).withSeed(3).withProgress(Progress.silent()), spec.toConfig());
            t.fit(split.train(), split.test(), cpu, s -> {});
            return t.test().accuracy();
        }
    }

    @Test
    void perColumnScalingLearnsWhatOneGlobalMeanAndStdDoesNot() throws IOException {
        Path train = Files.writeString(tmp.resolve("train.csv"), table(2000, 1));
        Path test = Files.writeString(tmp.resolve("test.csv"), table(1000, 2));
        double global = accuracy(Datasets.csv(train, test, "label"));
        double perColumn = accuracy(Datasets.csv(CsvEncoding.Options.of("label"), train, test, 0.2, 1, null));
        System.out.printf(Locale.ROOT, "mixed-scale CSV, 2000 train / 1000 test rows, MLP [4, 32, 3], adam 0.01, 30 epochs:"
                + " global mean/std %.2f%%, per-column %.2f%%%n", 100 * global, 100 * perColumn);
        assertTrue(global <= 0.70, "one global mean/std reached " + global + ": the data does not show the problem");
        assertTrue(perColumn >= 0.90, "per-column scaling reached only " + perColumn);
    }
}
