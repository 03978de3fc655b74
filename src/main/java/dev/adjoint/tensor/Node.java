package dev.adjoint.tensor;

/**
 * One recorded operation on the tape: its inputs, the tensors it saved for backward, and the rule
 * that turns the gradient of its output into gradients of its inputs (a vector-Jacobian product).
 * Running the rule and freeing the saved tensors exclude each other, so backward passes on two
 * threads through one graph either both run the rule or one gets the "already freed" error.
 */
final class Node {
    final String op;
    final Tensor[] inputs;
    private Tensor[] saved;
    private Backward rule;

    /** The backward rule of an op: downstream gradients (one per input, null if not needed) from the upstream one. */
    @FunctionalInterface
    interface Backward {
        Tensor[] apply(Context ctx, Tensor gradOutput);
    }

    Node(String op, Tensor[] inputs, Tensor[] saved, Backward rule) {
        this.op = op;
        this.inputs = inputs;
        this.saved = saved;
        this.rule = rule;
    }

    synchronized boolean freed() {
        return rule == null;
    }

    synchronized Tensor[] backward(Tensor gradOutput) {
        if (rule == null) {
            throw new IllegalStateException("backward: the graph through '" + op + "' was already freed by an earlier "
                    + "backward(); call the first backward with retainGraph = true to run backward through it again");
        }
        boolean[] needs = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            needs[i] = inputs[i].requiresGrad();
        }
        return rule.apply(new Context(saved, needs, inputs), gradOutput);
    }

    /** Releases the saved tensors; the node can no longer run backward. */
    synchronized void free() {
        if (saved != null) {
            for (Tensor t : saved) {
                if (t != null) {
                    t.close();
                }
            }
        }
        saved = null;
        rule = null;
    }
}
