package dev.backprop.ops;

import dev.backprop.Tensor;
import dev.backprop.kernels.Kernels;

/** Matrix products. */
public sealed interface MatMulOp extends Op {

    /**
     * out = a·b over the last two dimensions, (…, m, k)·(…, k, n) → (…, m, n), batch dimensions broadcast.
     * ∂L/∂a = g·bᵀ, ∂L/∂b = aᵀ·g (the engine sums broadcast batch dimensions back).
     */
    record MatMul() implements MatMulOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().matmul(in[0], in[1]); }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            Tensor a = in[0], b = in[1];
            return new Tensor[] {
                a.requiresGrad() ? g.matmul(b.mT()) : null,
                b.requiresGrad() ? a.mT().matmul(g) : null};
        }
    }
}
