package dev.backprop.optim;

import dev.backprop.DType;
import dev.backprop.Tensor;
import dev.backprop.kernels.Kernels;

/** The Adam update shared by {@link Adam} (L2 weight decay) and {@link AdamW} (decoupled weight decay). */
final class AdamRule {
    private AdamRule() {}

    /**
     * One Adam step of a contiguous parameter, in the order of PyTorch's single-tensor implementation:
     * <pre>
     *   decoupled: p ← p·(1 − γλ)        else: g ← g + λ·p
     *   m ← m + (1 − β₁)·(g − m)          (lerp: β₁·m + (1 − β₁)·g)
     *   v ← β₂·v + (1 − β₂)·g²
     *   v̂ ← max(v̂, v)  if amsgrad, else v̂ = v
     *   p ← p − (γ / (1 − β₁ᵗ))·m / (√v̂ / √(1 − β₂ᵗ) + ε)
     * </pre>
     */
    static void update(Tensor param, Tensor grad, Optimizer.ParamState state, double lr, double wd, boolean decoupled,
                       double beta1, double beta2, double eps, boolean amsgrad) {
        int n = (int) param.numel();
        int po = param.storageOffset();
        int go = grad.storageOffset();
        long t = state.step();
        double stepSize = lr / (1 - Math.pow(beta1, t));
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        double oneMinusB1 = 1 - beta1;
        double oneMinusB2 = 1 - beta2;
        double l2 = decoupled ? 0 : wd;
        double shrink = decoupled ? 1 - lr * wd : 1;
        boolean doShrink = decoupled && wd != 0;
        Tensor m1 = state.buffer("exp_avg", param, 0);
        Tensor m2 = state.buffer("exp_avg_sq", param, 0);
        Tensor mx = amsgrad ? state.buffer("max_exp_avg_sq", param, 0) : null;
        if (param.dtype() == DType.FLOAT64) {
            double[] p = param.storage().doubles();
            double[] g = grad.storage().doubles();
            double[] m = m1.storage().doubles();
            double[] v = m2.storage().doubles();
            double[] vm = mx == null ? null : mx.storage().doubles();
            for (int i = 0; i < n; i++) {
                double w = p[po + i];
                if (doShrink) w *= shrink;
                double d = g[go + i];
                if (l2 != 0) d += l2 * w;
                double mi = Optimizer.lerp(m[i], d, oneMinusB1);
                double vi = beta2 * v[i] + oneMinusB2 * d * d;
                m[i] = mi;
                v[i] = vi;
                if (vm != null) {
                    vi = Math.max(vm[i], vi);
                    vm[i] = vi;
                }
                p[po + i] = w - stepSize * mi / (Math.sqrt(vi) / bc2Sqrt + eps);
            }
        } else {
            Kernels.active().adam(param.storage().floats(), po, grad.storage().floats(), go, m1.storage().floats(),
                    m2.storage().floats(), mx == null ? null : mx.storage().floats(), n, stepSize, bc2Sqrt, beta1, beta2, eps,
                    l2, doShrink ? shrink : 1);
        }
    }
}
