package dev.backprop.optim;

import dev.backprop.DType;
import dev.backprop.Tensor;

/**
 * Adagrad: each weight's step is scaled by the inverse root of the sum of its squared gradients, exactly as
 * PyTorch's {@code torch.optim.Adagrad}.
 *
 * <p>For each parameter p with gradient g, at its t-th update (t = 1, 2, ...), with learning rate γ and weight
 * decay λ of its group, learning-rate decay η and ε:
 * <pre>
 *   g  ← g + λ·p                          (weight decay as L2)
 *   γ' = γ / (1 + (t − 1)·η)
 *   s  ← s + g²                           (s starts at initialAccumulatorValue)
 *   p  ← p − γ'·g / (√s + ε)
 * </pre>
 * Defaults: lr 0.01, lrDecay 0, weightDecay 0, initialAccumulatorValue 0, eps 1e-10. The accumulator of a
 * parameter is created, filled with initialAccumulatorValue, at its first update.
 */
public final class Adagrad extends Optimizer {
    private double lrDecay;
    private double initialAccumulatorValue;
    private double eps = 1e-10;

    /** Adagrad with learning rate 0.01. */
    public Adagrad(Iterable<? extends Tensor> params) {
        this(params, 0.01);
    }

    /** Adagrad with learning rate {@code lr}. */
    public Adagrad(Iterable<? extends Tensor> params, double lr) {
        super(params, lr, 0);
    }

    /** Learning-rate decay η ≥ 0 per update of the parameter (default 0); returns this. */
    public Adagrad lrDecay(double lrDecay) {
        this.lrDecay = checkNonNegative("lrDecay", lrDecay);
        return this;
    }

    /** The value s starts from, ≥ 0 (default 0); affects parameters not yet updated; returns this. */
    public Adagrad initialAccumulatorValue(double value) {
        this.initialAccumulatorValue = checkNonNegative("initialAccumulatorValue", value);
        return this;
    }

    /** ε ≥ 0 added to √s (default 1e-10); returns this. */
    public Adagrad eps(double eps) {
        this.eps = checkNonNegative("eps", eps);
        return this;
    }

    /** L2 weight decay λ ≥ 0 of every group (default 0): λ·p is added to the gradient; returns this. */
    @Override
    public Adagrad weightDecay(double weightDecay) {
        super.weightDecay(weightDecay);
        return this;
    }

    @Override
    public Adagrad addParamGroup(Iterable<? extends Tensor> params, double lr, double weightDecay) {
        super.addParamGroup(params, lr, weightDecay);
        return this;
    }

    /** The learning-rate decay η. */
    public double lrDecay() {
        return lrDecay;
    }

    /** The value the accumulator s starts from. */
    public double initialAccumulatorValue() {
        return initialAccumulatorValue;
    }

    /** ε, added to the root. */
    public double eps() {
        return eps;
    }

    @Override
    protected void update(Tensor param, Tensor grad, ParamGroup group, ParamState state) {
        int n = (int) param.numel();
        int po = param.storageOffset();
        int go = grad.storageOffset();
        double wd = group.weightDecay();
        double clr = group.lr() / (1 + (state.step() - 1) * lrDecay);
        double e = eps;
        Tensor sum = state.buffer("sum", param, initialAccumulatorValue);
        if (param.dtype() == DType.FLOAT64) {
            double[] p = param.storage().doubles();
            double[] g = grad.storage().doubles();
            double[] s = sum.storage().doubles();
            for (int i = 0; i < n; i++) {
                double w = p[po + i];
                double d = g[go + i];
                if (wd != 0) d += wd * w;
                double acc = s[i] + d * d;
                s[i] = acc;
                p[po + i] = w - clr * d / (Math.sqrt(acc) + e);
            }
        } else {
            float[] p = param.storage().floats();
            float[] g = grad.storage().floats();
            float[] s = sum.storage().floats();
            for (int i = 0; i < n; i++) {
                double w = p[po + i];
                double d = g[go + i];
                if (wd != 0) d += wd * w;
                float acc = (float) (s[i] + d * d);
                s[i] = acc;
                p[po + i] = (float) (w - clr * d / (Math.sqrt(acc) + e));
            }
        }
    }

    @Override
    public String describe() {
        return "Adagrad(" + groupValues() + " (L2), lrDecay=" + fmt(lrDecay) + ", initialAccumulatorValue="
                + fmt(initialAccumulatorValue) + ", eps=" + fmt(eps) + ")";
    }
}
