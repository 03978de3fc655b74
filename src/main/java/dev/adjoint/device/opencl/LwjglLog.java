package dev.adjoint.device.opencl;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.lwjgl.system.Configuration;

/**
 * LWJGL's messages as {@link System.Logger} records at DEBUG level, one per line, instead of on
 * stderr. LWJGL prints through one stream, {@code APIUtil.DEBUG_STREAM}, fixed when that class is
 * first initialised: its library-probe failure ({@code [LWJGL] Failed to load a library. Possible
 * solutions: …}, four lines when {@code libOpenCL.so.1} is missing) and, in its debug modes, every
 * diagnostic. The backend reports why OpenCL is unavailable itself ({@code adjoint devices},
 * {@code auto}'s explanation), so on stderr those lines only repeat it in LWJGL's words.
 *
 * <p>Whoever asks LWJGL to talk ({@code -Dorg.lwjgl.util.Debug}, {@code DebugLoader} or
 * {@code DebugStream}) keeps its stream: then nothing is redirected.
 */
final class LwjglLog {
    /** The logger the lines go to; its DEBUG level (java.util.logging's FINE) shows them. */
    static final System.Logger LOG = System.getLogger(LwjglLog.class.getName());
    private static final List<String> ASKED = List.of("org.lwjgl.util.Debug", "org.lwjgl.util.DebugLoader",
            "org.lwjgl.util.DebugStream");

    private LwjglLog() {}

    /** Points LWJGL's debug stream at {@link #LOG}; call before any other LWJGL class is touched. */
    static void install() {
        if (ASKED.stream().noneMatch(p -> System.getProperty(p) != null)) {
            Configuration.DEBUG_STREAM.set(stream(LOG));
        }
    }

    /** A stream whose every non-blank line, stripped of its indent and line end, becomes one DEBUG record of {@code log}. */
    static PrintStream stream(System.Logger log) {
        return new PrintStream(new Lines(log), true, StandardCharsets.UTF_8);
    }

    private static final class Lines extends OutputStream {
        private final System.Logger log;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        Lines(System.Logger log) {
            this.log = log;
        }

        @Override
        public synchronized void write(int b) {
            if (b != '\n') {
                line.write(b);
                return;
            }
            String text = line.toString(StandardCharsets.UTF_8).strip();
            line.reset();
            if (!text.isEmpty()) {
                log.log(System.Logger.Level.DEBUG, text);
            }
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                write(bytes[i]);
            }
        }
    }
}
