package dev.backprop.kernels;

import java.util.Arrays;

/**
 * Cache-blocked, multithreaded GEMM in plain Java (no Vector API), written so that HotSpot's C2 compiler
 * auto-vectorizes the innermost loop.
 *
 * <h2>Structure</h2>
 * <ul>
 *   <li><b>Threads</b> ({@link Parallel}) split the output statically: by column strips of N when N is wide
 *       enough (then every thread packs only its own part of B), otherwise by row pairs of M.</li>
 *   <li><b>Blocking</b>: each thread walks its part of C in column blocks of {@code nc} (~512 floats), and
 *       within those, K in blocks of {@code kc} (~256). The kc×nc block of op(B) is packed into a per-thread
 *       panel of separate row arrays (a transposed B is transposed while packing, so G·Bᵀ costs about what
 *       A·B costs), which stays in L2 while every row of the thread's M range streams over it.</li>
 *   <li><b>Micro-kernel</b>: two rows of C are copied into two per-thread row buffers and updated four K steps
 *       at a time: {@code c0[j] += a00*b0[j] + a01*b1[j] + a02*b2[j] + a03*b3[j]} (and the same for c1), a
 *       loop over j that C2 turns into SIMD code. Each loaded B vector feeds 8 multiply-adds. The arrays are
 *       distinct and indexed by the bare loop counter on purpose: C2 (as of JDK 25) gives up on vectorizing
 *       loops that mix several offset views of one array, which it cannot prove free of aliasing.
 *       Elements of op(A) are scalars read straight from A (strided when A is transposed; that is cheap next
 *       to the vector work they feed), so A is never packed.</li>
 *   <li>Problems below about 32k multiply-adds take a plain serial loop, where blocking would not pay.</li>
 * </ul>
 *
 * <p>Panels and row buffers live in {@link ThreadLocal}s and are reused across calls. float32 sums accumulate
 * in float (partial sums of four products, then into the row buffer), so results differ from
 * {@link ReferenceGemm}, which accumulates in double, by float32 rounding. Honours {@code accumulate}, offsets
 * and leading dimensions larger than the row width; M, N or K may be 0 ({@code k == 0} gives C = 0, or leaves
 * C unchanged when accumulating).
 */
public final class BlockedGemm implements Gemm {

    /** Problems with fewer multiply-adds than this take the simple serial loop. */
    static final long SMALL_WORK = 32L * 1024;
    /** Depth of a K block. */
    static final int KC = 256;
    /** Width of an N block, float32 (a 256×512 float panel is 512 KiB: it sits in a 1 MiB L2). */
    static final int NC_FLOAT = 512;
    /** Width of an N block, float64 (same panel bytes as float32). */
    static final int NC_DOUBLE = 256;
    /** Fewest multiply-adds worth handing to another thread (a few microseconds of work). */
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
     * A configuration with other thresholds and block sizes, so tests can drive the blocked and parallel paths
     * (block edges, several K and N blocks, thread splits) with small matrices.
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
                    int ci = cOff + i * ldc;
                    Arrays.fill(c, ci, ci + n, 0f);
                }
            }
            return;
        }
        long work = (long) m * n * k;
        if (work < smallWork) {
            smallS(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        int threads = (int) Math.min(Parallel.threads(), work / minChunkWork);
        if (threads <= 1) {
            blockedS(transA, transB, 0, m, 0, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        } else if (splitColumns(m, n, threads)) {
            int units = (n + COL_UNIT - 1) / COL_UNIT;
            int grain = grain(minChunkWork, (long) m * k * COL_UNIT);
            Parallel.forRange(units, grain, (s, e) -> blockedS(transA, transB, 0, m, s * COL_UNIT,
                    Math.min(e * COL_UNIT, n), k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate));
        } else {
            int pairs = (m + 1) / 2;
            int grain = grain(minChunkWork, 2L * n * k);
            Parallel.forRange(pairs, grain, (s, e) -> blockedS(transA, transB, 2 * s, Math.min(2 * e, m), 0, n,
                    k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate));
        }
    }

    /** Simple serial loops for small products. */
    private static void smallS(boolean transA, boolean transB, int m, int n, int k,
                               float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                               float[] c, int cOff, int ldc, boolean accumulate) {
        int aRow = transA ? 1 : lda;
        int aCol = transA ? lda : 1;
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            int ai = aOff + i * aRow;
            if (!transB) {
                if (!accumulate) {
                    Arrays.fill(c, ci, ci + n, 0f);
                }
                for (int p = 0; p < k; p++) {
                    float av = a[ai + p * aCol];
                    int bi = bOff + p * ldb;
                    for (int j = 0; j < n; j++) {
                        c[ci + j] += av * b[bi + j];
                    }
                }
            } else {
                for (int j = 0; j < n; j++) {
                    int bi = bOff + j * ldb;
                    float s = 0f;
                    for (int p = 0; p < k; p++) {
                        s += a[ai + p * aCol] * b[bi + p];
                    }
                    c[ci + j] = accumulate ? c[ci + j] + s : s;
                }
            }
        }
    }

    /** Computes rows [i0, i1) × columns [j0, j1) of C on the calling thread. */
    private void blockedS(boolean transA, boolean transB, int i0, int i1, int j0, int j1, int k,
                          float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                          float[] c, int cOff, int ldc, boolean accumulate) {
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
        // Step between consecutive K (aK) and consecutive M (aM) elements of op(A).
        int aK = transA ? lda : 1;
        int aM = transA ? 1 : lda;
        for (int jc = j0; jc < j1; jc += ncap) {
            int w = Math.min(ncap, j1 - jc);
            for (int pc = 0; pc < k; pc += kcap) {
                int kb = Math.min(kcap, k - pc);
                packS(transB, b, bOff, ldb, pc, kb, jc, w, panel);
                boolean load = accumulate || pc > 0;
                int i = i0;
                for (; i + 1 < i1; i += 2) {
                    int c0 = cOff + i * ldc + jc;
                    int c1 = c0 + ldc;
                    if (load) {
                        System.arraycopy(c, c0, t0, 0, w);
                        System.arraycopy(c, c1, t1, 0, w);
                    } else {
                        Arrays.fill(t0, 0, w, 0f);
                        Arrays.fill(t1, 0, w, 0f);
                    }
                    int ai = aOff + i * aM + pc * aK;
                    int p = 0;
                    for (; p + 3 < kb; p += 4, ai += 4 * aK) {
                        int q1 = ai + aK;
                        int q2 = q1 + aK;
                        int q3 = q2 + aK;
                        kernel2x4(t0, t1, panel[p], panel[p + 1], panel[p + 2], panel[p + 3],
                                a[ai], a[q1], a[q2], a[q3],
                                a[ai + aM], a[q1 + aM], a[q2 + aM], a[q3 + aM], w);
                    }
                    for (; p < kb; p++, ai += aK) {
                        kernel2x1(t0, t1, panel[p], a[ai], a[ai + aM], w);
                    }
                    System.arraycopy(t0, 0, c, c0, w);
                    System.arraycopy(t1, 0, c, c1, w);
                }
                if (i < i1) {
                    int c0 = cOff + i * ldc + jc;
                    if (load) {
                        System.arraycopy(c, c0, t0, 0, w);
                    } else {
                        Arrays.fill(t0, 0, w, 0f);
                    }
                    int ai = aOff + i * aM + pc * aK;
                    int p = 0;
                    for (; p + 3 < kb; p += 4, ai += 4 * aK) {
                        kernel1x4(t0, panel[p], panel[p + 1], panel[p + 2], panel[p + 3],
                                a[ai], a[ai + aK], a[ai + 2 * aK], a[ai + 3 * aK], w);
                    }
                    for (; p < kb; p++, ai += aK) {
                        kernel1x1(t0, panel[p], a[ai], w);
                    }
                    System.arraycopy(t0, 0, c, c0, w);
                }
            }
        }
    }

    /** Copies the kb×w block of op(B) at (pc, jc) into panel rows 0..kb-1, columns 0..w-1. */
    private static void packS(boolean transB, float[] b, int bOff, int ldb, int pc, int kb, int jc, int w,
                              float[][] panel) {
        if (!transB) {
            for (int p = 0; p < kb; p++) {
                System.arraycopy(b, bOff + (pc + p) * ldb + jc, panel[p], 0, w);
            }
            return;
        }
        // op(B)(p, j) = b[bOff + j*ldb + p]: read four rows of stored B at a time, write four columns.
        int j = 0;
        for (; j + 3 < w; j += 4) {
            int s0 = bOff + (jc + j) * ldb + pc;
            int s1 = s0 + ldb;
            int s2 = s1 + ldb;
            int s3 = s2 + ldb;
            for (int p = 0; p < kb; p++) {
                float[] row = panel[p];
                row[j] = b[s0 + p];
                row[j + 1] = b[s1 + p];
                row[j + 2] = b[s2 + p];
                row[j + 3] = b[s3 + p];
            }
        }
        for (; j < w; j++) {
            int s0 = bOff + (jc + j) * ldb + pc;
            for (int p = 0; p < kb; p++) {
                panel[p][j] = b[s0 + p];
            }
        }
    }

    private static void kernel2x4(float[] c0, float[] c1, float[] b0, float[] b1, float[] b2, float[] b3,
                                  float a0, float a1, float a2, float a3,
                                  float e0, float e1, float e2, float e3, int w) {
        for (int j = 0; j < w; j++) {
            float x0 = b0[j];
            float x1 = b1[j];
            float x2 = b2[j];
            float x3 = b3[j];
            c0[j] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
            c1[j] += e0 * x0 + e1 * x1 + e2 * x2 + e3 * x3;
        }
    }

    private static void kernel2x1(float[] c0, float[] c1, float[] b0, float a0, float e0, int w) {
        for (int j = 0; j < w; j++) {
            float x0 = b0[j];
            c0[j] += a0 * x0;
            c1[j] += e0 * x0;
        }
    }

    private static void kernel1x4(float[] c0, float[] b0, float[] b1, float[] b2, float[] b3,
                                  float a0, float a1, float a2, float a3, int w) {
        for (int j = 0; j < w; j++) {
            c0[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
        }
    }

    private static void kernel1x1(float[] c0, float[] b0, float a0, int w) {
        for (int j = 0; j < w; j++) {
            c0[j] += a0 * b0[j];
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // float64: the same structure
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
                    int ci = cOff + i * ldc;
                    Arrays.fill(c, ci, ci + n, 0d);
                }
            }
            return;
        }
        long work = (long) m * n * k;
        if (work < smallWork) {
            smallD(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        int threads = (int) Math.min(Parallel.threads(), work / minChunkWork);
        if (threads <= 1) {
            blockedD(transA, transB, 0, m, 0, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        } else if (splitColumns(m, n, threads)) {
            int units = (n + COL_UNIT - 1) / COL_UNIT;
            int grain = grain(minChunkWork, (long) m * k * COL_UNIT);
            Parallel.forRange(units, grain, (s, e) -> blockedD(transA, transB, 0, m, s * COL_UNIT,
                    Math.min(e * COL_UNIT, n), k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate));
        } else {
            int pairs = (m + 1) / 2;
            int grain = grain(minChunkWork, 2L * n * k);
            Parallel.forRange(pairs, grain, (s, e) -> blockedD(transA, transB, 2 * s, Math.min(2 * e, m), 0, n,
                    k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate));
        }
    }

    private static void smallD(boolean transA, boolean transB, int m, int n, int k,
                               double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                               double[] c, int cOff, int ldc, boolean accumulate) {
        int aRow = transA ? 1 : lda;
        int aCol = transA ? lda : 1;
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            int ai = aOff + i * aRow;
            if (!transB) {
                if (!accumulate) {
                    Arrays.fill(c, ci, ci + n, 0d);
                }
                for (int p = 0; p < k; p++) {
                    double av = a[ai + p * aCol];
                    int bi = bOff + p * ldb;
                    for (int j = 0; j < n; j++) {
                        c[ci + j] += av * b[bi + j];
                    }
                }
            } else {
                for (int j = 0; j < n; j++) {
                    int bi = bOff + j * ldb;
                    double s = 0d;
                    for (int p = 0; p < k; p++) {
                        s += a[ai + p * aCol] * b[bi + p];
                    }
                    c[ci + j] = accumulate ? c[ci + j] + s : s;
                }
            }
        }
    }

    private void blockedD(boolean transA, boolean transB, int i0, int i1, int j0, int j1, int k,
                          double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                          double[] c, int cOff, int ldc, boolean accumulate) {
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
        int aK = transA ? lda : 1;
        int aM = transA ? 1 : lda;
        for (int jc = j0; jc < j1; jc += ncap) {
            int w = Math.min(ncap, j1 - jc);
            for (int pc = 0; pc < k; pc += kcap) {
                int kb = Math.min(kcap, k - pc);
                packD(transB, b, bOff, ldb, pc, kb, jc, w, panel);
                boolean load = accumulate || pc > 0;
                int i = i0;
                for (; i + 1 < i1; i += 2) {
                    int c0 = cOff + i * ldc + jc;
                    int c1 = c0 + ldc;
                    if (load) {
                        System.arraycopy(c, c0, t0, 0, w);
                        System.arraycopy(c, c1, t1, 0, w);
                    } else {
                        Arrays.fill(t0, 0, w, 0d);
                        Arrays.fill(t1, 0, w, 0d);
                    }
                    int ai = aOff + i * aM + pc * aK;
                    int p = 0;
                    for (; p + 3 < kb; p += 4, ai += 4 * aK) {
                        int q1 = ai + aK;
                        int q2 = q1 + aK;
                        int q3 = q2 + aK;
                        kernel2x4(t0, t1, panel[p], panel[p + 1], panel[p + 2], panel[p + 3],
                                a[ai], a[q1], a[q2], a[q3],
                                a[ai + aM], a[q1 + aM], a[q2 + aM], a[q3 + aM], w);
                    }
                    for (; p < kb; p++, ai += aK) {
                        kernel2x1(t0, t1, panel[p], a[ai], a[ai + aM], w);
                    }
                    System.arraycopy(t0, 0, c, c0, w);
                    System.arraycopy(t1, 0, c, c1, w);
                }
                if (i < i1) {
                    int c0 = cOff + i * ldc + jc;
                    if (load) {
                        System.arraycopy(c, c0, t0, 0, w);
                    } else {
                        Arrays.fill(t0, 0, w, 0d);
                    }
                    int ai = aOff + i * aM + pc * aK;
                    int p = 0;
                    for (; p + 3 < kb; p += 4, ai += 4 * aK) {
                        kernel1x4(t0, panel[p], panel[p + 1], panel[p + 2], panel[p + 3],
                                a[ai], a[ai + aK], a[ai + 2 * aK], a[ai + 3 * aK], w);
                    }
                    for (; p < kb; p++, ai += aK) {
                        kernel1x1(t0, panel[p], a[ai], w);
                    }
                    System.arraycopy(t0, 0, c, c0, w);
                }
            }
        }
    }

    private static void packD(boolean transB, double[] b, int bOff, int ldb, int pc, int kb, int jc, int w,
                              double[][] panel) {
        if (!transB) {
            for (int p = 0; p < kb; p++) {
                System.arraycopy(b, bOff + (pc + p) * ldb + jc, panel[p], 0, w);
            }
            return;
        }
        int j = 0;
        for (; j + 3 < w; j += 4) {
            int s0 = bOff + (jc + j) * ldb + pc;
            int s1 = s0 + ldb;
            int s2 = s1 + ldb;
            int s3 = s2 + ldb;
            for (int p = 0; p < kb; p++) {
                double[] row = panel[p];
                row[j] = b[s0 + p];
                row[j + 1] = b[s1 + p];
                row[j + 2] = b[s2 + p];
                row[j + 3] = b[s3 + p];
            }
        }
        for (; j < w; j++) {
            int s0 = bOff + (jc + j) * ldb + pc;
            for (int p = 0; p < kb; p++) {
                panel[p][j] = b[s0 + p];
            }
        }
    }

    private static void kernel2x4(double[] c0, double[] c1, double[] b0, double[] b1, double[] b2, double[] b3,
                                  double a0, double a1, double a2, double a3,
                                  double e0, double e1, double e2, double e3, int w) {
        for (int j = 0; j < w; j++) {
            double x0 = b0[j];
            double x1 = b1[j];
            double x2 = b2[j];
            double x3 = b3[j];
            c0[j] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
            c1[j] += e0 * x0 + e1 * x1 + e2 * x2 + e3 * x3;
        }
    }

    private static void kernel2x1(double[] c0, double[] c1, double[] b0, double a0, double e0, int w) {
        for (int j = 0; j < w; j++) {
            double x0 = b0[j];
            c0[j] += a0 * x0;
            c1[j] += e0 * x0;
        }
    }

    private static void kernel1x4(double[] c0, double[] b0, double[] b1, double[] b2, double[] b3,
                                  double a0, double a1, double a2, double a3, int w) {
        for (int j = 0; j < w; j++) {
            c0[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
        }
    }

    private static void kernel1x1(double[] c0, double[] b0, double a0, int w) {
        for (int j = 0; j < w; j++) {
            c0[j] += a0 * b0[j];
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
     * Whether threads should take column strips (each then packs only its own columns of B) rather than row
     * pairs (each then packs all of the B block). Columns win when every thread gets a few 16-wide units.
     */
    static final String FORCE = System.getProperty("force.split", "");
    private static boolean splitColumns(int m, int n, int threads) {
        if (FORCE.equals("n")) return true;
        if (FORCE.equals("m")) return false;
        int units = (n + COL_UNIT - 1) / COL_UNIT;
        if (units >= 4 * threads) {
            return true;
        }
        int pairs = (m + 1) / 2;
        return pairs < 2 * threads && units > pairs;
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

    /** Per-thread float32 panel (separate row arrays) and two C row buffers. */
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
