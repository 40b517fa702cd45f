package dev.backprop.cli;

import dev.backprop.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code backprop train --augment}: runs, records what it did, and refuses the combinations that cannot work. */
class AugmentCommandTest {

    @Test
    @SuppressWarnings("unchecked")
    void augmentTrainsOnTheDigitsAndRecordsThePipeline(@TempDir Path dir) throws Exception {
        MainTest.Run r = MainTest.run("train", "--augment", "--epochs", "1", "--out", dir.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("augment rotate:10;"), r.err());
        Map<String, Object> j = r.json();
        assertEquals("rotate:10", j.get("augmentation"), "8×8 digits get a small rotation, no crop and no flip");
        assertTrue((Double) j.get("test_accuracy") > 0.3, "one epoch learns something: " + j.get("test_accuracy"));
        Map<String, Object> spec = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("model.json")));
        Map<String, Object> meta = (Map<String, Object>) spec.get("meta");
        Map<String, Object> aug = (Map<String, Object>) meta.get("augmentation");
        assertEquals("rotate:10", aug.get("list"));
        assertTrue(((String) aug.get("transform")).startsWith("randomRotation(degrees=10"), aug.toString());
        assertTrue(((String) aug.get("transform")).contains("fill=-"), "filled with the normalised 0: " + aug);
        assertEquals("global", ((Map<String, Object>) meta.get("normalization")).get("mode"), "global normalisation with --augment");
        // The model still evaluates from its files.
        assertEquals(0, MainTest.run("eval", dir.toString()).status());

        MainTest.Run all = MainTest.run("train", "--augment=crop:1, flip:0.3,rotate:15,translate,erase", "--epochs", "1",
                "--out", dir.resolve("all").toString(), "--json", "--normalize", "none");
        assertEquals(0, all.status(), all.err());
        assertEquals("crop:1,flip:0.3,rotate:15,translate:0.1,erase:0.5", all.json().get("augmentation"));
        assertTrue(MainTest.run("train", "--epochs", "1", "--out", dir.resolve("none").toString(), "--json").out()
                .contains("\"augmentation\":null"), "recorded as null without --augment");
    }

    @Test
    void theDefaultListSuitsTheData() {
        assertEquals("crop:1,flip", Augmentation.defaults("fashion-mnist", new int[] {1, 28, 28}));
        assertEquals("rotate:10", Augmentation.defaults("digits", new int[] {1, 8, 8}));
        assertEquals("crop:2", Augmentation.defaults("mnist", new int[] {1, 28, 28}));
        assertEquals("crop:2", Augmentation.defaults("/data/my-images", new int[] {3, 32, 32}));
        assertEquals("crop:1,flip:0.5", Augmentation.parse("true", "fashion-mnist", "fashion-mnist", new int[] {1, 28, 28}).list());
    }

    static void oneLineError(String expected, String... args) {
        MainTest.Run r = MainTest.run(args);
        assertEquals(2, r.status(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().contains(expected), r.err() + " should say " + expected);
    }

    @Test
    void badCombinationsGetOneLine(@TempDir Path dir) {
        String out = dir.toString();
        oneLineError("needs image examples [C, H, W], but xor has examples of shape [2]", "train", "--data", "xor", "--augment", "--out", out);
        oneLineError("use --normalize global", "train", "--augment", "--normalize", "per-feature", "--out", out);
        oneLineError("'spin' is not an augmentation; use a comma-separated list of: crop, flip, translate, rotate, erase",
                "train", "--augment=crop,spin", "--out", out);
        oneLineError("'x' is not a number", "train", "--augment=crop:x", "--out", out);
        oneLineError("whole number", "train", "--augment=crop:1.5", "--out", out);
        oneLineError("probability", "train", "--augment=flip:2", "--out", out);
        oneLineError("degrees", "train", "--augment=rotate:-4", "--out", out);
        oneLineError("unexpected argument 'crop'", "train", "--augment", "crop", "--out", out);
    }

    @Test
    void helpDescribesTheOption() {
        MainTest.Run r = MainTest.run("train", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("--augment[=LIST]"), r.out());
        assertTrue(r.out().contains("a mirrored digit is another shape"), r.out());
    }
}
