package dev.backprop.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code backprop gradcheck}: every preset and layer passes, the JSON, the exit statuses and the one-line errors. */
class GradcheckCommandTest {
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> checks(Map<String, Object> j) {
        return (List<Map<String, Object>>) j.get("checks");
    }

    /**
     * The deep presets, whose first layers' gradients vanish to 1e-8 (ReLU with the default init) or 1e-17
     * (sigmoid): they pass because an error is judged against the central difference's rounding noise, not against
     * a gradient smaller than that noise (they failed with relative errors of 4e-3 before). With batch norm on a
     * batch of 4, ReLU kinks lie within 1e-6 of many weights, and the re-check with ε/1000 is what tells them apart.
     */
    @Test
    void deepPresetsPass() {
        for (List<String> args : List.of(List.of("--model", "deep-mlp:20x64"),
                List.of("--model", "deep-mlp:20x64", "--activation", "sigmoid"),
                List.of("--model", "deep-mlp:20x64,batch-norm"), List.of("--model", "deep-mlp:20x64,residual"))) {
            List<String> all = new java.util.ArrayList<>(List.of("gradcheck", "--json"));
            all.addAll(args);
            MainTest.Run r = MainTest.run(all.toArray(String[]::new));
            assertEquals(0, r.status(), args + ": " + r.err());
            assertEquals(Boolean.TRUE, r.json().get("passed"), args.toString());
        }
    }

    @Test
    void everyPresetPasses() {
        Map<String, List<String>> params = Map.of(
                "mlp", List.of("1.weight", "1.bias", "3.weight", "3.bias", "input"),
                "mlp:256,128", List.of("1.weight", "1.bias", "3.weight", "3.bias", "5.weight", "5.bias", "input"),
                "linear", List.of("1.weight", "1.bias", "input"),
                "lenet", List.of("0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias",
                        "11.weight", "11.bias", "input"),
                "cnn-bn", List.of("0.weight", "1.weight", "1.bias", "4.weight", "5.weight", "5.bias", "9.weight", "9.bias",
                        "12.weight", "12.bias", "input"));
        for (var preset : params.entrySet()) {
            MainTest.Run r = MainTest.run("gradcheck", "--model", preset.getKey(), "--json");
            assertEquals(0, r.status(), preset.getKey() + ": " + r.err());
            Map<String, Object> j = r.json();
            assertEquals(Boolean.TRUE, j.get("passed"), preset.getKey());
            assertTrue((Double) j.get("max_error") < 1e-6, preset.getKey() + " " + j.get("max_error"));
            List<Map<String, Object>> checks = checks(j);
            boolean twoModes = preset.getKey().equals("cnn-bn");
            for (String mode : twoModes ? List.of("train", "eval") : List.of("train")) {
                List<Object> names = checks.stream().filter(c -> c.get("mode").equals(mode)).map(c -> c.get("parameter")).toList();
                assertEquals(preset.getValue(), names, preset.getKey() + " " + mode);
            }
            assertEquals(preset.getValue().size() * (twoModes ? 2 : 1), checks.size());
            assertTrue(checks.stream().allMatch(c -> c.get("passed").equals(Boolean.TRUE)));
            assertTrue(r.err().contains("gradcheck: passed"), r.err());
        }
    }

    @Test
    void theTableHasOneLinePerParameterAndASummary() {
        MainTest.Run r = MainTest.run("gradcheck", "--model", "mlp:5", "--activation", "tanh", "--dropout", "0.2");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.getFirst().startsWith("backprop gradcheck: mlp:5 on digits input [1, 8, 8] (385 parameters)"), lines.getFirst());
        assertTrue(lines.get(1).contains("parameter") && lines.get(1).contains("worst error"), lines.get(1));
        // Dropout: checked in training mode (one fixed mask) and in evaluation mode.
        assertEquals(2 + 2 * 5 + 1, lines.size(), r.out());
        assertTrue(lines.get(2).matches("train 1\\.weight\\s+\\[5, 64]\\s+8 of 320 \\+ 2 dir\\s+\\d\\.\\d\\de-\\d\\d\\s+pass.*"), lines.get(2));
        assertTrue(lines.get(4).matches("train 4\\.weight\\s+\\[10, 5]\\s+8 of 50 \\+ 2 dir.*pass.*"), lines.get(4));
        assertTrue(lines.getLast().startsWith("gradcheck: passed: worst error "), lines.getLast());
    }

    @Test
    void everyLayerTypePassesOnItsOwn() {
        for (String type : LayerExamples.TYPES) {
            MainTest.Run r = MainTest.run("gradcheck", "--layer", type, "--json");
            assertEquals(0, r.status(), type + ": " + r.out() + r.err());
            Map<String, Object> j = r.json();
            assertEquals(Boolean.TRUE, j.get("passed"), type);
            assertTrue(checks(j).stream().anyMatch(c -> c.get("parameter").equals("input")), type);
        }
        MainTest.Run conv = MainTest.run("gradcheck", "--layer", "conv2d");
        assertTrue(conv.out().contains("0.weight") && conv.out().contains("[6, 2, 3, 2]"), conv.out());
    }

    @Test
    void aModelFilePasses(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tiny.json");
        Files.writeString(file, """
                {"format": "backprop-model", "version": 1, "input_shape": [1, 8, 8],
                 "layers": [{"type": "conv2d", "in_channels": 1, "out_channels": 3, "kernel_size": 3, "stride": 2},
                            {"type": "batch_norm2d", "num_features": 3}, {"type": "gelu"},
                            {"type": "adaptive_avg_pool2d", "output_size": 2}, {"type": "flatten"},
                            {"type": "linear", "in": 12, "out": 4}]}""");
        MainTest.Run r = MainTest.run("gradcheck", "--model", file.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> j = r.json();
        assertEquals(Boolean.TRUE, j.get("passed"));
        assertEquals("cross-entropy on random labels", j.get("loss"));
        assertEquals(2 * 7, checks(j).size(), "conv weight and bias, bn weight and bias, linear weight and bias, input; two modes");
    }

    /**
     * A training run's directory is checked at its trained weights (the same seed gives the same inputs, labels and
     * checked elements, so only the weights can make the worst comparisons differ); its model.json alone, and a
     * model file without the .json ending, at freshly initialised ones.
     */
    @Test
    void aRunDirectoryIsCheckedAtItsTrainedWeights(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        MainTest.Run t = MainTest.run("train", "--model", "mlp:8", "--epochs", "2", "--out", run.toString(), "--json");
        assertEquals(0, t.status(), t.err());
        MainTest.Run trained = MainTest.run("gradcheck", "--model", run.toString(), "--json");
        assertEquals(0, trained.status(), trained.err());
        assertTrue(trained.err().startsWith("backprop gradcheck: " + run + " (trained weights) on input [1, 8, 8]"), trained.err());
        assertEquals("trained", trained.json().get("weights"));
        assertEquals(Boolean.TRUE, trained.json().get("passed"));
        MainTest.Run fresh = MainTest.run("gradcheck", "--model", run.resolve("model.json").toString(), "--json");
        assertEquals(0, fresh.status(), fresh.err());
        assertEquals("initialised", fresh.json().get("weights"));
        assertFalse(checks(trained.json()).getFirst().get("max_error").equals(checks(fresh.json()).getFirst().get("max_error")),
                "trained and fresh weights give different derivatives: " + checks(trained.json()).getFirst());
        Path noSuffix = dir.resolve("spec.model");
        Files.copy(run.resolve("model.json"), noSuffix);
        MainTest.Run file = MainTest.run("gradcheck", "--model", noSuffix.toString(), "--json");
        assertEquals(0, file.status(), file.err());
        assertEquals(checks(fresh.json()).size(), checks(file.json()).size());
        AugmentCommandTest.oneLineError("is a trained model with its own layers", "gradcheck", "--model", run.toString(),
                "--activation", "tanh");
        AugmentCommandTest.oneLineError("but the examples asked for are [2]", "gradcheck", "--model", run.toString(), "--data", "xor");
    }

    /** With no --model, the model and activation train picks for the data: mlp:2 with tanh on xor (2-2-2, as train's). */
    @Test
    void theDefaultModelFollowsTrainsForTheData() {
        MainTest.Run xor = MainTest.run("gradcheck", "--data", "xor", "--json");
        assertEquals(0, xor.status(), xor.err());
        assertEquals("mlp:2", xor.json().get("model"));
        assertTrue(xor.err().startsWith("backprop gradcheck: mlp:2 on xor input [2] (12 parameters)"), xor.err());
        MainTest.Run digits = MainTest.run("gradcheck", "--json");
        assertEquals("mlp:128", digits.json().get("model"));
    }

    @Test
    void anOptionWithoutEffectGetsANote() {
        MainTest.Run r = MainTest.run("gradcheck", "--model", "linear", "--activation", "sigmoid");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("note: --activation has no effect on linear"), r.err());
        assertFalse(MainTest.run("gradcheck", "--model", "mlp:4", "--activation", "sigmoid").err().contains("note:"));
    }

    @Test
    void aCheckAboveTheToleranceExitsWithOne() {
        MainTest.Run r = MainTest.run("gradcheck", "--model", "linear", "--tolerance", "1e-30");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.out().contains("FAIL"), r.out());
        assertTrue(r.out().lines().toList().getLast().contains("FAILED"), r.out());
    }

    @Test
    void mistakesAreOneLineWithStatusTwo(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"format\": \"backprop-model\", \"version\": 1, \"layers\": [{\"type\": \"linea\"}]}");
        Map<List<String>, String> cases = Map.ofEntries(
                Map.entry(List.of("--model", "resnet"), "unknown preset \"resnet\""),
                Map.entry(List.of("--model", dir.resolve("missing.json").toString()), "no such file"),
                Map.entry(List.of("--model", broken.toString()), "unknown layer type \"linea\""),
                Map.entry(List.of("--batch", "x"), "--batch expects a whole number, got 'x'"),
                Map.entry(List.of("--eps", "-1"), "--eps must be between 1e-8 and 0.1"),
                Map.entry(List.of("--layer", "conv3d"), "--layer 'conv3d' is not a layer type"),
                Map.entry(List.of("--model", "mlp", "--layer", "relu"), "give --model or --layer, not both"),
                Map.entry(List.of("--input-shape", "1,x"), "--input-shape expects positive sizes"),
                Map.entry(List.of("--model", "lenet", "--data", "digits"), "at least 12×12"),
                Map.entry(List.of("--bogus"), "unknown option --bogus"),
                Map.entry(List.of("--eps", "1e-12"), "--eps must be between 1e-8 and 0.1"),
                Map.entry(List.of("--model", "deep-mlp:4x8,batch-norm", "--batch", "1"), "use --batch 2 or more"));
        for (var c : cases.entrySet()) {
            String[] args = new String[c.getKey().size() + 1];
            args[0] = "gradcheck";
            for (int i = 0; i < c.getKey().size(); i++) args[i + 1] = c.getKey().get(i);
            MainTest.Run r = MainTest.run(args);
            assertEquals(2, r.status(), c.getKey() + ": " + r.err());
            assertEquals(1, r.err().lines().count(), c.getKey() + ": " + r.err());
            assertTrue(r.err().contains(c.getValue()), c.getKey() + ": " + r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }

    @Test
    void helpListsTheOptions() {
        MainTest.Run r = MainTest.run("gradcheck", "--help");
        assertEquals(0, r.status());
        for (String o : List.of("--model", "--layer", "--data", "--batch", "--tolerance", "--eps", "--seed", "--json")) {
            assertTrue(r.out().contains(o), o);
        }
        assertTrue(MainTest.run("--help").out().contains("gradcheck"), "listed in backprop --help");
    }
}
