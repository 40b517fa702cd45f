package dev.backprop.kernels;

import dev.backprop.DType;
import dev.backprop.Shape;
import dev.backprop.Storage;
import dev.backprop.Tensor;
import dev.backprop.ops.BinaryOp;
import dev.backprop.ops.UnaryOp;

import java.util.Arrays;

/**
 * Plain scalar kernels: one loop per operation, written for clarity. Reductions and softmax work in double, so
 * float32 sums do not lose precision. The GEMM is pluggable so that the same class serves as the reference (with
 * {@link ReferenceGemm}) and, until the vectorised kernels arrive, as the default (with {@link BlockedGemm}).
 */
public class ReferenceKernels implements Kernels {
    private final Gemm gemm;

    public ReferenceKernels(Gemm gemm) {
        this.gemm = gemm;
    }

    @Override
    public Gemm gemm() {
        return gemm;
    }

    static void requireFloating(String op, Tensor t) {
        if (!t.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": needs a float32 or float64 tensor, got " + t.dtype()
                    + " (shape " + Shape.str(t.shape()) + "); convert it with toFloat()");
        }
    }

    /** x itself when contiguous, else a contiguous copy. */
    Tensor dense(Tensor x) {
        return x.isContiguous() ? x : contiguous(x);
    }

    // ------------------------------------------------------------------------------------------------ elementwise

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        requireFloating(op.name(), x);
        Tensor src = dense(x);
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        int n = (int) x.numel(), so = src.storageOffset();
        if (x.dtype() == DType.FLOAT32) {
            float[] a = src.storage().floats(), o = out.storage().floats();
            for (int i = 0; i < n; i++) o[i] = (float) op.apply(a[so + i]);
        } else {
            double[] a = src.storage().doubles(), o = out.storage().doubles();
            for (int i = 0; i < n; i++) o[i] = op.apply(a[so + i]);
        }
        return out;
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        requireFloating(op.name(), a);
        requireFloating(op.name(), b);
        DType dt = DType.promote(a.dtype(), b.dtype());
        if (a.dtype() != dt) a = cast(a, dt);
        if (b.dtype() != dt) b = cast(b, dt);
        int[] shape = Shape.broadcast(op.name(), a.shape(), b.shape());
        Tensor out = Tensor.zeros(dt, shape);
        int[] sa = Shape.broadcastStrides(a.shape(), a.stride(), shape);
        int[] sb = Shape.broadcastStrides(b.shape(), b.stride(), shape);
        int[] so = out.stride();
        if (dt == DType.FLOAT32) {
            float[] x = a.storage().floats(), y = b.storage().floats(), o = out.storage().floats();
            Strided.rows(shape, 0, so, a.storageOffset(), sa, b.storageOffset(), sb, (po, pa, pb, len, io, ia, ib) -> {
                for (int i = 0; i < len; i++) o[po + i * io] = (float) op.apply(x[pa + i * ia], y[pb + i * ib]);
            });
        } else {
            double[] x = a.storage().doubles(), y = b.storage().doubles(), o = out.storage().doubles();
            Strided.rows(shape, 0, so, a.storageOffset(), sa, b.storageOffset(), sb, (po, pa, pb, len, io, ia, ib) -> {
                for (int i = 0; i < len; i++) o[po + i * io] = op.apply(x[pa + i * ia], y[pb + i * ib]);
            });
        }
        return out;
    }

    @Override
    public Tensor compare(Comparison c, Tensor a, Tensor b) {
        boolean unary = c == Comparison.NOT || c == Comparison.IS_NAN || c == Comparison.IS_FINITE || c == Comparison.SIGN;
        if (unary) b = a;
        if ((c == Comparison.AND || c == Comparison.OR || c == Comparison.NOT)
                && (a.dtype() != DType.BOOL || b.dtype() != DType.BOOL)) {
            throw new IllegalArgumentException(c.name().toLowerCase() + ": needs bool tensors, got " + a.dtype()
                    + (unary ? "" : " and " + b.dtype()));
        }
        if (c == Comparison.SIGN) requireFloating("sign", a);
        String name = c.name().toLowerCase();
        int[] shape = Shape.broadcast(name, a.shape(), b.shape());
        Tensor out = Tensor.zeros(c == Comparison.SIGN ? a.dtype() : DType.BOOL, shape);
        Storage x = a.storage(), y = b.storage(), o = out.storage();
        int[] sa = Shape.broadcastStrides(a.shape(), a.stride(), shape);
        int[] sb = Shape.broadcastStrides(b.shape(), b.stride(), shape);
        Strided.rows(shape, 0, out.stride(), a.storageOffset(), sa, b.storageOffset(), sb, (po, pa, pb, len, io, ia, ib) -> {
            for (int i = 0; i < len; i++) {
                double u = x.getDouble(pa + i * ia), v = y.getDouble(pb + i * ib);
                double r = switch (c) {
                    case EQ -> u == v ? 1 : 0;
                    case NE -> u != v ? 1 : 0;
                    case LT -> u < v ? 1 : 0;
                    case LE -> u <= v ? 1 : 0;
                    case GT -> u > v ? 1 : 0;
                    case GE -> u >= v ? 1 : 0;
                    case AND -> u != 0 && v != 0 ? 1 : 0;
                    case OR -> u != 0 || v != 0 ? 1 : 0;
                    case NOT -> u == 0 ? 1 : 0;
                    case IS_NAN -> Double.isNaN(u) ? 1 : 0;
                    case IS_FINITE -> Double.isFinite(u) ? 1 : 0;
                    case SIGN -> Double.isNaN(u) ? u : Math.signum(u);
                };
                o.setDouble(po + i * io, r);
            }
        });
        return out;
    }

    // ------------------------------------------------------------------------------------------------ reductions

    /**
     * The values of {@code x} as a row-major double array arranged so that the reduced dimensions form the middle
     * factor of (outer, r, inner): reduced dims that are one adjacent block are read in place; otherwise they are
     * moved to the end first. Returns {outer, r, inner} in {@code dims3} and the data.
     */
    double[] layout(Tensor x, int[] dims, int[] dims3) {
        int rank = x.dim();
        int[] shape = x.shape();
        boolean block = true;
        for (int i = 1; i < dims.length; i++) block &= dims[i] == dims[i - 1] + 1;
        Tensor src = x;
        if (!block) {
            int[] perm = new int[rank];
            boolean[] red = new boolean[rank];
            for (int d : dims) red[d] = true;
            int k = 0;
            for (int i = 0; i < rank; i++) if (!red[i]) perm[k++] = i;
            for (int d : dims) perm[k++] = d;
            int[] ps = new int[rank], pst = new int[rank];
            for (int i = 0; i < rank; i++) {
                ps[i] = shape[perm[i]];
                pst[i] = x.stride()[perm[i]];
            }
            src = x.asStrided(ps, pst, x.storageOffset());
            shape = ps;
            dims = new int[dims.length];
            for (int i = 0; i < dims.length; i++) dims[i] = rank - dims.length + i;
        }
        long outer = 1, r = 1, inner = 1;
        for (int i = 0; i < rank; i++) {
            if (dims.length > 0 && i < dims[0]) outer *= shape[i];
            else if (dims.length > 0 && i <= dims[dims.length - 1]) r *= shape[i];
            else inner *= shape[i];
        }
        dims3[0] = (int) outer;
        dims3[1] = (int) r;
        dims3[2] = (int) inner;
        Tensor c = cast(src, DType.FLOAT64);
        return c.storage().doubles();
    }

    static int[] reducedShape(int[] shape, int[] dims, boolean keepDim) {
        boolean[] red = new boolean[shape.length];
        for (int d : dims) red[d] = true;
        int n = 0;
        for (int i = 0; i < shape.length; i++) if (keepDim || !red[i]) n++;
        int[] out = new int[n];
        for (int i = 0, k = 0; i < shape.length; i++) {
            if (red[i]) {
                if (keepDim) out[k++] = 1;
            } else {
                out[k++] = shape[i];
            }
        }
        return out;
    }

    @Override
    public Tensor reduce(Reduction red, Tensor x, int[] dims, boolean keepDim) {
        String name = red.name().toLowerCase();
        requireFloating(name, x);
        int[] d3 = new int[3];
        double[] v = layout(x, dims, d3);
        int outer = d3[0], r = d3[1], inner = d3[2];
        if (r == 0 && (red == Reduction.MAX || red == Reduction.MIN)) {
            throw new IllegalArgumentException((red == Reduction.MAX ? "amax" : "amin") + ": cannot reduce an empty dimension"
                    + " (shape " + Shape.str(x.shape()) + ")");
        }
        double[] out = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * r * inner + i;
                out[o * inner + i] = switch (red) {
                    case SUM -> sum(v, base, r, inner);
                    case MAX -> extreme(v, base, r, inner, true);
                    case MIN -> extreme(v, base, r, inner, false);
                    case LOGSUMEXP -> logSumExp(v, base, r, inner);
                    case NORM2 -> norm2(v, base, r, inner);
                };
            }
        }
        return fromDoubles(out, reducedShape(x.shape(), dims, keepDim), x.dtype());
    }

    static double sum(double[] v, int base, int r, int step) {
        double s = 0;
        for (int k = 0; k < r; k++) s += v[base + k * step];
        return s;
    }

    static double extreme(double[] v, int base, int r, int step, boolean max) {
        double m = v[base];
        for (int k = 1; k < r; k++) {
            double x = v[base + k * step];
            if (Double.isNaN(x)) return x;
            if (max ? x > m : x < m) m = x;
        }
        return m;
    }

    static double logSumExp(double[] v, int base, int r, int step) {
        double m = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < r; k++) {
            double x = v[base + k * step];
            if (Double.isNaN(x)) return x;
            m = Math.max(m, x);
        }
        if (Double.isInfinite(m)) return m;
        double s = 0;
        for (int k = 0; k < r; k++) s += Math.exp(v[base + k * step] - m);
        return m + Math.log(s);
    }

    static double norm2(double[] v, int base, int r, int step) {
        // Scaling by the largest magnitude keeps x² from underflowing (1e-19 in float32) or overflowing.
        double m = 0;
        for (int k = 0; k < r; k++) {
            double x = Math.abs(v[base + k * step]);
            if (Double.isNaN(x)) return x;
            m = Math.max(m, x);
        }
        if (m == 0 || Double.isInfinite(m)) return m;
        double s = 0;
        for (int k = 0; k < r; k++) {
            double x = v[base + k * step] / m;
            s += x * x;
        }
        return m * Math.sqrt(s);
    }

    @Override
    public Tensor argReduce(Tensor x, int dim, boolean keepDim, boolean max) {
        String name = max ? "argmax" : "argmin";
        if (x.dim() > 0 && x.size(dim) == 0) {
            throw new IllegalArgumentException(name + ": cannot reduce an empty dimension (shape " + Shape.str(x.shape()) + ")");
        }
        int[] dims = x.dim() == 0 ? new int[0] : new int[] {dim};
        int[] d3 = new int[3];
        double[] v = layout(x, dims, d3);
        int outer = d3[0], r = d3[1], inner = d3[2];
        long[] out = new long[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * r * inner + i;
                int best = 0;
                double m = v[base];
                for (int k = 1; k < r && !Double.isNaN(m); k++) {
                    double y = v[base + k * inner];
                    if (Double.isNaN(y) || (max ? y > m : y < m)) {
                        m = y;
                        best = k;
                    }
                }
                out[o * inner + i] = best;
            }
        }
        int[] shape = reducedShape(x.shape(), dims, keepDim);
        return Tensor.of(out, shape.length == 0 ? new int[0] : shape).reshape(shape);
    }

    @Override
    public Tensor softmax(Tensor x, int dim, boolean log) {
        requireFloating(log ? "logSoftmax" : "softmax", x);
        int[] d3 = new int[3];
        double[] v = layout(x, x.dim() == 0 ? new int[0] : new int[] {dim}, d3);
        int outer = d3[0], r = d3[1], inner = d3[2];
        double[] out = new double[v.length];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * r * inner + i;
                double m = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < r; k++) m = Math.max(m, v[base + k * inner]);
                if (m == Double.NEGATIVE_INFINITY) {
                    // A fully masked slice: probability 0 everywhere (not 0/0 = NaN).
                    for (int k = 0; k < r; k++) out[base + k * inner] = log ? Double.NEGATIVE_INFINITY : 0;
                    continue;
                }
                double s = 0;
                for (int k = 0; k < r; k++) s += Math.exp(v[base + k * inner] - m);
                double ls = Math.log(s);
                for (int k = 0; k < r; k++) {
                    double z = v[base + k * inner] - m;
                    out[base + k * inner] = log ? z - ls : Math.exp(z) / s;
                }
            }
        }
        return fromDoubles(out, x.shape(), x.dtype());
    }

    static Tensor fromDoubles(double[] v, int[] shape, DType dtype) {
        if (dtype == DType.FLOAT64) return Tensor.fromStorage(Storage.wrap(v), 0, shape, Shape.contiguousStrides(shape));
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return Tensor.fromStorage(Storage.wrap(f), 0, shape, Shape.contiguousStrides(shape));
    }

    // ------------------------------------------------------------------------------------------------ matmul

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        requireFloating("matmul", a);
        requireFloating("matmul", b);
        DType dt = DType.promote(a.dtype(), b.dtype());
        if (a.dtype() != dt) a = cast(a, dt);
        if (b.dtype() != dt) b = cast(b, dt);
        int[] as = a.shape(), bs = b.shape();
        int ra = as.length, rb = bs.length;
        int m = as[ra - 2], k = as[ra - 1], n = bs[rb - 1];
        if (bs[rb - 2] != k) {
            throw new IllegalArgumentException("matmul: shapes " + Shape.str(as) + " and " + Shape.str(bs)
                    + " cannot be multiplied (" + k + " columns vs " + bs[rb - 2] + " rows)");
        }
        int[] batchA = java.util.Arrays.copyOf(as, ra - 2), batchB = java.util.Arrays.copyOf(bs, rb - 2);
        int[] batch = Shape.broadcast("matmul", batchA, batchB);
        int[] outShape = java.util.Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        Tensor out = Tensor.zeros(dt, outShape);
        if (out.numel() == 0) return out;

        Operand pa = Operand.of(this, a, m, k);
        Operand pb = Operand.of(this, b, k, n);
        int[] sa = Shape.broadcastStrides(batchA, java.util.Arrays.copyOf(pa.t.stride(), ra - 2), batch);
        int[] sb = Shape.broadcastStrides(batchB, java.util.Arrays.copyOf(pb.t.stride(), rb - 2), batch);
        int[] so = java.util.Arrays.copyOf(out.stride(), batch.length);
        Strided.rows(batch, 0, so, pa.t.storageOffset(), sa, pb.t.storageOffset(), sb, (po, qa, qb, len, io, ia, ib) -> {
            for (int i = 0; i < len; i++) {
                int oOff = po + i * io, aOff = qa + i * ia, bOff = qb + i * ib;
                if (dt == DType.FLOAT32) {
                    gemm.sgemm(pa.trans, pb.trans, m, n, k, pa.t.storage().floats(), aOff, pa.ld,
                            pb.t.storage().floats(), bOff, pb.ld, out.storage().floats(), oOff, n, false);
                } else {
                    gemm.dgemm(pa.trans, pb.trans, m, n, k, pa.t.storage().doubles(), aOff, pa.ld,
                            pb.t.storage().doubles(), bOff, pb.ld, out.storage().doubles(), oOff, n, false);
                }
            }
        });
        return out;
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor b, boolean relu) {
        requireFloating("linear", x);
        requireFloating("linear", w);
        if (w.dim() != 2 || x.dim() == 0 || x.size(-1) != w.size(1) || (b != null && (b.dim() != 1 || b.size(0) != w.size(0)))) {
            throw new IllegalArgumentException("linear: input " + Shape.str(x.shape()) + ", weight " + Shape.str(w.shape())
                    + (b == null ? "" : " and bias " + Shape.str(b.shape())) + " do not fit (x is (…, in), W (out, in), b (out))");
        }
        DType dt = DType.promote(x.dtype(), DType.promote(w.dtype(), b == null ? w.dtype() : b.dtype()));
        Tensor xc = dense(cast(x, dt)), wc = dense(cast(w, dt));
        int in = w.size(1), outF = w.size(0), rows = (int) (x.numel() / Math.max(in, 1));
        int[] shape = x.shape();
        shape[shape.length - 1] = outF;
        Tensor out = Tensor.zeros(dt, shape);
        if (out.numel() == 0) return out;
        if (b != null) {
            // Every row starts as the bias; the GEMM then adds x·Wᵀ on top.
            Tensor bc = dense(cast(b, dt));
            for (int r = 0; r < rows; r++) System.arraycopy(bc.storage().array(), bc.storageOffset(), out.storage().array(), r * outF, outF);
        }
        if (dt == DType.FLOAT32) {
            gemm.sgemm(false, true, rows, outF, in, xc.storage().floats(), xc.storageOffset(), in, wc.storage().floats(),
                    wc.storageOffset(), in, out.storage().floats(), 0, outF, b != null);
        } else {
            gemm.dgemm(false, true, rows, outF, in, xc.storage().doubles(), xc.storageOffset(), in, wc.storage().doubles(),
                    wc.storageOffset(), in, out.storage().doubles(), 0, outF, b != null);
        }
        if (relu) reluInPlace(out);
        return out;
    }

    /** max(0, ·) over a fresh contiguous float tensor, in place. */
    void reluInPlace(Tensor t) {
        // NaN stays NaN (as Math.max and PyTorch's relu); −0 becomes +0.
        Storage s = t.storage();
        for (int i = 0, n = (int) t.numel(); i < n; i++) if (s.getDouble(i) <= 0) s.setDouble(i, 0);
    }

    @Override
    public Tensor reluBackward(Tensor g, Tensor y) {
        if (!Arrays.equals(g.shape(), y.shape())) {
            throw new IllegalArgumentException("reluBackward: gradient " + Shape.str(g.shape()) + " and input " + Shape.str(y.shape()) + " differ in shape");
        }
        Tensor out = contiguous(g);
        Tensor yc = dense(y);
        Storage o = out.storage(), sy = yc.storage();
        int yo = yc.storageOffset();
        for (int i = 0, n = (int) out.numel(); i < n; i++) if (!(sy.getDouble(yo + i) > 0)) o.setDouble(i, 0);
        return out;
    }

    /** A matrix operand: its tensor (possibly copied), whether it is stored transposed, and its leading dimension. */
    private record Operand(Tensor t, boolean trans, int ld) {
        static Operand of(ReferenceKernels k, Tensor x, int rows, int cols) {
            int r = x.dim();
            int[] st = x.stride();
            int sr = rows == 1 ? cols : st[r - 2];
            int sc = cols == 1 ? 1 : st[r - 1];
            if (sc == 1 && sr >= Math.max(cols, 1)) return new Operand(x, false, sr);
            // Stored as the transpose (column-major matrix): read it with the transposed flag, no copy.
            int tr = rows == 1 ? 1 : st[r - 2];
            int tc = cols == 1 ? rows : st[r - 1];
            if (tr == 1 && tc >= Math.max(rows, 1)) return new Operand(x, true, tc);
            Tensor c = k.contiguous(x);
            return new Operand(c, false, Math.max(cols, 1));
        }
    }

    // ------------------------------------------------------------------------------------------------ copies

    @Override
    public Tensor contiguous(Tensor x) {
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        copyInto(x, out);
        return out;
    }

    @Override
    public Tensor cast(Tensor x, DType to) {
        if (x.dtype() == to) return x.isContiguous() ? x : contiguous(x);
        Tensor out = Tensor.zeros(to, x.shape());
        Storage src = x.storage(), dst = out.storage();
        Strided.rows(x.shape(), 0, out.stride(), x.storageOffset(), x.stride(), (po, px, len, io, ix) -> {
            if (to == DType.FLOAT64 && x.dtype() == DType.FLOAT32) {
                double[] d = dst.doubles();
                float[] f = src.floats();
                for (int i = 0; i < len; i++) d[po + i * io] = f[px + i * ix];
            } else if (to == DType.FLOAT32 && x.dtype() == DType.FLOAT64) {
                float[] f = dst.floats();
                double[] d = src.doubles();
                for (int i = 0; i < len; i++) f[po + i * io] = (float) d[px + i * ix];
            } else {
                for (int i = 0; i < len; i++) dst.setDouble(po + i * io, src.getDouble(px + i * ix));
            }
        });
        return out;
    }

    @Override
    public void copyInto(Tensor src, Tensor dst) {
        if (src.dtype() != dst.dtype()) throw new IllegalArgumentException("copy: dtype " + src.dtype() + " into " + dst.dtype());
        if (!java.util.Arrays.equals(src.shape(), dst.shape())) {
            throw new IllegalArgumentException("copy: shape " + Shape.str(src.shape()) + " into " + Shape.str(dst.shape()));
        }
        Object s = src.storage().array(), d = dst.storage().array();
        DType dt = src.dtype();
        // A snapshot keeps the copy right when src and dst overlap in one storage.
        if (src.storage() == dst.storage()) {
            src = contiguous(src);
            s = src.storage().array();
        }
        Object srcArr = s;
        Strided.rows(dst.shape(), dst.storageOffset(), dst.stride(), src.storageOffset(), src.stride(), (pd, ps, len, id, is) -> {
            if (id == 1 && is == 1) {
                System.arraycopy(srcArr, ps, d, pd, len);
                return;
            }
            switch (dt) {
                case FLOAT32 -> {
                    float[] a = (float[]) srcArr, o = (float[]) d;
                    for (int i = 0; i < len; i++) o[pd + i * id] = a[ps + i * is];
                }
                case FLOAT64 -> {
                    double[] a = (double[]) srcArr, o = (double[]) d;
                    for (int i = 0; i < len; i++) o[pd + i * id] = a[ps + i * is];
                }
                case INT64 -> {
                    long[] a = (long[]) srcArr, o = (long[]) d;
                    for (int i = 0; i < len; i++) o[pd + i * id] = a[ps + i * is];
                }
                case BOOL -> {
                    boolean[] a = (boolean[]) srcArr, o = (boolean[]) d;
                    for (int i = 0; i < len; i++) o[pd + i * id] = a[ps + i * is];
                }
            }
        });
    }

    // ------------------------------------------------------------------------------------------------ selection

    @Override
    public Tensor where(Tensor mask, Tensor a, Tensor b) {
        if (mask.dtype() != DType.BOOL) throw new IllegalArgumentException("where: the mask must be bool, got " + mask.dtype());
        DType dt = a.dtype() == b.dtype() ? a.dtype() : DType.promote(a.dtype(), b.dtype());
        int[] shape = Shape.broadcast("where", mask.shape(), Shape.broadcast("where", a.shape(), b.shape()));
        Tensor bv = cast(b, dt);
        Tensor out = contiguous(bv.asStrided(shape, Shape.broadcastStrides(bv.shape(), bv.stride(), shape), bv.storageOffset()));
        Tensor av = a.dtype() == dt ? a : cast(a, dt);
        Storage o = out.storage(), sa = av.storage();
        boolean[] m = mask.storage().bools();
        int[] sm = Shape.broadcastStrides(mask.shape(), mask.stride(), shape);
        int[] sav = Shape.broadcastStrides(av.shape(), av.stride(), shape);
        Strided.rows(shape, 0, out.stride(), mask.storageOffset(), sm, av.storageOffset(), sav,
                (po, pm, pa, len, io, im, ia) -> {
                    for (int k = 0; k < len; k++) if (m[pm + k * im]) o.setDouble(po + k * io, sa.getDouble(pa + k * ia));
                });
        return out;
    }

    // ------------------------------------------------------------------------------------------------ optimizers

    @Override
    public void adam(float[] p, int po, float[] g, int go, float[] m, float[] v, float[] vmax, int n, double stepSize,
                     double bc2Sqrt, double beta1, double beta2, double eps, double l2, double shrink) {
        double oneMinusB1 = 1 - beta1, oneMinusB2 = 1 - beta2;
        for (int i = 0; i < n; i++) {
            double w = p[po + i];
            if (shrink != 1) w = (float) (w * shrink);
            double d = g[go + i];
            if (l2 != 0) d += l2 * w;
            // m + (1 − β₁)(d − m): PyTorch's lerp form of β₁m + (1 − β₁)d.
            float mi = (float) (m[i] + oneMinusB1 * (d - m[i]));
            float vi = (float) (beta2 * v[i] + oneMinusB2 * d * d);
            m[i] = mi;
            v[i] = vi;
            if (vmax != null) {
                vi = Math.max(vmax[i], vi);
                vmax[i] = vi;
            }
            p[po + i] = (float) (w - stepSize * mi / (Math.sqrt(vi) / bc2Sqrt + eps));
        }
    }

    @Override
    public double sumOfSquares(float[] a, int off, int n) {
        double s = 0;
        for (int i = off; i < off + n; i++) s += (double) a[i] * a[i];
        return s;
    }

    // ---- poolbn (begin)

    @Override
    public Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, int[] argmax) {
        return PoolNormReference.maxPool2d(x, kernel, stride, padding, dilation, argmax);
    }

    @Override
    public Tensor maxPool2dBackward(Tensor g, int[] argmax, int[] inShape) {
        return PoolNormReference.maxPool2dBackward(g, argmax, inShape);
    }

    @Override
    public Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean countIncludePad) {
        return PoolNormReference.avgPool2d(x, kernel, stride, padding, countIncludePad);
    }

    @Override
    public Tensor avgPool2dBackward(Tensor g, int[] inShape, int[] kernel, int[] stride, int[] padding, boolean countIncludePad) {
        return PoolNormReference.avgPool2dBackward(g, inShape, kernel, stride, padding, countIncludePad);
    }

    @Override
    public Tensor adaptiveAvgPool2d(Tensor x, int oh, int ow) {
        return PoolNormReference.adaptiveAvgPool2d(x, oh, ow);
    }

    @Override
    public Tensor adaptiveAvgPool2dBackward(Tensor g, int[] inShape) {
        return PoolNormReference.adaptiveAvgPool2dBackward(g, inShape);
    }

    @Override
    public double[][] batchNormStats(Tensor x) {
        return PoolNormReference.batchNormStats(x);
    }

    @Override
    public Tensor batchNormForward(Tensor x, double[] mean, double[] invstd, Tensor weight, Tensor bias) {
        return PoolNormReference.batchNormForward(x, mean, invstd, weight, bias);
    }

    @Override
    public Tensor batchNormBackward(Tensor g, Tensor x, double[] mean, double[] invstd, Tensor weight, double[] sumG,
                                    double[] sumGXhat) {
        return PoolNormReference.batchNormBackward(g, x, mean, invstd, weight, sumG, sumGXhat);
    }
    // ---- poolbn (end)
}
