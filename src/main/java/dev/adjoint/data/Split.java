package dev.adjoint.data;

/** A training set and the test set that goes with it (same dims, classes and class labels). */
public record Split(Dataset train, Dataset test) {
    public Split {
        if (train == null || test == null) {
            throw new IllegalArgumentException("Split: train and test are required");
        }
        if (train.dims() != test.dims() || train.classes() != test.classes()) {
            throw new IllegalArgumentException("Split: train '" + train.name() + "' has " + train.dims() + " dims and "
                    + train.classes() + " classes, test '" + test.name() + "' has " + test.dims() + " and " + test.classes());
        }
        if (!java.util.Arrays.equals(train.labelValues(), test.labelValues())) {
            throw new IllegalArgumentException("Split: train '" + train.name() + "' has the class labels "
                    + Dataset.labelList(train.labelValues()) + ", test '" + test.name() + "' has "
                    + Dataset.labelList(test.labelValues()));
        }
    }
}
