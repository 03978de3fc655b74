package dev.adjoint.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parsesEveryKindOfValue() {
        Object v = Json.parse(" {\"a\": 1, \"b\": -2.5e3, \"c\": [true, false, null], \"d\": \"x\\\"\\u00e9\\n\","
                + " \"e\": {}, \"f\": [], \"g\": 12345678901234567890} ");
        Map<?, ?> m = assertInstanceOf(LinkedHashMap.class, v);
        assertEquals(List.of("a", "b", "c", "d", "e", "f", "g"), List.copyOf(m.keySet()));
        assertEquals(1L, m.get("a"));
        assertEquals(-2500.0, m.get("b"));
        assertEquals(java.util.Arrays.asList(true, false, null), m.get("c"));
        assertEquals("x\"é\n", m.get("d"));
        assertEquals(Map.of(), m.get("e"));
        assertEquals(List.of(), m.get("f"));
        assertEquals(1.2345678901234567e19, m.get("g"));
        assertNull(Json.parse("null"));
    }

    @Test
    void errorsNameTheOffset() {
        String[][] cases = {
            {"{\"a\": 1,}", "8"}, {"[1 2]", "3"}, {"{\"a\" 1}", "5"}, {"\"abc", "0"}, {"01", "1"},
            {"{\"a\":1} x", "8"}, {"{\"a\":1, \"a\":2}", "8"}, {"[tru]", "1"}, {"", "0"}, {"[1.]", "3"},
        };
        for (String[] c : cases) {
            Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse(c[0]), c[0]);
            assertEquals(Integer.parseInt(c[1]), e.offset(), c[0] + " -> " + e.getMessage());
            assertTrue(e.getMessage().contains("at offset " + c[1]), e.getMessage());
        }
        assertThrows(Json.ParseException.class, () -> Json.parseObject("[1]"));
        assertThrows(Json.ParseException.class, () -> Json.parse("[".repeat(10_000)));
    }

    @Test
    void writesStableOrderAndRoundTrips() {
        Map<String, Object> inner = new HashMap<>();
        inner.put("zeta", 1);
        inner.put("alpha", List.of(1, 2.5, "s"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "mlp \"small\"\t");
        m.put("layers", new int[] {784, 256, 10});
        m.put("lr", 0.001);
        m.put("inner", inner);
        m.put("none", null);
        m.put("on", true);
        String pretty = Json.write(m);
        assertTrue(pretty.indexOf("\"alpha\"") < pretty.indexOf("\"zeta\""), pretty);
        assertTrue(pretty.contains("\"layers\": [784, 256, 10]"), pretty);
        Map<String, Object> back = Json.parseObject(pretty);
        assertEquals(List.of("name", "layers", "lr", "inner", "none", "on"), List.copyOf(back.keySet()));
        assertEquals("mlp \"small\"\t", back.get("name"));
        assertEquals(List.of(784L, 256L, 10L), back.get("layers"));
        assertEquals(0.001, back.get("lr"));
        assertEquals(Map.of("alpha", List.of(1L, 2.5, "s"), "zeta", 1L), back.get("inner"));
        assertEquals(pretty, Json.write(back));
        assertEquals("{\"a\":[1,2],\"b\":{}}", Json.writeCompact(Map.of("b", Map.of(), "a", List.of(1, 2))));
        assertThrows(IllegalArgumentException.class, () -> Json.write(List.of(Double.NaN)));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
    }
}
