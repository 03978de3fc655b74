package dev.adjoint.conformance;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.UnaryOp;

/**
 * The float64 oracle: every elementwise primitive written again in double precision, independently
 * of any backend (its own erf, by power series). Tests of every backend check against this one.
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
}
