package dev.adjoint.train;

import dev.adjoint.data.CsvRecords;
import dev.adjoint.data.DatasetException;
import dev.adjoint.data.IdxReader;
import dev.adjoint.data.NpyReader;
import dev.adjoint.device.Device;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.tensor.Autograd;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * A trained model read back from its checkpoint to classify new data, which goes through the
 * preprocessing the checkpoint recorded, as the training data did: a CSV table through its column
 * encoding ({@link dev.adjoint.data.CsvEncoding}), other values divided by the data's divisor (IDX
 * pixel bytes by 255) then standardized with the training set's mean and std. The result is one
 * row per input row, as the model's {@link Task} reads its outputs: a classifier's class
 * probabilities (the softmax of the logits, in the order of {@link SavedModel.Settings#className});
 * a binary model's two, {@code [1 - p, p]} with p the sigmoid of its logit (p is the second,
 * positive class's); a regression model's one value, its output un-standardised into the targets'
 * own units ({@code output · std + mean}, with the mean and std fitted on the training rows).
 *
 * <pre>{@code
 * try (Device cpu = Devices.cpu(); Predictor p = Predictor.load(Path.of("runs/latest/best"), cpu)) {
 *     float[][] probabilities = p.predict(Path.of("new.csv"));
 * }
 * }</pre>
 */
public final class Predictor implements AutoCloseable {
    /** Rows per forward pass. */
    private static final int BATCH = 1024;

    private final Path dir;
    private final SavedModel.Settings settings;
    private final Device device;
    private final Sequential model;
    private final Parameters params;

    private Predictor(Path dir, SavedModel.Settings settings, Device device, Sequential model, Parameters params) {
        this.dir = dir;
        this.settings = settings;
        this.device = device;
        this.model = model;
        this.params = params;
    }

    /** The model of checkpoint {@code dir} on {@code device}, every parameter checked (see {@link SavedModel}). */
    public static Predictor load(Path dir, Device device) {
        Checkpoint.Loaded loaded = Checkpoint.load(dir);
        SavedModel.Settings settings = SavedModel.Settings.of(loaded.config(), dir);
        Sequential model = settings.spec().build(device);
        Parameters params = Parameters.of(model);
        try {
            SavedModel.loadOwnParameters(params, loaded, dir);
        } catch (RuntimeException e) {
            params.close();
            model.close();
            throw e;
        }
        model.eval();
        return new Predictor(dir, settings, device, model, params);
    }

    /** What the checkpoint says about the model and its input (class names among it). */
    public SavedModel.Settings settings() {
        return settings;
    }

    /** Values per row that {@link #predict(float[][])} takes, before preprocessing. */
    public int inputs() {
        return settings.spec().inputs();
    }

    /**
     * Predictions (class probabilities, or values: see the class comment) for rows of values as
     * stored (IDX pixel bytes 0..255, a numpy array's values), {@link #inputs} each; an IllegalArgumentException for a row of another length, and
     * an IllegalStateException for a model trained on CSV (whose rows {@link #predict(Path)} reads).
     */
    public float[][] predict(float[][] rows) {
        if (settings.encoding() != null) {
            throw new IllegalStateException("the model of " + dir + " reads CSV rows through its column encoding;"
                    + " use predict(Path) with a .csv file");
        }
        float[] x = new float[rows.length * inputs()];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != inputs()) {
                throw new IllegalArgumentException("row " + r + " has " + rows[r].length + " values but the model of "
                        + dir + " takes " + inputs());
            }
            System.arraycopy(rows[r], 0, x, r * inputs(), inputs());
        }
        return stored(x, rows.length);
    }

    /**
     * Predictions (class probabilities, or values) for every row of {@code file}: a CSV table ({@code .csv}, its columns
     * matched by name to those the model was trained on; the label column may be left out), a
     * numpy array ({@code .npy}, {@code [rows, ...]}, flattened per row), or IDX images
     * ({@code *-idx3-ubyte}, gzip-compressed or not). A file that does not fit the model is a
     * {@link DatasetException} naming the file and where (line and column for CSV); an
     * IllegalArgumentException for a name of none of these kinds.
     */
    public float[][] predict(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            if (settings.encoding() == null) {
                throw new DatasetException(file, -1, "the model of " + dir + " was not trained on CSV (its checkpoint"
                        + " records no column encoding); give its kind of data: .npy or IDX images");
            }
            CsvRecords csv = CsvRecords.read(file, settings.encoding().delimiter());
            return stored(settings.encoding().features(csv, "the checkpoint " + dir), csv.size());
        }
        if (settings.encoding() != null && (name.endsWith(".npy") || name.contains("idx3"))) {
            throw new DatasetException(file, -1, "the model of " + dir + " was trained on CSV: give a .csv file with"
                    + " the columns it was trained on");
        }
        if (name.endsWith(".npy")) {
            NpyReader.Header[] h = new NpyReader.Header[1];
            float[] x = NpyReader.features(file, h);
            long[] shape = h[0].shape();
            if (shape.length < 1 || h[0].rowLength() != inputs()) {
                throw new DatasetException(file, -1, "shape " + Arrays.toString(shape) + ": rows of "
                        + (shape.length < 1 ? "no" : h[0].rowLength()) + " values, but the model of " + dir
                        + " takes " + inputs() + " (an array [rows, " + inputs() + "] or [rows, ...] of as many)");
            }
            return stored(x, (int) shape[0]);
        }
        if (name.contains("idx3")) {
            IdxReader.Idx idx = IdxReader.read(file, IdxReader.IMAGES);
            int n = idx.shape()[0];
            if ((long) idx.shape()[1] * idx.shape()[2] != inputs()) {
                throw new DatasetException(file, 8, "its images are " + idx.shape()[1] + "×" + idx.shape()[2]
                        + " pixels, but the model of " + dir + " takes " + inputs() + " values");
            }
            float[] x = new float[idx.data().length];
            for (int i = 0; i < x.length; i++) {
                x[i] = idx.get(i);
            }
            return stored(x, n);
        }
        throw new IllegalArgumentException("cannot tell what kind of file " + file + " is: name a CSV table *.csv, a numpy"
                + " array *.npy, or IDX images *-idx3-ubyte (or .gz)");
    }

    /** The index of the largest of {@code p}, the first on a tie. */
    public static int argmax(float[] p) {
        return Classification.argmax(p, 1, p.length)[0];
    }

    /** Probabilities for {@code n} rows of stored values (a CSV's: encoded), divided by the data's divisor, then standardized. */
    private float[][] stored(float[] x, int n) {
        float divisor = settings.divisor();
        if (divisor != 1f) {
            for (int i = 0; i < x.length; i++) {
                x[i] = x[i] / divisor;
            }
        }
        settings.normalization().apply(x, 0, x.length);
        return features(x, n);
    }

    /** Probabilities for {@code n} rows of the model's input features, {@value #BATCH} rows per forward pass. */
    private float[][] features(float[] x, int n) {
        int dims = inputs();
        float[][] out = new float[n][];
        for (int from = 0; from < n; from += BATCH) {
            int rows = Math.min(BATCH, n - from);
            float[] p;
            try (Scope s = Scope.open(); Autograd.NoGrad off = Autograd.noGrad()) {
                float[] batch = Arrays.copyOfRange(x, from * dims, (from + rows) * dims);
                Tensor y = model.forward(Tensor.of(device, batch, rows, dims));
                p = settings.task().scores(y).toArray();
            }
            for (int r = 0; r < rows; r++) {
                out[from + r] = settings.task().prediction(p, r, settings.outputs());
            }
        }
        return out;
    }

    @Override
    public void close() {
        params.close();
        model.close();
    }
}
