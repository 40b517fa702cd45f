package dev.backprop.train;

import dev.backprop.data.DataSets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTML report and the model summary. */
class ReportTest {
    @Test
    void summaryListsShapesAndParameters() {
        ModelSummary s = ModelSummary.of(TrainerTest.mlp(1), new int[] {1, 8, 8});
        assertEquals(4, s.rows().size());
        assertEquals(List.of(64), java.util.Arrays.stream(s.rows().get(0).outputShape()).boxed().toList());
        assertEquals(64 * 32 + 32, s.rows().get(1).parameters());
        assertEquals(64 * 32 + 32 + 32 * 10 + 10, s.parameters());
        assertTrue(s.toText().contains("total parameters: 2,410"), s.toText());
    }

    @Test
    void reportHoldsCurvesConfusionModelAndSettings(@TempDir Path dir) throws Exception {
        var m = TrainerTest.mlp(1);
        History h = Trainer.builder(m, TrainerTest.CE, new dev.backprop.optim.Adam(m.parameters())).train(TrainerTest.DIGITS.train())
                .validation(TrainerTest.DIGITS.test(), "test").epochs(2).build().fit();
        Evaluation ev = Evaluation.of(m, TrainerTest.CE, TrainerTest.DIGITS.test(), 100);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("optimizer", "adam <lr 0.001>");
        Path file = dir.resolve("r/report.html");
        HtmlReport.write(file, new HtmlReport.Content("digits & mlp", h, "test", ev, DataSets.DIGIT_CLASSES,
                ModelSummary.of(m, new int[] {1, 8, 8}), settings));
        String html = Files.readString(file);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertEquals(2, html.split("<svg").length - 1, "a loss chart and an accuracy chart");
        assertTrue(html.contains("<polyline"), "curves are drawn");
        assertTrue(html.contains("Confusion matrix"));
        assertTrue(html.contains("Linear(64 -&gt; 32)"), "model summary, escaped");
        assertTrue(html.contains("adam &lt;lr 0.001&gt;"), "settings are escaped");
        assertTrue(html.contains("digits &amp; mlp"));
        long total = 0;
        for (long[] row : ev.confusion()) for (long v : row) total += v;
        assertEquals(ev.examples(), total, "the confusion matrix counts every test example once");
        try (var files = Files.list(file.getParent())) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }
}
