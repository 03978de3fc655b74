package dev.adjoint.conformance;

import static dev.adjoint.conformance.Check.get;
import static dev.adjoint.conformance.Check.put;
import static dev.adjoint.conformance.Check.random;

import dev.adjoint.conformance.Conformance.Case;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import java.util.List;
import java.util.Random;

/**
 * Fused optimizer steps, several in a row, against PyTorch's update rules in the float64 {@link Reference},
 * over lengths below, at and well above a vector's width (the kernels' tails).
 */
final class OptimizerCases {
    private static final int[] LENGTHS = {1, 7, 33, 257, 10_007};
    private static final int OFFSET = 3;
    private static final int STEPS = 4;

    private OptimizerCases() {}

    static List<Case> cases() {
        return List.of(
                new Case("sgd plain", (d, r) -> sgd(d, r, 0f, 0f, 0f, false)),
                new Case("sgd momentum + weight decay", (d, r) -> sgd(d, r, 0.9f, 0.1f, 1e-2f, false)),
                new Case("sgd nesterov", (d, r) -> sgd(d, r, 0.9f, 0f, 1e-3f, true)),
                new Case("adam", (d, r) -> adam(d, r, 1e-2f, false)),
                new Case("adamw", (d, r) -> adam(d, r, 5e-2f, true)));
    }

    private static void sgd(Device d, Random rnd, float momentum, float dampening, float wd, boolean nesterov) {
        for (int n : LENGTHS) {
            sgd(d, rnd, n, momentum, dampening, wd, nesterov);
        }
    }

    private static void sgd(Device d, Random rnd, int n, float momentum, float dampening, float wd, boolean nesterov) {
        float lr = 0.05f;
        float[] p = random(rnd, n + OFFSET, -1, 1);
        double[] pe = Reference.widen(p);
        double[] ve = new double[p.length];
        try (Buffer pb = put(d, p); Buffer gb = d.allocate(p.length); Buffer vb = d.allocate(p.length)) {
            for (int step = 0; step < STEPS; step++) {
                float[] g = random(rnd, p.length, -1, 1);
                d.upload(g, 0, gb, 0, g.length);
                d.sgdStep(pb, gb, vb, OFFSET, n, lr, momentum, dampening, wd, nesterov, step == 0);
                Reference.sgdStep(pe, g, ve, OFFSET, n, lr, momentum, dampening, wd, nesterov, step == 0);
            }
            Check.close("sgd momentum=" + momentum + " nesterov=" + nesterov + " length " + n + " after " + STEPS + " steps",
                    get(d, pb, p.length), pe, 1e-5, 1e-6);
        }
    }

    private static void adam(Device d, Random rnd, float wd, boolean decoupled) {
        for (int n : LENGTHS) {
            adam(d, rnd, n, wd, decoupled);
        }
    }

    private static void adam(Device d, Random rnd, int n, float wd, boolean decoupled) {
        float lr = 1e-2f;
        float b1 = 0.9f;
        float b2 = 0.999f;
        float eps = 1e-8f;
        float[] p = random(rnd, n + OFFSET, -1, 1);
        double[] pe = Reference.widen(p);
        double[] me = new double[p.length];
        double[] ve = new double[p.length];
        try (Buffer pb = put(d, p); Buffer gb = d.allocate(p.length); Buffer mb = d.allocate(p.length);
             Buffer vb = d.allocate(p.length)) {
            d.fill(mb, 0, p.length, 0f);
            d.fill(vb, 0, p.length, 0f);
            for (int step = 1; step <= STEPS; step++) {
                float[] g = random(rnd, p.length, -1, 1);
                d.upload(g, 0, gb, 0, g.length);
                d.adamStep(pb, gb, mb, vb, OFFSET, n, lr, b1, b2, eps, wd, decoupled, step);
                Reference.adamStep(pe, g, me, ve, OFFSET, n, lr, b1, b2, eps, wd, decoupled, step);
            }
            Check.close((decoupled ? "adamw" : "adam") + " length " + n + " after " + STEPS + " steps", get(d, pb, p.length), pe, 1e-5, 1e-6);
        }
    }
}
