package dev.backprop.ops;

import dev.backprop.DType;
import dev.backprop.Shape;
import dev.backprop.Tensor;
import dev.backprop.kernels.Kernels;

import java.util.Arrays;

/**
 * Loss primitives that cannot be composed safely from other ops. Losses that can (cross-entropy from
 * log-softmax, BCE from logits through softplus, MSE) are composites in {@link dev.backprop.nn.Functional}.
 */
public sealed interface LossOp extends Op {

    /**
     * Binary cross-entropy on probabilities, elementwise: out = −(y·max(ln p, −100) + (1 − y)·max(ln(1 − p), −100)).
     * The logs are clamped at −100 as in PyTorch, so p = 0 or 1 gives 100, not ∞ or NaN.
     * ∂out/∂p = (p − y) / max(p(1 − p), 1e-12); ∂out/∂y = max(ln(1 − p), −100) − max(ln p, −100).
     *
     * <p>NOTE: fused because the composite clamp(log p) has gradient 0·(1/0) = NaN at p = 0.
     */
    record BinaryCrossEntropy() implements LossOp {
        static final double LOG_FLOOR = -100, EPS = 1e-12;

        public Tensor forward(Tensor[] in) {
            Tensor p = in[0], y = in[1];
            if (!Arrays.equals(p.shape(), y.shape())) {
                throw new IllegalArgumentException("binaryCrossEntropy: input shape " + Shape.str(p.shape())
                        + " and target shape " + Shape.str(y.shape()) + " must be equal");
            }
            double[] pv = p.toDoubleArray(), yv = y.toDoubleArray();
            double[] out = new double[pv.length];
            for (int i = 0; i < pv.length; i++) {
                if (pv[i] < 0 || pv[i] > 1) {
                    throw new IllegalArgumentException("binaryCrossEntropy: inputs must be probabilities in [0, 1], got "
                            + pv[i] + " (use binaryCrossEntropyWithLogits for raw scores)");
                }
                out[i] = -(yv[i] * Math.max(Math.log(pv[i]), LOG_FLOOR) + (1 - yv[i]) * Math.max(Math.log1p(-pv[i]), LOG_FLOOR));
            }
            Tensor t = Tensor.of(out, p.dim() == 0 ? new int[] {1} : p.shape()).reshape(p.shape());
            return p.dtype() == DType.FLOAT64 ? t.detach() : Kernels.active().cast(t, p.dtype());
        }

        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            Tensor p = in[0], y = in[1];
            Tensor gp = null, gy = null;
            if (p.requiresGrad()) gp = g.mul(p.sub(y)).div(p.mul(p.rsub(1)).clampMin(EPS));
            if (y.requiresGrad()) gy = g.mul(p.rsub(1).log().clampMin(LOG_FLOOR).sub(p.log().clampMin(LOG_FLOOR)));
            return new Tensor[] {gp, gy};
        }
    }

    /**
     * Mean cross-entropy from logits x (N, C) and int64 classes t (N), with label smoothing ε: the target
     * distribution is q = (1 − ε)·onehot(t) + ε/C, and with lse = ln Σ_c e^(x_c),
     * out = (1/N) Σ_i [lse_i − Σ_c q_ic·x_ic];  ∂out/∂x = (softmax(x) − q) / N.
     *
     * <p>NOTE: fused for speed — one pass over the logits instead of log-softmax, gather, negation and mean, each
     * with its own backward — and it is as stable as log-softmax (the maximum is subtracted inside lse).
     */
    record CrossEntropy(Tensor target, double labelSmoothing) implements LossOp {
        public Tensor forward(Tensor[] in) {
            Tensor x = in[0];
            int n = x.size(0), c = x.size(1);
            double[] v = x.toDoubleArray();
            long[] t = target.toLongArray();
            double total = 0, eps = labelSmoothing, off = eps / c;
            for (int i = 0; i < n; i++) {
                int base = i * c;
                double m = Double.NEGATIVE_INFINITY, sumX = 0;
                for (int k = 0; k < c; k++) {
                    m = Math.max(m, v[base + k]);
                    sumX += v[base + k];
                }
                double s = 0;
                for (int k = 0; k < c; k++) s += Math.exp(v[base + k] - m);
                double lse = m + Math.log(s);
                total += lse - (1 - eps) * v[base + (int) t[i]] - off * sumX;
            }
            return Tensor.scalar(x.dtype(), total / n);
        }

        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            Tensor x = in[0];
            int n = x.size(0), c = x.size(1);
            double[] q = new double[n * c];
            long[] t = target.toLongArray();
            java.util.Arrays.fill(q, labelSmoothing / c);
            for (int i = 0; i < n; i++) q[i * c + (int) t[i]] += 1 - labelSmoothing;
            Tensor qt = Tensor.of(q, n, c).toType(x.dtype());
            return new Tensor[] {x.softmax(1).sub(qt).mul(g.div(n))};
        }

        public boolean savesInputs() { return true; }
    }
}
