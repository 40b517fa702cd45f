package dev.backprop.train;

/** Hooks into the training loop (progress display, early stopping, monitors). All methods are optional. */
public interface Callback {
    /** Before the first epoch. */
    default void onTrainBegin(Trainer trainer) {}

    /** Before each epoch (1-based). */
    default void onEpochBegin(Trainer trainer, int epoch) {}

    /** After each optimizer step: the step within the epoch (1-based), the batch size and its loss. */
    default void onBatchEnd(Trainer trainer, int epoch, int step, int batchSize, double loss) {}

    /** After each epoch; return true to stop training. */
    default boolean onEpochEnd(Trainer trainer, EpochStats stats) {
        return false;
    }

    /** After the last epoch (also when stopped early). */
    default void onTrainEnd(Trainer trainer, History history) {}
}
