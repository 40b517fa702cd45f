package dev.backprop.train;

/** Hooks into the training loop (progress display, early stopping, monitors). All methods are optional. */
public interface Callback {
    /** Before the first epoch. */
    default void onTrainBegin(Trainer trainer) {}

    /** Before each epoch (1-based). */
    default void onEpochBegin(Trainer trainer, int epoch) {}

    /** Before each step's forward pass: the epoch and the step within it (1-based). */
    default void onBatchBegin(Trainer trainer, int epoch, int step) {}

    /**
     * After each step's backward pass, before gradient clipping and the optimizer step: the parameters' gradients
     * are this batch's, as backward left them, and the weights are still those the forward pass used.
     */
    default void onAfterBackward(Trainer trainer, int epoch, int step) {}

    /** After each optimizer step: the step within the epoch (1-based), the batch size and its loss. */
    default void onBatchEnd(Trainer trainer, int epoch, int step, int batchSize, double loss) {}

    /** After each epoch; return true to stop training. */
    default boolean onEpochEnd(Trainer trainer, EpochStats stats) {
        return false;
    }

    /** After the last epoch (also when stopped early). */
    default void onTrainEnd(Trainer trainer, History history) {}
}
