package dev.backprop;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Creation, layout, views and values out. */
class TensorTest {
    static Tensor range(int... shape) {
        int n = (int) Shape.numel(shape);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i;
        return Tensor.of(v, shape);
    }

    @Test
    void creation() {
        assertArrayEquals(new int[] {2, 3}, Tensor.zeros(2, 3).shape());
        assertEquals(DType.FLOAT32, Tensor.zeros(2).dtype());
        assertEquals(DType.FLOAT64, Tensor.of(new double[] {1, 2}).dtype());
        assertEquals(DType.INT64, Tensor.of(new long[] {1}).dtype());
        assertArrayEquals(new double[] {7, 7}, Tensor.full(7, 2).toDoubleArray());
        assertArrayEquals(new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, Tensor.eye(3).toDoubleArray());
        assertArrayEquals(new long[] {0, 1, 2}, Tensor.arange(3).toLongArray());
        assertArrayEquals(new double[] {0, 0.5, 1, 1.5}, Tensor.arange(0, 2, 0.5).toDoubleArray(), 1e-7);
        assertEquals(0, Tensor.scalar(3).dim());
        assertEquals(3, Tensor.scalar(3).item());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
    }

    @Test
    void ofCopiesItsData() {
        float[] data = {1, 2};
        Tensor t = Tensor.of(data);
        data[0] = 9;
        assertEquals(1, t.getDouble(0));
    }

    @Test
    void randomTensorsAreReproducibleFromTheSeed() {
        Tensor a = Tensor.randn(new Generator(42), 3, 4), b = Tensor.randn(new Generator(42), 3, 4);
        assertArrayEquals(a.toFloatArray(), b.toFloatArray());
        Tensor c = Tensor.randn(new Generator(43), 3, 4);
        assertFalse(java.util.Arrays.equals(a.toFloatArray(), c.toFloatArray()));
        double[] u = Tensor.rand(new Generator(1), DType.FLOAT64, 10_000).toDoubleArray();
        double mean = java.util.Arrays.stream(u).average().orElseThrow();
        assertEquals(0.5, mean, 0.02);
        assertTrue(java.util.Arrays.stream(u).allMatch(v -> v >= 0 && v < 1));
        double[] n = Tensor.randn(new Generator(2), DType.FLOAT64, 20_000).toDoubleArray();
        double m = java.util.Arrays.stream(n).average().orElseThrow();
        double var = java.util.Arrays.stream(n).map(v -> (v - m) * (v - m)).sum() / n.length;
        assertEquals(0, m, 0.03);
        assertEquals(1, var, 0.03);
    }

    @Test
    void viewsShareStorage() {
        Tensor x = range(2, 3);
        Tensor r = x.reshape(3, 2), t = x.t(), s = x.narrow(1, 1, 2), e = x.select(0, 1).unsqueeze(0).expand(4, 3);
        for (Tensor v : List.of(r, t, s, e)) assertSame(x.storage(), v.storage());
        assertFalse(t.isContiguous());
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, t.toDoubleArray());
        assertArrayEquals(new double[] {1, 2, 4, 5}, s.toDoubleArray());
        assertArrayEquals(new int[] {0, 1}, e.stride());
        try (var g = GradMode.noGrad()) {
            s.fill_(9);
        }
        assertArrayEquals(new double[] {0, 9, 9, 3, 9, 9}, x.toDoubleArray(), "writes through a view reach the base");
    }

    @Test
    void reshapeCopiesOnlyWhenItMust() {
        Tensor x = range(2, 3, 4);
        Tensor p = x.permute(1, 0, 2);                 // (3, 2, 4), inner dim still contiguous
        assertSame(x.storage(), p.reshape(3, 2, 2, 2).storage(), "splitting a dim is a view");
        assertNotSame(x.storage(), p.reshape(6, 4).storage(), "merging permuted dims copies");
        assertThrows(IllegalArgumentException.class, () -> p.view(6, 4));
        assertArrayEquals(p.contiguous().toDoubleArray(), p.reshape(24).toDoubleArray());
        assertArrayEquals(new int[] {4, 6}, x.reshape(4, -1).shape());
    }

    @Test
    void shapeOps() {
        Tensor x = range(2, 1, 3);
        assertArrayEquals(new int[] {2, 3}, x.squeeze().shape());
        assertArrayEquals(new int[] {2, 3}, x.squeeze(1).shape());
        assertArrayEquals(new int[] {2, 1, 3}, x.squeeze(0).shape());
        assertArrayEquals(new int[] {2, 1, 3, 1}, x.unsqueeze(-1).shape());
        assertArrayEquals(new int[] {6}, x.flatten().shape());
        assertArrayEquals(new int[] {3, 1, 2}, x.permute(2, 1, 0).shape());
        assertArrayEquals(new int[] {2, 3}, x.flatten(1, 2).shape());
        assertArrayEquals(new int[] {2, 1, 3}, x.expand(-1, 1, 3).shape());
        assertArrayEquals(new int[] {5, 2, 4, 3}, x.broadcastTo(5, 2, 4, 3).shape());
        assertThrows(IllegalArgumentException.class, () -> x.expand(3, 1, 3));
    }

    @Test
    void slicing() {
        Tensor x = range(10);
        assertArrayEquals(new double[] {1, 4, 7}, x.slice(0, 1, 9, 3).toDoubleArray());
        assertArrayEquals(new double[] {8, 9}, x.slice(0, -2, 10, 1).toDoubleArray());
        assertArrayEquals(new double[] {2, 3}, range(2, 2).get(1).toDoubleArray());
        assertEquals(3, range(2, 2).get(1, 1).item());
        assertThrows(IllegalArgumentException.class, () -> x.narrow(0, 8, 3));
        assertThrows(IllegalArgumentException.class, () -> x.select(0, 10));
    }

    @Test
    void catStackSplitChunkPad() {
        Tensor a = range(2, 2), b = range(1, 2);
        assertArrayEquals(new double[] {0, 1, 2, 3, 0, 1}, Tensor.cat(List.of(a, b), 0).toDoubleArray());
        assertArrayEquals(new int[] {2, 2, 2}, Tensor.stack(List.of(a, a), 2).shape());
        List<Tensor> parts = range(7).split(3, 0);
        assertEquals(3, parts.size());
        assertArrayEquals(new double[] {6}, parts.get(2).toDoubleArray());
        assertEquals(3, range(7).chunk(3, 0).size());
        assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5}, Tensor.cat(range(6).split(new int[] {1, 2, 3}, 0), 0).toDoubleArray());
        Tensor p = range(1, 2).pad(new int[] {1, 0, 0, 1}, -1);
        assertArrayEquals(new int[] {2, 3}, p.shape());
        assertArrayEquals(new double[] {-1, 0, 1, -1, -1, -1}, p.toDoubleArray());
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.cat(List.of(a, range(2, 3)), 0));
        assertTrue(e.getMessage().contains("[2, 2]") && e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void reductionsAndArgmax() {
        Tensor x = Tensor.of(new float[] {1, 5, 3, 4, 2, 6}, 2, 3);
        assertEquals(21, x.sum().item());
        assertArrayEquals(new double[] {9, 12}, x.sum(1, false).toDoubleArray());
        assertArrayEquals(new int[] {2, 1}, x.sum(1, true).shape());
        assertArrayEquals(new double[] {3, 4}, x.mean(1, false).toDoubleArray());
        assertArrayEquals(new long[] {1, 2}, x.argmax(1, false).toLongArray());
        assertArrayEquals(new long[] {0, 1}, x.argmin(1, false).toLongArray());
        assertEquals(5, x.argmax().item());
        Tensor.ValuesIndices m = x.max(0, false);
        assertArrayEquals(new double[] {4, 5, 6}, m.values().toDoubleArray());
        assertArrayEquals(new long[] {1, 0, 1}, m.indices().toLongArray());
        assertEquals(1, x.min().item());
        assertEquals(3.5, x.var(new int[0], 1, false).item(), 1e-6);
    }

    @Test
    void longFloat32SumsKeepTheirPrecision() {
        // 10 million values of 0.1f: a naive float accumulator drifts by about 1%.
        float[] v = new float[10_000_000];
        java.util.Arrays.fill(v, 0.1f);
        double exact = 10_000_000 * (double) 0.1f;
        assertEquals(exact, Tensor.of(v).sum().item(), exact * 1e-6);
        assertEquals((double) 0.1f, Tensor.of(v).mean().item(), 1e-7);
    }

    @Test
    void comparisonsGiveBoolMasks() {
        Tensor x = Tensor.of(new float[] {1, 2, 3});
        assertArrayEquals(new boolean[] {false, true, true}, x.gt(1).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, false}, x.le(1).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, false}, x.eq(Tensor.of(new float[] {0, 2, 0})).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, true}, x.ne(2).toBooleanArray());
        assertEquals(DType.BOOL, x.lt(2).dtype());
        assertArrayEquals(new boolean[] {false, true, false}, x.gt(1).and(x.lt(3)).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, true}, x.gt(1).and(x.lt(3)).not().toBooleanArray());
        assertEquals(2, x.ge(2).countNonzero());
        Tensor nan = Tensor.of(new float[] {Float.NaN, 1, Float.POSITIVE_INFINITY});
        assertArrayEquals(new boolean[] {true, false, false}, nan.isNan().toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, false}, nan.isFinite().toBooleanArray());
    }

    @Test
    void mathNeedsFloatingTypes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.arange(3).exp());
        assertTrue(e.getMessage().contains("exp") && e.getMessage().contains("int64") && e.getMessage().contains("toFloat"),
                e.getMessage());
    }

    @Test
    void valuesOut() {
        Tensor x = range(2, 2).t();
        assertArrayEquals(new float[] {0, 2, 1, 3}, x.toFloatArray());
        assertArrayEquals(new long[] {0, 2, 1, 3}, x.toLongArray());
        assertEquals(2, x.getDouble(0, 1));
        assertThrows(IllegalStateException.class, x::item);
    }

    @Test
    void toStringIsReadable() {
        assertEquals("tensor([1.0000, 2.5000])", Tensor.of(new float[] {1, 2.5f}).toString());
        assertEquals("tensor([[0.0000, 1.0000],\n        [2.0000, 3.0000]], shape=[2, 2])", range(2, 2).toString());
        assertEquals("tensor(3.0000, shape=[], dtype=float64)", Tensor.scalar(DType.FLOAT64, 3).toString());
        Tensor g = Tensor.of(new float[] {1}).requiresGrad(true);
        assertEquals("tensor([1.0000], requiresGrad=true)", g.toString());
        assertTrue(g.mul(2).toString().endsWith("gradFn=mul)"));
        assertEquals("tensor([true, false], dtype=bool)", Tensor.of(new boolean[] {true, false}).toString());
        String big = range(100, 100).toString();
        assertTrue(big.contains("...") && big.contains("9999.0000") && big.length() < 600, big);
    }

    @Test
    void inPlaceOps() {
        Tensor x = Tensor.zeros(2, 2);
        x.fill_(1).add_(Tensor.of(new float[] {1, 2})).mul_(2);
        assertArrayEquals(new double[] {4, 6, 4, 6}, x.toDoubleArray());
        x.set(-1, 1, 0);
        assertEquals(-1, x.getDouble(1, 0));
        int v = x.storage().version();
        x.zero_();
        assertTrue(x.storage().version() > v, "every in-place op bumps the version");
        x.copy_(Tensor.of(new double[] {5, 6}));
        assertArrayEquals(new double[] {5, 6, 5, 6}, x.toDoubleArray());
        Tensor y = range(2, 2);
        y.copy_(y.t());
        assertArrayEquals(new double[] {0, 2, 1, 3}, y.toDoubleArray(), "an overlapping copy reads the old values");
    }
}
