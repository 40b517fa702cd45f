package dev.backprop.optim.schedule;

import dev.backprop.optim.Optimizer;

/**
 * Linear warm-up, then cosine annealing to etaMin: the usual schedule for transformers and for large batches.
 * With W = warmupSteps, T = totalSteps and s = warmupStartFactor:
 * <pre>
 *   e &lt; W:       lr(e) = base·(s + (1 − s)·e / W)
 *   W ≤ e ≤ T:   lr(e) = ηmin + (base − ηmin)·(1 + cos(π·(e − W) / (T − W))) / 2
 *   e &gt; T:       lr(e) = ηmin
 * </pre>
 * Up to T these are the values of PyTorch's
 * {@code SequentialLR(opt, [LinearLR(opt, s, 1, W), CosineAnnealingLR(opt, T - W, ηmin)], milestones=[W])};
 * past T that combination would climb back along the cosine, while this one stays at ηmin.
 */
public final class WarmupCosine extends LRScheduler {
    private final int warmupSteps;
    private final int totalSteps;
    private final double etaMin;
    private final double warmupStartFactor;

    /**
     * @param warmupSteps       steps of linear warm-up, ≥ 0 (0: start the cosine at once)
     * @param totalSteps        the step at which the lr reaches etaMin, &gt; warmupSteps
     * @param etaMin            the final lr, ≥ 0
     * @param warmupStartFactor the fraction of the base lr at step 0, in (0, 1]
     */
    public WarmupCosine(Optimizer optimizer, int warmupSteps, int totalSteps, double etaMin, double warmupStartFactor) {
        this.warmupSteps = Checks.atLeast("WarmupCosine", "warmupSteps", warmupSteps, 0);
        if (totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("WarmupCosine: totalSteps must be > warmupSteps (" + warmupSteps + "), got "
                    + totalSteps);
        }
        this.totalSteps = totalSteps;
        this.etaMin = Checks.nonNegative("WarmupCosine", "etaMin", etaMin);
        if (!(warmupStartFactor > 0 && warmupStartFactor <= 1)) {
            throw new IllegalArgumentException("WarmupCosine: warmupStartFactor must be in (0, 1], got " + warmupStartFactor);
        }
        this.warmupStartFactor = warmupStartFactor;
        super(optimizer);
    }

    @Override
    protected double lrAt(int epoch, int group, double baseLr) {
        if (epoch < warmupSteps) {
            return baseLr * (warmupStartFactor + (1 - warmupStartFactor) * epoch / warmupSteps);
        }
        if (epoch >= totalSteps) return etaMin;
        int t = epoch - warmupSteps;
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * t / (totalSteps - warmupSteps))) / 2;
    }

    @Override
    public String describe() {
        return "WarmupCosine(warmupSteps=" + warmupSteps + ", totalSteps=" + totalSteps + ", etaMin=" + fmt(etaMin)
                + ", warmupStartFactor=" + fmt(warmupStartFactor) + ")";
    }
}
