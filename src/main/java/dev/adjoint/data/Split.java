package dev.adjoint.data;

/** A training set and the test set that goes with it (same dims and classes). */
public record Split(Dataset train, Dataset test) {
    public Split {
        if (train == null || test == null) {
            throw new IllegalArgumentException("Split: train and test are required");
        }
        if (train.dims() != test.dims() || train.classes() != test.classes()) {
            throw new IllegalArgumentException("Split: train '" + train.name() + "' has " + train.dims() + " dims and "
                    + train.classes() + " classes, test '" + test.name() + "' has " + test.dims() + " and " + test.classes());
        }
    }
}
