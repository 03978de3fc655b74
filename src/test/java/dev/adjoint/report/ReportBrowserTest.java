package dev.adjoint.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report renders in a real browser: headless Chromium loads the page of a run whose class names
 * try to inject a script, takes a screenshot, and logs the page's console to its stderr
 * ({@code --enable-logging=stderr}: one {@code :CONSOLE} line a message). The page must log nothing
 * (an error, or the Content-Security-Policy refusing a script or a fetch, would be a line), and the
 * screenshot must have the window's size and look drawn: enough non-white pixels, some in the train
 * curve's blue and the validation curve's orange. A blank page with an inline script, loaded the
 * same way, must fail both checks, so they can fail. Two page loads, a few seconds. Skipped, with
 * the reason, where no Chromium is installed (CI installs Debian's {@code chromium}).
 */
class ReportBrowserTest {
    private static final List<String> BROWSERS = List.of("chromium", "chromium-browser", "google-chrome",
            "google-chrome-stable");
    private static final int WIDTH = 1200;
    private static final int HEIGHT = 900;
    /**
     * The least share of non-white pixels of a drawn report: Chromium 156's screenshot of the page
     * below has 3.2% (thin lines and text on white), with ~1,400 pixels of each curve colour; a blank page 0.
     */
    static final double MIN_INK = 0.01;
    /** The least number of pixels in each curve's colour. */
    static final int MIN_CURVE_PIXELS = 200;
    private static Path browser;

    @TempDir
    Path tmp;

    @BeforeAll
    static void needsChromium() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : BROWSERS) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (browser == null && Files.isExecutable(p)) {
                    browser = p;
                }
            }
        }
        assumeTrue(browser != null, "no Chromium on the PATH (" + String.join(", ", BROWSERS) + "; Debian: apt-get install"
                + " chromium, which .ci/run does): the report is not rendered in a browser here");
    }

    /** What the browser showed and what the page logged. */
    record Rendered(BufferedImage image, List<String> console, String log) {}

    Rendered render(Path page) throws Exception {
        Path png = tmp.resolve(page.getFileName() + ".png");
        Path log = tmp.resolve(page.getFileName() + ".log");
        Process p = new ProcessBuilder(browser.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--hide-scrollbars", "--user-data-dir=" + tmp.resolve("profile"), "--window-size=" + WIDTH + "," + HEIGHT,
                "--enable-logging=stderr", "--v=0", "--screenshot=" + png, page.toUri().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail(browser + " did not finish in 120 s: " + Files.readString(log));
        }
        String text = Files.readString(log);
        assertEquals(0, p.exitValue(), browser + " failed:\n" + text);
        assertTrue(Files.isRegularFile(png), "no screenshot:\n" + text);
        List<String> console = text.lines().filter(l -> l.contains(":CONSOLE") || l.contains("Uncaught")).toList();
        return new Rendered(ImageIO.read(png.toFile()), console, text);
    }

    /** Why {@code image} does not look like a drawn report, or null when it does. */
    static String notDrawn(BufferedImage image) {
        long ink = 0;
        long blue = 0;
        long orange = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int r = rgb >> 16 & 0xff;
                int g = rgb >> 8 & 0xff;
                int b = rgb & 0xff;
                ink += r < 240 || g < 240 || b < 240 ? 1 : 0;
                blue += near(r, g, b, 0x0072B2) ? 1 : 0;
                orange += near(r, g, b, 0xE69F00) ? 1 : 0;
            }
        }
        double share = (double) ink / ((long) image.getWidth() * image.getHeight());
        if (share < MIN_INK || blue < MIN_CURVE_PIXELS || orange < MIN_CURVE_PIXELS) {
            return String.format(Locale.ROOT, "%.2f%% of the pixels are not white (at least %.0f%% expected), %d are the"
                    + " train blue and %d the validation orange (%d of each expected)", 100 * share, 100 * MIN_INK, blue,
                    orange, MIN_CURVE_PIXELS);
        }
        return null;
    }

    private static boolean near(int r, int g, int b, int rgb) {
        return Math.abs(r - (rgb >> 16 & 0xff)) + Math.abs(g - (rgb >> 8 & 0xff)) + Math.abs(b - (rgb & 0xff)) < 40;
    }

    @Test
    void theReportRendersWithNoConsoleMessage() throws Exception {
        Path page = RunReport.write(RunReportTest.run(RunReportTest.CLASSIFICATION), tmp);
        Rendered r = render(page);
        assertEquals(List.of(), r.console(), "the page logged to the console:\n" + r.log());
        assertEquals(WIDTH, r.image().getWidth());
        assertEquals(HEIGHT, r.image().getHeight());
        assertNull(notDrawn(r.image()), "the screenshot of " + page + " does not look drawn");
    }

    /** The checks above can fail: a blank page, whose inline script the policy refuses, fails both. */
    @Test
    void aBlankPageWithAScriptFailsBothChecks() throws Exception {
        Path page = Files.writeString(tmp.resolve("blank.html"), "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                + "<meta http-equiv=\"Content-Security-Policy\" content=\"" + ReportPage.POLICY + "\"><title>blank</title>"
                + "</head><body><script>console.error('ran')</script></body></html>");
        Rendered r = render(page);
        assertFalse(r.console().isEmpty(), "the refused script left no console line:\n" + r.log());
        assertTrue(r.console().getFirst().contains("Content Security Policy"), r.console().getFirst());
        assertNotNull(notDrawn(r.image()), "a blank page passed for a drawn one");
    }
}
