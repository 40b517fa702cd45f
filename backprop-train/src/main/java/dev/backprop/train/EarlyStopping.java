package dev.backprop.train;

import dev.backprop.Tensor;
import dev.backprop.nn.Module;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stops training when the monitored loss (validation loss when there is a validation set, else training loss)
 * has not improved by more than {@code minDelta} for {@code patience} epochs, and restores the weights of the
 * best epoch at the end of training — whether patience ran out or the epochs did (Keras's
 * {@code restore_best_weights}, applied in both cases).
 */
public final class EarlyStopping implements Callback {
    private final int patience;
    private final double minDelta;
    private final boolean restoreBest;
    private double best = Double.POSITIVE_INFINITY;
    private int bestEpoch;
    private int wait;
    private Map<String, Tensor> bestState;

    public EarlyStopping(int patience) {
        this(patience, 0, true);
    }

    public EarlyStopping(int patience, double minDelta, boolean restoreBest) {
        if (patience < 1) throw new IllegalArgumentException("early stopping: patience must be at least 1, got " + patience);
        if (minDelta < 0) throw new IllegalArgumentException("early stopping: minDelta must be ≥ 0, got " + minDelta);
        this.patience = patience;
        this.minDelta = minDelta;
        this.restoreBest = restoreBest;
    }

    /** The epoch with the best monitored loss so far (0 before the first). */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** The best monitored loss so far. */
    public double bestLoss() {
        return best;
    }

    @Override
    public boolean onEpochEnd(Trainer trainer, EpochStats s) {
        double v = Double.isNaN(s.valLoss()) ? s.trainLoss() : s.valLoss();
        if (v < best - minDelta) {
            best = v;
            bestEpoch = s.epoch();
            wait = 0;
            if (restoreBest) bestState = snapshot(trainer.model());
            return false;
        }
        return ++wait >= patience;
    }

    @Override
    public void onTrainEnd(Trainer trainer, History history) {
        if (history.epochs().size() > bestEpoch && wait >= patience) {
            history.setStopReason("early stopping: no improvement for " + patience + " epochs after epoch " + bestEpoch);
        }
        if (restoreBest && bestState != null) {
            trainer.model().loadStateDict(bestState, true);
            history.setRestoredEpoch(bestEpoch);
        }
    }

    static Map<String, Tensor> snapshot(Module m) {
        Map<String, Tensor> copy = new LinkedHashMap<>();
        for (var e : m.stateDict().entrySet()) copy.put(e.getKey(), e.getValue().detach().clone());
        return copy;
    }
}
