package dev.adjoint.tensor.properties;

import dev.adjoint.tensor.Dual;
import dev.adjoint.tensor.Tensor;
import java.util.function.Function;

/**
 * One value of a random DAG: a leaf, or an op on earlier nodes ({@code inputs}, indices into the
 * DAG's nodes) in reverse mode ({@link Tensor}) and, where {@link Dual} has the op, forward mode.
 * {@code bound} bounds the absolute value of every element.
 */
record Node(String name, String text, int[] shape, double bound, int[] inputs,
            Function<Tensor[], Tensor> reverse, Function<Dual[], Dual> forward) {
    /** Leaf values lie in [-LEAF_BOUND, LEAF_BOUND]. */
    static final double LEAF_BOUND = 1.5;

    static Node leaf(String name, int[] shape) {
        return new Node(name, "leaf", shape, LEAF_BOUND, new int[0], null, null);
    }

    boolean isLeaf() {
        return inputs.length == 0;
    }
}
