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

    @Test
    void evaluationKeepsTheFirstMistakesAndTheReportShowsThemAsImages() throws Exception {
        var m = TrainerTest.mlp(1);
        Trainer.builder(m, TrainerTest.CE, new dev.backprop.optim.Adam(m.parameters())).train(TrainerTest.DIGITS.train())
                .epochs(1).build().fit();
        Evaluation all = Evaluation.of(m, TrainerTest.CE, TrainerTest.DIGITS.test(), 100, Integer.MAX_VALUE);
        long wrong = Math.round((1 - all.accuracy()) * all.examples());
        assertTrue(wrong > 3, "one epoch leaves some mistakes to show, got " + wrong);
        assertEquals(wrong, all.mistakes().size(), "every mistake is kept when asked for all");
        Evaluation some = Evaluation.of(m, TrainerTest.CE, TrainerTest.DIGITS.test(), 64, 3);
        assertEquals(all.mistakes().subList(0, 3), some.mistakes(), "the first three in data-set order, whatever the batch size");
        assertEquals(0, Evaluation.of(m, TrainerTest.CE, TrainerTest.DIGITS.test(), 100).mistakes().size());
        for (Evaluation.Mistake k : all.mistakes()) {
            assertEquals(k.label(), TrainerTest.DIGITS.test().label(k.index()));
            assertTrue(k.label() != k.predicted());
            assertTrue(k.probability() > 0 && k.probability() <= 1);
        }
        float[] px = new float[64];
        for (int i = 0; i < 64; i++) px[i] = i / 63f;
        var pic = new HtmlReport.Picture(px, 1, 8, 8, "8 → 1 (0.77)");
        byte[] png = Png.encode(pic);
        assertEquals((byte) 0x89, png[0]);
        assertEquals("PNG", new String(png, 1, 3, java.nio.charset.StandardCharsets.US_ASCII));
        // The image data inflates back to the pixels, one filter byte per row.
        int at = 8;
        byte[] idat = null;
        while (at < png.length) {
            int len = java.nio.ByteBuffer.wrap(png, at, 4).getInt();
            String type = new String(png, at + 4, 4, java.nio.charset.StandardCharsets.US_ASCII);
            if (type.equals("IDAT")) idat = java.util.Arrays.copyOfRange(png, at + 8, at + 8 + len);
            at += 12 + len;
        }
        var inf = new java.util.zip.Inflater();
        inf.setInput(idat);
        byte[] raw = new byte[8 * 9];
        assertEquals(raw.length, inf.inflate(raw));
        for (int y = 0; y < 8; y++) {
            assertEquals(0, raw[y * 9]);
            for (int x = 0; x < 8; x++) assertEquals(Math.round(px[y * 8 + x] * 255), raw[y * 9 + 1 + x] & 0xff);
        }
        String html = HtmlReport.render(new HtmlReport.Content("t", new History(), "test", all, DataSets.DIGIT_CLASSES, null,
                Map.of(), List.of(pic, pic)));
        assertEquals(2, html.split("data:image/png;base64,").length - 1);
        assertTrue(html.contains("Misclassified test examples"));
        assertTrue(html.contains("8 → 1 (0.77)"));
    }
}
