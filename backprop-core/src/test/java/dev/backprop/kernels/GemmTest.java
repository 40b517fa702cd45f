package dev.backprop.kernels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link BlockedGemm} against {@link ReferenceGemm}: seeded random operands over many shapes, all four
 * transA/transB combinations, accumulate on and off, non-zero offsets and leading dimensions wider than the rows.
 *
 * <h2>Tolerances</h2>
 * Each element of C is an inner product of k terms (k + 1 with {@code accumulate}). For floating point with unit
 * roundoff u, any summation order satisfies |fl(Σ a·b) − Σ a·b| ≤ γ_n · Σ|a|·|b| with γ_n = n·u / (1 − n·u)
 * (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>, §3.1). So each element is checked against
 * {@code tol = γ_(k+2) · mag}, where {@code mag = Σ_p |op(A)(i,p)|·|op(B)(p,j)| (+ |C0(i,j)|)} is computed by the
 * reference on the absolute values; the extra term covers the rounding of the reference's own double result to
 * float. The bound is rigorous, so the check cannot be flaky (and Java floating point is reproducible, so neither
 * can the results), yet it still catches real bugs: a single wrong or missing product moves an element by about
 * mag / k, while the tolerance is about k·u·mag, so the error would be 1 / (k²·u) times the tolerance, at least
 * 27 times even for the largest k here (784, where tol ≈ 4.7e-5·mag). With inputs in [-1, 1), where
 * mag ≈ k / 4, this is of the order of sqrt(k)·max|a|·max|b|·1e-6 for the moderate k of most cases. A second,
 * statistical check on the RMS of the error relative to sqrt(k)·u·mag (see {@code checkFloat}) holds the
 * typical accuracy to what float32 accumulation actually achieves.
 * <ul>
 *   <li>float32: u = 2⁻²⁴. BlockedGemm accumulates in float (the reference in double).</li>
 *   <li>float64: both accumulate in double; γ_(k+2) with u = 2⁻⁵³ is below 1e-13 for every k here, so the
 *       check is the tight relative bound |Δ| ≤ 1e-12 · mag.</li>
 * </ul>
 * Elements of the C buffer outside the m×n window (the gap between n and ldc, the slack before and after) must
 * be left bit-for-bit unchanged, and without {@code accumulate} the window starts as NaN, so reading it would
 * show.
 */
class GemmTest {

    private static final Gemm REF = new ReferenceGemm();
    /** The production configuration. */
    private static final Gemm BLOCKED = new BlockedGemm();
    /**
     * Forces the blocked, parallel path on tiny matrices: no small-problem shortcut, K blocks of 4, N blocks of
     * 16 floats / 8 doubles, and a split into threads whenever there are two units of work.
     */
    private static final Gemm TINY_BLOCKS = new BlockedGemm(0, 4, 16, 8, 1);
    /**
     * Odd block sizes: K blocks of 13 = 8 + 4 + 1 run every unrolled step of the micro-kernel, and column blocks
     * of 37 floats / 19 doubles cut across the 16-wide thread strips.
     */
    private static final Gemm ODD_BLOCKS = new BlockedGemm(0, 13, 37, 19, 64);

    private static final int[] SIZES = {0, 1, 2, 3, 7, 13, 31, 64, 65, 127, 257, 17, 61, 101};

    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Test cases
    // ----------------------------------------------------------------------------------------------------------

    @Test
    void everyTinyShapeEveryVariant() {
        int[] tiny = {0, 1, 2, 3, 5, 7};
        Random r = new Random(1);
        for (Gemm g : List.of(BLOCKED, TINY_BLOCKS, ODD_BLOCKS)) {
            for (int m : tiny) {
                for (int n : tiny) {
                    for (int k : tiny) {
                        for (int v = 0; v < 8; v++) {
                            Case c = new Case(m, n, k, (v & 1) != 0, (v & 2) != 0, (v & 4) != 0, r);
                            checkFloat(g, c, r.nextLong());
                            checkDouble(g, c, r.nextLong());
                        }
                    }
                }
            }
        }
    }

    @Test
    void randomShapesFromTheSizeList() {
        Random r = new Random(2);
        int done = 0;
        while (done < 150) {
            int m = SIZES[r.nextInt(SIZES.length)];
            int n = SIZES[r.nextInt(SIZES.length)];
            int k = SIZES[r.nextInt(SIZES.length)];
            if ((long) m * n * k > 1_500_000) {
                continue; // keep the reference (a plain triple loop) cheap
            }
            Case c = new Case(m, n, k, r.nextBoolean(), r.nextBoolean(), r.nextBoolean(), r);
            Gemm g = switch (done % 3) {
                case 0 -> BLOCKED;
                case 1 -> TINY_BLOCKS;
                default -> ODD_BLOCKS;
            };
            checkFloat(g, c, r.nextLong());
            checkDouble(g, c, r.nextLong());
            done++;
        }
    }

    @Test
    void largerShapes() {
        // Big enough for the production thresholds: blocked path, several K blocks, thread splits by
        // columns and by rows, and the transposed-output form for narrow C. The third number of each row is
        // a mask of the variants to run (bit 0 transA, bit 1 transB, bit 2 accumulate): all eight for the
        // cheaper shapes, the layer's own transposition with and without accumulate for the big ones, so that
        // the plain-loop reference keeps the test quick.
        int[][] shapes = {
                {128, 256, 784, 0b0001_0001},   // MLP layer forward: X · W
                {784, 256, 128, 0b0010_0010},   // its weight gradient: Xᵀ · G (transA)
                {128, 784, 256, 0b0100_0100},   // its input gradient: G · Wᵀ (transB)
                {257, 257, 257, 0b1001_1001},
                {128, 10, 256, 0xFF},           // narrow output layer
                {256, 10, 128, 0xFF},
                {128, 256, 10, 0xFF},
                {1, 700, 300, 0xFF},            // m = 1
                {300, 1, 700, 0xFF},            // n = 1
                {300, 400, 1, 0xFF},            // k = 1
                {2, 1000, 65, 0xFF},
                {1000, 3, 67, 0xFF},
                {127, 129, 131, 0b0110_1001},
        };
        Random r = new Random(3);
        for (int[] s : shapes) {
            boolean doubleDone = false;
            for (int v = 0; v < 8; v++) {
                if ((s[3] & (1 << v)) == 0) {
                    continue;
                }
                Case c = new Case(s[0], s[1], s[2], (v & 1) != 0, (v & 2) != 0, (v & 4) != 0, r);
                checkFloat(BLOCKED, c, r.nextLong());
                if (!doubleDone) {
                    checkDouble(BLOCKED, c, r.nextLong()); // one double variant per shape
                    doubleDone = true;
                }
            }
        }
    }

    @Test
    void sameAnswersWithOneTwoAndThreeThreads() {
        int[][] shapes = {{128, 256, 300}, {40, 600, 129}, {301, 20, 90}, {3, 1024, 100}, {1024, 3, 100}};
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            Random r = new Random(4);
            for (int[] s : shapes) {
                Case c = new Case(s[0], s[1], s[2], r.nextBoolean(), r.nextBoolean(), r.nextBoolean(), r);
                checkFloat(BLOCKED, c, r.nextLong());
                checkDouble(BLOCKED, c, r.nextLong());
                checkFloat(TINY_BLOCKS, new Case(13, 31, 7, true, false, true, r), r.nextLong());
            }
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        // Each element is summed in the same order however the work is split, so results are bit-identical.
        Random r = new Random(5);
        Case c = new Case(200, 300, 500, false, true, false, r);
        float[][] results = new float[3][];
        for (int threads = 1; threads <= 3; threads++) {
            Parallel.setThreads(threads);
            Operands op = new Operands(c, 77);
            BLOCKED.sgemm(c.tA, c.tB, c.m, c.n, c.k, op.fa, c.aOff, c.lda, op.fb, c.bOff, c.ldb,
                    op.fc, c.cOff, c.ldc, c.acc);
            results[threads - 1] = op.fc;
        }
        assertArrayEquals(results[0], results[1]);
        assertArrayEquals(results[0], results[2]);
    }

    @Test
    void zeroSizedDimensions() {
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        float[] c = {9, 9, 9, 9};
        for (Gemm g : List.of(BLOCKED, TINY_BLOCKS)) {
            // k == 0: C = 0, or unchanged when accumulating.
            float[] c1 = c.clone();
            g.sgemm(false, false, 2, 2, 0, a, 0, 0, b, 0, 2, c1, 0, 2, true);
            assertArrayEquals(c, c1);
            g.sgemm(false, false, 2, 2, 0, a, 0, 0, b, 0, 2, c1, 0, 2, false);
            assertArrayEquals(new float[4], c1);
            // k == 0 with an offset and a wider ldc touches only the window.
            double[] d = {9, 9, 9, 9, 9, 9};
            g.dgemm(true, true, 2, 1, 0, new double[0], 0, 2, new double[0], 0, 1, d, 1, 3, false);
            assertArrayEquals(new double[] {9, 0, 9, 9, 0, 9}, d);
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
                () -> BLOCKED.sgemm(false, false, -1, 1, 1, x, 0, 1, x, 0, 1, x, 0, 1, false));
        assertThrows(IllegalArgumentException.class,
                () -> BLOCKED.dgemm(false, false, 1, 1, -1, new double[1], 0, 1, new double[1], 0, 1,
                        new double[1], 0, 1, false));
    }

    @Test
    void smallExactExample() {
        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154], all exact in float.
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] b = {7, 8, 9, 10, 11, 12};
        float[] at = {1, 4, 2, 5, 3, 6};
        float[] bt = {7, 9, 11, 8, 10, 12};
        for (Gemm g : List.of(BLOCKED, TINY_BLOCKS, ODD_BLOCKS)) {
            float[] c = new float[4];
            g.sgemm(false, false, 2, 2, 3, a, 0, 3, b, 0, 2, c, 0, 2, false);
            assertArrayEquals(new float[] {58, 64, 139, 154}, c);
            g.sgemm(true, true, 2, 2, 3, at, 0, 2, bt, 0, 3, c, 0, 2, true);
            assertArrayEquals(new float[] {116, 128, 278, 308}, c);
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // Machinery
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
                    fail("float " + g + " wrote outside C at index " + i + " for " + c);
                }
                continue;
            }
            double tol = rel * mag[i] + Float.MIN_NORMAL;
            double diff = Math.abs((double) actual[i] - expected[i]);
            if (!(diff <= tol)) {
                int rel0 = i - c.cOff;
                fail("float mismatch at C(" + rel0 / c.ldc + ", " + rel0 % c.ldc + "): expected " + expected[i]
                        + " got " + actual[i] + " (|diff| " + diff + " > tol " + tol + ") for " + c + " seed " + seed);
            }
            if (mag[i] > 0) {
                double r = diff / (typical * mag[i]);
                sumSq += r * r;
                count++;
            }
        }
        // Typical accuracy: rounding errors of random data add up like a random walk, so the error is usually
        // about sqrt(k)·u·mag (Higham & Mary, SIAM J. Sci. Comput. 41(5), 2019), far inside the worst case
        // above. Its RMS over a whole matrix is a stable statistic (at most about 0.05 in these tests) that catches a
        // subtle loss of precision, such as a partial sum kept at lower precision, which the per-element
        // worst-case bound would let through.
        if (c.k >= 32 && count >= 100) {
            double rms = Math.sqrt(sumSq / count);
            if (!(rms <= 1.0)) {
                fail("float error larger than typical: RMS of |diff| / (sqrt(k+2)·u·mag) = " + rms + " for " + c);
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
                int rel0 = i - c.cOff;
                fail("double mismatch at C(" + rel0 / c.ldc + ", " + rel0 % c.ldc + "): expected " + expected[i]
                        + " got " + actual[i] + " (|diff| " + diff + " > tol " + tol + ") for " + c + " seed " + seed);
            }
        }
    }
}
