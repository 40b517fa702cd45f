package dev.backprop.kernels;

import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fast kernels against the reference ones on tensor-level matmul: odd and prime sizes, 1, transposed and
 * sliced operands (strided layouts read without copying), broadcast batches.
 */
class MatmulKernelsTest {
    static final int[] SIZES = {1, 2, 3, 7, 13, 31, 64, 97, 130};

    static Tensor both(Kernels k, Tensor a, Tensor b) {
        Kernels before = Kernels.active();
        Kernels.use(k);
        try {
            return a.matmul(b);
        } finally {
            Kernels.use(before);
        }
    }

    static void same(Tensor a, Tensor b, DType dt, int k) {
        Tensor f = both(Kernels.FAST, a, b), r = both(Kernels.REFERENCE, a, b);
        assertArrayEquals(r.shape(), f.shape());
        double[] x = f.toDoubleArray(), y = r.toDoubleArray();
        // float32 sums of k products of N(0,1) values: rounding grows like sqrt(k) ulps of the partial sums.
        double tol = dt == DType.FLOAT64 ? 1e-12 : 2e-6 * Math.sqrt(k + 1);
        for (int i = 0; i < x.length; i++) {
            int at = i;
            assertEquals(y[i], x[i], tol * (1 + Math.abs(y[i])), () -> "element " + at + " of " + a + " @ " + b);
        }
    }

    @Test
    void plainAndTransposedOperands() {
        Generator g = new Generator(7);
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int m : SIZES) {
                for (int n : new int[] {1, 5, 31, 64, 130}) {
                    int k = SIZES[g.nextInt(SIZES.length)];
                    Tensor a = Tensor.randn(g, dt, m, k), b = Tensor.randn(g, dt, k, n);
                    same(a, b, dt, k);
                    same(Tensor.randn(g, dt, k, m).t(), b, dt, k);
                    same(a, Tensor.randn(g, dt, n, k).t(), dt, k);
                    same(Tensor.randn(g, dt, k, m).t(), Tensor.randn(g, dt, n, k).t(), dt, k);
                }
            }
        }
    }

    @Test
    void slicedAndExpandedOperands() {
        Generator g = new Generator(11);
        Tensor big = Tensor.randn(g, 40, 50);
        same(big.narrow(0, 3, 17).narrow(1, 5, 23), Tensor.randn(g, 23, 9), DType.FLOAT32, 23);
        same(big.slice(1, 0, 50, 2), Tensor.randn(g, 25, 4), DType.FLOAT32, 25);
        same(Tensor.randn(g, 1, 6).expand(5, 6), Tensor.randn(g, 6, 3), DType.FLOAT32, 6);
        same(Tensor.randn(g, 5, 6), Tensor.randn(g, 6, 1).expand(6, 4), DType.FLOAT32, 6);
    }

    @Test
    void batchedAndBroadcast() {
        Generator g = new Generator(13);
        same(Tensor.randn(g, 3, 17, 19), Tensor.randn(g, 3, 19, 5), DType.FLOAT32, 19);
        same(Tensor.randn(g, 2, 1, 8, 9), Tensor.randn(g, 4, 9, 3), DType.FLOAT32, 9);
        same(Tensor.randn(g, 4, 9, 8).mT(), Tensor.randn(g, 9, 3), DType.FLOAT32, 9);
        same(Tensor.randn(g, DType.FLOAT64, 2, 7, 7), Tensor.randn(g, DType.FLOAT64, 7, 7), DType.FLOAT64, 7);
    }

    @Test
    void emptyDimensions() {
        assertArrayEquals(new int[] {0, 3}, both(Kernels.FAST, Tensor.zeros(0, 4), Tensor.zeros(4, 3)).shape());
        Tensor z = both(Kernels.FAST, Tensor.ones(2, 0), Tensor.ones(0, 3));
        assertArrayEquals(new double[6], z.toDoubleArray(), "a product over k = 0 is zero");
    }
}
