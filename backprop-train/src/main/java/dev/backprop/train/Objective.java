package dev.backprop.train;

import dev.backprop.DType;
import dev.backprop.Tensor;
import dev.backprop.nn.Functional;
import dev.backprop.nn.Functional.Reduction;

import java.util.Locale;

/**
 * What a network is trained to do: its loss, and how its outputs become predictions and probabilities.
 *
 * <p>Classification targets arrive as int64 class indices; each objective turns them into what its loss needs
 * (one-hot rows for MSE on several classes, a 0/1 column for a single sigmoid output).
 */
public interface Objective {
    /** The loss of a batch's outputs against its targets, a scalar (mean over the batch). */
    Tensor loss(Tensor output, Tensor target);

    /** Predicted class indices (int64, N) for classification; null for regression. */
    Tensor predict(Tensor output);

    /** Class probabilities (N, C) for classification; the outputs themselves for regression. */
    Tensor probabilities(Tensor output);

    /** How many outputs the network's last layer needs. */
    int outputs();

    /** The number of classes (0 for regression). */
    int classes();

    /** Whether the last layer should be followed by a sigmoid (the classic single-unit network trained with MSE). */
    default boolean sigmoidOutput() {
        return false;
    }

    /** The loss name, as on the command line. */
    String name();

    /** The loss names the command line accepts. */
    String NAMES = "cross-entropy, nll, bce, mse, l1, huber";

    /**
     * The objective for a loss name and a task: {@code classes} is the number of classes (0 for regression, with
     * {@code targetWidth} regression outputs). For two classes, bce and mse use a single output unit: bce on its
     * logit, mse on its sigmoid (the classic 2-2-1 XOR network).
     */
    static Objective of(String loss, int classes, int targetWidth, double labelSmoothing) {
        String l = loss.toLowerCase(Locale.ROOT).replace('_', '-');
        if (classes == 0) {
            return switch (l) {
                case "mse", "l2" -> new Regression("mse", targetWidth);
                case "l1", "mae" -> new Regression("l1", targetWidth);
                case "huber" -> new Regression("huber", targetWidth);
                default -> throw new IllegalArgumentException("loss \"" + loss + "\" does not fit a regression task; valid: mse, l1, huber");
            };
        }
        return switch (l) {
            case "cross-entropy", "ce", "crossentropy" -> new CrossEntropy(classes, labelSmoothing, false);
            case "nll" -> new CrossEntropy(classes, labelSmoothing, true);
            case "bce", "binary-cross-entropy" -> {
                if (classes != 2) throw new IllegalArgumentException("loss bce needs 2 classes, the data has " + classes
                        + "; use cross-entropy");
                yield new Binary("bce", false);
            }
            case "mse", "l1", "huber" -> classes == 2 && l.equals("mse") ? new Binary("mse", true) : new OneHot(l, classes);
            default -> throw new IllegalArgumentException("unknown loss \"" + loss + "\"; valid: " + NAMES);
        };
    }

    /** Softmax cross-entropy on C logits (or NLL on log-probabilities: the same loss on a log-softmax output). */
    record CrossEntropy(int outputs, double labelSmoothing, boolean nll) implements Objective {
        public Tensor loss(Tensor output, Tensor target) {
            return Functional.crossEntropy(output, target, null, labelSmoothing, Reduction.MEAN);
        }
        public Tensor predict(Tensor output) { return output.argmax(1, false); }
        public Tensor probabilities(Tensor output) { return output.softmax(1); }
        public String name() { return nll ? "nll" : "cross-entropy"; }
        public int classes() { return outputs; }
    }

    /** Two classes with one output unit: BCE on its logit, or MSE on its sigmoid. */
    record Binary(String name, boolean sigmoidOutput) implements Objective {
        public int outputs() { return 1; }
        public int classes() { return 2; }
        private static Tensor column(Tensor target, DType dt) { return target.toType(dt).reshape(-1, 1); }
        public Tensor loss(Tensor output, Tensor target) {
            Tensor y = column(target, output.dtype());
            return sigmoidOutput ? Functional.mseLoss(output, y, Reduction.MEAN)
                    : Functional.binaryCrossEntropyWithLogits(output, y, Reduction.MEAN);
        }
        private Tensor p1(Tensor output) { return sigmoidOutput ? output : output.sigmoid(); }
        public Tensor predict(Tensor output) { return p1(output).gt(0.5).reshape(-1).toType(DType.INT64); }
        public Tensor probabilities(Tensor output) {
            Tensor p = p1(output).clamp(0, 1);
            return Tensor.cat(java.util.List.of(p.rsub(1), p), 1);
        }
    }

    /** C outputs regressed onto one-hot rows (MSE, L1 or Huber on a classification task). */
    record OneHot(String name, int outputs) implements Objective {
        public Tensor loss(Tensor output, Tensor target) {
            Tensor y = Tensor.zeros(output.dtype(), output.shape()).scatterAdd(1, target.reshape(-1, 1),
                    Tensor.ones(output.dtype(), target.size(0), 1));
            return Regression.lossOf(name, output, y);
        }
        public Tensor predict(Tensor output) { return output.argmax(1, false); }
        public Tensor probabilities(Tensor output) { return output.softmax(1); }
        public int classes() { return outputs; }
    }

    /** Real-valued targets (N, k). */
    record Regression(String name, int outputs) implements Objective {
        static Tensor lossOf(String name, Tensor output, Tensor y) {
            return switch (name) {
                case "mse" -> Functional.mseLoss(output, y, Reduction.MEAN);
                case "l1" -> Functional.l1Loss(output, y, Reduction.MEAN);
                default -> Functional.huberLoss(output, y, 1.0, Reduction.MEAN);
            };
        }
        public Tensor loss(Tensor output, Tensor target) { return lossOf(name, output, target.toType(output.dtype())); }
        public Tensor predict(Tensor output) { return null; }
        public int classes() { return 0; }
        public Tensor probabilities(Tensor output) { return output; }
    }
}
