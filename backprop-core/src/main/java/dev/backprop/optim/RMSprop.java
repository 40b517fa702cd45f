package dev.backprop.optim;

import dev.backprop.DType;
import dev.backprop.Tensor;

/**
 * RMSprop: each weight's step is scaled by the inverse root of a running average of its squared gradients,
 * exactly as PyTorch's {@code torch.optim.RMSprop}.
 *
 * <p>For each parameter p with gradient g, with learning rate γ and weight decay λ of its group, smoothing α,
 * momentum μ and ε (the buffers v, ḡ and b start at zero):
 * <pre>
 *   g ← g + λ·p                              (weight decay as L2)
 *   v ← α·v + (1 − α)·g²
 *   centered:  ḡ ← α·ḡ + (1 − α)·g,   a = √(v − ḡ²) + ε       (an estimate of the gradient's standard deviation)
 *   otherwise: a = √v + ε
 *   μ &gt; 0:     b ← μ·b + g/a,   p ← p − γ·b
 *   otherwise: p ← p − γ·g/a
 * </pre>
 * Defaults: lr 0.01, alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered off.
 *
 * <p>NOTE: in the centered form, rounding can make v − ḡ² a hair below zero where it is mathematically ≥ 0;
 * PyTorch then takes the root of a negative number and the weight becomes NaN. Here it is clamped at 0 (a NaN
 * in v or ḡ still propagates); elsewhere the results are PyTorch's.
 */
public final class RMSprop extends Optimizer {
    private double alpha = 0.99;
    private double eps = 1e-8;
    private double momentum;
    private boolean centered;

    /** RMSprop with learning rate 0.01. */
    public RMSprop(Iterable<? extends Tensor> params) {
        this(params, 0.01);
    }

    /** RMSprop with learning rate {@code lr}. */
    public RMSprop(Iterable<? extends Tensor> params, double lr) {
        super(params, lr, 0);
    }

    /** Smoothing constant α in [0, 1] of the squared-gradient average (default 0.99); returns this. */
    public RMSprop alpha(double alpha) {
        this.alpha = checkUnit("alpha", alpha);
        return this;
    }

    /** ε ≥ 0 added to the root (default 1e-8); returns this. */
    public RMSprop eps(double eps) {
        this.eps = checkNonNegative("eps", eps);
        return this;
    }

    /** Momentum μ ≥ 0 (default 0); returns this. */
    public RMSprop momentum(double momentum) {
        this.momentum = checkNonNegative("momentum", momentum);
        return this;
    }

    /** Centered RMSprop: normalise by the estimated variance rather than the raw second moment; returns this. */
    public RMSprop centered(boolean centered) {
        this.centered = centered;
        return this;
    }

    /** L2 weight decay λ ≥ 0 of every group (default 0): λ·p is added to the gradient; returns this. */
    @Override
    public RMSprop weightDecay(double weightDecay) {
        super.weightDecay(weightDecay);
        return this;
    }

    @Override
    public RMSprop addParamGroup(Iterable<? extends Tensor> params, double lr, double weightDecay) {
        super.addParamGroup(params, lr, weightDecay);
        return this;
    }

    /** The smoothing constant α. */
    public double alpha() {
        return alpha;
    }

    /** ε, added to the root. */
    public double eps() {
        return eps;
    }

    /** The momentum factor μ. */
    public double momentum() {
        return momentum;
    }

    /** Whether the centered form is on. */
    public boolean centered() {
        return centered;
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamGroup group, ParamState state) {
        int n = (int) param.numel();
        int po = param.storageOffset();
        int go = grad.storageOffset();
        double lr = group.lr();
        double wd = group.weightDecay();
        double a = alpha;
        double oneMinusA = 1 - alpha;
        double e = eps;
        double mu = momentum;
        Tensor sq = state.buffer("square_avg", param, 0);
        Tensor ga = centered ? state.buffer("grad_avg", param, 0) : null;
        Tensor mb = mu > 0 ? state.buffer("momentum_buffer", param, 0) : null;
        if (param.dtype() == DType.FLOAT64) {
            double[] p = param.storage().doubles();
            double[] g = grad.storage().doubles();
            double[] v = sq.storage().doubles();
            double[] m = ga == null ? null : ga.storage().doubles();
            double[] b = mb == null ? null : mb.storage().doubles();
            for (int i = 0; i < n; i++) {
                double w = p[po + i];
                double d = g[go + i];
                if (wd != 0) d += wd * w;
                double vi = a * v[i] + oneMinusA * d * d;
                v[i] = vi;
                double avg;
                if (m != null) {
                    double mi = lerp(m[i], d, oneMinusA);
                    m[i] = mi;
                    avg = Math.sqrt(Math.max(vi - mi * mi, 0)) + e;
                } else {
                    avg = Math.sqrt(vi) + e;
                }
                if (b != null) {
                    double bi = mu * b[i] + d / avg;
                    b[i] = bi;
                    p[po + i] = w - lr * bi;
                } else {
                    p[po + i] = w - lr * d / avg;
                }
            }
        } else {
            float[] p = param.storage().floats();
            float[] g = grad.storage().floats();
            float[] v = sq.storage().floats();
            float[] m = ga == null ? null : ga.storage().floats();
            float[] b = mb == null ? null : mb.storage().floats();
            for (int i = 0; i < n; i++) {
                double w = p[po + i];
                double d = g[go + i];
                if (wd != 0) d += wd * w;
                float vi = (float) (a * v[i] + oneMinusA * d * d);
                v[i] = vi;
                double avg;
                if (m != null) {
                    float mi = (float) lerp(m[i], d, oneMinusA);
                    m[i] = mi;
                    avg = Math.sqrt(Math.max(vi - (double) mi * mi, 0)) + e;
                } else {
                    avg = Math.sqrt(vi) + e;
                }
                if (b != null) {
                    float bi = (float) (mu * b[i] + d / avg);
                    b[i] = bi;
                    p[po + i] = (float) (w - lr * bi);
                } else {
                    p[po + i] = (float) (w - lr * d / avg);
                }
            }
        }
    }

    @Override
    public String describe() {
        return "RMSprop(" + groupValues() + " (L2), alpha=" + fmt(alpha) + ", eps=" + fmt(eps) + ", momentum="
                + fmt(momentum) + ", centered=" + centered + ")";
    }
}
