package dev.backprop.optim.schedule;

import dev.backprop.optim.Optimizer;

/** Multiplies the learning rate by γ every epoch (PyTorch's {@code ExponentialLR}): lr(e) = base·γ^e. */
public final class ExponentialLR extends LRScheduler {
    private final double gamma;

    /** @param gamma the factor per epoch, ≥ 0 */
    public ExponentialLR(Optimizer optimizer, double gamma) {
        this.gamma = Checks.nonNegative("ExponentialLR", "gamma", gamma);
        super(optimizer);
    }

    @Override
    protected double lrAt(int epoch, int group, double baseLr) {
        return baseLr * Math.pow(gamma, epoch);
    }

    @Override
    public String describe() {
        return "ExponentialLR(gamma=" + fmt(gamma) + ")";
    }
}
