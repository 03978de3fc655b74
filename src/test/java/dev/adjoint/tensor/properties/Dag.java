package dev.adjoint.tensor.properties;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A random DAG of tensor ops: 1–3 leaves of rank 0 to 2 with related shapes (equal, a row, a
 * scalar, a column, a matmul partner, or unrelated; dims up to {@code maxDim}; 2-D leaves possibly
 * stored transposed), then 2–8 ops, each on any earlier nodes (so values fan out), and at the end
 * the scalar f = Σ over the nodes no op uses of sum(w ⊙ node), with fixed random weights w.
 * Everything, values included, follows from the {@link Choices}; {@link #toString} prints it.
 */
final class Dag {
    static final int MAX_LEAVES = 3;
    static final int MIN_OPS = 2;
    static final int MAX_OPS = 8;

    /** A leaf's logical shape; a transposed one is stored as its transpose and read through a view. */
    record Leaf(int[] shape, boolean transposed) {
        int[] stored() {
            return transposed ? new int[] {shape[1], shape[0]} : shape;
        }
    }

    private final List<Leaf> leaves;
    private final List<Node> nodes;
    private final int valueSeed;
    private final List<Integer> sinks = new ArrayList<>();

    private Dag(List<Leaf> leaves, List<Node> nodes, int valueSeed) {
        this.leaves = leaves;
        this.nodes = nodes;
        this.valueSeed = valueSeed;
        boolean[] used = new boolean[nodes.size()];
        for (Node n : nodes) {
            for (int i : n.inputs()) {
                used[i] = true;
            }
        }
        for (int i = 0; i < used.length; i++) {
            if (!used[i]) {
                sinks.add(i);
            }
        }
    }

    static Dag generate(Choices c, Ops.Set set, int maxDim) {
        List<Leaf> leaves = new ArrayList<>();
        List<Node> nodes = new ArrayList<>();
        // Lists end where a decision is 0, so that shrinking can cut them short: after each leaf, another
        // follows with probability 2/3 (up to MAX_LEAVES); after the first MIN_OPS ops, another with 5/6.
        do {
            int[] shape = leaves.isEmpty() ? fresh(c, maxDim) : related(c, c.pick(leaves).shape(), maxDim);
            leaves.add(new Leaf(shape, shape.length == 2 && c.flip()));
            nodes.add(Node.leaf("x" + (leaves.size() - 1), shape));
        } while (leaves.size() < MAX_LEAVES && c.between(0, 2) > 0);
        int valueSeed = c.between(0, 9999);
        for (int ops = 0; ops < MIN_OPS || ops < MAX_OPS && c.between(0, 5) > 0; ops++) {
            nodes.add(Ops.next(c, nodes, set));
        }
        return new Dag(leaves, nodes, valueSeed);
    }

    /** A 0-D (1 in 6), 1-D (2 in 6) or 2-D shape; shrinks toward 0-D. */
    private static int[] fresh(Choices c, int maxDim) {
        int rank = c.between(0, 5);
        return rank == 0 ? new int[0] : rank < 3 ? new int[] {c.between(1, maxDim)}
                : new int[] {c.between(1, maxDim), c.between(1, maxDim)};
    }

    /** A shape that broadcasts or multiplies with {@code base}, or (last choice) an unrelated one. */
    private static int[] related(Choices c, int[] base, int maxDim) {
        if (base.length == 0) {
            return fresh(c, maxDim);
        }
        int last = base[base.length - 1];
        return switch (c.between(0, 5)) {
            case 0 -> base;
            case 1 -> new int[] {last};
            case 2 -> new int[0];
            case 3 -> new int[] {base[0], 1};
            case 4 -> new int[] {last, c.between(1, maxDim)};
            default -> fresh(c, maxDim);
        };
    }

    int leafCount() {
        return leaves.size();
    }

    /** The leaves' values, in their stored layout: uniform in ±1.5, at least 0.15 from 0 (the kink of relu and abs). */
    Tensor[] leafValues(Device device) {
        Tensor[] out = new Tensor[leaves.size()];
        for (int i = 0; i < out.length; i++) {
            int[] shape = leaves.get(i).stored();
            Random rnd = new Random(valueSeed * 31L + i);
            float[] v = new float[(int) Shape.numel(shape)];
            for (int j = 0; j < v.length; j++) {
                double x = (rnd.nextDouble() * 2 - 1) * (Node.LEAF_BOUND - 0.15);
                v[j] = (float) (x + Math.copySign(0.15, x));
            }
            out[i] = Tensor.of(device, v, shape);
        }
        return out;
    }

    /** A leaf (stored layout) as the DAG reads it: through a transposed view when stored transposed. */
    Tensor logical(int leaf, Tensor stored) {
        return leaves.get(leaf).transposed() ? stored.transpose() : stored;
    }

    /** f in reverse mode, from the leaves in their stored layout. */
    Tensor reverse(Tensor[] stored) {
        Tensor[] logical = new Tensor[stored.length];
        for (int i = 0; i < stored.length; i++) {
            logical[i] = logical(i, stored[i]);
        }
        return evaluate(logical);
    }

    /** f from the leaves as the DAG reads them ({@link #logical}): in forward mode, the function {@code Dual.jvp} runs. */
    Tensor evaluate(Tensor[] logical) {
        Tensor[] v = new Tensor[nodes.size()];
        for (int i = 0; i < v.length; i++) {
            Node n = nodes.get(i);
            v[i] = n.isLeaf() ? logical[i] : n.op().apply(operands(v, n));
        }
        Tensor f = null;
        for (int s : sinks) {
            Tensor term = v[s].mul(weights(v[s].device(), s)).sum();
            f = f == null ? term : f.add(term);
        }
        return f;
    }

    private static <T> T[] operands(T[] values, Node n) {
        T[] in = java.util.Arrays.copyOf(values, n.inputs().length);
        for (int k = 0; k < in.length; k++) {
            in[k] = values[n.inputs()[k]];
        }
        return in;
    }

    private Tensor weights(Device device, int node) {
        int[] shape = nodes.get(node).shape();
        Random rnd = new Random(valueSeed * 31L + 1000 + node);
        float[] w = new float[(int) Shape.numel(shape)];
        for (int j = 0; j < w.length; j++) {
            w[j] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return Tensor.of(device, w, shape);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            String text = n.text();
            if (n.isLeaf() && leaves.get(i).transposed()) {
                text += " (stored transposed as " + Shape.format(leaves.get(i).stored()) + ")";
            }
            sb.append(String.format("  %-4s = %-40s %s%n", n.name(), text, Shape.format(n.shape())));
        }
        List<String> terms = sinks.stream().map(s -> "sum(w" + s + " * " + nodes.get(s).name() + ")").toList();
        sb.append("  f    = ").append(String.join(" + ", terms))
                .append("   (leaf values and weights w from value seed ").append(valueSeed).append(')');
        return sb.toString();
    }
}
