package dev.backprop.io;

import dev.backprop.Generator;
import dev.backprop.GradMode;
import dev.backprop.Tensor;
import dev.backprop.nn.AdaptiveAvgPool2d;
import dev.backprop.nn.AvgPool2d;
import dev.backprop.nn.BatchNorm1d;
import dev.backprop.nn.BatchNorm2d;
import dev.backprop.nn.Conv2d;
import dev.backprop.nn.Dropout2d;
import dev.backprop.nn.Flatten;
import dev.backprop.nn.Linear;
import dev.backprop.nn.MaxPool2d;
import dev.backprop.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Model specs with convolution, pooling, batch norm and channel dropout layers, and the CNN presets. */
class ConvSpecTest {
    /** Every convolutional layer type, with non-default settings, for [3, 9, 10] images. */
    static Sequential everyConvLayer(Generator g) {
        return new Sequential(
                new Conv2d(3, 4, new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 2}, 1, true, g),
                new BatchNorm2d(4, 1e-3, 0.2, true, true),
                new MaxPool2d(new int[] {2, 2}, new int[] {1, 2}, new int[] {1, 0}, new int[] {1, 1}),
                new Dropout2d(0.1, g),
                new Conv2d(4, 6, new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 2, false, g),
                new AvgPool2d(new int[] {2, 3}, new int[] {2, 3}, new int[] {1, 1}, false),
                new AdaptiveAvgPool2d(2, 1),
                new Flatten(),
                new BatchNorm1d(12, 1e-5, 0.1, false, true),
                new Linear(12, 5));
    }

    @Test
    void everyConvLayerRoundTripsThroughJsonAndRuns() {
        Sequential model = everyConvLayer(new Generator(1));
        ModelSpec spec = ModelSpec.of(model).withInputShape(3, 9, 10);
        ModelSpec back = ModelSpec.parse(spec.toJson());
        assertEquals(spec, back);
        assertEquals(spec.toJson(), back.toJson());
        Sequential rebuilt = back.build(new Generator(2));
        assertEquals(ModelSpec.of(model).layers(), ModelSpec.of(rebuilt).layers());
        for (int i = 0; i < model.layers().size(); i++) {
            assertEquals(model.layers().get(i).describe(), rebuilt.layers().get(i).describe(), "layer " + i);
        }
        assertEquals(model.stateDict().keySet(), rebuilt.stateDict().keySet());
        // The traced shape is the one the modules produce.
        Tensor x = Tensor.randn(new Generator(3), 4, 3, 9, 10);
        assertArrayEquals(new int[] {4, 5}, rebuilt.forward(x).shape());
        assertArrayEquals(new int[] {5}, back.outputShape());
        for (int n = 1; n < rebuilt.layers().size(); n++) {
            Sequential prefix = new Sequential(rebuilt.layers().subList(0, n));
            int[] traced = new ModelSpec(new int[] {3, 9, 10}, spec.layers().subList(0, n), Map.of()).outputShape();
            int[] got = prefix.eval().forward(x).shape();
            assertArrayEquals(traced, java.util.Arrays.copyOfRange(got, 1, got.length), "after layer " + (n - 1));
        }
    }

    @Test
    void pairsAcceptOneIntegerOrTwoAndDefaultAsPyTorch() {
        ModelSpec s = ModelSpec.parse("""
                {"format":"backprop-model","version":1,"input_shape":[1,8,8],
                 "layers":[{"type":"conv2d","in_channels":1,"out_channels":2,"kernel_size":3},
                           {"type":"max_pool2d","kernel_size":[2,1]}]}""");
        assertEquals(ModelSpec.Layer.of("conv2d", "in_channels", 1, "out_channels", 2, "kernel_size", List.of(3, 3),
                "stride", List.of(1, 1), "padding", List.of(0, 0), "dilation", List.of(1, 1), "groups", 1, "bias", true),
                s.layers().get(0));
        // A pooling stride defaults to its kernel size, as in PyTorch.
        assertEquals(List.of(2, 1), s.layers().get(1).args().get("stride"));
        assertArrayEquals(new int[] {2, 3, 6}, s.outputShape());
    }

    private static String error(String layers, String inputShape) {
        return assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse(
                "{\"format\":\"backprop-model\",\"version\":1,\"input_shape\":" + inputShape + ",\"layers\":[" + layers + "]}"))
                .getMessage();
    }

    @Test
    void badArgumentsAndShapesGiveOneLineErrorsNamingThePath() {
        String conv = "{\"type\":\"conv2d\",\"in_channels\":1,\"out_channels\":2,";
        assertEquals("model spec: layers[0].kernel_size: expected a positive integer or [height, width], got [0,3]",
                error(conv + "\"kernel_size\":[0,3]}", "[1,8,8]"));
        assertTrue(error(conv + "\"kernel_size\":[1,2,3]}", "[1,8,8]").contains("layers[0].kernel_size: expected"));
        assertTrue(error(conv + "\"padding\":1}", "[1,8,8]").contains("layers[0].kernel_size: missing"));
        assertTrue(error(conv + "\"kernel_size\":3,\"padding\":-1}", "[1,8,8]").contains("a non-negative integer"));
        assertTrue(error(conv + "\"kernel_size\":3,\"groups\":2}", "[1,8,8]").contains("divisible by groups 2"));
        String m = error(conv + "\"kernel_size\":3}", "[3,8,8]");
        assertTrue(m.contains("layers[0] (conv2d): expects images of shape [1, height, width], but receives [3, 8, 8]"), m);
        m = error(conv + "\"kernel_size\":9}", "[1,8,8]");
        assertTrue(m.contains("does not fit in an image of 8×8"), m);
        m = error("{\"type\":\"max_pool2d\",\"kernel_size\":2,\"padding\":2}", "[1,8,8]");
        assertTrue(m.contains("layers[0].padding: must be at most half the kernel size: at most [1, 1] for a kernel of [2, 2], got [2, 2]"), m);
        // With dilation the bound is half the dilated kernel, as in PyTorch (and in the module).
        ModelSpec dilated = ModelSpec.parse("{\"format\":\"backprop-model\",\"version\":1,\"input_shape\":[1,8,8],\"layers\":"
                + "[{\"type\":\"max_pool2d\",\"kernel_size\":2,\"dilation\":3,\"padding\":2}]}");
        assertArrayEquals(new int[] {1, 5, 5}, dilated.outputShape()); // (8 + 2·2 − (3·1 + 1)) / 2 + 1
        assertArrayEquals(new int[] {1, 1, 5, 5}, dilated.build(new dev.backprop.Generator(0)).forward(
                Tensor.randn(new Generator(1), 1, 1, 8, 8)).shape());
        m = error("{\"type\":\"batch_norm2d\",\"num_features\":4}", "[3,8,8]");
        assertTrue(m.contains("expects examples of shape [4, height, width]"), m);
        m = error("{\"type\":\"dropout2d\"}", "[64]");
        assertTrue(m.contains("use dropout for other shapes"), m);
        for (String bad : List.of(m, error(conv + "\"kernel_size\":9}", "[1,8,8]"))) assertTrue(!bad.contains("\n"), bad);
    }

    @Test
    void cnnBnPresetIsTheIssuesArchitecture() {
        ModelSpec s = ModelSpec.preset("cnn-bn", new int[] {1, 28, 28}, 10, "relu", Double.NaN);
        List<String> types = s.layers().stream().map(ModelSpec.Layer::type).toList();
        assertEquals(List.of("conv2d", "batch_norm2d", "relu", "max_pool2d", "conv2d", "batch_norm2d", "relu", "max_pool2d",
                "flatten", "linear", "relu", "dropout", "linear"), types);
        assertEquals(0.25, s.layers().get(11).doubleArg("p"));
        assertEquals(false, s.layers().get(0).boolArg("bias"));
        Sequential m = s.build(new Generator(0));
        // Parameter count of the same model in PyTorch: 288 + 64 + 18432 + 128 + 401536 + 1290.
        assertEquals(421_738, m.parameterCount());
        assertEquals(List.of("0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
                "4.weight", "5.weight", "5.bias", "5.running_mean", "5.running_var", "5.num_batches_tracked",
                "9.weight", "9.bias", "12.weight", "12.bias"), List.copyOf(m.stateDict().keySet()));
        assertArrayEquals(new int[] {10}, s.outputShape());
        // Digits are 8×8: the same layers end at 2×2.
        assertEquals(64 * 2 * 2, ModelSpec.preset("cnn-bn", new int[] {1, 8, 8}, 10, "relu", 0).layers().get(9).intArg("in"));
        assertEquals(12, ModelSpec.preset("cnn-bn", new int[] {1, 8, 8}, 10, "relu", 0).layers().size(), "no dropout at 0");
    }

    @Test
    void lenetPresetIsLeNet5AndNeedsImagesOfTwelvePixels() {
        ModelSpec s = ModelSpec.preset("lenet", new int[] {1, 28, 28}, 10, "relu", Double.NaN);
        Sequential m = s.build(new Generator(0));
        // LeNet-5's classic count: 156 + 2416 + 48120 + 10164 + 850.
        assertEquals(61_706, m.parameterCount());
        assertEquals(400, s.layers().get(7).intArg("in"));
        ModelSpec small = ModelSpec.preset("lenet", new int[] {3, 12, 12}, 4, "tanh", 0);
        assertArrayEquals(new int[] {4}, small.outputShape());
        String msg = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.preset("lenet", new int[] {1, 8, 8}, 10, "relu", 0)).getMessage();
        assertEquals("preset \"lenet\": needs images [channels, height, width] of at least 12×12, got examples of shape "
                + "[1, 8, 8]; use mlp or cnn-bn for these", msg);
        msg = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.preset("cnn-bn", new int[] {64}, 10, "relu", 0)).getMessage();
        assertTrue(msg.contains("needs images [channels, height, width]"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> ModelSpec.preset("resnet", new int[] {64}, 10, "relu", 0))
                .getMessage();
        assertTrue(msg.contains("lenet") && msg.contains("cnn-bn"), msg);
    }

    @Test
    void aBatchNormModelSavesAndLoadsItsRunningStatistics() throws Exception {
        ModelSpec s = ModelSpec.preset("cnn-bn", new int[] {1, 8, 8}, 3, "relu", Double.NaN);
        Sequential m = s.build(new Generator(4));
        Tensor x = Tensor.randn(new Generator(5), 16, 1, 8, 8);
        m.train();
        for (int i = 0; i < 3; i++) m.forward(x.mul(1 + i)); // moves the running statistics away from 0 and 1
        m.eval();
        Tensor want;
        try (var ng = GradMode.noGrad()) {
            want = m.forward(x);
        }
        Path dir = Files.createTempDirectory("convspec");
        Path file = dir.resolve("m");
        ModelFiles.save(file, m, s);
        ModelFiles.Loaded back = ModelFiles.load(file);
        Sequential r = back.model();
        r.eval();
        try (var ng = GradMode.noGrad()) {
            assertArrayEquals(want.toFloatArray(), r.forward(x).toFloatArray());
        }
        assertEquals(m.namedBuffers().get("1.num_batches_tracked").item(), r.namedBuffers().get("1.num_batches_tracked").item());
    }
}
