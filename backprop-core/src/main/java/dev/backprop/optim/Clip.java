package dev.backprop.optim;

import dev.backprop.DType;
import dev.backprop.GradMode;
import dev.backprop.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Gradient clipping, in place on the parameters' gradients, between {@code backward()} and
 * {@link Optimizer#step()} (PyTorch's {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}).
 *
 * <pre>{@code
 * loss.backward();
 * double norm = Clip.gradNorm(opt.parameters(), 1.0);   // every group together
 * if (!Double.isFinite(norm)) { ... report, skip the step ... }
 * opt.step();
 * }</pre>
 *
 * Parameters without a gradient are skipped; a parameter (or gradient) listed twice counts and is scaled once.
 * Gradients may be float32 or float64; norms are accumulated in double precision.
 */
public final class Clip {
    /** Added to the norm before dividing, as PyTorch does, so a zero norm never divides by zero. */
    public static final double EPS = 1e-6;

    private Clip() {}

    /**
     * Clips by the global 2-norm: with n = √(Σ over all gradients of Σ g²) — one norm over every tensor together,
     * not one per tensor — every gradient is multiplied by c = maxNorm / (n + 1e-6) when c &lt; 1, and left
     * untouched otherwise. Returns n, the norm before clipping.
     *
     * <p>If n is NaN or infinite (some gradient holds a NaN or an infinity), it is returned and the gradients are
     * left unscaled: the caller (the trainer) must check it and report the step, since scaling by a NaN or zero
     * coefficient would only hide where the problem came from. (PyTorch, by default, multiplies by the
     * non-finite coefficient instead.)
     *
     * @param maxNorm the largest norm allowed, ≥ 0
     */
    public static double gradNorm(Iterable<? extends Tensor> params, double maxNorm) {
        return gradNorm(params, maxNorm, 2);
    }

    /**
     * Clips by the global norm of type {@code normType}: 2 (Euclidean, as {@link #gradNorm(Iterable, double)}) or
     * {@link Double#POSITIVE_INFINITY} (n = the largest |g| of any element of any gradient). Same scaling rule,
     * return value and non-finite behaviour.
     */
    public static double gradNorm(Iterable<? extends Tensor> params, double maxNorm, double normType) {
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("Clip.gradNorm: maxNorm must be a finite number >= 0, got " + maxNorm);
        }
        if (normType != 2 && normType != Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("Clip.gradNorm: normType must be 2 or infinity (Double.POSITIVE_INFINITY), "
                    + "got " + normType);
        }
        List<Tensor> grads = grads(params, "Clip.gradNorm");
        double norm = normType == 2 ? norm2(grads) : normInf(grads);
        if (!Double.isFinite(norm)) return norm;
        double coef = maxNorm / (norm + EPS);
        if (coef < 1) {
            for (Tensor g : grads) scale(g, coef);
        }
        return norm;
    }

    /**
     * Clamps every element of every gradient into [−clipValue, clipValue]. A NaN element stays NaN (clamping
     * does not hide it); ±infinity becomes ±clipValue.
     */
    public static void gradValue(Iterable<? extends Tensor> params, double clipValue) {
        if (!(clipValue >= 0) || Double.isInfinite(clipValue)) {
            throw new IllegalArgumentException("Clip.gradValue: clipValue must be a finite number >= 0, got " + clipValue);
        }
        for (Tensor g : grads(params, "Clip.gradValue")) {
            if (g.isContiguous()) {
                int n = (int) g.numel();
                int o = g.storageOffset();
                if (g.dtype() == DType.FLOAT64) {
                    double[] a = g.storage().doubles();
                    for (int i = o; i < o + n; i++) a[i] = clamp(a[i], clipValue);
                } else {
                    float[] a = g.storage().floats();
                    float c = (float) clipValue;
                    for (int i = o; i < o + n; i++) a[i] = Float.isNaN(a[i]) ? a[i] : Math.min(Math.max(a[i], -c), c);
                }
                g.storage().bumpVersion();
            } else {
                try (var _ = GradMode.noGrad()) {
                    g.copy_(g.clamp(-clipValue, clipValue));
                }
            }
        }
    }

    private static double clamp(double v, double c) {
        return Double.isNaN(v) ? v : Math.min(Math.max(v, -c), c);
    }

    /** The non-null gradients, each once (by identity of parameter and of gradient). */
    private static List<Tensor> grads(Iterable<? extends Tensor> params, String what) {
        Objects.requireNonNull(params, () -> what + ": params is null");
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : params) {
            if (p == null) throw new NullPointerException(what + ": a parameter is null");
            Tensor g = p.grad();
            if (g == null || !seen.add(p) || !seen.add(g)) continue;
            if (!g.dtype().isFloating()) {
                throw new IllegalArgumentException(what + ": a gradient is " + g.dtype() + "; expected float32 or float64");
            }
            out.add(g);
        }
        return out;
    }

    /**
     * √(Σ g²) over all gradients. The sum of squares is accumulated in double; if it overflows, or the largest |g|
     * is so small that its square loses precision (below 2⁻⁴⁸⁰ ≈ 3e-145; only float64 gradients get there), the
     * sum is recomputed with every value divided by the largest |g|.
     */
    private static double norm2(List<Tensor> grads) {
        double sum = 0;
        double max = 0;
        for (Tensor g : grads) {
            if (g.isContiguous() && g.dtype() == DType.FLOAT32) {
                float[] a = g.storage().floats();
                int o = g.storageOffset();
                int n = (int) g.numel();
                for (int i = o; i < o + n; i++) {
                    double v = a[i];
                    sum += v * v;
                    max = Math.max(max, Math.abs(v));
                }
            } else {
                Values d = values(g);
                for (int i = d.from; i < d.to; i++) {
                    double v = d.a[i];
                    sum += v * v;
                    max = Math.max(max, Math.abs(v));
                }
            }
        }
        if (Double.isNaN(max) || max == Double.POSITIVE_INFINITY) return max;   // NaN wins: max is sticky on NaN
        boolean rescale = Double.isInfinite(sum) || (max > 0 && max < 0x1p-480);
        if (!rescale) return Math.sqrt(sum);
        double scaled = 0;
        for (Tensor g : grads) {
            Values d = values(g);
            for (int i = d.from; i < d.to; i++) {
                double r = d.a[i] / max;
                scaled += r * r;
            }
        }
        return max * Math.sqrt(scaled);
    }

    /** max |g| over all gradients (NaN if any element is NaN). */
    private static double normInf(List<Tensor> grads) {
        double max = 0;
        for (Tensor g : grads) {
            if (g.isContiguous() && g.dtype() == DType.FLOAT32) {
                float[] a = g.storage().floats();
                int o = g.storageOffset();
                int n = (int) g.numel();
                for (int i = o; i < o + n; i++) max = Math.max(max, Math.abs(a[i]));
            } else {
                Values d = values(g);
                for (int i = d.from; i < d.to; i++) max = Math.max(max, Math.abs(d.a[i]));
            }
        }
        return max;
    }

    /** A gradient's elements as doubles: its own storage when it is contiguous float64, else a copy. */
    private record Values(double[] a, int from, int to) {}

    private static Values values(Tensor g) {
        if (g.isContiguous() && g.dtype() == DType.FLOAT64) {
            int o = g.storageOffset();
            return new Values(g.storage().doubles(), o, o + (int) g.numel());
        }
        double[] a = g.toDoubleArray();
        return new Values(a, 0, a.length);
    }

    /** g ← c·g in place. */
    private static void scale(Tensor g, double c) {
        if (g.isContiguous()) {
            int n = (int) g.numel();
            int o = g.storageOffset();
            if (g.dtype() == DType.FLOAT64) {
                double[] a = g.storage().doubles();
                for (int i = o; i < o + n; i++) a[i] *= c;
            } else {
                float[] a = g.storage().floats();
                for (int i = o; i < o + n; i++) a[i] = (float) (a[i] * c);
            }
            g.storage().bumpVersion();
        } else {
            try (var _ = GradMode.noGrad()) {
                g.mul_(c);
            }
        }
    }
}
