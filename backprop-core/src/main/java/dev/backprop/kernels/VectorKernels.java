package dev.backprop.kernels;

import dev.backprop.DType;
import dev.backprop.Shape;
import dev.backprop.Tensor;
import dev.backprop.ops.BinaryOp;
import dev.backprop.ops.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The default kernels: the reference ones, with Vector-API loops for the hot float32 cases (contiguous operands;
 * a scalar or a last-dimension row broadcast for binary ops) — activations, arithmetic, comparisons, selection,
 * sums, softmax along the last dimension, the Adam update and sums of squares. Every other case falls through to
 * {@link ReferenceKernels}, and the tests compare the two on random shapes.
 *
 * <p>Each fast loop is written out per operation: a lambda in the loop would defeat the JIT's inlining, and every
 * FloatVector would become an object on the heap.
 */
final class VectorKernels extends ReferenceKernels {
    /** Public for {@link Kernels}, which loads this class by name only when the Vector API is there. */
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    public VectorKernels(Gemm gemm) {
        super(gemm);
    }

    private static boolean dense32(Tensor t) {
        return t.dtype() == DType.FLOAT32 && t.isContiguous();
    }

    // ------------------------------------------------------------------------------------------------ unary

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        if (x.dtype() == DType.FLOAT32 && !x.isContiguous()
                && (op instanceof UnaryOp.Exp || op instanceof UnaryOp.Tanh || op instanceof UnaryOp.Sigmoid)) {
            // A view (an LSTM's gate slice, a transpose) must get the same floats as the same values stored densely,
            // and VectorMath's differ from the reference kernels' in the last bit: copy, then compute.
            return unary(op, x.contiguous());
        }
        if (!dense32(x)) return super.unary(op, x);
        float[] a = x.storage().floats();
        int ao = x.storageOffset(), n = (int) x.numel();
        Tensor out = Tensor.zeros(DType.FLOAT32, x.shape());
        float[] o = out.storage().floats();
        switch (op) {
            case UnaryOp.Relu r -> parallelRuns(n, (i0, i1) -> relu(a, ao + i0, o, i0, i1 - i0));
            case UnaryOp.Neg r -> neg(a, ao, o, n);
            case UnaryOp.Exp r -> parallelRuns(n, (i0, i1) -> VectorMath.exp(a, ao + i0, o, i0, i1 - i0));
            case UnaryOp.Log r -> log(a, ao, o, n);
            case UnaryOp.Sqrt r -> sqrt(a, ao, o, n);
            case UnaryOp.Abs r -> abs(a, ao, o, n);
            case UnaryOp.Tanh r -> parallelRuns(n, (i0, i1) -> VectorMath.tanh(a, ao + i0, o, i0, i1 - i0));
            case UnaryOp.Sigmoid r -> parallelRuns(n, (i0, i1) -> VectorMath.sigmoid(a, ao + i0, o, i0, i1 - i0));
            case UnaryOp.LeakyRelu r -> leakyRelu(a, ao, o, n, (float) r.slope());
            case UnaryOp.PowScalar r when r.p() == 2 -> square(a, ao, o, n);
            default -> {
                return super.unary(op, x);
            }
        }
        return out;
    }

    /** Elements per thread below which an element-wise loop stays on the calling thread. */
    static final int ELEMENTWISE_GRAIN = 1 << 16;

    /**
     * Runs body over [0, n) in runs cut at multiples of L, split over the threads when n is large (an activation
     * tensor: these loops are memory-bound, and two cores stream about twice what one does). Element-wise, so
     * the results do not depend on the split.
     */
    static void parallelRuns(int n, Parallel.RangeBody body) {
        if (n < 2 * ELEMENTWISE_GRAIN) {
            body.run(0, n);
            return;
        }
        int blocks = (n + L - 1) / L;
        PoolNormVector.split(blocks, ELEMENTWISE_GRAIN / L, (b0, b1) -> body.run(b0 * L, Math.min(n, b1 * L)));
    }

    static void relu(float[] a, int ao, float[] o, int n) {
        relu(a, ao, o, 0, n);
    }

    /** o[oo + i] = max(a[ao + i], 0) for i in [0, n). */
    static void relu(float[] a, int ao, float[] o, int oo, int n) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) FloatVector.fromArray(S, a, ao + i).max(0f).intoArray(o, oo + i);
        for (; i < n; i++) o[oo + i] = Math.max(a[ao + i], 0f);
    }

    static void neg(float[] a, int ao, float[] o, int n) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) FloatVector.fromArray(S, a, ao + i).neg().intoArray(o, i);
        for (; i < n; i++) o[i] = -a[ao + i];
    }

    // NOTE: exp, tanh and sigmoid are VectorMath's, built from exactly rounded lane operations, and log is a scalar
    // Math.log loop: the Vector API's lanewise EXP, LOG and TANH give different roundings before and after the JIT
    // compiles a kernel (a Java fallback, then an intrinsic), so the same seed trained a sigmoid batch-norm net to
    // different accuracies from run to run (0.964 and 0.975).

    static void log(float[] a, int ao, float[] o, int n) {
        for (int i = 0; i < n; i++) o[i] = (float) Math.log(a[ao + i]);
    }

    static void sqrt(float[] a, int ao, float[] o, int n) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) FloatVector.fromArray(S, a, ao + i).sqrt().intoArray(o, i);
        for (; i < n; i++) o[i] = (float) Math.sqrt(a[ao + i]);
    }

    static void abs(float[] a, int ao, float[] o, int n) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) FloatVector.fromArray(S, a, ao + i).abs().intoArray(o, i);
        for (; i < n; i++) o[i] = Math.abs(a[ao + i]);
    }

    static void leakyRelu(float[] a, int ao, float[] o, int n, float slope) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, ao + i);
            v.mul(slope).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(o, i);
        }
        for (; i < n; i++) o[i] = a[ao + i] > 0 ? a[ao + i] : a[ao + i] * slope;
    }

    static void square(float[] a, int ao, float[] o, int n) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, ao + i);
            v.mul(v).intoArray(o, i);
        }
        for (; i < n; i++) o[i] = a[ao + i] * a[ao + i];
    }

    // ------------------------------------------------------------------------------------------------ binary

    private static final int ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAX = 4, MIN = 5;

    private static int code(BinaryOp op) {
        return switch (op) {
            case BinaryOp.Add x -> ADD;
            case BinaryOp.Sub x -> SUB;
            case BinaryOp.Mul x -> MUL;
            case BinaryOp.Div x -> DIV;
            case BinaryOp.Maximum x -> MAX;
            case BinaryOp.Minimum x -> MIN;
            default -> -1;
        };
    }

    private static FloatVector apply(int code, FloatVector x, FloatVector y) {
        return switch (code) {
            case ADD -> x.add(y);
            case SUB -> x.sub(y);
            case MUL -> x.mul(y);
            case DIV -> x.div(y);
            case MAX -> x.max(y);
            default -> x.min(y);
        };
    }

    private static float apply(int code, float x, float y) {
        return switch (code) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case MAX -> Math.max(x, y);
            default -> Math.min(x, y);
        };
    }

    /** How an operand lines up with the output: all of it, one value, or a row repeated along the last dimension. */
    private enum Fit { FULL, SCALAR, ROW, NONE }

    private static Fit fit(Tensor t, int[] out) {
        if (!dense32(t)) return Fit.NONE;
        if (t.numel() == 1) return Fit.SCALAR;
        int[] s = t.shape();
        if (Arrays.equals(s, out)) return Fit.FULL;
        // [..1.., N] against [..., N]: every leading size is 1 and the last matches.
        if (s.length == 0 || out.length == 0 || s[s.length - 1] != out[out.length - 1]) return Fit.NONE;
        for (int i = 0; i < s.length - 1; i++) if (s[i] != 1) return Fit.NONE;
        return Fit.ROW;
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        int code = code(op);
        if (code < 0 || a.dtype() != DType.FLOAT32 || b.dtype() != DType.FLOAT32) return super.binary(op, a, b);
        int[] shape = Shape.broadcast(op.name(), a.shape(), b.shape());
        Fit fa = fit(a, shape), fb = fit(b, shape);
        if (fa == Fit.NONE || fb == Fit.NONE || (fa != Fit.FULL && fb != Fit.FULL)) {
            Tensor planes = planeBroadcast(code, a, b, shape); // poolbn: [N,C,H,W] with [N,C,1,1] or [1,C,1,1]
            return planes != null ? planes : super.binary(op, a, b);
        }
        Tensor out = Tensor.zeros(DType.FLOAT32, shape);
        float[] o = out.storage().floats(), x = a.storage().floats(), y = b.storage().floats();
        int n = (int) out.numel(), xo = a.storageOffset(), yo = b.storageOffset();
        if (n == 0) return out;
        if (fa == Fit.FULL && fb == Fit.FULL) {
            full(code, x, xo, y, yo, o, n);
        } else if (fa == Fit.FULL && fb == Fit.SCALAR) {
            scalarRight(code, x, xo, y[yo], o, n);
        } else if (fa == Fit.SCALAR) {
            scalarLeft(code, x[xo], y, yo, o, n);
        } else if (fb == Fit.ROW) {
            int w = shape[shape.length - 1];
            for (int r = 0; r < n / w; r++) rowRight(code, x, xo + r * w, y, yo, o, r * w, w);
        } else {
            int w = shape[shape.length - 1];
            for (int r = 0; r < n / w; r++) rowLeft(code, x, xo, y, yo + r * w, o, r * w, w);
        }
        return out;
    }

    private static void full(int code, float[] x, int xo, float[] y, int yo, float[] o, int n) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            apply(code, FloatVector.fromArray(S, x, xo + i), FloatVector.fromArray(S, y, yo + i)).intoArray(o, i);
        }
        for (; i < n; i++) o[i] = apply(code, x[xo + i], y[yo + i]);
    }

    private static void scalarRight(int code, float[] x, int xo, float c, float[] o, int n) {
        FloatVector cv = FloatVector.broadcast(S, c);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) apply(code, FloatVector.fromArray(S, x, xo + i), cv).intoArray(o, i);
        for (; i < n; i++) o[i] = apply(code, x[xo + i], c);
    }

    private static void scalarLeft(int code, float c, float[] y, int yo, float[] o, int n) {
        FloatVector cv = FloatVector.broadcast(S, c);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) apply(code, cv, FloatVector.fromArray(S, y, yo + i)).intoArray(o, i);
        for (; i < n; i++) o[i] = apply(code, c, y[yo + i]);
    }

    private static void rowRight(int code, float[] x, int xo, float[] y, int yo, float[] o, int oo, int w) {
        int j = 0;
        for (int up = S.loopBound(w); j < up; j += L) {
            apply(code, FloatVector.fromArray(S, x, xo + j), FloatVector.fromArray(S, y, yo + j)).intoArray(o, oo + j);
        }
        for (; j < w; j++) o[oo + j] = apply(code, x[xo + j], y[yo + j]);
    }

    private static void rowLeft(int code, float[] x, int xo, float[] y, int yo, float[] o, int oo, int w) {
        int j = 0;
        for (int up = S.loopBound(w); j < up; j += L) {
            apply(code, FloatVector.fromArray(S, x, xo + j), FloatVector.fromArray(S, y, yo + j)).intoArray(o, oo + j);
        }
        for (; j < w; j++) o[oo + j] = apply(code, x[xo + j], y[yo + j]);
    }

    // ------------------------------------------------------------------------------------------------ compare, where

    @Override
    public Tensor compare(Comparison c, Tensor a, Tensor b) {
        boolean vector = switch (c) {
            case EQ, NE, LT, LE, GT, GE -> true;
            default -> false;
        };
        if (!vector || !dense32(a) || !dense32(b)) return super.compare(c, a, b);
        boolean scalar = b.numel() == 1 && a.dim() >= b.dim();
        if (!scalar && !Arrays.equals(a.shape(), b.shape())) return super.compare(c, a, b);
        Tensor out = Tensor.zeros(DType.BOOL, a.shape());
        boolean[] o = out.storage().bools();
        float[] x = a.storage().floats(), y = b.storage().floats();
        int n = (int) a.numel(), xo = a.storageOffset(), yo = b.storageOffset();
        // NOTE: each call passes a constant operator: the Vector API compiles a compare to one instruction only
        // when C2 sees the operator as a constant; a variable one falls back to a per-lane Java loop (10× slower).
        int i = switch (c) {
            case EQ -> compare(VectorOperators.EQ, x, xo, y, yo, scalar, o, n);
            case NE -> compare(VectorOperators.NE, x, xo, y, yo, scalar, o, n);
            case LT -> compare(VectorOperators.LT, x, xo, y, yo, scalar, o, n);
            case LE -> compare(VectorOperators.LE, x, xo, y, yo, scalar, o, n);
            case GT -> compare(VectorOperators.GT, x, xo, y, yo, scalar, o, n);
            default -> compare(VectorOperators.GE, x, xo, y, yo, scalar, o, n);
        };
        for (; i < n; i++) o[i] = test(c, x[xo + i], y[scalar ? yo : yo + i]);
        return out;
    }

    /** The vector part of a comparison; returns where the scalar tail starts. */
    private static int compare(VectorOperators.Comparison vc, float[] x, int xo, float[] y, int yo, boolean scalar,
                               boolean[] o, int n) {
        int i = 0, up = S.loopBound(n);
        if (scalar) {
            FloatVector k = FloatVector.broadcast(S, y[yo]);
            for (; i < up; i += L) FloatVector.fromArray(S, x, xo + i).compare(vc, k).intoArray(o, i);
        } else {
            for (; i < up; i += L) FloatVector.fromArray(S, x, xo + i).compare(vc, FloatVector.fromArray(S, y, yo + i)).intoArray(o, i);
        }
        return i;
    }

    @Override
    public Tensor reluBackward(Tensor g, Tensor y) {
        if (!dense32(g) || !dense32(y) || !Arrays.equals(g.shape(), y.shape())) return super.reluBackward(g, y);
        Tensor out = Tensor.zeros(DType.FLOAT32, g.shape());
        float[] o = out.storage().floats(), a = g.storage().floats(), b = y.storage().floats();
        int n = (int) g.numel(), go = g.storageOffset(), yo = y.storageOffset();
        parallelRuns(n, (i0, i1) -> reluMask(a, go, b, yo, o, i0, i1));
        return out;
    }

    /** o[i] = b[yo + i] &gt; 0 ? a[go + i] : 0 for i in [i0, i1). */
    private static void reluMask(float[] a, int go, float[] b, int yo, float[] o, int i0, int i1) {
        FloatVector zero = FloatVector.zero(S);
        int i = i0;
        for (int up = i0 + S.loopBound(i1 - i0); i < up; i += L) {
            zero.blend(FloatVector.fromArray(S, a, go + i), FloatVector.fromArray(S, b, yo + i).compare(VectorOperators.GT, 0f)).intoArray(o, i);
        }
        for (; i < i1; i++) o[i] = b[yo + i] > 0 ? a[go + i] : 0f;
    }

    @Override
    void reluInPlace(Tensor t) {
        if (t.dtype() != DType.FLOAT32) {
            super.reluInPlace(t);
            return;
        }
        float[] a = t.storage().floats();
        int n = (int) t.numel(), i = 0;
        FloatVector zero = FloatVector.zero(S);
        // max(v, 0) would turn NaN into 0 on some CPUs; a blend keeps NaN, like the reference.
        for (int up = S.loopBound(n); i < up; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, i);
            v.blend(zero, v.compare(VectorOperators.LE, 0f)).intoArray(a, i);
        }
        for (; i < n; i++) if (a[i] <= 0) a[i] = 0;
    }

    private static boolean test(Comparison c, float u, float v) {
        return switch (c) {
            case EQ -> u == v;
            case NE -> u != v;
            case LT -> u < v;
            case LE -> u <= v;
            case GT -> u > v;
            default -> u >= v;
        };
    }

    @Override
    public Tensor where(Tensor mask, Tensor a, Tensor b) {
        if (!mask.isContiguous() || mask.dtype() != DType.BOOL) return super.where(mask, a, b);
        int[] shape = mask.shape();
        Fit fa = fit(a, shape), fb = fit(b, shape);
        boolean ok = (fa == Fit.FULL || fa == Fit.SCALAR) && (fb == Fit.FULL || fb == Fit.SCALAR)
                && Arrays.equals(Shape.broadcast("where", shape, Shape.broadcast("where", a.shape(), b.shape())), shape);
        if (!ok) return super.where(mask, a, b);
        Tensor out = Tensor.zeros(DType.FLOAT32, shape);
        float[] o = out.storage().floats(), x = a.storage().floats(), y = b.storage().floats();
        boolean[] m = mask.storage().bools();
        int n = (int) out.numel(), mo = mask.storageOffset(), xo = a.storageOffset(), yo = b.storageOffset(), i = 0;
        if (n == 0) return out;
        boolean xs = fa == Fit.SCALAR, ys = fb == Fit.SCALAR;
        FloatVector xc = xs ? FloatVector.broadcast(S, x[xo]) : null, yc = ys ? FloatVector.broadcast(S, y[yo]) : null;
        for (int up = S.loopBound(n); i < up; i += L) {
            VectorMask<Float> k = VectorMask.fromArray(S, m, mo + i);
            FloatVector u = xs ? xc : FloatVector.fromArray(S, x, xo + i);
            FloatVector v = ys ? yc : FloatVector.fromArray(S, y, yo + i);
            v.blend(u, k).intoArray(o, i);
        }
        for (; i < n; i++) o[i] = m[mo + i] ? x[xs ? xo : xo + i] : y[ys ? yo : yo + i];
        return out;
    }

    // ------------------------------------------------------------------------------------------------ reductions

    /**
     * Partial sums run in float lanes for at most this many terms, then go into a double: the float part's
     * rounding stays about BLOCK·2⁻²⁴ of the partial sums, the double part adds nothing noticeable.
     */
    private static final int BLOCK = 16;

    @Override
    public Tensor reduce(Reduction red, Tensor x, int[] dims, boolean keepDim) {
        if (red != Reduction.SUM || !dense32(x)) return super.reduce(red, x, dims, keepDim);
        for (int i = 1; i < dims.length; i++) if (dims[i] != dims[i - 1] + 1) return super.reduce(red, x, dims, keepDim);
        int[] shape = x.shape();
        long outer = 1, r = 1, inner = 1;
        for (int i = 0; i < shape.length; i++) {
            if (dims.length > 0 && i < dims[0]) outer *= shape[i];
            else if (dims.length > 0 && i <= dims[dims.length - 1]) r *= shape[i];
            else inner *= shape[i];
        }
        float[] a = x.storage().floats();
        int xo = x.storageOffset();
        double[] out = new double[(int) (outer * inner)];
        for (int o = 0; o < outer; o++) {
            int base = (int) (xo + o * r * inner);
            if (inner == 1) {
                out[o] = sumRun(a, base, (int) r);
            } else {
                sumRows(a, base, (int) r, (int) inner, out, (int) (o * inner));
            }
        }
        return fromDoubles(out, reducedShape(shape, dims, keepDim), DType.FLOAT32);
    }

    /**
     * The lanes of {@code v} added in lane order, in double. Not {@code reduceLanes(ADD)}: its order of additions is
     * unspecified, so it may differ between the interpreted and the JIT-compiled kernel, as the lanewise EXP did
     * (see the NOTE on the transcendentals above), and a sum must repeat exactly for a seed to. Called once per
     * block of lanes: the fixed order costs nothing measurable.
     */
    static double sumLanes(FloatVector v) {
        double s = 0;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }

    /** Σ a[off .. off+n): float lanes over blocks, blocks added in double. */
    static double sumRun(float[] a, int off, int n) {
        double total = 0;
        for (int start = 0; start < n; start += BLOCK * L) {
            int len = Math.min(BLOCK * L, n - start);
            FloatVector acc = FloatVector.zero(S);
            int i = 0;
            for (int up = S.loopBound(len); i < up; i += L) acc = acc.add(FloatVector.fromArray(S, a, off + start + i));
            double s = sumLanes(acc);
            for (; i < len; i++) s += a[off + start + i];
            total += s;
        }
        return total;
    }

    /** out[j] += Σ_k a[base + k·w + j] for j < w: the column sums of an r×w block (a bias gradient), in double. */
    static void sumRows(float[] a, int base, int r, int w, double[] out, int oo) {
        for (int k = 0; k < r; k++) {
            int row = base + k * w;
            for (int j = 0; j < w; j++) out[oo + j] += a[row + j];
        }
    }

    @Override
    public Tensor softmax(Tensor x, int dim, boolean log) {
        if (!dense32(x) || x.dim() == 0 || dim != x.dim() - 1) return super.softmax(x, dim, log);
        int w = x.size(-1), rows = w == 0 ? 0 : (int) (x.numel() / w);
        float[] a = x.storage().floats();
        int xo = x.storageOffset();
        Tensor out = Tensor.zeros(DType.FLOAT32, x.shape());
        float[] o = out.storage().floats();
        for (int r = 0; r < rows; r++) {
            int base = xo + r * w, ob = r * w;
            float m = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < w; j++) m = Math.max(m, a[base + j]);
            if (m == Float.NEGATIVE_INFINITY) {
                Arrays.fill(o, ob, ob + w, log ? Float.NEGATIVE_INFINITY : 0f);
                continue;
            }
            double s = 0;
            for (int j = 0; j < w; j++) s += Math.exp(a[base + j] - m);
            if (log) {
                float ls = (float) Math.log(s);
                for (int j = 0; j < w; j++) o[ob + j] = a[base + j] - m - ls;
            } else {
                double inv = 1 / s;
                for (int j = 0; j < w; j++) o[ob + j] = (float) (Math.exp(a[base + j] - m) * inv);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ optimizers

    /** Elements per thread below which the Adam update stays on one thread (the hand-off would cost more). */
    private static final int ADAM_GRAIN = 1 << 15;

    @Override
    public void adam(float[] p, int po, float[] g, int go, float[] m, float[] v, float[] vmax, int n, double stepSize,
                     double bc2Sqrt, double beta1, double beta2, double eps, double l2, double shrink) {
        // Each element's update is independent, so the threads split the range; the result does not depend on it.
        Parallel.forRange(n, ADAM_GRAIN, (from, to) -> adamRange(p, po, g, go, m, v, vmax, from, to, stepSize, bc2Sqrt, beta1,
                beta2, eps, l2, shrink));
    }

    private static void adamRange(float[] p, int po, float[] g, int go, float[] m, float[] v, float[] vmax, int from, int to,
                                  double stepSize, double bc2Sqrt, double beta1, double beta2, double eps, double l2, double shrink) {
        float b1 = (float) beta1, c1 = (float) (1 - beta1), b2 = (float) beta2, c2 = (float) (1 - beta2);
        float step = (float) stepSize, invBc2 = (float) (1 / bc2Sqrt), e = (float) eps, wl2 = (float) l2, sh = (float) shrink;
        boolean doShrink = shrink != 1, doL2 = l2 != 0;
        int i = from;
        for (int up = from + S.loopBound(to - from); i < up; i += L) {
            FloatVector w = FloatVector.fromArray(S, p, po + i);
            if (doShrink) w = w.mul(sh);
            FloatVector d = FloatVector.fromArray(S, g, go + i);
            if (doL2) d = w.mul(wl2).add(d);
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(b1).add(d.mul(c1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(b2).add(d.mul(d).mul(c2));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            if (vmax != null) {
                vi = vi.max(FloatVector.fromArray(S, vmax, i));
                vi.intoArray(vmax, i);
            }
            FloatVector denom = vi.sqrt().mul(invBc2).add(e);
            w.sub(mi.mul(step).div(denom)).intoArray(p, po + i);
        }
        // The tail (fewer than one vector): the same rule, one element at a time.
        for (; i < to; i++) {
            float w = doShrink ? p[po + i] * sh : p[po + i];
            float d = doL2 ? g[go + i] + wl2 * w : g[go + i];
            float mi = b1 * m[i] + c1 * d;
            float vi = b2 * v[i] + c2 * d * d;
            m[i] = mi;
            v[i] = vi;
            if (vmax != null) {
                vi = Math.max(vmax[i], vi);
                vmax[i] = vi;
            }
            p[po + i] = w - step * mi / ((float) Math.sqrt(vi) * invBc2 + e);
        }
    }

    @Override
    public double sumOfSquares(float[] a, int off, int n) {
        double total = 0;
        for (int start = 0; start < n; start += BLOCK * L) {
            int len = Math.min(BLOCK * L, n - start);
            FloatVector acc = FloatVector.zero(S);
            int i = 0;
            for (int up = S.loopBound(len); i < up; i += L) {
                FloatVector v = FloatVector.fromArray(S, a, off + start + i);
                acc = v.fma(v, acc);
            }
            double s = sumLanes(acc);
            for (; i < len; i++) s += (double) a[off + start + i] * a[off + start + i];
            total += s;
        }
        return total;
    }

    // ---- poolbn (begin)

    @Override
    public Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, int[] argmax) {
        if (!dense32(x)) return super.maxPool2d(x, kernel, stride, padding, dilation, argmax);
        return PoolNormVector.maxPool2d(x, kernel, stride, padding, dilation, argmax);
    }

    @Override
    public Tensor maxPool2dBackward(Tensor g, int[] argmax, int[] inShape) {
        if (!dense32(g)) return super.maxPool2dBackward(g, argmax, inShape);
        return PoolNormVector.maxPool2dBackward(g, argmax, inShape);
    }

    @Override
    public Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean countIncludePad) {
        if (!dense32(x)) return super.avgPool2d(x, kernel, stride, padding, countIncludePad);
        return PoolNormVector.avgPool2d(x, kernel, stride, padding, countIncludePad, false, 0, 0);
    }

    @Override
    public Tensor avgPool2dBackward(Tensor g, int[] inShape, int[] kernel, int[] stride, int[] padding, boolean countIncludePad) {
        if (!dense32(g)) return super.avgPool2dBackward(g, inShape, kernel, stride, padding, countIncludePad);
        return PoolNormVector.avgPool2dBackward(g, inShape, kernel, stride, padding, countIncludePad, false);
    }

    @Override
    public Tensor adaptiveAvgPool2d(Tensor x, int oh, int ow) {
        if (!dense32(x)) return super.adaptiveAvgPool2d(x, oh, ow);
        return PoolNormVector.avgPool2d(x, null, null, null, false, true, oh, ow);
    }

    @Override
    public Tensor adaptiveAvgPool2dBackward(Tensor g, int[] inShape) {
        if (!dense32(g)) return super.adaptiveAvgPool2dBackward(g, inShape);
        return PoolNormVector.avgPool2dBackward(g, inShape, null, null, null, false, true);
    }

    /** Batch-norm runs shorter than this stay on the reference loops (a [N, C] input has runs of 1). */
    private static final int BN_MIN_RUN = 8;

    private static boolean bnFast(Tensor x) {
        return dense32(x) && PoolNormReference.ncl(x.shape())[2] >= BN_MIN_RUN;
    }

    @Override
    public double[][] batchNormStats(Tensor x) {
        return bnFast(x) ? PoolNormVector.batchNormStats(x) : super.batchNormStats(x);
    }

    @Override
    public Tensor batchNormForward(Tensor x, double[] mean, double[] invstd, Tensor weight, Tensor bias) {
        return bnFast(x) ? PoolNormVector.batchNormForward(x, mean, invstd, weight, bias)
                : super.batchNormForward(x, mean, invstd, weight, bias);
    }

    @Override
    public Tensor batchNormBackward(Tensor g, Tensor x, double[] mean, double[] invstd, Tensor weight, double[] sumG,
                                    double[] sumGXhat) {
        return bnFast(x) && dense32(g) ? PoolNormVector.batchNormBackward(g, x, mean, invstd, weight, sumG, sumGXhat)
                : super.batchNormBackward(g, x, mean, invstd, weight, sumG, sumGXhat);
    }

    /**
     * A dense operand of the output's shape with a dense one whose sizes, right-aligned, are 1 except one block of
     * consecutive dimensions that matches the output (e.g. [N, C, 1, 1] or [1, C, 1, 1] against [N, C, H, W]):
     * each of its values meets a contiguous run of the output. Null when the pattern does not apply (or the runs
     * are too short to gain), for the general loop.
     */
    private static Tensor planeBroadcast(int code, Tensor a, Tensor b, int[] shape) {
        boolean left;
        Tensor full, part;
        if (dense32(a) && Arrays.equals(a.shape(), shape) && dense32(b)) {
            full = a;
            part = b;
            left = false;
        } else if (dense32(b) && Arrays.equals(b.shape(), shape) && dense32(a)) {
            full = b;
            part = a;
            left = true;
        } else {
            return null;
        }
        int r = shape.length;
        int[] ps = new int[r];
        int[] given = part.shape();
        if (given.length > r) return null;
        Arrays.fill(ps, 1);
        System.arraycopy(given, 0, ps, r - given.length, given.length);
        int i0 = 0;
        while (i0 < r && ps[i0] == 1) i0++;
        int i1 = i0;
        while (i1 < r && ps[i1] != 1) {
            if (ps[i1] != shape[i1]) return null;
            i1++;
        }
        for (int i = i1; i < r; i++) if (ps[i] != 1) return null;
        long outer = 1, mid = 1, inner = 1;
        for (int i = 0; i < r; i++) {
            if (i < i0) outer *= shape[i];
            else if (i < i1) mid *= shape[i];
            else inner *= shape[i];
        }
        if (inner < 8) return null;
        Tensor out = Tensor.zeros(DType.FLOAT32, shape);
        float[] o = out.storage().floats(), x = full.storage().floats(), y = part.storage().floats();
        int xo = full.storageOffset(), yo = part.storageOffset(), n = (int) inner;
        for (long q = 0; q < outer; q++) {
            for (int m = 0; m < mid; m++) {
                int base = (int) ((q * mid + m) * inner);
                runScalar(code, x, xo + base, y[yo + m], o, base, n, left);
            }
        }
        return out;
    }

    /** o[oo + i] = x[xo + i] op c (or c op x[xo + i] when {@code left}) for i &lt; n. */
    private static void runScalar(int code, float[] x, int xo, float c, float[] o, int oo, int n, boolean left) {
        FloatVector cv = FloatVector.broadcast(S, c);
        int i = 0;
        if (left) {
            for (int up = S.loopBound(n); i < up; i += L) apply(code, cv, FloatVector.fromArray(S, x, xo + i)).intoArray(o, oo + i);
            for (; i < n; i++) o[oo + i] = apply(code, c, x[xo + i]);
        } else {
            for (int up = S.loopBound(n); i < up; i += L) apply(code, FloatVector.fromArray(S, x, xo + i), cv).intoArray(o, oo + i);
            for (; i < n; i++) o[oo + i] = apply(code, x[xo + i], c);
        }
    }
    // ---- poolbn (end)
}
