package dev.adjoint.tensor.properties;

import dev.adjoint.tensor.Tensor;
import java.util.function.Function;

/**
 * One value of a random DAG: a leaf, or an op on earlier nodes ({@code inputs}, indices into the
 * DAG's nodes), written with tensor ops: reverse mode and forward mode run the same function.
 * {@code bound} bounds the absolute value of every element.
 */
record Node(String name, String text, int[] shape, double bound, int[] inputs,
            Function<Tensor[], Tensor> op) {
    /** Leaf values lie in [-LEAF_BOUND, LEAF_BOUND]. */
    static final double LEAF_BOUND = 1.5;

    static Node leaf(String name, int[] shape) {
        return new Node(name, "leaf", shape, LEAF_BOUND, new int[0], null);
    }

    boolean isLeaf() {
        return inputs.length == 0;
    }
}
