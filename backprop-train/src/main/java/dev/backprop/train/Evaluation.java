package dev.backprop.train;

import dev.backprop.GradMode;
import dev.backprop.Tensor;
import dev.backprop.data.Batch;
import dev.backprop.data.DataLoader;
import dev.backprop.data.Dataset;
import dev.backprop.nn.Module;

import java.util.ArrayList;
import java.util.List;

/**
 * A model's loss and accuracy on a data set, in evaluation mode and without a graph, with the confusion matrix
 * (rows: true class, columns: predicted class) for classification.
 *
 * @param loss      mean loss per example
 * @param accuracy  share of correct predictions (NaN for regression)
 * @param confusion counts [true][predicted], or null for regression
 * @param examples  how many examples were evaluated
 * @param mistakes  the first misclassified examples, in data-set order, as many as were asked for (none by default)
 */
public record Evaluation(double loss, double accuracy, long[][] confusion, int examples, List<Mistake> mistakes) {

    /** A misclassified example: its index in the data set, its true class, the predicted one and that class's probability. */
    public record Mistake(int index, int label, int predicted, double probability) {}

    public Evaluation {
        mistakes = List.copyOf(mistakes);
    }

    /** An evaluation that kept no mistakes. */
    public Evaluation(double loss, double accuracy, long[][] confusion, int examples) {
        this(loss, accuracy, confusion, examples, List.of());
    }

    /** Evaluates {@code model} on every example of {@code data}, in batches. */
    public static Evaluation of(Module model, Objective objective, Dataset data, int batchSize) {
        return of(model, objective, data, batchSize, 0);
    }

    /**
     * Evaluates {@code model} on every example of {@code data}, in batches, and keeps the first
     * {@code keepMistakes} misclassified examples (for a report's gallery).
     */
    public static Evaluation of(Module model, Objective objective, Dataset data, int batchSize, int keepMistakes) {
        boolean wasTraining = model.isTraining();
        model.eval();
        try (var scope = GradMode.noGrad()) {
            int classes = objective.classes();
            long[][] confusion = classes > 0 ? new long[classes][classes] : null;
            double lossSum = 0;
            long correct = 0;
            int n = 0;
            List<Mistake> mistakes = new ArrayList<>();
            for (Batch b : DataLoader.inOrder(data, batchSize)) {
                Tensor out = model.forward(b.x());
                double l = objective.loss(out, b.y()).item();
                lossSum += l * b.size();
                n += b.size();
                Tensor pred = objective.predict(out);
                if (pred != null) {
                    long[] p = pred.toLongArray(), t = b.y().toLongArray();
                    float[] prob = null;
                    for (int i = 0; i < p.length; i++) {
                        confusion[(int) t[i]][(int) p[i]]++;
                        if (p[i] == t[i]) {
                            correct++;
                        } else if (mistakes.size() < keepMistakes) {
                            if (prob == null) prob = objective.probabilities(out).toFloatArray();
                            // One probability per example (a single sigmoid unit) is that of class 1.
                            int width = prob.length / p.length;
                            double pp = width == 1 ? (p[i] == 1 ? prob[i] : 1 - prob[i]) : prob[i * width + (int) p[i]];
                            mistakes.add(new Mistake(n - b.size() + i, (int) t[i], (int) p[i], pp));
                        }
                    }
                }
            }
            return new Evaluation(n == 0 ? Double.NaN : lossSum / n, confusion == null || n == 0 ? Double.NaN : (double) correct / n,
                    confusion, n, mistakes);
        } finally {
            if (wasTraining) model.train();
        }
    }
}
