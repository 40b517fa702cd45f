package dev.backprop.ops;

import dev.backprop.Backprop;
import dev.backprop.DType;
import dev.backprop.Shape;
import dev.backprop.Storage;
import dev.backprop.Tensor;
import dev.backprop.kernels.Kernels;
import dev.backprop.kernels.Strided;

/**
 * Ops driven by an integer index or a boolean mask. Index and mask are part of the op (they take no gradient).
 * Gather and index-select are adjoint to scatter-add and index-add, so each one's gradient is the other: a
 * repeated index adds its gradients, never overwrites them.
 */
public sealed interface IndexOp extends Op {

    /** Checks an index for gather/scatter along {@code dim} of a tensor of {@code shape}. */
    static void checkGather(String op, int[] shape, int dim, Tensor index) {
        requireInt64(op, index);
        if (index.dim() != shape.length) {
            throw new IllegalArgumentException(op + ": the index must have the same rank as the input, got index shape "
                    + Shape.str(index.shape()) + " and input shape " + Shape.str(shape));
        }
        for (int d = 0; d < shape.length; d++) {
            if (d != dim && index.size(d) > shape[d]) {
                throw new IllegalArgumentException(op + ": index shape " + Shape.str(index.shape()) + " exceeds input shape "
                        + Shape.str(shape) + " in dimension " + d);
            }
        }
        checkRange(op, index, shape.length == 0 ? 1 : shape[dim]);
    }

    /** Checks a 1-D index into a dimension of {@code size}. */
    static void checkIndex(String op, Tensor index, int size) {
        requireInt64(op, index);
        if (index.dim() > 1) {
            throw new IllegalArgumentException(op + ": the index must be 1-D, got shape " + Shape.str(index.shape()));
        }
        checkRange(op, index, size);
    }

    private static void requireInt64(String op, Tensor index) {
        if (index.dtype() != DType.INT64) {
            throw new IllegalArgumentException(op + ": the index must be an int64 tensor (Tensor.of(long[]) or "
                    + "Tensor.of(int[])), got " + index.dtype());
        }
    }

    private static void checkRange(String op, Tensor index, int size) {
        for (long v : index.toLongArray()) {
            if (v < 0 || v >= size) {
                throw new IllegalArgumentException(op + ": index " + v + " is out of range for a dimension of size " + size);
            }
        }
    }

    /** Row-major positions of a contiguous copy of the index, with its shape. */
    private static long[] values(Tensor index) {
        return index.toLongArray();
    }

    /**
     * For each element of an index shaped tensor, the storage position in a tensor of {@code strides} whose
     * coordinate along {@code dim} is replaced by the index value (gather/scatter addressing).
     */
    private static void forEachIndexed(int[] ishape, long[] idx, int dim, int[] strides, int offset, Visit visit) {
        int r = ishape.length;
        int[] coord = new int[r];
        long n = Shape.numel(ishape);
        for (int k = 0; k < n; k++) {
            long pos = offset;
            for (int d = 0; d < r; d++) pos += (long) (d == dim ? (int) idx[k] : coord[d]) * strides[d];
            visit.at(k, (int) pos);
            for (int d = r - 1; d >= 0; d--) {
                if (++coord[d] < ishape[d]) break;
                coord[d] = 0;
            }
        }
    }

    @FunctionalInterface
    interface Visit {
        void at(int k, int pos);
    }

    /** out[i][j] = x[index[i][j]][j] (dim 0); out has the index's shape. ∂: scatter-add g into zeros of x's shape. */
    record Gather(int dim, Tensor index) implements IndexOp {
        public Tensor forward(Tensor[] in) {
            Tensor x = in[0];
            Tensor out = Tensor.zeros(x.dtype(), index.shape());
            Storage src = x.storage(), dst = out.storage();
            if (x.dim() == 0) {
                dst.setDouble(0, src.getDouble(x.storageOffset()));
                return out;
            }
            forEachIndexed(index.shape(), values(index), dim, x.stride(), x.storageOffset(),
                    (k, pos) -> dst.setDouble(k, src.getDouble(pos)));
            return out;
        }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            return new Tensor[] {Backprop.apply(new ScatterAdd(dim, index, in[0].shape()), g)};
        }
        public boolean savesInputs() { return false; }
    }

    /** Zeros of {@code shape} with out[index[i][j]][j] += src[i][j] (dim 0). ∂: gather g by the index. */
    record ScatterAdd(int dim, Tensor index, int[] shape) implements IndexOp {
        public Tensor forward(Tensor[] in) {
            Tensor src = Kernels.active().contiguous(in[0]);
            Tensor out = Tensor.zeros(src.dtype(), shape);
            Storage s = src.storage(), dst = out.storage();
            if (shape.length == 0) {
                for (int k = 0; k < src.numel(); k++) dst.setDouble(0, dst.getDouble(0) + s.getDouble(k));
                return out;
            }
            forEachIndexed(index.shape(), values(index), dim, out.stride(), 0,
                    (k, pos) -> dst.setDouble(pos, dst.getDouble(pos) + s.getDouble(k)));
            return out;
        }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) { return new Tensor[] {g.gather(dim, index)}; }
        public boolean savesInputs() { return false; }
    }

    /** The entries at positions index[i] along dim (rows of an embedding table, for dim 0). ∂: index-add g. */
    record IndexSelect(int dim, Tensor index) implements IndexOp {
        public Tensor forward(Tensor[] in) {
            Tensor x = in[0];
            long[] idx = values(index);
            if (x.dim() == 0) return Kernels.active().contiguous(x.reshape(1).expand(idx.length).reshape(index.shape()));
            int[] s = x.shape();
            s[dim] = idx.length;
            Tensor out = Tensor.zeros(x.dtype(), s);
            for (int i = 0; i < idx.length; i++) {
                Tensor from = new MovementOp.Slice(dim, (int) idx[i], (int) idx[i] + 1, 1).forward(new Tensor[] {x});
                Tensor to = new MovementOp.Slice(dim, i, i + 1, 1).forward(new Tensor[] {out});
                Kernels.active().copyInto(from, to);
            }
            return out;
        }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            int size = in[0].dim() == 0 ? 1 : in[0].size(dim);
            Tensor gi = Backprop.apply(new IndexAdd(dim, index.reshape(-1), size), in[0].dim() == 0 ? g.reshape(-1) : g);
            return new Tensor[] {in[0].dim() == 0 ? gi.reshape() : gi};
        }
        public boolean savesInputs() { return false; }
    }

    /** Zeros with dim of {@code size}, and out[..., index[i], ...] += src[..., i, ...]. ∂: index-select g. */
    record IndexAdd(int dim, Tensor index, int size) implements IndexOp {
        public Tensor forward(Tensor[] in) {
            Tensor src = in[0];
            long[] idx = values(index);
            int[] s = src.shape();
            s[dim] = size;
            Tensor out = Tensor.zeros(src.dtype(), s);
            Storage d = out.storage();
            for (int i = 0; i < idx.length; i++) {
                Tensor from = new MovementOp.Slice(dim, i, i + 1, 1).forward(new Tensor[] {src});
                Tensor to = new MovementOp.Slice(dim, (int) idx[i], (int) idx[i] + 1, 1).forward(new Tensor[] {out});
                Storage fs = from.storage();
                Strided.rows(to.shape(), to.storageOffset(), to.stride(), from.storageOffset(), from.stride(),
                        (pt, pf, len, it, iff) -> {
                            for (int k = 0; k < len; k++) d.setDouble(pt + k * it, d.getDouble(pt + k * it) + fs.getDouble(pf + k * iff));
                        });
            }
            return out;
        }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) { return new Tensor[] {g.indexSelect(dim, index)}; }
        public boolean savesInputs() { return false; }
    }

    /** out = mask ? a : b, broadcasting all three. ∂a = g where mask, ∂b = g elsewhere; the mask takes none. */
    record Where(Tensor mask) implements IndexOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().where(mask, in[0], in[1]); }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            Tensor zero = Tensor.scalar(g.dtype(), 0);
            return new Tensor[] {
                in[0].requiresGrad() ? Tensor.where(mask, g, zero) : null,
                in[1].requiresGrad() ? Tensor.where(mask, zero, g) : null};
        }
        public boolean savesInputs() { return false; }
    }
}
