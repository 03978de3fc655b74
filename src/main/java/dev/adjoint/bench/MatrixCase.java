package dev.adjoint.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One case of the benchmark matrix: a GEMM {@code MxKxN}, or an MLP's training step or inference
 * at a batch size. {@link #flops} counts GEMM work only: {@code 2·m·k·n} for a GEMM; for the MLP,
 * the forward GEMMs ({@code 2·batch·Σ in·out}) and, for a training step, the weight gradients
 * (the same again) and the input gradients of every layer but the first (whose input needs none).
 * Elementwise work, the softmax and the optimizer are not counted.
 */
record MatrixCase(Kind kind, GemmBench.Shape gemm, int[] sizes, int batch, int[] conv, boolean batchNorm) {
    enum Kind {
        GEMM, TRAIN, INFER;

        /** {@code gemm}, {@code train}, {@code infer}: the JSON's {@code kind}. */
        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The three MLPs of the matrix, at their batch sizes (issue #8). */
    static final List<MatrixCase> MODELS = List.of(
            mlp(Kind.TRAIN, 128, 784, 256, 128, 10),
            mlp(Kind.TRAIN, 256, 784, 1024, 1024, 10),
            mlp(Kind.TRAIN, 1024, 784, 4096, 4096, 10));

    MatrixCase {
        sizes = sizes == null ? null : sizes.clone();
        conv = conv == null ? new int[0] : conv.clone();
    }

    MatrixCase(Kind kind, GemmBench.Shape gemm, int[] sizes, int batch) {
        this(kind, gemm, sizes, batch, null, false);
    }

    /**
     * The MLP behind {@code conv} stages ({@code adjoint train --conv}: 5×5 same convolution, ReLU, 2×2 max pooling
     * each) on square grey images of {@code sizes[0]} values; with {@code batchNorm}, a BatchNorm after every
     * convolution and hidden Linear ({@code --norm batch}), whose work, like all elementwise work, is not counted.
     */
    static MatrixCase cnn(Kind kind, int batch, int[] conv, boolean batchNorm, int... sizes) {
        MatrixCase m = mlp(kind, batch, sizes);
        return new MatrixCase(kind, null, m.sizes, batch, conv, batchNorm);
    }

    static MatrixCase gemm(int m, int k, int n) {
        return new MatrixCase(Kind.GEMM, new GemmBench.Shape(m, k, n), null, 0);
    }

    static MatrixCase mlp(Kind kind, int batch, int... sizes) {
        if (kind == Kind.GEMM || sizes.length < 2 || batch < 1) {
            throw new IllegalArgumentException("an MLP case needs train or infer, two or more sizes and a batch");
        }
        return new MatrixCase(kind, null, sizes, batch);
    }

    /**
     * The standard matrix: SGEMM on squares 256, 512, 1024, 2048 and on the forward GEMM of each
     * model's largest layer (batch×in×out: 128x784x256, 256x1024x1024, 1024x4096x4096), in order of
     * work; then the training step of each model, smallest first; then inference likewise. With
     * {@code quick}: squares 256 and 512, 128x784x256, and the smallest model only (seconds, for a
     * smoke test or a check of the output).
     */
    static List<MatrixCase> standard(boolean quick) {
        List<MatrixCase> cases = new ArrayList<>();
        List<MatrixCase> models = quick ? MODELS.subList(0, 1) : MODELS;
        List<MatrixCase> gemms = new ArrayList<>(List.of(gemm(256, 256, 256), gemm(512, 512, 512)));
        if (!quick) {
            gemms.addAll(List.of(gemm(1024, 1024, 1024), gemm(2048, 2048, 2048)));
        }
        for (MatrixCase m : models) {
            gemms.add(m.largestLayer());
        }
        gemms.sort(java.util.Comparator.comparingDouble(MatrixCase::flops));
        cases.addAll(gemms);
        for (Kind kind : List.of(Kind.TRAIN, Kind.INFER)) {
            for (MatrixCase m : models) {
                cases.add(new MatrixCase(kind, null, m.sizes, m.batch));
            }
        }
        return cases;
    }

    /**
     * A case written the way the JMH benchmarks' parameters write it: {@code gemm:MxKxN},
     * {@code train:SIZES/BATCH} or {@code infer:SIZES/BATCH} (e.g. {@code train:784-256-128-10/128}).
     * Any shape or model, not only the standard matrix's.
     */
    static MatrixCase parse(String text) {
        int colon = text.indexOf(':');
        String kind = colon < 0 ? "" : text.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
        String what = text.substring(colon + 1).trim();
        try {
            switch (kind) {
                case "gemm" -> {
                    GemmBench.Shape s = GemmBench.Shape.parse("shape", what);
                    return gemm(s.m(), s.k(), s.n());
                }
                case "train", "infer" -> {
                    ModelSpec m = ModelSpec.parse(what);
                    return mlp(kind.equals("train") ? Kind.TRAIN : Kind.INFER, m.batch(), m.sizes());
                }
                default -> throw new IllegalArgumentException("expected gemm:MxKxN, train:SIZES/BATCH or "
                        + "infer:SIZES/BATCH, e.g. gemm:1024x1024x1024 or train:784-256-128-10/128");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("case '" + text + "': " + e.getMessage(), e);
        }
    }

    /** The forward GEMM batch×in×out of this MLP's layer with the most work. */
    MatrixCase largestLayer() {
        int best = 0;
        for (int i = 1; i < sizes.length - 1; i++) {
            if ((long) sizes[i] * sizes[i + 1] > (long) sizes[best] * sizes[best + 1]) {
                best = i;
            }
        }
        return gemm(batch, sizes[best], sizes[best + 1]);
    }

    @Override
    public int[] sizes() {
        return sizes == null ? null : sizes.clone();
    }

    /**
     * {@code 1024x1024x1024} for a GEMM, {@code 784-256-128-10} for an MLP, {@code conv8-16 784-128-10} for a CNN,
     * {@code conv8-16 784-128-10 bn} with batch norm.
     */
    String shape() {
        if (kind == Kind.GEMM) {
            return gemm.toString();
        }
        String mlp = Arrays.stream(sizes).mapToObj(Integer::toString).collect(Collectors.joining("-"));
        return (conv.length == 0 ? mlp
                : "conv" + Arrays.stream(conv).mapToObj(Integer::toString).collect(Collectors.joining("-")) + " " + mlp)
                + (batchNorm ? " bn" : "");
    }

    @Override
    public int[] conv() {
        return conv.clone();
    }

    /** One line: {@code gemm 1024x1024x1024}, {@code train 784-256-128-10 b128}. */
    String title() {
        return kind.label() + " " + shape() + (kind == Kind.GEMM ? "" : " b" + batch);
    }

    /** GEMM floating-point operations of one call (see the class comment). */
    double flops() {
        if (kind == Kind.GEMM) {
            return gemm.flops();
        }
        double forward = 0;
        double inputGradients = 0;
        int side = (int) Math.round(Math.sqrt(sizes[0]));
        int channels = 1;
        for (int i = 0; i < conv.length; i++) {           // 5×5 same convolution at full size, then pooling halves it
            double stage = 2.0 * batch * side * side * channels * 25 * conv[i];
            forward += stage;
            if (i > 0) {
                inputGradients += stage;
            }
            channels = conv[i];
            side /= 2;
        }
        int[] head = sizes.clone();
        if (conv.length > 0) {
            head[0] = channels * side * side;
        }
        for (int i = 0; i + 1 < head.length; i++) {
            double layer = 2.0 * batch * head[i] * head[i + 1];
            forward += layer;
            if (i > 0 || conv.length > 0) {
                inputGradients += layer;
            }
        }
        return kind == Kind.INFER ? forward : 2 * forward + inputGradients;
    }

    /** Samples (rows) per call: the batch for an MLP, none for a GEMM. */
    int samplesPerCall() {
        return kind == Kind.GEMM ? 0 : batch;
    }

    /** The workload of this case on a device (validated, for a GEMM, before it is returned). */
    Workload open(dev.adjoint.device.Device device) {
        if (kind == Kind.GEMM) {
            return new GemmWorkload(device, gemm);
        }
        if (conv.length > 0 && kind == Kind.INFER) {
            throw new IllegalArgumentException("bench: inference of a CNN is not a case; time its training step");
        }
        return kind == Kind.TRAIN ? new TrainStep(device, sizes, conv, batchNorm, batch, false, false)
                : TrainStep.inference(device, sizes, batch);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MatrixCase c && kind == c.kind && java.util.Objects.equals(gemm, c.gemm)
                && Arrays.equals(sizes, c.sizes) && batch == c.batch && Arrays.equals(conv, c.conv)
                && batchNorm == c.batchNorm;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(kind, gemm, Arrays.hashCode(sizes), batch, Arrays.hashCode(conv), batchNorm);
    }

    @Override
    public String toString() {
        return title();
    }
}
