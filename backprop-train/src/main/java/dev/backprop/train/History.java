package dev.backprop.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** The per-epoch record of a training run, and how it ended. */
public final class History {
    private final List<EpochStats> epochs = new ArrayList<>();
    private String stopReason = "completed all epochs";
    private int restoredEpoch;
    private String validationName = "val";

    void add(EpochStats s) {
        epochs.add(s);
    }

    /** Every epoch's statistics, in order. */
    public List<EpochStats> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /** The last epoch's statistics. */
    public EpochStats last() {
        return epochs.getLast();
    }

    /** Why training stopped. */
    public String stopReason() {
        return stopReason;
    }

    public void setStopReason(String reason) {
        this.stopReason = reason;
    }

    /** The epoch whose weights the model holds after early stopping restored them, or 0. */
    public int restoredEpoch() {
        return restoredEpoch;
    }

    public void setRestoredEpoch(int epoch) {
        this.restoredEpoch = epoch;
    }

    /** What the per-epoch evaluation is called in {@link #toString()}: "val" or "test" (as the trainer's). */
    void validationName(String name) {
        this.validationName = name;
    }

    /**
     * One line for a person: epochs run, why it stopped, and the last epoch's losses and accuracies, e.g.
     * {@code History(3 epochs, completed all epochs; last: train loss 0.1203, accuracy 0.9652; test loss 0.1524,
     * accuracy 0.9554)}. Accuracies appear for classification only, the evaluation only when there was one.
     */
    @Override
    public String toString() {
        if (epochs.isEmpty()) return "History(no epochs)";
        EpochStats l = last();
        StringBuilder sb = new StringBuilder("History(").append(epochs.size()).append(epochs.size() == 1 ? " epoch, " : " epochs, ")
                .append(stopReason);
        if (restoredEpoch > 0) sb.append(", weights of epoch ").append(restoredEpoch);
        sb.append("; last: ").append(lossAndAccuracy("train", l.trainLoss(), l.trainAccuracy()));
        if (!Double.isNaN(l.valLoss())) sb.append("; ").append(lossAndAccuracy(validationName, l.valLoss(), l.valAccuracy()));
        return sb.append(')').toString();
    }

    private static String lossAndAccuracy(String name, double loss, double accuracy) {
        return String.format(Locale.ROOT, "%s loss %.4f", name, loss)
                + (Double.isNaN(accuracy) ? "" : String.format(Locale.ROOT, ", accuracy %.4f", accuracy));
    }

    /** Total training seconds. */
    public double seconds() {
        return epochs.stream().mapToDouble(EpochStats::seconds).sum();
    }
}
