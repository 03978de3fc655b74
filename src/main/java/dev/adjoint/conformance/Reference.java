package dev.adjoint.conformance;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.ReduceOp;
import dev.adjoint.device.UnaryOp;

/**
 * The float64 oracle: the device primitives written again in double precision, independently of
 * any backend — the elementwise ops (with their own erf, by power series), a GEMM entry, the
 * reductions, row softmax / log-softmax and the fused cross-entropy with their backward rules,
 * and PyTorch's SGD and Adam/AdamW updates. The conformance suite, the backends' own tests and
 * the benchmarks' validation all check against this one. Float32 inputs come in as
 * {@code float[]}; state that an update carries from step to step (parameters, moments) is kept
 * in double.
 */
public final class Reference {
    private Reference() {}

    public static double unary(UnaryOp op, double x, double p) {
        return switch (op) {
            case COPY -> x;
            case NEG -> -x;
            case SCALE -> p * x;
            case ADD_SCALAR -> x + p;
            case POW_SCALAR -> Math.pow(x, p);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case SQRT -> Math.sqrt(x);
            case RECIPROCAL -> 1 / x;
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case SQUARE -> x * x;
            case RELU -> Math.max(x, 0);
            case LEAKY_RELU -> x > 0 ? x : p * x;
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
            case GELU -> x * phi(x);
        };
    }

    public static double binary(BinaryOp op, double a, double b, double p) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case POW -> Math.pow(a, b);
            case GREATER -> a > b ? 1 : 0;
            case EQUAL -> a == b ? 1 : 0;
            case RELU_BACKWARD -> a > 0 ? b : 0;
            case LEAKY_RELU_BACKWARD -> a > 0 ? b : p * b;
            case SIGMOID_BACKWARD -> b * a * (1 - a);
            case TANH_BACKWARD -> b * (1 - a * a);
            case GELU_BACKWARD -> b * (phi(a) + a * Math.exp(-a * a / 2) / Math.sqrt(2 * Math.PI));
        };
    }

    /**
     * Entry (i, j) of the row-major product op(A)·op(B) over the inner dimension {@code k}, where
     * op(A)[i][p] is {@code a[aOffset + i·lda + p]}, or {@code a[aOffset + p·lda + i]} when
     * {@code transA} (B alike). Returns {sum, magnitude}: the magnitude Σ|op(A)[i][p]·op(B)[p][j]|
     * is the scale that float32 rounding error grows with, for tolerances.
     */
    public static double[] gemmEntry(boolean transA, boolean transB, int k, float[] a, int aOffset, int lda,
                                     float[] b, int bOffset, int ldb, int i, int j) {
        double sum = 0;
        double magnitude = 0;
        for (int p = 0; p < k; p++) {
            double x = (double) (transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p])
                    * (transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j]);
            sum += x;
            magnitude += Math.abs(x);
        }
        return new double[] {sum, magnitude};
    }

    /**
     * {@code op} over the middle axis of the [outer, n, inner] block at {@code offset} in {@code x},
     * as {@code Device.reduce}: outer·inner results, the index of the first extreme for ARGMAX /
     * ARGMIN (input without NaN). Returns {results, magnitudes}: for SUM and MEAN the same
     * reduction of |x|, the scale float32 rounding error grows with; 0 for the exact ops.
     */
    public static double[][] reduce(ReduceOp op, float[] x, int offset, int outer, int n, int inner) {
        double[] result = new double[outer * inner];
        double[] magnitude = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int first = offset + o * n * inner + j;
                double sum = 0;
                double mag = 0;
                int best = 0;
                for (int p = 0; p < n; p++) {
                    float v = x[first + p * inner];
                    float b = x[first + best * inner];
                    sum += v;
                    mag += Math.abs(v);
                    if (op == ReduceOp.MAX || op == ReduceOp.ARGMAX ? v > b : v < b) {
                        best = p;
                    }
                }
                result[o * inner + j] = switch (op) {
                    case SUM -> sum;
                    case MEAN -> sum / n;
                    case MAX, MIN -> x[first + best * inner];
                    case ARGMAX, ARGMIN -> best;
                };
                magnitude[o * inner + j] = op == ReduceOp.SUM ? mag : op == ReduceOp.MEAN ? mag / n : 0;
            }
        }
        return new double[][] {result, magnitude};
    }

    /**
     * Row-wise softmax (log-softmax when {@code log}) of the rows×cols block at {@code offset} in
     * {@code x}, as {@code Device.softmax}: {@code exp(x − max) / Σ exp(x − max)}, or
     * {@code x − max − log Σ exp(x − max)}. Returns rows·cols values.
     */
    public static double[] softmax(boolean log, float[] x, int offset, int rows, int cols) {
        double[] y = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            int row = offset + r * cols;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, x[row + c]);
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += Math.exp(x[row + c] - max);
            }
            double logSum = Math.log(sum);
            for (int c = 0; c < cols; c++) {
                double shifted = x[row + c] - max;
                y[r * cols + c] = log ? shifted - logSum : Math.exp(shifted) / sum;
            }
        }
        return y;
    }

    /**
     * The gradient of the rows×cols softmax (log-softmax when {@code log}) from its output
     * {@code y} and the upstream gradient {@code gy}, as {@code Device.softmaxBackward}:
     * {@code y·(gy − Σ gy·y)}, or {@code gy − exp(y)·Σ gy} for log-softmax, the sums per row.
     */
    public static double[] softmaxBackward(boolean log, double[] y, float[] gy, int rows, int cols) {
        double[] gx = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            int row = r * cols;
            double dot = 0;
            for (int c = 0; c < cols; c++) {
                dot += log ? gy[row + c] : gy[row + c] * y[row + c];
            }
            for (int c = 0; c < cols; c++) {
                int i = row + c;
                gx[i] = log ? gy[i] - Math.exp(y[i]) * dot : y[i] * (gy[i] - dot);
            }
        }
        return gx;
    }

    /**
     * Per-row cross-entropy {@code logsumexp(x[r]) − x[r][t[r]]} of the rows×cols logits at
     * {@code offset} in {@code x}, class targets stored as floats, as {@code Device.crossEntropy}
     * (whose saved probabilities are {@link #softmax softmax(false, …)}).
     */
    public static double[] crossEntropy(float[] x, int offset, float[] targets, int rows, int cols) {
        double[] logProbs = softmax(true, x, offset, rows, cols);
        double[] loss = new double[rows];
        for (int r = 0; r < rows; r++) {
            loss[r] = -logProbs[r * cols + target(targets, r, cols)];
        }
        return loss;
    }

    /**
     * The gradient of the cross-entropy with respect to the logits, as
     * {@code Device.crossEntropyBackward}: {@code (probs[r][c] − [c == t[r]])·g[r·gStride]};
     * {@code gStride} 0 broadcasts one upstream value (a mean loss's 1/rows) to every row.
     */
    public static double[] crossEntropyBackward(double[] probs, float[] targets, float[] g, int gStride,
                                                int rows, int cols) {
        double[] gx = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            int t = target(targets, r, cols);
            for (int c = 0; c < cols; c++) {
                gx[r * cols + c] = (probs[r * cols + c] - (c == t ? 1 : 0)) * g[r * gStride];
            }
        }
        return gx;
    }

    private static int target(float[] targets, int row, int cols) {
        float t = targets[row];
        if (!(t >= 0 && t < cols && t == (int) t)) {
            throw new IllegalArgumentException("cross-entropy reference: target " + t + " of row " + row
                    + " is not a class index in [0, " + cols + ")");
        }
        return (int) t;
    }

    /**
     * One SGD update in place over {@code p[offset, offset + length)}, PyTorch's rule as
     * {@code Device.sgdStep}: {@code g += wd·p}; with momentum, {@code v = g} on the first step and
     * {@code v = momentum·v + (1 − dampening)·g} after, then {@code g = v} (Nesterov:
     * {@code g += momentum·v}); {@code p −= lr·g}. {@code velocity} is unused, and may be null,
     * without momentum.
     */
    public static void sgdStep(double[] p, float[] g, double[] velocity, int offset, int length, double lr,
                               double momentum, double dampening, double wd, boolean nesterov, boolean firstStep) {
        for (int i = offset; i < offset + length; i++) {
            double gi = g[i] + wd * p[i];
            if (momentum != 0) {
                velocity[i] = firstStep ? gi : momentum * velocity[i] + (1 - dampening) * gi;
                gi = nesterov ? gi + momentum * velocity[i] : velocity[i];
            }
            p[i] -= lr * gi;
        }
    }

    /**
     * One Adam update in place over {@code p[offset, offset + length)}, PyTorch's rule as
     * {@code Device.adamStep}; AdamW (the decay {@code p ·= 1 − lr·wd} applied to the parameter,
     * not added to the gradient) when {@code decoupled}. {@code step} counts from 1 and sets the
     * bias corrections {@code 1 − β^step}.
     */
    public static void adamStep(double[] p, float[] g, double[] m, double[] v, int offset, int length, double lr,
                                double beta1, double beta2, double eps, double wd, boolean decoupled, long step) {
        double correction1 = 1 - Math.pow(beta1, step);
        double correction2 = 1 - Math.pow(beta2, step);
        for (int i = offset; i < offset + length; i++) {
            if (decoupled) {
                p[i] *= 1 - lr * wd;
            }
            double gi = g[i] + (decoupled ? 0 : wd * p[i]);
            m[i] = beta1 * m[i] + (1 - beta1) * gi;
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
            p[i] -= lr * (m[i] / correction1) / (Math.sqrt(v[i] / correction2) + eps);
        }
    }

    /** The index view of {@code Device.gather} and {@code scatterAdd}: index(o, j, i) at {@code off + o·s0 + j·s1 + i·s2}. */
    private static int index(float[] index, int off, long[] s, int o, int j, int i, int n) {
        float v = index[(int) (off + o * s[0] + j * s[1] + i * s[2])];
        if (!(v >= 0 && v < n && v == Math.floor(v))) {
            throw new IllegalArgumentException("index reference: index " + v + " at (" + o + ", " + j + ", " + i
                    + ") is not a whole number in [0, " + n + ")");
        }
        return (int) v;
    }

    /** {@code Device.gather}: out[o][j][i] = x[o][index(o, j, i)][i], x [outer][n][inner] at {@code xOff}. */
    public static double[] gather(float[] x, int xOff, int outer, int n, int inner, int m, float[] idx, int iOff,
                                  long[] s) {
        double[] out = new double[outer * m * inner];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < m; j++) {
                for (int i = 0; i < inner; i++) {
                    out[(o * m + j) * inner + i] = x[xOff + (o * n + index(idx, iOff, s, o, j, i, n)) * inner + i];
                }
            }
        }
        return out;
    }

    /**
     * {@code Device.scatterAdd} in float64: {@code {out, scale}}, out = base + Σ src at the indexed rows,
     * scale = |base| + Σ |src| per element (the bound a float32 sum's rounding is measured against).
     */
    public static double[][] scatterAdd(float[] base, int outer, int n, int inner, int m, float[] idx, int iOff,
                                        long[] s, float[] src) {
        double[] out = new double[outer * n * inner];
        double[] scale = new double[out.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = base[k];
            scale[k] = Math.abs(base[k]);
        }
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < m; j++) {
                for (int i = 0; i < inner; i++) {
                    int at = (o * n + index(idx, iOff, s, o, j, i, n)) * inner + i;
                    float v = src[(o * m + j) * inner + i];
                    out[at] += v;
                    scale[at] += Math.abs(v);
                }
            }
        }
        return new double[][] {out, scale};
    }

    /** {@code Device.select} over contiguous equal-length inputs: c ≠ 0 picks a, else b (NaN counts as nonzero). */
    public static double[] select(float[] c, float[] a, float[] b) {
        double[] out = new double[c.length];
        for (int k = 0; k < c.length; k++) {
            out[k] = c[k] != 0 ? a[k] : b[k];
        }
        return out;
    }

    /** Float32 values as the float64 state an update starts from. */
    public static double[] widen(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i];
        }
        return y;
    }

    /** Standard normal CDF. */
    static double phi(double x) {
        return 0.5 * (1 + erf(x / Math.sqrt(2)));
    }

    /** erf by its Maclaurin series (|x| &lt; 4; beyond, erf is ±1 to 1e-8). */
    static double erf(double x) {
        if (Math.abs(x) >= 4) {
            return Math.signum(x);
        }
        double term = x;
        double sum = x;
        for (int n = 1; n < 200; n++) {
            term *= -x * x / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                break;
            }
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    /**
     * im2col in float64, straight from {@link dev.adjoint.device.Window}'s definition: entry (tap, position) is the
     * image element tap (ci, ki, kj) of position (image, oi, oj) reads, or {@code fill} outside the image.
     * {@code col2im} is its transpose: each entry added to the element it read, in float64 ({@code abs} gets
     * the sum of the magnitudes, the scale of the rounding).
     */
    static double[] im2col(dev.adjoint.device.Window v, float[] x, float fill) {
        double[] cols = new double[(int) v.columns()];
        windowWalk(v, (entry, element) -> cols[entry] = element < 0 ? fill : x[element]);
        return cols;
    }

    static double[] col2im(dev.adjoint.device.Window v, float[] cols, double[] abs) {
        double[] x = new double[(int) v.imageSize()];
        windowWalk(v, (entry, element) -> {
            if (element >= 0) {
                x[element] += cols[entry];
                abs[element] += Math.abs(cols[entry]);
            }
        });
        return x;
    }

    /**
     * A convolution over the windows and its two gradients in float64, from the windows' definition: with
     * {@code w [out, taps]}, {@code x} the image block and {@code gy [n, out, outH, outW]}, returns
     * {@code {y, gx, gw}} followed by their scales {@code {|y|, |gx|, |gw|}} (the sums of the products' magnitudes).
     */
    static double[][] conv(dev.adjoint.device.Window v, int out, float[] w, float[] x, float[] gy) {
        int taps = (int) v.taps();
        int positions = (int) v.positions();
        int p = v.outH() * v.outW();
        double[] y = new double[out * positions];
        double[] gx = new double[(int) v.imageSize()];
        double[] gw = new double[out * taps];
        double[] ys = new double[y.length];
        double[] gxs = new double[gx.length];
        double[] gws = new double[gw.length];
        windowWalk(v, (entry, element) -> {
            int k = entry / positions;
            int image = entry % positions / p;
            int q = entry % p;
            double tap = element < 0 ? 0 : x[element];
            for (int o = 0; o < out; o++) {
                int at = (image * out + o) * p + q;
                double wk = w[o * taps + k];
                y[at] += wk * tap;
                ys[at] += Math.abs(wk * tap);
                gw[o * taps + k] += gy[at] * tap;
                gws[o * taps + k] += Math.abs(gy[at] * tap);
                if (element >= 0) {
                    gx[element] += wk * gy[at];
                    gxs[element] += Math.abs(wk * gy[at]);
                }
            }
        });
        return new double[][] {y, gx, gw, ys, gxs, gws};
    }

    private interface WindowEntry {
        /** Column entry {@code entry} reads image element {@code element}, or padding when it is −1. */
        void visit(int entry, int element);
    }

    private static void windowWalk(dev.adjoint.device.Window v, WindowEntry f) {
        int positions = (int) v.positions();
        for (int image = 0; image < v.n(); image++) {
            for (int oi = 0; oi < v.outH(); oi++) {
                for (int oj = 0; oj < v.outW(); oj++) {
                    int pos = (image * v.outH() + oi) * v.outW() + oj;
                    for (int ci = 0; ci < v.c(); ci++) {
                        for (int ki = 0; ki < v.kh(); ki++) {
                            for (int kj = 0; kj < v.kw(); kj++) {
                                int i = oi * v.strideH() - v.padTop() + ki * v.dilationH();
                                int j = oj * v.strideW() - v.padLeft() + kj * v.dilationW();
                                boolean inside = i >= 0 && i < v.h() && j >= 0 && j < v.w();
                                int tap = (ci * v.kh() + ki) * v.kw() + kj;
                                f.visit(tap * positions + pos, inside ? ((image * v.c() + ci) * v.h() + i) * v.w() + j : -1);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Max pooling in float64 from the definition: each window's taps inside the image in tap order, the first
     * largest (or the last NaN, as PyTorch) and its tap index; {@code out[2·o]} the value, {@code out[2·o + 1]} the index.
     */
    static double[] maxPool(dev.adjoint.device.Window v, float[] x) {
        int outs = (int) v.pooledSize();
        double[] out = new double[2 * outs];
        for (int plane = 0; plane < v.n() * v.c(); plane++) {
            for (int oi = 0; oi < v.outH(); oi++) {
                for (int oj = 0; oj < v.outW(); oj++) {
                    int o = (plane * v.outH() + oi) * v.outW() + oj;
                    double best = Double.NaN;
                    int at = -1;
                    for (int ki = 0; ki < v.kh(); ki++) {
                        for (int kj = 0; kj < v.kw(); kj++) {
                            int i = oi * v.strideH() - v.padTop() + ki * v.dilationH();
                            int j = oj * v.strideW() - v.padLeft() + kj * v.dilationW();
                            if (i < 0 || i >= v.h() || j < 0 || j >= v.w()) {
                                continue;
                            }
                            double t = x[(plane * v.h() + i) * v.w() + j];
                            if (at < 0 || Double.isNaN(t) || t > best) {
                                best = t;
                                at = ki * v.kw() + kj;
                            }
                        }
                    }
                    out[2 * o] = at < 0 ? Double.NEGATIVE_INFINITY : best;
                    out[2 * o + 1] = Math.max(at, 0);
                }
            }
        }
        return out;
    }
}
