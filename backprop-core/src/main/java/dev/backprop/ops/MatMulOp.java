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

    /**
     * A fully connected layer: out = x·Wᵀ + b for x (…, in), W (out, in), b (out) or no bias. ∂L/∂x = g·W,
     * ∂L/∂W = gᵀ·x (over all leading rows), ∂L/∂b = Σ_rows g.
     *
     * <p>NOTE: fused for speed: the bias is the GEMM's starting value (no separate broadcast add), and the weight
     * gradient comes out of one GEMM already in W's (out, in) layout — through matmul and a transpose view it
     * would need a strided copy every step.
     */
    record Linear() implements MatMulOp {
        public Tensor forward(Tensor[] in) {
            return Kernels.active().linear(in[0], in[1], in.length > 2 ? in[2] : null, false);
        }

        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            return linearBackward(g, in);
        }
    }

    /**
     * A fully connected layer and its ReLU in one op: out = max(0, x·Wᵀ + b). ∂L/∂z = g where out &gt; 0, else 0
     * (relu'(0) = 0); then the gradients of {@link Linear} with ∂L/∂z for g.
     *
     * <p>NOTE: fused for speed, not for new maths: the ReLU runs on the GEMM's fresh output in place, and backward
     * masks g in one pass from the saved output — the pair as two ops needs a comparison, a bool mask and a
     * select, and keeps the pre-activation alive. {@code nn.Sequential} uses it for a Linear followed by a ReLU.
     */
    record LinearRelu() implements MatMulOp {
        public Tensor forward(Tensor[] in) {
            return Kernels.active().linear(in[0], in[1], in.length > 2 ? in[2] : null, true);
        }

        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            return linearBackward(UnaryOp.Relu.mask(g, out), in);
        }

        public boolean savesOutput() { return true; }
    }

    private static Tensor[] linearBackward(Tensor g, Tensor[] in) {
        Tensor x = in[0], w = in[1];
        int inF = w.size(1), outF = w.size(0);
        Tensor g2 = g.reshape(-1, outF);
        Tensor[] grads = new Tensor[in.length];
        if (x.requiresGrad()) grads[0] = g2.matmul(w).reshape(x.shape());
        if (w.requiresGrad()) grads[1] = g2.mT().matmul(x.reshape(-1, inF));
        if (in.length > 2 && in[2].requiresGrad()) grads[2] = g2.sum(0, false);
        return grads;
    }
}
