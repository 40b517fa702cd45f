package dev.backprop.ops;

import dev.backprop.GradMode;
import dev.backprop.Tensor;
import dev.backprop.kernels.Kernels;
import dev.backprop.kernels.Special;

/**
 * Elementwise functions of one tensor: out = f(x), ∂L/∂x = g · f'(x).
 *
 * <p>Each op gives its scalar function ({@link #apply}, used by the reference kernel) and its derivative as a
 * backward rule written with tensor ops. Activations (sigmoid, tanh, GELU, softplus) are primitives rather than
 * compositions. NOTE: that is for stability and speed — a composed tanh overflows for large |x|, a composed
 * sigmoid would keep several intermediate tensors alive for backward where the primitive keeps only its output.
 */
public sealed interface UnaryOp extends Op {

    /** The function at one point (in double). */
    double apply(double x);

    /** ∂L/∂x given g = ∂L/∂out. */
    Tensor backward(Tensor g, Tensor x, Tensor out);

    @Override
    default Tensor forward(Tensor[] in) {
        return Kernels.active().unary(this, in[0]);
    }

    @Override
    default Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
        return new Tensor[] {backward(g, in[0], out)};
    }

    private static Tensor zero(Tensor like) {
        return Tensor.scalar(like.dtype(), 0);
    }

    /** out = −x; ∂out/∂x = −1. */
    record Neg() implements UnaryOp {
        public double apply(double x) { return -x; }
        public Tensor backward(Tensor g, Tensor x, Tensor out) { return g.neg(); }
        public boolean savesInputs() { return false; }
    }

    /** out = eˣ; ∂out/∂x = eˣ = out. */
    record Exp() implements UnaryOp {
        public double apply(double x) { return Math.exp(x); }
        public Tensor backward(Tensor g, Tensor x, Tensor out) { return g.mul(out); }
        public boolean savesInputs() { return false; }
        public boolean savesOutput() { return true; }
    }

    /** out = ln x; ∂out/∂x = 1/x. */
    record Log() implements UnaryOp {
        public double apply(double x) { return Math.log(x); }
        public Tensor backward(Tensor g, Tensor x, Tensor out) { return g.div(x); }
    }

    /** out = √x; ∂out/∂x = 1/(2√x) = 1/(2·out). */
    record Sqrt() implements UnaryOp {
        public double apply(double x) { return Math.sqrt(x); }
        public Tensor backward(Tensor g, Tensor x, Tensor out) { return g.div(out.mul(2)); }
        public boolean savesInputs() { return false; }
        public boolean savesOutput() { return true; }
    }

    /** out = |x|; ∂out/∂x = sign(x), taken as 0 at x = 0 (the subgradient PyTorch uses). */
    record Abs() implements UnaryOp {
        public double apply(double x) { return Math.abs(x); }
        public Tensor backward(Tensor g, Tensor x, Tensor out) { return g.mul(x.sign()); }
    }

    /** out = erf(x); ∂out/∂x = 2/√π · e^(−x²). */
    record Erf() implements UnaryOp {
        public double apply(double x) { return Special.erf(x); }
        public Tensor backward(Tensor g, Tensor x, Tensor out) {
            return g.mul(x.square().neg().exp().mul(2 / Math.sqrt(Math.PI)));
        }
    }

    /** out = xᵖ; ∂out/∂x = p·x^(p−1) (and 0 for p = 0, also at x = 0). */
    record PowScalar(double p) implements UnaryOp {
        public double apply(double x) { return Math.pow(x, p); }
        public Tensor backward(Tensor g, Tensor x, Tensor out) {
            if (p == 0) return g.mul(0);
            if (p == 1) return g;
            return g.mul(x.pow(p - 1).mul(p));
        }
    }

    /** out = min(max(x, min), max); the gradient passes where min ≤ x ≤ max (inclusive, as PyTorch). */
    record Clamp(double min, double max) implements UnaryOp {
        public double apply(double x) { return Math.max(min, Math.min(max, x)); }
        public Tensor backward(Tensor g, Tensor x, Tensor out) {
            return Tensor.where(x.ge(min).and(x.le(max)), g, zero(g));
        }
    }

    /** out = max(x, 0); ∂out/∂x = 1 for x &gt; 0 and 0 otherwise (relu'(0) = 0). */
    record Relu() implements UnaryOp {
        public double apply(double x) { return Math.max(x, 0.0); }
        public Tensor backward(Tensor g, Tensor x, Tensor out) { return mask(g, out); }
        public boolean savesInputs() { return false; }
        public boolean savesOutput() { return true; }

        /**
         * g where y &gt; 0, else 0; y is relu's output (or input). NOTE: without a graph to record (the usual
         * backward) one fused kernel does it; for second derivatives the same as differentiable ops.
         */
        static Tensor mask(Tensor g, Tensor y) {
            if (!GradMode.isEnabled() && java.util.Arrays.equals(g.shape(), y.shape())) return Kernels.active().reluBackward(g, y);
            return Tensor.where(y.gt(0), g, zero(g));
        }
    }

    /** out = x for x &gt; 0, slope·x otherwise; ∂out/∂x = 1 or slope (slope at 0). */
    record LeakyRelu(double slope) implements UnaryOp {
        public double apply(double x) { return x > 0 ? x : x * slope; }
        public Tensor backward(Tensor g, Tensor x, Tensor out) { return Tensor.where(x.gt(0), g, g.mul(slope)); }
    }

    /** out = σ(x) = 1/(1 + e^(−x)), evaluated so that e^(…) never overflows; ∂out/∂x = out·(1 − out). */
    record Sigmoid() implements UnaryOp {
        public double apply(double x) {
            if (x >= 0) return 1 / (1 + Math.exp(-x));
            double e = Math.exp(x);
            return e / (1 + e);
        }
        public Tensor backward(Tensor g, Tensor x, Tensor out) { return g.mul(out.mul(out.rsub(1))); }
        public boolean savesInputs() { return false; }
        public boolean savesOutput() { return true; }
    }

    /** out = tanh(x); ∂out/∂x = 1 − out². */
    record Tanh() implements UnaryOp {
        public double apply(double x) { return Math.tanh(x); }
        public Tensor backward(Tensor g, Tensor x, Tensor out) { return g.mul(out.square().rsub(1)); }
        public boolean savesInputs() { return false; }
        public boolean savesOutput() { return true; }
    }

    /**
     * GELU. Exact: out = x·Φ(x) with Φ(x) = ½(1 + erf(x/√2)); ∂out/∂x = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π).
     * Tanh form: out = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³);
     * ∂out/∂x = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²).
     */
    record Gelu(boolean tanhApproximation) implements UnaryOp {
        static final double K = Math.sqrt(2 / Math.PI), C = 0.044715;

        public double apply(double x) {
            if (tanhApproximation) return 0.5 * x * (1 + Math.tanh(K * (x + C * x * x * x)));
            return 0.5 * x * (1 + Special.erf(x / Math.sqrt(2)));
        }

        public Tensor backward(Tensor g, Tensor x, Tensor out) {
            if (tanhApproximation) {
                Tensor t = x.add(x.pow(3).mul(C)).mul(K).tanh();
                Tensor left = t.add(1).mul(0.5);
                Tensor right = x.mul(0.5).mul(t.square().rsub(1)).mul(x.square().mul(3 * C).add(1).mul(K));
                return g.mul(left.add(right));
            }
            Tensor cdf = x.div(Math.sqrt(2)).erf().add(1).mul(0.5);
            Tensor pdf = x.square().mul(-0.5).exp().div(Math.sqrt(2 * Math.PI));
            return g.mul(cdf.add(x.mul(pdf)));
        }
    }

    /**
     * out = (1/β)·ln(1 + e^(βx)), and x where βx &gt; threshold (PyTorch's β = 1, threshold = 20);
     * ∂out/∂x = σ(βx), and 1 above the threshold.
     */
    record Softplus(double beta, double threshold) implements UnaryOp {
        public double apply(double x) {
            double bx = beta * x;
            return bx > threshold ? x : Math.log1p(Math.exp(bx)) / beta;
        }

        public Tensor backward(Tensor g, Tensor x, Tensor out) {
            Tensor bx = x.mul(beta);
            return Tensor.where(bx.gt(threshold), g, g.mul(bx.sigmoid()));
        }
    }
}
