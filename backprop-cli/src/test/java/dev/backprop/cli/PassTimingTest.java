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
            List<Object> ratios = (List<Object>) m.get("all_ratios");
            List<Object> fwds = (List<Object>) m.get("all_forward_ms"), bwds = (List<Object>) m.get("all_backward_ms");
            assertEquals(fwds.size(), ratios.size());
            for (int i = 0; i < ratios.size(); i++) {
                assertEquals(((Number) bwds.get(i)).doubleValue() / ((Number) fwds.get(i)).doubleValue(),
                        ((Number) ratios.get(i)).doubleValue(), 1e-9, "each step's ratio is backward ÷ forward: " + m);
            }
            double ratio = ((Number) m.get("ratio")).doubleValue();
            assertTrue(ratios.stream().anyMatch(x -> ((Number) x).doubleValue() <= ratio)
                    && ratios.stream().anyMatch(x -> ((Number) x).doubleValue() >= ratio), "the ratio is their median: " + m);
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
