package dev.backprop.train;

import dev.backprop.GradMode;
import dev.backprop.Shape;
import dev.backprop.Tensor;
import dev.backprop.nn.Module;
import dev.backprop.nn.Parameter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A table of a model's layers: what each is, its output shape (found by passing one zero example through) and
 * its parameter count, as Keras's {@code model.summary()}.
 */
public record ModelSummary(int[] inputShape, List<Row> rows, long parameters) {

    /** One layer: its name in the state dict, its description, output shape (without the batch) and parameters. */
    public record Row(String name, String layer, int[] outputShape, long parameters) {}

    /** The summary of {@code model}'s top-level layers for one example of {@code inputShape}. */
    public static ModelSummary of(Module model, int[] inputShape) {
        List<Row> rows = new ArrayList<>();
        int[] batched = new int[inputShape.length + 1];
        batched[0] = 1;
        System.arraycopy(inputShape, 0, batched, 1, inputShape.length);
        boolean wasTraining = model.isTraining();
        model.eval();
        try (var scope = GradMode.noGrad()) {
            Tensor x = Tensor.zeros(batched);
            var children = model.namedChildren();
            if (children.isEmpty()) {
                x = model.forward(x);
                rows.add(new Row("", model.describe(), drop(x.shape()), count(model)));
            } else {
                for (var e : children.entrySet()) {
                    x = e.getValue().forward(x);
                    rows.add(new Row(e.getKey(), e.getValue().describe(), drop(x.shape()), count(e.getValue())));
                }
            }
        } finally {
            if (wasTraining) model.train();
        }
        return new ModelSummary(inputShape.clone(), rows, model.parameterCount());
    }

    private static long count(Module m) {
        long n = 0;
        for (Parameter p : m.parameters()) n += p.numel();
        return n;
    }

    private static int[] drop(int[] s) {
        return Arrays.copyOfRange(s, 1, s.length);
    }

    /** A plain-text table. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-6s %-32s %-16s %12s%n", "layer", "type", "output", "parameters"));
        sb.append(String.format(Locale.ROOT, "%-6s %-32s %-16s %12s%n", "input", "", Shape.str(inputShape), ""));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%-6s %-32s %-16s %,12d%n", r.name(), r.layer(), Shape.str(r.outputShape()), r.parameters()));
        }
        sb.append(String.format(Locale.ROOT, "total parameters: %,d%n", parameters));
        return sb.toString();
    }
}
