package dev.backprop.kernels;

import dev.backprop.DType;
import dev.backprop.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fast float32 loops for pooling and batch normalisation over contiguous tensors (used by {@link VectorKernels};
 * {@link PoolNormReference} defines the answers, and the tests compare the two): Vector API for the 2×2 max-pool
 * and batch norm, plain float loops (no conversion to double) for other max-pool windows and average pooling. Planes
 * (pooling) and channels (batch norm) are split over the threads of {@link Parallel}; each thread writes only its
 * own outputs, so results do not depend on the split.
 *
 * <p>Batch-norm sums run in float lanes over blocks of at most {@value #BLOCK}·L terms, the blocks added in double
 * (as {@link VectorKernels#sumRun}); the variance is the mean squared deviation from the mean (two passes), never
 * E[x²] − E[x]², which cancels.
 */
final class PoolNormVector {
    private PoolNormVector() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    private static final int BLOCK = 16;
    /** Elements per thread below which a loop stays on the calling thread. */
    private static final int GRAIN = 1 << 14;

    /**
     * [0, n) in pieces of at least {@code grain}, at most 4 per thread, claimed by whichever thread is free
     * ({@link Parallel#forChunks}: on a busy machine a thread given less of a processor holds no one up). Every
     * loop here computes each plane, channel or run alone, so the results do not depend on the pieces.
     */
    static void split(int n, int grain, Parallel.RangeBody body) {
        int pieces = Math.min(n / Math.max(1, grain), 4 * Parallel.threads());
        Parallel.forChunks(n, pieces, body);
    }

    static boolean dense32(Tensor t) {
        return t.dtype() == DType.FLOAT32 && t.isContiguous();
    }

    // ------------------------------------------------------------------------------------------------ max-pool

    /** Max-pooling of a dense float32 tensor; the same scan order, tie and NaN rules as the reference. */
    static Tensor maxPool2d(Tensor x, int[] k, int[] s, int[] p, int[] d, int[] argmax) {
        int[] shape = x.shape();
        int r = shape.length, h = shape[r - 2], w = shape[r - 1];
        int oh = PoolNormReference.poolOut(h, k[0], s[0], p[0], d[0]), ow = PoolNormReference.poolOut(w, k[1], s[1], p[1], d[1]);
        int planes = PoolNormReference.planes(shape);
        Tensor out = Tensor.zeros(DType.FLOAT32, PoolNormReference.pooledShape(shape, oh, ow));
        float[] a = x.storage().floats(), o = out.storage().floats();
        int xo = x.storageOffset();
        boolean two = k[0] == 2 && k[1] == 2 && s[0] == 2 && s[1] == 2 && p[0] == 0 && p[1] == 0 && d[0] == 1 && d[1] == 1;
        int grain = Math.max(1, GRAIN / Math.max(1, h * w));
        split(planes, grain, (from, to) -> {
            for (int pl = from; pl < to; pl++) {
                if (two) pool2x2(a, xo + pl * h * w, w, o, argmax, pl * oh * ow, oh, ow);
                else poolGeneral(a, xo + pl * h * w, h, w, o, argmax, pl * oh * ow, oh, ow, k, s, p, d);
            }
        });
        return out;
    }

    /** Swaps neighbouring lanes (0↔1, 2↔3, ...): puts each window's right column beside its left one. */
    private static final VectorShuffle<Float> SWAP = VectorShuffle.fromOp(S, k -> k ^ 1);

    /** Int lanes of the same count as S's float lanes (the argmax positions). */
    private static final VectorSpecies<Integer> SI = S.withLanes(int.class);
    /** The even lanes (0, 2, 4, ...): where each window's winner ends up. */
    private static final VectorMask<Float> EVEN = VectorMask.fromLong(S, 0x5555_5555_5555_5555L);

    /**
     * The 2×2, stride-2 window of the CNN models, L input columns (L/2 outputs) at a time and branch-free: each
     * row's pairs are compared with their lane-swapped copy (the right element wins only if greater, or NaN), then
     * the bottom pair's winner against the top's under the same rule — which picks exactly what the reference's
     * row-major scan picks, first maximum and NaN included. The winners sit in the even lanes; their positions
     * are built in int lanes from the compare masks (column bit +1, row bit +w), and both are compressed to the
     * first L/2 lanes and stored under a mask. A row's last, partial vector is loaded under a mask (narrow rows:
     * 14 and 28 wide in the CNN), so no output is computed by scalar code. (Random data makes the scalar
     * compares' branches unpredictable: the scalar loop ran about 6x slower; per-lane stores of the winners cost
     * as much as the compares.)
     */
    private static void pool2x2(float[] a, int base, int w, float[] o, int[] arg, int ob, int oh, int ow) {
        int cols = 2 * ow;
        IntVector iota = IntVector.zero(SI).addIndex(1);
        for (int i = 0; i < oh; i++) {
            int r0 = base + 2 * i * w, r1 = r0 + w, q0 = ob + i * ow, top = 2 * i * w;
            for (int c = 0; c < cols; c += L) {
                int valid = Math.min(L, cols - c);
                FloatVector v0, v1;
                if (valid == L) {
                    v0 = FloatVector.fromArray(S, a, r0 + c);
                    v1 = FloatVector.fromArray(S, a, r1 + c);
                } else {
                    VectorMask<Float> in = S.indexInRange(0, valid);
                    v0 = FloatVector.fromArray(S, a, r0 + c, in);
                    v1 = FloatVector.fromArray(S, a, r1 + c, in);
                }
                FloatVector s0 = v0.rearrange(SWAP);
                VectorMask<Float> t0 = s0.compare(VectorOperators.GT, v0).or(s0.test(VectorOperators.IS_NAN));
                FloatVector up = v0.blend(s0, t0);
                FloatVector s1 = v1.rearrange(SWAP);
                VectorMask<Float> t1 = s1.compare(VectorOperators.GT, v1).or(s1.test(VectorOperators.IS_NAN));
                FloatVector down = v1.blend(s1, t1);
                VectorMask<Float> tf = down.compare(VectorOperators.GT, up).or(down.test(VectorOperators.IS_NAN));
                VectorMask<Float> colBit = t0.andNot(tf).or(t1.and(tf));
                FloatVector win = up.blend(down, tf).compress(EVEN);
                IntVector pos = iota.add(top + c).add(1, colBit.cast(SI)).add(w, tf.cast(SI)).compress(EVEN.cast(SI));
                int outs = valid / 2;
                win.intoArray(o, q0 + c / 2, S.indexInRange(0, outs));
                pos.intoArray(arg, q0 + c / 2, SI.indexInRange(0, outs));
            }
        }
    }

    private static void poolGeneral(float[] a, int base, int h, int w, float[] o, int[] arg, int ob, int oh, int ow, int[] k,
                                    int[] s, int[] p, int[] d) {
        for (int i = 0; i < oh; i++) {
            int h0 = i * s[0] - p[0], h1 = Math.min(h0 + (k[0] - 1) * d[0] + 1, h);
            while (h0 < 0) h0 += d[0];
            for (int j = 0; j < ow; j++) {
                int w0 = j * s[1] - p[1], w1 = Math.min(w0 + (k[1] - 1) * d[1] + 1, w);
                while (w0 < 0) w0 += d[1];
                float m = Float.NEGATIVE_INFINITY;
                int mi = h0 * w + w0;
                for (int y = h0; y < h1; y += d[0]) {
                    int row = base + y * w;
                    for (int z = w0; z < w1; z += d[1]) {
                        float v = a[row + z];
                        if (v > m || v != v) {
                            m = v;
                            mi = y * w + z;
                        }
                    }
                }
                o[ob + i * ow + j] = m;
                arg[ob + i * ow + j] = mi;
            }
        }
    }

    /** Scatter-add of a dense float32 g into zeros of inShape at the argmax positions. */
    static Tensor maxPool2dBackward(Tensor g, int[] argmax, int[] inShape) {
        int r = inShape.length, hw = inShape[r - 2] * inShape[r - 1];
        int[] gs = g.shape();
        int ohw = gs[r - 2] * gs[r - 1], planes = PoolNormReference.planes(inShape);
        Tensor out = Tensor.zeros(DType.FLOAT32, inShape);
        float[] gv = g.storage().floats(), o = out.storage().floats();
        int go = g.storageOffset();
        split(planes, Math.max(1, GRAIN / Math.max(1, hw)), (from, to) -> {
            for (int pl = from; pl < to; pl++) {
                int ob = pl * hw, gb = pl * ohw;
                for (int q = 0; q < ohw; q++) o[ob + argmax[gb + q]] += gv[go + gb + q];
            }
        });
        return out;
    }

    // ------------------------------------------------------------------------------------------------ avg-pool

    /**
     * Average pooling of a dense float32 tensor straight on the float arrays (the reference converts to double),
     * planes split over the threads; window sums in double. {@code adaptive} selects PyTorch's adaptive bins
     * (then kernel, stride and padding are unused).
     */
    static Tensor avgPool2d(Tensor x, int[] k, int[] s, int[] p, boolean countIncludePad, boolean adaptive, int aoh, int aow) {
        int[] shape = x.shape();
        int r = shape.length, h = shape[r - 2], w = shape[r - 1];
        int oh = adaptive ? aoh : PoolNormReference.poolOut(h, k[0], s[0], p[0], 1);
        int ow = adaptive ? aow : PoolNormReference.poolOut(w, k[1], s[1], p[1], 1);
        int planes = PoolNormReference.planes(shape);
        Tensor out = Tensor.zeros(DType.FLOAT32, PoolNormReference.pooledShape(shape, oh, ow));
        float[] a = x.storage().floats(), o = out.storage().floats();
        int xo = x.storageOffset();
        int[][] win = windows(h, w, oh, ow, k, s, p, countIncludePad, adaptive);
        split(planes, Math.max(1, GRAIN / Math.max(1, h * w)), (from, to) -> {
            for (int pl = from; pl < to; pl++) {
                int base = xo + pl * h * w, ob = pl * oh * ow;
                for (int q = 0; q < oh * ow; q++) {
                    int[] wq = win[q];
                    double sum = 0;
                    for (int y = wq[0]; y < wq[1]; y++) for (int z = wq[2]; z < wq[3]; z++) sum += a[base + y * w + z];
                    o[ob + q] = (float) (sum / wq[4]);
                }
            }
        });
        return out;
    }

    /** The adjoint of {@link #avgPool2d}: each g element shared out over its window. */
    static Tensor avgPool2dBackward(Tensor g, int[] inShape, int[] k, int[] s, int[] p, boolean countIncludePad, boolean adaptive) {
        int r = inShape.length, h = inShape[r - 2], w = inShape[r - 1];
        int[] gs = g.shape();
        int oh = gs[r - 2], ow = gs[r - 1], planes = PoolNormReference.planes(inShape);
        Tensor out = Tensor.zeros(DType.FLOAT32, inShape);
        float[] gv = g.storage().floats(), o = out.storage().floats();
        int go = g.storageOffset();
        int[][] win = windows(h, w, oh, ow, k, s, p, countIncludePad, adaptive);
        split(planes, Math.max(1, GRAIN / Math.max(1, h * w)), (from, to) -> {
            for (int pl = from; pl < to; pl++) {
                int base = pl * h * w, gb = go + pl * oh * ow;
                for (int q = 0; q < oh * ow; q++) {
                    int[] wq = win[q];
                    float share = (float) ((double) gv[gb + q] / wq[4]);
                    for (int y = wq[0]; y < wq[1]; y++) for (int z = wq[2]; z < wq[3]; z++) o[base + y * w + z] += share;
                }
            }
        });
        return out;
    }

    /** Each output's clipped window {h0, h1, w0, w1, divisor}, shared by all planes. */
    private static int[][] windows(int h, int w, int oh, int ow, int[] k, int[] s, int[] p, boolean countIncludePad, boolean adaptive) {
        int[][] win = new int[oh * ow][];
        for (int i = 0; i < oh; i++) {
            for (int j = 0; j < ow; j++) {
                if (adaptive) {
                    int h0 = PoolNormReference.binStart(i, h, oh), h1 = PoolNormReference.binEnd(i, h, oh);
                    int w0 = PoolNormReference.binStart(j, w, ow), w1 = PoolNormReference.binEnd(j, w, ow);
                    win[i * ow + j] = new int[] {h0, h1, w0, w1, (h1 - h0) * (w1 - w0)};
                } else {
                    win[i * ow + j] = PoolNormReference.avgWindow(i, j, h, w, k, s, p, countIncludePad);
                }
            }
        }
        return win;
    }

    // ------------------------------------------------------------------------------------------------ batch norm

    /** Σ (a[i] − c)² over a run, float lanes per block, blocks in double. */
    private static double sumSqDev(float[] a, int off, int n, float c) {
        FloatVector cv = FloatVector.broadcast(S, c);
        double total = 0;
        for (int start = 0; start < n; start += BLOCK * L) {
            int len = Math.min(BLOCK * L, n - start);
            FloatVector acc = FloatVector.zero(S);
            int i = 0;
            for (int up = S.loopBound(len); i < up; i += L) {
                FloatVector e = FloatVector.fromArray(S, a, off + start + i).sub(cv);
                acc = e.fma(e, acc);
            }
            double sum = VectorKernels.sumLanes(acc);
            for (; i < len; i++) {
                double e = a[off + start + i] - c;
                sum += e * e;
            }
            total += sum;
        }
        return total;
    }

    /** Adds Σ g[i] to out[0] and Σ g[i]·(x[i] − c) to out[1] over a run, in one pass. */
    private static void sumAndProdDev(float[] g, int goff, float[] x, int xoff, int n, float c, double[] out) {
        FloatVector cv = FloatVector.broadcast(S, c);
        double sg = 0, total = 0;
        for (int start = 0; start < n; start += BLOCK * L) {
            int len = Math.min(BLOCK * L, n - start);
            FloatVector acc = FloatVector.zero(S), accG = FloatVector.zero(S);
            int i = 0;
            for (int up = S.loopBound(len); i < up; i += L) {
                FloatVector gv = FloatVector.fromArray(S, g, goff + start + i);
                FloatVector e = FloatVector.fromArray(S, x, xoff + start + i).sub(cv);
                acc = e.fma(gv, acc);
                accG = accG.add(gv);
            }
            double sum = VectorKernels.sumLanes(acc), sumG = VectorKernels.sumLanes(accG);
            for (; i < len; i++) {
                sum += (double) g[goff + start + i] * (x[xoff + start + i] - c);
                sumG += g[goff + start + i];
            }
            total += sum;
            sg += sumG;
        }
        out[0] += sg;
        out[1] += total;
    }

    /** Per-channel {mean, biased var} of a dense float32 x viewed as [N, C, L]. */
    static double[][] batchNormStats(Tensor x) {
        int[] d = PoolNormReference.ncl(x.shape());
        int n = d[0], c = d[1], l = d[2];
        float[] a = x.storage().floats();
        int xo = x.storageOffset();
        double[] mean = new double[c], var = new double[c];
        double m = (double) n * l;
        split(c, Math.max(1, GRAIN / Math.max(1, n * l)), (from, to) -> {
            for (int ch = from; ch < to; ch++) {
                double sum = 0;
                for (int b = 0; b < n; b++) sum += VectorKernels.sumRun(a, xo + (b * c + ch) * l, l);
                double mu = sum / m;
                double q = 0;
                for (int b = 0; b < n; b++) q += sumSqDev(a, xo + (b * c + ch) * l, l, (float) mu);
                // The deviations were taken from mu rounded to float: correct for that offset exactly.
                double off = mu - (float) mu;
                mean[ch] = mu;
                var[ch] = Math.max(0, q / m - off * off);
            }
        });
        return new double[][] {mean, var};
    }

    /** (x − mean)·invstd·w + b: a subtraction and a fused multiply-add per element. */
    static Tensor batchNormForward(Tensor x, double[] mean, double[] invstd, Tensor weight, Tensor bias) {
        int[] d = PoolNormReference.ncl(x.shape());
        int n = d[0], c = d[1], l = d[2];
        float[] a = x.storage().floats();
        int xo = x.storageOffset();
        double[] wv = weight == null ? null : weight.toDoubleArray(), bv = bias == null ? null : bias.toDoubleArray();
        // (x − μf)·scale + shift with μf the mean rounded to float: x − μf is exact near the mean (no cancellation
        // of x·scale against mean·scale when the mean is large next to the spread); shift absorbs mean − μf.
        float[] scale = new float[c], shift = new float[c], mu = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double sc = invstd[ch] * (wv == null ? 1 : wv[ch]);
            scale[ch] = (float) sc;
            mu[ch] = (float) mean[ch];
            shift[ch] = (float) ((bv == null ? 0 : bv[ch]) - (mean[ch] - mu[ch]) * sc);
        }
        Tensor out = Tensor.zeros(DType.FLOAT32, x.shape());
        float[] o = out.storage().floats();
        split(n * c, Math.max(1, GRAIN / Math.max(1, l)), (from, to) -> {
            for (int run = from; run < to; run++) {
                int ch = run % c, base = run * l;
                FloatVector sv = FloatVector.broadcast(S, scale[ch]), tv = FloatVector.broadcast(S, shift[ch]);
                FloatVector mv = FloatVector.broadcast(S, mu[ch]);
                int i = 0;
                for (int up = S.loopBound(l); i < up; i += L) {
                    FloatVector.fromArray(S, a, xo + base + i).sub(mv).fma(sv, tv).intoArray(o, base + i);
                }
                for (; i < l; i++) o[base + i] = Math.fma(a[xo + base + i] - mu[ch], scale[ch], shift[ch]);
            }
        });
        return out;
    }

    /** The input gradient of training-mode batch norm (see {@link Kernels#batchNormBackward}). */
    static Tensor batchNormBackward(Tensor g, Tensor x, double[] mean, double[] invstd, Tensor weight, double[] sumG,
                                    double[] sumGXhat) {
        int[] d = PoolNormReference.ncl(x.shape());
        int n = d[0], c = d[1], l = d[2];
        float[] a = x.storage().floats(), gv = g.storage().floats();
        int xo = x.storageOffset(), go = g.storageOffset();
        double m = (double) n * l;
        split(c, Math.max(1, GRAIN / Math.max(1, n * l)), (from, to) -> {
            for (int ch = from; ch < to; ch++) {
                float mu = (float) mean[ch];
                double[] sums = new double[2];
                for (int b = 0; b < n; b++) {
                    int at = (b * c + ch) * l;
                    sumAndProdDev(gv, go + at, a, xo + at, l, mu, sums);
                }
                double sg = sums[0], sgx = sums[1];
                // Deviations from mean rounded to float: Σg·(x − μ) = Σg·(x − μf) − (μ − μf)·Σg.
                sgx -= (mean[ch] - mu) * sg;
                sumG[ch] = sg;
                sumGXhat[ch] = sgx * invstd[ch];
            }
        });
        double[] wv = weight == null ? null : weight.toDoubleArray();
        // dx = k1·g + k2·(x − mean) + k3 per channel.
        float[] k1 = new float[c], k2 = new float[c], k3 = new float[c], mu = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double kk = (wv == null ? 1 : wv[ch]) * invstd[ch];
            k1[ch] = (float) kk;
            k2[ch] = (float) (-kk * invstd[ch] * sumGXhat[ch] / m);
            mu[ch] = (float) mean[ch];
            // x − mean = (x − μf) − (mean − μf): the constant part goes into k3.
            k3[ch] = (float) (-kk * sumG[ch] / m + kk * invstd[ch] * sumGXhat[ch] / m * (mean[ch] - mu[ch]));
        }
        Tensor out = Tensor.zeros(DType.FLOAT32, x.shape());
        float[] o = out.storage().floats();
        split(n * c, Math.max(1, GRAIN / Math.max(1, l)), (from, to) -> {
            for (int run = from; run < to; run++) {
                int ch = run % c, base = run * l;
                FloatVector v1 = FloatVector.broadcast(S, k1[ch]), v2 = FloatVector.broadcast(S, k2[ch]);
                FloatVector v3 = FloatVector.broadcast(S, k3[ch]), vm = FloatVector.broadcast(S, mu[ch]);
                int i = 0;
                for (int up = S.loopBound(l); i < up; i += L) {
                    FloatVector e = FloatVector.fromArray(S, a, xo + base + i).sub(vm);
                    FloatVector gg = FloatVector.fromArray(S, gv, go + base + i);
                    gg.fma(v1, e.fma(v2, v3)).intoArray(o, base + i);
                }
                for (; i < l; i++) {
                    o[base + i] = gv[go + base + i] * k1[ch] + ((a[xo + base + i] - mu[ch]) * k2[ch] + k3[ch]);
                }
            }
        });
        return out;
    }
}
