package dev.adjoint.cli;

import static dev.adjoint.cli.Hostile.api;
import static dev.adjoint.cli.Hostile.apiOk;

import dev.adjoint.data.Dataset;
import dev.adjoint.data.Datasets;
import dev.adjoint.data.Normalization;
import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.DirectoryLock;
import dev.adjoint.io.Json;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Losses;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.train.MlpSpec;
import dev.adjoint.train.Progress;
import dev.adjoint.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Misuse of the Java API: wrong shapes, closed tensors, bad configurations, files that are not what they claim. */
final class HostileApiCases {
    private HostileApiCases() {}

    private static final Device CPU = new CpuDevice(1);
    private static final MlpSpec SPEC = MlpSpec.of(2, new int[] {4}, 3, Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 1);

    private static Trainer trainer(Trainer.Config config) {
        Sequential model = SPEC.build(CPU);
        Parameters params = Parameters.of(model);
        return new Trainer(model, params, Optimizer.adam(params, 0.01f, 0f, false), Losses.byName("cross-entropy"),
                config.withProgress(Progress.silent()), SPEC.toConfig());
    }

    static List<Hostile.Case> cases(Path root) {
        List<Hostile.Case> c = new ArrayList<>();
        c.add(api("add of shapes that do not broadcast", IllegalArgumentException.class, List.of("add", "[2, 3]", "[4]"),
                () -> {
                    try (Scope s = Scope.open()) {
                        Tensor.zeros(CPU, 2, 3).add(Tensor.zeros(CPU, 4));
                    }
                }));
        c.add(api("matmul of unaligned shapes", IllegalArgumentException.class, List.of("matmul", "[2, 3]", "[4, 5]"), () -> {
            try (Scope s = Scope.open()) {
                Tensor.zeros(CPU, 2, 3).matmul(Tensor.zeros(CPU, 4, 5));
            }
        }));
        c.add(api("reshape to another size", IllegalArgumentException.class, List.of("reshape", "[2, 3]"), () -> {
            try (Scope s = Scope.open()) {
                Tensor.zeros(CPU, 2, 3).reshape(4);
            }
        }));
        c.add(api("Tensor.of with too few values", IllegalArgumentException.class, List.of("[2, 3]"),
                () -> Tensor.of(CPU, new float[5], 2, 3).close()));
        c.add(api("a negative dimension", IllegalArgumentException.class, List.of("-1"),
                () -> Tensor.zeros(CPU, 2, -1).close()));
        c.add(api("slice out of range", IllegalArgumentException.class, List.of("slice"), () -> {
            try (Scope s = Scope.open()) {
                Tensor.zeros(CPU, 4, 2).slice(3, 9);
            }
        }));
        c.add(api("sum over a missing axis", IllegalArgumentException.class, List.of("axis 2"), () -> {
            try (Scope s = Scope.open()) {
                Tensor.zeros(CPU, 3, 4).sum(2, false);
            }
        }));
        c.add(api("a tensor used after close()", IllegalStateException.class, List.of("used after close()"), () -> {
            Tensor t = Tensor.zeros(CPU, 2);
            t.close();
            try (Scope s = Scope.open()) {
                t.add(t);
            }
        }));
        c.add(api("backward of a non-scalar", IllegalArgumentException.class, List.of("backward", "not a scalar"), () -> {
            try (Scope s = Scope.open()) {
                Tensor.ones(CPU, 2).requiresGrad(true).mul(2f).backward();
            }
        }));
        c.add(api("backward twice through a freed graph", IllegalStateException.class, List.of("already freed"), () -> {
            try (Scope s = Scope.open()) {
                Tensor x = Tensor.scalar(CPU, 2f).requiresGrad(true);
                Tensor y = x.mul(x);
                y.backward();
                y.backward();
            }
        }));
        c.add(api("tensors on two devices in one op", IllegalArgumentException.class, List.of("different devices"), () -> {
            try (Device other = new CpuDevice(1); Scope s = Scope.open()) {
                Tensor.zeros(CPU, 2).add(Tensor.zeros(other, 2));
            }
        }));
        c.add(api("cross-entropy with a class index out of range", IllegalArgumentException.class,
                List.of("cross_entropy: target of row 1 is 7.0", "[0, 3)"), () -> {
            try (Scope s = Scope.open()) {
                Tensor.zeros(CPU, 2, 3).crossEntropy(Tensor.of(CPU, new float[] {0, 7}, 2)).item();
            }
        }).within(30));
        c.add(api("a loss of predictions [4, 1] and targets [4]", IllegalArgumentException.class, List.of("mse", "[4, 1]"),
                () -> {
                    try (Scope s = Scope.open()) {
                        Losses.mse(Tensor.zeros(CPU, 4, 1), Tensor.zeros(CPU, 4), Losses.Reduction.MEAN);
                    }
                }));
        c.add(api("Trainer with 0 epochs", IllegalArgumentException.class, List.of("epochs and batch size must be positive"),
                () -> trainer(Trainer.Config.of(0, 32))));
        c.add(api("Trainer with batch 0", IllegalArgumentException.class, List.of("epochs and batch size must be positive"),
                () -> trainer(Trainer.Config.of(1, 0))));
        c.add(api("fit a model to data of another width", IllegalArgumentException.class, List.of("features per sample"),
                () -> trainer(Trainer.Config.of(1, 8)).fit(new Dataset("wide", new float[50], new float[10], 10, 5, 3),
                        Datasets.spiral(3, 10, 1, "t"), CPU, s -> {})));
        c.add(api("fit a model to data with more classes", IllegalArgumentException.class, List.of("4 classes"),
                () -> trainer(Trainer.Config.of(1, 8)).fit(Datasets.spiral(4, 10, 1, "four"), Datasets.spiral(4, 10, 1, "t"),
                        CPU, s -> {})));
        c.add(api("a Dataset with a label outside its classes", IllegalArgumentException.class, List.of("label 3.0"),
                () -> new Dataset("d", new float[4], new float[] {0, 3}, 2, 2, 3)));
        c.add(api("a Dataset with a fractional label", IllegalArgumentException.class, List.of("label 0.5"),
                () -> new Dataset("d", new float[4], new float[] {0, 0.5f}, 2, 2, 3)));
        c.add(api("a Dataset whose sizes disagree", IllegalArgumentException.class, List.of("need 6"),
                () -> new Dataset("d", new float[4], new float[3], 3, 2, 3)));
        c.add(api("Normalization with std 0", IllegalArgumentException.class, List.of("std 0"),
                () -> new Normalization(0f, 0f)));
        c.add(api("Normalization with a NaN mean", IllegalArgumentException.class, List.of("NaN"),
                () -> new Normalization(Float.NaN, 1f)));
        c.add(api("a CPU device of 100000 threads", IllegalArgumentException.class, List.of("from 1 to 1024"),
                () -> new CpuDevice(100_000).close()));
        c.add(api("adjoint.threads of 4294967297", IllegalArgumentException.class, List.of("adjoint.threads"),
                () -> dev.adjoint.testing.ThreadsProperty.restoring(() -> {
                    System.setProperty(Devices.CPU_THREADS_PROPERTY, "4294967297");
                    return Devices.cpuThreads();
                })));
        c.add(api("an unknown backend", IllegalArgumentException.class, List.of("unknown backend 'tpu'"),
                () -> Devices.select("tpu")));
        c.add(api("Checkpoint.load of a missing directory", java.io.UncheckedIOException.class, List.of("does not exist"),
                () -> Checkpoint.load(root.resolve("api-missing"))));
        c.add(api("one directory locked twice", IllegalStateException.class, List.of("is in use"), () -> {
            try (DirectoryLock a = DirectoryLock.acquire(root.resolve("api-lock"), "checkpoints");
                 DirectoryLock b = DirectoryLock.acquire(root.resolve("api-lock"), "checkpoints")) {
                throw new AssertionError("locked twice");
            }
        }));
        c.add(api("JSON nested too deep", IllegalArgumentException.class, List.of("nesting deeper than 512"),
                () -> Json.parseObject("{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}")));
        c.add(api("a NaN in JSON output", IllegalArgumentException.class, List.of("NaN has no JSON form"),
                () -> Json.write(Map.of("x", Double.NaN))));
        c.add(api("an op on a closed device", IllegalStateException.class, List.of("cpu: device is closed"), () -> {
            Device d = new CpuDevice(1);
            Tensor t = Tensor.ones(d, 4);
            d.close();
            try (Scope s = Scope.open()) {
                t.add(t);
            }
        }));
        c.add(api("backward into a closed leaf", IllegalStateException.class, List.of("backward: leaf tensor [3]", "was closed"),
                () -> {
                    try (Scope s = Scope.open()) {
                        Tensor w = Tensor.ones(CPU, 3).requiresGrad(true);
                        Tensor loss = w.mul(2f).sum();
                        w.close();
                        loss.backward();
                    }
                }));
        c.add(apiOk("two threads' backward passes into one shared leaf add up exactly", () -> {
            try (Tensor w = Tensor.ones(CPU, 256).requiresGrad(true)) {
                Runnable passes = () -> {
                    for (int i = 0; i < 500; i++) {
                        try (Scope s = Scope.open()) {
                            w.mul(3f).sum().backward();
                        }
                    }
                };
                Thread other = new Thread(passes);
                other.start();
                passes.run();
                other.join();
                for (float g : w.grad().toArray()) {
                    if (g != 3000f) {
                        throw new AssertionError("gradient " + g + ", expected 2 × 500 × 3 = 3000");
                    }
                }
            }
        }));
        c.add(apiOk("a tensor closed while another thread multiplies by it", () -> {
            for (int run = 0; run < 50; run++) {
                Tensor a = Tensor.ones(CPU, 64, 64);
                float[][] got = new float[1][];
                Thread t = new Thread(() -> {
                    try (Scope s = Scope.open()) {
                        got[0] = a.matmul(a).toArray();
                    } catch (IllegalStateException refused) {
                        got[0] = null;   // started after the close: refused, which is fine
                    }
                });
                t.start();
                a.close();
                t.join();
                if (got[0] != null && (got[0][0] != 64f || got[0][4095] != 64f)) {
                    throw new AssertionError("a·a = " + got[0][0] + ", expected 64");
                }
            }
        }));
        c.add(apiOk("Normalization of constant data is only centred", () -> {
            Normalization n = Normalization.of(new Dataset("c", new float[] {5, 5, 5, 5}, new float[] {0, 1}, 2, 2, 2));
            if (n.mean() != 5f || n.std() != 1f) {
                throw new AssertionError("mean " + n.mean() + " std " + n.std());
            }
        }));
        c.add(apiOk("matmul of an empty inner axis is zeros", () -> {
            try (Scope s = Scope.open()) {
                float[] z = Tensor.zeros(CPU, 3, 0).matmul(Tensor.zeros(CPU, 0, 2)).toArray();
                if (z.length != 6 || z[0] != 0f || z[5] != 0f) {
                    throw new AssertionError(java.util.Arrays.toString(z));
                }
            }
        }));
        return c;
    }
}
