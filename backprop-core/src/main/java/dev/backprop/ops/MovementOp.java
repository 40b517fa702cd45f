package dev.backprop.ops;

import dev.backprop.Backprop;
import dev.backprop.DType;
import dev.backprop.Shape;
import dev.backprop.Tensor;
import dev.backprop.kernels.Kernels;

import java.util.Arrays;

/**
 * Ops that move elements without arithmetic. Reshape (when the layout allows), permute, expand and slice return
 * views over the input's storage; the others copy. Gradients move back the opposite way: reshape back, permute
 * by the inverse, scatter a slice into zeros, cut the padding off, split a concatenation.
 */
public sealed interface MovementOp extends Op {

    @Override
    default boolean savesInputs() {
        return false;
    }

    /** The same elements in a new shape; a view when the strides allow, else a copy. ∂: reshape back. */
    record Reshape(int[] shape) implements MovementOp {
        public Tensor forward(Tensor[] in) {
            Tensor x = in[0];
            int[] st = x.viewStrides(shape);
            if (st == null) {
                x = Kernels.active().contiguous(x);
                st = Shape.contiguousStrides(shape);
            }
            return x.asStrided(shape, st, x.storageOffset());
        }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) { return new Tensor[] {g.reshape(in[0].shape())}; }
        public String toString() { return "Reshape" + Arrays.toString(shape); }
    }

    /** Output dimension i is input dimension dims[i] (a view). ∂: permute by the inverse. */
    record Permute(int[] dims) implements MovementOp {
        public Tensor forward(Tensor[] in) {
            Tensor x = in[0];
            int[] s = x.shape(), st = x.stride();
            int[] ns = new int[dims.length], nst = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                ns[i] = s[dims[i]];
                nst[i] = st[dims[i]];
            }
            return x.asStrided(ns, nst, x.storageOffset());
        }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            int[] inv = new int[dims.length];
            for (int i = 0; i < dims.length; i++) inv[dims[i]] = i;
            return new Tensor[] {g.permute(inv)};
        }
        public String toString() { return "Permute" + Arrays.toString(dims); }
    }

    /** The input repeated along broadcast dimensions with stride 0 (a view). ∂: the engine sums g back. */
    record Expand(int[] shape) implements MovementOp {
        public Tensor forward(Tensor[] in) {
            Tensor x = in[0];
            return x.asStrided(shape, Shape.broadcastStrides(x.shape(), x.stride(), shape), x.storageOffset());
        }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) { return new Tensor[] {g}; }
        public String toString() { return "Expand" + Arrays.toString(shape); }
    }

    /** Elements start, start+step, … below end along dim (a view). ∂: g scattered into zeros of x's shape. */
    record Slice(int dim, int start, int end, int step) implements MovementOp {
        public Tensor forward(Tensor[] in) {
            Tensor x = in[0];
            int[] s = x.shape(), st = x.stride();
            int n = Math.max(0, (end - start + step - 1) / step);
            int off = x.storageOffset() + (n > 0 ? start * st[dim] : 0);
            s[dim] = n;
            st[dim] = st[dim] * step;
            return x.asStrided(s, st, off);
        }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            return new Tensor[] {Backprop.apply(new SliceScatter(in[0].shape(), dim, start, step), g)};
        }
    }

    /**
     * Zeros of {@code shape} with the input written at start, start+step, … along dim: the adjoint of
     * {@link Slice}. ∂: the same slice of g.
     */
    record SliceScatter(int[] shape, int dim, int start, int step) implements MovementOp {
        public Tensor forward(Tensor[] in) {
            Tensor src = in[0];
            Tensor out = Tensor.zeros(src.dtype(), shape);
            int n = src.size(dim);
            Tensor view = new Slice(dim, start, start + (n - 1) * step + 1, step).forward(new Tensor[] {out});
            Kernels.active().copyInto(src, view);
            return out;
        }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            int n = in[0].size(dim);
            return new Tensor[] {g.slice(dim, start, start + (n - 1) * step + 1, step)};
        }
        public String toString() {
            return "SliceScatter[shape=" + Arrays.toString(shape) + ", dim=" + dim + ", start=" + start + ", step=" + step + "]";
        }
    }

    /** A contiguous copy (also {@code clone()}). ∂: g. */
    record Contiguous() implements MovementOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().contiguous(in[0]); }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) { return new Tensor[] {g}; }
    }

    /** The values converted to another type. ∂: g converted back (float32 ↔ float64). */
    record Cast(DType to) implements MovementOp {
        public Tensor forward(Tensor[] in) {
            Tensor x = in[0];
            return x.dtype() == to ? Kernels.active().contiguous(x) : Kernels.active().cast(x, to);
        }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            return new Tensor[] {in[0].dtype().isFloating() ? g.toType(in[0].dtype()) : null};
        }
    }

    /**
     * Constant padding; {@code pads} holds (before, after) pairs starting from the last dimension, as PyTorch's
     * {@code F.pad}. ∂: g with the padding cut off.
     */
    record Pad(int[] pads, double value) implements MovementOp {
        public Tensor forward(Tensor[] in) {
            Tensor x = in[0];
            int[] s = x.shape();
            int r = s.length;
            for (int i = 0; i < pads.length / 2; i++) s[r - 1 - i] += pads[2 * i] + pads[2 * i + 1];
            Tensor out = Tensor.full(x.dtype(), value, s);
            Tensor view = out;
            for (int i = 0; i < pads.length / 2; i++) {
                int d = r - 1 - i;
                view = new Slice(d, pads[2 * i], pads[2 * i] + x.size(d), 1).forward(new Tensor[] {view});
            }
            Kernels.active().copyInto(x, view);
            return out;
        }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            Tensor x = in[0];
            int r = x.dim();
            for (int i = 0; i < pads.length / 2; i++) {
                int d = r - 1 - i;
                g = g.narrow(d, pads[2 * i], x.size(d));
            }
            return new Tensor[] {g};
        }
        public String toString() { return "Pad[pads=" + Arrays.toString(pads) + ", value=" + value + "]"; }
    }

    /** Inputs joined along dim. ∂: g split back into the inputs' extents. */
    record Cat(int dim) implements MovementOp {
        public Tensor forward(Tensor[] in) {
            int[] s = in[0].shape();
            long total = 0;
            for (Tensor t : in) total += t.size(dim);
            s[dim] = Math.toIntExact(total);
            Tensor out = Tensor.zeros(in[0].dtype(), s);
            int at = 0;
            for (Tensor t : in) {
                int n = t.size(dim);
                Kernels.active().copyInto(t, new Slice(dim, at, at + n, 1).forward(new Tensor[] {out}));
                at += n;
            }
            return out;
        }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            Tensor[] gs = new Tensor[in.length];
            int at = 0;
            for (int i = 0; i < in.length; i++) {
                int n = in[i].size(dim);
                gs[i] = in[i].requiresGrad() ? g.narrow(dim, at, n) : null;
                at += n;
            }
            return gs;
        }
    }
}
