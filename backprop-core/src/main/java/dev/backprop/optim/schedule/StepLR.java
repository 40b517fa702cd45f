package dev.backprop.optim.schedule;

import dev.backprop.optim.Optimizer;

/**
 * Multiplies the learning rate by γ every {@code stepSize} epochs (PyTorch's {@code StepLR}):
 * lr(e) = base·γ^⌊e / stepSize⌋. Default γ = 0.1.
 */
public final class StepLR extends LRScheduler {
    private final int stepSize;
    private final double gamma;

    /** StepLR with γ = 0.1. */
    public StepLR(Optimizer optimizer, int stepSize) {
        this(optimizer, stepSize, 0.1);
    }

    /**
     * @param stepSize epochs between decays, ≥ 1
     * @param gamma    the factor, ≥ 0
     */
    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        this.stepSize = Checks.atLeast("StepLR", "stepSize", stepSize, 1);
        this.gamma = Checks.nonNegative("StepLR", "gamma", gamma);
        super(optimizer);
    }

    @Override
    protected double lrAt(int epoch, int group, double baseLr) {
        return baseLr * Math.pow(gamma, epoch / stepSize);
    }

    @Override
    public String describe() {
        return "StepLR(stepSize=" + stepSize + ", gamma=" + fmt(gamma) + ")";
    }
}
