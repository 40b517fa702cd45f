package dev.backprop.cli;

import dev.backprop.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code backprop train} with the CNN presets and a convolutional model file, end to end on the digits. */
class CnnCommandTest {

    @Test
    @SuppressWarnings("unchecked")
    void cnnBnLearnsTheDigitsAndItsFilesEvaluate(@TempDir Path dir) throws Exception {
        MainTest.Run r = MainTest.run("train", "--model", "cnn-bn", "--epochs", "6", "--out", dir.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> j = r.json();
        assertTrue((Double) j.get("test_accuracy") >= 0.97, "cnn-bn on the digits: " + j.get("test_accuracy"));
        assertEquals("cosine", j.get("schedule"), "a CNN anneals its learning rate by default");
        assertEquals(0.001, (Double) j.get("lr"), 1e-12, "the starting rate, not the annealed one");
        assertEquals(0.0, ((Number) j.get("parameters")).doubleValue() - (288 + 64 + 18432 + 128 + 256 * 128 + 128 + 1290));
        Map<String, Object> spec = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("model.json")));
        List<Object> layers = (List<Object>) spec.get("layers");
        assertEquals("conv2d", ((Map<String, Object>) layers.getFirst()).get("type"));
        assertEquals("global", ((Map<String, Object>) ((Map<String, Object>) spec.get("meta")).get("normalization")).get("mode"),
                "a CNN normalises with one mean and std");
        // Saved with its batch-norm running statistics: evaluating the files gives the training run's test accuracy.
        MainTest.Run e = MainTest.run("eval", dir.toString(), "--json");
        assertEquals(0, e.status(), e.err());
        assertEquals((Double) j.get("test_accuracy"), (Double) e.json().get("accuracy"), 1e-9);
        assertTrue(Files.readString(dir.resolve("report.html")).contains("BatchNorm2d"), "the report's summary lists the layers");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aConvolutionalModelFileTrains(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("tiny-cnn.json");
        Files.writeString(spec, """
                {"format": "backprop-model", "version": 1, "input_shape": [1, 8, 8],
                 "layers": [{"type": "conv2d", "in_channels": 1, "out_channels": 8, "kernel_size": 3, "padding": 1},
                            {"type": "relu"}, {"type": "avg_pool2d", "kernel_size": 2},
                            {"type": "dropout2d", "p": 0.1},
                            {"type": "conv2d", "in_channels": 8, "out_channels": 16, "kernel_size": [3, 3]},
                            {"type": "batch_norm2d", "num_features": 16}, {"type": "relu"},
                            {"type": "adaptive_avg_pool2d", "output_size": 1}, {"type": "flatten"},
                            {"type": "linear", "in": 16, "out": 10}]}""");
        MainTest.Run r = MainTest.run("train", "--model", spec.toString(), "--epochs", "15", "--out", dir.resolve("out").toString(),
                "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue((Double) r.json().get("test_accuracy") >= 0.8, "a small global-pooling CNN: " + r.json().get("test_accuracy"));
        assertEquals("cosine", r.json().get("schedule"));
    }

    @Test
    void lenetOnEightPixelDigitsAndBadLayersGetOneLine(@TempDir Path dir) throws Exception {
        AugmentCommandTest.oneLineError("preset \"lenet\": needs images [channels, height, width] of at least 12×12",
                "train", "--model", "lenet", "--out", dir.toString());
        AugmentCommandTest.oneLineError("unknown preset \"resnet\"", "train", "--model", "resnet", "--out", dir.toString());
        AugmentCommandTest.oneLineError("preset \"cnn-bn\": needs images", "train", "--model", "cnn-bn", "--data", "xor",
                "--out", dir.toString());
        Path spec = dir.resolve("bad.json");
        Files.writeString(spec, """
                {"format": "backprop-model", "version": 1, "input_shape": [1, 8, 8],
                 "layers": [{"type": "conv2d", "in_channels": 3, "out_channels": 8, "kernel_size": 3}]}""");
        AugmentCommandTest.oneLineError("expects images of shape [3, height, width], but receives [1, 8, 8]",
                "train", "--model", spec.toString(), "--out", dir.toString());
        AugmentCommandTest.oneLineError("--dropout shapes a preset, but " + spec + " names its own layers; edit the dropout p in the file instead",
                "train", "--model", spec.toString(), "--dropout", "0.5", "--out", dir.toString());
        AugmentCommandTest.oneLineError("is a directory; to train its architecture again, give",
                "train", "--model", dir.toString(), "--out", dir.resolve("o").toString());
        Path empty = dir.resolve("empty.json");
        Files.writeString(empty, "{\"format\": \"backprop-model\", \"version\": 1, \"layers\": []}");
        AugmentCommandTest.oneLineError("has no layers", "train", "--model", empty.toString(), "--out", dir.resolve("o").toString());
        AugmentCommandTest.oneLineError("--weight-decay must be a number ≥ 0", "train", "--weight-decay", "-1",
                "--out", dir.resolve("o").toString());
        AugmentCommandTest.oneLineError("--momentum must be in [0, 1)", "train", "--optimizer", "momentum", "--momentum", "2",
                "--out", dir.resolve("o").toString());
        AugmentCommandTest.oneLineError("--label applies to a .csv file", "train", "--label", "foo", "--out", dir.resolve("o").toString());
        AugmentCommandTest.oneLineError("--task applies to a .csv file", "train", "--task", "regression",
                "--out", dir.resolve("o").toString());
    }

    @Test
    void helpNamesThePresetsAndTheAutoSchedule() {
        MainTest.Run r = MainTest.run("train", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("lenet") && r.out().contains("cnn-bn"), r.out());
        assertTrue(r.out().contains("cosine for a CNN"), r.out());
    }
}
