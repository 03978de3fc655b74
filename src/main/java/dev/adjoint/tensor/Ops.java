package dev.adjoint.tensor;

import java.util.List;
import java.util.stream.Stream;

/** Every built-in op's declaration ({@link Op}), family by family. */
final class Ops {
    private Ops() {}

    static final List<Op<?>> ALL = Stream.of(Elementwise.OPS, Activations.OPS, Reductions.OPS, LinearAlgebra.OPS,
            Softmax.OPS, Views.OPS, Windows.OPS, Indexing.OPS).flatMap(List::stream).toList();
}
