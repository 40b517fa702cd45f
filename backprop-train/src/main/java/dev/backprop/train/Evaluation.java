package dev.backprop.train;

import dev.backprop.GradMode;
import dev.backprop.Tensor;
import dev.backprop.data.Batch;
import dev.backprop.data.DataLoader;
import dev.backprop.data.Dataset;
import dev.backprop.nn.Module;

/**
 * A model's loss and accuracy on a data set, in evaluation mode and without a graph, with the confusion matrix
 * (rows: true class, columns: predicted class) for classification.
 *
 * @param loss      mean loss per example
 * @param accuracy  share of correct predictions (NaN for regression)
 * @param confusion counts [true][predicted], or null for regression
 * @param examples  how many examples were evaluated
 */
public record Evaluation(double loss, double accuracy, long[][] confusion, int examples) {

    /** Evaluates {@code model} on every example of {@code data}, in batches. */
    public static Evaluation of(Module model, Objective objective, Dataset data, int batchSize) {
        boolean wasTraining = model.isTraining();
        model.eval();
        try (var scope = GradMode.noGrad()) {
            int classes = objective.classes();
            long[][] confusion = classes > 0 ? new long[classes][classes] : null;
            double lossSum = 0;
            long correct = 0;
            int n = 0;
            for (Batch b : DataLoader.inOrder(data, batchSize)) {
                Tensor out = model.forward(b.x());
                double l = objective.loss(out, b.y()).item();
                lossSum += l * b.size();
                n += b.size();
                Tensor pred = objective.predict(out);
                if (pred != null) {
                    long[] p = pred.toLongArray(), t = b.y().toLongArray();
                    for (int i = 0; i < p.length; i++) {
                        confusion[(int) t[i]][(int) p[i]]++;
                        if (p[i] == t[i]) correct++;
                    }
                }
            }
            return new Evaluation(n == 0 ? Double.NaN : lossSum / n, confusion == null || n == 0 ? Double.NaN : (double) correct / n,
                    confusion, n);
        } finally {
            if (wasTraining) model.train();
        }
    }
}
