package dev.backprop.kernels;

import dev.backprop.DType;
import dev.backprop.Tensor;

/**
 * The plain convolution loops that define the right answer (float32 and float64): each output element is its
 * defining sum, accumulated in double. Slow; the tests compare {@link GemmConv} with it.
 */
final class ReferenceConv {
    private ReferenceConv() {}

    /** y = conv2d(x, W). */
    static Tensor forward(Tensor x, Tensor wt, ConvGeometry g, DType dt) {
        double[] xs = x.toDoubleArray(), ws = wt.toDoubleArray();
        double[] y = new double[g.n() * g.o() * g.positions()];
        int cg = g.cg(), og = g.og();
        int[] s = g.p().stride(), pd = g.p().padding(), d = g.p().dilation();
        for (int n = 0; n < g.n(); n++) {
            for (int o = 0; o < g.o(); o++) {
                int c0 = (o / og) * cg;
                for (int i = 0; i < g.oh(); i++) {
                    for (int j = 0; j < g.ow(); j++) {
                        double acc = 0;
                        for (int c = 0; c < cg; c++) {
                            for (int a = 0; a < g.kh(); a++) {
                                int hi = i * s[0] - pd[0] + a * d[0];
                                if (hi < 0 || hi >= g.h()) continue;
                                for (int b = 0; b < g.kw(); b++) {
                                    int wi = j * s[1] - pd[1] + b * d[1];
                                    if (wi < 0 || wi >= g.w()) continue;
                                    acc += xs[((n * g.c() + c0 + c) * g.h() + hi) * g.w() + wi]
                                            * ws[((o * cg + c) * g.kh() + a) * g.kw() + b];
                                }
                            }
                        }
                        y[((n * g.o() + o) * g.oh() + i) * g.ow() + j] = acc;
                    }
                }
            }
        }
        return make(y, g.outShape(), dt);
    }

    /** dx[n, c, h, w] = Σ over the outputs that read x[n, c, h, w] of gy · W. */
    static Tensor inputGrad(Tensor gy, Tensor wt, ConvGeometry g, DType dt) {
        double[] gs = gy.toDoubleArray(), ws = wt.toDoubleArray();
        double[] dx = new double[g.n() * g.c() * g.h() * g.w()];
        int cg = g.cg(), og = g.og();
        int[] s = g.p().stride(), pd = g.p().padding(), d = g.p().dilation();
        for (int n = 0; n < g.n(); n++) {
            for (int o = 0; o < g.o(); o++) {
                int c0 = (o / og) * cg;
                for (int i = 0; i < g.oh(); i++) {
                    for (int j = 0; j < g.ow(); j++) {
                        double gv = gs[((n * g.o() + o) * g.oh() + i) * g.ow() + j];
                        for (int c = 0; c < cg; c++) {
                            for (int a = 0; a < g.kh(); a++) {
                                int hi = i * s[0] - pd[0] + a * d[0];
                                if (hi < 0 || hi >= g.h()) continue;
                                for (int b = 0; b < g.kw(); b++) {
                                    int wi = j * s[1] - pd[1] + b * d[1];
                                    if (wi < 0 || wi >= g.w()) continue;
                                    dx[((n * g.c() + c0 + c) * g.h() + hi) * g.w() + wi] += gv * ws[((o * cg + c) * g.kh() + a) * g.kw() + b];
                                }
                            }
                        }
                    }
                }
            }
        }
        return make(dx, g.inShape(), dt);
    }

    /** dW[o, c, a, b] = Σ_{n, i, j} gy[n, o, i, j] · x[n, c, i·s − p + a·d, j·s − p + b·d]. */
    static Tensor weightGrad(Tensor gy, Tensor x, ConvGeometry g, DType dt) {
        double[] gs = gy.toDoubleArray(), xs = x.toDoubleArray();
        int cg = g.cg(), og = g.og();
        double[] dw = new double[g.o() * cg * g.kh() * g.kw()];
        int[] s = g.p().stride(), pd = g.p().padding(), d = g.p().dilation();
        for (int o = 0; o < g.o(); o++) {
            int c0 = (o / og) * cg;
            for (int c = 0; c < cg; c++) {
                for (int a = 0; a < g.kh(); a++) {
                    for (int b = 0; b < g.kw(); b++) {
                        double acc = 0;
                        for (int n = 0; n < g.n(); n++) {
                            for (int i = 0; i < g.oh(); i++) {
                                int hi = i * s[0] - pd[0] + a * d[0];
                                if (hi < 0 || hi >= g.h()) continue;
                                for (int j = 0; j < g.ow(); j++) {
                                    int wi = j * s[1] - pd[1] + b * d[1];
                                    if (wi < 0 || wi >= g.w()) continue;
                                    acc += gs[((n * g.o() + o) * g.oh() + i) * g.ow() + j]
                                            * xs[((n * g.c() + c0 + c) * g.h() + hi) * g.w() + wi];
                                }
                            }
                        }
                        dw[((o * cg + c) * g.kh() + a) * g.kw() + b] = acc;
                    }
                }
            }
        }
        return make(dw, g.weightShape(), dt);
    }

    private static Tensor make(double[] v, int[] shape, DType dt) {
        Tensor out = Tensor.zeros(dt, shape);
        if (dt == DType.FLOAT32) {
            float[] f = out.storage().floats();
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        } else {
            System.arraycopy(v, 0, out.storage().doubles(), 0, v.length);
        }
        return out;
    }
}
