package dev.backprop.data;

import dev.backprop.Shape;

import java.util.Arrays;
import java.util.List;

/**
 * A named data set ready for training: a training part, a test part and what a model needs to know about them.
 *
 * @param name       what it is called ("digits", "fashion-mnist", a file name)
 * @param train      the examples to fit (and to take a validation split from: {@link Split})
 * @param test       the held-out examples (may be the same object as {@code train}, as for XOR)
 * @param inputShape the shape of one input sample, e.g. [1, 28, 28] or [4]
 * @param classNames the class names, index = class index; null for regression
 * @param task       classification or regression
 */
public record LabeledData(String name, TensorDataset train, TensorDataset test, int[] inputShape,
                          List<String> classNames, Task task) {
    public LabeledData {
        inputShape = inputShape.clone();
        classNames = classNames == null ? null : List.copyOf(classNames);
        if (!Arrays.equals(train.sampleShape(), inputShape) || !Arrays.equals(test.sampleShape(), inputShape)) {
            throw new DataException(name + ": input shape " + Shape.str(inputShape) + " differs from the samples: train "
                    + Shape.str(train.sampleShape()) + ", test " + Shape.str(test.sampleShape()));
        }
        if (task == Task.CLASSIFICATION && classNames == null) {
            throw new DataException(name + ": a classification data set needs class names");
        }
    }

    /** The shape of one input sample (a copy). */
    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** The number of values in one input sample (the product of {@link #inputShape()}). */
    public int inputSize() {
        return Math.toIntExact(Shape.numel(inputShape));
    }

    /** The number of classes, or 0 for regression. */
    public int numClasses() {
        return classNames == null ? 0 : classNames.size();
    }

    /** The width of the target (N, k) for regression targets, the number of classes for class labels. */
    public int outputSize() {
        return train.isClassification() ? numClasses() : train.targetWidth();
    }

    /**
     * The same data with class labels as float32 targets (N, 1) (class 1 → 1.0f), for a network with a single
     * sigmoid output trained with MSE or BCE, like the classic 2-2-1 XOR network. The task becomes regression
     * and the class names are kept, so a caller can still threshold at 0.5 and report accuracy.
     */
    public LabeledData withFloatTargets() {
        if (!train.isClassification()) return this;
        TensorDataset tr = train.withFloatTargets();
        TensorDataset te = test == train ? tr : test.withFloatTargets();
        return new LabeledData(name, tr, te, inputShape, classNames, Task.REGRESSION);
    }

    /** The same data with {@code normalization} applied to both parts (fit it on {@link #train()} only). */
    public LabeledData normalize(Normalization normalization) {
        TensorDataset tr = normalization.apply(train);
        TensorDataset te = test == train ? tr : normalization.apply(test);
        return new LabeledData(name, tr, te, inputShape, classNames, task);
    }

    /**
     * This data with {@code normalization} applied to both parts where they are, overwriting the features (see
     * {@link Normalization#applyInPlace}): for data just loaded, whose raw values nothing else reads. Returns
     * this.
     */
    public LabeledData normalizeInPlace(Normalization normalization) {
        normalization.applyInPlace(train);
        if (test != train) normalization.applyInPlace(test);
        return this;
    }

    /** One line: "digits: 1438 train / 359 test, input [1, 8, 8], 10 classes". */
    public String describe() {
        return name + ": " + train.size() + " train / " + test.size() + " test, input " + Shape.str(inputShape) + ", "
                + (classNames != null && task == Task.CLASSIFICATION ? classNames.size() + (classNames.size() == 1 ? " class" : " classes")
                : "regression, " + train.targetWidth() + " output" + (train.targetWidth() == 1 ? "" : "s"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabeledData d && d.name.equals(name) && d.train == train && d.test == test
                && Arrays.equals(d.inputShape, inputShape) && java.util.Objects.equals(d.classNames, classNames)
                && d.task == task;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(inputShape);
    }

    @Override
    public String toString() {
        return "LabeledData(" + describe() + ")";
    }
}
