package dev.adjoint.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Escaping that no name from a user's file gets through, round axis steps and short numbers. */
class SvgTest {
    @Test
    void escapingLeavesNoMarkupAndNoCharacterXmlCannotHold() {
        assertEquals("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", Svg.escape("<script>alert('x')</script>"));
        assertEquals("a &amp; b &quot;c&quot;", Svg.escape("a & b \"c\""));
        assertEquals("&amp;lt;", Svg.escape("&lt;"), "an entity typed by the user stays text");
        assertEquals("bell\uFFFD nul\uFFFD tab\t", Svg.escape("bell\u0007 nul\u0000 tab\t"));
        assertEquals("Ünïcödé, 类别 ✓", Svg.escape("Ünïcödé, 类别 ✓"));
    }

    @Test
    void compactNumbersKeepThreeSignificantDigits() {
        assertEquals("950", Svg.compact(950));
        assertEquals("1.2k", Svg.compact(1200));
        assertEquals("54.3k", Svg.compact(54_321));
        assertEquals("1.09M", Svg.compact(1_088_328));
        assertEquals("0.25", Svg.compact(0.25));
        assertEquals("12.5", Svg.compact(12.5));
        assertEquals("1234", Svg.plain(1234), "whole numbers whole");
        assertEquals("0.2744", Svg.plain(0.27443));
    }

    @Test
    void ticksHaveTheDecimalsTheirStepNeeds() {
        assertEquals("0.994", Svg.tick(0.994, 0.002));
        assertEquals("0.50", Svg.tick(0.5, 0.25));
        assertEquals("3", Svg.tick(3, 1));
        assertEquals("7.5", Svg.tick(7.5, 2.5));
        assertEquals("12k", Svg.tick(12_000, 2000));
    }

    @Test
    void stepsAreOneTwoTwoAndAHalfOrFiveTimesAPowerOfTen() {
        assertEquals(0.2, Svg.niceStep(0.16), 1e-12);
        assertEquals(1, Svg.niceStep(0.7), 1e-12);
        assertEquals(2.5, Svg.niceStep(2.2), 1e-12);
        assertEquals(500, Svg.niceStep(300), 1e-9);
    }
}
