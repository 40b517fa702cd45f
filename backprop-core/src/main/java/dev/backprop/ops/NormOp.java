package dev.backprop.ops;

import dev.backprop.GradMode;
import dev.backprop.Tensor;
import dev.backprop.kernels.Kernels;

/**
 * Normalisation primitives.
 */
public sealed interface NormOp extends Op {

    /** The per-channel batch statistics a batch-norm forward computed (for the running averages and backward). */
    final class BatchStats {
        private double[] mean, var, invstd;

        /** Per-channel batch means (null before forward). */
        public double[] mean() { return mean; }

        /** Per-channel biased batch variances Σ(x − mean)²/M (null before forward). */
        public double[] var() { return var; }

        /** Per-channel 1/√(var + eps) (null before forward). */
        public double[] invstd() { return invstd; }
    }

    /**
     * Training-mode batch normalisation over every dimension but 1 (channels): with M values per channel,
     * mean = Σx/M, var = Σ(x − mean)²/M (biased), x̂ = (x − mean)/√(var + ε), out = w·x̂ + b. Inputs: x, then the
     * weight if {@code hasWeight}, then the bias if {@code hasBias} (each of shape [C]).
     * ∂L/∂x = w/√(var + ε)·(g − Σg/M − x̂·Σ(g·x̂)/M), ∂L/∂w = Σ g·x̂, ∂L/∂b = Σ g.
     *
     * <p>NOTE: fused for speed and memory: as composites (mean, subtract, square, mean, rsqrt, multiply, add) it
     * is about ten passes over an activation tensor forward and more backward, each keeping its intermediate
     * alive for backward; fused it is two passes forward (statistics, normalise) and two backward, and keeps
     * only per-channel numbers. When the backward itself is recorded (higher-order gradients), it is written with
     * Tensor ops from x, so it is differentiable; otherwise the fused kernel computes the same formula.
     */
    record BatchNorm(double eps, boolean hasWeight, boolean hasBias, BatchStats stats) implements NormOp {
        public Tensor forward(Tensor[] in) {
            Tensor x = in[0];
            Kernels k = Kernels.active();
            double[][] st = k.batchNormStats(x);
            double[] invstd = new double[st[1].length];
            for (int c = 0; c < invstd.length; c++) invstd[c] = 1 / Math.sqrt(st[1][c] + eps);
            stats.mean = st[0];
            stats.var = st[1];
            stats.invstd = invstd;
            return k.batchNormForward(x, st[0], invstd, weight(in), bias(in));
        }

        private Tensor weight(Tensor[] in) { return hasWeight ? in[1] : null; }

        private Tensor bias(Tensor[] in) { return hasBias ? in[hasWeight ? 2 : 1] : null; }

        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            Tensor x = in[0], w = weight(in), b = bias(in);
            Tensor[] grads = new Tensor[in.length];
            int c = x.size(1);
            if (!GradMode.isEnabled()) {
                double[] sumG = new double[c], sumGXhat = new double[c];
                Tensor dx = Kernels.active().batchNormBackward(g, x, stats.mean, stats.invstd, w, sumG, sumGXhat);
                if (x.requiresGrad()) grads[0] = dx;
                if (w != null && w.requiresGrad()) grads[1] = Tensor.of(sumGXhat).toType(w.dtype());
                if (b != null && b.requiresGrad()) grads[in.length - 1] = Tensor.of(sumG).toType(b.dtype());
                return grads;
            }
            // Recorded backward: the same formula with Tensor ops, differentiable in x, w and g.
            int[] dims = new int[x.dim() - 1];
            dims[0] = 0;
            for (int i = 2; i < x.dim(); i++) dims[i - 1] = i;
            int[] bshape = new int[x.dim()];
            java.util.Arrays.fill(bshape, 1);
            bshape[1] = c;
            Tensor mean = x.mean(dims, true);
            Tensor xc = x.sub(mean);
            Tensor invstd = xc.square().mean(dims, true).add(eps).pow(-0.5);
            Tensor xhat = xc.mul(invstd);
            Tensor gw = w == null ? g : g.mul(w.reshape(bshape));
            if (x.requiresGrad()) {
                grads[0] = invstd.mul(gw.sub(gw.mean(dims, true)).sub(xhat.mul(gw.mul(xhat).mean(dims, true))));
            }
            if (w != null && w.requiresGrad()) grads[1] = g.mul(xhat).sum(dims, false);
            if (b != null && b.requiresGrad()) grads[in.length - 1] = g.sum(dims, false);
            return grads;
        }

        public String toString() { return "BatchNorm[eps=" + eps + "]"; }
    }
}
