package dev.backprop.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code backprop bench --only passes}: the forward and backward times of each model and their ratio (never their values). */
class PassTimingTest {
    @Test
    @SuppressWarnings("unchecked")
    void quickPassesTimeForwardAndBackwardOfEachModel() {
        BenchCommandTest.Run r = BenchCommandTest.run("bench", "--only", "passes", "--quick", "--json", "--threads", "2");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> j = r.json();
        assertFalse(j.containsKey("gemm"));
        assertFalse(j.containsKey("train"));
        Map<String, Object> passes = (Map<String, Object>) j.get("passes");
        List<Object> models = (List<Object>) passes.get("models");
        assertEquals(PassTiming.CASES.size(), models.size());
        for (Object o : models) {
            Map<String, Object> m = (Map<String, Object>) o;
            double fwd = ((Number) m.get("forward_ms")).doubleValue(), bwd = ((Number) m.get("backward_ms")).doubleValue();
            assertTrue(fwd > 0 && bwd > 0, "times are measured: " + m);
            assertEquals(bwd / fwd, ((Number) m.get("ratio")).doubleValue(), 1e-9, "ratio is backward ÷ forward: " + m);
            assertTrue(((Number) m.get("parameters")).longValue() > 0, m.toString());
            assertTrue(r.out().contains(m.get("model").toString()), "the table names " + m.get("model") + ": " + r.out());
        }
        assertTrue(r.out().contains("backward/forward"), r.out());
    }

    @Test
    void passesIsASectionOfOnly() {
        BenchCommandTest.Run r = BenchCommandTest.run("bench", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("passes"), r.out());
    }
}
