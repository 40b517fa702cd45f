package dev.backprop.ops;

import dev.backprop.Tensor;
import dev.backprop.kernels.Kernels;

/**
 * Softmax and log-softmax along one dimension.
 *
 * <p>NOTE: both are fused primitives for stability: log(softmax(x)) gives −∞ and then NaN gradients once a
 * probability underflows, and a slice of all −∞ (a fully masked attention row) must give zeros, not 0/0.
 */
public sealed interface SoftmaxOp extends Op {

    /** The dimension normalised over. */
    int dim();

    @Override
    default boolean savesInputs() {
        return false;
    }

    @Override
    default boolean savesOutput() {
        return true;
    }

    /** out = e^(x−m) / Σ e^(x−m); ∂L/∂x = out ⊙ (g − Σ(g ⊙ out)). */
    record Softmax(int dim) implements SoftmaxOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().softmax(in[0], dim, false); }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            return new Tensor[] {out.mul(g.sub(g.mul(out).sum(dim, true)))};
        }
    }

    /** out = x − m − ln Σ e^(x−m); ∂L/∂x = g − e^out ⊙ Σ g. */
    record LogSoftmax(int dim) implements SoftmaxOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().softmax(in[0], dim, true); }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            return new Tensor[] {g.sub(out.exp().mul(g.sum(dim, true)))};
        }
    }
}
