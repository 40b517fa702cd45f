package dev.backprop.optim;

import dev.backprop.Tensor;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter): the weights are shrunk directly, p ← p − γλ·p,
 * <em>before</em> the Adam step, and the decay never enters the gradient or the moment estimates; exactly as
 * PyTorch's {@code torch.optim.AdamW}. For decay added to the gradient (L2), use {@link Adam}.
 *
 * <p>For each parameter p with gradient g, at its t-th update (t = 1, 2, ...), with learning rate γ and weight
 * decay λ of its group, betas (β₁, β₂) and ε (the moments m and v start at zero):
 * <pre>
 *   p ← p − γ·λ·p                                (decoupled: every weight shrinks by the same factor 1 − γλ)
 *   m ← β₁·m + (1 − β₁)·g
 *   v ← β₂·v + (1 − β₂)·g²
 *   v̂ ← max(v̂, v) if amsgrad, else v̂ = v
 *   p ← p − γ·(m / (1 − β₁ᵗ)) / (√(v̂ / (1 − β₂ᵗ)) + ε)
 * </pre>
 * One step from w = 1 with zero loss gradient, λ = 0.1, γ = 0.1 gives 0.99 here and 0.90000001 with Adam.
 * Note the decay is scaled by the learning rate, so a schedule that lowers γ lowers the decay too (as in PyTorch).
 *
 * <p>Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 0.01, amsgrad off.
 */
public final class AdamW extends Optimizer {
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double eps = 1e-8;
    private boolean amsgrad;

    /** AdamW with learning rate 1e-3 and weight decay 0.01. */
    public AdamW(Iterable<? extends Tensor> params) {
        this(params, 1e-3);
    }

    /** AdamW with learning rate {@code lr} and weight decay 0.01. */
    public AdamW(Iterable<? extends Tensor> params, double lr) {
        super(params, lr, 0.01);
    }

    /** The decay rates β₁, β₂ in [0, 1) of the moment estimates (default 0.9, 0.999); returns this. */
    public AdamW betas(double beta1, double beta2) {
        this.beta1 = checkUnitOpen("beta1", beta1);
        this.beta2 = checkUnitOpen("beta2", beta2);
        return this;
    }

    /** ε ≥ 0 added to the root (default 1e-8); returns this. */
    public AdamW eps(double eps) {
        this.eps = checkNonNegative("eps", eps);
        return this;
    }

    /** AMSGrad: divide by the largest second moment seen so far (default off); returns this. */
    public AdamW amsgrad(boolean amsgrad) {
        this.amsgrad = amsgrad;
        return this;
    }

    /**
     * Decoupled weight decay λ ≥ 0 of every group (default 0.01): each step multiplies the weights by 1 − γλ
     * before the Adam update. Returns this.
     */
    @Override
    public AdamW weightDecay(double weightDecay) {
        super.weightDecay(weightDecay);
        return this;
    }

    @Override
    public AdamW addParamGroup(Iterable<? extends Tensor> params, double lr, double weightDecay) {
        super.addParamGroup(params, lr, weightDecay);
        return this;
    }

    /** β₁, the decay rate of the first moment. */
    public double beta1() {
        return beta1;
    }

    /** β₂, the decay rate of the second moment. */
    public double beta2() {
        return beta2;
    }

    /** ε, added to the root. */
    public double eps() {
        return eps;
    }

    /** Whether AMSGrad is on. */
    public boolean amsgrad() {
        return amsgrad;
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamGroup group, ParamState state) {
        AdamRule.update(param, grad, state, group.lr(), group.weightDecay(), true, beta1, beta2, eps, amsgrad);
    }

    @Override
    public String describe() {
        return "AdamW(" + groupValues() + " (decoupled), betas=(" + fmt(beta1) + ", " + fmt(beta2) + "), eps="
                + fmt(eps) + ", amsgrad=" + amsgrad + ")";
    }
}
