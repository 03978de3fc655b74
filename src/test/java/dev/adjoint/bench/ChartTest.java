package dev.adjoint.bench;

import static dev.adjoint.report.SvgDocument.parse;
import static dev.adjoint.report.SvgDocument.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The SVG parses as XML, names its series and axes, and draws taller bars for larger values. */
class ChartTest {
    private static final List<String> SERIES = List.of("cpu (2 threads)", "opencl:0 (PoCL <CPU> & co)", "numpy (peer)");

    /** {value, height} of each bar in the panel with index {@code panel}. */
    static List<double[]> bars(Document d, int panel) {
        Element g = (Element) d.getElementsByTagName("g").item(panel + 1);   // item 0 is the legend
        NodeList rects = g.getElementsByTagName("rect");
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < rects.getLength(); i++) {
            Element r = (Element) rects.item(i);
            if (r.getAttribute("class").equals("bar")) {
                out.add(new double[] {Double.parseDouble(r.getAttribute("data-value")),
                    Double.parseDouble(r.getAttribute("height"))});
            }
        }
        return out;
    }

    private static String chart(double[][] linear, double[][] log) {
        return Chart.svg("Adjoint bench: throughput", "AMD EPYC, 2 cores; 2026-01-01", SERIES, List.of(
                new Chart.Panel("SGEMM", "shape M×K×N", "GFLOP/s", List.of("256x256x256", "1024x1024x1024"), linear),
                new Chart.Panel("Training", "model and batch", "samples/s", List.of("train\n784-256-128-10 b128",
                        "train\n784-4096-4096-10 b1024"), log)));
    }

    @Test
    void theSvgIsWellFormedAndLabelled() throws Exception {
        Document d = parse(chart(new double[][] {{80, 120}, {20, 28}, {90, 150}},
                new double[][] {{54_000, 800}, {9_000, Double.NaN}, {60_000, 900}}));
        assertEquals("svg", d.getDocumentElement().getLocalName());
        assertEquals(SERIES, texts(d, "legend-entry"), "one legend entry per series, escaped text intact");
        assertEquals(List.of("GFLOP/s", "shape M×K×N", "samples/s (log scale)", "model and batch"), texts(d, "axis-title"));
        assertEquals(List.of("Adjoint bench: throughput"), texts(d, "title"));
        assertTrue(texts(d, "group").containsAll(List.of("train", "784-256-128-10 b128", "1024x1024x1024")));
        assertEquals(List.of("n/a"), texts(d, "missing"), "a missing value draws no bar");
        assertEquals(6 + 5, bars(d, 0).size() + bars(d, 1).size());
    }

    @Test
    void barHeightsRiseWithTheValuesOnBothScales() throws Exception {
        Document d = parse(chart(new double[][] {{80, 120}, {20, 28}, {90, 150}},
                new double[][] {{54_000, 800}, {9_000, 30}, {60_000, 900}}));
        for (int panel = 0; panel < 2; panel++) {
            List<double[]> b = bars(d, panel);
            b.sort(Comparator.comparingDouble(x -> x[0]));
            for (int i = 1; i < b.size(); i++) {
                assertTrue(b.get(i)[1] > b.get(i - 1)[1], "panel " + panel + ": value " + b.get(i)[0] + " is drawn taller"
                        + " than " + b.get(i - 1)[0]);
            }
        }
        // Linear from 0: heights are proportional to the values.
        List<double[]> linear = bars(d, 0);
        double perUnit = linear.get(0)[1] / linear.get(0)[0];
        for (double[] bar : linear) {
            assertEquals(perUnit * bar[0], bar[1], 0.02);
        }
    }

    @Test
    void theYAxisTurnsLogarithmicWhenTheValuesSpanDecades() {
        assertFalse(Chart.Scale.of(new double[][] {{10, 200}}).log(), "20×: linear");
        Chart.Scale log = Chart.Scale.of(new double[][] {{10, 300}});
        assertTrue(log.log(), "30×: log");
        assertEquals(1, log.lo());
        assertEquals(1000, log.hi());
        assertEquals(List.of(1.0, 10.0, 100.0, 1000.0), log.ticks());
        assertEquals(0.5, log.fraction(Math.sqrt(1000)), 1e-12);
        Chart.Scale linear = Chart.Scale.of(new double[][] {{0.5, 3}});
        assertEquals(0, linear.lo());
        assertTrue(linear.hi() >= 3 && linear.hi() <= 4, "a round top just above the largest value: " + linear.hi());
        assertEquals(Chart.Scale.of(new double[][] {{Double.NaN}}), new Chart.Scale(false, 0, 1), "nothing to draw");
    }

    @Test
    void panelsMustMatchTheLegend() {
        assertThrows(IllegalArgumentException.class, () -> Chart.svg("t", "s", SERIES,
                List.of(new Chart.Panel("p", "x", "y", List.of("a"), new double[][] {{1}}))));
        assertThrows(IllegalArgumentException.class, () -> Chart.svg("t", "s", List.of("one"),
                List.of(new Chart.Panel("p", "x", "y", List.of("a", "b"), new double[][] {{1}}))));
    }
}
