package dev.backprop.data;

import dev.backprop.Tensor;

/**
 * A mini-batch from a {@link DataLoader}: inputs {@code x} of shape (B, ...) and targets {@code y}, (B) int64
 * class indices for classification or (B, k) float32 values for regression. Both are new contiguous tensors that
 * the batch owns (changing them does not change the data set).
 */
public record Batch(Tensor x, Tensor y) {
    /** The number of examples in this batch (the first dimension of {@code x}). */
    public int size() {
        return x.size(0);
    }
}
