package dev.backprop.kernels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link VectorGemm} against {@link ReferenceGemm}: seeded random operands over odd, prime, unit and zero sizes,
 * all four transA/transB combinations, accumulate on and off, non-zero offsets and leading dimensions wider than
 * the rows; every path (tiny products, the general blocked one, small N computed transposed, small M reading B
 * in place, narrow B read in place) and block edges forced with small block sizes; 1, 2 and 3 threads, with bit-identical results.
 *
 * <h2>Tolerances</h2>
 * As in {@link GemmTest}: each element of C is an inner product of k terms (k + 1 with {@code accumulate}), and
 * for any summation order |fl(Σ a·b) − Σ a·b| ≤ γ_n · Σ|a|·|b| with γ_n = n·u / (1 − n·u), u = 2⁻²⁴ (Higham,
 * <i>Accuracy and Stability of Numerical Algorithms</i>, §3.1). So each element is checked against
 * {@code tol = 1.01·γ_(k+2) · mag}, {@code mag = Σ_p |op(A)(i,p)|·|op(B)(p,j)| (+ |C0(i,j)|)} computed by the
 * reference on absolute values (the extra term and the factor cover the reference's own rounding to float).
 * The bound is rigorous, so the check cannot be flaky, yet a single wrong or missing product moves an element by
 * about mag / k, far more than the tolerance (about k·u·mag) for every k here. A second check holds the RMS of
 * the error, relative to the typical sqrt(k)·u·mag, below 1, which catches a partial sum kept at lower
 * precision. Elements of the C buffer outside the m×n window must be left bit-for-bit unchanged, and without
 * {@code accumulate} the window starts as NaN, so reading it would show.
 */
class VectorGemmTest {

    private static final Gemm REF = new ReferenceGemm();
    /** The production configuration. */
    private static final VectorGemm DEFAULT = new VectorGemm();
    /**
     * Every product through the blocked path with tiny blocks: no scalar shortcut, K blocks of 4, N blocks of one
     * panel, a thread split whenever there are two units of work; the other paths as in production.
     */
    private static final VectorGemm TINY_BLOCKS = new VectorGemm(4, 1, 0, 1, VectorGemm.SMALL_M, VectorGemm.SMALL_N,
            VectorGemm.DIRECT_WIDTH);
    /**
     * K blocks of 13 and the special paths at odd thresholds: B read in place up to 3 rows or 40 columns, small N
     * up to 5 columns.
     */
    private static final VectorGemm ODD_BLOCKS = new VectorGemm(13, 37, 0, 64, 3, 5, 40);
    /** Only the general path: no scalar shortcut, B always packed, no small-N path. */
    private static final VectorGemm GENERAL = new VectorGemm(VectorGemm.KC, VectorGemm.NC, 0, 1L << 10, 0, 0, 0);

    private static final List<VectorGemm> ALL = List.of(DEFAULT, TINY_BLOCKS, ODD_BLOCKS, GENERAL);

    private static final int[] SIZES = {0, 1, 2, 3, 7, 13, 16, 17, 31, 33, 61, 64, 65, 97, 127, 130, 257};

    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Test cases
    // ----------------------------------------------------------------------------------------------------------

    @Test
    void theFastKernelsUseIt() {
        // Surefire runs on the module path, where module-info's `requires jdk.incubator.vector` resolves the
        // module: these tests exercise VectorGemm itself, and so does everything that goes through Kernels.FAST.
        assertInstanceOf(VectorGemm.class, Kernels.FAST.gemm());
        assertTrue(Kernels.gemmName().startsWith("VectorGemm("), Kernels.gemmName());
        assertTrue(VectorGemm.L >= 4 && Integer.bitCount(VectorGemm.L) == 1, "vector length " + VectorGemm.L);
    }

    @Test
    void everyTinyShapeEveryVariant() {
        int[] tiny = {0, 1, 2, 3, 5, 7};
        Random r = new Random(1);
        for (VectorGemm g : ALL) {
            for (int m : tiny) {
                for (int n : tiny) {
                    for (int k : tiny) {
                        for (int v = 0; v < 8; v++) {
                            checkFloat(g, new Case(m, n, k, (v & 1) != 0, (v & 2) != 0, (v & 4) != 0, r), r.nextLong());
                        }
                    }
                }
            }
        }
    }

    @Test
    void randomShapesEveryVariant() {
        Random r = new Random(2);
        for (VectorGemm g : ALL) {
            for (int i = 0; i < 60; i++) {
                int m = SIZES[r.nextInt(SIZES.length)];
                int n = SIZES[r.nextInt(SIZES.length)];
                int k = SIZES[r.nextInt(SIZES.length)];
                int v = i & 7;
                checkFloat(g, new Case(m, n, k, (v & 1) != 0, (v & 2) != 0, (v & 4) != 0, r), r.nextLong());
            }
        }
    }

    @Test
    void rowAndColumnEdgesOfTheTiles() {
        // Every remainder of M modulo the 6-row tile (the 1-, 2- and 4-row kernels, and the 6- and 4-row ones with
        // a row repeated) against every kind of right edge: whole panels, a panel of 1, 2 or 4 vectors, part of a
        // vector.
        Random r = new Random(3);
        int nr = VectorGemm.NR;
        int l = VectorGemm.L;
        int[] ns = {nr, 2 * nr, nr + 1, nr + l, nr + l + 1, nr + 2 * l, nr + 3 * l - 1, 2 * nr - 1};
        for (int m = 18; m <= 24; m++) {
            for (int n : ns) {
                int v = r.nextInt(8);
                checkFloat(GENERAL, new Case(m, n, 9, (v & 1) != 0, (v & 2) != 0, (v & 4) != 0, r), r.nextLong());
                checkFloat(DEFAULT, new Case(m, n, 40, (v & 1) != 0, (v & 2) != 0, (v & 4) != 0, r), r.nextLong());
            }
        }
    }

    @Test
    void severalKAndNBlocks() {
        // Deeper than a K block (512: 784 = 2 blocks of 392, 1100 = 3 of 367) and wider than an N block (256),
        // so partial sums from earlier K blocks are carried in C and every thread walks several N blocks; K
        // tails that are not multiples of 8 for the transposing pack.
        Random r = new Random(4);
        int[][] shapes = {{50, 600, 300}, {70, 130, 784}, {33, 1030, 27}, {129, 77, 1100}, {61, 300, 785}};
        for (int[] s : shapes) {
            for (int v = 0; v < 8; v++) {
                checkFloat(DEFAULT, new Case(s[0], s[1], s[2], (v & 1) != 0, (v & 2) != 0, (v & 4) != 0, r),
                        r.nextLong());
            }
        }
    }

    @Test
    void smallNIsComputedTransposed() {
        // N ≤ 32 with M at least 2N: the output-layer shapes, through Cᵀ = op(B)ᵀ·op(A)ᵀ.
        Random r = new Random(5);
        int[] ns = {1, 2, 10, 16, 17, 32};
        int[][] mk = {{64, 1}, {100, 10}, {128, 128}, {301, 37}, {128, 300}};
        for (int n : ns) {
            for (int[] s : mk) {
                int v = r.nextInt(8);
                checkFloat(DEFAULT, new Case(s[0], n, s[1], (v & 1) != 0, (v & 2) != 0, (v & 4) != 0, r),
                        r.nextLong());
            }
        }
    }

    @Test
    void smallMReadsBInPlace() {
        // M ≤ 16 (a batch of a few samples): B read where it is, with only a partial right-edge panel copied.
        Random r = new Random(6);
        int[] ns = {1, 10, 63, 64, 65, 200, 256};
        for (int m = 1; m <= 17; m++) {
            for (int n : ns) {
                int k = new int[] {1, 7, 100, 300}[r.nextInt(4)];
                int v = r.nextInt(8);
                checkFloat(DEFAULT, new Case(m, n, k, (v & 1) != 0, (v & 2) != 0, (v & 4) != 0, r), r.nextLong());
            }
        }
    }

    @Test
    void theMlpShapes() {
        // The products of a 784-256-128-10 MLP with batch 128 and its backward pass (Aᵀ·G and G·Bᵀ).
        Random r = new Random(7);
        int[][] shapes = {
            {128, 256, 784, 0, 0}, {784, 256, 128, 1, 0}, {128, 784, 256, 0, 1},
            {128, 128, 256, 0, 0}, {256, 128, 128, 1, 0}, {128, 256, 128, 0, 1},
            {128, 10, 128, 0, 0}, {128, 10, 128, 1, 0}, {128, 128, 10, 0, 1},
        };
        for (int[] s : shapes) {
            checkFloat(DEFAULT, new Case(s[0], s[1], s[2], s[3] == 1, s[4] == 1, r.nextBoolean(), r), r.nextLong());
        }
    }

    @Test
    void sameAnswersWithOneTwoAndThreeThreads() {
        int[][] shapes = {{128, 256, 300}, {40, 600, 129}, {301, 20, 90}, {3, 1024, 100}, {1024, 3, 100},
            {13, 70, 50}};
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            Random r = new Random(8);
            for (int[] s : shapes) {
                Case c = new Case(s[0], s[1], s[2], r.nextBoolean(), r.nextBoolean(), r.nextBoolean(), r);
                checkFloat(DEFAULT, c, r.nextLong());
                checkFloat(TINY_BLOCKS, c, r.nextLong());
            }
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        // Each element is summed in the same order however the work is split (by columns, by rows, by tiles of
        // other heights), so results are bit-identical.
        int[][] shapes = {
            {200, 300, 500}, // split by columns
            {301, 100, 300}, // split by rows
            {301, 10, 300},  // small N, transposed
            {7, 700, 300},   // small M, B in place
            {97, 65, 31},
        };
        Random r = new Random(9);
        for (int[] s : shapes) {
            for (int v = 0; v < 8; v++) {
                Case c = new Case(s[0], s[1], s[2], (v & 1) != 0, (v & 2) != 0, (v & 4) != 0, r);
                for (VectorGemm g : List.of(DEFAULT, TINY_BLOCKS, ODD_BLOCKS)) {
                    float[] one = null;
                    for (int threads = 1; threads <= 3; threads++) {
                        Parallel.setThreads(threads);
                        Operands op = new Operands(c, 77);
                        g.sgemm(c.tA, c.tB, c.m, c.n, c.k, op.fa, c.aOff, c.lda, op.fb, c.bOff, c.ldb,
                                op.fc, c.cOff, c.ldc, c.acc);
                        if (one == null) {
                            one = op.fc;
                        } else {
                            assertArrayEquals(one, op.fc, threads + " threads vs 1 for " + c);
                        }
                    }
                }
            }
        }
    }

    @Test
    void doublesGoToTheBlockedKernel() {
        Random r = new Random(10);
        for (int i = 0; i < 16; i++) {
            int v = i & 7;
            Case c = new Case(SIZES[r.nextInt(SIZES.length)], SIZES[r.nextInt(SIZES.length)],
                    SIZES[r.nextInt(SIZES.length)], (v & 1) != 0, (v & 2) != 0, (v & 4) != 0, r);
            checkDouble(DEFAULT, c, r.nextLong());
        }
    }

    @Test
    void warmUpLeavesNothingBehind() {
        VectorGemm.warmUp();
        VectorGemm.warmUp(); // a second call returns at once
        Random r = new Random(11);
        checkFloat(DEFAULT, new Case(65, 70, 80, true, false, true, r), r.nextLong());
    }

    @Test
    void zeroSizedDimensions() {
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        float[] c = {9, 9, 9, 9};
        for (Gemm g : ALL) {
            // k == 0: C = 0, or unchanged when accumulating.
            float[] c1 = c.clone();
            g.sgemm(false, false, 2, 2, 0, a, 0, 0, b, 0, 2, c1, 0, 2, true);
            assertArrayEquals(c, c1);
            g.sgemm(false, false, 2, 2, 0, a, 0, 0, b, 0, 2, c1, 0, 2, false);
            assertArrayEquals(new float[4], c1);
            // k == 0 with an offset and a wider ldc touches only the window.
            float[] d = {9, 9, 9, 9, 9, 9};
            g.sgemm(true, true, 2, 1, 0, new float[0], 0, 2, new float[0], 0, 1, d, 1, 3, false);
            assertArrayEquals(new float[] {9, 0, 9, 9, 0, 9}, d);
            // m == 0 or n == 0: nothing to do, operands may be empty.
            float[] c2 = c.clone();
            g.sgemm(false, false, 0, 2, 2, new float[0], 0, 2, b, 0, 2, c2, 0, 2, false);
            g.sgemm(true, true, 2, 0, 2, a, 0, 2, new float[0], 0, 2, c2, 0, 2, false);
            assertArrayEquals(c, c2);
        }
    }

    @Test
    void negativeDimensionsAreRejected() {
        float[] x = new float[4];
        assertThrows(IllegalArgumentException.class,
                () -> DEFAULT.sgemm(false, false, -1, 1, 1, x, 0, 1, x, 0, 1, x, 0, 1, false));
        assertThrows(IllegalArgumentException.class,
                () -> DEFAULT.sgemm(false, false, 1, 1, -1, x, 0, 1, x, 0, 1, x, 0, 1, false));
    }

    @Test
    void smallExactExample() {
        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154], all exact in float.
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] b = {7, 8, 9, 10, 11, 12};
        float[] at = {1, 4, 2, 5, 3, 6};
        float[] bt = {7, 9, 11, 8, 10, 12};
        for (Gemm g : ALL) {
            float[] c = new float[4];
            g.sgemm(false, false, 2, 2, 3, a, 0, 3, b, 0, 2, c, 0, 2, false);
            assertArrayEquals(new float[] {58, 64, 139, 154}, c);
            g.sgemm(true, true, 2, 2, 3, at, 0, 2, bt, 0, 3, c, 0, 2, true);
            assertArrayEquals(new float[] {116, 128, 278, 308}, c);
        }
    }

    @Test
    void exactOnIntegers() {
        // Small integers: every product and partial sum is exact in float, so any summation order gives the
        // reference's answer exactly, on every path.
        Random r = new Random(12);
        int[][] shapes = {{128, 10, 128}, {5, 300, 64}, {70, 130, 300}, {3, 3, 3}};
        for (int[] s : shapes) {
            for (int v = 0; v < 8; v++) {
                Case c = new Case(s[0], s[1], s[2], (v & 1) != 0, (v & 2) != 0, (v & 4) != 0, r);
                float[] a = new float[c.aLen];
                float[] b = new float[c.bLen];
                float[] c0 = new float[c.cLen];
                for (int i = 0; i < a.length; i++) {
                    a[i] = r.nextInt(9) - 4;
                }
                for (int i = 0; i < b.length; i++) {
                    b[i] = r.nextInt(9) - 4;
                }
                for (int i = 0; i < c0.length; i++) {
                    c0[i] = r.nextInt(9) - 4;
                }
                float[] want = c0.clone();
                float[] got = c0.clone();
                REF.sgemm(c.tA, c.tB, c.m, c.n, c.k, a, c.aOff, c.lda, b, c.bOff, c.ldb, want, c.cOff, c.ldc, c.acc);
                DEFAULT.sgemm(c.tA, c.tB, c.m, c.n, c.k, a, c.aOff, c.lda, b, c.bOff, c.ldb, got, c.cOff, c.ldc,
                        c.acc);
                assertArrayEquals(want, got, c.toString());
            }
        }
    }

    @Test
    void describesItself() {
        assertEquals("VectorGemm(" + VectorGemm.S.vectorBitSize() + "-bit, 6x" + VectorGemm.NR + " tiles)",
                DEFAULT.toString());
    }

    // ----------------------------------------------------------------------------------------------------------
    // Machinery (as in GemmTest)
    // ----------------------------------------------------------------------------------------------------------

    /** One problem: shape, flags, offsets and leading dimensions (ld = row width + 0..2, offsets 0..4). */
    private static final class Case {
        final int m, n, k;
        final boolean tA, tB, acc;
        final int aOff, lda, bOff, ldb, cOff, ldc;
        final int aLen, bLen, cLen;

        Case(int m, int n, int k, boolean tA, boolean tB, boolean acc, Random r) {
            this.m = m;
            this.n = n;
            this.k = k;
            this.tA = tA;
            this.tB = tB;
            this.acc = acc;
            aOff = r.nextInt(5);
            bOff = r.nextInt(5);
            cOff = r.nextInt(5);
            lda = (tA ? m : k) + r.nextInt(3);
            ldb = (tB ? k : n) + r.nextInt(3);
            ldc = n + r.nextInt(3);
            aLen = aOff + (tA ? k : m) * lda + r.nextInt(3);
            bLen = bOff + (tB ? n : k) * ldb + r.nextInt(3);
            cLen = cOff + m * ldc + r.nextInt(3);
        }

        boolean inC(int idx) {
            int rel = idx - cOff;
            return m > 0 && n > 0 && rel >= 0 && rel / ldc < m && rel % ldc < n;
        }

        @Override
        public String toString() {
            return "m=" + m + " n=" + n + " k=" + k + " transA=" + tA + " transB=" + tB + " accumulate=" + acc
                    + " aOff=" + aOff + " lda=" + lda + " bOff=" + bOff + " ldb=" + ldb + " cOff=" + cOff
                    + " ldc=" + ldc;
        }
    }

    /** Random operands for a case: A and B in [-1, 1); C random (accumulate) or NaN (not) inside the window. */
    private static final class Operands {
        final float[] fa, fb, fc;
        final double[] da, db, dc;

        Operands(Case c, long seed) {
            Random r = new Random(seed);
            fa = new float[c.aLen];
            fb = new float[c.bLen];
            fc = new float[c.cLen];
            da = new double[c.aLen];
            db = new double[c.bLen];
            dc = new double[c.cLen];
            for (int i = 0; i < c.aLen; i++) {
                da[i] = 2 * r.nextDouble() - 1;
                fa[i] = (float) da[i];
            }
            for (int i = 0; i < c.bLen; i++) {
                db[i] = 2 * r.nextDouble() - 1;
                fb[i] = (float) db[i];
            }
            for (int i = 0; i < c.cLen; i++) {
                boolean nan = !c.acc && c.inC(i);
                dc[i] = nan ? Double.NaN : 4 * r.nextDouble() - 2;
                fc[i] = (float) dc[i];
            }
        }
    }

    private static float[] abs(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.abs(x[i]);
        }
        return y;
    }

    private static double[] abs(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.abs(x[i]);
        }
        return y;
    }

    /** γ_n = n·u / (1 − n·u). */
    private static double gamma(int n, double u) {
        return n * u / (1 - n * u);
    }

    private static void checkFloat(Gemm g, Case c, long seed) {
        Operands op = new Operands(c, seed);
        float[] c0 = op.fc.clone();
        float[] expected = op.fc.clone();
        REF.sgemm(c.tA, c.tB, c.m, c.n, c.k, op.fa, c.aOff, c.lda, op.fb, c.bOff, c.ldb,
                expected, c.cOff, c.ldc, c.acc);
        float[] mag = new float[c.cLen];
        for (int i = 0; i < c.cLen; i++) {
            mag[i] = c.acc ? Math.abs(c0[i]) : 0f;
        }
        REF.sgemm(c.tA, c.tB, c.m, c.n, c.k, abs(op.fa), c.aOff, c.lda, abs(op.fb), c.bOff, c.ldb,
                mag, c.cOff, c.ldc, true);
        float[] actual = op.fc;
        g.sgemm(c.tA, c.tB, c.m, c.n, c.k, op.fa, c.aOff, c.lda, op.fb, c.bOff, c.ldb,
                actual, c.cOff, c.ldc, c.acc);
        // mag was itself rounded to float (relative error ≤ k·u), hence the factor 1.01 (k·u < 1e-4 here).
        double rel = 1.01 * gamma(c.k + 2, 0x1p-24);
        double typical = Math.sqrt(c.k + 2) * 0x1p-24;
        double sumSq = 0;
        int count = 0;
        for (int i = 0; i < c.cLen; i++) {
            if (!c.inC(i)) {
                if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(c0[i])) {
                    fail(g + " wrote outside C at index " + i + " for " + c);
                }
                continue;
            }
            double tol = rel * mag[i] + Float.MIN_NORMAL;
            double diff = Math.abs((double) actual[i] - expected[i]);
            if (!(diff <= tol)) {
                int rel0 = i - c.cOff;
                fail(g + " mismatch at C(" + rel0 / c.ldc + ", " + rel0 % c.ldc + "): expected " + expected[i]
                        + " got " + actual[i] + " (|diff| " + diff + " > tol " + tol + ") for " + c + " seed " + seed);
            }
            if (mag[i] > 0) {
                double q = diff / (typical * mag[i]);
                sumSq += q * q;
                count++;
            }
        }
        // Rounding errors of random data add up like a random walk (Higham & Mary, SIAM J. Sci. Comput. 41(5),
        // 2019), so the RMS of |diff| / (sqrt(k)·u·mag) over a matrix is a stable statistic well below 1.
        if (c.k >= 32 && count >= 100) {
            double rms = Math.sqrt(sumSq / count);
            if (!(rms <= 1.0)) {
                fail(g + " error larger than typical: RMS of |diff| / (sqrt(k+2)·u·mag) = " + rms + " for " + c);
            }
        }
    }

    private static void checkDouble(Gemm g, Case c, long seed) {
        Operands op = new Operands(c, seed);
        double[] c0 = op.dc.clone();
        double[] expected = op.dc.clone();
        REF.dgemm(c.tA, c.tB, c.m, c.n, c.k, op.da, c.aOff, c.lda, op.db, c.bOff, c.ldb,
                expected, c.cOff, c.ldc, c.acc);
        double[] mag = new double[c.cLen];
        for (int i = 0; i < c.cLen; i++) {
            mag[i] = c.acc ? Math.abs(c0[i]) : 0d;
        }
        REF.dgemm(c.tA, c.tB, c.m, c.n, c.k, abs(op.da), c.aOff, c.lda, abs(op.db), c.bOff, c.ldb,
                mag, c.cOff, c.ldc, true);
        double[] actual = op.dc;
        g.dgemm(c.tA, c.tB, c.m, c.n, c.k, op.da, c.aOff, c.lda, op.db, c.bOff, c.ldb,
                actual, c.cOff, c.ldc, c.acc);
        for (int i = 0; i < c.cLen; i++) {
            if (!c.inC(i)) {
                if (Double.doubleToRawLongBits(actual[i]) != Double.doubleToRawLongBits(c0[i])) {
                    fail("double " + g + " wrote outside C at index " + i + " for " + c);
                }
                continue;
            }
            double tol = 1e-12 * mag[i] + Double.MIN_NORMAL;
            double diff = Math.abs(actual[i] - expected[i]);
            if (!(diff <= tol)) {
                fail("double mismatch at " + i + ": expected " + expected[i] + " got " + actual[i] + " for " + c);
            }
        }
    }
}
