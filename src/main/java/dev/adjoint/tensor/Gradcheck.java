package dev.adjoint.tensor;

import java.util.Random;
import java.util.function.Function;

/**
 * Compares the analytic gradient of a function with central finite differences. The function's
 * output is reduced to a scalar by a fixed random projection, computed in float64 from the
 * downloaded outputs; each difference divides by the step actually representable in float32.
 */
public final class Gradcheck {
    private Gradcheck() {}

    /** The worst norm-wise relative error over the inputs, and where it was. */
    public record Result(double maxRelativeError, int input, String detail) {}

    /** Below this gradient norm, relative errors are taken against it instead. */
    private static final double DEFAULT_FLOOR = 1e-6;

    /**
     * Checks {@code f} at {@code inputs} (which are not modified), with step {@code h} relative to
     * each element's size, and throws {@link AssertionError} if any input's gradient is off by more
     * than {@code tolerance} (norm-wise relative error).
     */
    public static Result check(String name, Function<Tensor[], Tensor> f, double h, double tolerance, Tensor... inputs) {
        return check(name, f, h, tolerance, DEFAULT_FLOOR, inputs);
    }

    /**
     * As {@link #check(String, Function, double, double, Tensor...)}, with errors relative to
     * max(‖numeric gradient‖, {@code floor}): an input whose gradient is smaller than the floor is
     * held to the absolute error {@code tolerance·floor}, as finite differences cannot resolve it
     * more finely than the rounding of the whole function's value allows.
     */
    public static Result check(String name, Function<Tensor[], Tensor> f, double h, double tolerance, double floor,
                               Tensor... inputs) {
        Result r = compare(f, h, floor, inputs);
        if (!(r.maxRelativeError() <= tolerance)) {
            throw new AssertionError(name + ": gradient of input " + r.input() + " has relative error "
                    + String.format("%.3g", r.maxRelativeError()) + " > " + tolerance + "; " + r.detail());
        }
        return r;
    }

    public static Result compare(Function<Tensor[], Tensor> f, double h, Tensor... inputs) {
        return compare(f, h, DEFAULT_FLOOR, inputs);
    }

    public static Result compare(Function<Tensor[], Tensor> f, double h, double floor, Tensor... inputs) {
        float[][] values = new float[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            values[i] = inputs[i].toArray();
        }
        float[] weights;
        float[][] analytic = new float[inputs.length][];
        try (Scope scope = Scope.open()) {
            Tensor[] leaves = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                leaves[i] = Tensor.of(inputs[i].device(), values[i], inputs[i].shape).requiresGrad(true);
            }
            Tensor y = f.apply(leaves);
            weights = projection(y.numel());
            y.mul(Tensor.of(y.device(), weights, y.shape)).sum().backward();
            for (int i = 0; i < inputs.length; i++) {
                Tensor g = leaves[i].grad();
                analytic[i] = g == null ? new float[values[i].length] : g.toArray();
                leaves[i].zeroGrad();
            }
        }
        Result worst = new Result(0, -1, "");
        for (int i = 0; i < inputs.length; i++) {
            double diff2 = 0;
            double norm2 = 0;
            String detail = "";
            double worstElement = -1;
            for (int j = 0; j < values[i].length; j++) {
                float x = values[i][j];
                float step = (float) (h * Math.max(1, Math.abs(x)));
                float up = x + step;
                float down = x - step;
                values[i][j] = up;
                double lu = evaluate(f, inputs, values, weights);
                values[i][j] = down;
                double ld = evaluate(f, inputs, values, weights);
                values[i][j] = x;
                double numeric = (lu - ld) / ((double) up - down);
                double d = analytic[i][j] - numeric;
                diff2 += d * d;
                norm2 += numeric * numeric;
                if (Math.abs(d) > worstElement) {
                    worstElement = Math.abs(d);
                    detail = "element " + j + ": analytic " + analytic[i][j] + ", numeric " + numeric;
                }
            }
            double rel = Math.sqrt(diff2) / Math.max(Math.sqrt(norm2), floor);
            if (rel > worst.maxRelativeError() || worst.input() < 0) {
                worst = new Result(rel, i, detail);
            }
        }
        return worst;
    }

    private static float[] projection(long n) {
        Random rnd = new Random(1234);
        float[] w = new float[(int) n];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return w;
    }

    private static double evaluate(Function<Tensor[], Tensor> f, Tensor[] like, float[][] values, float[] weights) {
        try (Scope scope = Scope.open(); Autograd.NoGrad off = Autograd.noGrad()) {
            Tensor[] in = new Tensor[like.length];
            for (int i = 0; i < like.length; i++) {
                in[i] = Tensor.of(like[i].device(), values[i], like[i].shape);
            }
            float[] y = f.apply(in).toArray();
            double s = 0;
            for (int i = 0; i < y.length; i++) {
                s += (double) weights[i] * y[i];
            }
            return s;
        }
    }
}
