package dev.adjoint.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Collections;

/**
 * Define-by-run reverse mode. Ops record a {@link Node} on their output when gradients are on and
 * an input requires one; {@link #backward} walks the nodes in reverse topological order (found
 * iteratively, so deep graphs do not overflow the stack) and sums gradients where a value fans out.
 */
public final class Autograd {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private Autograd() {}

    /** Whether ops on this thread record the tape. */
    public static boolean enabled() {
        return ENABLED.get()[0];
    }

    /** Turns recording off until closed: {@code try (var off = Autograd.noGrad()) { ... }}. */
    public static NoGrad noGrad() {
        boolean[] flag = ENABLED.get();
        boolean before = flag[0];
        flag[0] = false;
        return () -> flag[0] = before;
    }

    /** Restores recording as it was when {@link #noGrad} was called. */
    public interface NoGrad extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Attaches a node to {@code out} if recording is on and an input requires a gradient. Saved
     * tensors are kept alive (as views of their own) until backward frees them.
     */
    static Tensor record(Tensor out, String op, Tensor[] inputs, Tensor[] save, Node.Backward rule) {
        if (Anomaly.on) {
            checkForward(out, op, inputs);
        }
        if (!enabled()) {
            return out;
        }
        boolean any = false;
        for (Tensor t : inputs) {
            any |= t.requiresGrad();
        }
        if (!any) {
            return out;
        }
        Tensor[] saved = new Tensor[save.length];
        for (int i = 0; i < save.length; i++) {
            saved[i] = save[i] == null ? null : save[i].retained(op);
        }
        out.autograd.attach(new Node(op, inputs.clone(), saved, rule));
        return out;
    }

    /** Every op's output passes through {@link #record}: the one place anomaly mode checks forwards. */
    private static void checkForward(Tensor out, String op, Tensor[] inputs) {
        try {
            Anomaly.forward(op, inputs, out);
        } catch (NonFiniteException e) {
            out.close();
            throw e;
        }
    }

    /** Reverse-mode sweep from {@code root} with upstream gradient {@code seed}. */
    static void backward(Tensor root, Tensor seed, boolean retainGraph) {
        List<Tensor> order = topologicalOrder(root);
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        try (Scope scope = Scope.open(); NoGrad off = noGrad()) {
            grads.put(root, seed != null ? seed : Tensor.ones(root.device(), root.shape.clone()));
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Tensor g = grads.remove(t);
                if (g == null) {
                    continue;
                }
                Node node = t.autograd.node();
                if (node == null) {
                    t.autograd.accumulateGrad(g);
                    t.autograd.gradAccumulated();
                    continue;
                }
                Tensor[] down = Anomaly.on ? Anomaly.backward(node, g) : node.backward(g);
                for (int j = 0; j < node.inputs.length; j++) {
                    Tensor in = node.inputs[j];
                    if (!in.requiresGrad() || down[j] == null) {
                        continue;
                    }
                    Tensor dj = down[j];
                    if (!java.util.Arrays.equals(dj.shape, in.shape)) {
                        throw new IllegalStateException("backward of '" + node.op + "' returned a gradient of shape "
                                + Shape.format(dj.shape) + " for input " + j + " of shape " + Shape.format(in.shape));
                    }
                    Tensor prev = grads.get(in);
                    grads.put(in, prev == null ? dj : prev.add(dj));
                }
                if (!retainGraph) {
                    node.free();
                }
            }
        }
    }

    /** Tensors reachable from root through nodes, each after all of its inputs (iterative DFS). */
    private static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.add(root);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (int) frame[1];
            Node node = t.autograd.node();
            if (node == null && t.isClosed()) {
                throw t.autograd.closedLeaf();    // before any gradient is accumulated
            }
            Tensor[] inputs = node == null ? new Tensor[0] : node.inputs;
            if (node != null && node.freed()) {
                node.backward(null); // throws the "already freed" error naming the op
            }
            if (next < inputs.length) {
                frame[1] = next + 1;
                Tensor in = inputs[next];
                if (in.requiresGrad() && visited.add(in)) {
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }
}
