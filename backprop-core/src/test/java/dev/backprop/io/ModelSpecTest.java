package dev.backprop.io;

import dev.backprop.Generator;
import dev.backprop.Tensor;
import dev.backprop.nn.Activation;
import dev.backprop.nn.Dropout;
import dev.backprop.nn.Flatten;
import dev.backprop.nn.Init;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSpecTest {
    /** A model with every describable layer type, some with non-default settings. */
    static Sequential everyLayer(Generator g) {
        return new Sequential(
                new Flatten(),
                new Linear(12, 8, true, Init.Scheme.DEFAULT, g),
                new Activation.ReLU(),
                new Activation.LeakyReLU(0.2),
                new Activation.Sigmoid(),
                new Activation.Tanh(),
                new Activation.GELU(),
                new Dropout(0.25),
                new Activation.Identity(),
                new Linear(8, 4, false, Init.Scheme.DEFAULT, g),
                new Activation.Softmax(1),
                new Activation.LogSoftmax(-1),
                new Flatten(1, -1));
    }

    private static Map<String, List<Integer>> shapes(Module m) {
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> {
            List<Integer> s = new ArrayList<>();
            for (int d : v.shape()) s.add(d);
            out.put(k, s);
        });
        return out;
    }

    @Test
    void roundTripKeepsTypesNamesAndShapes() {
        Sequential model = everyLayer(new Generator(1));
        ModelSpec spec = ModelSpec.of(model).withInputShape(3, 4).withMeta(Map.of("dataset", "toy",
                "classes", List.of("a", "b", "c", "d"), "mean", new double[] {0.5}, "count", 3));
        assertEquals(ModelSpec.layerTypes(), List.of("flatten", "linear", "relu", "leaky_relu", "sigmoid", "tanh", "gelu",
                "softmax", "log_softmax", "identity", "dropout", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
                "batch_norm1d", "batch_norm2d", "dropout2d", "residual"));
        assertEquals(model.layers().size(), spec.layers().size());
        String json = spec.toJson();
        ModelSpec back = ModelSpec.parse(json);
        assertEquals(spec, back);
        assertEquals(json, back.toJson());
        assertEquals(spec.hashCode(), back.hashCode());
        Sequential rebuilt = back.build(new Generator(2));
        assertEquals(shapes(model), shapes(rebuilt));
        assertEquals(ModelSpec.of(model).layers(), ModelSpec.of(rebuilt).layers(), "the rebuilt model describes the same");
        for (int i = 0; i < model.layers().size(); i++) {
            assertEquals(model.layers().get(i).getClass(), rebuilt.layers().get(i).getClass(), "layer " + i);
            assertEquals(model.layers().get(i).describe(), rebuilt.layers().get(i).describe(), "layer " + i);
        }
        assertArrayEquals(new int[] {4}, back.outputShape());
        assertEquals("toy", back.meta().get("dataset"));
        assertEquals(3.0, back.meta().get("count"));
        assertEquals(List.of(0.5), back.meta().get("mean"));
        // The rebuilt model runs on the input shape the spec names.
        Tensor y = rebuilt.forward(Tensor.randn(new Generator(3), 2, 3, 4));
        assertArrayEquals(new int[] {2, 4}, y.shape());
    }

    @Test
    void theBriefsExampleParsesAndBuilds() {
        String json = """
                {"format":"backprop-model","version":1,"input_shape":[64],
                 "layers":[{"type":"flatten"},{"type":"linear","in":64,"out":128,"bias":true},{"type":"relu"},
                           {"type":"dropout","p":0.2},{"type":"linear","in":128,"out":10}],
                 "meta":{"dataset":"digits","classes":["0","1"],"mean":[0.1],"std":[0.3]}}""";
        ModelSpec spec = ModelSpec.parse(json);
        assertEquals(5, spec.layers().size());
        assertEquals(ModelSpec.Layer.of("linear", "in", 128, "out", 10, "bias", true), spec.layers().get(4), "defaults filled in");
        assertEquals(ModelSpec.Layer.of("flatten", "start_dim", 1, "end_dim", -1), spec.layers().get(0));
        assertEquals(0.2, spec.layers().get(3).doubleArg("p"));
        assertArrayEquals(new int[] {10}, spec.outputShape());
        Sequential m = spec.build(new Generator(0));
        assertEquals(List.of("1.weight", "1.bias", "4.weight", "4.bias"), List.copyOf(m.stateDict().keySet()));
        assertEquals(0.2, ((Dropout) m.layers().get(3)).p());
        assertTrue(spec.toJson().contains("\n    {\"type\":\"linear\",\"in\":64,\"out\":128,\"bias\":true},\n"), spec.toJson());
    }

    @Test
    void buildIsReproducibleFromTheGenerator() {
        ModelSpec spec = ModelSpec.preset("mlp:6", new int[] {4}, 3, "tanh", 0);
        Sequential a = spec.build(new Generator(9)), b = spec.build(new Generator(9)), c = spec.build(new Generator(10));
        assertArrayEquals(a.stateDict().get("0.weight").toFloatArray(), b.stateDict().get("0.weight").toFloatArray());
        assertFalse(java.util.Arrays.equals(a.stateDict().get("0.weight").toFloatArray(), c.stateDict().get("0.weight").toFloatArray()));
    }

    // ------------------------------------------------------------------------------------------ presets

    private static List<String> types(ModelSpec s) {
        return s.layers().stream().map(ModelSpec.Layer::type).toList();
    }

    private static List<int[]> linearSizes(ModelSpec s) {
        return s.layers().stream().filter(l -> l.type().equals("linear"))
                .map(l -> new int[] {l.intArg("in"), l.intArg("out")}).toList();
    }

    @Test
    void presetsGiveTheExpectedLayerSizes() {
        ModelSpec mlp = ModelSpec.preset("mlp", new int[] {64}, 10, "relu", 0);
        assertEquals(List.of("linear", "relu", "linear"), types(mlp));
        assertArrayEquals(new int[] {64, 128}, linearSizes(mlp).get(0));
        assertArrayEquals(new int[] {128, 10}, linearSizes(mlp).get(1));
        assertArrayEquals(new int[] {64}, mlp.inputShape());
        assertArrayEquals(new int[] {10}, mlp.outputShape());

        ModelSpec deep = ModelSpec.preset("mlp:256,128", new int[] {1, 28, 28}, 10, "gelu", 0.2);
        assertEquals(List.of("flatten", "linear", "gelu", "dropout", "linear", "gelu", "dropout", "linear"), types(deep));
        assertArrayEquals(new int[] {784, 256}, linearSizes(deep).get(0));
        assertArrayEquals(new int[] {256, 128}, linearSizes(deep).get(1));
        assertArrayEquals(new int[] {128, 10}, linearSizes(deep).get(2));
        assertEquals(0.2, deep.layers().get(3).doubleArg("p"));
        assertEquals(784L * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10, deep.build(new Generator(0)).parameterCount());

        ModelSpec lin = ModelSpec.preset("linear", new int[] {8, 8}, 3, "relu", 0.5);
        assertEquals(List.of("flatten", "linear"), types(lin), "no hidden layer, so no activation or dropout");
        assertArrayEquals(new int[] {64, 3}, linearSizes(lin).get(0));

        ModelSpec leaky = ModelSpec.preset("MLP: 5", new int[] {2}, 1, "leaky_relu", 0);
        assertEquals(List.of("linear", "leaky_relu", "linear"), types(leaky));
        assertEquals(0.01, leaky.layers().get(1).doubleArg("slope"));
        assertEquals(leaky, ModelSpec.parse(leaky.toJson()));
    }

    @Test
    void presetErrorsListWhatIsValid() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.preset("cnn", new int[] {4}, 2, "relu", 0));
        assertTrue(e.getMessage().contains("unknown preset \"cnn\"") && e.getMessage().contains("linear")
                && e.getMessage().contains("mlp:H1,H2"), e.getMessage());
        for (String bad : new String[] {"mlp:", "mlp:0", "mlp:12,x", "mlp:-3", "mlp:4,,4"}) {
            IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                    () -> ModelSpec.preset(bad, new int[] {4}, 2, "relu", 0), bad);
            assertTrue(b.getMessage().contains("hidden sizes must be positive integers"), b.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelSpec.preset("mlp", new int[] {4}, 2, "swish", 0))
                .getMessage().contains("valid: relu"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelSpec.preset("mlp", new int[] {4}, 2, "relu", 1))
                .getMessage().contains("[0, 1)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelSpec.preset("mlp", new int[] {4}, 0, "relu", 0))
                .getMessage().contains("outputs must be positive"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelSpec.preset("mlp", new int[] {}, 2, "relu", 0))
                .getMessage().contains("input shape"));
    }

    // ------------------------------------------------------------------------------------------ errors

    private static String parseError(String json) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse(json));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith("model spec: "), e.getMessage());
        return e.getMessage();
    }

    private static String withLayers(String layers) {
        return "{\"format\":\"backprop-model\",\"version\":1,\"input_shape\":[4],\"layers\":[" + layers + "]}";
    }

    @Test
    void parseErrorsNameTheJsonPath() {
        String base = "{\"type\":\"linear\",\"in\":4,\"out\":4},{\"type\":\"relu\"},{\"type\":\"linear\",\"in\":4,\"out\":4},";
        assertEquals("model spec: layers[3].out: expected a positive integer, got -1",
                parseError(withLayers(base + "{\"type\":\"linear\",\"in\":4,\"out\":-1}")));
        assertTrue(parseError(withLayers(base + "{\"type\":\"linear\",\"in\":4,\"out\":2.5}")).contains("layers[3].out: expected a positive integer, got 2.5"));
        assertTrue(parseError(withLayers(base + "{\"type\":\"linear\",\"in\":4}")).contains("layers[3].out: missing"));
        assertTrue(parseError(withLayers("{\"type\":\"linear\",\"in\":4,\"out\":\"2\"}")).contains("layers[0].out: expected a positive integer, got \"2\""));
        String unknown = parseError(withLayers("{\"type\":\"relu\"},{\"type\":\"conv9d\"}"));
        assertTrue(unknown.contains("layers[1].type: unknown layer type \"conv9d\"") && unknown.contains("linear, relu"), unknown);
        assertTrue(parseError(withLayers("{\"in\":3}")).contains("layers[0].type: expected a layer type"));
        assertTrue(parseError(withLayers("3")).contains("layers[0]: expected an object"));
        String extra = parseError(withLayers("{\"type\":\"leaky_relu\",\"slop\":0.1}"));
        assertTrue(extra.contains("layers[0].slop: unknown argument for a leaky_relu layer; valid: slope"), extra);
        assertTrue(parseError(withLayers("{\"type\":\"relu\",\"x\":1}")).contains("valid: none"));
        assertTrue(parseError(withLayers("{\"type\":\"dropout\",\"p\":1.0}")).contains("layers[0].p: expected a drop probability in [0, 1), got 1"));
        assertTrue(parseError(withLayers("{\"type\":\"linear\",\"in\":4,\"out\":2,\"bias\":\"yes\"}")).contains("layers[0].bias: expected true or false"));
        assertTrue(parseError(withLayers("{\"type\":\"softmax\",\"dim\":0.5}")).contains("layers[0].dim: expected an integer"));
    }

    @Test
    void shapesAreCheckedAgainstTheInputShape() {
        String m = parseError(withLayers("{\"type\":\"linear\",\"in\":4,\"out\":8},{\"type\":\"relu\"},{\"type\":\"linear\",\"in\":7,\"out\":2}"));
        assertTrue(m.contains("layers[2] (linear): expects inputs whose last dimension is 7, but receives shape [8] (the output of layers[1])"), m);
        String first = parseError(withLayers("{\"type\":\"linear\",\"in\":5,\"out\":8}"));
        assertTrue(first.contains("layers[0] (linear)") && first.contains("[4] (the input_shape)"), first);
        String dim = parseError(withLayers("{\"type\":\"softmax\",\"dim\":2}"));
        assertTrue(dim.contains("layers[0] (softmax)") && dim.contains("out of range"), dim);
        // Flatten multiplies the sizes it merges.
        ModelSpec ok = ModelSpec.parse("{\"format\":\"backprop-model\",\"version\":1,\"input_shape\":[2,3,4],\"layers\":["
                + "{\"type\":\"flatten\",\"start_dim\":2},{\"type\":\"linear\",\"in\":12,\"out\":5}]}");
        assertArrayEquals(new int[] {2, 5}, ok.outputShape());
        // Without an input shape nothing can be checked, and the output shape is unknown.
        ModelSpec free = ModelSpec.parse("{\"format\":\"backprop-model\",\"version\":1,\"layers\":[{\"type\":\"linear\",\"in\":5,\"out\":2}]}");
        assertNull(free.inputShape());
        assertNull(free.outputShape());
        assertFalse(free.toJson().contains("input_shape"));
        assertEquals(free, ModelSpec.parse(free.toJson()));
    }

    @Test
    void topLevelErrors() {
        assertTrue(parseError("{\"format\":\"other\",\"version\":1,\"layers\":[]}").contains("format: expected \"backprop-model\", got \"other\""));
        assertTrue(parseError("{\"version\":1,\"layers\":[]}").contains("format: expected \"backprop-model\", got nothing"));
        assertTrue(parseError("{\"format\":\"backprop-model\",\"version\":2,\"layers\":[]}").contains("version: 2 is newer"));
        assertTrue(parseError("{\"format\":\"backprop-model\",\"layers\":[]}").contains("version: expected a positive integer"));
        assertTrue(parseError("{\"format\":\"backprop-model\",\"version\":1}").contains("layers: expected an array"));
        assertTrue(parseError("{\"format\":\"backprop-model\",\"version\":1,\"layers\":[],\"input_shape\":[3,0]}")
                .contains("input_shape[1]: expected a positive integer, got 0"));
        assertTrue(parseError("{\"format\":\"backprop-model\",\"version\":1,\"layers\":[],\"metadata\":{}}")
                .contains("metadata: unknown key"));
        assertTrue(parseError("{\"format\":\"backprop-model\",\"version\":1,\"layers\":[],\"meta\":[]}").contains("meta: expected an object"));
        assertTrue(parseError("{\"format\":\"backprop-model\",").contains("not valid JSON"));
        assertTrue(parseError("[]").contains("expected a JSON object"));
    }

    @Test
    void describingAnUnknownLayerNamesIt() {
        Module custom = new Module() {
            @Override
            public Tensor forward(Tensor x) {
                return x;
            }

            @Override
            public String describe() {
                return "Mystery()";
            }
        };
        Sequential model = new Sequential(new Linear(2, 2), custom);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.of(model));
        assertTrue(e.getMessage().contains("layer 1") && e.getMessage().contains("Mystery()")
                && e.getMessage().contains("describable: flatten, linear"), e.getMessage());
        // A nested Sequential is not describable either (yet).
        assertThrows(IllegalArgumentException.class, () -> ModelSpec.of(new Sequential(new Sequential(new Linear(2, 2)))));
    }

    @Test
    void ofInfersTheInputShapeFromAFirstLinearOnly() {
        assertArrayEquals(new int[] {7}, ModelSpec.of(new Sequential(new Linear(7, 2))).inputShape());
        assertNull(ModelSpec.of(new Sequential(new Flatten(), new Linear(7, 2))).inputShape());
        ModelSpec bad = ModelSpec.of(new Sequential(new Flatten(), new Linear(7, 2)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bad.withInputShape(2, 3));
        assertTrue(e.getMessage().contains("expects inputs whose last dimension is 7, but receives shape [6]"), e.getMessage());
        assertNotEquals(bad, bad.withInputShape(7));
    }

    @Test
    void programmaticLayersAreCheckedAndMadeCanonical() {
        ModelSpec s = new ModelSpec(new int[] {3}, List.of(ModelSpec.Layer.of("linear", "in", 3.0, "out", 2L),
                ModelSpec.Layer.of("leaky_relu", "slope", 1)), null);
        assertEquals(Integer.valueOf(3), s.layers().get(0).args().get("in"));
        assertEquals(Boolean.TRUE, s.layers().get(0).args().get("bias"));
        assertEquals(Double.valueOf(1.0), s.layers().get(1).args().get("slope"));
        assertEquals(Map.of(), s.meta());
        assertInstanceOf(Activation.LeakyReLU.class, s.build(new Generator(0)).layers().get(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelSpec(null, List.of(ModelSpec.Layer.of("linear", "in", 0, "out", 2)), Map.of()));
        assertEquals("model spec: layers[0].in: expected a positive integer, got 0", e.getMessage());
    }
}
