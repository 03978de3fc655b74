package dev.adjoint.data;

/**
 * A training set and the test set that goes with it (same dims, classes and class labels): two
 * {@link Dataset}s in memory, or two {@link MappedDataset}s whose features stay in their files.
 * Closing a split closes the parts that hold a resource (a mapping); a split in memory holds none.
 */
public record Split<S extends Samples>(S train, S test) implements AutoCloseable {
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

    /** Unmaps the parts that are mapped files; nothing for data in memory. */
    @Override
    public void close() {
        if (train instanceof MappedDataset m) {
            m.close();
        }
        if (test instanceof MappedDataset m) {
            m.close();
        }
    }
}
