package dev.backprop.optim;

import dev.backprop.DType;
import dev.backprop.Tensor;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay, exactly as
 * PyTorch's {@code torch.optim.SGD}.
 *
 * <p>For each parameter p with gradient g, with learning rate γ and weight decay λ of its group, momentum μ,
 * dampening τ:
 * <pre>
 *   g ← g + λ·p                                  (weight decay as L2: the gradient of (λ/2)·‖p‖²)
 *   if μ ≠ 0:
 *       b ← g                       on the first step (the momentum buffer starts as the gradient, no dampening)
 *       b ← μ·b + (1 − τ)·g         afterwards
 *       g ← g + μ·b  if nesterov, else  g ← b
 *   p ← p − γ·g
 * </pre>
 * Defaults: momentum 0, dampening 0, weight decay 0, nesterov off; the learning rate is required. Nesterov needs
 * momentum &gt; 0 and dampening 0 (checked when {@link #step()} runs, so the setters can be called in any order).
 *
 * <pre>{@code
 * var opt = new SGD(model.parameters(), 0.1).momentum(0.9).nesterov(true).weightDecay(1e-4);
 * }</pre>
 */
public final class SGD extends Optimizer {
    private double momentum;
    private double dampening;
    private boolean nesterov;

    /** SGD over {@code params} with learning rate {@code lr}, no momentum and no weight decay. */
    public SGD(Iterable<? extends Tensor> params, double lr) {
        super(params, lr, 0);
    }

    /** Momentum factor μ ≥ 0 (default 0: plain SGD); returns this. */
    public SGD momentum(double momentum) {
        this.momentum = checkNonNegative("momentum", momentum);
        return this;
    }

    /** Dampening τ in [0, 1] of the gradient added to the momentum buffer (default 0); returns this. */
    public SGD dampening(double dampening) {
        this.dampening = checkUnit("dampening", dampening);
        return this;
    }

    /** Nesterov momentum (default off; needs momentum &gt; 0 and dampening 0); returns this. */
    public SGD nesterov(boolean nesterov) {
        this.nesterov = nesterov;
        return this;
    }

    /**
     * L2 weight decay λ ≥ 0 of every group (default 0): λ·p is added to the gradient, the same as adding
     * (λ/2)·Σp² to the loss (see {@link Penalty#l2}); returns this.
     */
    @Override
    public SGD weightDecay(double weightDecay) {
        super.weightDecay(weightDecay);
        return this;
    }

    @Override
    public SGD addParamGroup(Iterable<? extends Tensor> params, double lr, double weightDecay) {
        super.addParamGroup(params, lr, weightDecay);
        return this;
    }

    /** The momentum factor μ. */
    public double momentum() {
        return momentum;
    }

    /** The dampening τ. */
    public double dampening() {
        return dampening;
    }

    /** Whether Nesterov momentum is on. */
    public boolean nesterov() {
        return nesterov;
    }

    @Override
    protected void validate() {
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalStateException("SGD: nesterov needs momentum > 0 and dampening 0, got momentum "
                    + fmt(momentum) + " and dampening " + fmt(dampening));
        }
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamGroup group, ParamState state) {
        int n = (int) param.numel();
        int po = param.storageOffset();
        int go = grad.storageOffset();
        double lr = group.lr();
        double wd = group.weightDecay();
        double mu = momentum;
        double keep = 1 - dampening;
        boolean first = mu != 0 && !state.has("momentum_buffer");
        boolean nest = nesterov;
        Tensor buffer = mu != 0 ? state.buffer("momentum_buffer", param, 0) : null;
        if (param.dtype() == DType.FLOAT64) {
            double[] p = param.storage().doubles();
            double[] g = grad.storage().doubles();
            double[] b = buffer == null ? null : buffer.storage().doubles();
            for (int i = 0; i < n; i++) {
                double w = p[po + i];
                double d = g[go + i];
                if (wd != 0) d += wd * w;
                if (b != null) {
                    double m = first ? d : mu * b[i] + keep * d;
                    b[i] = m;
                    d = nest ? d + mu * m : m;
                }
                p[po + i] = w - lr * d;
            }
        } else {
            float[] p = param.storage().floats();
            float[] g = grad.storage().floats();
            float[] b = buffer == null ? null : buffer.storage().floats();
            for (int i = 0; i < n; i++) {
                double w = p[po + i];
                double d = g[go + i];
                if (wd != 0) d += wd * w;
                if (b != null) {
                    float m = (float) (first ? d : mu * b[i] + keep * d);
                    b[i] = m;
                    d = nest ? d + mu * m : m;
                }
                p[po + i] = (float) (w - lr * d);
            }
        }
    }

    @Override
    public String describe() {
        return "SGD(" + groupValues() + " (L2), momentum=" + fmt(momentum) + ", dampening=" + fmt(dampening)
                + ", nesterov=" + nesterov + ")";
    }
}
