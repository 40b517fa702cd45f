package dev.backprop.kernels;

import dev.backprop.DType;
import dev.backprop.Tensor;

import java.util.Arrays;

/**
 * Float32 convolution as GEMMs over the unfolded input (im2col): per image and group, the input patches are laid
 * out as a (cg·kh·kw) × (oh·ow) matrix B, and
 * <pre>
 *   forward      y  = W · B                 (og × k)·(k × P)
 *   input grad   dB = Wᵀ · gy,  dx = fold(dB) (col2im, adding overlapping patches)
 *   weight grad  dWᵀ += B · gyᵀ              summed over images in fixed chunks, then transposed
 * </pre>
 * A 1×1 kernel with stride 1 and no padding needs no unfolding: B is the image itself. The products run on the
 * kernels' {@link Gemm}, whose results do not depend on the thread count, and images are visited in a fixed order,
 * so neither do these.
 */
final class GemmConv {
    private GemmConv() {}

    private static boolean direct(ConvGeometry g) {
        int[] s = g.p().stride(), pd = g.p().padding();
        return g.kh() == 1 && g.kw() == 1 && s[0] == 1 && s[1] == 1 && pd[0] == 0 && pd[1] == 0;
    }

    /** dst[d, d + n) += src[s, s + n). */
    interface Adder {
        void add(float[] dst, int d, float[] src, int s, int n);
    }

    /** The Vector API adder where it runs, else the plain loop. */
    static final Adder ADD = adder();

    private static Adder adder() {
        if (Kernels.vectorized()) {
            try {
                return (Adder) Class.forName("dev.backprop.kernels.VectorConvAdd").getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                // the plain loop below
            }
        }
        return (dst, d, src, s, n) -> {
            for (int t = 0; t < n; t++) dst[d + t] += src[s + t];
        };
    }

    /** Per-thread scratch for the unfolded input, reused across calls. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    private static float[] scratch(int size) {
        float[][] h = SCRATCH.get();
        if (h[0].length < size) h[0] = new float[size];
        return h[0];
    }

    /**
     * The weight-gradient sum over images runs in this many fixed chunks, each summed in image order, then the
     * chunks in order: a split that depends on the shape alone, so the result does not depend on the threads.
     */
    static int weightChunks(ConvGeometry g) {
        long perChunk = (long) g.o() * g.k();
        return (int) Math.max(1, Math.min(Math.min(g.n(), 8), (1 << 22) / Math.max(1, perChunk)));
    }

    /**
     * Pieces the images are cut into, claimed by whichever thread is free ({@link Parallel#forChunks}): several per
     * thread, so that on a busy machine a thread that gets less of a processor holds no one up. Each image is
     * computed alone, so the results do not depend on the pieces or on who runs them.
     */
    private static int imageChunks() {
        return 8 * Parallel.threads();
    }

    static Tensor forward(Gemm gemm, Tensor x, Tensor wt, ConvGeometry g) {
        float[] xs = x.storage().floats(), ws = wt.storage().floats();
        int xo = x.storageOffset(), wo = wt.storageOffset();
        Tensor out = Tensor.zeros(DType.FLOAT32, g.outShape());
        float[] y = out.storage().floats();
        int k = g.k(), pp = g.positions(), og = g.og(), cg = g.cg(), hw = g.h() * g.w();
        boolean direct = direct(g);
        // Images in parallel (each thread's GEMMs then run serially); one image: the GEMM runs in parallel.
        Parallel.forChunks(g.n(), imageChunks(), (n0, n1) -> {
            float[] col = direct ? null : scratch(k * pp);
            for (int n = n0; n < n1; n++) {
                for (int gi = 0; gi < g.groups(); gi++) {
                    int xOff = xo + (n * g.c() + gi * cg) * hw;
                    float[] b = xs;
                    int bOff = xOff;
                    if (!direct) {
                        im2col(xs, xOff, g, col);
                        b = col;
                        bOff = 0;
                    }
                    gemm.sgemm(false, false, og, pp, k, ws, wo + gi * og * k, k, b, bOff, pp,
                            y, (n * g.o() + gi * og) * pp, pp, false);
                }
            }
        });
        return out;
    }

    static Tensor inputGrad(Gemm gemm, Tensor gy, Tensor wt, ConvGeometry g) {
        float[] gs = gy.storage().floats(), ws = wt.storage().floats();
        int go = gy.storageOffset(), wo = wt.storageOffset();
        Tensor out = Tensor.zeros(DType.FLOAT32, g.inShape());
        float[] dx = out.storage().floats();
        int k = g.k(), pp = g.positions(), og = g.og(), cg = g.cg(), hw = g.h() * g.w();
        boolean direct = direct(g);
        // Wᵀ once per call (k × og per group), so no image's GEMM reads a transposed A.
        float[] wT = new float[g.groups() * k * og];
        for (int gi = 0; gi < g.groups(); gi++) {
            for (int o = 0; o < og; o++) {
                for (int r = 0; r < k; r++) wT[gi * k * og + r * og + o] = ws[wo + (gi * og + o) * k + r];
            }
        }
        Parallel.forChunks(g.n(), imageChunks(), (n0, n1) -> {
            float[] col = direct ? null : scratch(k * pp);
            for (int n = n0; n < n1; n++) {
                for (int gi = 0; gi < g.groups(); gi++) {
                    int xOff = (n * g.c() + gi * cg) * hw, gOff = go + (n * g.o() + gi * og) * pp;
                    if (direct) {
                        gemm.sgemm(false, false, k, pp, og, wT, gi * k * og, og, gs, gOff, pp, dx, xOff, pp, false);
                    } else {
                        gemm.sgemm(false, false, k, pp, og, wT, gi * k * og, og, gs, gOff, pp, col, 0, pp, false);
                        col2im(col, g, dx, xOff);
                    }
                }
            }
        });
        return out;
    }

    static Tensor weightGrad(Gemm gemm, Tensor gy, Tensor x, ConvGeometry g) {
        float[] gs = gy.storage().floats(), xs = x.storage().floats();
        int go = gy.storageOffset(), xo = x.storageOffset();
        Tensor out = Tensor.zeros(DType.FLOAT32, g.weightShape());
        float[] dw = out.storage().floats();
        int k = g.k(), pp = g.positions(), og = g.og(), cg = g.cg(), hw = g.h() * g.w(), size = g.o() * k;
        boolean direct = direct(g);
        int chunks = weightChunks(g);
        // Each chunk sums dWᵀ = Σ_n B_n·gy_nᵀ (k × og per group): B_n is then the GEMM's A, read in place, and
        // only the small gy_n is packed transposed — measured faster than gy_n·B_nᵀ, which packs B_n.
        float[][] partial = new float[chunks][size];
        Parallel.forChunks(chunks, chunks, (c0, c1) -> {
            float[] col = direct ? null : scratch(k * pp);
            for (int c = c0; c < c1; c++) {
                int n0 = (int) ((long) c * g.n() / chunks), n1 = (int) ((long) (c + 1) * g.n() / chunks);
                for (int n = n0; n < n1; n++) {
                    for (int gi = 0; gi < g.groups(); gi++) {
                        int xOff = xo + (n * g.c() + gi * cg) * hw;
                        float[] b = xs;
                        int bOff = xOff;
                        if (!direct) {
                            im2col(xs, xOff, g, col);
                            b = col;
                            bOff = 0;
                        }
                        gemm.sgemm(false, true, k, og, pp, b, bOff, pp, gs, go + (n * g.o() + gi * og) * pp, pp,
                                partial[c], gi * k * og, og, n > n0);
                    }
                }
            }
        });
        // dW[gi·og + o, r] = Σ_chunks dWᵀ[gi][r, o], the chunks added in order.
        for (int gi = 0; gi < g.groups(); gi++) {
            for (int r = 0; r < k; r++) {
                int src = gi * k * og + r * og;
                for (int o = 0; o < og; o++) {
                    float v = partial[0][src + o];
                    for (int c = 1; c < chunks; c++) v += partial[c][src + o];
                    dw[(gi * og + o) * k + r] = v;
                }
            }
        }
        return out;
    }

    /** Unfolds one image's group of channels (starting at xOff) into col, a k × (oh·ow) matrix. */
    static void im2col(float[] x, int xOff, ConvGeometry g, float[] col) {
        int[] s = g.p().stride(), pd = g.p().padding(), d = g.p().dilation();
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow(), kh = g.kh(), kw = g.kw(), pp = oh * ow;
        int r = 0;
        for (int c = 0; c < g.cg(); c++) {
            int cOff = xOff + c * h * w;
            for (int a = 0; a < kh; a++) {
                for (int b = 0; b < kw; b++, r++) {
                    int rowOff = r * pp;
                    int w0 = b * d[1] - pd[1];
                    // Output columns j whose input column w0 + j·s lies in [0, w).
                    int jLo = w0 >= 0 ? 0 : Math.min(ow, (-w0 + s[1] - 1) / s[1]);
                    int jHi = w0 >= w ? 0 : Math.min(ow, (w - 1 - w0) / s[1] + 1);
                    if (jHi < jLo) jHi = jLo;
                    if (s[1] == 1 && ow == w && jHi > jLo) {
                        unfoldRows(x, cOff, g, a, w0, jLo, jHi, col, rowOff);
                        continue;
                    }
                    for (int i = 0; i < oh; i++) {
                        int hi = i * s[0] - pd[0] + a * d[0];
                        int o = rowOff + i * ow;
                        if (hi < 0 || hi >= h) {
                            Arrays.fill(col, o, o + ow, 0f);
                            continue;
                        }
                        int src = cOff + hi * w + w0;
                        if (jLo > 0) Arrays.fill(col, o, o + jLo, 0f);
                        if (s[1] == 1) {
                            if (jHi > jLo) System.arraycopy(x, src + jLo, col, o + jLo, jHi - jLo);
                        } else {
                            for (int j = jLo; j < jHi; j++) col[o + j] = x[src + j * s[1]];
                        }
                        if (jHi < ow) Arrays.fill(col, o + jHi, o + ow, 0f);
                    }
                }
            }
        }
    }

    /** Folds col (k × (oh·ow)) back, adding into one image's group of channels of dx (starting at xOff). */
    static void col2im(float[] col, ConvGeometry g, float[] dx, int xOff) {
        int[] s = g.p().stride(), pd = g.p().padding(), d = g.p().dilation();
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow(), kh = g.kh(), kw = g.kw(), pp = oh * ow;
        int r = 0;
        for (int c = 0; c < g.cg(); c++) {
            int cOff = xOff + c * h * w;
            for (int a = 0; a < kh; a++) {
                for (int b = 0; b < kw; b++, r++) {
                    int rowOff = r * pp;
                    int w0 = b * d[1] - pd[1];
                    int jLo = w0 >= 0 ? 0 : Math.min(ow, (-w0 + s[1] - 1) / s[1]);
                    int jHi = w0 >= w ? 0 : Math.min(ow, (w - 1 - w0) / s[1] + 1);
                    if (s[1] == 1 && ow == w && jHi > jLo) {
                        foldRows(col, rowOff, g, a, w0, jLo, jHi, dx, cOff);
                        continue;
                    }
                    for (int i = 0; i < oh; i++) {
                        int hi = i * s[0] - pd[0] + a * d[0];
                        if (hi < 0 || hi >= h) continue;
                        int dst = cOff + hi * w + w0, o = rowOff + i * ow;
                        if (s[1] == 1) {
                            if (jHi > jLo) ADD.add(dx, dst + jLo, col, o + jLo, jHi - jLo);
                        } else {
                            for (int j = jLo; j < jHi; j++) dx[dst + j * s[1]] += col[o + j];
                        }
                    }
                }
            }
        }
    }

    /** The output rows [iLo, iHi) whose input row i·s − p + a·d lies inside the image. */
    private static int[] validRows(ConvGeometry g, int a) {
        int s = g.p().stride()[0], h0 = a * g.p().dilation()[0] - g.p().padding()[0];
        int iLo = h0 >= 0 ? 0 : Math.min(g.oh(), (-h0 + s - 1) / s);
        int iHi = h0 >= g.h() ? 0 : Math.min(g.oh(), (g.h() - 1 - h0) / s + 1);
        return new int[] {iLo, Math.max(iLo, iHi), h0};
    }

    /**
     * im2col of one kernel tap when the width is kept (stride 1 across, ow == w): consecutive output rows read
     * consecutive input rows, so the valid rows are one block copy; the columns that wrapped round a row edge are
     * then zeroed.
     */
    private static void unfoldRows(float[] x, int cOff, ConvGeometry g, int a, int w0, int jLo, int jHi, float[] col, int rowOff) {
        int w = g.w(), ow = g.ow(), oh = g.oh(), sh = g.p().stride()[0];
        int[] r = validRows(g, a);
        int iLo = r[0], iHi = r[1], h0 = r[2];
        Arrays.fill(col, rowOff, rowOff + iLo * ow, 0f);
        Arrays.fill(col, rowOff + iHi * ow, rowOff + oh * ow, 0f);
        if (iHi <= iLo) return;
        if (sh == 1) {
            int first = rowOff + iLo * ow + jLo, last = rowOff + (iHi - 1) * ow + jHi;
            System.arraycopy(x, cOff + (iLo + h0) * w + w0 + jLo, col, first, last - first);
        } else {
            for (int i = iLo; i < iHi; i++) {
                System.arraycopy(x, cOff + (i * sh + h0) * w + w0 + jLo, col, rowOff + i * ow + jLo, jHi - jLo);
            }
        }
        for (int i = iLo; i < iHi; i++) {
            int o = rowOff + i * ow;
            for (int j = 0; j < jLo; j++) col[o + j] = 0f;
            for (int j = jHi; j < ow; j++) col[o + j] = 0f;
        }
    }

    /** col2im of one kernel tap when the width is kept: the wrapped columns are zeroed in col, then one block add. */
    private static void foldRows(float[] col, int rowOff, ConvGeometry g, int a, int w0, int jLo, int jHi, float[] dx, int cOff) {
        int w = g.w(), ow = g.ow(), sh = g.p().stride()[0];
        int[] r = validRows(g, a);
        int iLo = r[0], iHi = r[1], h0 = r[2];
        if (iHi <= iLo) return;
        if (sh == 1) {
            for (int i = iLo; i < iHi; i++) {
                int o = rowOff + i * ow;
                for (int j = 0; j < jLo; j++) col[o + j] = 0f;
                for (int j = jHi; j < ow; j++) col[o + j] = 0f;
            }
            int first = rowOff + iLo * ow + jLo, n = rowOff + (iHi - 1) * ow + jHi - first;
            int dst = cOff + (iLo + h0) * w + w0 + jLo;
            ADD.add(dx, dst, col, first, n);
        } else {
            for (int i = iLo; i < iHi; i++) {
                int o = rowOff + i * ow + jLo, dst = cOff + (i * sh + h0) * w + w0 + jLo;
                ADD.add(dx, dst, col, o, jHi - jLo);
            }
        }
    }
}
