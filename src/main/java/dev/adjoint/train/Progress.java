package dev.adjoint.train;

import dev.adjoint.tensor.Tensor;
import java.io.PrintStream;

/**
 * What the user sees while training: on a terminal, a progress bar redrawn at most every 200 ms
 * (reading the running loss from the device only then); otherwise one plain line per epoch.
 */
public final class Progress {
    private static final long REDRAW_NANOS = 200_000_000L;
    private final PrintStream out;
    private final boolean bar;
    private final boolean quiet;
    private long lastDraw;

    private Progress(PrintStream out, boolean bar, boolean quiet) {
        this.out = out;
        this.bar = bar;
        this.quiet = quiet;
    }

    /** A bar when standard output is a terminal, plain lines otherwise. */
    public static Progress console() {
        return new Progress(System.out, System.console() != null && System.console().isTerminal(), false);
    }

    public static Progress lines(PrintStream out) {
        return new Progress(out, false, false);
    }

    public static Progress silent() {
        return new Progress(System.out, false, true);
    }

    void update(int epoch, int epochs, int batch, int batches, Tensor lossSum, int seen) {
        if (!bar) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS && batch < batches) {
            return;
        }
        lastDraw = now;
        int width = 30;
        int filled = (int) ((long) width * batch / batches);
        out.printf("\repoch %d/%d [%s%s] %3d%%  loss %.4f ", epoch, epochs, "#".repeat(filled), ".".repeat(width - filled),
                100 * batch / batches, lossSum.item() / seen);
        out.flush();
    }

    /** A line of its own between epochs: something the user should know (a kept best model, a changed schedule). */
    void note(String line) {
        if (quiet) {
            return;
        }
        if (bar) {
            out.print("\r" + " ".repeat(72) + "\r");
        }
        out.println(line);
    }

    void done(EpochStats stats) {
        note(stats.toString());
    }
}
