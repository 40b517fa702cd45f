package dev.backprop.io;

import dev.backprop.Generator;
import dev.backprop.Tensor;
import dev.backprop.nn.Activation;
import dev.backprop.nn.BatchNorm1d;
import dev.backprop.nn.Init;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.nn.Residual;
import dev.backprop.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The deep-mlp preset (the vanishing-gradient experiment) and the residual layer type of model files. */
class DeepMlpSpecTest {
    private static long count(Sequential m, Class<? extends Module> c) {
        return m.namedModules().values().stream().filter(c::isInstance).count();
    }

    /** A preset's name is never taken for a file or directory of the same name (gradcheck accepts both). */
    @Test
    void presetNamesAreRecognisedWhateverTheirNumbers() {
        for (String n : List.of("linear", "MLP", "mlp:256,128", "mlp:x", "lenet", "cnn_bn", "deep-mlp", "deep-mlp:20x64,residual")) {
            assertTrue(ModelSpec.isPresetName(n), n);
        }
        for (String n : List.of("runs/digits-mlp-128", "model.json", "mlp.json", "resnet", "deep")) {
            assertTrue(!ModelSpec.isPresetName(n), n);
        }
    }

    @Test
    void deepMlpHasDepthLinearLayersInEachVariant() {
        for (String opts : new String[] {"", ",batch-norm", ",residual", ",bn,residual"}) {
            ModelSpec s = ModelSpec.preset("deep-mlp:20x64" + opts, new int[] {1, 8, 8}, 10, "sigmoid", 0);
            Sequential m = s.build(new Generator(1));
            assertEquals(20, count(m, Linear.class), opts);
            assertEquals(19, count(m, Activation.Sigmoid.class), opts);
            assertEquals(opts.contains("b") ? 19 : 0, count(m, BatchNorm1d.class), opts);
            assertEquals(opts.contains("residual") ? 18 : 0, count(m, Residual.class), opts);
            assertArrayEquals(new int[] {10}, s.outputShape(), opts);
            assertArrayEquals(new int[] {3, 10}, m.call(Tensor.ones(3, 1, 8, 8)).shape(), opts);
        }
        assertEquals(ModelSpec.preset("deep-mlp:20x64", new int[] {64}, 10, "relu", 0),
                ModelSpec.preset("deep-mlp", new int[] {64}, 10, "relu", 0), "deep-mlp alone is 20x64");
        Sequential res = ModelSpec.preset("deep-mlp:4x8,residual", new int[] {5}, 2, "relu", 0).build(new Generator(1));
        assertEquals(List.of("0.weight", "0.bias", "2.0.weight", "2.0.bias", "3.0.weight", "3.0.bias", "4.weight", "4.bias"),
                List.copyOf(res.stateDict().keySet()));
    }

    @Test
    void deepMlpErrorsSayWhatIsExpected() {
        for (String bad : new String[] {"deep-mlp:1x64", "deep-mlp:20", "deep-mlp:20x0", "deep-mlp:x64", "deep-mlp:20x64,wide"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelSpec.preset(bad, new int[] {4}, 2, "relu", 0), bad);
            assertTrue(e.getMessage().contains("deep-mlp:DEPTHxWIDTH"), e.getMessage());
        }
        // A missing "xWIDTH" is named as such, not as a DEPTH out of range.
        var e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.preset("deep-mlp:20", new int[] {4}, 2, "relu", 0));
        assertTrue(e.getMessage().startsWith("preset \"deep-mlp:20\": the xWIDTH is missing; expected deep-mlp:DEPTHxWIDTH "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("e.g. deep-mlp:20x64,residual (plain deep-mlp is 20x64)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.preset("deep-mlp:1x64", new int[] {4}, 2, "relu", 0));
        assertTrue(e.getMessage().contains("DEPTH (the number of linear layers) must be at least 2, got 1"), e.getMessage());
    }

    @Test
    void buildWithAnInitialisationReachesLayersInsideResidualBlocks() {
        ModelSpec s = ModelSpec.preset("deep-mlp:3x50,residual", new int[] {50}, 2, "relu", 0);
        Sequential m = s.build(new Generator(1), Init.Scheme.ZEROS);
        for (var e : m.namedParameters().entrySet()) {
            assertEquals(0.0, e.getValue().abs().sum().item(), 0.0, e.getKey());
        }
    }

    @Test
    void residualLayersRoundTripThroughJsonAndDescribeAModel() {
        String json = """
                {"format": "backprop-model", "version": 1, "input_shape": [4],
                 "layers": [{"type": "linear", "in": 4, "out": 6},
                            {"type": "residual", "layers": [{"type": "linear", "in": 6, "out": 6}, {"type": "batch_norm1d", "num_features": 6}, {"type": "tanh"}]},
                            {"type": "linear", "in": 6, "out": 2}]}""";
        ModelSpec s = ModelSpec.parse(json);
        assertEquals(s, ModelSpec.parse(s.toJson()));
        @SuppressWarnings("unchecked")
        Map<String, Object> first = (Map<String, Object>) ((List<?>) s.layers().get(1).args().get("layers")).getFirst();
        assertEquals(true, first.get("bias"), "nested layers are made canonical too");
        Sequential m = s.build(new Generator(2));
        assertInstanceOf(Residual.class, m.layers().get(1));
        assertEquals(s.layers(), ModelSpec.of(m).layers(), "a model with a residual block describes itself");
        assertTrue(m.stateDict().containsKey("1.1.running_mean"));
    }

    @Test
    void residualErrorsNameTheNestedPath() {
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("""
                {"format": "backprop-model", "version": 1, "input_shape": [4],
                 "layers": [{"type": "residual", "layers": [{"type": "linear", "in": 4, "out": 3}]}]}"""));
        assertTrue(shape.getMessage().contains("layers[0] (residual)") && shape.getMessage().contains("keep the shape"), shape.getMessage());
        IllegalArgumentException arg = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("""
                {"format": "backprop-model", "version": 1,
                 "layers": [{"type": "residual", "layers": [{"type": "linear", "in": 4, "out": -3}]}]}"""));
        assertTrue(arg.getMessage().contains("layers[0].layers[0].out"), arg.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("""
                {"format": "backprop-model", "version": 1, "layers": [{"type": "residual", "layers": []}]}"""));
        assertTrue(empty.getMessage().contains("layers[0].layers: expected a non-empty array"), empty.getMessage());
    }
}
