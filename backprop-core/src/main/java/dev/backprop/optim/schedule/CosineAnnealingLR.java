package dev.backprop.optim.schedule;

import dev.backprop.optim.Optimizer;

/**
 * Cosine annealing from the base learning rate down to etaMin over tMax epochs (PyTorch's
 * {@code CosineAnnealingLR}), in closed form:
 * <pre>
 *   lr(e) = ηmin + (base − ηmin)·(1 + cos(π·e / tMax)) / 2
 * </pre>
 * As in PyTorch the formula is not cut off at tMax: stepping further the lr climbs back along the cosine (period
 * 2·tMax). Set tMax to the number of steps you will take, or use {@link WarmupCosine}, which stays at etaMin.
 * Default etaMin = 0.
 */
public final class CosineAnnealingLR extends LRScheduler {
    private final int tMax;
    private final double etaMin;

    /** Cosine annealing to 0 over {@code tMax} epochs. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax) {
        this(optimizer, tMax, 0);
    }

    /**
     * @param tMax   epochs from the base lr to etaMin, ≥ 1
     * @param etaMin the lowest lr, ≥ 0
     */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        this.tMax = Checks.atLeast("CosineAnnealingLR", "tMax", tMax, 1);
        this.etaMin = Checks.nonNegative("CosineAnnealingLR", "etaMin", etaMin);
        super(optimizer);
    }

    @Override
    protected double lrAt(int epoch, int group, double baseLr) {
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }

    @Override
    public String describe() {
        return "CosineAnnealingLR(tMax=" + tMax + ", etaMin=" + fmt(etaMin) + ")";
    }
}
