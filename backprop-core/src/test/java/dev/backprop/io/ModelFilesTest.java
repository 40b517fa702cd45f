package dev.backprop.io;

import dev.backprop.Generator;
import dev.backprop.GradMode;
import dev.backprop.Tensor;
import dev.backprop.nn.Activation;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFilesTest {
    @TempDir
    Path dir;

    private static ModelSpec spec() {
        return ModelSpec.preset("mlp:16,8", new int[] {2, 3}, 4, "gelu", 0.3)
                .withMeta(Map.of("dataset", "toy", "classes", List.of("a", "b", "c", "d")));
    }

    private static float[] run(Sequential m, Tensor x) {
        try (var s = GradMode.noGrad()) {
            return m.forward(x).toFloatArray();
        }
    }

    private List<String> filesIn(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void saveThenLoadGivesIdenticalOutputs() throws IOException {
        ModelSpec spec = spec();
        Sequential model = spec.build(new Generator(42));
        model.eval();
        Tensor x = Tensor.randn(new Generator(1), 5, 2, 3);
        float[] expected = run(model, x);

        Path out = dir.resolve("run/model");     // created by save
        ModelFiles.save(out, model, spec);
        assertEquals(List.of("model.json", "model.safetensors"), filesIn(out), "no temporary files left");
        assertEquals(Map.of("format", "backprop"), Safetensors.readMetadata(out.resolve(ModelFiles.WEIGHTS)));
        assertEquals(spec, ModelSpec.parse(Files.readString(out.resolve(ModelFiles.SPEC))));

        for (Path p : List.of(out, out.resolve("model.json"))) {
            ModelFiles.Loaded loaded = ModelFiles.load(p);
            assertFalse(loaded.model().isTraining(), "loaded in evaluation mode");
            assertArrayEquals(expected, run(loaded.model(), x), "same outputs, bit for bit");
            assertEquals(spec, loaded.spec());
            assertEquals(List.of("a", "b", "c", "d"), loaded.spec().meta().get("classes"));
            loaded.model().stateDict().forEach((k, v) ->
                    assertArrayEquals(model.stateDict().get(k).toFloatArray(), v.toFloatArray(), k));
        }
    }

    @Test
    void saveDescribesTheModelWhenNoSpecIsGiven() {
        Sequential model = new Sequential(new Linear(3, 2), new Activation.Tanh());
        ModelFiles.save(dir, model);
        ModelFiles.Loaded l = ModelFiles.load(dir);
        assertArrayEquals(new int[] {3}, l.spec().inputShape());
        Tensor x = Tensor.randn(new Generator(2), 4, 3);
        assertArrayEquals(run(model, x), run(l.model(), x));
    }

    @Test
    void aSpecThatDoesNotDescribeTheModelIsRefused() throws IOException {
        Sequential model = new Sequential(new Linear(3, 2));
        ModelSpec other = ModelSpec.preset("linear", new int[] {3}, 5, "relu", 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.save(dir, model, other));
        assertTrue(e.getMessage().contains("layers[0]") && e.getMessage().contains("\"out\":2") && e.getMessage().contains("\"out\":5"),
                e.getMessage());
        assertEquals(List.of(), filesIn(dir), "nothing written");
    }

    @Test
    void weightsThatDoNotMatchTheJsonListEveryDifference() throws IOException {
        Sequential model = spec().build(new Generator(0));
        ModelFiles.save(dir, model, spec());
        Path json = dir.resolve(ModelFiles.SPEC);
        String good = Files.readString(json);

        // A different hidden size: the shapes of 1.weight, 1.bias and 4.weight differ.
        Files.writeString(json, good.replace("\"out\":16", "\"out\":12").replace("\"in\":16", "\"in\":12"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.load(dir));
        String m = e.getMessage();
        assertTrue(m.startsWith(dir.resolve(ModelFiles.WEIGHTS) + ": the weights do not match model.json"), m);
        assertTrue(m.contains("1.weight is [16, 6] in model.safetensors but [12, 6] in model.json"), m);
        assertTrue(m.contains("1.bias is [16]") && m.contains("4.weight is [8, 16]"), m);
        assertFalse(m.contains("\n"), m);

        // A layer removed from the JSON: the numbering shifts, so names go missing and others are unexpected.
        ModelSpec shorter = ModelSpec.preset("mlp:16,8", new int[] {2, 3}, 4, "gelu", 0);
        Files.writeString(json, shorter.toJson());
        String m2 = assertThrows(IllegalArgumentException.class, () -> ModelFiles.load(dir)).getMessage();
        assertTrue(m2.contains("missing [3.bias, 3.weight, 5.bias, 5.weight]"), m2);
        assertTrue(m2.contains("unexpected [4.bias, 4.weight, 7.bias, 7.weight]"), m2);

        // A bad JSON file names the file and the path inside it.
        Files.writeString(json, good.replace("\"out\":16", "\"out\":-16"));
        String m3 = assertThrows(IllegalArgumentException.class, () -> ModelFiles.load(dir)).getMessage();
        assertTrue(m3.startsWith(json + ": layers[1].out: expected a positive integer, got -16"), m3);

        // Missing files.
        Files.writeString(json, good);
        Files.delete(dir.resolve(ModelFiles.WEIGHTS));
        String m4 = assertThrows(UncheckedIOException.class, () -> ModelFiles.load(dir)).getMessage();
        assertEquals("cannot read " + dir.resolve(ModelFiles.WEIGHTS) + ": no such file", m4);
        Path empty = Files.createDirectory(dir.resolve("empty"));
        String m5 = assertThrows(UncheckedIOException.class, () -> ModelFiles.load(empty)).getMessage();
        assertEquals("cannot read " + empty.resolve(ModelFiles.SPEC) + ": no such file", m5);
    }

    @Test
    void integerWeightsAreRefusedByName() {
        Sequential model = new Sequential(new Linear(2, 2));
        ModelFiles.save(dir, model);
        Map<String, Tensor> state = new LinkedHashMap<>(Safetensors.read(dir.resolve(ModelFiles.WEIGHTS)));
        state.put("0.bias", Tensor.of(new long[] {1, 2}));
        Safetensors.write(dir.resolve(ModelFiles.WEIGHTS), state);
        String m = assertThrows(IllegalArgumentException.class, () -> ModelFiles.load(dir)).getMessage();
        assertTrue(m.contains("0.bias holds int64 values"), m);
    }

    @Test
    void aFailedSaveLeavesTheOldFilesIntactAndNoTemporaryFiles() throws IOException {
        Sequential first = spec().build(new Generator(1));
        ModelFiles.save(dir, first, spec());
        byte[] oldJson = Files.readAllBytes(dir.resolve(ModelFiles.SPEC));

        // The weight file's place is taken by a directory: the save fails, model.json stays as it was.
        Files.delete(dir.resolve(ModelFiles.WEIGHTS));
        Files.createDirectories(dir.resolve(ModelFiles.WEIGHTS).resolve("blocker"));
        Sequential second = ModelSpec.preset("linear", new int[] {7}, 2, "relu", 0).build(new Generator(2));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> ModelFiles.save(dir, second));
        assertTrue(e.getMessage().startsWith("cannot write " + dir.resolve(ModelFiles.WEIGHTS)), e.getMessage());
        assertArrayEquals(oldJson, Files.readAllBytes(dir.resolve(ModelFiles.SPEC)), "model.json not corrupted");
        assertEquals(List.of("model.json", "model.safetensors"), filesIn(dir), "no temporary files left");
        assertTrue(Files.isDirectory(dir.resolve(ModelFiles.WEIGHTS).resolve("blocker")));

        // The same with model.json's place taken: nothing is replaced, not even the weights.
        Path d2 = Files.createDirectory(dir.resolve("two"));
        ModelFiles.save(d2, first, spec());
        byte[] oldWeights = Files.readAllBytes(d2.resolve(ModelFiles.WEIGHTS));
        Files.delete(d2.resolve(ModelFiles.SPEC));
        Files.createDirectories(d2.resolve(ModelFiles.SPEC).resolve("blocker"));
        assertThrows(UncheckedIOException.class, () -> ModelFiles.save(d2, second));
        assertArrayEquals(oldWeights, Files.readAllBytes(d2.resolve(ModelFiles.WEIGHTS)), "weights not replaced");
        assertEquals(List.of("model.json", "model.safetensors"), filesIn(d2), "no temporary files left");
    }

    @Test
    void theWeightFileIsPlainSafetensorsWithStateDictNames() {
        Sequential model = spec().build(new Generator(3));
        ModelFiles.save(dir, model, spec());
        Map<String, Tensor> w = Safetensors.read(dir.resolve(ModelFiles.WEIGHTS));
        assertEquals(List.copyOf(model.stateDict().keySet()), List.copyOf(w.keySet()));
        assertEquals(List.of("1.weight", "1.bias", "4.weight", "4.bias", "7.weight", "7.bias"), List.copyOf(w.keySet()));
        assertTrue(Files.isRegularFile(dir.resolve(ModelFiles.SPEC)));
    }
}
