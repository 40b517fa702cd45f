package dev.backprop.data;

import dev.backprop.Tensor;

/**
 * One example of a {@link Dataset}: the input {@code x} (the sample's shape, e.g. [1, 28, 28]) and its target
 * {@code y} (a 0-dimensional int64 class index for classification, a (k) float32 vector for regression).
 */
public record Sample(Tensor x, Tensor y) {}
