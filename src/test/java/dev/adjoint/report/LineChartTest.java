package dev.adjoint.report;

import static dev.adjoint.report.SvgDocument.elements;
import static dev.adjoint.report.SvgDocument.parse;
import static dev.adjoint.report.SvgDocument.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The line chart parses as XML and puts each point where the axes say: the coordinates below are
 * worked by hand from the plot's corners (x from 64 to 544, y from 292 at the axis' bottom to 64 at
 * its top), not from the chart's own code.
 */
class LineChartTest {
    private static final double[] EPOCHS = {1, 2, 3, 4, 5};
    private static final double NaN = Double.NaN;

    /** Each polyline of series {@code name}: its points as {x, y} pairs. */
    static List<List<double[]>> lines(Document d, String name) {
        List<List<double[]>> out = new ArrayList<>();
        for (Element e : elements(d, "polyline", "series")) {
            if (e.getAttribute("data-series").equals(name)) {
                List<double[]> points = new ArrayList<>();
                for (String p : e.getAttribute("points").trim().split("\\s+")) {
                    String[] xy = p.split(",");
                    points.add(new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])});
                }
                out.add(points);
            }
        }
        return out;
    }

    static void assertPoints(double[][] expected, List<double[]> actual) {
        assertEquals(expected.length, actual.size(), "points");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i][0], actual.get(i)[0], 0.006, "x of point " + i);
            assertEquals(expected[i][1], actual.get(i)[1], 0.006, "y of point " + i);
        }
    }

    private static String chart(String trainName) {
        return LineChart.svg("loss", "epoch", "loss", List.of(
                new LineChart.Series(trainName, EPOCHS, new double[] {1.0, 0.6, 0.4, 0.3, 0.2}, 0),
                new LineChart.Series("validation", EPOCHS, new double[] {0.9, NaN, 0.5, 0.45, 0.5}, 1)),
                new LineChart.Mark(4, "best epoch 4"));
    }

    /**
     * y spans 0.2 to 1.0, whose step of about a fifth rounds to 0.2: the y axis runs from 0.2 (row
     * 292) to 1.0 (row 64), 285 px a unit. x spans epochs 1 to 5 exactly: 120 px an epoch from column 64.
     */
    @Test
    void pointsLieWhereTheAxesSay() throws Exception {
        Document d = parse(chart("train"));
        List<List<double[]>> train = lines(d, "train");
        assertEquals(1, train.size());
        assertPoints(new double[][] {{64, 64}, {184, 178}, {304, 235}, {424, 263.5}, {544, 292}}, train.getFirst());
        List<List<double[]>> val = lines(d, "validation");
        assertEquals(2, val.size(), "the missing second epoch breaks the line in two");
        assertPoints(new double[][] {{64, 92.5}}, val.get(0));
        assertPoints(new double[][] {{304, 206.5}, {424, 220.75}, {544, 206.5}}, val.get(1));
        assertEquals(List.of("0.2", "0.4", "0.6", "0.8", "1.0", "1", "2", "3", "4", "5"), texts(d, "tick"));
        Element mark = elements(d, "line", "mark").getFirst();
        assertEquals(424, Double.parseDouble(mark.getAttribute("x1")), 0.006, "the best epoch's column");
        assertEquals(List.of("best epoch 4"), texts(d, "mark-label"));
        assertEquals(9, elements(d, "circle", "point").size(), "a dot at each of the 9 points");
        assertEquals("train, 2: 0.6000", elements(d, "circle", "point").get(1).getTextContent());
    }

    @Test
    void theLegendAndAxesAreLabelledAndTheSeriesStyledByRole() throws Exception {
        Document d = parse(chart("train"));
        assertEquals(List.of("train", "validation"), texts(d, "legend-entry"));
        assertEquals(List.of("epoch", "loss"), texts(d, "axis-title"));
        assertEquals(List.of("loss"), texts(d, "title"));
        List<Element> lines = elements(d, "polyline", "series");
        assertEquals(Svg.color(0), lines.get(0).getAttribute("stroke"));
        assertFalse(lines.get(0).hasAttribute("stroke-dasharray"), "train: solid");
        assertEquals(Svg.color(1), lines.get(1).getAttribute("stroke"));
        assertTrue(lines.get(1).hasAttribute("stroke-dasharray"), "validation: dashed");
    }

    @Test
    void hostileNamesStayText() throws Exception {
        String name = "<script>alert('x')</script> & \"co\"\u0001";
        String svg = chart(name);
        assertFalse(svg.contains("<script"), svg);
        Document d = parse(svg);     // well-formed despite the name
        assertEquals(List.of("<script>alert('x')</script> & \"co\"\uFFFD", "validation"), texts(d, "legend-entry"));
        assertEquals(1, lines(d, "<script>alert('x')</script> & \"co\"\uFFFD").size());
    }

    /** Values close together (top-5 accuracy near 1) get ticks with enough decimals to tell them apart. */
    @Test
    void closeTicksReadDifferently() throws Exception {
        Document d = parse(LineChart.svg("top5 accuracy", "epoch", "top5_accuracy",
                List.of(new LineChart.Series("validation", EPOCHS, new double[] {0.9935, 0.9962, 0.9991, 0.9998, 0.9999}, 1)),
                null));
        assertEquals(List.of("0.992", "0.994", "0.996", "0.998", "1.000", "1", "2", "3", "4", "5"), texts(d, "tick"));
    }

    @Test
    void oneEpochIsADotAndNoEpochIsSaid() throws Exception {
        Document one = parse(LineChart.svg("accuracy", "epoch", "accuracy",
                List.of(new LineChart.Series("train", new double[] {1}, new double[] {0.5}, 0)), null));
        assertEquals(1, elements(one, "circle", "point").size());
        Element dot = elements(one, "circle", "point").getFirst();
        assertEquals((64 + 544) / 2.0, Double.parseDouble(dot.getAttribute("cx")), 0.006, "a lone x sits mid-axis");
        assertEquals((64 + 292) / 2.0, Double.parseDouble(dot.getAttribute("cy")), 0.006, "a lone y sits mid-axis");
        Document none = parse(LineChart.svg("accuracy", "epoch", "accuracy",
                List.of(new LineChart.Series("train", new double[] {1}, new double[] {NaN}, 0)), null));
        assertEquals(List.of("no values yet"), texts(none, "empty"));
        assertThrows(IllegalArgumentException.class, () -> new LineChart.Series("s", new double[2], new double[3], 0));
    }
}
