package dev.backprop.train;

/**
 * What one epoch measured. Accuracies are NaN for regression; validation figures are NaN without a validation
 * set.
 *
 * @param epoch          1-based
 * @param trainLoss      mean loss over the epoch's training batches (with dropout active)
 * @param trainAccuracy  accuracy over the epoch's training batches
 * @param valLoss        loss on the validation set in evaluation mode
 * @param valAccuracy    accuracy on the validation set
 * @param lr             the learning rate the epoch trained with
 * @param seconds        wall time of the training part of the epoch
 * @param samplesPerSecond training examples per second
 * @param gradNorm       mean global gradient norm over the epoch's steps (before clipping)
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
                         double lr, double seconds, double samplesPerSecond, double gradNorm) {}
