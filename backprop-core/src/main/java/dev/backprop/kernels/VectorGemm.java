package dev.backprop.kernels;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM with the JDK Vector API ({@code jdk.incubator.vector}): float32 through register-blocked micro-kernels
 * over packed or in-place panels of B, float64 through {@link BlockedGemm}.
 *
 * <h2>Structure</h2>
 * The vectors are {@link FloatVector#SPECIES_PREFERRED}: L floats, 16 with AVX-512, 8 with AVX2, 4 with NEON.
 * <ul>
 *   <li><b>Micro-kernel</b>: an R×V tile of C — R rows (6; 4, 2 or 1 at the bottom edge) by V vectors (4; 2 or
 *       1 at a narrow right edge) — is summed in R·V accumulator vectors, plain locals, over one K block. Each K
 *       step loads V vectors from a row of op(B) and, for each of the R rows, broadcasts one element of op(A)
 *       and updates V accumulators as {@code b.fma(a, acc)}. The 6×4 kernel uses 24 + 4 + 1 = 29 of AVX-512's
 *       32 vector registers, so C2 keeps everything in registers (checked in the generated code: no spills);
 *       where there are only 16 (x86 without AVX-512) panels are 2 vectors wide (6×2 tiles). The kernels are
 *       unrolled by hand, one method per tile shape. A finished tile goes through a small buffer into C (added,
 *       or stored in the first K block when not accumulating); that keeps the kernels small enough for C2 to
 *       compile each in tens of milliseconds.</li>
 *   <li><b>Packing</b>: op(A) is never packed: the kernel reads its elements where they are (along a row of A,
 *       or six neighbours in a row of a transposed A), so Aᵀ·G costs what A·B costs. A non-transposed B is read
 *       in place when M is small (at most 16 rows, where packing would cost as much as the product) or B is
 *       narrow (at most 256 columns, rows at most 512 floats apart, as in an MLP's layers: its rows then stream
 *       from L2 as fast as a packed copy, and the copy would be paid again by every thread); only a partial
 *       right-edge panel is copied. Otherwise op(B) is copied, one kc×nc block at a time, into panels NR = V·L
 *       floats wide (64 with AVX-512), zero-padded at the right edge, reading B row by row in one sequential
 *       stream. A transposed B (stored N×K) is transposed on the way in 8×8 blocks, in registers (3 rounds of
 *       two-vector {@code selectFrom} shuffles), so G·Bᵀ runs within about 5% of A·B.</li>
 *   <li><b>Small N</b> (at most 32 columns and at least twice as many rows: a classifier's output layer): the
 *       product is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ, so that the vectors run along M and each broadcast element
 *       of op(B) feeds 4 vectors, not one mostly empty one; C is written transposed from the tile buffer.</li>
 *   <li><b>Blocking</b>: K in blocks of at most kc = 512 (balanced, so no thin last block), N in blocks of
 *       nc = 256 columns (a 512×256 block of B is 512 KiB, half of the 1 MiB L2), and inside, row tiles outer
 *       and panels inner, so the 6×kc strip of A stays in L1 while it meets every panel.</li>
 *   <li><b>Threads</b> ({@link Parallel}): a static split of C into one part per thread. By rows when B is read
 *       in place or K is small (threads writing neighbouring columns share a cache line of C in every row);
 *       else by columns, in whole vectors, so each thread packs only its own part of B. A product is split only
 *       into parts of at least 2¹⁵ multiply-adds (a few microseconds).</li>
 *   <li><b>Tiny products</b> (under 4096 multiply-adds) take a scalar loop.</li>
 * </ul>
 *
 * <h2>Rounding</h2>
 * Every element of C is computed the same way whatever tile, panel, path or thread it falls into: a chain of
 * fused multiply-adds over each K block, from zero, then one addition to C per block. K blocks depend only on K
 * and the path only on the shape, so results are bit-identical for any number of threads. Sums accumulate in
 * float (the reference in double).
 *
 * <h2>Warm-up</h2>
 * Vector API code is very slow (every vector is an object) until C2 compiles it, which takes thousands of calls
 * per kernel and, on a 2-core machine, about 0.3 s of the compiler thread for all of them. {@link #warmUp()}
 * runs every kernel and path on small operands until they run at compiled speed; call it before a training loop.
 *
 * <p>Panels live in per-thread buffers (up to 512 KiB per thread), reused across calls. Honours
 * {@code accumulate}, offsets and leading dimensions larger than the rows; when not accumulating, C is only
 * written, never read. Nothing outside the m×n window of C is written and nothing outside the operands'
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
    static final int KC = 512;
    /**
     * Largest width of an N block: a 512×256 block of B is 512 KiB, half of a 1 MiB L2. (Measured against
     * 256×512, 384×256, 768×192 and 1024×128: deep blocks do better, as C is updated less often; among them
     * the differences were within the noise.)
     */
    static final int NC = 256;
    /** Products with at most this many rows read a non-transposed B in place instead of packing it. */
    static final int SMALL_M = 16;
    /** Products at most this wide read a non-transposed B in place (see {@link #inPlace}). */
    static final int DIRECT_WIDTH = 256;
    /** Products at most this wide (and at least twice as tall) are computed transposed. */
    static final int SMALL_N = 32;
    /** Products with fewer multiply-adds take the scalar loop. */
    static final long TINY_WORK = 4096;
    /**
     * Products shallower than this are split by rows even when B is packed: each thread then packs all of B,
     * which is cheap when K is small, while threads writing neighbouring columns of C share a cache line in
     * every row, which costs most when C is rewritten after only a few multiply-adds per element.
     */
    static final int SHALLOW_K = 32;
    /** Fewest multiply-adds worth handing to another thread. */
    static final long MIN_CHUNK_WORK = 1L << 15;

    /** 8-lane vectors, for the in-register transpose. */
    static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
    /** Whether 8-lane vectors are native (else a transposed B is packed by a scalar loop). */
    static final boolean TRANSPOSE_IN_REGISTERS = L >= 8;
    /** Index vectors of the 8×8 transpose: for each round (distance 4, 2, 1) a low and a high one. */
    private static final float[] TRANSPOSE_INDEX = transposeIndex();

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private final int kc;
    private final int nc;
    private final long tinyWork;
    private final long minChunkWork;
    private final int smallM;
    private final int smallN;
    private final int directWidth;
    private final BlockedGemm doubles = new BlockedGemm();

    /** The tuned configuration. */
    public VectorGemm() {
        this(KC, NC, TINY_WORK, MIN_CHUNK_WORK, SMALL_M, SMALL_N, DIRECT_WIDTH);
    }

    /**
     * Another configuration, so that tests can drive block edges, several K and N blocks and thread splits with
     * small matrices. {@code nc} is rounded up to whole panels.
     */
    VectorGemm(int kc, int nc, long tinyWork, long minChunkWork, int smallM, int smallN, int directWidth) {
        if (kc < 1 || nc < 1) {
            throw new IllegalArgumentException("block sizes must be positive");
        }
        this.kc = kc;
        this.nc = (nc + NR - 1) / NR * NR;
        this.tinyWork = tinyWork;
        this.minChunkWork = Math.max(1, minChunkWork);
        this.smallM = smallM;
        this.smallN = smallN;
        this.directWidth = directWidth;
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
        Product p;
        if (n <= smallN && m >= 2 * n) {
            // Narrow C (an output layer): compute Cᵀ = op(B)ᵀ·op(A)ᵀ, so that the vectors run along M and each
            // broadcast element of op(B) feeds V vectors rather than one, mostly empty, vector.
            p = new Product(n, m, k, b, bOff, transB ? ldb : 1, transB ? 1 : ldb, !transA, a, aOff, lda,
                    c, cOff, ldc, true, accumulate, balanced(k, kc), inPlace(transA, n, m, lda));
        } else {
            p = new Product(m, n, k, a, aOff, aM, aK, transB, b, bOff, ldb, c, cOff, ldc, false, accumulate,
                    balanced(k, kc), inPlace(!transB, m, n, ldb));
        }
        run(p);
    }

    /**
     * Whether to read B in place rather than pack it: only a B stored K×N (rows of op(B) contiguous), and then
     * when M is small (a few samples: packing would cost as much as the product) or B is narrow (N ≤ 256, as in
     * an MLP's layers) with rows close together. Packing then costs more than it saves: its panels stream from
     * L2 no faster than B's own rows do, and it is paid again by every thread. Rows far apart (a leading
     * dimension past 512 floats, often a power of two) would fall into too few cache sets, so wide B is packed.
     */
    private boolean inPlace(boolean rowsContiguous, int m, int n, int ldb) {
        return rowsContiguous && (m <= smallM || n <= directWidth && ldb <= 2 * directWidth);
    }

    /**
     * One product, as the blocked loops see it: C = op(A)·op(B) with op(A)(i, p) = a[aOff + i*aM + p*aK], B as
     * stored (transposed or not), C(i, j) at c[cOff + i*ldc + j], or at c[cOff + j*ldc + i] when {@code cT};
     * K in blocks of kcb; {@code direct}: B (not transposed) read in place rather than packed.
     */
    private record Product(int m, int n, int k, float[] a, int aOff, int aM, int aK, boolean transB, float[] b,
                           int bOff, int ldb, float[] c, int cOff, int ldc, boolean cT, boolean accumulate, int kcb,
                           boolean direct) {
    }

    /**
     * Splits the product over the pool, statically, by the shape and the number of threads alone. By rows when
     * each thread gets at least 4 row tiles and B is read in place (nothing to pack) or K is small (each thread
     * packs all of B, which is then cheap): the threads' parts of C then share at most one cache line. Else by
     * columns, in whole vectors, each thread packing its own part of B; by rows again if there are too few
     * columns to go round.
     */
    private void run(Product p) {
        long work = (long) p.m * p.n * p.k;
        int t = (int) Math.min(Parallel.threads(), Math.max(1, work / minChunkWork));
        if (t <= 1) {
            block(p, 0, p.m, 0, p.n);
            return;
        }
        boolean byColumns = p.direct || p.k < SHALLOW_K ? p.m < 4 * MR * t : p.n >= L * t || p.m < t;
        int unit = byColumns ? L : p.m >= 4 * MR * t ? MR : 1;
        int units = ((byColumns ? p.n : p.m) + unit - 1) / unit;
        int parts = Math.min(t, units);
        Parallel.forRange(parts, 1, (s, e) -> {
            for (int part = s; part < e; part++) {
                int lo = (int) ((long) part * units / parts) * unit;
                int hi = (int) ((long) (part + 1) * units / parts) * unit;
                if (byColumns) {
                    block(p, 0, p.m, lo, Math.min(hi, p.n));
                } else {
                    block(p, lo, Math.min(hi, p.m), 0, p.n);
                }
            }
        });
    }

    /** Computes rows [i0, i1) × columns [j0, j1) of C on the calling thread, packing B itself. */
    private void block(Product p, int i0, int i1, int j0, int j1) {
        if (i0 >= i1 || j0 >= j1) {
            return;
        }
        Buffers buf = BUFFERS.get();
        float[] panel = buf.panel(p.kcb * Math.min(nc, (j1 - j0 + NR - 1) / NR * NR));
        for (int jc = j0; jc < j1; jc += nc) {
            int w = Math.min(nc, j1 - jc);
            for (int pc = 0; pc < p.k; pc += p.kcb) {
                int kb = Math.min(p.kcb, p.k - pc);
                packRows(p, jc, w, pc, kb, 0, kb, panel);
                tiles(p, i0, i1, jc, w, pc, kb, panel, buf);
            }
        }
    }

    /**
     * Packs rows [r0, r1) of the kb×w block of op(B) at (pc, jc) into its panels: panel q holds columns
     * [jc + q*NR, +wq) at panel[q*kb*NR], kb rows of vectors(wq)*L floats, zero past wq. A non-transposed B is
     * read row by row across all panels, one sequential stream, which the hardware prefetches far better than
     * a panel's short pieces of many rows. With {@code direct}, full panels are left in place.
     */
    private static void packRows(Product p, int jc, int w, int pc, int kb, int r0, int r1, float[] panel) {
        int full = w / NR;
        int tail = w - full * NR;
        int tailWidth = vectors(tail) * L;
        if (p.transB) {
            for (int q = 0; q * NR < w; q++) {
                int wq = Math.min(NR, w - q * NR);
                int width = vectors(wq) * L;
                packTransposed(p.b, p.bOff + (jc + q * NR) * p.ldb + pc + r0, p.ldb, r1 - r0, wq, width, panel,
                        q * kb * NR + r0 * width);
            }
            return;
        }
        VectorMask<Float> tailMask = S.indexInRange(tail / L * L, tail);
        for (int r = r0; r < r1; r++) {
            int src = p.bOff + (pc + r) * p.ldb + jc;
            if (!p.direct) {
                for (int q = 0; q < full; q++) {
                    int s = src + q * NR;
                    int d = q * kb * NR + r * NR;
                    for (int v = 0; v < NR; v += L) {
                        FloatVector.fromArray(S, p.b, s + v).intoArray(panel, d + v);
                    }
                }
            }
            if (tail > 0) {
                int s = src + full * NR;
                int d = full * kb * NR + r * tailWidth;
                int j = 0;
                for (; j + L <= tail; j += L) {
                    FloatVector.fromArray(S, p.b, s + j).intoArray(panel, d + j);
                }
                if (j < tail) {
                    FloatVector.fromArray(S, p.b, s + j, tailMask).intoArray(panel, d + j);
                    j += L;
                }
                for (; j < tailWidth; j += L) {
                    FloatVector.zero(S).intoArray(panel, d + j);
                }
            }
        }
    }

    /**
     * Rows [i0, i1) of C against the packed kb×w block at (pc, jc): row tiles outer, panels inner, so the
     * 6×kb strip of A stays in L1 while it meets every panel.
     */
    private static void tiles(Product p, int i0, int i1, int jc, int w, int pc, int kb, float[] panel,
                              Buffers buf) {
        boolean load = p.accumulate || pc > 0;
        float[] a = p.a;
        int aM = p.aM;
        int aK = p.aK;
        float[] tile = buf.tile;
        for (int i = i0; i < i1; ) {
            int rem = i1 - i;
            // Row tiles of 6; a remainder of 5 or 3 takes the 6- or 4-row kernel with a row repeated.
            int r = rem >= 5 ? MR : rem >= 3 ? 4 : rem;
            int rows = Math.min(rem, MR);
            int ar = p.aOff + i * aM + pc * aK;
            for (int q = 0; q * NR < w; q++) {
                int j = jc + q * NR;
                int wq = Math.min(NR, jc + w - j);
                boolean inPlace = p.direct && wq == NR;
                int v = inPlace ? NV : vectors(wq);
                float[] bp = inPlace ? p.b : panel;
                int bo = inPlace ? p.bOff + pc * p.ldb + j : q * kb * NR;
                int bs = inPlace ? p.ldb : v * L;
                kernel(r, v, kb, a, ar, aM, aK, bp, bo, bs, rows, tile);
                if (p.cT) {
                    mergeTransposed(tile, v * L, p.c, p.cOff + j * p.ldc + i, p.ldc, rows, wq, load);
                } else {
                    update(tile, v * L, p.c, p.cOff + i * p.ldc + j, p.ldc, rows, wq, load);
                }
            }
            i += rows;
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
     * Packs a kb×wq block of a transposed B, op(B)(p, j) = {@code b[base + j*ldb + p]}, into rows of
     * {@code width} floats at {@code dst[d]}, zero past wq: the block is read as wq stored rows of kb floats and
     * written transposed, 8×8 at a time in registers.
     */
    private static void packTransposed(float[] b, int base, int ldb, int kb, int wq, int width, float[] dst, int d) {
        if (!TRANSPOSE_IN_REGISTERS) {
            for (int p = 0; p < kb; p++) {
                int o = d + p * width;
                for (int j = 0; j < width; j++) {
                    dst[o + j] = j < wq ? b[base + j * ldb + p] : 0f;
                }
            }
            return;
        }
        // Whole 8×8 blocks in registers (the last group of columns zero-filled past wq); the K rows past the
        // last multiple of 8 by a scalar loop.
        int groups = (wq + 7) / 8 * 8;
        int kb8 = kb / 8 * 8;
        for (int jg = 0; jg < groups; jg += 8) {
            for (int p0 = 0; p0 < kb8; p0 += 8) {
                transpose8(b, base + jg * ldb + p0, ldb, wq - jg, dst, d + p0 * width + jg, width);
            }
        }
        for (int p = kb8; p < kb; p++) {
            int o = d + p * width;
            for (int j = 0; j < groups; j++) {
                dst[o + j] = j < wq ? b[base + j * ldb + p] : 0f;
            }
        }
        if (groups < width) {
            for (int p = 0; p < kb; p++) {
                Arrays.fill(dst, d + p * width + groups, d + (p + 1) * width, 0f);
            }
        }
    }

    private static float[] transposeIndex() {
        float[] idx = new float[6 * 8];
        for (int s = 0; s < 3; s++) {
            int d = 8 >> (s + 1);
            for (int l = 0; l < 8; l++) {
                // Swaps the off-diagonal d×d blocks of each pair of rows d apart: lo keeps the first row's
                // lanes where (l & d) == 0 and takes the second's from l - d; hi the reverse.
                idx[2 * s * 8 + l] = (l & d) == 0 ? l : 8 + l - d;
                idx[(2 * s + 1) * 8 + l] = (l & d) == 0 ? l + d : 8 + l;
            }
        }
        return idx;
    }

    /**
     * C (+)= the rows × cols corner of the tile (rows {@code tw} floats apart) at {@code c[co]}, row step ldc:
     * whole vectors, then single floats at the right edge. (The accumulators go through this small buffer
     * rather than straight to C: it keeps each kernel half the size, which halves the time C2 takes to compile
     * it, for a cost of one store and load per accumulator per K block, well under 1%.)
     */
    private static void update(float[] tile, int tw, float[] c, int co, int ldc, int rows, int cols, boolean load) {
        int whole = cols / L * L;
        for (int r = 0; r < rows; r++) {
            int t = r * tw;
            int o = co + r * ldc;
            if (load) {
                for (int j = 0; j < whole; j += L) {
                    FloatVector.fromArray(S, tile, t + j).add(FloatVector.fromArray(S, c, o + j)).intoArray(c, o + j);
                }
                for (int j = whole; j < cols; j++) {
                    c[o + j] += tile[t + j];
                }
            } else {
                for (int j = 0; j < whole; j += L) {
                    FloatVector.fromArray(S, tile, t + j).intoArray(c, o + j);
                }
                System.arraycopy(tile, t + whole, c, o + whole, cols - whole);
            }
        }
    }

    /** C(j, i) (+)= tile(i, j) for the rows × cols corner of the tile (rows {@code tw} floats apart). */
    private static void mergeTransposed(float[] tile, int tw, float[] c, int co, int ldc, int rows, int cols,
                                        boolean load) {
        for (int j = 0; j < cols; j++) {
            int o = co + j * ldc;
            for (int r = 0; r < rows; r++) {
                float x = tile[r * tw + j];
                c[o + r] = load ? c[o + r] + x : x;
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

    /** The longest {@link #warmUp()} waits for C2 (a JVM without it would never get there). */
    private static final long WARM_LIMIT_NANOS = 3_000_000_000L;
    /** Kernel calls per timed batch in {@link #warmUp()}. */
    private static final int WARM_BATCH = 16;
    /** Consecutive fast batches after which a kernel counts as compiled. */
    private static final int WARM_FAST_BATCHES = 3;
    /** Multiply-adds per nanosecond above which a kernel counts as compiled (C2 code: 10–50; before: below 1). */
    private static final int WARM_FAST_MADDS_PER_NS = 2;
    /** Rounds of products without a gain after which {@link #warmUp()} counts the drivers as compiled... */
    private static final int WARM_QUIET_ROUNDS = 10;
    /** ... provided there was no gain for this long either. */
    private static final long WARM_QUIET_NANOS = 60_000_000L;

    private static volatile boolean warm;

    /**
     * Runs every micro-kernel and every path of {@code sgemm} (each combination of transposes; tiny products,
     * small M, small N, B in place and packed; several K and N blocks; single- and multi-threaded) on small
     * operands until C2 has compiled them, so that the first training steps run at full speed rather than
     * through slow, allocating Vector API code. Each kernel is timed in batches until it runs at compiled speed;
     * whole products are repeated until their time stops improving. On the 2-core machine this was tuned on it
     * takes 0.7–0.8 s, most of it waiting for C2 (about 0.3 s of compiler time for the kernels and the loops
     * around them, queued behind the JDK's own methods). After it, the first 100 steps of a 784-256-128-10 MLP's
     * products (batch 128) took 0.10–0.14 s, against 0.9–1.6 s without it (0.1 s once compiled). It gives up
     * after 3 s (a JVM without C2). Later calls return at once.
     */
    public static void warmUp() {
        warmUp(() -> false);
    }

    /**
     * {@link #warmUp()}, but returns early, without counting the kernels as warm, once {@code stop} says so:
     * for a background warm-up that should give way when the real work starts. C2 keeps what it has compiled.
     */
    public static void warmUp(java.util.function.BooleanSupplier stop) {
        if (warm) {
            return;
        }
        synchronized (VectorGemm.class) {
            if (warm) {
                return;
            }
            long deadline = System.nanoTime() + WARM_LIMIT_NANOS;
            KernelWarmer kernels = new KernelWarmer();
            ProductWarmer products = new ProductWarmer();
            // Both at once: the products drive the loops around the kernels while C2 works through the kernels.
            boolean kernelsDone = false;
            boolean productsDone = false;
            while (!(kernelsDone && productsDone) && System.nanoTime() < deadline) {
                if (stop.getAsBoolean()) {
                    return;
                }
                kernelsDone = kernels.round();
                productsDone = products.round() && kernelsDone;
            }
            warm = true;
        }
    }

    /** Calls every kernel directly, in timed batches, until each runs at compiled speed. */
    private static final class KernelWarmer {
        final int kb = 4;
        final float[] a = new float[MR * kb];
        final float[] b = new float[NR * kb];
        final float[] tile = new float[MR * NR];
        final int[] rs = {6, 4, 2, 1};
        final int[] vs = NV == 4 ? new int[] {4, 2, 1} : new int[] {2, 1};
        final int[] fast = new int[rs.length * vs.length];

        KernelWarmer() {
            for (int i = 0; i < a.length; i++) {
                a[i] = (i % 7) * 0.25f - 0.75f;
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (i % 5) * 0.5f - 1f;
            }
        }

        /** One batch of each kernel not yet fast; true once all are. */
        boolean round() {
            boolean all = true;
            for (int x = 0; x < fast.length; x++) {
                if (fast[x] >= WARM_FAST_BATCHES) {
                    continue;
                }
                all = false;
                int r = rs[x / vs.length];
                int v = vs[x % vs.length];
                long t0 = System.nanoTime();
                for (int call = 0; call < WARM_BATCH; call++) {
                    // Mostly full tiles, some with a row repeated.
                    kernel(r, v, kb, a, 0, kb, 1, b, 0, v * L, (call & 3) == 3 && r > 1 ? r - 1 : r, tile);
                }
                long ns = System.nanoTime() - t0;
                fast[x] = (long) WARM_BATCH * kb * r * v * L > WARM_FAST_MADDS_PER_NS * ns ? fast[x] + 1 : 0;
            }
            return all;
        }
    }

    /** Runs small products through every path until a round of them stops getting faster. */
    private static final class ProductWarmer {
        // Single-threaded and split instances with small blocks, so that these small products run through
        // several K and N blocks as large ones do (a branch C2 never saw taken is compiled as a trap, and
        // taking it later throws the compiled code away).
        final VectorGemm serial = new VectorGemm(16, NR, TINY_WORK, Long.MAX_VALUE, SMALL_M, SMALL_N, DIRECT_WIDTH);
        final VectorGemm split = new VectorGemm(16, NR, TINY_WORK, 1L << 12, SMALL_M, SMALL_N, DIRECT_WIDTH);
        final int[][] shapes = {
            {37, 2 * NR + L + 3, 40},  // 6-row tiles and a 1-row remainder; B in place but for an edge panel
            {23, NR + 2 * L - 1, 9},   // 4-row and repeated-row remainders, a 2-vector edge, a K tail of 1
            {50, 70, 20},              // split by rows
            {9, 300, 12},              // wide B: packed (transposed or not), a partial edge panel
            {40, 10, 33},              // small N, computed transposed
            {5, NR + 7, 40},           // small M
            {3, 4, 5},                 // tiny
        };
        final float[] a = new float[50 * 40];
        final float[] b = new float[40 * 300];
        final float[] c = new float[50 * 300];
        final long[] best = {Long.MAX_VALUE, Long.MAX_VALUE};
        long lastGain = System.nanoTime();
        int sinceGain;
        int round;

        ProductWarmer() {
            for (int i = 0; i < a.length; i++) {
                a[i] = (i % 11) * 0.125f - 0.5f;
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (i % 13) * 0.0625f - 0.25f;
            }
        }

        /**
         * One round: every shape and transpose combination on one instance (they alternate, and are timed
         * apart); true once no round has been 5% faster than the best for 10 rounds and 60 ms.
         */
        boolean round() {
            int which = round++ & 1;
            VectorGemm g = which == 0 ? serial : split;
            boolean accumulate = (round & 2) != 0;
            long t0 = System.nanoTime();
            for (int[] s : shapes) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                for (int v = 0; v < 4; v++) {
                    boolean tA = (v & 1) != 0;
                    boolean tB = (v & 2) != 0;
                    g.sgemm(tA, tB, m, n, k, a, 0, tA ? m : k, b, 0, tB ? k : n, c, 0, n, accumulate);
                }
            }
            long t1 = System.nanoTime();
            boolean quiet = false;
            if (t1 - t0 < best[which] * 0.95) {
                lastGain = t1;
                sinceGain = 0;
            } else {
                quiet = ++sinceGain >= WARM_QUIET_ROUNDS && t1 - lastGain > WARM_QUIET_NANOS;
            }
            best[which] = Math.min(best[which], t1 - t0);
            Arrays.fill(c, 0f);
            return quiet;
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Micro-kernels and transposes, unrolled by hand
    // ------------------------------------------------------------------------------------------------------

    /** 6 rows × 4 vectors: see {@link #kernel}. */
    private static void k6x4(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs, int rows,
                             float[] tile) {
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
    }

    /** 6 rows × 2 vectors: see {@link #kernel}. */
    private static void k6x2(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs, int rows,
                             float[] tile) {
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
    }

    /** 6 rows × 1 vector: see {@link #kernel}. */
    private static void k6x1(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs, int rows,
                             float[] tile) {
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
        c00.intoArray(tile, 0);
        c10.intoArray(tile, L);
        c20.intoArray(tile, 2 * L);
        c30.intoArray(tile, 3 * L);
        c40.intoArray(tile, 4 * L);
        c50.intoArray(tile, 5 * L);
    }

    /** 4 rows × 4 vectors: see {@link #kernel}. */
    private static void k4x4(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs, int rows,
                             float[] tile) {
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
    }

    /** 4 rows × 2 vectors: see {@link #kernel}. */
    private static void k4x2(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs, int rows,
                             float[] tile) {
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
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, 2 * L);
        c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L);
        c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L);
        c31.intoArray(tile, 7 * L);
    }

    /** 4 rows × 1 vector: see {@link #kernel}. */
    private static void k4x1(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs, int rows,
                             float[] tile) {
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
        c00.intoArray(tile, 0);
        c10.intoArray(tile, L);
        c20.intoArray(tile, 2 * L);
        c30.intoArray(tile, 3 * L);
    }

    /** 2 rows × 4 vectors: see {@link #kernel}. */
    private static void k2x4(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs, int rows,
                             float[] tile) {
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
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c02.intoArray(tile, 2 * L);
        c03.intoArray(tile, 3 * L);
        c10.intoArray(tile, 4 * L);
        c11.intoArray(tile, 5 * L);
        c12.intoArray(tile, 6 * L);
        c13.intoArray(tile, 7 * L);
    }

    /** 2 rows × 2 vectors: see {@link #kernel}. */
    private static void k2x2(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs, int rows,
                             float[] tile) {
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
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, 2 * L);
        c11.intoArray(tile, 3 * L);
    }

    /** 2 rows × 1 vector: see {@link #kernel}. */
    private static void k2x1(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs, int rows,
                             float[] tile) {
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
        c00.intoArray(tile, 0);
        c10.intoArray(tile, L);
    }

    /** 1 row × 4 vectors: see {@link #kernel}. */
    private static void k1x4(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs, int rows,
                             float[] tile) {
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
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c02.intoArray(tile, 2 * L);
        c03.intoArray(tile, 3 * L);
    }

    /** 1 row × 2 vectors: see {@link #kernel}. */
    private static void k1x2(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs, int rows,
                             float[] tile) {
        int a0 = ar;
        FloatVector c00 = FloatVector.zero(S); FloatVector c01 = FloatVector.zero(S);
        for (int p = 0; p < kb; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector av = FloatVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00); c01 = b1.fma(av, c01);
            a0 += aK; bo += bs;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
    }

    /** 1 row × 1 vector: see {@link #kernel}. */
    private static void k1x1(int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs, int rows,
                             float[] tile) {
        int a0 = ar;
        FloatVector c00 = FloatVector.zero(S);
        for (int p = 0; p < kb; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector av = FloatVector.broadcast(S, a[a0]);
            c00 = b0.fma(av, c00);
            a0 += aK; bo += bs;
        }
        c00.intoArray(tile, 0);
    }

    /**
     * Loads 8 stored rows of B ({@code src}, row step ldb; rows from {@code cols} on are taken as zero) of 8
     * values each, transposes the 8×8 block in 3 rounds of two-vector shuffles, and stores it as 8 panel rows
     * ({@code o}, row step {@code width}). It works on 8-lane vectors whatever the preferred width: a bigger
     * block, or masked loads, make the method too big for C1 ("out of virtual registers"), and a method that
     * C1 gives up on can be left running slow, allocating code for good; and on AMD's AVX-512, which splits
     * 512-bit shuffles in two, 8-lane blocks cost no more per element.
     */
    private static void transpose8(float[] b, int src, int ldb, int cols, float[] dst, int o, int width) {
        FloatVector x0 = FloatVector.fromArray(S8, b, src);
        FloatVector x1 = cols > 1 ? FloatVector.fromArray(S8, b, src + 1 * ldb) : FloatVector.zero(S8);
        FloatVector x2 = cols > 2 ? FloatVector.fromArray(S8, b, src + 2 * ldb) : FloatVector.zero(S8);
        FloatVector x3 = cols > 3 ? FloatVector.fromArray(S8, b, src + 3 * ldb) : FloatVector.zero(S8);
        FloatVector x4 = cols > 4 ? FloatVector.fromArray(S8, b, src + 4 * ldb) : FloatVector.zero(S8);
        FloatVector x5 = cols > 5 ? FloatVector.fromArray(S8, b, src + 5 * ldb) : FloatVector.zero(S8);
        FloatVector x6 = cols > 6 ? FloatVector.fromArray(S8, b, src + 6 * ldb) : FloatVector.zero(S8);
        FloatVector x7 = cols > 7 ? FloatVector.fromArray(S8, b, src + 7 * ldb) : FloatVector.zero(S8);
        FloatVector t;
        FloatVector lo = FloatVector.fromArray(S8, TRANSPOSE_INDEX, 0);
        FloatVector hi = FloatVector.fromArray(S8, TRANSPOSE_INDEX, 8);
        t = lo.selectFrom(x0, x4); x4 = hi.selectFrom(x0, x4); x0 = t;
        t = lo.selectFrom(x1, x5); x5 = hi.selectFrom(x1, x5); x1 = t;
        t = lo.selectFrom(x2, x6); x6 = hi.selectFrom(x2, x6); x2 = t;
        t = lo.selectFrom(x3, x7); x7 = hi.selectFrom(x3, x7); x3 = t;
        lo = FloatVector.fromArray(S8, TRANSPOSE_INDEX, 16);
        hi = FloatVector.fromArray(S8, TRANSPOSE_INDEX, 24);
        t = lo.selectFrom(x0, x2); x2 = hi.selectFrom(x0, x2); x0 = t;
        t = lo.selectFrom(x1, x3); x3 = hi.selectFrom(x1, x3); x1 = t;
        t = lo.selectFrom(x4, x6); x6 = hi.selectFrom(x4, x6); x4 = t;
        t = lo.selectFrom(x5, x7); x7 = hi.selectFrom(x5, x7); x5 = t;
        lo = FloatVector.fromArray(S8, TRANSPOSE_INDEX, 32);
        hi = FloatVector.fromArray(S8, TRANSPOSE_INDEX, 40);
        t = lo.selectFrom(x0, x1); x1 = hi.selectFrom(x0, x1); x0 = t;
        t = lo.selectFrom(x2, x3); x3 = hi.selectFrom(x2, x3); x2 = t;
        t = lo.selectFrom(x4, x5); x5 = hi.selectFrom(x4, x5); x4 = t;
        t = lo.selectFrom(x6, x7); x7 = hi.selectFrom(x6, x7); x6 = t;
        x0.intoArray(dst, o);
        x1.intoArray(dst, o + width);
        x2.intoArray(dst, o + 2 * width);
        x3.intoArray(dst, o + 3 * width);
        x4.intoArray(dst, o + 4 * width);
        x5.intoArray(dst, o + 5 * width);
        x6.intoArray(dst, o + 6 * width);
        x7.intoArray(dst, o + 7 * width);
    }

    /**
     * Computes an r×(v·L) tile of op(A)·op(B) over one K block into {@code tile} (rows of v·L floats): for each
     * of kb steps, v vectors of op(B) at {@code b[bo + p*bs]} times the broadcast elements of op(A) at
     * {@code a[ar + i*aM + p*aK]}, i < r, summed in r·v accumulators by fused multiply-adds from zero. Rows from
     * {@code rows} on repeat row 0 (a 6- or 4-row kernel on 5 or 3 rows) and are not stored anywhere.
     */
    private static void kernel(int r, int v, int kb, float[] a, int ar, int aM, int aK, float[] b, int bo, int bs,
                               int rows, float[] tile) {
        switch (r * 8 + v) {
            case 52 -> k6x4(kb, a, ar, aM, aK, b, bo, bs, rows, tile);
            case 50 -> k6x2(kb, a, ar, aM, aK, b, bo, bs, rows, tile);
            case 49 -> k6x1(kb, a, ar, aM, aK, b, bo, bs, rows, tile);
            case 36 -> k4x4(kb, a, ar, aM, aK, b, bo, bs, rows, tile);
            case 34 -> k4x2(kb, a, ar, aM, aK, b, bo, bs, rows, tile);
            case 33 -> k4x1(kb, a, ar, aM, aK, b, bo, bs, rows, tile);
            case 20 -> k2x4(kb, a, ar, aM, aK, b, bo, bs, rows, tile);
            case 18 -> k2x2(kb, a, ar, aM, aK, b, bo, bs, rows, tile);
            case 17 -> k2x1(kb, a, ar, aM, aK, b, bo, bs, rows, tile);
            case 12 -> k1x4(kb, a, ar, aM, aK, b, bo, bs, rows, tile);
            case 10 -> k1x2(kb, a, ar, aM, aK, b, bo, bs, rows, tile);
            case 9 -> k1x1(kb, a, ar, aM, aK, b, bo, bs, rows, tile);
            default -> throw new IllegalStateException("no " + r + "x" + v + " kernel");
        }
    }

    /** Per-thread panel block (512 KiB) and tile buffer. */
    private static final class Buffers {
        final float[] tile = new float[MR * NR];
        /** Sized once for the largest block of the tuned configuration, so that growing it is never on a hot path. */
        float[] panel = new float[KC * NC];

        /** This thread's panel block. */
        float[] panel(int size) {
            if (panel.length < size) {
                panel = new float[size];
            }
            return panel;
        }
    }
}
