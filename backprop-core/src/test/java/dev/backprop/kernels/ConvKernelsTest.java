package dev.backprop.kernels;

import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.Tensor;
import dev.backprop.ops.ConvOp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The fast convolution kernels against the reference loops, and independent of the thread count. */
class ConvKernelsTest {
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(savedThreads);
    }

    static Tensor rand(Generator g, DType dt, int... shape) {
        return Tensor.rand(g, dt, shape).mul(2).sub(1);
    }

    static void close(String what, Tensor ref, Tensor fast, int terms) {
        assertArrayEquals(ref.shape(), fast.shape(), what + ": shape");
        assertEquals(ref.dtype(), fast.dtype(), what + ": dtype");
        double[] r = ref.toDoubleArray(), f = fast.toDoubleArray();
        // Each value sums `terms` products of numbers in [-1, 1]: float32 rounding grows with √terms at most ~terms.
        double tol = 2e-6 * Math.max(1, terms);
        for (int i = 0; i < r.length; i++) {
            if (!(Math.abs(r[i] - f[i]) <= tol * Math.max(1, Math.abs(r[i])))) {
                fail(what + "[" + i + "]: reference " + r[i] + ", fast " + f[i]);
            }
        }
    }

    /** One random geometry: odd sizes, 1, primes; every combination of stride, padding, dilation and groups. */
    record Geo(int n, int groups, int cg, int og, int h, int w, int kh, int kw, ConvOp.Params p) {
        int[] x() { return new int[] {n, cg * groups, h, w}; }
        int[] wt() { return new int[] {og * groups, cg, kh, kw}; }
        int oh() { return p.outSize(0, h, kh); }
        int ow() { return p.outSize(1, w, kw); }
        @Override public String toString() {
            return "x " + Arrays.toString(x()) + ", w " + Arrays.toString(wt()) + ", " + p;
        }
    }

    static Geo randomGeo(Random r) {
        int[] sizes = {1, 2, 3, 5, 7, 11, 13};
        int[] ks = {1, 2, 3, 5};
        while (true) {
            ConvOp.Params p = new ConvOp.Params(new int[] {1 + r.nextInt(3), 1 + r.nextInt(3)},
                    new int[] {r.nextInt(3), r.nextInt(3)}, new int[] {1 + r.nextInt(2), 1 + r.nextInt(2)}, 1 + r.nextInt(3));
            Geo g = new Geo(1 + r.nextInt(3), p.groups(), new int[] {1, 2, 3, 5}[r.nextInt(4)], new int[] {1, 2, 7}[r.nextInt(3)],
                    sizes[r.nextInt(sizes.length)], sizes[r.nextInt(sizes.length)], ks[r.nextInt(ks.length)], ks[r.nextInt(ks.length)], p);
            if (g.oh() >= 1 && g.ow() >= 1) return g;
        }
    }

    @Test
    void fastMatchesReferenceOnRandomShapes() {
        Random r = new Random(5);
        Generator gen = new Generator(5);
        int checked = 0, direct = 0;
        for (int t = 0; t < 150; t++) {
            Geo g = t == 0 ? new Geo(2, 1, 3, 4, 5, 5, 1, 1, ConvOp.Params.defaults()) : randomGeo(r);
            if (g.kh() == 1 && g.kw() == 1 && g.p().equals(new ConvOp.Params(new int[] {1, 1}, new int[] {0, 0}, g.p().dilation(), g.groups()))) direct++;
            Tensor x = rand(gen, DType.FLOAT32, g.x()), w = rand(gen, DType.FLOAT32, g.wt());
            Tensor gy = rand(gen, DType.FLOAT32, g.n(), g.og() * g.groups(), g.oh(), g.ow());
            int k = g.cg() * g.kh() * g.kw();
            close("forward " + g, Kernels.REFERENCE.conv2d(x, w, g.p()), Kernels.FAST.conv2d(x, w, g.p()), k);
            close("input grad " + g, Kernels.REFERENCE.conv2dInputGrad(gy, w, g.h(), g.w(), g.p()),
                    Kernels.FAST.conv2dInputGrad(gy, w, g.h(), g.w(), g.p()), g.og() * g.kh() * g.kw());
            close("weight grad " + g, Kernels.REFERENCE.conv2dWeightGrad(gy, x, g.kh(), g.kw(), g.p()),
                    Kernels.FAST.conv2dWeightGrad(gy, x, g.kh(), g.kw(), g.p()), g.n() * g.oh() * g.ow());
            checked++;
        }
        assertEquals(150, checked);
        assertTrue(direct > 0, "the 1×1 path without unfolding was exercised");
    }

    @Test
    void nonContiguousAndMixedTypeOperands() {
        Generator gen = new Generator(7);
        ConvOp.Params p = new ConvOp.Params(new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 1}, 1);
        Tensor x = rand(gen, DType.FLOAT32, 2, 3, 6, 5).transpose(2, 3); // (2, 3, 5, 6), strided
        Tensor w = rand(gen, DType.FLOAT32, 4, 3, 3, 2);
        close("strided input", Kernels.REFERENCE.conv2d(x.contiguous(), w, p), Kernels.FAST.conv2d(x, w, p), 18);
        Tensor y = Kernels.FAST.conv2d(x, w.toDouble(), p);
        assertEquals(DType.FLOAT64, y.dtype(), "float32 with float64 gives float64");
        close("mixed types", Kernels.REFERENCE.conv2d(x.toDouble(), w.toDouble(), p), y, 18);
    }

    @Test
    void float64FastIsTheReference() {
        Generator gen = new Generator(8);
        ConvOp.Params p = new ConvOp.Params(new int[] {1, 2}, new int[] {1, 1}, new int[] {2, 1}, 2);
        Tensor x = rand(gen, DType.FLOAT64, 2, 4, 7, 9), w = rand(gen, DType.FLOAT64, 6, 2, 3, 3);
        assertArrayEquals(Kernels.REFERENCE.conv2d(x, w, p).toDoubleArray(), Kernels.FAST.conv2d(x, w, p).toDoubleArray());
    }

    @Test
    void bitIdenticalAcrossThreadCounts() {
        Generator gen = new Generator(9);
        ConvOp.Params pad1 = new ConvOp.Params(new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
        Tensor[][] cases = {
            {rand(gen, DType.FLOAT32, 4, 1, 28, 28), rand(gen, DType.FLOAT32, 32, 1, 3, 3)},
            {rand(gen, DType.FLOAT32, 3, 32, 14, 14), rand(gen, DType.FLOAT32, 64, 32, 3, 3)},
            {rand(gen, DType.FLOAT32, 2, 6, 11, 13), rand(gen, DType.FLOAT32, 9, 6, 5, 5)},
        };
        for (Tensor[] c : cases) {
            float[][] first = null;
            for (int threads : new int[] {1, 2, 3}) {
                Parallel.setThreads(threads);
                Tensor y = Kernels.FAST.conv2d(c[0], c[1], pad1);
                Tensor dx = Kernels.FAST.conv2dInputGrad(y, c[1], c[0].size(2), c[0].size(3), pad1);
                Tensor dw = Kernels.FAST.conv2dWeightGrad(y, c[0], c[1].size(2), c[1].size(3), pad1);
                float[][] now = {y.storage().floats().clone(), dx.storage().floats().clone(), dw.storage().floats().clone()};
                if (first == null) first = now;
                else for (int i = 0; i < 3; i++) assertArrayEquals(first[i], now[i], "output " + i + " with " + threads + " threads");
            }
        }
    }

    @Test
    void warmUpStopsWhenAsked() {
        // It asks before every round: stopped from the start it asks once and runs none; told to stop after the first
        // answer it runs exactly one round and asks once more.
        int[] asked = {0};
        Kernels.warmUpConvolution(() -> ++asked[0] > 0);
        assertEquals(Kernels.vectorized() ? 1 : 0, asked[0]);
        int[] calls = {0};
        Kernels.warmUpConvolution(() -> calls[0]++ > 0);
        assertEquals(Kernels.vectorized() ? 2 : 0, calls[0]);
    }
}
