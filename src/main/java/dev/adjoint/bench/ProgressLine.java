package dev.adjoint.bench;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The benchmark's progress on stderr: {@code [case i/N] name, elapsed m:ss}. On a terminal it is
 * one line rewritten in place (and its clock ticks each second); otherwise each case gets a plain
 * line. Result lines go through {@link #println}, which clears the progress line first so the two
 * never mix.
 */
final class ProgressLine implements AutoCloseable {
    private final PrintStream err;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private final Thread ticker;
    private String current;
    private int width;

    ProgressLine(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
        if (terminal) {
            ticker = new Thread(this::tick, "adjoint-bench-progress");
            ticker.setDaemon(true);
            ticker.start();
        } else {
            ticker = null;
        }
    }

    /** Whether the JVM's console is an interactive terminal (then the line is rewritten in place). */
    static boolean onTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal() && !"dumb".equals(System.getenv("TERM"));
    }

    /** Announces case {@code index} (1-based) of {@code total}. */
    synchronized void start(int index, int total, String name) {
        current = String.format(Locale.ROOT, "[%d/%d] %s", index, total, name);
        if (terminal) {
            draw();
        } else {
            err.println(current + " (" + elapsed() + " elapsed)");
        }
    }

    /** Prints a result line to {@code out}, keeping the progress line below it. */
    synchronized void println(PrintStream out, String line) {
        clear();
        out.println(line);
        out.flush();
        if (terminal && current != null) {
            draw();
        }
    }

    /** Seconds since this line was created. */
    double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    private String elapsed() {
        long s = (long) seconds();
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private void draw() {
        String text = current + "  " + elapsed();
        err.print("\r" + text + " ".repeat(Math.max(0, width - text.length())));
        err.flush();
        width = text.length();
    }

    private void clear() {
        if (terminal && width > 0) {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
            width = 0;
        }
    }

    private void tick() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (current != null) {
                    draw();
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.interrupt();
        }
        clear();
        current = null;
    }
}
