package dev.backprop.ops;

import dev.backprop.Tensor;
import dev.backprop.kernels.Kernels;
import dev.backprop.kernels.Kernels.Reduction;

import java.util.Arrays;

/**
 * Reductions over a sorted set of dimensions, optionally keeping them as size 1. Sums accumulate in double.
 *
 * <p>Composite reductions (mean, var, std, the 1- and ∞-norms) are built from these in {@link Tensor}.
 */
public sealed interface ReduceOp extends Op {

    /** The reduced dimensions, sorted and distinct. */
    int[] dims();

    /** Whether the reduced dimensions stay, with size 1. */
    boolean keepDim();

    /** ∂L/∂x given g = ∂L/∂out. */
    Tensor backward(Tensor g, Tensor x, Tensor out);

    @Override
    default Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
        return new Tensor[] {backward(g, in[0], out)};
    }

    /** A reduced-shape tensor viewed with the reduced dimensions as size 1, so it broadcasts against x. */
    default Tensor kept(Tensor t, Tensor x) {
        if (keepDim()) return t;
        int[] s = x.shape();
        for (int d : dims()) s[d] = 1;
        return t.reshape(s);
    }

    /** out = Σ x over dims; ∂out/∂x = 1 (g is broadcast back over the reduced dimensions). */
    record Sum(int[] dims, boolean keepDim) implements ReduceOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().reduce(Reduction.SUM, in[0], dims, keepDim); }
        public Tensor backward(Tensor g, Tensor x, Tensor out) { return kept(g, x).expand(x.shape()); }
        public boolean savesInputs() { return false; }
        public String toString() { return "Sum[dims=" + Arrays.toString(dims) + ", keepDim=" + keepDim + "]"; }
    }

    /** out = max x over dims; the gradient is shared evenly by all entries equal to the maximum. */
    record Amax(int[] dims, boolean keepDim) implements ReduceOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().reduce(Reduction.MAX, in[0], dims, keepDim); }
        public Tensor backward(Tensor g, Tensor x, Tensor out) { return evenSplit(this, g, x, out); }
        public boolean savesOutput() { return true; }
        public String toString() { return "Amax[dims=" + Arrays.toString(dims) + ", keepDim=" + keepDim + "]"; }
    }

    /** out = min x over dims; the gradient is shared evenly by all entries equal to the minimum. */
    record Amin(int[] dims, boolean keepDim) implements ReduceOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().reduce(Reduction.MIN, in[0], dims, keepDim); }
        public Tensor backward(Tensor g, Tensor x, Tensor out) { return evenSplit(this, g, x, out); }
        public boolean savesOutput() { return true; }
        public String toString() { return "Amin[dims=" + Arrays.toString(dims) + ", keepDim=" + keepDim + "]"; }
    }

    private static Tensor evenSplit(ReduceOp op, Tensor g, Tensor x, Tensor out) {
        Tensor hit = x.eq(op.kept(out, x)).toType(g.dtype());
        Tensor count = hit.sum(op.dims(), true);
        return op.kept(g, x).mul(hit).div(count);
    }

    /**
     * out = ln Σ eˣ over dims, computed as m + ln Σ e^(x−m) with m the maximum; ∂out/∂x = e^(x − out) (softmax),
     * and 0 for a slice of all −∞.
     */
    record LogSumExp(int[] dims, boolean keepDim) implements ReduceOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().reduce(Reduction.LOGSUMEXP, in[0], dims, keepDim); }
        public Tensor backward(Tensor g, Tensor x, Tensor out) {
            Tensor o = kept(out, x);
            Tensor safe = Tensor.where(o.eq(Double.NEGATIVE_INFINITY), Tensor.scalar(o.dtype(), 0), o);
            return kept(g, x).mul(x.sub(safe).exp());
        }
        public boolean savesOutput() { return true; }
        public String toString() { return "LogSumExp[dims=" + Arrays.toString(dims) + ", keepDim=" + keepDim + "]"; }
    }

    /**
     * out = ‖x‖₂ over dims, computed as m·√Σ(x/m)² with m = max|x| (no underflow of x², no overflow);
     * ∂out/∂x = x/out, and 0 where out = 0 (the subgradient of the norm at the origin).
     */
    record Norm(int[] dims, boolean keepDim) implements ReduceOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().reduce(Reduction.NORM2, in[0], dims, keepDim); }
        public Tensor backward(Tensor g, Tensor x, Tensor out) {
            Tensor o = kept(out, x);
            Tensor safe = Tensor.where(o.eq(0), Tensor.scalar(o.dtype(), 1), o);
            return kept(g, x).mul(x.div(safe));
        }
        public boolean savesOutput() { return true; }
        public String toString() { return "Norm[dims=" + Arrays.toString(dims) + ", keepDim=" + keepDim + "]"; }
    }
}
