package dev.adjoint.tensor.properties;

import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The ops a random DAG draws its next node from. Every valid application of an op to earlier nodes
 * is a candidate; candidates whose values could exceed {@link #LIMIT} in absolute value are left
 * out, so values (and the finite differences taken of them) stay well scaled. Ops with a domain
 * (log, sqrt, reciprocal, pow, division) are applied to {@code c + x²}, which is in their domain
 * whatever x is.
 */
final class Ops {
    static final double LIMIT = 6;
    /** The most axes a node may have (reshape makes 3-D nodes, batched matmul consumes them). */
    static final int MAX_RANK = 3;

    enum Set {
        /**
         * Differentiable everywhere the DAG can reach, for finite differences: the kinked ops (relu,
         * leaky relu, abs) apply to leaves only, whose values stay at least 0.15 from the kink.
         */
        SMOOTH,
        /**
         * Every op, the kinked ones on any node, for forward mode against reverse mode: both take an
         * op's derivative from its one declaration, so they agree at a kink too.
         */
        FORWARD
    }

    private record Unary(String format, boolean smooth, DoubleUnaryOperator bound, UnaryOperator<Tensor> op) {}

    private record Binary(String format, DoubleBinaryOperator bound, BinaryOperator<Tensor> op) {}

    private static final List<Unary> UNARY = List.of(
            new Unary("-%s", true, b -> b, Tensor::neg),
            new Unary("sin(%s)", true, b -> Math.min(b, 1), Tensor::sin),
            new Unary("cos(%s)", true, b -> 1, Tensor::cos),
            new Unary("tanh(%s)", true, b -> Math.min(b, 1), Tensor::tanh),
            new Unary("sigmoid(%s)", true, b -> 1, Tensor::sigmoid),
            new Unary("gelu(%s)", true, b -> b, Tensor::gelu),
            new Unary("exp(%s)", true, Math::exp, Tensor::exp),
            new Unary("%s²", true, b -> b * b, Tensor::square),
            new Unary("1.5 * %s", true, b -> 1.5 * b, x -> x.mul(1.5f)),
            new Unary("%s - 0.75", true, b -> b + 0.75, x -> x.add(-0.75f)),
            new Unary("log(1 + %s²)", true, b -> Math.log1p(b * b),
                    x -> x.square().add(1f).log()),
            new Unary("sqrt(0.25 + %s²)", true, b -> Math.sqrt(0.25 + b * b),
                    x -> x.square().add(0.25f).sqrt()),
            new Unary("1 / (0.5 + %s²)", true, b -> 2, x -> x.square().add(0.5f).reciprocal()),
            new Unary("(0.5 + %s²)^1.5", true, b -> Math.pow(0.5 + b * b, 1.5),
                    x -> x.square().add(0.5f).pow(1.5f)),
            new Unary("relu(%s)", false, b -> b, Tensor::relu),
            new Unary("leaky_relu(%s, 0.1)", false, b -> b, x -> x.leakyRelu(0.1f)),
            new Unary("abs(%s)", false, b -> b, Tensor::abs));

    private static final List<Binary> BINARY = List.of(
            new Binary("%s + %s", Double::sum, Tensor::add),
            new Binary("%s - %s", Double::sum, Tensor::sub),
            new Binary("%s * %s", (a, b) -> a * b, Tensor::mul),
            new Binary("%s / (0.5 + %s²)", (a, b) -> 2 * a,
                    (a, b) -> a.div(b.square().add(0.5f))),
            new Binary("(0.5 + %s²)^%s", (a, b) -> Math.max(Math.pow(0.5 + a * a, b), Math.pow(2, b)),
                    (a, b) -> a.square().add(0.5f).pow(b)));

    /** A valid application of an op, built into a {@link Node} only if drawn. */
    private record Candidate(int first, Supplier<Node> node) {}

    private Ops() {}

    /**
     * The next node of a DAG whose nodes so far are {@code nodes}: an op family, then the first
     * operand (recent nodes more likely, so DAGs grow deep as well as wide), then a candidate.
     */
    static Node next(Choices c, List<Node> nodes, Set set) {
        Stream<List<Candidate>> families = Stream.of(unary(nodes, set), binary(nodes), matmul(nodes), reductions(nodes),
                softmax(nodes), views(nodes));
        List<Candidate> family = c.pick(families.filter(f -> !f.isEmpty()).toList());
        List<Integer> firsts = family.stream().map(Candidate::first).distinct().sorted(Comparator.reverseOrder()).toList();
        int first = firsts.get(c.between(0, c.between(0, firsts.size() - 1)));
        return c.pick(family.stream().filter(k -> k.first() == first).toList()).node().get();
    }

    private static List<Candidate> unary(List<Node> nodes, Set set) {
        List<Candidate> out = new ArrayList<>();
        for (Unary u : UNARY) {
            for (int i = 0; i < nodes.size(); i++) {
                Node x = nodes.get(i);
                if (set == Set.SMOOTH && !u.smooth && !x.isLeaf()) {
                    continue;
                }
                add(out, nodes, () -> u.format.formatted(x.name()), x.shape(), u.bound.applyAsDouble(x.bound()), new int[] {i},
                        t -> u.op.apply(t[0]));
            }
        }
        return out;
    }

    private static List<Candidate> binary(List<Node> nodes) {
        List<Candidate> out = new ArrayList<>();
        for (Binary op : BINARY) {
            for (int i = 0; i < nodes.size(); i++) {
                for (int j = 0; j < nodes.size(); j++) {
                    Node a = nodes.get(i);
                    Node b = nodes.get(j);
                    int[] shape = broadcast(a.shape(), b.shape());
                    if (shape == null || shape.length > MAX_RANK) {
                        continue;
                    }
                    add(out, nodes, () -> op.format.formatted(a.name(), b.name()), shape,
                            op.bound.applyAsDouble(a.bound(), b.bound()), new int[] {i, j},
                            t -> op.op.apply(t[0], t[1]));
                }
            }
        }
        return out;
    }

    private static int[] broadcast(int[] a, int[] b) {
        try {
            return Shape.broadcast("candidate", a, b);
        } catch (IllegalArgumentException incompatible) {
            return null;
        }
    }

    /** a·b (a of rank 1 to 3, b of rank 1 or 2), a·bᵀ and aᵀ·b: transposed views, which GEMM reads through its transpose flags. */
    private static List<Candidate> matmul(List<Node> nodes) {
        List<Candidate> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (int j = 0; j < nodes.size(); j++) {
                Node a = nodes.get(i);
                Node b = nodes.get(j);
                int[] as = a.shape();
                int[] bs = b.shape();
                int ra = as.length;
                int rb = bs.length;
                if (ra == 0 || rb == 0 || rb > 2) {
                    continue;
                }
                int[] lead = Arrays.copyOf(as, ra - 1);
                int[] trail = rb == 2 ? new int[] {bs[1]} : new int[0];
                if (as[ra - 1] == bs[0]) {
                    add(out, nodes, () -> a.name() + " @ " + b.name(), concat(lead, trail), as[ra - 1] * a.bound() * b.bound(),
                            new int[] {i, j}, t -> t[0].matmul(t[1]));
                }
                if (rb == 2 && bs[1] == as[ra - 1]) {
                    add(out, nodes, () -> a.name() + " @ " + b.name() + "ᵀ", concat(lead, new int[] {bs[0]}),
                            as[ra - 1] * a.bound() * b.bound(), new int[] {i, j}, t -> t[0].matmul(t[1].transpose()));
                }
                if (ra == 2 && as[0] == bs[0]) {
                    add(out, nodes, () -> a.name() + "ᵀ @ " + b.name(), concat(new int[] {as[1]}, trail),
                            as[0] * a.bound() * b.bound(), new int[] {i, j}, t -> t[0].transpose().matmul(t[1]));
                }
            }
        }
        return out;
    }

    /** Sum and mean along each axis, with and without keepdims. */
    private static List<Candidate> reductions(List<Node> nodes) {
        List<Candidate> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node x = nodes.get(i);
            int[] s = x.shape();
            for (int axis = 0; axis < s.length; axis++) {
                for (boolean keep : new boolean[] {false, true}) {
                    int a = axis;
                    int[] shape = keep ? s.clone() : dropAxis(s, axis);
                    if (keep) {
                        shape[axis] = 1;
                    }
                    Supplier<String> args = () -> "(" + x.name() + ", axis=" + a + (keep ? ", keepdims)" : ")");
                    add(out, nodes, () -> "sum" + args.get(), shape, s[axis] * x.bound(), new int[] {i},
                            t -> t[0].sum(a, keep));
                    add(out, nodes, () -> "mean" + args.get(), shape, x.bound(), new int[] {i}, t -> t[0].mean(a, keep));
                }
            }
        }
        return out;
    }

    private static List<Candidate> softmax(List<Node> nodes) {
        List<Candidate> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node x = nodes.get(i);
            if (x.shape().length == 0) {
                continue;
            }
            int n = x.shape()[x.shape().length - 1];
            add(out, nodes, () -> "softmax(" + x.name() + ")", x.shape(), 1, new int[] {i}, t -> t[0].softmax());
            add(out, nodes, () -> "log_softmax(" + x.name() + ")", x.shape(), 2 * x.bound() + Math.log(n), new int[] {i},
                    t -> t[0].logSoftmax());
        }
        return out;
    }

    /** Transposed views and reshapes (of views too, which then copy). */
    private static List<Candidate> views(List<Node> nodes) {
        List<Candidate> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node x = nodes.get(i);
            int[] s = x.shape();
            if (s.length >= 2) {
                int[] t = s.clone();
                t[s.length - 2] = s[s.length - 1];
                t[s.length - 1] = s[s.length - 2];
                add(out, nodes, () -> x.name() + "ᵀ", t, x.bound(), new int[] {i}, v -> v[0].transpose());
            }
            for (int[] target : reshapes(s)) {
                add(out, nodes, () -> "reshape(" + x.name() + ", " + Shape.format(target) + ")", target, x.bound(),
                        new int[] {i}, v -> v[0].reshape(target));
            }
        }
        return out;
    }

    private static List<int[]> reshapes(int[] s) {
        List<int[]> out = new ArrayList<>();
        switch (s.length) {
            case 1 -> {
                for (int d = 1; d <= s[0]; d++) {
                    if (s[0] % d == 0) {
                        out.add(new int[] {d, s[0] / d});
                    }
                }
            }
            case 2 -> {
                out.add(new int[] {s[0] * s[1]});
                out.add(new int[] {s[1], s[0]});
                for (int d = 1; d <= s[1]; d++) {
                    if (s[1] % d == 0) {
                        out.add(new int[] {s[0], d, s[1] / d});
                    }
                }
            }
            case 3 -> {
                out.add(new int[] {s[0] * s[1], s[2]});
                out.add(new int[] {s[0], s[1] * s[2]});
            }
            default -> {
                // a scalar has nothing to reshape to that another op would treat differently
            }
        }
        return out;
    }

    private static void add(List<Candidate> out, List<Node> nodes, Supplier<String> text, int[] shape, double bound,
                            int[] inputs, Function<Tensor[], Tensor> op) {
        if (bound <= LIMIT) {
            String name = "n" + nodes.size();
            out.add(new Candidate(inputs[0], () -> new Node(name, text.get(), shape, bound, inputs, op)));
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static int[] dropAxis(int[] s, int axis) {
        int[] r = new int[s.length - 1];
        for (int d = 0, j = 0; d < s.length; d++) {
            if (d != axis) {
                r[j++] = s[d];
            }
        }
        return r;
    }
}
