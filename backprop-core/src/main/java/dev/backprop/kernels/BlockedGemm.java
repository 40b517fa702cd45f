package dev.backprop.kernels;

import java.util.Arrays;

/**
 * Cache-blocked, multithreaded GEMM in plain Java (no Vector API), written so that HotSpot's C2 compiler
 * auto-vectorizes the innermost loop.
 *
 * <h2>Structure</h2>
 * <ul>
 *   <li><b>Orientation</b>: the vector loops run along the columns of C. When C is narrow and tall (N small,
 *       M larger, e.g. a 10-class output layer) the product is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ instead, so they
 *       run along M. All operands are addressed through element strides, so neither form copies anything
 *       beyond the packing below.</li>
 *   <li><b>Threads</b> ({@link Parallel}) split the output statically: by 16-column strips when each thread
 *       still gets 256 columns or more (then each packs only its own part of B), otherwise by pairs of rows
 *       (each packs the whole B block, but keeps long vector loops). A call is only split into chunks of at
 *       least 2¹⁷ multiply-adds. Every element is summed in the same order however the work is split, so
 *       results do not depend on the number of threads.</li>
 *   <li><b>Blocking</b>: each thread walks its part of C in column blocks of at most {@code nc} (512 floats or
 *       256 doubles) and, inside those, K in blocks of at most {@code kc} (256); block sizes are balanced so
 *       there is no thin last block. The kc×nc block of op(B) is packed into a per-thread panel of separate row
 *       arrays (a transposed B is transposed while packing, so G·Bᵀ costs about what A·B costs); the panel
 *       (512 KiB) stays in L2 while every row of the thread's M range streams over it.</li>
 *   <li><b>Micro-kernel</b>: a row of C is copied into a per-thread row buffer and updated eight K steps at a
 *       time, {@code c[j] += a0*b0[j] + a1*b1[j] + … + a7*b7[j]}, a loop over j that C2 compiles to SIMD code
 *       (eight loaded B vectors per load and store of C). Rows go in pairs, the second reusing the same eight
 *       panel rows from L1; the K remainder takes 4- and 1-step versions. The arrays are distinct and indexed
 *       by the bare loop counter on purpose: C2 (JDK 25) does not vectorize such a loop when it reads several
 *       offset views of one array, which it cannot prove free of aliasing. Kernels that update two C rows in
 *       one loop looked faster in isolation but were measured to vectorize only at half width or not at all
 *       depending on call history and memory layout (15–50 GFLOPS per core); the one-row kernel holds
 *       30–40. Elements of op(A) are scalars read straight from A (strided when A is transposed, which costs
 *       little next to the vector work each one feeds), so A is never packed.</li>
 *   <li>Problems below 32k multiply-adds take a plain serial loop, where blocking does not pay.</li>
 * </ul>
 *
 * <p>Panels and row buffers live in {@link ThreadLocal}s and are reused across calls (about 1 MiB per thread
 * that has run both precisions). float32 sums accumulate in float (partial sums of eight products, then into
 * the row buffer), so results differ from {@link ReferenceGemm}, which accumulates in double, by float32
 * rounding. Honours {@code accumulate}, offsets and leading dimensions larger than the row width; M, N or K
 * may be 0 ({@code k == 0} gives C = 0, or leaves C unchanged when accumulating). When not accumulating, C is
 * only written, never read.
 */
public final class BlockedGemm implements Gemm {

    /** Problems with fewer multiply-adds than this take the simple serial loop. */
    static final long SMALL_WORK = 32L * 1024;
    /** Largest depth of a K block. */
    static final int KC = 256;
    /** Largest width of an N block, float32 (a 256×512 float panel is 512 KiB, half of a 1 MiB L2). */
    static final int NC_FLOAT = 512;
    /** Largest width of an N block, float64 (the same panel bytes as float32). */
    static final int NC_DOUBLE = 256;
    /** Fewest multiply-adds worth handing to another thread (several microseconds of work). */
    static final long MIN_CHUNK_WORK = 1L << 17;
    /** Column strips handed to threads are multiples of this (a 64-byte line of floats). */
    static final int COL_UNIT = 16;

    private static final ThreadLocal<FloatBuffers> FLOAT_BUFFERS = ThreadLocal.withInitial(FloatBuffers::new);
    private static final ThreadLocal<DoubleBuffers> DOUBLE_BUFFERS = ThreadLocal.withInitial(DoubleBuffers::new);

    private final long smallWork;
    private final int kc;
    private final int ncFloat;
    private final int ncDouble;
    private final long minChunkWork;

    /** The tuned configuration. */
    public BlockedGemm() {
        this(SMALL_WORK, KC, NC_FLOAT, NC_DOUBLE, MIN_CHUNK_WORK);
    }

    /**
     * Another configuration of thresholds and block sizes, so that tests can drive the blocked and parallel
     * paths (block edges, several K and N blocks, thread splits) with small matrices.
     */
    BlockedGemm(long smallWork, int kc, int ncFloat, int ncDouble, long minChunkWork) {
        if (kc < 1 || ncFloat < 1 || ncDouble < 1) {
            throw new IllegalArgumentException("block sizes must be positive");
        }
        this.smallWork = smallWork;
        this.kc = kc;
        this.ncFloat = ncFloat;
        this.ncDouble = ncDouble;
        this.minChunkWork = Math.max(1, minChunkWork);
    }

    // ------------------------------------------------------------------------------------------------------
    // float32
    // ------------------------------------------------------------------------------------------------------

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, boolean accumulate) {
        checkDims(m, n, k);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
            }
            return;
        }
        // Element strides: op(A)(i, p) = a[aOff + i*aM + p*aK], op(B)(p, j) = b[bOff + p*bK + j*bN].
        int aM = transA ? 1 : lda;
        int aK = transA ? lda : 1;
        int bK = transB ? 1 : ldb;
        int bN = transB ? ldb : 1;
        if ((long) m * n * k < smallWork) {
            smallS(m, n, k, a, aOff, aM, aK, b, bOff, bK, bN, c, cOff, ldc, accumulate);
        } else if (swap(m, n)) {
            // Cᵀ = op(B)ᵀ · op(A)ᵀ, so that the vector loops run along the longer side M.
            runS(n, m, k, b, bOff, bN, bK, a, aOff, aK, aM, c, cOff, 1, ldc, accumulate);
        } else {
            runS(m, n, k, a, aOff, aM, aK, b, bOff, bK, bN, c, cOff, ldc, 1, accumulate);
        }
    }

    /** Simple serial loops for small products. */
    private static void smallS(int m, int n, int k, float[] a, int aOff, int aM, int aK,
                               float[] b, int bOff, int bK, int bN, float[] c, int cOff, int ldc,
                               boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            int ai = aOff + i * aM;
            if (bN == 1) {
                // Rows of op(B) are contiguous: axpy them into the row of C.
                if (!accumulate) {
                    Arrays.fill(c, ci, ci + n, 0f);
                }
                for (int p = 0; p < k; p++) {
                    float av = a[ai + p * aK];
                    int bi = bOff + p * bK;
                    for (int j = 0; j < n; j++) {
                        c[ci + j] += av * b[bi + j];
                    }
                }
            } else {
                // Columns of op(B) are contiguous: dot products.
                for (int j = 0; j < n; j++) {
                    int bi = bOff + j * bN;
                    float s = 0f;
                    for (int p = 0; p < k; p++) {
                        s += a[ai + p * aK] * b[bi + p * bK];
                    }
                    c[ci + j] = accumulate ? c[ci + j] + s : s;
                }
            }
        }
    }

    /** Splits the m×n product over the pool and runs the blocked loops; C(i, j) is c[cOff + i*cM + j*cN]. */
    private void runS(int m, int n, int k, float[] a, int aOff, int aM, int aK, float[] b, int bOff, int bK,
                      int bN, float[] c, int cOff, int cM, int cN, boolean accumulate) {
        long work = (long) m * n * k;
        int threads = (int) Math.min(Parallel.threads(), work / minChunkWork);
        if (threads <= 1) {
            blockedS(0, m, 0, n, k, a, aOff, aM, aK, b, bOff, bK, bN, c, cOff, cM, cN, accumulate);
        } else if (splitColumns(m, n, threads)) {
            int units = (n + COL_UNIT - 1) / COL_UNIT;
            int grain = grain(minChunkWork, (long) m * k * COL_UNIT);
            Parallel.forRange(units, grain, (s, e) -> blockedS(0, m, s * COL_UNIT, Math.min(e * COL_UNIT, n), k,
                    a, aOff, aM, aK, b, bOff, bK, bN, c, cOff, cM, cN, accumulate));
        } else {
            int pairs = (m + 1) / 2;
            int grain = grain(minChunkWork, 2L * n * k);
            Parallel.forRange(pairs, grain, (s, e) -> blockedS(2 * s, Math.min(2 * e, m), 0, n, k,
                    a, aOff, aM, aK, b, bOff, bK, bN, c, cOff, cM, cN, accumulate));
        }
    }

    /** Computes rows [i0, i1) × columns [j0, j1) of C on the calling thread. */
    private void blockedS(int i0, int i1, int j0, int j1, int k, float[] a, int aOff, int aM, int aK,
                          float[] b, int bOff, int bK, int bN, float[] c, int cOff, int cM, int cN,
                          boolean accumulate) {
        if (i0 >= i1 || j0 >= j1) {
            return;
        }
        int kcap = balanced(k, kc);
        int ncap = balanced(j1 - j0, ncFloat);
        FloatBuffers buf = FLOAT_BUFFERS.get();
        buf.ensure(kcap, ncap);
        float[][] panel = buf.panel;
        float[] t0 = buf.row0;
        float[] t1 = buf.row1;
        for (int jc = j0; jc < j1; jc += ncap) {
            int w = Math.min(ncap, j1 - jc);
            for (int pc = 0; pc < k; pc += kcap) {
                int kb = Math.min(kcap, k - pc);
                packS(b, bOff + pc * bK + jc * bN, bK, bN, kb, w, panel);
                boolean load = accumulate || pc > 0;
                int i = i0;
                for (; i + 1 < i1; i += 2) {
                    // Two rows of C share each group of panel rows while it is in L1.
                    int c0 = cOff + i * cM + jc * cN;
                    int c1 = c0 + cM;
                    loadRowS(load, c, c0, cN, t0, w);
                    loadRowS(load, c, c1, cN, t1, w);
                    int ai = aOff + i * aM + pc * aK;
                    int ei = ai + aM;
                    int p = 0;
                    for (; p + 7 < kb; p += 8, ai += 8 * aK, ei += 8 * aK) {
                        float[] b0 = panel[p];
                        float[] b1 = panel[p + 1];
                        float[] b2 = panel[p + 2];
                        float[] b3 = panel[p + 3];
                        float[] b4 = panel[p + 4];
                        float[] b5 = panel[p + 5];
                        float[] b6 = panel[p + 6];
                        float[] b7 = panel[p + 7];
                        kernel8(t0, b0, b1, b2, b3, b4, b5, b6, b7, a[ai], a[ai + aK], a[ai + 2 * aK],
                                a[ai + 3 * aK], a[ai + 4 * aK], a[ai + 5 * aK], a[ai + 6 * aK], a[ai + 7 * aK], w);
                        kernel8(t1, b0, b1, b2, b3, b4, b5, b6, b7, a[ei], a[ei + aK], a[ei + 2 * aK],
                                a[ei + 3 * aK], a[ei + 4 * aK], a[ei + 5 * aK], a[ei + 6 * aK], a[ei + 7 * aK], w);
                    }
                    for (; p + 3 < kb; p += 4, ai += 4 * aK, ei += 4 * aK) {
                        float[] b0 = panel[p];
                        float[] b1 = panel[p + 1];
                        float[] b2 = panel[p + 2];
                        float[] b3 = panel[p + 3];
                        kernel4(t0, b0, b1, b2, b3, a[ai], a[ai + aK], a[ai + 2 * aK], a[ai + 3 * aK], w);
                        kernel4(t1, b0, b1, b2, b3, a[ei], a[ei + aK], a[ei + 2 * aK], a[ei + 3 * aK], w);
                    }
                    for (; p < kb; p++, ai += aK, ei += aK) {
                        kernel1(t0, panel[p], a[ai], w);
                        kernel1(t1, panel[p], a[ei], w);
                    }
                    storeRowS(t0, c, c0, cN, w);
                    storeRowS(t1, c, c1, cN, w);
                }
                if (i < i1) {
                    // The odd last row: the same steps, so it is summed exactly like the others.
                    int c0 = cOff + i * cM + jc * cN;
                    loadRowS(load, c, c0, cN, t0, w);
                    int ai = aOff + i * aM + pc * aK;
                    int p = 0;
                    for (; p + 7 < kb; p += 8, ai += 8 * aK) {
                        kernel8(t0, panel[p], panel[p + 1], panel[p + 2], panel[p + 3], panel[p + 4], panel[p + 5],
                                panel[p + 6], panel[p + 7], a[ai], a[ai + aK], a[ai + 2 * aK], a[ai + 3 * aK],
                                a[ai + 4 * aK], a[ai + 5 * aK], a[ai + 6 * aK], a[ai + 7 * aK], w);
                    }
                    for (; p + 3 < kb; p += 4, ai += 4 * aK) {
                        kernel4(t0, panel[p], panel[p + 1], panel[p + 2], panel[p + 3],
                                a[ai], a[ai + aK], a[ai + 2 * aK], a[ai + 3 * aK], w);
                    }
                    for (; p < kb; p++, ai += aK) {
                        kernel1(t0, panel[p], a[ai], w);
                    }
                    storeRowS(t0, c, c0, cN, w);
                }
            }
        }
    }

    /** Copies the kb×w block whose (0, 0) is b[base] (row step bK, column step bN) into the panel. */
    private static void packS(float[] b, int base, int bK, int bN, int kb, int w, float[][] panel) {
        if (bN == 1) {
            for (int p = 0; p < kb; p++) {
                System.arraycopy(b, base + p * bK, panel[p], 0, w);
            }
            return;
        }
        // Transposing copy: walk four columns of the block at a time (contiguous when bK == 1).
        int j = 0;
        for (; j + 3 < w; j += 4) {
            int s0 = base + j * bN;
            int s1 = s0 + bN;
            int s2 = s1 + bN;
            int s3 = s2 + bN;
            for (int p = 0, o = 0; p < kb; p++, o += bK) {
                float[] row = panel[p];
                row[j] = b[s0 + o];
                row[j + 1] = b[s1 + o];
                row[j + 2] = b[s2 + o];
                row[j + 3] = b[s3 + o];
            }
        }
        for (; j < w; j++) {
            int s0 = base + j * bN;
            for (int p = 0, o = 0; p < kb; p++, o += bK) {
                panel[p][j] = b[s0 + o];
            }
        }
    }

    private static void loadRowS(boolean load, float[] c, int base, int cN, float[] t, int w) {
        if (!load) {
            Arrays.fill(t, 0, w, 0f);
        } else if (cN == 1) {
            System.arraycopy(c, base, t, 0, w);
        } else {
            for (int j = 0; j < w; j++) {
                t[j] = c[base + j * cN];
            }
        }
    }

    private static void storeRowS(float[] t, float[] c, int base, int cN, int w) {
        if (cN == 1) {
            System.arraycopy(t, 0, c, base, w);
        } else {
            for (int j = 0; j < w; j++) {
                c[base + j * cN] = t[j];
            }
        }
    }

    /** {@code c[j] += a0·b0[j] + … + a7·b7[j]}: one store stream, which C2 vectorizes at full width. */
    private static void kernel8(float[] c, float[] b0, float[] b1, float[] b2, float[] b3, float[] b4, float[] b5,
                                float[] b6, float[] b7, float a0, float a1, float a2, float a3, float a4, float a5,
                                float a6, float a7, int w) {
        for (int j = 0; j < w; j++) {
            c[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j] + a4 * b4[j] + a5 * b5[j] + a6 * b6[j]
                    + a7 * b7[j];
        }
    }

    private static void kernel4(float[] c, float[] b0, float[] b1, float[] b2, float[] b3,
                                float a0, float a1, float a2, float a3, int w) {
        for (int j = 0; j < w; j++) {
            c[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
        }
    }

    private static void kernel1(float[] c, float[] b0, float a0, int w) {
        for (int j = 0; j < w; j++) {
            c[j] += a0 * b0[j];
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // float64: the same code for doubles
    // ------------------------------------------------------------------------------------------------------

    @Override
    public void dgemm(boolean transA, boolean transB, int m, int n, int k,
                      double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                      double[] c, int cOff, int ldc, boolean accumulate) {
        checkDims(m, n, k);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0d);
                }
            }
            return;
        }
        // Element strides: op(A)(i, p) = a[aOff + i*aM + p*aK], op(B)(p, j) = b[bOff + p*bK + j*bN].
        int aM = transA ? 1 : lda;
        int aK = transA ? lda : 1;
        int bK = transB ? 1 : ldb;
        int bN = transB ? ldb : 1;
        if ((long) m * n * k < smallWork) {
            smallD(m, n, k, a, aOff, aM, aK, b, bOff, bK, bN, c, cOff, ldc, accumulate);
        } else if (swap(m, n)) {
            // Cᵀ = op(B)ᵀ · op(A)ᵀ, so that the vector loops run along the longer side M.
            runD(n, m, k, b, bOff, bN, bK, a, aOff, aK, aM, c, cOff, 1, ldc, accumulate);
        } else {
            runD(m, n, k, a, aOff, aM, aK, b, bOff, bK, bN, c, cOff, ldc, 1, accumulate);
        }
    }

    /** Simple serial loops for small products. */
    private static void smallD(int m, int n, int k, double[] a, int aOff, int aM, int aK,
                               double[] b, int bOff, int bK, int bN, double[] c, int cOff, int ldc,
                               boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            int ai = aOff + i * aM;
            if (bN == 1) {
                // Rows of op(B) are contiguous: axpy them into the row of C.
                if (!accumulate) {
                    Arrays.fill(c, ci, ci + n, 0d);
                }
                for (int p = 0; p < k; p++) {
                    double av = a[ai + p * aK];
                    int bi = bOff + p * bK;
                    for (int j = 0; j < n; j++) {
                        c[ci + j] += av * b[bi + j];
                    }
                }
            } else {
                // Columns of op(B) are contiguous: dot products.
                for (int j = 0; j < n; j++) {
                    int bi = bOff + j * bN;
                    double s = 0d;
                    for (int p = 0; p < k; p++) {
                        s += a[ai + p * aK] * b[bi + p * bK];
                    }
                    c[ci + j] = accumulate ? c[ci + j] + s : s;
                }
            }
        }
    }

    /** Splits the m×n product over the pool and runs the blocked loops; C(i, j) is c[cOff + i*cM + j*cN]. */
    private void runD(int m, int n, int k, double[] a, int aOff, int aM, int aK, double[] b, int bOff, int bK,
                      int bN, double[] c, int cOff, int cM, int cN, boolean accumulate) {
        long work = (long) m * n * k;
        int threads = (int) Math.min(Parallel.threads(), work / minChunkWork);
        if (threads <= 1) {
            blockedD(0, m, 0, n, k, a, aOff, aM, aK, b, bOff, bK, bN, c, cOff, cM, cN, accumulate);
        } else if (splitColumns(m, n, threads)) {
            int units = (n + COL_UNIT - 1) / COL_UNIT;
            int grain = grain(minChunkWork, (long) m * k * COL_UNIT);
            Parallel.forRange(units, grain, (s, e) -> blockedD(0, m, s * COL_UNIT, Math.min(e * COL_UNIT, n), k,
                    a, aOff, aM, aK, b, bOff, bK, bN, c, cOff, cM, cN, accumulate));
        } else {
            int pairs = (m + 1) / 2;
            int grain = grain(minChunkWork, 2L * n * k);
            Parallel.forRange(pairs, grain, (s, e) -> blockedD(2 * s, Math.min(2 * e, m), 0, n, k,
                    a, aOff, aM, aK, b, bOff, bK, bN, c, cOff, cM, cN, accumulate));
        }
    }

    /** Computes rows [i0, i1) × columns [j0, j1) of C on the calling thread. */
    private void blockedD(int i0, int i1, int j0, int j1, int k, double[] a, int aOff, int aM, int aK,
                          double[] b, int bOff, int bK, int bN, double[] c, int cOff, int cM, int cN,
                          boolean accumulate) {
        if (i0 >= i1 || j0 >= j1) {
            return;
        }
        int kcap = balanced(k, kc);
        int ncap = balanced(j1 - j0, ncDouble);
        DoubleBuffers buf = DOUBLE_BUFFERS.get();
        buf.ensure(kcap, ncap);
        double[][] panel = buf.panel;
        double[] t0 = buf.row0;
        double[] t1 = buf.row1;
        for (int jc = j0; jc < j1; jc += ncap) {
            int w = Math.min(ncap, j1 - jc);
            for (int pc = 0; pc < k; pc += kcap) {
                int kb = Math.min(kcap, k - pc);
                packD(b, bOff + pc * bK + jc * bN, bK, bN, kb, w, panel);
                boolean load = accumulate || pc > 0;
                int i = i0;
                for (; i + 1 < i1; i += 2) {
                    // Two rows of C share each group of panel rows while it is in L1.
                    int c0 = cOff + i * cM + jc * cN;
                    int c1 = c0 + cM;
                    loadRowD(load, c, c0, cN, t0, w);
                    loadRowD(load, c, c1, cN, t1, w);
                    int ai = aOff + i * aM + pc * aK;
                    int ei = ai + aM;
                    int p = 0;
                    for (; p + 7 < kb; p += 8, ai += 8 * aK, ei += 8 * aK) {
                        double[] b0 = panel[p];
                        double[] b1 = panel[p + 1];
                        double[] b2 = panel[p + 2];
                        double[] b3 = panel[p + 3];
                        double[] b4 = panel[p + 4];
                        double[] b5 = panel[p + 5];
                        double[] b6 = panel[p + 6];
                        double[] b7 = panel[p + 7];
                        kernel8(t0, b0, b1, b2, b3, b4, b5, b6, b7, a[ai], a[ai + aK], a[ai + 2 * aK],
                                a[ai + 3 * aK], a[ai + 4 * aK], a[ai + 5 * aK], a[ai + 6 * aK], a[ai + 7 * aK], w);
                        kernel8(t1, b0, b1, b2, b3, b4, b5, b6, b7, a[ei], a[ei + aK], a[ei + 2 * aK],
                                a[ei + 3 * aK], a[ei + 4 * aK], a[ei + 5 * aK], a[ei + 6 * aK], a[ei + 7 * aK], w);
                    }
                    for (; p + 3 < kb; p += 4, ai += 4 * aK, ei += 4 * aK) {
                        double[] b0 = panel[p];
                        double[] b1 = panel[p + 1];
                        double[] b2 = panel[p + 2];
                        double[] b3 = panel[p + 3];
                        kernel4(t0, b0, b1, b2, b3, a[ai], a[ai + aK], a[ai + 2 * aK], a[ai + 3 * aK], w);
                        kernel4(t1, b0, b1, b2, b3, a[ei], a[ei + aK], a[ei + 2 * aK], a[ei + 3 * aK], w);
                    }
                    for (; p < kb; p++, ai += aK, ei += aK) {
                        kernel1(t0, panel[p], a[ai], w);
                        kernel1(t1, panel[p], a[ei], w);
                    }
                    storeRowD(t0, c, c0, cN, w);
                    storeRowD(t1, c, c1, cN, w);
                }
                if (i < i1) {
                    // The odd last row: the same steps, so it is summed exactly like the others.
                    int c0 = cOff + i * cM + jc * cN;
                    loadRowD(load, c, c0, cN, t0, w);
                    int ai = aOff + i * aM + pc * aK;
                    int p = 0;
                    for (; p + 7 < kb; p += 8, ai += 8 * aK) {
                        kernel8(t0, panel[p], panel[p + 1], panel[p + 2], panel[p + 3], panel[p + 4], panel[p + 5],
                                panel[p + 6], panel[p + 7], a[ai], a[ai + aK], a[ai + 2 * aK], a[ai + 3 * aK],
                                a[ai + 4 * aK], a[ai + 5 * aK], a[ai + 6 * aK], a[ai + 7 * aK], w);
                    }
                    for (; p + 3 < kb; p += 4, ai += 4 * aK) {
                        kernel4(t0, panel[p], panel[p + 1], panel[p + 2], panel[p + 3],
                                a[ai], a[ai + aK], a[ai + 2 * aK], a[ai + 3 * aK], w);
                    }
                    for (; p < kb; p++, ai += aK) {
                        kernel1(t0, panel[p], a[ai], w);
                    }
                    storeRowD(t0, c, c0, cN, w);
                }
            }
        }
    }

    /** Copies the kb×w block whose (0, 0) is b[base] (row step bK, column step bN) into the panel. */
    private static void packD(double[] b, int base, int bK, int bN, int kb, int w, double[][] panel) {
        if (bN == 1) {
            for (int p = 0; p < kb; p++) {
                System.arraycopy(b, base + p * bK, panel[p], 0, w);
            }
            return;
        }
        // Transposing copy: walk four columns of the block at a time (contiguous when bK == 1).
        int j = 0;
        for (; j + 3 < w; j += 4) {
            int s0 = base + j * bN;
            int s1 = s0 + bN;
            int s2 = s1 + bN;
            int s3 = s2 + bN;
            for (int p = 0, o = 0; p < kb; p++, o += bK) {
                double[] row = panel[p];
                row[j] = b[s0 + o];
                row[j + 1] = b[s1 + o];
                row[j + 2] = b[s2 + o];
                row[j + 3] = b[s3 + o];
            }
        }
        for (; j < w; j++) {
            int s0 = base + j * bN;
            for (int p = 0, o = 0; p < kb; p++, o += bK) {
                panel[p][j] = b[s0 + o];
            }
        }
    }

    private static void loadRowD(boolean load, double[] c, int base, int cN, double[] t, int w) {
        if (!load) {
            Arrays.fill(t, 0, w, 0d);
        } else if (cN == 1) {
            System.arraycopy(c, base, t, 0, w);
        } else {
            for (int j = 0; j < w; j++) {
                t[j] = c[base + j * cN];
            }
        }
    }

    private static void storeRowD(double[] t, double[] c, int base, int cN, int w) {
        if (cN == 1) {
            System.arraycopy(t, 0, c, base, w);
        } else {
            for (int j = 0; j < w; j++) {
                c[base + j * cN] = t[j];
            }
        }
    }

    /** As for float32. */
    private static void kernel8(double[] c, double[] b0, double[] b1, double[] b2, double[] b3, double[] b4,
                                double[] b5, double[] b6, double[] b7, double a0, double a1, double a2, double a3,
                                double a4, double a5, double a6, double a7, int w) {
        for (int j = 0; j < w; j++) {
            c[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j] + a4 * b4[j] + a5 * b5[j] + a6 * b6[j]
                    + a7 * b7[j];
        }
    }

    private static void kernel4(double[] c, double[] b0, double[] b1, double[] b2, double[] b3,
                                double a0, double a1, double a2, double a3, int w) {
        for (int j = 0; j < w; j++) {
            c[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
        }
    }

    private static void kernel1(double[] c, double[] b0, double a0, int w) {
        for (int j = 0; j < w; j++) {
            c[j] += a0 * b0[j];
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // shared
    // ------------------------------------------------------------------------------------------------------

    private static void checkDims(int m, int n, int k) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative dimension: m=" + m + ", n=" + n + ", k=" + k);
        }
    }

    /**
     * Whether to compute Cᵀ instead, so that the vector loops run along M: C is narrow and clearly taller. (The
     * vector loops lose most of their speed below ~100 elements; a 10-wide C runs 2–5× faster transposed.)
     */
    private static boolean swap(int m, int n) {
        return n < 128 && m >= 2 * n;
    }

    /**
     * Whether threads should take column strips rather than pairs of rows. Strips mean each thread packs only its
     * own columns of B, but also shorter vector loops; the loops lose efficiency below a few hundred elements
     * (C2's pre- and post-loops), so rows win unless each thread still gets 256 columns or there are too few rows
     * to go round.
     */
    private static boolean splitColumns(int m, int n, int threads) {
        if (n / threads >= 256) {
            return true;
        }
        if (m / threads >= 8) {
            return false;
        }
        return (n + COL_UNIT - 1) / COL_UNIT > (m + 1) / 2;
    }

    /** The block size at most {@code max} that cuts {@code len} into equal blocks (no thin last block). */
    private static int balanced(int len, int max) {
        int blocks = (len + max - 1) / max;
        return (len + blocks - 1) / blocks;
    }

    /** Units per chunk so that a chunk has at least {@code minWork} multiply-adds. */
    private static int grain(long minWork, long workPerUnit) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (minWork + workPerUnit - 1) / workPerUnit));
    }

    /** Per-thread float32 panel (separate row arrays, so C2 can vectorize) and two C row buffers. */
    private static final class FloatBuffers {
        float[][] panel = new float[0][];
        float[] row0 = new float[0];
        float[] row1 = new float[0];

        void ensure(int rows, int cols) {
            if (panel.length < rows || row0.length < cols) {
                int r = Math.max(rows, panel.length);
                int w = Math.max(cols, row0.length);
                panel = new float[r][w];
                row0 = new float[w];
                row1 = new float[w];
            }
        }
    }

    /** Per-thread float64 panel and row buffers. */
    private static final class DoubleBuffers {
        double[][] panel = new double[0][];
        double[] row0 = new double[0];
        double[] row1 = new double[0];

        void ensure(int rows, int cols) {
            if (panel.length < rows || row0.length < cols) {
                int r = Math.max(rows, panel.length);
                int w = Math.max(cols, row0.length);
                panel = new double[r][w];
                row0 = new double[w];
                row1 = new double[w];
            }
        }
    }
}
