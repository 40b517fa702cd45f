package dev.backprop.optim;

import dev.backprop.Tensor;

/**
 * Adam with L2 weight decay: λ·p is <em>added to the gradient</em> before the moment estimates, exactly as
 * PyTorch's {@code torch.optim.Adam}. For weight decay applied to the weights directly, use {@link AdamW}.
 *
 * <p>For each parameter p with gradient g, at its t-th update (t = 1, 2, ...), with learning rate γ and weight
 * decay λ of its group, betas (β₁, β₂) and ε (the moments m and v start at zero):
 * <pre>
 *   g ← g + λ·p                                  (L2: the gradient of (λ/2)·‖p‖²)
 *   m ← β₁·m + (1 − β₁)·g
 *   v ← β₂·v + (1 − β₂)·g²
 *   v̂ ← max(v̂, v) if amsgrad, else v̂ = v
 *   p ← p − γ·(m / (1 − β₁ᵗ)) / (√(v̂ / (1 − β₂ᵗ)) + ε)
 * </pre>
 * Because the decay goes through the normalisation by √v̂, a weight with a large gradient history is decayed
 * less: that is why AdamW exists. One step from w = 1 with zero loss gradient, λ = 0.1, γ = 0.1 gives 0.90000001
 * here and 0.99 with AdamW.
 *
 * <p>Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 0, amsgrad off.
 */
public final class Adam extends Optimizer {
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double eps = 1e-8;
    private boolean amsgrad;

    /** Adam with learning rate 1e-3. */
    public Adam(Iterable<? extends Tensor> params) {
        this(params, 1e-3);
    }

    /** Adam with learning rate {@code lr}. */
    public Adam(Iterable<? extends Tensor> params, double lr) {
        super(params, lr, 0);
    }

    /** The decay rates β₁, β₂ in [0, 1) of the moment estimates (default 0.9, 0.999); returns this. */
    public Adam betas(double beta1, double beta2) {
        this.beta1 = checkUnitOpen("beta1", beta1);
        this.beta2 = checkUnitOpen("beta2", beta2);
        return this;
    }

    /** ε ≥ 0 added to the root (default 1e-8); returns this. */
    public Adam eps(double eps) {
        this.eps = checkNonNegative("eps", eps);
        return this;
    }

    /** AMSGrad: divide by the largest second moment seen so far (default off); returns this. */
    public Adam amsgrad(boolean amsgrad) {
        this.amsgrad = amsgrad;
        return this;
    }

    /**
     * L2 weight decay λ ≥ 0 of every group (default 0): λ·p is added to the gradient, the same as adding
     * (λ/2)·Σp² to the loss. For decoupled decay use {@link AdamW}. Returns this.
     */
    @Override
    public Adam weightDecay(double weightDecay) {
        super.weightDecay(weightDecay);
        return this;
    }

    @Override
    public Adam addParamGroup(Iterable<? extends Tensor> params, double lr, double weightDecay) {
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
        AdamRule.update(param, grad, state, group.lr(), group.weightDecay(), false, beta1, beta2, eps, amsgrad);
    }

    @Override
    public String describe() {
        return "Adam(" + groupValues() + " (L2), betas=(" + fmt(beta1) + ", " + fmt(beta2) + "), eps=" + fmt(eps)
                + ", amsgrad=" + amsgrad + ")";
    }
}
