package dev.backprop.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code backprop train --monitor}: the gradient-flow lines, flags, --json and the report's section. */
class MonitorCommandTest {

    @Test
    @SuppressWarnings("unchecked")
    void theDeepSigmoidNetIsFlaggedInJsonTextAndReport(@TempDir Path dir) throws Exception {
        MainTest.Run r = MainTest.run("train", "--model", "deep-mlp:20x64", "--activation", "sigmoid", "--epochs", "1",
                "--monitor", "--json", "--out", dir.toString());
        assertEquals(0, r.status(), r.err());
        Map<String, Object> m = (Map<String, Object>) r.json().get("monitor");
        assertEquals(10.0, ((Number) m.get("every")).doubleValue());
        List<Object> epochs = (List<Object>) m.get("epochs");
        assertEquals(1, epochs.size());
        Map<String, Object> e = (Map<String, Object>) epochs.getFirst();
        List<Object> layers = (List<Object>) e.get("layers");
        assertEquals(20, layers.size());
        Map<String, Object> first = (Map<String, Object>) layers.getFirst();
        assertEquals("1", first.get("layer"));
        assertEquals("sigmoid", first.get("activation"));
        assertTrue((Double) e.get("first_last_ratio") < 1e-6, "first/last " + e.get("first_last_ratio"));
        Map<String, Object> flag = (Map<String, Object>) ((List<Object>) m.get("flags")).getFirst();
        assertEquals("vanishing", flag.get("kind"));
        assertTrue(((String) flag.get("suggestion")).contains("--init kaiming-normal"));
        // With --json the human-readable lines go to stderr, so stdout's last line stays the JSON.
        assertTrue(r.err().contains("monitor: epoch 1: grad norm first") && r.err().contains("suggestion: use ReLU"), r.err());
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<h2>Gradient flow</h2>") && html.contains("Gradient norm per layer (log scale)"));
        assertTrue(html.contains("<b>vanishing</b>: the first layer") && !html.contains("vanishing</b>: vanishing"),
                "the kind is said once");
    }

    @Test
    @SuppressWarnings("unchecked")
    void manySaturatedLayersAreOneFlagListingThem(@TempDir Path dir) {
        MainTest.Run r = MainTest.run("train", "--model", "deep-mlp:20x64,residual", "--activation", "sigmoid", "--epochs", "2",
                "--monitor", "--json", "--out", dir.toString());
        assertEquals(0, r.status(), r.err());
        List<Map<String, Object>> saturated = ((List<Map<String, Object>>) ((Map<String, Object>) r.json().get("monitor")).get("flags"))
                .stream().filter(f -> f.get("kind").equals("saturated")).toList();
        assertEquals(1, saturated.size(), saturated.toString());
        assertTrue(saturated.getFirst().get("layer").toString().contains(", "), "the deep blocks, listed: " + saturated);
        assertTrue(saturated.getFirst().get("message").toString().matches("\\d+%(, \\d+%)* and \\d+% of the sigmoid outputs after "
                + "layers .* and .* are saturated.*"), saturated.toString());
        assertEquals(1, r.err().lines().filter(l -> l.contains("suggestion: normalise the inputs")).count(), r.err());
    }

    @Test
    void anIntervalNeedsAnEqualsSignAndALargeOneIsNoted(@TempDir Path dir) {
        MainTest.userError("unexpected argument '5'; to sample every 5 steps write --monitor=5", "train", "--monitor", "5");
        MainTest.Run r = MainTest.run("train", "--monitor=1000", "--epochs", "1", "--out", dir.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("note: --monitor=1000 is more than the 45 steps of an epoch: update ratios and activations "
                + "are measured on each epoch's first step only"), r.out());
    }

    @Test
    void aHealthyNetPrintsItsTableAndNoFlags(@TempDir Path dir) {
        MainTest.Run r = MainTest.run("train", "--model", "deep-mlp:6x32,residual", "--epochs", "1", "--monitor=5",
                "--out", dir.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("gradient flow, epoch 1:") && r.out().contains("3.0      Linear"), r.out());
        assertTrue(r.out().contains("monitor: no vanishing or exploding gradients"), r.out());
        assertTrue(MainTest.run("train", "--help").out().contains("--monitor"));
    }

    @Test
    void aBadSamplingIntervalIsOneLine() {
        MainTest.Run r = MainTest.run("train", "--monitor=0", "--epochs", "1");
        assertNotEquals(0, r.status());
        assertTrue(r.err().contains("--monitor=N") && r.err().strip().lines().count() == 1, r.err());
    }
}
