package dev.backprop.optim.schedule;

import dev.backprop.optim.Optimizer;

/**
 * Scales the learning rate by a factor that moves linearly from startFactor to endFactor over totalIters epochs
 * and then stays there (PyTorch's {@code LinearLR}); with the defaults, a linear warm-up from a third of the lr:
 * <pre>
 *   lr(e) = base·(s + (f − s)·min(e, T) / T)
 * </pre>
 * Defaults: startFactor s = 1/3, endFactor f = 1, totalIters T = 5.
 */
public final class LinearLR extends LRScheduler {
    private final double startFactor;
    private final double endFactor;
    private final int totalIters;

    /** LinearLR with startFactor 1/3, endFactor 1, totalIters 5. */
    public LinearLR(Optimizer optimizer) {
        this(optimizer, 1.0 / 3, 1.0, 5);
    }

    /**
     * @param startFactor the factor at epoch 0, in (0, 1]
     * @param endFactor   the factor from epoch totalIters on, in [0, 1]
     * @param totalIters  the number of epochs the change takes, ≥ 1
     */
    public LinearLR(Optimizer optimizer, double startFactor, double endFactor, int totalIters) {
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("LinearLR: startFactor must be in (0, 1], got " + startFactor);
        }
        if (!(endFactor >= 0 && endFactor <= 1)) {
            throw new IllegalArgumentException("LinearLR: endFactor must be in [0, 1], got " + endFactor);
        }
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = Checks.atLeast("LinearLR", "totalIters", totalIters, 1);
        super(optimizer);
    }

    @Override
    protected double lrAt(int epoch, int group, double baseLr) {
        return baseLr * (startFactor + (endFactor - startFactor) * Math.min(epoch, totalIters) / totalIters);
    }

    @Override
    public String describe() {
        return "LinearLR(startFactor=" + fmt(startFactor) + ", endFactor=" + fmt(endFactor) + ", totalIters="
                + totalIters + ")";
    }
}
