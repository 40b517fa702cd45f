package dev.backprop.kernels;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM with the JDK Vector API ({@code jdk.incubator.vector}): float32 through packed panels and register-blocked
 * micro-kernels, float64 through {@link BlockedGemm}.
 *
 * <h2>Structure</h2>
 * The vectors are {@link FloatVector#SPECIES_PREFERRED} (L floats: 16 with AVX-512, 8 with AVX2, 4 with NEON).
 * <ul>
 *   <li><b>Micro-kernel</b>: an R×V tile of C — R rows (6, or 4, 2, 1 at the bottom edge) by V vectors (4, or 2,
 *       1 for a narrow right edge) — is held in R·V accumulator vectors, plain locals, for a whole K block. Each
 *       K step loads V vectors of a row of op(B) and, for each of the R rows, broadcasts one element of op(A) and
 *       updates V accumulators as {@code b.fma(a, acc)}. The 6×4 kernel uses 24 + 4 + 1 = 29 of AVX-512's 32
 *       registers, so nothing spills; larger tiles (8×3, 12×2) were measured slower, and so was the operand
 *       order {@code a.fma(b, acc)}. Where there are only 16 vector registers (x86 below AVX-512), panels are
 *       2 vectors wide (6×2 tiles). The tile is added to C (or stored, in the first K block when not
 *       accumulating) at the end of the block; edge tiles go through a small buffer, so no store leaves the
 *       window of C. The kernels are unrolled by hand, one method per shape, so that C2 keeps every
 *       accumulator in a register.</li>
 *   <li><b>Packing</b>: op(A) is never packed: the kernel reads its elements where they are (row by row for A,
 *       six neighbours for Aᵀ), so Aᵀ·G costs what A·B costs. op(B) is copied, one kc×nc block at a time, into
 *       panels NR = V·L columns wide (64 floats), zero-padded at the right edge; a transposed B (N×K stored) is
 *       transposed in registers on the way (L×L blocks, log₂L rounds of two-vector {@code selectFrom}
 *       shuffles), so G·Bᵀ costs about what A·B costs too. When M is small (at most 16 rows; a batch of a few
 *       samples) a non-transposed B is read in place instead, since packing it would cost as much as the
 *       product; only a partial right-edge panel is copied.</li>
 *   <li><b>Blocking</b>: K in blocks of at most kc = 256 (balanced, so no thin last block), N in blocks of
 *       nc = 512 columns (a 256×512 block of B is 512 KiB and stays in the 1 MiB L2), and inside, row tiles
 *       outer, panels inner, so the 6×kc strip of A stays in L1 while it meets every panel.</li>
 *   <li><b>Threads</b> ({@link Parallel}): a static split of C into one part per thread, by columns (in whole
 *       vectors, so every thread packs only its own part of B) when each thread gets a full panel, else by
 *       rows (each thread packs the whole, narrow, B). A product is split only into parts of at least 2¹⁵
 *       multiply-adds.</li>
 *   <li><b>Small products</b> (under 4096 multiply-adds) take a plain scalar loop.</li>
 * </ul>
 *
 * <h2>Rounding</h2>
 * Every element of C is computed the same way whatever tile, panel or thread it falls into: a chain of fused
 * multiply-adds over each K block, starting from zero, then one addition to C per block. K blocks depend only on
 * K, so results are bit-identical for any number of threads. Sums accumulate in float (the reference in double).
 *
 * <h2>Warm-up</h2>
 * Vector API code is slow (it allocates every vector) until C2 compiles it, which takes thousands of calls per
 * kernel. {@link #warmUp()} runs every kernel and path on small operands so that this happens before a
 * training loop starts.
 *
 * <p>Panels live in per-thread buffers (up to 512 KiB per thread), reused across calls. Honours
 * {@code accumulate}, offsets and leading dimensions larger than the rows; when not accumulating, C is only
 * written, never read. Nothing outside the m×n window of C is touched and nothing outside the operands'
 * windows is read.
 */
public final class VectorGemm implements Gemm {

    /** The vector shape. */
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    static final int L = S.length();
    /**
     * Vectors across a panel: 4 with 32 vector registers (AVX-512, AArch64), 2 with 16 (AVX, AVX2), where a 6×4
     * tile of accumulators would spill.
     */
    static final int NV = L >= 16 || "aarch64".equals(System.getProperty("os.arch")) ? 4 : 2;
    /** Panel width in floats. */
    static final int NR = NV * L;
    /** Rows of the main micro-kernel. */
    static final int MR = 6;
    /** Largest depth of a K block. */
    static final int KC = 256;
    /** Largest width of an N block (a 256×512 float panel block is 512 KiB, half of a 1 MiB L2). */
    static final int NC = 512;
    /** Products with at most this many rows read a non-transposed B in place instead of packing it. */
    static final int SMALL_M = 16;
    /** Products with fewer multiply-adds take the scalar loop. */
    static final long TINY_WORK = 4096;
    /** Fewest multiply-adds worth handing to another thread. */
    static final long MIN_CHUNK_WORK = 1L << 15;

    /** Index vectors of the in-register transpose: for each round (distance L/2, L/4, ..., 1) a low and a high one. */
    private static final float[] TRANSPOSE_INDEX = transposeIndex();

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private final int kc;
    private final int nc;
    private final long tinyWork;
    private final long minChunkWork;
    private final int smallM;
    private final BlockedGemm doubles = new BlockedGemm();

    /** The tuned configuration. */
    public VectorGemm() {
        this(KC, NC, TINY_WORK, MIN_CHUNK_WORK, SMALL_M);
    }

    /**
     * Another configuration, so that tests can drive block edges, several K and N blocks and thread splits with
     * small matrices. {@code nc} is rounded up to whole panels.
     */
    VectorGemm(int kc, int nc, long tinyWork, long minChunkWork, int smallM) {
        if (kc < 1 || nc < 1) {
            throw new IllegalArgumentException("block sizes must be positive");
        }
        this.kc = kc;
        this.nc = (nc + NR - 1) / NR * NR;
        this.tinyWork = tinyWork;
        this.minChunkWork = Math.max(1, minChunkWork);
        this.smallM = smallM;
    }

    /** Names the kernel, for reports: the vector width and the tile. */
    @Override
    public String toString() {
        return "VectorGemm(" + S.vectorBitSize() + "-bit, " + MR + "x" + NR + " tiles)";
    }

    // ------------------------------------------------------------------------------------------------------
    // float32
    // ------------------------------------------------------------------------------------------------------

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, boolean accumulate) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative dimension: m=" + m + ", n=" + n + ", k=" + k);
        }
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
        // op(A)(i, p) = a[aOff + i*aM + p*aK]
        int aM = transA ? 1 : lda;
        int aK = transA ? lda : 1;
        long work = (long) m * n * k;
        if (work < tinyWork) {
            tiny(m, n, k, a, aOff, aM, aK, b, bOff, transB ? 1 : ldb, transB ? ldb : 1, c, cOff, ldc, accumulate);
            return;
        }
        boolean direct = !transB && m <= smallM;
        int t = (int) Math.min(Parallel.threads(), Math.max(1, work / minChunkWork));
        if (t <= 1) {
            block(0, m, 0, n, k, a, aOff, aM, aK, transB, direct, b, bOff, ldb, c, cOff, ldc, accumulate);
            return;
        }
        // One part per thread, fixed by the shape and t alone.
        boolean byColumns = splitColumns(m, n, t);
        int unit = byColumns ? L : m >= 4 * MR * t ? MR : 1;
        int units = ((byColumns ? n : m) + unit - 1) / unit;
        int parts = Math.min(t, units);
        Parallel.forRange(parts, 1, (s, e) -> {
            for (int part = s; part < e; part++) {
                int lo = (int) ((long) part * units / parts) * unit;
                int hi = (int) ((long) (part + 1) * units / parts) * unit;
                if (byColumns) {
                    block(0, m, lo, Math.min(hi, n), k, a, aOff, aM, aK, transB, direct, b, bOff, ldb,
                            c, cOff, ldc, accumulate);
                } else {
                    block(lo, Math.min(hi, m), 0, n, k, a, aOff, aM, aK, transB, direct, b, bOff, ldb,
                            c, cOff, ldc, accumulate);
                }
            }
        });
    }

    /**
     * Whether threads should take column strips rather than row strips: when each still gets a full panel
     * (then each packs only its own columns of B), or when there are too few rows to go round.
     */
    private static boolean splitColumns(int m, int n, int threads) {
        if (n >= NR * threads) {
            return true;
        }
        if (m >= 2 * MR * threads) {
            return false;
        }
        return n >= L * threads;
    }

    /** Computes rows [i0, i1) × columns [j0, j1) of C on the calling thread. */
    private void block(int i0, int i1, int j0, int j1, int k, float[] a, int aOff, int aM, int aK,
                       boolean transB, boolean direct, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, boolean accumulate) {
        if (i0 >= i1 || j0 >= j1) {
            return;
        }
        int kcb = balanced(k, kc);
        Buffers buf = BUFFERS.get();
        float[] panel = buf.panel(kcb * Math.min(nc, (j1 - j0 + NR - 1) / NR * NR));
        float[] tile = buf.tile;
        for (int jc = j0; jc < j1; jc += nc) {
            int w = Math.min(nc, j1 - jc);
            for (int pc = 0; pc < k; pc += kcb) {
                int kb = Math.min(kcb, k - pc);
                // Panel q holds columns [jc + q*NR, +wq) at panel[q*kb*NR], rows kb, row stride vectors(wq)*L.
                for (int q = 0; q * NR < w; q++) {
                    int j = jc + q * NR;
                    int wq = Math.min(NR, jc + w - j);
                    if (direct && wq == NR) {
                        continue; // read in place
                    }
                    int width = vectors(wq) * L;
                    if (transB) {
                        packTransposed(b, bOff + j * ldb + pc, ldb, kb, wq, width, panel, q * kb * NR);
                    } else {
                        pack(b, bOff + pc * ldb + j, ldb, kb, wq, width, panel, q * kb * NR);
                    }
                }
                boolean load = accumulate || pc > 0;
                for (int i = i0; i < i1; ) {
                    int rem = i1 - i;
                    // Row tiles of 6; a remainder of 5 or 3 takes the 6- or 4-row kernel with a row repeated.
                    int r = rem >= 5 ? MR : rem >= 3 ? 4 : rem;
                    int rows = Math.min(rem, MR);
                    int ar = aOff + i * aM + pc * aK;
                    int ci = cOff + i * ldc;
                    for (int q = 0; q * NR < w; q++) {
                        int j = jc + q * NR;
                        int wq = Math.min(NR, jc + w - j);
                        if (direct && wq == NR) {
                            kernel(r, NV, kb, a, ar, aM, aK, b, bOff + pc * ldb + j, ldb, c, ci + j, ldc, rows, wq,
                                    load, tile);
                        } else {
                            int v = vectors(wq);
                            kernel(r, v, kb, a, ar, aM, aK, panel, q * kb * NR, v * L, c, ci + j, ldc, rows, wq,
                                    load, tile);
                        }
                    }
                    i += rows;
                }
            }
        }
    }

    /** Vectors a panel of {@code w} columns is computed with: 1, 2 or 4. */
    private static int vectors(int w) {
        return w <= L ? 1 : w <= 2 * L ? 2 : 4;
    }

    /** The block size at most {@code max} that cuts {@code len} into equal blocks (no thin last block). */
    private static int balanced(int len, int max) {
        int blocks = (len + max - 1) / max;
        return (len + blocks - 1) / blocks;
    }

    /**
     * Copies the kb×wq block of B whose (0, 0) is {@code b[src]} (row step ldb) into rows of {@code width}
     * floats at {@code dst[d]}, zero beyond wq.
     */
    private static void pack(float[] b, int src, int ldb, int kb, int wq, int width, float[] dst, int d) {
        int full = wq / L * L;
        VectorMask<Float> tail = S.indexInRange(full, wq);
        for (int p = 0; p < kb; p++, src += ldb, d += width) {
            int j = 0;
            for (; j < full; j += L) {
                FloatVector.fromArray(S, b, src + j).intoArray(dst, d + j);
            }
            if (j < wq) {
                FloatVector.fromArray(S, b, src + j, tail).intoArray(dst, d + j);
                j += L;
            }
            for (; j < width; j += L) {
                FloatVector.zero(S).intoArray(dst, d + j);
            }
        }
    }

    /**
     * Like {@link #pack} for a transposed B: op(B)(p, j) = {@code b[base + j*ldb + p]}, so the kb×wq block is
     * read as wq stored rows of kb floats and written transposed.
     */
    private static void packTransposed(float[] b, int base, int ldb, int kb, int wq, int width, float[] dst, int d) {
        if (L == 16) {
            packT16(b, base, ldb, kb, wq, width, dst, d);
        } else if (L == 8) {
            packT8(b, base, ldb, kb, wq, width, dst, d);
        } else {
            for (int p = 0; p < kb; p++) {
                int o = d + p * width;
                for (int j = 0; j < width; j++) {
                    dst[o + j] = j < wq ? b[base + j * ldb + p] : 0f;
                }
            }
        }
    }

    private static float[] transposeIndex() {
        int rounds = Integer.numberOfTrailingZeros(L);
        float[] idx = new float[2 * rounds * L];
        for (int s = 0; s < rounds; s++) {
            int d = L >> (s + 1);
            for (int l = 0; l < L; l++) {
                // lo: lanes of the first vector stay, the second's low half moves up; hi: the reverse.
                idx[2 * s * L + l] = (l & d) == 0 ? l : L + l - d;
                idx[(2 * s + 1) * L + l] = (l & d) == 0 ? l + d : L + l;
            }
        }
        return idx;
    }

    /** C(i, j) = (C +) tile rows of {@code tw} floats, for the rows × cols corner that lies inside C. */
    private static void flush(float[] tile, int tw, float[] c, int co, int ldc, int rows, int cols, boolean load) {
        for (int r = 0; r < rows; r++) {
            int t = r * tw;
            int o = co + r * ldc;
            if (load) {
                for (int j = 0; j < cols; j++) {
                    c[o + j] += tile[t + j];
                }
            } else {
                System.arraycopy(tile, t, c, o, cols);
            }
        }
    }

    /** Small products: one fused multiply-add chain per element. op(B)(p, j) = b[bOff + p*bK + j*bN]. */
    private static void tiny(int m, int n, int k, float[] a, int aOff, int aM, int aK, float[] b, int bOff,
                             int bK, int bN, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int ai = aOff + i * aM;
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                int bj = bOff + j * bN;
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    s = Math.fma(a[ai + p * aK], b[bj + p * bK], s);
                }
                c[ci + j] = accumulate ? c[ci + j] + s : s;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // float64
    // ------------------------------------------------------------------------------------------------------

    /** float64 goes to {@link BlockedGemm}: it serves gradient checks, where speed matters less. */
    @Override
    public void dgemm(boolean transA, boolean transB, int m, int n, int k,
                      double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                      double[] c, int cOff, int ldc, boolean accumulate) {
        doubles.dgemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    // ------------------------------------------------------------------------------------------------------
    // Warm-up
    // ------------------------------------------------------------------------------------------------------

    /** Rounds of direct kernel calls in {@link #warmUp()}: enough for C2 to compile each kernel. */
    private static final int WARM_KERNEL_ROUNDS = 1500;
    /** Rounds of whole products in {@link #warmUp()}, enough for C2 to compile the drivers and packing. */
    private static final int WARM_PRODUCT_ROUNDS = 60;

    private static volatile boolean warm;

    /**
     * Runs every micro-kernel (full and edge tiles, storing and accumulating) and every path of {@code sgemm}
     * (each combination of transposes, tiny products, small M, small N, single- and multi-threaded) on small
     * operands, often enough that C2 compiles them, so the first training steps run at full speed rather than
     * through slow, allocating Vector API code. It takes about WARMUP_COST on the 2-core machine this was tuned
     * on (most of it running the kernels before C2 is done). Later calls return at once.
     */
    public static void warmUp() {
        if (warm) {
            return;
        }
        synchronized (VectorGemm.class) {
            if (warm) {
                return;
            }
            warmKernels();
            warmProducts();
            warm = true;
        }
    }

    private static void warmKernels() {
        int kb = 16;
        float[] a = new float[MR * kb];
        float[] b = new float[NR * kb];
        float[] c = new float[MR * NR];
        float[] tile = new float[MR * NR];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 7) * 0.25f - 0.75f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (i % 5) * 0.5f - 1f;
        }
        int[] rs = {6, 4, 2, 1};
        int[] vs = NV == 4 ? new int[] {4, 2, 1} : new int[] {2, 1};
        for (int round = 0; round < WARM_KERNEL_ROUNDS; round++) {
            // Mostly full tiles; every fourth an edge tile (rows or columns short), half of them accumulating.
            boolean edge = (round & 3) == 3;
            boolean load = (round & 1) == 1;
            for (int r : rs) {
                for (int v : vs) {
                    int rows = edge && r > 1 && (round & 4) != 0 ? r - 1 : r;
                    int cols = edge && rows == r ? v * L - 1 : v * L;
                    kernel(r, v, kb, a, 0, kb, 1, b, 0, v * L, c, 0, NR, rows, cols, load, tile);
                }
            }
            Arrays.fill(c, 0f);
        }
    }

    private static void warmProducts() {
        // Single-threaded (no split) and default (split) instances; shapes that reach every branch.
        VectorGemm serial = new VectorGemm(KC, NC, TINY_WORK, Long.MAX_VALUE, SMALL_M);
        VectorGemm split = new VectorGemm(KC, NC, TINY_WORK, 1L << 12, SMALL_M);
        int[][] shapes = {
            {37, 2 * NR + L + 3, 40},  // general: 6-row tiles and a 1-row remainder, full and edge panels
            {23, NR + 2 * L - 1, 9},   // 4-row and 6-row-with-repeat remainders, a 2-vector edge
            {40, 10, 33},              // small N
            {5, NR + 7, 40},           // small M, B read in place
            {3, 4, 5},                 // tiny
        };
        int maxM = 40;
        int maxN = 2 * NR + L + 3;
        int maxK = 40;
        float[] a = new float[maxM * maxK];
        float[] b = new float[maxK * maxN];
        float[] c = new float[maxM * maxN];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 11) * 0.125f - 0.5f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (i % 13) * 0.0625f - 0.25f;
        }
        for (int round = 0; round < WARM_PRODUCT_ROUNDS; round++) {
            VectorGemm g = (round & 1) == 0 ? serial : split;
            for (int[] s : shapes) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                for (int v = 0; v < 4; v++) {
                    boolean tA = (v & 1) != 0;
                    boolean tB = (v & 2) != 0;
                    g.sgemm(tA, tB, m, n, k, a, 0, tA ? m : k, b, 0, tB ? k : n, c, 0, n, (round & 2) != 0);
                }
            }
            Arrays.fill(c, 0f);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Micro-kernels and transposes, unrolled by hand
    // ------------------------------------------------------------------------------------------------------

    /** 6 rows × 4 vectors. */
    private static void k6x4(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs,
                             float[] c, int co, int ldc, int rows, int cols, boolean load, float[] tile) {
        int a0 = ar;
        int a1 = rows > 1 ? ar + aM : ar;
        int a2 = rows > 2 ? ar + 2 * aM : ar;
        int a3 = rows > 3 ? ar + 3 * aM : ar;
        int a4 = rows > 4 ? ar + 4 * aM : ar;
        int a5 = rows > 5 ? ar + 5 * aM : ar;
        FloatVector c00 = FloatVector.zero(S); FloatVector c01 = FloatVector.zero(S); FloatVector c02 = FloatVector.zero(S); FloatVector c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S); FloatVector c11 = FloatVector.zero(S); FloatVector c12 = FloatVector.zero(S); FloatVector c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S); FloatVector c21 = FloatVector.zero(S); FloatVector c22 = FloatVector.zero(S); FloatVector c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S); FloatVector c31 = FloatVector.zero(S); FloatVector c32 = FloatVector.zero(S); FloatVector c33 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S); FloatVector c41 = FloatVector.zero(S); FloatVector c42 = FloatVector.zero(S); FloatVector c43 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S); FloatVector c51 = FloatVector.zero(S); FloatVector c52 = FloatVector.zero(S); FloatVector c53 = FloatVector.zero(S);
        for (int p = 0; p < kb; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bo + 3 * L);
            FloatVector av = FloatVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01); c02 = b2.fma(av, c02); c03 = b3.fma(av, c03);
            av = FloatVector.broadcast(S, a[a1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11); c12 = b2.fma(av, c12); c13 = b3.fma(av, c13);
            av = FloatVector.broadcast(S, a[a2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21); c22 = b2.fma(av, c22); c23 = b3.fma(av, c23);
            av = FloatVector.broadcast(S, a[a3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31); c32 = b2.fma(av, c32); c33 = b3.fma(av, c33);
            av = FloatVector.broadcast(S, a[a4]);
            c40 = b0.fma(av, c40); c41 = b1.fma(av, c41); c42 = b2.fma(av, c42); c43 = b3.fma(av, c43);
            av = FloatVector.broadcast(S, a[a5]);
            c50 = b0.fma(av, c50); c51 = b1.fma(av, c51); c52 = b2.fma(av, c52); c53 = b3.fma(av, c53);
            a0 += aK; a1 += aK; a2 += aK; a3 += aK; a4 += aK; a5 += aK; bo += bs;
        }
        if (rows == 6 && cols == 4 * L) {
            if (load) {
                c00 = c00.add(FloatVector.fromArray(S, c, co));
                c01 = c01.add(FloatVector.fromArray(S, c, co + L));
                c02 = c02.add(FloatVector.fromArray(S, c, co + 2 * L));
                c03 = c03.add(FloatVector.fromArray(S, c, co + 3 * L));
                c10 = c10.add(FloatVector.fromArray(S, c, co + ldc));
                c11 = c11.add(FloatVector.fromArray(S, c, co + ldc + L));
                c12 = c12.add(FloatVector.fromArray(S, c, co + ldc + 2 * L));
                c13 = c13.add(FloatVector.fromArray(S, c, co + ldc + 3 * L));
                c20 = c20.add(FloatVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(FloatVector.fromArray(S, c, co + 2 * ldc + L));
                c22 = c22.add(FloatVector.fromArray(S, c, co + 2 * ldc + 2 * L));
                c23 = c23.add(FloatVector.fromArray(S, c, co + 2 * ldc + 3 * L));
                c30 = c30.add(FloatVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(FloatVector.fromArray(S, c, co + 3 * ldc + L));
                c32 = c32.add(FloatVector.fromArray(S, c, co + 3 * ldc + 2 * L));
                c33 = c33.add(FloatVector.fromArray(S, c, co + 3 * ldc + 3 * L));
                c40 = c40.add(FloatVector.fromArray(S, c, co + 4 * ldc));
                c41 = c41.add(FloatVector.fromArray(S, c, co + 4 * ldc + L));
                c42 = c42.add(FloatVector.fromArray(S, c, co + 4 * ldc + 2 * L));
                c43 = c43.add(FloatVector.fromArray(S, c, co + 4 * ldc + 3 * L));
                c50 = c50.add(FloatVector.fromArray(S, c, co + 5 * ldc));
                c51 = c51.add(FloatVector.fromArray(S, c, co + 5 * ldc + L));
                c52 = c52.add(FloatVector.fromArray(S, c, co + 5 * ldc + 2 * L));
                c53 = c53.add(FloatVector.fromArray(S, c, co + 5 * ldc + 3 * L));
            }
            c00.intoArray(c, co);
            c01.intoArray(c, co + L);
            c02.intoArray(c, co + 2 * L);
            c03.intoArray(c, co + 3 * L);
            c10.intoArray(c, co + ldc);
            c11.intoArray(c, co + ldc + L);
            c12.intoArray(c, co + ldc + 2 * L);
            c13.intoArray(c, co + ldc + 3 * L);
            c20.intoArray(c, co + 2 * ldc);
            c21.intoArray(c, co + 2 * ldc + L);
            c22.intoArray(c, co + 2 * ldc + 2 * L);
            c23.intoArray(c, co + 2 * ldc + 3 * L);
            c30.intoArray(c, co + 3 * ldc);
            c31.intoArray(c, co + 3 * ldc + L);
            c32.intoArray(c, co + 3 * ldc + 2 * L);
            c33.intoArray(c, co + 3 * ldc + 3 * L);
            c40.intoArray(c, co + 4 * ldc);
            c41.intoArray(c, co + 4 * ldc + L);
            c42.intoArray(c, co + 4 * ldc + 2 * L);
            c43.intoArray(c, co + 4 * ldc + 3 * L);
            c50.intoArray(c, co + 5 * ldc);
            c51.intoArray(c, co + 5 * ldc + L);
            c52.intoArray(c, co + 5 * ldc + 2 * L);
            c53.intoArray(c, co + 5 * ldc + 3 * L);
        } else {
            c00.intoArray(tile, 0);
            c01.intoArray(tile, L);
            c02.intoArray(tile, 2 * L);
            c03.intoArray(tile, 3 * L);
            c10.intoArray(tile, 4 * L);
            c11.intoArray(tile, 5 * L);
            c12.intoArray(tile, 6 * L);
            c13.intoArray(tile, 7 * L);
            c20.intoArray(tile, 8 * L);
            c21.intoArray(tile, 9 * L);
            c22.intoArray(tile, 10 * L);
            c23.intoArray(tile, 11 * L);
            c30.intoArray(tile, 12 * L);
            c31.intoArray(tile, 13 * L);
            c32.intoArray(tile, 14 * L);
            c33.intoArray(tile, 15 * L);
            c40.intoArray(tile, 16 * L);
            c41.intoArray(tile, 17 * L);
            c42.intoArray(tile, 18 * L);
            c43.intoArray(tile, 19 * L);
            c50.intoArray(tile, 20 * L);
            c51.intoArray(tile, 21 * L);
            c52.intoArray(tile, 22 * L);
            c53.intoArray(tile, 23 * L);
            flush(tile, 4 * L, c, co, ldc, rows, cols, load);
        }
    }

    /** 6 rows × 2 vectors. */
    private static void k6x2(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs,
                             float[] c, int co, int ldc, int rows, int cols, boolean load, float[] tile) {
        int a0 = ar;
        int a1 = rows > 1 ? ar + aM : ar;
        int a2 = rows > 2 ? ar + 2 * aM : ar;
        int a3 = rows > 3 ? ar + 3 * aM : ar;
        int a4 = rows > 4 ? ar + 4 * aM : ar;
        int a5 = rows > 5 ? ar + 5 * aM : ar;
        FloatVector c00 = FloatVector.zero(S); FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S); FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S); FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S); FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S); FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S); FloatVector c51 = FloatVector.zero(S);
        for (int p = 0; p < kb; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector av = FloatVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, a[a1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, a[a2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21);
            av = FloatVector.broadcast(S, a[a3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31);
            av = FloatVector.broadcast(S, a[a4]);
            c40 = b0.fma(av, c40); c41 = b1.fma(av, c41);
            av = FloatVector.broadcast(S, a[a5]);
            c50 = b0.fma(av, c50); c51 = b1.fma(av, c51);
            a0 += aK; a1 += aK; a2 += aK; a3 += aK; a4 += aK; a5 += aK; bo += bs;
        }
        if (rows == 6 && cols == 2 * L) {
            if (load) {
                c00 = c00.add(FloatVector.fromArray(S, c, co));
                c01 = c01.add(FloatVector.fromArray(S, c, co + L));
                c10 = c10.add(FloatVector.fromArray(S, c, co + ldc));
                c11 = c11.add(FloatVector.fromArray(S, c, co + ldc + L));
                c20 = c20.add(FloatVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(FloatVector.fromArray(S, c, co + 2 * ldc + L));
                c30 = c30.add(FloatVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(FloatVector.fromArray(S, c, co + 3 * ldc + L));
                c40 = c40.add(FloatVector.fromArray(S, c, co + 4 * ldc));
                c41 = c41.add(FloatVector.fromArray(S, c, co + 4 * ldc + L));
                c50 = c50.add(FloatVector.fromArray(S, c, co + 5 * ldc));
                c51 = c51.add(FloatVector.fromArray(S, c, co + 5 * ldc + L));
            }
            c00.intoArray(c, co);
            c01.intoArray(c, co + L);
            c10.intoArray(c, co + ldc);
            c11.intoArray(c, co + ldc + L);
            c20.intoArray(c, co + 2 * ldc);
            c21.intoArray(c, co + 2 * ldc + L);
            c30.intoArray(c, co + 3 * ldc);
            c31.intoArray(c, co + 3 * ldc + L);
            c40.intoArray(c, co + 4 * ldc);
            c41.intoArray(c, co + 4 * ldc + L);
            c50.intoArray(c, co + 5 * ldc);
            c51.intoArray(c, co + 5 * ldc + L);
        } else {
            c00.intoArray(tile, 0);
            c01.intoArray(tile, L);
            c10.intoArray(tile, 2 * L);
            c11.intoArray(tile, 3 * L);
            c20.intoArray(tile, 4 * L);
            c21.intoArray(tile, 5 * L);
            c30.intoArray(tile, 6 * L);
            c31.intoArray(tile, 7 * L);
            c40.intoArray(tile, 8 * L);
            c41.intoArray(tile, 9 * L);
            c50.intoArray(tile, 10 * L);
            c51.intoArray(tile, 11 * L);
            flush(tile, 2 * L, c, co, ldc, rows, cols, load);
        }
    }

    /** 6 rows × 1 vector. */
    private static void k6x1(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs,
                             float[] c, int co, int ldc, int rows, int cols, boolean load, float[] tile) {
        int a0 = ar;
        int a1 = rows > 1 ? ar + aM : ar;
        int a2 = rows > 2 ? ar + 2 * aM : ar;
        int a3 = rows > 3 ? ar + 3 * aM : ar;
        int a4 = rows > 4 ? ar + 4 * aM : ar;
        int a5 = rows > 5 ? ar + 5 * aM : ar;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        for (int p = 0; p < kb; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector av = FloatVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00);
            av = FloatVector.broadcast(S, a[a1]);
            c10 = b0.fma(av, c10);
            av = FloatVector.broadcast(S, a[a2]);
            c20 = b0.fma(av, c20);
            av = FloatVector.broadcast(S, a[a3]);
            c30 = b0.fma(av, c30);
            av = FloatVector.broadcast(S, a[a4]);
            c40 = b0.fma(av, c40);
            av = FloatVector.broadcast(S, a[a5]);
            c50 = b0.fma(av, c50);
            a0 += aK; a1 += aK; a2 += aK; a3 += aK; a4 += aK; a5 += aK; bo += bs;
        }
        if (rows == 6 && cols == L) {
            if (load) {
                c00 = c00.add(FloatVector.fromArray(S, c, co));
                c10 = c10.add(FloatVector.fromArray(S, c, co + ldc));
                c20 = c20.add(FloatVector.fromArray(S, c, co + 2 * ldc));
                c30 = c30.add(FloatVector.fromArray(S, c, co + 3 * ldc));
                c40 = c40.add(FloatVector.fromArray(S, c, co + 4 * ldc));
                c50 = c50.add(FloatVector.fromArray(S, c, co + 5 * ldc));
            }
            c00.intoArray(c, co);
            c10.intoArray(c, co + ldc);
            c20.intoArray(c, co + 2 * ldc);
            c30.intoArray(c, co + 3 * ldc);
            c40.intoArray(c, co + 4 * ldc);
            c50.intoArray(c, co + 5 * ldc);
        } else {
            c00.intoArray(tile, 0);
            c10.intoArray(tile, L);
            c20.intoArray(tile, 2 * L);
            c30.intoArray(tile, 3 * L);
            c40.intoArray(tile, 4 * L);
            c50.intoArray(tile, 5 * L);
            flush(tile, L, c, co, ldc, rows, cols, load);
        }
    }

    /** 4 rows × 4 vectors. */
    private static void k4x4(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs,
                             float[] c, int co, int ldc, int rows, int cols, boolean load, float[] tile) {
        int a0 = ar;
        int a1 = rows > 1 ? ar + aM : ar;
        int a2 = rows > 2 ? ar + 2 * aM : ar;
        int a3 = rows > 3 ? ar + 3 * aM : ar;
        FloatVector c00 = FloatVector.zero(S); FloatVector c01 = FloatVector.zero(S); FloatVector c02 = FloatVector.zero(S); FloatVector c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S); FloatVector c11 = FloatVector.zero(S); FloatVector c12 = FloatVector.zero(S); FloatVector c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S); FloatVector c21 = FloatVector.zero(S); FloatVector c22 = FloatVector.zero(S); FloatVector c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S); FloatVector c31 = FloatVector.zero(S); FloatVector c32 = FloatVector.zero(S); FloatVector c33 = FloatVector.zero(S);
        for (int p = 0; p < kb; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bo + 3 * L);
            FloatVector av = FloatVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01); c02 = b2.fma(av, c02); c03 = b3.fma(av, c03);
            av = FloatVector.broadcast(S, a[a1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11); c12 = b2.fma(av, c12); c13 = b3.fma(av, c13);
            av = FloatVector.broadcast(S, a[a2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21); c22 = b2.fma(av, c22); c23 = b3.fma(av, c23);
            av = FloatVector.broadcast(S, a[a3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31); c32 = b2.fma(av, c32); c33 = b3.fma(av, c33);
            a0 += aK; a1 += aK; a2 += aK; a3 += aK; bo += bs;
        }
        if (rows == 4 && cols == 4 * L) {
            if (load) {
                c00 = c00.add(FloatVector.fromArray(S, c, co));
                c01 = c01.add(FloatVector.fromArray(S, c, co + L));
                c02 = c02.add(FloatVector.fromArray(S, c, co + 2 * L));
                c03 = c03.add(FloatVector.fromArray(S, c, co + 3 * L));
                c10 = c10.add(FloatVector.fromArray(S, c, co + ldc));
                c11 = c11.add(FloatVector.fromArray(S, c, co + ldc + L));
                c12 = c12.add(FloatVector.fromArray(S, c, co + ldc + 2 * L));
                c13 = c13.add(FloatVector.fromArray(S, c, co + ldc + 3 * L));
                c20 = c20.add(FloatVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(FloatVector.fromArray(S, c, co + 2 * ldc + L));
                c22 = c22.add(FloatVector.fromArray(S, c, co + 2 * ldc + 2 * L));
                c23 = c23.add(FloatVector.fromArray(S, c, co + 2 * ldc + 3 * L));
                c30 = c30.add(FloatVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(FloatVector.fromArray(S, c, co + 3 * ldc + L));
                c32 = c32.add(FloatVector.fromArray(S, c, co + 3 * ldc + 2 * L));
                c33 = c33.add(FloatVector.fromArray(S, c, co + 3 * ldc + 3 * L));
            }
            c00.intoArray(c, co);
            c01.intoArray(c, co + L);
            c02.intoArray(c, co + 2 * L);
            c03.intoArray(c, co + 3 * L);
            c10.intoArray(c, co + ldc);
            c11.intoArray(c, co + ldc + L);
            c12.intoArray(c, co + ldc + 2 * L);
            c13.intoArray(c, co + ldc + 3 * L);
            c20.intoArray(c, co + 2 * ldc);
            c21.intoArray(c, co + 2 * ldc + L);
            c22.intoArray(c, co + 2 * ldc + 2 * L);
            c23.intoArray(c, co + 2 * ldc + 3 * L);
            c30.intoArray(c, co + 3 * ldc);
            c31.intoArray(c, co + 3 * ldc + L);
            c32.intoArray(c, co + 3 * ldc + 2 * L);
            c33.intoArray(c, co + 3 * ldc + 3 * L);
        } else {
            c00.intoArray(tile, 0);
            c01.intoArray(tile, L);
            c02.intoArray(tile, 2 * L);
            c03.intoArray(tile, 3 * L);
            c10.intoArray(tile, 4 * L);
            c11.intoArray(tile, 5 * L);
            c12.intoArray(tile, 6 * L);
            c13.intoArray(tile, 7 * L);
            c20.intoArray(tile, 8 * L);
            c21.intoArray(tile, 9 * L);
            c22.intoArray(tile, 10 * L);
            c23.intoArray(tile, 11 * L);
            c30.intoArray(tile, 12 * L);
            c31.intoArray(tile, 13 * L);
            c32.intoArray(tile, 14 * L);
            c33.intoArray(tile, 15 * L);
            flush(tile, 4 * L, c, co, ldc, rows, cols, load);
        }
    }

    /** 4 rows × 2 vectors. */
    private static void k4x2(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs,
                             float[] c, int co, int ldc, int rows, int cols, boolean load, float[] tile) {
        int a0 = ar;
        int a1 = rows > 1 ? ar + aM : ar;
        int a2 = rows > 2 ? ar + 2 * aM : ar;
        int a3 = rows > 3 ? ar + 3 * aM : ar;
        FloatVector c00 = FloatVector.zero(S); FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S); FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S); FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S); FloatVector c31 = FloatVector.zero(S);
        for (int p = 0; p < kb; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector av = FloatVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, a[a1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11);
            av = FloatVector.broadcast(S, a[a2]);
            c20 = b0.fma(av, c20); c21 = b1.fma(av, c21);
            av = FloatVector.broadcast(S, a[a3]);
            c30 = b0.fma(av, c30); c31 = b1.fma(av, c31);
            a0 += aK; a1 += aK; a2 += aK; a3 += aK; bo += bs;
        }
        if (rows == 4 && cols == 2 * L) {
            if (load) {
                c00 = c00.add(FloatVector.fromArray(S, c, co));
                c01 = c01.add(FloatVector.fromArray(S, c, co + L));
                c10 = c10.add(FloatVector.fromArray(S, c, co + ldc));
                c11 = c11.add(FloatVector.fromArray(S, c, co + ldc + L));
                c20 = c20.add(FloatVector.fromArray(S, c, co + 2 * ldc));
                c21 = c21.add(FloatVector.fromArray(S, c, co + 2 * ldc + L));
                c30 = c30.add(FloatVector.fromArray(S, c, co + 3 * ldc));
                c31 = c31.add(FloatVector.fromArray(S, c, co + 3 * ldc + L));
            }
            c00.intoArray(c, co);
            c01.intoArray(c, co + L);
            c10.intoArray(c, co + ldc);
            c11.intoArray(c, co + ldc + L);
            c20.intoArray(c, co + 2 * ldc);
            c21.intoArray(c, co + 2 * ldc + L);
            c30.intoArray(c, co + 3 * ldc);
            c31.intoArray(c, co + 3 * ldc + L);
        } else {
            c00.intoArray(tile, 0);
            c01.intoArray(tile, L);
            c10.intoArray(tile, 2 * L);
            c11.intoArray(tile, 3 * L);
            c20.intoArray(tile, 4 * L);
            c21.intoArray(tile, 5 * L);
            c30.intoArray(tile, 6 * L);
            c31.intoArray(tile, 7 * L);
            flush(tile, 2 * L, c, co, ldc, rows, cols, load);
        }
    }

    /** 4 rows × 1 vector. */
    private static void k4x1(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs,
                             float[] c, int co, int ldc, int rows, int cols, boolean load, float[] tile) {
        int a0 = ar;
        int a1 = rows > 1 ? ar + aM : ar;
        int a2 = rows > 2 ? ar + 2 * aM : ar;
        int a3 = rows > 3 ? ar + 3 * aM : ar;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        for (int p = 0; p < kb; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector av = FloatVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00);
            av = FloatVector.broadcast(S, a[a1]);
            c10 = b0.fma(av, c10);
            av = FloatVector.broadcast(S, a[a2]);
            c20 = b0.fma(av, c20);
            av = FloatVector.broadcast(S, a[a3]);
            c30 = b0.fma(av, c30);
            a0 += aK; a1 += aK; a2 += aK; a3 += aK; bo += bs;
        }
        if (rows == 4 && cols == L) {
            if (load) {
                c00 = c00.add(FloatVector.fromArray(S, c, co));
                c10 = c10.add(FloatVector.fromArray(S, c, co + ldc));
                c20 = c20.add(FloatVector.fromArray(S, c, co + 2 * ldc));
                c30 = c30.add(FloatVector.fromArray(S, c, co + 3 * ldc));
            }
            c00.intoArray(c, co);
            c10.intoArray(c, co + ldc);
            c20.intoArray(c, co + 2 * ldc);
            c30.intoArray(c, co + 3 * ldc);
        } else {
            c00.intoArray(tile, 0);
            c10.intoArray(tile, L);
            c20.intoArray(tile, 2 * L);
            c30.intoArray(tile, 3 * L);
            flush(tile, L, c, co, ldc, rows, cols, load);
        }
    }

    /** 2 rows × 4 vectors. */
    private static void k2x4(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs,
                             float[] c, int co, int ldc, int rows, int cols, boolean load, float[] tile) {
        int a0 = ar;
        int a1 = rows > 1 ? ar + aM : ar;
        FloatVector c00 = FloatVector.zero(S); FloatVector c01 = FloatVector.zero(S); FloatVector c02 = FloatVector.zero(S); FloatVector c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S); FloatVector c11 = FloatVector.zero(S); FloatVector c12 = FloatVector.zero(S); FloatVector c13 = FloatVector.zero(S);
        for (int p = 0; p < kb; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bo + 3 * L);
            FloatVector av = FloatVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01); c02 = b2.fma(av, c02); c03 = b3.fma(av, c03);
            av = FloatVector.broadcast(S, a[a1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11); c12 = b2.fma(av, c12); c13 = b3.fma(av, c13);
            a0 += aK; a1 += aK; bo += bs;
        }
        if (rows == 2 && cols == 4 * L) {
            if (load) {
                c00 = c00.add(FloatVector.fromArray(S, c, co));
                c01 = c01.add(FloatVector.fromArray(S, c, co + L));
                c02 = c02.add(FloatVector.fromArray(S, c, co + 2 * L));
                c03 = c03.add(FloatVector.fromArray(S, c, co + 3 * L));
                c10 = c10.add(FloatVector.fromArray(S, c, co + ldc));
                c11 = c11.add(FloatVector.fromArray(S, c, co + ldc + L));
                c12 = c12.add(FloatVector.fromArray(S, c, co + ldc + 2 * L));
                c13 = c13.add(FloatVector.fromArray(S, c, co + ldc + 3 * L));
            }
            c00.intoArray(c, co);
            c01.intoArray(c, co + L);
            c02.intoArray(c, co + 2 * L);
            c03.intoArray(c, co + 3 * L);
            c10.intoArray(c, co + ldc);
            c11.intoArray(c, co + ldc + L);
            c12.intoArray(c, co + ldc + 2 * L);
            c13.intoArray(c, co + ldc + 3 * L);
        } else {
            c00.intoArray(tile, 0);
            c01.intoArray(tile, L);
            c02.intoArray(tile, 2 * L);
            c03.intoArray(tile, 3 * L);
            c10.intoArray(tile, 4 * L);
            c11.intoArray(tile, 5 * L);
            c12.intoArray(tile, 6 * L);
            c13.intoArray(tile, 7 * L);
            flush(tile, 4 * L, c, co, ldc, rows, cols, load);
        }
    }

    /** 2 rows × 2 vectors. */
    private static void k2x2(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs,
                             float[] c, int co, int ldc, int rows, int cols, boolean load, float[] tile) {
        int a0 = ar;
        int a1 = rows > 1 ? ar + aM : ar;
        FloatVector c00 = FloatVector.zero(S); FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S); FloatVector c11 = FloatVector.zero(S);
        for (int p = 0; p < kb; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector av = FloatVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01);
            av = FloatVector.broadcast(S, a[a1]);
            c10 = b0.fma(av, c10); c11 = b1.fma(av, c11);
            a0 += aK; a1 += aK; bo += bs;
        }
        if (rows == 2 && cols == 2 * L) {
            if (load) {
                c00 = c00.add(FloatVector.fromArray(S, c, co));
                c01 = c01.add(FloatVector.fromArray(S, c, co + L));
                c10 = c10.add(FloatVector.fromArray(S, c, co + ldc));
                c11 = c11.add(FloatVector.fromArray(S, c, co + ldc + L));
            }
            c00.intoArray(c, co);
            c01.intoArray(c, co + L);
            c10.intoArray(c, co + ldc);
            c11.intoArray(c, co + ldc + L);
        } else {
            c00.intoArray(tile, 0);
            c01.intoArray(tile, L);
            c10.intoArray(tile, 2 * L);
            c11.intoArray(tile, 3 * L);
            flush(tile, 2 * L, c, co, ldc, rows, cols, load);
        }
    }

    /** 2 rows × 1 vector. */
    private static void k2x1(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs,
                             float[] c, int co, int ldc, int rows, int cols, boolean load, float[] tile) {
        int a0 = ar;
        int a1 = rows > 1 ? ar + aM : ar;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        for (int p = 0; p < kb; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector av = FloatVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00);
            av = FloatVector.broadcast(S, a[a1]);
            c10 = b0.fma(av, c10);
            a0 += aK; a1 += aK; bo += bs;
        }
        if (rows == 2 && cols == L) {
            if (load) {
                c00 = c00.add(FloatVector.fromArray(S, c, co));
                c10 = c10.add(FloatVector.fromArray(S, c, co + ldc));
            }
            c00.intoArray(c, co);
            c10.intoArray(c, co + ldc);
        } else {
            c00.intoArray(tile, 0);
            c10.intoArray(tile, L);
            flush(tile, L, c, co, ldc, rows, cols, load);
        }
    }

    /** 1 row × 4 vectors. */
    private static void k1x4(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs,
                             float[] c, int co, int ldc, int rows, int cols, boolean load, float[] tile) {
        int a0 = ar;
        FloatVector c00 = FloatVector.zero(S); FloatVector c01 = FloatVector.zero(S); FloatVector c02 = FloatVector.zero(S); FloatVector c03 = FloatVector.zero(S);
        for (int p = 0; p < kb; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bo + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bo + 3 * L);
            FloatVector av = FloatVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01); c02 = b2.fma(av, c02); c03 = b3.fma(av, c03);
            a0 += aK; bo += bs;
        }
        if (rows == 1 && cols == 4 * L) {
            if (load) {
                c00 = c00.add(FloatVector.fromArray(S, c, co));
                c01 = c01.add(FloatVector.fromArray(S, c, co + L));
                c02 = c02.add(FloatVector.fromArray(S, c, co + 2 * L));
                c03 = c03.add(FloatVector.fromArray(S, c, co + 3 * L));
            }
            c00.intoArray(c, co);
            c01.intoArray(c, co + L);
            c02.intoArray(c, co + 2 * L);
            c03.intoArray(c, co + 3 * L);
        } else {
            c00.intoArray(tile, 0);
            c01.intoArray(tile, L);
            c02.intoArray(tile, 2 * L);
            c03.intoArray(tile, 3 * L);
            flush(tile, 4 * L, c, co, ldc, rows, cols, load);
        }
    }

    /** 1 row × 2 vectors. */
    private static void k1x2(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs,
                             float[] c, int co, int ldc, int rows, int cols, boolean load, float[] tile) {
        int a0 = ar;
        FloatVector c00 = FloatVector.zero(S); FloatVector c01 = FloatVector.zero(S);
        for (int p = 0; p < kb; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector av = FloatVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01);
            a0 += aK; bo += bs;
        }
        if (rows == 1 && cols == 2 * L) {
            if (load) {
                c00 = c00.add(FloatVector.fromArray(S, c, co));
                c01 = c01.add(FloatVector.fromArray(S, c, co + L));
            }
            c00.intoArray(c, co);
            c01.intoArray(c, co + L);
        } else {
            c00.intoArray(tile, 0);
            c01.intoArray(tile, L);
            flush(tile, 2 * L, c, co, ldc, rows, cols, load);
        }
    }

    /** 1 row × 1 vector. */
    private static void k1x1(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs,
                             float[] c, int co, int ldc, int rows, int cols, boolean load, float[] tile) {
        int a0 = ar;
        FloatVector c00 = FloatVector.zero(S);
        for (int p = 0; p < kb; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector av = FloatVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00);
            a0 += aK; bo += bs;
        }
        if (rows == 1 && cols == L) {
            if (load) {
                c00 = c00.add(FloatVector.fromArray(S, c, co));
            }
            c00.intoArray(c, co);
        } else {
            c00.intoArray(tile, 0);
            flush(tile, L, c, co, ldc, rows, cols, load);
        }
    }

    /**
     * Transposing pack for 16 lanes: see {@link #packTransposed}. Each 16×16 block is loaded as 16 rows of the stored
     * B (contiguous along K), transposed in registers with 4 rounds of two-vector shuffles, and stored as 16
     * panel rows.
     */
    private static void packT16(float[] b, int base, int ldb, int kb, int wq, int width, float[] dst, int d0) {
        FloatVector lo8 = FloatVector.fromArray(S, TRANSPOSE_INDEX, 0 * L);
        FloatVector hi8 = FloatVector.fromArray(S, TRANSPOSE_INDEX, 1 * L);
        FloatVector lo4 = FloatVector.fromArray(S, TRANSPOSE_INDEX, 2 * L);
        FloatVector hi4 = FloatVector.fromArray(S, TRANSPOSE_INDEX, 3 * L);
        FloatVector lo2 = FloatVector.fromArray(S, TRANSPOSE_INDEX, 4 * L);
        FloatVector hi2 = FloatVector.fromArray(S, TRANSPOSE_INDEX, 5 * L);
        FloatVector lo1 = FloatVector.fromArray(S, TRANSPOSE_INDEX, 6 * L);
        FloatVector hi1 = FloatVector.fromArray(S, TRANSPOSE_INDEX, 7 * L);
        for (int jv = 0; jv < width; jv += L) {
            int cols = wq - jv;
            if (cols <= 0) {
                for (int p = 0; p < kb; p++) {
                    FloatVector.zero(S).intoArray(dst, d0 + p * width + jv);
                }
                continue;
            }
            for (int p0 = 0; p0 < kb; p0 += L) {
                int ps = Math.min(L, kb - p0);
                VectorMask<Float> m = S.indexInRange(0, ps);
                int src = base + jv * ldb + p0;
                FloatVector x0 = FloatVector.fromArray(S, b, src, m);
                FloatVector x1 = cols > 1 ? FloatVector.fromArray(S, b, src + 1 * ldb, m) : FloatVector.zero(S);
                FloatVector x2 = cols > 2 ? FloatVector.fromArray(S, b, src + 2 * ldb, m) : FloatVector.zero(S);
                FloatVector x3 = cols > 3 ? FloatVector.fromArray(S, b, src + 3 * ldb, m) : FloatVector.zero(S);
                FloatVector x4 = cols > 4 ? FloatVector.fromArray(S, b, src + 4 * ldb, m) : FloatVector.zero(S);
                FloatVector x5 = cols > 5 ? FloatVector.fromArray(S, b, src + 5 * ldb, m) : FloatVector.zero(S);
                FloatVector x6 = cols > 6 ? FloatVector.fromArray(S, b, src + 6 * ldb, m) : FloatVector.zero(S);
                FloatVector x7 = cols > 7 ? FloatVector.fromArray(S, b, src + 7 * ldb, m) : FloatVector.zero(S);
                FloatVector x8 = cols > 8 ? FloatVector.fromArray(S, b, src + 8 * ldb, m) : FloatVector.zero(S);
                FloatVector x9 = cols > 9 ? FloatVector.fromArray(S, b, src + 9 * ldb, m) : FloatVector.zero(S);
                FloatVector x10 = cols > 10 ? FloatVector.fromArray(S, b, src + 10 * ldb, m) : FloatVector.zero(S);
                FloatVector x11 = cols > 11 ? FloatVector.fromArray(S, b, src + 11 * ldb, m) : FloatVector.zero(S);
                FloatVector x12 = cols > 12 ? FloatVector.fromArray(S, b, src + 12 * ldb, m) : FloatVector.zero(S);
                FloatVector x13 = cols > 13 ? FloatVector.fromArray(S, b, src + 13 * ldb, m) : FloatVector.zero(S);
                FloatVector x14 = cols > 14 ? FloatVector.fromArray(S, b, src + 14 * ldb, m) : FloatVector.zero(S);
                FloatVector x15 = cols > 15 ? FloatVector.fromArray(S, b, src + 15 * ldb, m) : FloatVector.zero(S);
                FloatVector t;
                t = lo8.selectFrom(x0, x8); x8 = hi8.selectFrom(x0, x8); x0 = t;
                t = lo8.selectFrom(x1, x9); x9 = hi8.selectFrom(x1, x9); x1 = t;
                t = lo8.selectFrom(x2, x10); x10 = hi8.selectFrom(x2, x10); x2 = t;
                t = lo8.selectFrom(x3, x11); x11 = hi8.selectFrom(x3, x11); x3 = t;
                t = lo8.selectFrom(x4, x12); x12 = hi8.selectFrom(x4, x12); x4 = t;
                t = lo8.selectFrom(x5, x13); x13 = hi8.selectFrom(x5, x13); x5 = t;
                t = lo8.selectFrom(x6, x14); x14 = hi8.selectFrom(x6, x14); x6 = t;
                t = lo8.selectFrom(x7, x15); x15 = hi8.selectFrom(x7, x15); x7 = t;
                t = lo4.selectFrom(x0, x4); x4 = hi4.selectFrom(x0, x4); x0 = t;
                t = lo4.selectFrom(x1, x5); x5 = hi4.selectFrom(x1, x5); x1 = t;
                t = lo4.selectFrom(x2, x6); x6 = hi4.selectFrom(x2, x6); x2 = t;
                t = lo4.selectFrom(x3, x7); x7 = hi4.selectFrom(x3, x7); x3 = t;
                t = lo4.selectFrom(x8, x12); x12 = hi4.selectFrom(x8, x12); x8 = t;
                t = lo4.selectFrom(x9, x13); x13 = hi4.selectFrom(x9, x13); x9 = t;
                t = lo4.selectFrom(x10, x14); x14 = hi4.selectFrom(x10, x14); x10 = t;
                t = lo4.selectFrom(x11, x15); x15 = hi4.selectFrom(x11, x15); x11 = t;
                t = lo2.selectFrom(x0, x2); x2 = hi2.selectFrom(x0, x2); x0 = t;
                t = lo2.selectFrom(x1, x3); x3 = hi2.selectFrom(x1, x3); x1 = t;
                t = lo2.selectFrom(x4, x6); x6 = hi2.selectFrom(x4, x6); x4 = t;
                t = lo2.selectFrom(x5, x7); x7 = hi2.selectFrom(x5, x7); x5 = t;
                t = lo2.selectFrom(x8, x10); x10 = hi2.selectFrom(x8, x10); x8 = t;
                t = lo2.selectFrom(x9, x11); x11 = hi2.selectFrom(x9, x11); x9 = t;
                t = lo2.selectFrom(x12, x14); x14 = hi2.selectFrom(x12, x14); x12 = t;
                t = lo2.selectFrom(x13, x15); x15 = hi2.selectFrom(x13, x15); x13 = t;
                t = lo1.selectFrom(x0, x1); x1 = hi1.selectFrom(x0, x1); x0 = t;
                t = lo1.selectFrom(x2, x3); x3 = hi1.selectFrom(x2, x3); x2 = t;
                t = lo1.selectFrom(x4, x5); x5 = hi1.selectFrom(x4, x5); x4 = t;
                t = lo1.selectFrom(x6, x7); x7 = hi1.selectFrom(x6, x7); x6 = t;
                t = lo1.selectFrom(x8, x9); x9 = hi1.selectFrom(x8, x9); x8 = t;
                t = lo1.selectFrom(x10, x11); x11 = hi1.selectFrom(x10, x11); x10 = t;
                t = lo1.selectFrom(x12, x13); x13 = hi1.selectFrom(x12, x13); x12 = t;
                t = lo1.selectFrom(x14, x15); x15 = hi1.selectFrom(x14, x15); x14 = t;
                int o = d0 + p0 * width + jv;
                if (ps == L) {
                    x0.intoArray(dst, o);
                    x1.intoArray(dst, o + width);
                    x2.intoArray(dst, o + 2 * width);
                    x3.intoArray(dst, o + 3 * width);
                    x4.intoArray(dst, o + 4 * width);
                    x5.intoArray(dst, o + 5 * width);
                    x6.intoArray(dst, o + 6 * width);
                    x7.intoArray(dst, o + 7 * width);
                    x8.intoArray(dst, o + 8 * width);
                    x9.intoArray(dst, o + 9 * width);
                    x10.intoArray(dst, o + 10 * width);
                    x11.intoArray(dst, o + 11 * width);
                    x12.intoArray(dst, o + 12 * width);
                    x13.intoArray(dst, o + 13 * width);
                    x14.intoArray(dst, o + 14 * width);
                    x15.intoArray(dst, o + 15 * width);
                } else {
                    x0.intoArray(dst, o);
                    if (ps > 1) {
                        x1.intoArray(dst, o + width);
                    }
                    if (ps > 2) {
                        x2.intoArray(dst, o + 2 * width);
                    }
                    if (ps > 3) {
                        x3.intoArray(dst, o + 3 * width);
                    }
                    if (ps > 4) {
                        x4.intoArray(dst, o + 4 * width);
                    }
                    if (ps > 5) {
                        x5.intoArray(dst, o + 5 * width);
                    }
                    if (ps > 6) {
                        x6.intoArray(dst, o + 6 * width);
                    }
                    if (ps > 7) {
                        x7.intoArray(dst, o + 7 * width);
                    }
                    if (ps > 8) {
                        x8.intoArray(dst, o + 8 * width);
                    }
                    if (ps > 9) {
                        x9.intoArray(dst, o + 9 * width);
                    }
                    if (ps > 10) {
                        x10.intoArray(dst, o + 10 * width);
                    }
                    if (ps > 11) {
                        x11.intoArray(dst, o + 11 * width);
                    }
                    if (ps > 12) {
                        x12.intoArray(dst, o + 12 * width);
                    }
                    if (ps > 13) {
                        x13.intoArray(dst, o + 13 * width);
                    }
                    if (ps > 14) {
                        x14.intoArray(dst, o + 14 * width);
                    }
                    if (ps > 15) {
                        x15.intoArray(dst, o + 15 * width);
                    }
                }
            }
        }
    }

    /**
     * Transposing pack for 8 lanes: see {@link #packTransposed}. Each 8×8 block is loaded as 8 rows of the stored
     * B (contiguous along K), transposed in registers with 3 rounds of two-vector shuffles, and stored as 8
     * panel rows.
     */
    private static void packT8(float[] b, int base, int ldb, int kb, int wq, int width, float[] dst, int d0) {
        FloatVector lo4 = FloatVector.fromArray(S, TRANSPOSE_INDEX, 0 * L);
        FloatVector hi4 = FloatVector.fromArray(S, TRANSPOSE_INDEX, 1 * L);
        FloatVector lo2 = FloatVector.fromArray(S, TRANSPOSE_INDEX, 2 * L);
        FloatVector hi2 = FloatVector.fromArray(S, TRANSPOSE_INDEX, 3 * L);
        FloatVector lo1 = FloatVector.fromArray(S, TRANSPOSE_INDEX, 4 * L);
        FloatVector hi1 = FloatVector.fromArray(S, TRANSPOSE_INDEX, 5 * L);
        for (int jv = 0; jv < width; jv += L) {
            int cols = wq - jv;
            if (cols <= 0) {
                for (int p = 0; p < kb; p++) {
                    FloatVector.zero(S).intoArray(dst, d0 + p * width + jv);
                }
                continue;
            }
            for (int p0 = 0; p0 < kb; p0 += L) {
                int ps = Math.min(L, kb - p0);
                VectorMask<Float> m = S.indexInRange(0, ps);
                int src = base + jv * ldb + p0;
                FloatVector x0 = FloatVector.fromArray(S, b, src, m);
                FloatVector x1 = cols > 1 ? FloatVector.fromArray(S, b, src + 1 * ldb, m) : FloatVector.zero(S);
                FloatVector x2 = cols > 2 ? FloatVector.fromArray(S, b, src + 2 * ldb, m) : FloatVector.zero(S);
                FloatVector x3 = cols > 3 ? FloatVector.fromArray(S, b, src + 3 * ldb, m) : FloatVector.zero(S);
                FloatVector x4 = cols > 4 ? FloatVector.fromArray(S, b, src + 4 * ldb, m) : FloatVector.zero(S);
                FloatVector x5 = cols > 5 ? FloatVector.fromArray(S, b, src + 5 * ldb, m) : FloatVector.zero(S);
                FloatVector x6 = cols > 6 ? FloatVector.fromArray(S, b, src + 6 * ldb, m) : FloatVector.zero(S);
                FloatVector x7 = cols > 7 ? FloatVector.fromArray(S, b, src + 7 * ldb, m) : FloatVector.zero(S);
                FloatVector t;
                t = lo4.selectFrom(x0, x4); x4 = hi4.selectFrom(x0, x4); x0 = t;
                t = lo4.selectFrom(x1, x5); x5 = hi4.selectFrom(x1, x5); x1 = t;
                t = lo4.selectFrom(x2, x6); x6 = hi4.selectFrom(x2, x6); x2 = t;
                t = lo4.selectFrom(x3, x7); x7 = hi4.selectFrom(x3, x7); x3 = t;
                t = lo2.selectFrom(x0, x2); x2 = hi2.selectFrom(x0, x2); x0 = t;
                t = lo2.selectFrom(x1, x3); x3 = hi2.selectFrom(x1, x3); x1 = t;
                t = lo2.selectFrom(x4, x6); x6 = hi2.selectFrom(x4, x6); x4 = t;
                t = lo2.selectFrom(x5, x7); x7 = hi2.selectFrom(x5, x7); x5 = t;
                t = lo1.selectFrom(x0, x1); x1 = hi1.selectFrom(x0, x1); x0 = t;
                t = lo1.selectFrom(x2, x3); x3 = hi1.selectFrom(x2, x3); x2 = t;
                t = lo1.selectFrom(x4, x5); x5 = hi1.selectFrom(x4, x5); x4 = t;
                t = lo1.selectFrom(x6, x7); x7 = hi1.selectFrom(x6, x7); x6 = t;
                int o = d0 + p0 * width + jv;
                if (ps == L) {
                    x0.intoArray(dst, o);
                    x1.intoArray(dst, o + width);
                    x2.intoArray(dst, o + 2 * width);
                    x3.intoArray(dst, o + 3 * width);
                    x4.intoArray(dst, o + 4 * width);
                    x5.intoArray(dst, o + 5 * width);
                    x6.intoArray(dst, o + 6 * width);
                    x7.intoArray(dst, o + 7 * width);
                } else {
                    x0.intoArray(dst, o);
                    if (ps > 1) {
                        x1.intoArray(dst, o + width);
                    }
                    if (ps > 2) {
                        x2.intoArray(dst, o + 2 * width);
                    }
                    if (ps > 3) {
                        x3.intoArray(dst, o + 3 * width);
                    }
                    if (ps > 4) {
                        x4.intoArray(dst, o + 4 * width);
                    }
                    if (ps > 5) {
                        x5.intoArray(dst, o + 5 * width);
                    }
                    if (ps > 6) {
                        x6.intoArray(dst, o + 6 * width);
                    }
                    if (ps > 7) {
                        x7.intoArray(dst, o + 7 * width);
                    }
                }
            }
        }
    }

    /** Runs the R-row × V-vector kernel (R in {1, 2, 4, 6}, V in {1, 2, 4}). */
    private static void kernel(int r, int v, int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs,
                               float[] c, int co, int ldc, int rows, int cols, boolean load, float[] tile) {
        switch (r * 8 + v) {
            case 52 -> k6x4(kb, a, ar, aM, aK, b, bo, bs, c, co, ldc, rows, cols, load, tile);
            case 50 -> k6x2(kb, a, ar, aM, aK, b, bo, bs, c, co, ldc, rows, cols, load, tile);
            case 49 -> k6x1(kb, a, ar, aM, aK, b, bo, bs, c, co, ldc, rows, cols, load, tile);
            case 36 -> k4x4(kb, a, ar, aM, aK, b, bo, bs, c, co, ldc, rows, cols, load, tile);
            case 34 -> k4x2(kb, a, ar, aM, aK, b, bo, bs, c, co, ldc, rows, cols, load, tile);
            case 33 -> k4x1(kb, a, ar, aM, aK, b, bo, bs, c, co, ldc, rows, cols, load, tile);
            case 20 -> k2x4(kb, a, ar, aM, aK, b, bo, bs, c, co, ldc, rows, cols, load, tile);
            case 18 -> k2x2(kb, a, ar, aM, aK, b, bo, bs, c, co, ldc, rows, cols, load, tile);
            case 17 -> k2x1(kb, a, ar, aM, aK, b, bo, bs, c, co, ldc, rows, cols, load, tile);
            case 12 -> k1x4(kb, a, ar, aM, aK, b, bo, bs, c, co, ldc, rows, cols, load, tile);
            case 10 -> k1x2(kb, a, ar, aM, aK, b, bo, bs, c, co, ldc, rows, cols, load, tile);
            case 9 -> k1x1(kb, a, ar, aM, aK, b, bo, bs, c, co, ldc, rows, cols, load, tile);
            default -> throw new IllegalStateException("no " + r + "x" + v + " kernel");
        }
    }

    /** Per-thread panel block and edge-tile buffer. */
    private static final class Buffers {
        final float[] tile = new float[MR * NR];
        float[] panel = new float[0];

        float[] panel(int size) {
            if (panel.length < size) {
                panel = new float[size];
            }
            return panel;
        }
    }
}
