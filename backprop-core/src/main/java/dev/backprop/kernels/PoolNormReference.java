package dev.backprop.kernels;

import dev.backprop.DType;
import dev.backprop.Shape;
import dev.backprop.Tensor;

/**
 * The plain reference loops for 2-D pooling and batch normalisation, in double, behind {@link Kernels}. Pooling
 * works on the last two dimensions of a tensor of rank 3 or 4 (every leading index is one plane); batch norm
 * views its input as [N, C, L] (L = the product of the dimensions after the channel, 1 for [N, C]).
 *
 * <p>Max-pool ties and NaN follow PyTorch's CPU kernel: the window is scanned in row-major order and an element
 * replaces the running maximum only if it is greater (or NaN), so the first of several equal maxima wins and
 * receives the whole gradient. A window of −∞ (padding counts as −∞) reports its first in-bounds element.
 */
final class PoolNormReference {
    private PoolNormReference() {}

    /** floor((in + 2p − d·(k − 1) − 1)/s) + 1 (the caller has checked it is at least 1). */
    static int poolOut(int in, int k, int s, int p, int d) {
        return Math.floorDiv(in + 2 * p - d * (k - 1) - 1, s) + 1;
    }

    static int[] pooledShape(int[] shape, int oh, int ow) {
        int[] out = shape.clone();
        out[out.length - 2] = oh;
        out[out.length - 1] = ow;
        return out;
    }

    static int planes(int[] shape) {
        long n = 1;
        for (int i = 0; i < shape.length - 2; i++) n *= shape[i];
        return (int) n;
    }

    static Tensor maxPool2d(Tensor x, int[] k, int[] s, int[] p, int[] d, int[] argmax) {
        int[] shape = x.shape();
        int r = shape.length, h = shape[r - 2], w = shape[r - 1];
        int oh = poolOut(h, k[0], s[0], p[0], d[0]), ow = poolOut(w, k[1], s[1], p[1], d[1]);
        int planes = planes(shape);
        double[] v = x.toDoubleArray();
        double[] o = new double[planes * oh * ow];
        for (int pl = 0; pl < planes; pl++) {
            int base = pl * h * w;
            for (int i = 0; i < oh; i++) {
                int h0 = i * s[0] - p[0], h1 = Math.min(h0 + (k[0] - 1) * d[0] + 1, h);
                while (h0 < 0) h0 += d[0];
                for (int j = 0; j < ow; j++) {
                    int w0 = j * s[1] - p[1], w1 = Math.min(w0 + (k[1] - 1) * d[1] + 1, w);
                    while (w0 < 0) w0 += d[1];
                    double m = Double.NEGATIVE_INFINITY;
                    int mi = h0 * w + w0;
                    for (int y = h0; y < h1; y += d[0]) {
                        for (int z = w0; z < w1; z += d[1]) {
                            double val = v[base + y * w + z];
                            if (val > m || Double.isNaN(val)) {
                                m = val;
                                mi = y * w + z;
                            }
                        }
                    }
                    int q = (pl * oh + i) * ow + j;
                    o[q] = m;
                    argmax[q] = mi;
                }
            }
        }
        return ReferenceKernels.fromDoubles(o, pooledShape(shape, oh, ow), x.dtype());
    }

    static Tensor maxPool2dBackward(Tensor g, int[] argmax, int[] inShape) {
        int r = inShape.length, hw = inShape[r - 2] * inShape[r - 1];
        int[] gs = g.shape();
        int ohw = gs[r - 2] * gs[r - 1], planes = planes(inShape);
        double[] gv = g.toDoubleArray();
        double[] o = new double[(int) Shape.numel(inShape)];
        for (int pl = 0; pl < planes; pl++) {
            for (int q = 0; q < ohw; q++) o[pl * hw + argmax[pl * ohw + q]] += gv[pl * ohw + q];
        }
        return ReferenceKernels.fromDoubles(o, inShape, g.dtype());
    }

    /** The window [h0, h1) × [w0, w1) of output (i, j), clipped to the input, and its divisor; PyTorch's rule. */
    static int[] avgWindow(int i, int j, int h, int w, int[] k, int[] s, int[] p, boolean countIncludePad) {
        int h0 = i * s[0] - p[0], w0 = j * s[1] - p[1];
        int h1 = Math.min(h0 + k[0], h + p[0]), w1 = Math.min(w0 + k[1], w + p[1]);
        int poolSize = (h1 - h0) * (w1 - w0);
        h0 = Math.max(h0, 0);
        w0 = Math.max(w0, 0);
        h1 = Math.min(h1, h);
        w1 = Math.min(w1, w);
        int div = countIncludePad ? poolSize : (h1 - h0) * (w1 - w0);
        return new int[] {h0, h1, w0, w1, div};
    }

    static Tensor avgPool2d(Tensor x, int[] k, int[] s, int[] p, boolean countIncludePad) {
        int[] shape = x.shape();
        int r = shape.length, h = shape[r - 2], w = shape[r - 1];
        int oh = poolOut(h, k[0], s[0], p[0], 1), ow = poolOut(w, k[1], s[1], p[1], 1);
        int planes = planes(shape);
        double[] v = x.toDoubleArray();
        double[] o = new double[planes * oh * ow];
        for (int pl = 0; pl < planes; pl++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    int[] win = avgWindow(i, j, h, w, k, s, p, countIncludePad);
                    double sum = 0;
                    for (int y = win[0]; y < win[1]; y++) for (int z = win[2]; z < win[3]; z++) sum += v[(pl * h + y) * w + z];
                    o[(pl * oh + i) * ow + j] = sum / win[4];
                }
            }
        }
        return ReferenceKernels.fromDoubles(o, pooledShape(shape, oh, ow), x.dtype());
    }

    static Tensor avgPool2dBackward(Tensor g, int[] inShape, int[] k, int[] s, int[] p, boolean countIncludePad) {
        int r = inShape.length, h = inShape[r - 2], w = inShape[r - 1];
        int[] gs = g.shape();
        int oh = gs[r - 2], ow = gs[r - 1], planes = planes(inShape);
        double[] gv = g.toDoubleArray();
        double[] o = new double[(int) Shape.numel(inShape)];
        for (int pl = 0; pl < planes; pl++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    int[] win = avgWindow(i, j, h, w, k, s, p, countIncludePad);
                    double share = gv[(pl * oh + i) * ow + j] / win[4];
                    for (int y = win[0]; y < win[1]; y++) for (int z = win[2]; z < win[3]; z++) o[(pl * h + y) * w + z] += share;
                }
            }
        }
        return ReferenceKernels.fromDoubles(o, inShape, g.dtype());
    }

    /** PyTorch's adaptive bins: [floor(i·in/out), ceil((i+1)·in/out)). */
    static int binStart(int i, int in, int out) {
        return (int) ((long) i * in / out);
    }

    static int binEnd(int i, int in, int out) {
        return (int) (((long) (i + 1) * in + out - 1) / out);
    }

    static Tensor adaptiveAvgPool2d(Tensor x, int oh, int ow) {
        int[] shape = x.shape();
        int r = shape.length, h = shape[r - 2], w = shape[r - 1];
        int planes = planes(shape);
        double[] v = x.toDoubleArray();
        double[] o = new double[planes * oh * ow];
        for (int pl = 0; pl < planes; pl++) {
            for (int i = 0; i < oh; i++) {
                int h0 = binStart(i, h, oh), h1 = binEnd(i, h, oh);
                for (int j = 0; j < ow; j++) {
                    int w0 = binStart(j, w, ow), w1 = binEnd(j, w, ow);
                    double sum = 0;
                    for (int y = h0; y < h1; y++) for (int z = w0; z < w1; z++) sum += v[(pl * h + y) * w + z];
                    o[(pl * oh + i) * ow + j] = sum / ((h1 - h0) * (w1 - w0));
                }
            }
        }
        return ReferenceKernels.fromDoubles(o, pooledShape(shape, oh, ow), x.dtype());
    }

    static Tensor adaptiveAvgPool2dBackward(Tensor g, int[] inShape) {
        int r = inShape.length, h = inShape[r - 2], w = inShape[r - 1];
        int[] gs = g.shape();
        int oh = gs[r - 2], ow = gs[r - 1], planes = planes(inShape);
        double[] gv = g.toDoubleArray();
        double[] o = new double[(int) Shape.numel(inShape)];
        for (int pl = 0; pl < planes; pl++) {
            for (int i = 0; i < oh; i++) {
                int h0 = binStart(i, h, oh), h1 = binEnd(i, h, oh);
                for (int j = 0; j < ow; j++) {
                    int w0 = binStart(j, w, ow), w1 = binEnd(j, w, ow);
                    double share = gv[(pl * oh + i) * ow + j] / ((h1 - h0) * (w1 - w0));
                    for (int y = h0; y < h1; y++) for (int z = w0; z < w1; z++) o[(pl * h + y) * w + z] += share;
                }
            }
        }
        return ReferenceKernels.fromDoubles(o, inShape, g.dtype());
    }

    // ------------------------------------------------------------------------------------------------ batch norm

    /** {N, C, L} of a batch-norm input of rank ≥ 2. */
    static int[] ncl(int[] shape) {
        long l = 1;
        for (int i = 2; i < shape.length; i++) l *= shape[i];
        return new int[] {shape[0], shape[1], (int) l};
    }

    static double[][] batchNormStats(Tensor x) {
        int[] d = ncl(x.shape());
        int n = d[0], c = d[1], l = d[2];
        double[] v = x.toDoubleArray();
        double[] mean = new double[c], var = new double[c];
        double m = (double) n * l;
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int b = 0; b < n; b++) for (int i = 0; i < l; i++) s += v[(b * c + ch) * l + i];
            double mu = s / m, q = 0;
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < l; i++) {
                    double e = v[(b * c + ch) * l + i] - mu;
                    q += e * e;
                }
            }
            mean[ch] = mu;
            var[ch] = q / m;
        }
        return new double[][] {mean, var};
    }

    static Tensor batchNormForward(Tensor x, double[] mean, double[] invstd, Tensor weight, Tensor bias) {
        int[] d = ncl(x.shape());
        int n = d[0], c = d[1], l = d[2];
        double[] v = x.toDoubleArray();
        double[] wv = weight == null ? null : weight.toDoubleArray(), bv = bias == null ? null : bias.toDoubleArray();
        double[] o = new double[v.length];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                double wc = wv == null ? 1 : wv[ch], bc = bv == null ? 0 : bv[ch];
                for (int i = 0; i < l; i++) {
                    int at = (b * c + ch) * l + i;
                    o[at] = (v[at] - mean[ch]) * invstd[ch] * wc + bc;
                }
            }
        }
        return ReferenceKernels.fromDoubles(o, x.shape(), x.dtype());
    }

    static Tensor batchNormBackward(Tensor g, Tensor x, double[] mean, double[] invstd, Tensor weight, double[] sumG,
                                    double[] sumGXhat) {
        int[] d = ncl(x.shape());
        int n = d[0], c = d[1], l = d[2];
        double[] v = x.toDoubleArray(), gv = g.toDoubleArray();
        double[] wv = weight == null ? null : weight.toDoubleArray();
        double m = (double) n * l;
        for (int ch = 0; ch < c; ch++) {
            double sg = 0, sgx = 0;
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < l; i++) {
                    int at = (b * c + ch) * l + i;
                    sg += gv[at];
                    sgx += gv[at] * (v[at] - mean[ch]) * invstd[ch];
                }
            }
            sumG[ch] = sg;
            sumGXhat[ch] = sgx;
        }
        double[] o = new double[v.length];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                double k = (wv == null ? 1 : wv[ch]) * invstd[ch];
                for (int i = 0; i < l; i++) {
                    int at = (b * c + ch) * l + i;
                    double xhat = (v[at] - mean[ch]) * invstd[ch];
                    o[at] = k * (gv[at] - sumG[ch] / m - xhat * sumGXhat[ch] / m);
                }
            }
        }
        return ReferenceKernels.fromDoubles(o, x.shape(), DType.promote(g.dtype(), x.dtype()));
    }
}
