package dev.backprop.kernels;

import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.Tensor;
import dev.backprop.ops.BinaryOp;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast pooling, batch-norm and plane-broadcast kernels against the reference ones on random shapes (odd
 * sizes, 1, primes), float32 — where the fast loops run — and float64 (which falls through).
 */
class PoolNormKernelsTest {
    static final Kernels F = Kernels.FAST, R = Kernels.REFERENCE;
    static final int[] SIZES = {1, 2, 3, 5, 7, 8, 13, 17, 28, 31};

    static Tensor rand(Generator g, int... shape) {
        return Tensor.rand(g, shape).mul(4).sub(2);
    }

    /** Values on a coarse grid, so windows often hold ties. */
    static Tensor coarse(Generator g, int... shape) {
        float[] v = new float[(int) Tensor.zeros(shape).numel()];
        for (int i = 0; i < v.length; i++) v[i] = g.nextInt(4);
        return Tensor.of(v, shape);
    }

    static void close(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertEquals(expected.dtype(), actual.dtype(), what + ": dtype");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(e[i])) {
                assertTrue(Double.isNaN(a[i]), what + "[" + i + "]: expected NaN, got " + a[i]);
                continue;
            }
            if (Double.isInfinite(e[i])) {
                assertEquals(e[i], a[i], what + "[" + i + "]");
                continue;
            }
            assertEquals(e[i], a[i], tol * Math.max(1, Math.abs(e[i])), what + "[" + i + "]");
        }
    }

    @Test
    void maxPoolMatchesTheReference() {
        Generator g = new Generator(1);
        int[][][] configs = {
            {{2, 2}, {2, 2}, {0, 0}, {1, 1}}, {{3, 3}, {2, 2}, {1, 1}, {1, 1}}, {{2, 3}, {1, 2}, {1, 1}, {1, 1}},
            {{3, 2}, {1, 1}, {1, 0}, {2, 3}}, {{1, 1}, {1, 1}, {0, 0}, {1, 1}}};
        for (int trial = 0; trial < 60; trial++) {
            int n = SIZES[g.nextInt(4)], c = SIZES[g.nextInt(5)], h = SIZES[3 + g.nextInt(7)], w = SIZES[3 + g.nextInt(7)];
            int[][] cf = configs[trial % configs.length];
            if (h + 2 * cf[2][0] < cf[3][0] * (cf[0][0] - 1) + 1 || w + 2 * cf[2][1] < cf[3][1] * (cf[0][1] - 1) + 1) continue;
            Tensor x = trial % 3 == 0 ? coarse(g, n, c, h, w) : rand(g, n, c, h, w);
            if (trial % 7 == 0) x = x.reshape(n * c, h, w);
            if (trial % 11 == 0) x.set(Float.NaN, x.dim() == 4 ? new int[] {0, 0, 0, 0} : new int[] {0, 0, 0});
            String what = "maxPool2d " + Arrays.toString(x.shape()) + " " + Arrays.deepToString(cf);
            int outN = (int) (x.numel() / ((long) h * w)) * (Math.floorDiv(h + 2 * cf[2][0] - cf[3][0] * (cf[0][0] - 1) - 1, cf[1][0]) + 1)
                    * (Math.floorDiv(w + 2 * cf[2][1] - cf[3][1] * (cf[0][1] - 1) - 1, cf[1][1]) + 1);
            int[] af = new int[outN], ar = new int[outN];
            Tensor yf = F.maxPool2d(x, cf[0], cf[1], cf[2], cf[3], af), yr = R.maxPool2d(x, cf[0], cf[1], cf[2], cf[3], ar);
            close(yr, yf, 0, what);
            assertArrayEquals(ar, af, what + ": argmax (first maximum)");
            Tensor gy = rand(g, yr.shape());
            close(R.maxPool2dBackward(gy, ar, x.shape()), F.maxPool2dBackward(gy, af, x.shape()), 1e-6, what + " backward");
        }
    }

    /** The vector 2×2 path on wide rows: ties everywhere, NaNs sprinkled in every corner position, odd tails. */
    @Test
    void maxPool2x2WideRowsTiesAndNaN() {
        Generator g = new Generator(9);
        int[] two = {2, 2}, zero = {0, 0}, one = {1, 1};
        for (int w : new int[] {2, 3, 4, 14, 15, 16, 17, 28, 29, 32, 33, 40, 64, 65}) {
            for (int trial = 0; trial < 4; trial++) {
                int h = 6 + trial % 2;
                Tensor x = coarse(g, 3, 2, h, w);
                float[] v = x.toFloatArray();
                if (trial > 0) for (int i = 0; i < v.length; i++) if (g.nextInt(10 * trial) == 0) v[i] = Float.NaN;
                if (trial == 3) for (int i = 0; i < v.length; i++) if (g.nextInt(5) == 0) v[i] = Float.NEGATIVE_INFINITY;
                x = Tensor.of(v, 3, 2, h, w);
                int n = 3 * 2 * (h / 2) * (w / 2);
                int[] af = new int[n], ar = new int[n];
                Tensor yf = F.maxPool2d(x, two, two, zero, one, af), yr = R.maxPool2d(x, two, two, zero, one, ar);
                close(yr, yf, 0, "2x2 width " + w + " trial " + trial);
                assertArrayEquals(ar, af, "2x2 argmax, width " + w + " trial " + trial);
            }
        }
    }

    @Test
    void avgAndAdaptivePoolMatchTheReference() {
        Generator g = new Generator(2);
        for (int trial = 0; trial < 30; trial++) {
            int n = SIZES[g.nextInt(3)], c = SIZES[g.nextInt(4)], h = SIZES[2 + g.nextInt(8)], w = SIZES[2 + g.nextInt(8)];
            Tensor x = rand(g, n, c, h, w);
            int k = Math.min(3, Math.min(h, w)), p = k / 2;
            boolean cip = trial % 2 == 0;
            Tensor yr = R.avgPool2d(x, new int[] {k, k}, new int[] {2, 1}, new int[] {p, p}, cip);
            close(yr, F.avgPool2d(x, new int[] {k, k}, new int[] {2, 1}, new int[] {p, p}, cip), 1e-6, "avgPool2d");
            Tensor gy = rand(g, yr.shape());
            close(R.avgPool2dBackward(gy, x.shape(), new int[] {k, k}, new int[] {2, 1}, new int[] {p, p}, cip),
                    F.avgPool2dBackward(gy, x.shape(), new int[] {k, k}, new int[] {2, 1}, new int[] {p, p}, cip), 1e-6, "avg backward");
            int oh = 1 + g.nextInt(h + 2), ow = 1 + g.nextInt(w + 2);
            Tensor ar = R.adaptiveAvgPool2d(x, oh, ow);
            close(ar, F.adaptiveAvgPool2d(x, oh, ow), 1e-6, "adaptiveAvgPool2d");
            Tensor ga = rand(g, ar.shape());
            close(R.adaptiveAvgPool2dBackward(ga, x.shape()), F.adaptiveAvgPool2dBackward(ga, x.shape()), 1e-6, "adaptive backward");
        }
    }

    @Test
    void batchNormMatchesTheReference() {
        Generator g = new Generator(3);
        for (int trial = 0; trial < 40; trial++) {
            int n = SIZES[g.nextInt(6)], c = SIZES[g.nextInt(6)];
            int[] shape = switch (trial % 3) {
                case 0 -> new int[] {n + 1, c, SIZES[g.nextInt(10)], SIZES[g.nextInt(10)]};
                case 1 -> new int[] {n + 1, c, SIZES[g.nextInt(10)]};
                default -> new int[] {n + 1, c};
            };
            // An offset mean and a small spread: the two-pass variance must not cancel.
            Tensor x = rand(g, shape).mul(trial % 4 == 0 ? 0.01 : 1).add(trial % 5 == 0 ? 100 : 0);
            String what = "batchNorm " + Arrays.toString(shape);
            double[][] sr = R.batchNormStats(x), sf = F.batchNormStats(x);
            for (int ch = 0; ch < c; ch++) {
                assertEquals(sr[0][ch], sf[0][ch], 1e-6 * Math.max(1, Math.abs(sr[0][ch])), what + " mean");
                assertEquals(sr[1][ch], sf[1][ch], 2e-5 * sr[1][ch] + 1e-9, what + " var");
            }
            double[] invstd = new double[c];
            for (int ch = 0; ch < c; ch++) invstd[ch] = 1 / Math.sqrt(sr[1][ch] + 1e-5);
            Tensor w = trial % 2 == 0 ? rand(g, c) : null, b = trial % 3 == 0 ? rand(g, c) : null;
            close(R.batchNormForward(x, sr[0], invstd, w, b), F.batchNormForward(x, sr[0], invstd, w, b), 2e-5, what + " forward");
            Tensor gy = rand(g, shape);
            double[] g1 = new double[c], g2 = new double[c], h1 = new double[c], h2 = new double[c];
            Tensor dr = R.batchNormBackward(gy, x, sr[0], invstd, w, g1, h1), df = F.batchNormBackward(gy, x, sr[0], invstd, w, g2, h2);
            double scale = Arrays.stream(dr.toDoubleArray()).map(Math::abs).max().orElse(1);
            close(dr.div(Math.max(1e-3, scale)), df.div(Math.max(1e-3, scale)), 5e-5, what + " backward");
            for (int ch = 0; ch < c; ch++) {
                assertEquals(g1[ch], g2[ch], 1e-4 * Math.max(1, Math.abs(g1[ch])), what + " Σg");
                assertEquals(h1[ch], h2[ch], 1e-4 * Math.max(1, Math.abs(h1[ch])), what + " Σg·x̂");
            }
        }
    }

    @Test
    void planeBroadcastMatchesTheReference() {
        Generator g = new Generator(4);
        BinaryOp[] ops = {new BinaryOp.Add(), new BinaryOp.Sub(), new BinaryOp.Mul(), new BinaryOp.Div(), new BinaryOp.Maximum(),
            new BinaryOp.Minimum()};
        for (int trial = 0; trial < 60; trial++) {
            int n = SIZES[g.nextInt(6)], c = SIZES[g.nextInt(8)], h = SIZES[g.nextInt(10)], w = SIZES[g.nextInt(10)];
            int[] full = {n, c, h, w};
            int[] part = switch (trial % 5) {
                case 0 -> new int[] {n, c, 1, 1};
                case 1 -> new int[] {1, c, 1, 1};
                case 2 -> new int[] {c, 1, 1};
                case 3 -> new int[] {n, 1, 1, 1};
                default -> new int[] {1, c, h, 1};
            };
            Tensor a = rand(g, full), b = rand(g, part).add(3); // away from 0 for division
            for (BinaryOp op : ops) {
                String what = op.name() + " " + Arrays.toString(full) + " with " + Arrays.toString(part);
                close(R.binary(op, a, b), F.binary(op, a, b), 1e-6, what);
                close(R.binary(op, b, a.add(5)), F.binary(op, b, a.add(5)), 1e-6, what + " (broadcast on the left)");
            }
        }
    }
}
