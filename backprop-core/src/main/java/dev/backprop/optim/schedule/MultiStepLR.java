package dev.backprop.optim.schedule;

import dev.backprop.optim.Optimizer;

import java.util.Arrays;

/**
 * Multiplies the learning rate by γ at each milestone epoch (PyTorch's {@code MultiStepLR}):
 * lr(e) = base·γ^(number of milestones ≤ e). Milestones may be given in any order; one listed twice decays twice
 * there (as in PyTorch). Default γ = 0.1.
 */
public final class MultiStepLR extends LRScheduler {
    private final int[] milestones;
    private final double gamma;

    /** MultiStepLR with γ = 0.1. */
    public MultiStepLR(Optimizer optimizer, int[] milestones) {
        this(optimizer, milestones, 0.1);
    }

    /**
     * @param milestones epochs (≥ 0) at which the lr is multiplied by γ
     * @param gamma      the factor, ≥ 0
     */
    public MultiStepLR(Optimizer optimizer, int[] milestones, double gamma) {
        int[] sorted = milestones.clone();
        Arrays.sort(sorted);
        if (sorted.length > 0 && sorted[0] < 0) {
            throw new IllegalArgumentException("MultiStepLR: milestones must be epochs >= 0, got " + Arrays.toString(milestones));
        }
        this.milestones = sorted;
        this.gamma = Checks.nonNegative("MultiStepLR", "gamma", gamma);
        super(optimizer);
    }

    @Override
    protected double lrAt(int epoch, int group, double baseLr) {
        int passed = 0;
        while (passed < milestones.length && milestones[passed] <= epoch) passed++;
        return baseLr * Math.pow(gamma, passed);
    }

    @Override
    public String describe() {
        return "MultiStepLR(milestones=" + Arrays.toString(milestones) + ", gamma=" + fmt(gamma) + ")";
    }
}
