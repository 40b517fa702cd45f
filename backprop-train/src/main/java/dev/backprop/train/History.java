package dev.backprop.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The per-epoch record of a training run, and how it ended. */
public final class History {
    private final List<EpochStats> epochs = new ArrayList<>();
    private String stopReason = "completed all epochs";
    private int restoredEpoch;

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

    /** Total training seconds. */
    public double seconds() {
        return epochs.stream().mapToDouble(EpochStats::seconds).sum();
    }
}
