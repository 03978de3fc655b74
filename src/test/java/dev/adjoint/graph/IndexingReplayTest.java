package dev.adjoint.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.Backends;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The index ops inside a captured step: gather, scatterAdd, indexSelect and where, forward and backward,
 * recorded by the CapturingDevice and replayed over new indices, conditions and values give what the same
 * step gives define-by-run, bit for bit. (The ops never download an index to check it, so they capture.)
 */
class IndexingReplayTest {
    /** The step: each op's output, and the gradients of a weighted sum of them, written into fixed tensors. */
    private static void step(Tensor x, Tensor w, Tensor idx, Tensor rows, Tensor cond, Tensor[] out) {
        try (Scope s = Scope.open()) {
            Tensor g = x.gather(1, idx);
            Tensor sa = x.scatterAdd(1, idx, g);
            Tensor sel = w.indexSelect(0, rows);
            Tensor wh = Tensor.where(cond, x, sa);
            InPlace.copy(out[0], g);
            InPlace.copy(out[1], sa);
            InPlace.copy(out[2], sel);
            InPlace.copy(out[3], wh);
            g.sum().add(sa.mul(wh).sum()).add(sel.square().sum()).backward();
        }
    }

    private static float[] values(int n, float scale, float shift) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * (float) Math.sin(1.7 * i + shift);
        }
        return v;
    }

    private static void load(Tensor target, float[] v) {
        try (Tensor t = Tensor.of(target.device(), v, target.shape())) {
            InPlace.copy(target, t);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void aCapturedStepReplaysOverNewIndices(String backend) {
        Device inner = Backends.open(backend);
        CapturingDevice device = new CapturingDevice(inner);   // not closed: it would close the shared device
        float[][] idxs = {{0, 3, 3, 1, 2, 2, 0, 0, 3}, {1, 1, 1, 0, 0, 0, 3, 2, 1}};
        float[][] rowss = {{2, 0, 2}, {1, 1, 4}};
        float[][] conds = {{1, 0, 0, 1}, {0, 1, 1, 1}};
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.of(device, values(12, 2, 0), 3, 4).requiresGrad(true);
            Tensor w = Tensor.of(device, values(10, 1, 1), 5, 2).requiresGrad(true);
            Tensor gx = Tensor.zeros(device, 3, 4);
            Tensor gw = Tensor.zeros(device, 5, 2);
            x.attachGrad(gx);
            w.attachGrad(gw);
            Tensor idx = Tensor.of(device, idxs[0], 3, 3);
            Tensor rows = Tensor.of(device, rowss[0], 3);
            Tensor cond = Tensor.of(device, conds[0], 4);
            Tensor[] out = {Tensor.zeros(device, 3, 3), Tensor.zeros(device, 3, 4), Tensor.zeros(device, 3, 2),
                    Tensor.zeros(device, 3, 4)};
            x.zeroGrad();
            w.zeroGrad();
            Plan plan = Plan.capture(device, () -> step(x, w, idx, rows, cond, out));
            try {
                for (int k = 0; k < 2; k++) {
                    load(idx, idxs[k]);
                    load(rows, rowss[k]);
                    load(cond, conds[k]);
                    load(x, values(12, 2, k));
                    // define-by-run on the device underneath, from the same values
                    float[][] want = expected(inner, values(12, 2, k), values(10, 1, 1), idxs[k], rowss[k], conds[k]);
                    plan.replay();
                    for (int i = 0; i < out.length; i++) {
                        assertArrayEquals(want[i], out[i].toArray(), backend + " output " + i + ", replay " + k);
                    }
                    assertArrayEquals(want[4], gx.toArray(), backend + " x's gradient, replay " + k);
                    assertArrayEquals(want[5], gw.toArray(), backend + " w's gradient, replay " + k);
                }
                assertTrue(plan.calls().stream().anyMatch(c -> c instanceof Call.ScatterAdd), plan.calls().toString());
                assertTrue(plan.calls().stream().anyMatch(c -> c instanceof Call.Gather), plan.calls().toString());
                assertTrue(plan.calls().stream().anyMatch(c -> c instanceof Call.Select), plan.calls().toString());
            } finally {
                plan.close();
            }
        }
    }

    /** The step's four outputs and two gradients, define-by-run. */
    private static float[][] expected(Device d, float[] xv, float[] wv, float[] iv, float[] rv, float[] cv) {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(d, xv, 3, 4).requiresGrad(true);
            Tensor w = Tensor.of(d, wv, 5, 2).requiresGrad(true);
            Tensor[] out = {Tensor.zeros(d, 3, 3), Tensor.zeros(d, 3, 4), Tensor.zeros(d, 3, 2), Tensor.zeros(d, 3, 4)};
            step(x, w, Tensor.of(d, iv, 3, 3), Tensor.of(d, rv, 3), Tensor.of(d, cv, 4), out);
            return new float[][] {out[0].toArray(), out[1].toArray(), out[2].toArray(), out[3].toArray(),
                    x.grad().toArray(), w.grad().toArray()};
        }
    }
}
