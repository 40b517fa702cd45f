package dev.backprop.cli;

import dev.backprop.io.ModelSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One small example of each layer type a model file can describe, for {@code backprop gradcheck --layer TYPE}:
 * the layer's arguments and the shape of one example it is checked on. The geometries are deliberately awkward
 * (odd sizes, strides that differ per axis, padding, dilation, groups) so that a check exercises the indexing.
 * Another configuration is a one-layer model file with its {@code input_shape}, given to {@code --model}.
 */
final class LayerExamples {
    private LayerExamples() {}

    private record Example(int[] inputShape, Object[] args) {}

    private static final Map<String, Example> EXAMPLES = new LinkedHashMap<>();

    static {
        add("linear", new int[] {6}, "in", 6, "out", 5);
        add("conv2d", new int[] {4, 7, 6}, "in_channels", 4, "out_channels", 6, "kernel_size", List.of(3, 2),
                "stride", List.of(1, 2), "padding", 1, "dilation", List.of(2, 1), "groups", 2);
        add("batch_norm1d", new int[] {3, 5}, "num_features", 3);
        add("batch_norm2d", new int[] {3, 4, 5}, "num_features", 3);
        add("max_pool2d", new int[] {2, 7, 7}, "kernel_size", 3, "stride", 2, "padding", 1);
        add("avg_pool2d", new int[] {2, 7, 7}, "kernel_size", 3, "stride", 2, "padding", 1, "count_include_pad", false);
        add("adaptive_avg_pool2d", new int[] {2, 7, 5}, "output_size", List.of(3, 2));
        add("flatten", new int[] {2, 3, 4});
        add("relu", new int[] {7});
        add("leaky_relu", new int[] {7}, "slope", 0.1);
        add("sigmoid", new int[] {7});
        add("tanh", new int[] {7});
        add("gelu", new int[] {7});
        add("softmax", new int[] {7});
        add("log_softmax", new int[] {7});
        add("identity", new int[] {7});
        add("dropout", new int[] {7}, "p", 0.5);
        add("dropout2d", new int[] {3, 4, 4}, "p", 0.5);
    }

    /** The layer types with an example, in the order of the help text. */
    static final List<String> TYPES = List.copyOf(EXAMPLES.keySet());

    private static void add(String type, int[] shape, Object... args) {
        EXAMPLES.put(type, new Example(shape, args));
    }

    /** A one-layer spec of {@code type} with its example input shape. */
    static ModelSpec spec(String type) {
        Example e = EXAMPLES.get(type);
        if (e == null) {
            throw new UserError("gradcheck: --layer '" + type + "' is not a layer type; valid: " + String.join(", ", TYPES));
        }
        return new ModelSpec(e.inputShape(), List.of(ModelSpec.Layer.of(type, e.args())), Map.of());
    }
}
