package dev.backprop;

import dev.backprop.autograd.GradCheck;
import dev.backprop.nn.Functional;
import dev.backprop.nn.Functional.Reduction;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The failure cases of {@code shared/cases/README.md} that touch the core (tensors, autograd, softmax family, BCE,
 * reductions, indexing, sizes), one nested class per case id. Each class pins the README's numbers and then covers
 * the whole kind of failure: the other ops, shapes, dimensions and both float types where the same mistake could hide.
 *
 * <p>Tolerances are the README's: relative 1e-6 in float64 (plus 1e-12 absolute, so that an expected 0 is not a
 * bit-exact demand), relative 1e-5 with absolute 1e-6 in float32. The README prints its numbers rounded to 6 or 7
 * decimals; those are compared with an extra slack of half a unit of the last printed decimal, and, where a closed
 * form exists, the same value is also checked against the exact double formula with the plain tolerance.
 */
@DisplayName("Failure cases reported against other libraries (shared/cases/README.md)")
class CasesTest {

    /** A test run once in float32 and once in float64. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    @interface BothFloats {}

    private static final double INF = Double.POSITIVE_INFINITY;

    // ---------------------------------------------------------------------------------------------------- helpers

    static Tensor t(DType dt, double[] v, int... shape) {
        if (dt == DType.FLOAT64) return Tensor.of(v, shape);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return Tensor.of(f, shape);
    }

    static Tensor leaf(DType dt, double[] v, int... shape) {
        return t(dt, v, shape).requiresGrad(true);
    }

    static double[] d(double... v) {
        return v;
    }

    static Tensor ids(long... v) {
        return Tensor.of(v);
    }

    static double tol(DType dt, double expected) {
        return dt == DType.FLOAT64 ? 1e-6 * Math.abs(expected) + 1e-12 : 1e-5 * Math.abs(expected) + 1e-6;
    }

    /** Values within the README tolerance of {@code dt}, plus {@code slack} (for numbers printed rounded). */
    static void assertClose(DType dt, double[] expected, Tensor actual, double slack, String what) {
        assertNotNull(actual, what + ": is null");
        double[] a = actual.toDoubleArray();
        assertEquals(expected.length, a.length, what + ": element count, got " + Arrays.toString(a));
        for (int i = 0; i < a.length; i++) {
            double e = expected[i];
            boolean ok = Double.isInfinite(e) ? a[i] == e : Math.abs(a[i] - e) <= tol(dt, e) + slack;
            if (!ok) {
                fail(what + " (" + dt + "): element " + i + " expected " + e + " but was " + a[i]
                        + "; expected " + Arrays.toString(expected) + ", actual " + Arrays.toString(a));
            }
        }
    }

    static void assertClose(DType dt, double[] expected, Tensor actual, String what) {
        assertClose(dt, expected, actual, 0, what);
    }

    /** Against numbers the README prints with {@code decimals} decimals. */
    static void assertPrinted(DType dt, double[] printed, int decimals, Tensor actual, String what) {
        assertClose(dt, printed, actual, 0.5 * Math.pow(10, -decimals), what + " vs README");
    }

    static void assertAllFinite(Tensor x, String what) {
        assertNotNull(x, what + ": is null");
        for (double v : x.toDoubleArray()) {
            assertTrue(Double.isFinite(v), what + ": has a non-finite value " + v + " in " + Arrays.toString(x.toDoubleArray()));
        }
    }

    static void assertAllZero(Tensor x, String what) {
        assertNotNull(x, what + ": is null");
        for (double v : x.toDoubleArray()) {
            assertTrue(v == 0.0, what + ": expected exact zeros, got " + Arrays.toString(x.toDoubleArray()));
        }
    }

    static void assertShape(int[] expected, Tensor x, String what) {
        assertNotNull(x, what + ": is null");
        assertArrayEquals(expected, x.shape(), what + ": shape " + Arrays.toString(x.shape()));
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    static double[] softmax(double... z) {
        double m = Arrays.stream(z).max().orElseThrow();
        double s = 0;
        for (double v : z) s += Math.exp(v - m);
        double[] p = new double[z.length];
        for (int i = 0; i < z.length; i++) p[i] = Math.exp(z[i] - m) / s;
        return p;
    }

    static double[] concat(double[]... parts) {
        return Arrays.stream(parts).flatMapToDouble(Arrays::stream).toArray();
    }

    static Tensor rand(Generator g, int[] shape, double lo, double hi) {
        return Tensor.rand(g, DType.FLOAT64, shape).mul(hi - lo).add(lo);
    }

    // ============================================================================================ softmax family

    @Nested
    @DisplayName("SOFTMAX-SHIFT: softmax of huge logits is [1, 0], never NaN (the max is subtracted first)")
    class SoftmaxShift {

        @BothFloats
        @DisplayName("SOFTMAX-SHIFT softmax([[1000, 0]]) along the last dim, rank 2 and rank 1")
        void softmaxShift_rank2AndRank1(DType dt) {
            Tensor p2 = t(dt, d(1000, 0), 1, 2).softmax(-1);
            assertShape(new int[] {1, 2}, p2, "rank 2");
            assertClose(dt, d(1, 0), p2, "softmax([[1000, 0]], -1)");
            assertClose(dt, d(1, 0), t(dt, d(1000, 0), 1, 2).softmax(1), "softmax([[1000, 0]], 1)");
            Tensor p1 = t(dt, d(1000, 0)).softmax(0);
            assertShape(new int[] {2}, p1, "rank 1");
            assertClose(dt, d(1, 0), p1, "softmax([1000, 0])");
            assertClose(dt, d(1, 0), t(dt, d(1000, 0)).softmax(-1), "softmax([1000, 0], -1)");
            // The same mistake in other places: the big logit second, negative, tied, close together, rank 3.
            assertClose(dt, d(0, 1), t(dt, d(0, 1000)).softmax(0), "softmax([0, 1000])");
            assertClose(dt, d(0, 1), t(dt, d(-1000, 0)).softmax(0), "softmax([-1000, 0])");
            assertClose(dt, d(0.5, 0.5), t(dt, d(1000, 1000)).softmax(0), "softmax([1000, 1000])");
            assertClose(dt, d(0.5, 0.5), t(dt, d(-1000, -1000)).softmax(0), "softmax([-1000, -1000])");
            assertClose(dt, softmax(1000, 999), t(dt, d(1000, 999)).softmax(0), "softmax([1000, 999])");
            Tensor p3 = t(dt, d(1000, 0, 0, 1000, -5000, 5000), 3, 1, 2).softmax(2);
            assertClose(dt, d(1, 0, 0, 1, 0, 1), p3, "rank 3 along the last dim");
            assertEquals(dt, p3.dtype(), "dtype kept");
        }

        @Test
        @DisplayName("SOFTMAX-SHIFT float32 softmax([[89, 0]]) (exp(89) already overflows float32)")
        void softmaxShift_float32At89() {
            assertTrue(Float.isInfinite((float) Math.exp(89)), "premise: exp(89) overflows float32");
            DType f = DType.FLOAT32;
            Tensor p = Tensor.of(new float[] {89, 0}, 1, 2).softmax(1);
            assertEquals(f, p.dtype());
            assertClose(f, d(1, 0), p, "softmax([[89, 0]])");
            assertClose(f, d(1, 0), Tensor.of(new float[] {89, 0}).softmax(0), "softmax([89, 0])");
            assertClose(f, d(0.5, 0.5), Tensor.of(new float[] {89, 89}).softmax(0), "softmax([89, 89])");
            assertClose(f, d(1, 0), Tensor.of(new float[] {1e30f, 0}).softmax(0), "softmax([1e30, 0])");
            assertClose(f, d(0.5, 0.5), Tensor.of(new float[] {3e38f, 3e38f}).softmax(0), "softmax([3e38, 3e38])");
            assertClose(f, d(0, 1), Tensor.of(new float[] {-3e38f, 0}).softmax(0), "softmax([-3e38, 0])");
            assertClose(f, d(1, 0), Tensor.of(new float[] {89, 0}, 2, 1).softmax(0), "softmax([[89], [0]], 0)");
        }

        @BothFloats
        @DisplayName("SOFTMAX-SHIFT along dim 0 and a middle dim")
        void softmaxShift_alongDim0(DType dt) {
            assertClose(dt, d(1, 0), t(dt, d(1000, 0), 2, 1).softmax(0), "softmax([[1000], [0]], 0)");
            assertClose(dt, d(1, 0, 0, 1), t(dt, d(1000, 0, 0, 1000), 2, 2).softmax(0), "softmax 2x2 along dim 0");
            // [2, 2, 2] along dim 1: pairs (x[i,0,k], x[i,1,k]).
            Tensor x = t(dt, d(1000, 0, 0, 1000, -1000, 7, 0, 7), 2, 2, 2);
            assertClose(dt, d(1, 0, 0, 1, 0, 0.5, 1, 0.5), x.softmax(1), "rank 3 along dim 1");
            // A transposed (non-contiguous) view.
            Tensor v = t(dt, d(1000, 0, 0, 1000), 2, 2).t();
            assertClose(dt, d(1, 0, 0, 1), v.softmax(0), "transposed view along dim 0");
        }

        @BothFloats
        @DisplayName("SOFTMAX-SHIFT gradients at huge logits are finite")
        void softmaxShift_gradientsFinite(DType dt) {
            Tensor x = leaf(dt, d(1000, 0, -1000, 0), 2, 2);
            Tensor p = x.softmax(1);
            p.select(1, 0).sum().backward();
            assertAllFinite(x.grad(), "d softmax[:, 0] / dx");
            assertClose(dt, d(0, 0, 0, 0), x.grad(), "p(1 − p) and −p·q at saturation");

            Tensor y = leaf(dt, d(1000, 999));
            y.softmax(0).get(0).backward();
            double[] q = softmax(1000, 999);
            assertClose(dt, d(q[0] * q[1], -q[0] * q[1]), y.grad(), "d softmax([1000, 999])[0]");
        }

        @BothFloats
        @DisplayName("SOFTMAX-SHIFT logSoftmax and logsumexp at huge logits")
        void softmaxShift_logSoftmaxAndLogsumexp(DType dt) {
            assertClose(dt, d(0, -1000), t(dt, d(1000, 0)).logSoftmax(0), "logSoftmax([1000, 0])");
            assertClose(dt, d(-1000, 0), t(dt, d(-1000, 0)).logSoftmax(0), "logSoftmax([-1000, 0])");
            assertClose(dt, d(0, -1000), t(dt, d(1000, 0), 2, 1).logSoftmax(0), "logSoftmax along dim 0");
            Tensor x = leaf(dt, d(1000, 0));
            x.logSoftmax(0).get(1).backward();
            assertClose(dt, d(-1, 1), x.grad(), "d logSoftmax([1000, 0])[1]");

            assertClose(dt, d(1000), t(dt, d(1000, 0)).logsumexp(), "logsumexp([1000, 0])");
            assertClose(dt, d(1000 + Math.log(2)), t(dt, d(1000, 1000)).logsumexp(), "logsumexp([1000, 1000])");
            assertClose(dt, d(-1000 + Math.log(2)), t(dt, d(-1000, -1000)).logsumexp(), "logsumexp([-1000, -1000])");
            assertClose(dt, d(1000, 0), t(dt, d(1000, 0, 0, -1000), 2, 2).logsumexp(new int[] {1}, false),
                    "logsumexp along dim 1");
            Tensor z = leaf(dt, d(1000, 0));
            z.logsumexp().backward();
            assertClose(dt, d(1, 0), z.grad(), "d logsumexp([1000, 0])");
        }

        @BothFloats
        @DisplayName("SOFTMAX-SHIFT cross-entropy at huge logits")
        void softmaxShift_crossEntropy(DType dt) {
            Tensor logits = leaf(dt, d(1000, 0, 0, 1000), 2, 2);
            Tensor target = ids(0, 0);
            Tensor loss = Functional.crossEntropy(logits, target, Reduction.SUM);
            assertClose(dt, d(1000), loss, "CE sum");
            loss.backward();
            assertClose(dt, d(0, 0, -1, 1), logits.grad(), "dCE/dz = p − y");

            Tensor l2 = leaf(dt, d(1000, 0, 0, 1000), 2, 2);
            Tensor mean = Functional.crossEntropy(l2, target);
            assertClose(dt, d(500), mean, "CE mean");
            mean.backward();
            assertClose(dt, d(0, 0, -0.5, 0.5), l2.grad(), "dCE/dz mean");

            Tensor none = Functional.crossEntropy(t(dt, d(1000, 0, -1000, 1000), 2, 2), ids(1, 1), Reduction.NONE);
            assertClose(dt, d(1000, 0), none, "CE per row");
        }
    }

    @Nested
    @DisplayName("LOGSOFTMAX-STABLE: fused log-softmax, finite where log(softmax) gives −inf and NaN")
    class LogSoftmaxStable {

        @Test
        @DisplayName("LOGSOFTMAX-STABLE f32 logSoftmax([0, −200]) and the grad of its second entry")
        void logSoftmaxStable_float32() {
            DType f = DType.FLOAT32;
            Tensor x = leaf(f, d(0, -200));
            Tensor ls = x.logSoftmax(0);
            assertEquals(f, ls.dtype());
            assertClose(f, d(-0.0, -200), ls, "logSoftmax([0, -200])");
            ls.get(1).backward();
            assertClose(f, d(-1, 1), x.grad(), "d logSoftmax[1] / dx");
            // Why it is fused: the composite underflows to log(0) = −inf in float32.
            assertTrue(Double.isInfinite(Tensor.of(new float[] {0, -200}).softmax(0).log().toDoubleArray()[1]),
                    "premise: log(softmax) in float32 gives -inf here");
        }

        @BothFloats
        @DisplayName("LOGSOFTMAX-STABLE the kind: beyond exp underflow in both types, every dim, all entries")
        void logSoftmaxStable_kind(DType dt) {
            double far = dt == DType.FLOAT64 ? -800 : -200; // exp underflows to 0 in that type
            Tensor x = leaf(dt, d(0, far));
            Tensor ls = x.logSoftmax(0);
            assertClose(dt, d(0, far), ls, "logSoftmax([0, far])");
            ls.get(1).backward();
            assertClose(dt, d(-1, 1), x.grad(), "d logSoftmax[1]");

            Tensor y = leaf(dt, d(0, far, -1e4, 0), 2, 2);
            Tensor l = y.logSoftmax(1);
            assertClose(dt, d(0, far, -1e4, 0), l, "rank 2 along dim 1");
            l.sum().backward();
            // ∂/∂x of Σ logSoftmax = 1 − n·p per row.
            assertClose(dt, d(-1, 1, 1, -1), y.grad(), "d Σ logSoftmax");
            assertAllFinite(y.grad(), "grad");

            Tensor z = leaf(dt, d(0, -1e4, far, 0), 2, 2);
            Tensor l0 = z.logSoftmax(0);
            assertClose(dt, d(0, -1e4, far, 0), l0, "rank 2 along dim 0");
            l0.get(1, 0).backward();
            assertClose(dt, d(-1, 0, 1, 0), z.grad(), "d logSoftmax[1, 0] along dim 0");

            // Cross-entropy (log-softmax + NLL) at the same logits.
            Tensor c = leaf(dt, d(0, far), 1, 2);
            Tensor ce = Functional.crossEntropy(c, ids(1), Reduction.SUM);
            assertClose(dt, d(-far), ce, "CE");
            ce.backward();
            assertClose(dt, d(1, -1), c.grad(), "dCE");
        }
    }

    @Nested
    @DisplayName("SOFTMAX-AXIS: softmax over the class axis; CE grad p − y per row")
    class SoftmaxAxis {
        final double[] row = softmax(1, 2, 3);

        @BothFloats
        @DisplayName("SOFTMAX-AXIS logits [[1,2,3],[1,2,3]], target class 2 for both rows")
        void softmaxAxis_readmeNumbers(DType dt) {
            Tensor z = leaf(dt, d(1, 2, 3, 1, 2, 3), 2, 3);
            Tensor p = z.softmax(1);
            double[] printed = d(0.0900306, 0.2447285, 0.6652410);
            assertPrinted(dt, concat(printed, printed), 7, p, "softmax rows");
            assertClose(dt, concat(row, row), p, "softmax rows (exact)");
            assertClose(dt, concat(row, row), z.softmax(-1), "softmax(-1) is the same axis");
            // The axis mistake: over dim 0 the two equal rows give 0.5 everywhere.
            assertClose(dt, d(0.5, 0.5, 0.5, 0.5, 0.5, 0.5), z.softmax(0), "softmax over the batch axis");

            Functional.crossEntropy(z, ids(2, 2), Reduction.SUM).backward();
            double[] g = d(0.0900306, 0.2447285, -0.3347590);
            assertPrinted(dt, concat(g, g), 7, z.grad(), "dCE/dz (sum) = p − y");
            double[] ge = d(row[0], row[1], row[2] - 1);
            assertClose(dt, concat(ge, ge), z.grad(), "dCE/dz (sum), exact");

            Tensor zm = leaf(dt, d(1, 2, 3, 1, 2, 3), 2, 3);
            Functional.crossEntropy(zm, ids(2, 2)).backward();
            double[] gm = Arrays.stream(ge).map(v -> v / 2).toArray();
            assertClose(dt, concat(gm, gm), zm.grad(), "dCE/dz (mean) = (p − y)/N");
        }

        @BothFloats
        @DisplayName("SOFTMAX-AXIS one-hot CE written by hand, and the transposed layout over dim 0")
        void softmaxAxis_kind(DType dt) {
            double[] ge = d(row[0], row[1], row[2] - 1);
            Tensor y = t(dt, d(0, 0, 1, 0, 0, 1), 2, 3);
            Tensor z = leaf(dt, d(1, 2, 3, 1, 2, 3), 2, 3);
            z.logSoftmax(1).mul(y).sum().neg().backward();
            assertClose(dt, concat(ge, ge), z.grad(), "−Σ y·logSoftmax(z, 1)");

            // Classes along dim 0 (a [3, 2] layout, contiguous and as a transposed view).
            Tensor zt = leaf(dt, d(1, 1, 2, 2, 3, 3), 3, 2);
            Tensor pt = zt.softmax(0);
            assertClose(dt, d(row[0], row[0], row[1], row[1], row[2], row[2]), pt, "softmax over dim 0");
            zt.logSoftmax(0).mul(y.t()).sum().neg().backward();
            assertClose(dt, d(ge[0], ge[0], ge[1], ge[1], ge[2], ge[2]), zt.grad(), "CE grad over dim 0");
            Tensor zv = leaf(dt, d(1, 2, 3, 1, 2, 3), 2, 3);
            zv.t().softmax(0).t().mul(y).sum().backward();
            double[] gs = d(-row[2] * row[0], -row[2] * row[1], row[2] * (1 - row[2]));
            assertClose(dt, concat(gs, gs), zv.grad(), "softmax of a transposed view");

            // Rank 3: each slice along the chosen dim sums to 1.
            Tensor x3 = t(dt, d(1, 2, 3, 4, 5, 6, -1, 0, 1, 7, 7, 7), 2, 2, 3);
            for (int dim = 0; dim < 3; dim++) {
                Tensor s = x3.softmax(dim).sum(dim, false);
                double[] ones = new double[(int) s.numel()];
                Arrays.fill(ones, 1);
                assertClose(dt, ones, s, "rank-3 softmax along dim " + dim + " sums to 1");
            }
        }
    }

    // ============================================================================================ BCE

    @Nested
    @DisplayName("BCE-EDGES: bce at p, y ∈ {0, 1}: clamped (log ≥ −100, as PyTorch), never NaN")
    class BceEdges {

        @BothFloats
        @DisplayName("BCE-EDGES (1,1), (0,0), (0.5,0.5), (1,0), (0,1)")
        void bceEdges_values(DType dt) {
            Tensor p = leaf(dt, d(1, 0, 0.5, 1, 0));
            Tensor y = leaf(dt, d(1, 0, 0.5, 0, 1));
            Tensor loss = Functional.binaryCrossEntropy(p, y, Reduction.NONE);
            assertClose(dt, d(0, 0, Math.log(2), 100, 100), loss, "per element (documented clamp: 100)");
            assertPrinted(dt, d(0, 0, 0.693147, 100, 100), 6, loss, "per element");
            assertClose(dt, d((Math.log(2) + 200) / 5), Functional.binaryCrossEntropy(p, y), "mean");
            assertClose(dt, d(Math.log(2) + 200), Functional.binaryCrossEntropy(p, y, Reduction.SUM), "sum");

            loss.sum().backward();
            assertAllFinite(p.grad(), "d bce / dp");
            assertAllFinite(y.grad(), "d bce / dy");
            double[] gp = p.grad().toDoubleArray();
            assertTrue(gp[0] == 0 && gp[1] == 0 && gp[2] == 0, "no gradient where p = y: " + Arrays.toString(gp));
            assertTrue(gp[3] > 0 && gp[4] < 0, "the gradient pushes p toward y: " + Arrays.toString(gp));
            // d/dy = clamp(ln(1 − p)) − clamp(ln p): finite at the edges too.
            assertClose(dt, d(-100, 100, 0, -100, 100), y.grad(), "d bce / dy");
        }

        @BothFloats
        @DisplayName("BCE-EDGES the same edges from logits (the stable path): ±1000")
        void bceEdges_logits(DType dt) {
            Tensor x = leaf(dt, d(1000, -1000, 0, 1000, -1000));
            Tensor y = t(dt, d(1, 0, 0.5, 0, 1));
            Tensor loss = Functional.binaryCrossEntropyWithLogits(x, y, Reduction.NONE);
            assertClose(dt, d(0, 0, Math.log(2), 1000, 1000), loss, "bce with logits");
            loss.sum().backward();
            assertClose(dt, d(0, 0, 0, 1, -1), x.grad(), "σ(x) − y");
        }
    }

    @Nested
    @DisplayName("BCE-FORMULA: bce(0.9, 0) = 2.302585, bce(0.9, 1) = 0.105361, bce ≥ 0")
    class BceFormula {

        @BothFloats
        @DisplayName("BCE-FORMULA the two values and their gradients")
        void bceFormula_values(DType dt) {
            Tensor p = leaf(dt, d(0.9, 0.9));
            Tensor y = t(dt, d(0, 1));
            Tensor loss = Functional.binaryCrossEntropy(p, y, Reduction.NONE);
            assertPrinted(dt, d(2.302585, 0.105361), 6, loss, "bce");
            assertClose(dt, d(-Math.log(0.1), -Math.log(0.9)), loss, "bce exact");
            loss.sum().backward();
            assertClose(dt, d(0.9 / 0.09, -0.1 / 0.09), p.grad(), "(p − y) / (p(1 − p))");

            // Same numbers from logits: x = logit(0.9).
            double logit = Math.log(0.9 / 0.1);
            Tensor x = leaf(dt, d(logit, logit));
            Tensor lx = Functional.binaryCrossEntropyWithLogits(x, y, Reduction.NONE);
            assertClose(dt, d(-Math.log(0.1), -Math.log(0.9)), lx, "bce with logits");
            lx.sum().backward();
            assertClose(dt, d(0.9, -0.1), x.grad(), "σ(x) − y");
        }

        @BothFloats
        @DisplayName("BCE-FORMULA property: bce(p, y) ≥ 0 and finite for p ∈ (0,1), y ∈ [0,1] (seeded sweep)")
        void bceFormula_nonNegative(DType dt) {
            Generator g = new Generator(20240611);
            int n = 2000;
            double[] ps = new double[n], ys = new double[n];
            for (int i = 0; i < n; i++) {
                // Spread p over the log scale toward both ends, including values float32 rounds to 0 or 1.
                double u = Math.pow(10, -12 * g.nextDouble());
                ps[i] = i % 2 == 0 ? u : 1 - u;
                if (ps[i] <= 0 || ps[i] >= 1) ps[i] = 0.5;
                ys[i] = i % 5 == 0 ? 0 : i % 5 == 1 ? 1 : g.nextDouble();
            }
            Tensor loss = Functional.binaryCrossEntropy(t(dt, ps), t(dt, ys), Reduction.NONE);
            double[] l = loss.toDoubleArray();
            for (int i = 0; i < n; i++) {
                assertTrue(Double.isFinite(l[i]) && l[i] >= 0, "bce(" + ps[i] + ", " + ys[i] + ") = " + l[i]);
            }
            // p = y is the minimum: bce(p, y) ≥ bce(y, y) (the entropy of y).
            double[] mid = new double[n];
            for (int i = 0; i < n; i++) mid[i] = Math.min(Math.max(ys[i], 1e-3), 1 - 1e-3);
            double[] atMin = Functional.binaryCrossEntropy(t(dt, mid), t(dt, mid), Reduction.NONE).toDoubleArray();
            double[] other = Functional.binaryCrossEntropy(t(dt, ps), t(dt, mid), Reduction.NONE).toDoubleArray();
            for (int i = 0; i < n; i++) {
                assertTrue(other[i] >= atMin[i] - tol(dt, atMin[i]),
                        "bce(" + ps[i] + ", " + mid[i] + ") = " + other[i] + " < entropy " + atMin[i]);
            }
        }
    }

    @Nested
    @DisplayName("MASKED-ROW: a fully masked (all −inf) softmax row is zeros with zero gradient, not NaN")
    class MaskedRow {

        @BothFloats
        @DisplayName("MASKED-ROW S = [[1,2,3,4], [−inf × 4]], L = softmax(S, 1)[0, 0]")
        void maskedRow_readme(DType dt) {
            Tensor s = leaf(dt, d(1, 2, 3, 4, -INF, -INF, -INF, -INF), 2, 4);
            Tensor p = s.softmax(1);
            double[] p0 = softmax(1, 2, 3, 4);
            assertPrinted(dt, d(0.0320586, 0.0871443, 0.2368828, 0.6439143, 0, 0, 0, 0), 7, p, "P");
            assertClose(dt, concat(p0, d(0, 0, 0, 0)), p, "P exact");
            p.get(0, 0).backward();
            assertPrinted(dt, d(0.0310309, -0.0027937, -0.0075941, -0.0206430, 0, 0, 0, 0), 7, s.grad(), "dL/dS");
            double[] g0 = new double[4];
            for (int j = 0; j < 4; j++) g0[j] = p0[0] * ((j == 0 ? 1 : 0) - p0[j]);
            assertClose(dt, concat(g0, d(0, 0, 0, 0)), s.grad(), "dL/dS exact");
            assertAllFinite(s.grad(), "dL/dS");
        }

        @BothFloats
        @DisplayName("MASKED-ROW the kind: whole-sum loss, log-softmax, dim 0, partial masks")
        void maskedRow_kind(DType dt) {
            Tensor s = leaf(dt, d(1, 2, 3, 4, -INF, -INF, -INF, -INF), 2, 4);
            Tensor w = t(dt, d(1, -2, 3, 0.5, 7, 8, 9, 10), 2, 4);
            s.softmax(1).mul(w).sum().backward();
            assertAllFinite(s.grad(), "d Σ w·softmax");
            assertAllZero(s.grad().get(1), "masked row grad");

            Tensor s2 = leaf(dt, d(1, 2, 3, 4, -INF, -INF, -INF, -INF), 2, 4);
            Tensor ls = s2.logSoftmax(1);
            for (double v : ls.get(1).toDoubleArray()) assertEquals(-INF, v, "logSoftmax of a masked row is -inf");
            ls.get(0, 2).backward();
            assertAllFinite(s2.grad(), "d logSoftmax[0, 2]");
            assertAllZero(s2.grad().get(1), "masked row grad (log-softmax)");

            // Masked column, softmax over dim 0.
            Tensor c = leaf(dt, d(1, -INF, 2, -INF), 2, 2);
            Tensor pc = c.softmax(0);
            double[] q = softmax(1, 2);
            assertClose(dt, d(q[0], 0, q[1], 0), pc, "softmax over dim 0 with a masked column");
            pc.mul(t(dt, d(1, 2, 3, 4), 2, 2)).sum().backward();
            assertAllFinite(c.grad(), "grad");
            assertClose(dt, d(q[0] * (1 - q[0]) * (1 - 3), 0, q[1] * (1 - q[1]) * (3 - 1), 0), c.grad(), "grad over dim 0");

            // A partly masked row keeps its normal values.
            double[] pr = softmax(1, 3);
            assertClose(dt, d(pr[0], 0, pr[1], 0), t(dt, d(1, -INF, 3, -INF)).softmax(0), "partly masked row");
        }

        @BothFloats
        @DisplayName("MASKED-ROW attention with a fully masked query row gives a zero output row")
        void maskedRow_attention(DType dt) {
            Generator g = new Generator(7);
            Tensor q = Tensor.randn(g, dt, 2, 3).requiresGrad(true);
            Tensor k = Tensor.randn(g, dt, 4, 3).requiresGrad(true);
            Tensor v = Tensor.randn(g, dt, 4, 3).requiresGrad(true);
            boolean[] keep = {true, true, false, true, false, false, false, false};
            Tensor scores = q.matmul(k.t()).div(Math.sqrt(3));
            Tensor masked = Tensor.where(Tensor.of(keep, 2, 4), scores, Tensor.scalar(dt, -INF));
            Tensor attn = masked.softmax(-1);
            Tensor out = attn.matmul(v);
            assertShape(new int[] {2, 3}, out, "attention output");
            assertAllZero(out.get(1), "output row of the fully masked query");
            assertAllFinite(out, "attention output");
            out.sum().backward();
            assertAllFinite(q.grad(), "dq");
            assertAllFinite(k.grad(), "dk");
            assertAllFinite(v.grad(), "dv");
            assertAllZero(q.grad().get(1), "dq of the masked query");
            assertAllZero(v.grad().get(2), "dv of a key no query attends to");
        }
    }

    // ============================================================================================ reductions, ties, kinks

    @Nested
    @DisplayName("NORM-ZERO: the norm's gradient at 0 is 0 (not NaN); tiny and huge norms scale by max|x|")
    class NormZero {

        @BothFloats
        @DisplayName("NORM-ZERO grad of ‖x‖₂ at [0,0,0] and of ‖x‖₂² at [0,0,0]; [3,4]")
        void normZero_readme(DType dt) {
            Tensor x = leaf(dt, d(0, 0, 0));
            Tensor n = x.norm();
            assertClose(dt, d(0), n, "‖0‖");
            n.backward();
            assertAllZero(x.grad(), "d‖x‖/dx at 0");

            Tensor x2 = leaf(dt, d(0, 0, 0));
            x2.norm().pow(2).backward();
            assertAllZero(x2.grad(), "d‖x‖²/dx at 0 (pow 2)");
            Tensor x3 = leaf(dt, d(0, 0, 0));
            x3.norm().square().backward();
            assertAllZero(x3.grad(), "d‖x‖²/dx at 0 (square)");
            Tensor x4 = leaf(dt, d(0, 0, 0));
            Tensor nn = x4.norm();
            nn.mul(nn).backward();
            assertAllZero(x4.grad(), "d(‖x‖·‖x‖)/dx at 0");

            Tensor y = leaf(dt, d(3, 4));
            Tensor ny = y.norm();
            assertClose(dt, d(5), ny, "‖[3,4]‖");
            ny.backward();
            assertClose(dt, d(0.6, 0.8), y.grad(), "d‖x‖/dx at [3,4]");
            Tensor y2 = leaf(dt, d(3, 4));
            y2.norm().square().backward();
            assertClose(dt, d(6, 8), y2.grad(), "d‖x‖²/dx at [3,4]");
        }

        @Test
        @DisplayName("NORM-ZERO f32 ‖x‖₂ at [1e−19] is 1e-19 with gradient [1.0]")
        void normZero_float32Tiny() {
            DType f = DType.FLOAT32;
            assertTrue(1e-19f * 1e-19f < Float.MIN_NORMAL, "premise: 1e-19² is subnormal in float32");
            Tensor x = leaf(f, d(1e-19));
            Tensor n = x.norm();
            assertEquals(f, n.dtype());
            // Checked relatively: the float32 absolute tolerance (1e-6) would accept the underflowed 0.
            assertEquals(1e-19, n.item(), 1e-5 * 1e-19, "‖[1e-19]‖");
            n.backward();
            assertClose(f, d(1.0), x.grad(), "d‖x‖/dx at [1e-19]");

            Tensor w = leaf(f, d(1e-30));
            assertEquals(0f, 1e-30f * 1e-30f, "premise: 1e-30² underflows float32 to 0");
            Tensor nw = w.norm();
            assertEquals(1e-30, nw.item(), 1e-5 * 1e-30, "‖[1e-30]‖");
            nw.backward();
            assertClose(f, d(1.0), w.grad(), "d‖x‖/dx at [1e-30]");

            Tensor y = leaf(f, d(3e-20, 4e-20));
            Tensor ny = y.norm();
            assertEquals(5e-20, ny.item(), 1e-5 * 5e-20, "‖[3e-20, 4e-20]‖");
            ny.backward();
            assertClose(f, d(0.6, 0.8), y.grad(), "grad at [3e-20, 4e-20]");

            Tensor h = leaf(f, d(3e30, 4e30));
            Tensor nh = h.norm();
            assertEquals(5e30, nh.item(), 1e-5 * 5e30, "‖[3e30, 4e30]‖ (x² overflows float32)");
            nh.backward();
            assertClose(f, d(0.6, 0.8), h.grad(), "grad at [3e30, 4e30]");
        }

        @Test
        @DisplayName("NORM-ZERO f64 tiny and huge norms")
        void normZero_float64Extremes() {
            DType f = DType.FLOAT64;
            Tensor x = leaf(f, d(3e-200, 4e-200));
            Tensor n = x.norm();
            assertEquals(5e-200, n.item(), 1e-6 * 5e-200, "‖[3e-200, 4e-200]‖ (x² underflows double)");
            n.backward();
            assertClose(f, d(0.6, 0.8), x.grad(), "grad");
            Tensor h = leaf(f, d(3e200, 4e200));
            Tensor nh = h.norm();
            assertEquals(5e200, nh.item(), 1e-6 * 5e200, "‖[3e200, 4e200]‖ (x² overflows double)");
            nh.backward();
            assertClose(f, d(0.6, 0.8), h.grad(), "grad");
        }

        @BothFloats
        @DisplayName("NORM-ZERO the kind: |x| at 0, norms along a dim with a zero row, 1- and ∞-norms at 0")
        void normZero_kind(DType dt) {
            Tensor a = leaf(dt, d(0, -2, 3));
            a.abs().sum().backward();
            assertClose(dt, d(0, -1, 1), a.grad(), "d|x|/dx (0 at 0)");

            Tensor m = leaf(dt, d(0, 0, 3, 4), 2, 2);
            Tensor nr = m.norm(2, new int[] {1}, false);
            assertClose(dt, d(0, 5), nr, "row norms");
            nr.sum().backward();
            assertClose(dt, d(0, 0, 0.6, 0.8), m.grad(), "row-norm grad with a zero row");

            Tensor mk = leaf(dt, d(0, 3, 0, 4), 2, 2);
            mk.norm(2, new int[] {0}, true).sum().backward();
            assertClose(dt, d(0, 0.6, 0, 0.8), mk.grad(), "column-norm grad (keepDim) with a zero column");

            Tensor one = leaf(dt, d(0, 0));
            one.norm(1).backward();
            assertAllZero(one.grad(), "d‖x‖₁ at 0");
            Tensor inf = leaf(dt, d(0, 0));
            inf.norm(INF).backward();
            assertAllFinite(inf.grad(), "d‖x‖∞ at 0");
            assertAllZero(inf.grad(), "d‖x‖∞ at 0");
        }
    }

    @Nested
    @DisplayName("MAX-TIES: tied maxima split the gradient evenly (documented in ReduceOp), never [1, 1, 0]")
    class MaxTies {
        // Max-pool (a 2×2 window of equal values) arrives with a later issue; its tie test comes with it.

        @BothFloats
        @DisplayName("MAX-TIES L = max([0.6, 0.6, 0.3]) → [0.5, 0.5, 0]")
        void maxTies_readme(DType dt) {
            for (Function<Tensor, Tensor> f : List.<Function<Tensor, Tensor>>of(Tensor::max, x -> x.amax(),
                    x -> x.amax(new int[] {0}, false), x -> x.max(0, false).values(), x -> x.max(0, true).values())) {
                Tensor x = leaf(dt, d(0.6, 0.6, 0.3));
                Tensor m = f.apply(x);
                assertClose(dt, d(0.6), m, "max");
                m.sum().backward();
                assertClose(dt, d(0.5, 0.5, 0), x.grad(), "even split");
            }
            assertEquals(0, t(dt, d(0.6, 0.6, 0.3)).max(0, false).indices().item(), "the index is the first maximum");
        }

        @BothFloats
        @DisplayName("MAX-TIES max over dim 0 of ones(4,3): each column of the gradient sums to 1")
        void maxTies_onesColumns(DType dt) {
            Tensor x = Tensor.ones(dt, 4, 3).requiresGrad(true);
            Tensor m = x.max(0, false).values();
            assertShape(new int[] {3}, m, "max(0)");
            m.sum().backward();
            double[] q = new double[12];
            Arrays.fill(q, 0.25);
            assertClose(dt, q, x.grad(), "each entry 1/4");
            assertClose(dt, d(1, 1, 1), x.grad().sum(0, false), "column sums");

            Tensor k = Tensor.ones(dt, 4, 3).requiresGrad(true);
            Tensor mk = k.amax(new int[] {0}, true);
            assertShape(new int[] {1, 3}, mk, "keepDim");
            mk.mul(t(dt, d(1, 2, 3), 1, 3)).sum().backward();
            assertClose(dt, d(1, 2, 3), k.grad().sum(0, false), "column sums equal the upstream gradient (keepDim)");
        }

        @BothFloats
        @DisplayName("MAX-TIES the kind: amin, min, several dims, dim 1, partial ties, ∞-norm")
        void maxTies_kind(DType dt) {
            Tensor a = leaf(dt, d(0.3, 0.6, 0.3));
            a.amin().backward();
            assertClose(dt, d(0.5, 0, 0.5), a.grad(), "amin even split");
            Tensor b = leaf(dt, d(0.3, 0.6, 0.3));
            b.min(0, false).values().backward();
            assertClose(dt, d(0.5, 0, 0.5), b.grad(), "min(dim) even split");
            Tensor b2 = leaf(dt, d(0.3, 0.6, 0.3));
            b2.min().backward();
            assertClose(dt, d(0.5, 0, 0.5), b2.grad(), "min() even split");

            // Several dims at once: ones(2,3,4) over dims {0, 2}: 8 tied entries per output.
            Tensor c = Tensor.ones(dt, 2, 3, 4).requiresGrad(true);
            Tensor mc = c.amax(new int[] {0, 2}, false);
            assertShape(new int[] {3}, mc, "amax over {0, 2}");
            mc.sum().backward();
            double[] e = new double[24];
            Arrays.fill(e, 0.125);
            assertClose(dt, e, c.grad(), "1/8 each");
            Tensor c2 = Tensor.ones(dt, 2, 3, 4).requiresGrad(true);
            c2.amin(new int[] {0, 2}, true).sum().backward();
            assertClose(dt, e, c2.grad(), "amin over {0, 2} keepDim");
            Tensor all = Tensor.ones(dt, 2, 3).requiresGrad(true);
            all.amax().backward();
            double[] s6 = new double[6];
            Arrays.fill(s6, 1.0 / 6);
            assertClose(dt, s6, all.grad(), "amax over all dims");

            // Along dim 1 with a tie in one row only.
            Tensor r = leaf(dt, d(1, 5, 5, 2, 9, 3), 2, 3);
            r.max(1, false).values().sum().backward();
            assertClose(dt, d(0, 0.5, 0.5, 0, 1, 0), r.grad(), "row maxima");

            // ∞-norm = max|x|: a tie between −2 and 2.
            Tensor n = leaf(dt, d(-2, 2, 1));
            n.norm(INF).backward();
            assertClose(dt, d(-0.5, 0.5, 0), n.grad(), "∞-norm tie");
        }
    }

    @Nested
    @DisplayName("MAXIMUM-TIE: maximum/minimum at a = b split the gradient 0.5 / 0.5")
    class MaximumTie {

        @BothFloats
        @DisplayName("MAXIMUM-TIE maximum(a, b) and minimum(a, b) at a = b = 1")
        void maximumTie_readme(DType dt) {
            Tensor a = leaf(dt, d(1)), b = leaf(dt, d(1));
            Tensor m = a.maximum(b);
            assertClose(dt, d(1), m, "maximum");
            m.sum().backward();
            assertClose(dt, d(0.5), a.grad(), "ga");
            assertClose(dt, d(0.5), b.grad(), "gb");

            Tensor c = leaf(dt, d(1)), e = leaf(dt, d(1));
            c.minimum(e).sum().backward();
            assertClose(dt, d(0.5), c.grad(), "ga (minimum)");
            assertClose(dt, d(0.5), e.grad(), "gb (minimum)");
        }

        @BothFloats
        @DisplayName("MAXIMUM-TIE the kind: vectors, broadcasting, the same tensor twice")
        void maximumTie_kind(DType dt) {
            Tensor a = leaf(dt, d(1, 2, 3)), b = leaf(dt, d(2));
            a.maximum(b).sum().backward();
            assertClose(dt, d(0, 0.5, 1), a.grad(), "ga");
            assertClose(dt, d(1.5), b.grad(), "gb summed over the broadcast");
            Tensor a2 = leaf(dt, d(1, 2, 3)), b2 = leaf(dt, d(2));
            a2.minimum(b2).sum().backward();
            assertClose(dt, d(1, 0.5, 0), a2.grad(), "ga (minimum)");
            assertClose(dt, d(1.5), b2.grad(), "gb (minimum)");

            Tensor x = leaf(dt, d(-1, 0, 4));
            x.maximum(x).sum().backward();
            assertClose(dt, d(1, 1, 1), x.grad(), "maximum(x, x) has slope 1");
            Tensor y = leaf(dt, d(-1, 0, 4));
            y.minimum(y).sum().backward();
            assertClose(dt, d(1, 1, 1), y.grad(), "minimum(x, x) has slope 1");
        }

        @BothFloats
        @DisplayName("MAXIMUM-TIE the kinks documented: relu'(0) = 0, maximum(x, 0)'(0) = 0.5, clamp passes at the bound, leaky slope at 0, |x|'(0) = 0")
        void maximumTie_kinks(DType dt) {
            // The conventions (all PyTorch's): relu'(0) = 0, but maximum(x, 0) at 0 is a tie and gives 0.5 to each
            // side; clamp passes the gradient at its bounds (so clampMin(0)'(0) = 1); leakyRelu takes the slope at 0.
            Tensor r = leaf(dt, d(0));
            r.relu().sum().backward();
            assertClose(dt, d(0), r.grad(), "relu'(0) = 0 (PyTorch)");
            Tensor m = leaf(dt, d(0));
            m.maximum(Tensor.zeros(dt, 1)).sum().backward();
            assertClose(dt, d(0.5), m.grad(), "maximum(x, 0) at 0 splits the tie: 0.5 (PyTorch)");
            Tensor c = leaf(dt, d(0, 1, 0.5, -1, 2));
            c.clamp(0, 1).sum().backward();
            assertClose(dt, d(1, 1, 1, 0, 0), c.grad(), "clamp(0, 1)': the gradient passes at both bounds (PyTorch)");
            Tensor cm = leaf(dt, d(0, -1, 1));
            cm.clampMin(0).sum().backward();
            assertClose(dt, d(1, 0, 1), cm.grad(), "clampMin(0)' at the bound");
            Tensor l = leaf(dt, d(0, -1, 1));
            l.leakyRelu(0.1).sum().backward();
            assertClose(dt, d(0.1, 0.1, 1), l.grad(), "leakyRelu'(0) = slope (PyTorch)");
            Tensor a = leaf(dt, d(0));
            a.abs().sum().backward();
            assertClose(dt, d(0), a.grad(), "|x|'(0) = 0");
        }
    }

    @Nested
    @DisplayName("RELU-DERIV: relu' at [1.3, 0, 0, 100, −2] = [1, 0, 0, 1, 0]")
    class ReluDeriv {

        @BothFloats
        @DisplayName("RELU-DERIV relu' elementwise")
        void reluDeriv_readme(DType dt) {
            Tensor x = leaf(dt, d(1.3, 0, 0, 100, -2));
            Tensor y = x.relu();
            assertClose(dt, d(1.3, 0, 0, 100, 0), y, "relu");
            y.sum().backward();
            assertClose(dt, d(1, 0, 0, 1, 0), x.grad(), "relu'");
        }

        @BothFloats
        @DisplayName("RELU-DERIV the kind: upstream gradient, rank 2, −0.0, tiny values")
        void reluDeriv_kind(DType dt) {
            Tensor x = leaf(dt, d(1.3, 0, -0.0, 100, -2, 1e-30), 2, 3);
            x.relu().mul(t(dt, d(2, 3, 4, 5, 6, 7), 2, 3)).sum().backward();
            assertClose(dt, d(2, 0, 0, 5, 0, 7), x.grad(), "g · relu'(x)");
        }
    }

    // ============================================================================================ graph engine

    @Nested
    @DisplayName("DIAMOND: a tensor used several times gets the sum of all its gradients")
    class Diamond {

        @BothFloats
        @DisplayName("DIAMOND f = x·(x·a) + (x·x)·a + x·(x·a) at x = 1, a = 1: df/dx = 6, df/da = 3")
        void diamond_readme(DType dt) {
            Tensor x = leaf(dt, d(1)), a = leaf(dt, d(1));
            Tensor f = x.mul(x.mul(a)).add(x.mul(x).mul(a)).add(x.mul(x.mul(a)));
            assertClose(dt, d(3), f, "f");
            f.sum().backward();
            assertClose(dt, d(6), x.grad(), "df/dx");
            assertClose(dt, d(3), a.grad(), "df/da");

            Tensor x2 = leaf(dt, d(1)), a2 = leaf(dt, d(1));
            Tensor f2 = x2.mul(x2.mul(a2)).add(x2.mul(x2).mul(a2)).add(x2.mul(x2.mul(a2)));
            Tensor[] g = Backprop.grad(f2.sum(), new Tensor[] {x2, a2}, null, false);
            assertClose(dt, d(6), g[0], "df/dx by Backprop.grad");
            assertClose(dt, d(3), g[1], "df/da by Backprop.grad");
        }

        @BothFloats
        @DisplayName("DIAMOND a = 2, b = a·a, c = b + b: dc/da = 8")
        void diamond_bPlusB(DType dt) {
            Tensor a = leaf(dt, d(2));
            Tensor b = a.mul(a);
            Tensor c = b.add(b);
            c.sum().backward();
            assertClose(dt, d(8), a.grad(), "dc/da");

            Tensor a2 = leaf(dt, d(2));
            Tensor b2 = a2.mul(a2);
            Tensor c2 = b2.add(b2);
            Tensor[] g = Backprop.grad(c2.sum(), new Tensor[] {a2}, null, false);
            assertClose(dt, d(8), g[0], "dc/da by Backprop.grad");
            assertNull(a2.grad(), "Backprop.grad leaves .grad alone");
        }

        @BothFloats
        @DisplayName("DIAMOND the kind: x + x, x − x, x·x, x / x, shared intermediates, deep doubling")
        void diamond_selfUse(DType dt) {
            record Self(String name, UnaryOperator<Tensor> f, double grad) {}
            for (Self s : List.of(
                    new Self("x + x", x -> x.add(x), 2),
                    new Self("x − x", x -> x.sub(x), 0),
                    new Self("x · x", x -> x.mul(x), 3),
                    new Self("x / x", x -> x.div(x), 0),
                    new Self("x^x", x -> x.pow(x), Math.pow(1.5, 1.5) * (Math.log(1.5) + 1)),
                    new Self("where(m, x, x)", x -> Tensor.where(Tensor.of(new boolean[] {true}), x, x), 1),
                    new Self("cat([x, x]).sum", x -> Tensor.cat(List.of(x, x), 0).sum(), 2),
                    new Self("stack(x, x·2, x.reshape)", x -> Tensor.stack(List.of(x, x.mul(2), x.reshape(1)), 0).sum(), 4),
                    new Self("x.expand(3) · x", x -> x.expand(3).mul(x).sum(), 9))) {
                Tensor x = leaf(dt, d(1.5));
                s.f().apply(x).sum().backward();
                assertClose(dt, d(s.grad()), x.grad(), s.name());
            }

            // A shared intermediate: h = x·x, f = h·h + h → 4x³ + 2x.
            Tensor x = leaf(dt, d(1.5));
            Tensor h = x.mul(x);
            h.mul(h).add(h).sum().backward();
            assertClose(dt, d(4 * 3.375 + 3), x.grad(), "h·h + h");

            // 40 levels of y = y + y: 2^40 (an engine without topological order takes 2^40 paths or gets it wrong).
            Tensor z = leaf(dt, d(1));
            Tensor y = z;
            for (int i = 0; i < 40; i++) y = y.add(y);
            y.sum().backward();
            assertClose(dt, d(Math.pow(2, 40)), z.grad(), "deep doubling");

            // Gradients of separate backward calls accumulate in a leaf.
            Tensor w = leaf(dt, d(1));
            w.mul(2).sum().backward();
            w.mul(3).sum().backward();
            assertClose(dt, d(5), w.grad(), "accumulated over two backward calls");
        }

        @Test
        @DisplayName("DIAMOND the kind: one tensor through many ops, checked against central differences")
        void diamond_manyOpsGradCheck() {
            Generator g = new Generator(11);
            Tensor x = rand(g, new int[] {3, 4}, 0.5, 1.5).requiresGrad(true);
            Function<Tensor[], Tensor> f = in -> {
                Tensor v = in[0];
                Tensor e = v.exp().mul(v);                                   // two uses
                Tensor s = v.softmax(1).mul(v.tanh());                        // two more
                Tensor m = v.matmul(v.t());                                   // both operands
                Tensor r = v.reshape(4, 3).sum(0, false).reshape(1, 3).expand(3, 3);
                Tensor i = v.indexSelect(0, ids(0, 2, 2)).sum();             // repeated rows
                Tensor n = v.norm().add(v.amax()).add(v.logsumexp());
                return e.sum().add(s.sum()).add(m.sum()).add(r.sum()).add(i).add(n).add(v.sigmoid().mul(v).sum());
            };
            GradCheck.check(f, x).orThrow();
            Tensor y = x.detach().clone().requiresGrad(true);
            f.apply(new Tensor[] {y}).backward();
            Tensor[] viaGrad = Backprop.grad(f.apply(new Tensor[] {y}), new Tensor[] {y}, null, false);
            assertClose(DType.FLOAT64, y.grad().toDoubleArray(), viaGrad[0], "Backprop.grad equals backward");
        }
    }

    @Nested
    @DisplayName("BROADCAST-SUM: a broadcast operand's gradient is summed back to its own shape")
    class BroadcastSum {

        @BothFloats
        @DisplayName("BROADCAST-SUM L = Σ(A + B), A [3,4], B [1,4] / [4] / [3,1]")
        void broadcastSum_readme(DType dt) {
            record Case(int[] shape, double[] grad) {}
            for (Case c : List.of(new Case(new int[] {1, 4}, d(3, 3, 3, 3)), new Case(new int[] {4}, d(3, 3, 3, 3)),
                    new Case(new int[] {3, 1}, d(4, 4, 4)), new Case(new int[] {}, d(12)),
                    new Case(new int[] {1, 1}, d(12)))) {
                Tensor a = Tensor.ones(dt, 3, 4).requiresGrad(true);
                Tensor b = Tensor.ones(dt, c.shape()).requiresGrad(true);
                a.add(b).sum().backward();
                assertShape(c.shape(), b.grad(), "dB for B " + Arrays.toString(c.shape()));
                assertClose(dt, c.grad(), b.grad(), "dB for B " + Arrays.toString(c.shape()));
                assertShape(new int[] {3, 4}, a.grad(), "dA");
                assertEquals(dt, b.grad().dtype(), "dB dtype");
            }
        }

        @BothFloats
        @DisplayName("BROADCAST-SUM A = [[1,2],[3,4]], B = [[10],[20]], L = Σ(A ⊙ B)")
        void broadcastSum_mul(DType dt) {
            Tensor a = leaf(dt, d(1, 2, 3, 4), 2, 2), b = leaf(dt, d(10, 20), 2, 1);
            a.mul(b).sum().backward();
            assertShape(new int[] {2, 1}, b.grad(), "dB");
            assertClose(dt, d(3, 7), b.grad(), "dB");
            assertClose(dt, d(10, 10, 20, 20), a.grad(), "dA");
        }

        static Stream<Arguments> opsAndShapes() {
            record Op(String name, BinaryOperator<Tensor> f, double lo, double hi) {}
            List<Op> ops = List.of(
                    new Op("add", Tensor::add, -1, 1),
                    new Op("sub", Tensor::sub, -1, 1),
                    new Op("mul", Tensor::mul, -1, 1),
                    new Op("div", Tensor::div, 0.5, 1.5),
                    new Op("pow", Tensor::pow, 0.5, 1.5),
                    new Op("maximum", Tensor::maximum, -1, 1),
                    new Op("minimum", Tensor::minimum, -1, 1),
                    new Op("where", (a, b) -> Tensor.where(a.detach().gt(0), a, b), -1, 1));
            int[][][] shapes = {
                {{3, 4}, {1, 4}}, {{3, 4}, {4}}, {{3, 4}, {3, 1}}, {{3, 4}, {}},
                {{3, 1}, {1, 4}}, {{4}, {2, 3, 4}}, {{2, 1, 4}, {3, 1}}, {{1}, {2, 2}}};
            List<Arguments> out = new ArrayList<>();
            for (Op op : ops) {
                for (int[][] s : shapes) {
                    out.add(Arguments.of(op.name() + " " + Arrays.toString(s[0]) + " ∘ " + Arrays.toString(s[1]),
                            op.f(), s[0], s[1], op.lo(), op.hi()));
                }
            }
            return out.stream();
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("opsAndShapes")
        @DisplayName("BROADCAST-SUM the kind: every binary op, every broadcast pattern: each gradient has its operand's shape")
        void broadcastSum_everyBinaryOp(String name, BinaryOperator<Tensor> f, int[] sa, int[] sb, double lo, double hi) {
            Generator g = new Generator(name.hashCode());
            Tensor a = rand(g, sa, lo, hi).requiresGrad(true);
            Tensor b = rand(g, sb, lo, hi).requiresGrad(true);
            Tensor out = f.apply(a, b);
            assertShape(Shape.broadcast("test", sa, sb), out, name + " output");
            Tensor w = rand(g, out.shape(), -1, 1);
            out.mul(w).sum().backward();
            assertShape(sa, a.grad(), name + " dA");
            assertShape(sb, b.grad(), name + " dB");
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("opsAndShapes")
        @DisplayName("BROADCAST-SUM the kind: gradient values match central differences")
        void broadcastSum_gradCheck(String name, BinaryOperator<Tensor> f, int[] sa, int[] sb, double lo, double hi) {
            Generator g = new Generator(name.hashCode());
            Tensor a = rand(g, sa, lo, hi).requiresGrad(true);
            Tensor b = rand(g, sb, lo, hi).requiresGrad(true);
            GradCheck.Result r = GradCheck.check(in -> f.apply(in[0], in[1]), a, b);
            r.orThrow();
            assertTrue(r.checked() > 0, "nothing checked");
        }

        @Test
        @DisplayName("BROADCAST-SUM the kind: float32 ⊕ float64 operands get gradients in their own type and shape")
        void broadcastSum_mixedTypes() {
            Tensor a = Tensor.ones(DType.FLOAT32, 3, 4).requiresGrad(true);
            Tensor b = Tensor.ones(DType.FLOAT64, 4).requiresGrad(true);
            a.mul(b.mul(2)).sum().backward();
            assertEquals(DType.FLOAT32, a.grad().dtype());
            assertEquals(DType.FLOAT64, b.grad().dtype());
            assertShape(new int[] {3, 4}, a.grad(), "dA");
            assertShape(new int[] {4}, b.grad(), "dB");
            assertClose(DType.FLOAT64, d(6, 6, 6, 6), b.grad(), "dB");
        }

        @Test
        @DisplayName("BROADCAST-SUM the kind: matmul batch broadcasting and a broadcast 0-d scalar")
        void broadcastSum_matmulBatch() {
            Generator g = new Generator(3);
            Tensor a = rand(g, new int[] {2, 3, 4}, -1, 1).requiresGrad(true);
            Tensor b = rand(g, new int[] {4, 5}, -1, 1).requiresGrad(true);
            a.matmul(b).sum().backward();
            assertShape(new int[] {4, 5}, b.grad(), "dB over a broadcast batch");
            GradCheck.check(in -> in[0].matmul(in[1]), a, b).orThrow();
            Tensor c = rand(g, new int[] {1, 3, 4}, -1, 1).requiresGrad(true);
            Tensor e = rand(g, new int[] {2, 4, 2}, -1, 1).requiresGrad(true);
            c.matmul(e).sum().backward();
            assertShape(new int[] {1, 3, 4}, c.grad(), "dA with batch 1 against 2");
            GradCheck.check(in -> in[0].matmul(in[1]), c, e).orThrow();

            Tensor s = Tensor.scalar(DType.FLOAT64, 2).requiresGrad(true);
            Tensor m = Tensor.ones(DType.FLOAT64, 2, 3);
            m.mul(s).add(s).sum().backward();
            assertShape(new int[] {}, s.grad(), "0-d operand");
            assertEquals(12, s.grad().item(), 1e-12, "0-d operand gradient");
        }

        @Test
        @DisplayName("BROADCAST-SUM the kind, as a property: random broadcastable shapes (seeded)")
        void broadcastSum_property() {
            Generator g = new Generator(99);
            List<BinaryOperator<Tensor>> ops = List.of(Tensor::add, Tensor::sub, Tensor::mul, Tensor::maximum,
                    (x, y) -> Tensor.where(x.detach().gt(0), x, y));
            for (int trial = 0; trial < 200; trial++) {
                int rank = 1 + g.nextInt(4);
                int[] full = new int[rank];
                for (int i = 0; i < rank; i++) full[i] = 1 + g.nextInt(3);
                int[] sa = dropAndOne(g, full), sb = dropAndOne(g, full);
                BinaryOperator<Tensor> op = ops.get(trial % ops.size());
                Tensor a = rand(g, sa, -1, 1).requiresGrad(true), b = rand(g, sb, -1, 1).requiresGrad(true);
                Tensor out = op.apply(a, b);
                out.sum().backward();
                assertShape(sa, a.grad(), "dA for " + Arrays.toString(sa) + " ∘ " + Arrays.toString(sb));
                assertShape(sb, b.grad(), "dB for " + Arrays.toString(sa) + " ∘ " + Arrays.toString(sb));
                // For add, Σ dA = Σ dB = numel(out): nothing is lost or double-counted in the sum back.
                if (trial % ops.size() == 0) {
                    assertEquals(out.numel(), a.grad().sum().item(), 1e-9, "Σ dA");
                    assertEquals(out.numel(), b.grad().sum().item(), 1e-9, "Σ dB");
                }
            }
        }

        private static int[] dropAndOne(Generator g, int[] full) {
            int drop = g.nextInt(full.length + 1);
            int[] s = Arrays.copyOfRange(full, drop, full.length);
            for (int i = 0; i < s.length; i++) if (g.nextInt(3) == 0) s[i] = 1;
            return s;
        }
    }

    @Nested
    @DisplayName("INPLACE-SAVED: an in-place change to a tensor saved for backward is an error, never a silent wrong gradient")
    class InplaceSaved {

        static void assertDetected(Executable backward) {
            IllegalStateException e = assertThrows(IllegalStateException.class, backward,
                    "backward must refuse a tensor modified in place after it was saved");
            assertTrue(e.getMessage().contains("needed for backward")
                            && e.getMessage().contains("modified by an in-place operation"),
                    "the message names the problem: " + e.getMessage());
        }

        static void assertRefused(Executable inPlace) {
            IllegalStateException e = assertThrows(IllegalStateException.class, inPlace,
                    "an in-place change of a tensor that requires grad is refused while grad mode is on");
            assertTrue(e.getMessage().contains("in-place"), e.getMessage());
        }

        @BothFloats
        @DisplayName("INPLACE-SAVED (a) y = x·s, s changed in place to 10 after the product")
        void inplaceSaved_a(DType dt) {
            Tensor x = leaf(dt, d(1, 1));
            Tensor s = t(dt, d(5, 5));
            Tensor y = x.mul(s);
            s.fill_(10);
            Tensor loss = y.sum();
            assertDetected(loss::backward);
            assertTrue(x.grad() == null || Arrays.equals(x.grad().toDoubleArray(), d(5, 5)),
                    "never a silent [10, 10]: " + x.grad());

            // Changing s before the product is fine and uses the new value.
            Tensor x2 = leaf(dt, d(1, 1));
            Tensor s2 = t(dt, d(5, 5));
            s2.fill_(10);
            x2.mul(s2).sum().backward();
            assertClose(dt, d(10, 10), x2.grad(), "in-place change before the op");

            // Without the change: [5, 5].
            Tensor x3 = leaf(dt, d(1, 1));
            x3.mul(t(dt, d(5, 5))).sum().backward();
            assertClose(dt, d(5, 5), x3.grad(), "unmodified");
        }

        @BothFloats
        @DisplayName("INPLACE-SAVED (b) y = exp(x) at 0, then y doubled in place")
        void inplaceSaved_b(DType dt) {
            // Grad mode on: y requires grad, so the in-place op itself is refused and y keeps its value.
            Tensor x = leaf(dt, d(0), new int[0]);
            Tensor y = x.exp();
            assertRefused(() -> y.mul_(2));
            assertClose(dt, d(1), y, "y unchanged by the refused op");
            y.backward();
            assertClose(dt, d(1), x.grad(), "dy/dx of the unchanged y");

            // Under noGrad the change goes through and backward refuses: never 4.
            Tensor x2 = leaf(dt, d(0), new int[0]);
            Tensor y2 = x2.exp();
            try (var scope = GradMode.noGrad()) {
                y2.mul_(2);
            }
            assertClose(dt, d(2), y2, "y doubled under noGrad");
            assertDetected(y2::backward);
            assertNull(x2.grad(), "no gradient delivered");
        }

        @BothFloats
        @DisplayName("INPLACE-SAVED (c) b = sigmoid([1,2,3]); b[1] set to 2 in place")
        void inplaceSaved_c(DType dt) {
            Tensor x = leaf(dt, d(1, 2, 3));
            Tensor b = x.sigmoid();
            assertRefused(() -> b.set(2, 1));
            b.sum().backward();
            assertPrinted(dt, d(0.196612, 0.104994, 0.045177), 6, x.grad(), "σ'(x), b unchanged");

            Tensor x2 = leaf(dt, d(1, 2, 3));
            Tensor b2 = x2.sigmoid();
            try (var scope = GradMode.noGrad()) {
                b2.set(2, 1);
            }
            Tensor loss = b2.sum();
            assertDetected(loss::backward);
            assertNull(x2.grad(), "no silent gradient from the changed output");
        }

        /** y = op(x, s) with s a constant that the op saves. */
        static Stream<Arguments> savedConstants() {
            return Stream.of(
                    Arguments.of("mul", (BinaryOperator<Tensor>) Tensor::mul),
                    Arguments.of("div", (BinaryOperator<Tensor>) Tensor::div),
                    Arguments.of("pow", (BinaryOperator<Tensor>) Tensor::pow),
                    Arguments.of("maximum", (BinaryOperator<Tensor>) Tensor::maximum),
                    Arguments.of("matmul", (BinaryOperator<Tensor>) (x, s) -> x.reshape(2, 2).matmul(s.reshape(2, 2))),
                    Arguments.of("s·x (other operand)", (BinaryOperator<Tensor>) (x, s) -> s.mul(x)));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("savedConstants")
        @DisplayName("INPLACE-SAVED the kind: binary ops that save the other operand detect its change")
        void inplaceSaved_savedOperand(String name, BinaryOperator<Tensor> op) {
            for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                Tensor x = leaf(dt, d(1, 2, 3, 4));
                Tensor s = t(dt, d(5, 6, 7, 8));
                Tensor loss = op.apply(x, s).sum();
                s.fill_(10);
                assertDetected(loss::backward);
            }
        }

        /** Unary ops and what they save: the input, the output, or both. */
        static Stream<Arguments> unaryOps() {
            record U(String name, UnaryOperator<Tensor> f, boolean savesInput, boolean savesOutput) {}
            return Stream.of(
                    new U("exp", Tensor::exp, false, true),
                    new U("sqrt", Tensor::sqrt, false, true),
                    new U("tanh", Tensor::tanh, false, true),
                    new U("sigmoid", Tensor::sigmoid, false, true),
                    new U("softmax", x -> x.softmax(0), false, true),
                    new U("logSoftmax", x -> x.logSoftmax(0), false, true),
                    new U("norm", Tensor::norm, true, true),
                    new U("amax", x -> x.amax(), true, true),
                    new U("amin", x -> x.amin(), true, true),
                    new U("logsumexp", Tensor::logsumexp, true, true),
                    new U("pow(scalar)", x -> x.pow(3), true, false),
                    new U("square", Tensor::square, true, false),
                    new U("log", Tensor::log, true, false),
                    new U("relu", Tensor::relu, false, true), // as PyTorch: threshold_backward(grad, result)
                    new U("abs", Tensor::abs, true, false),
                    new U("clamp", x -> x.clamp(1.5, 3.5), true, false),
                    new U("mul(x, x)", x -> x.mul(x), true, false)
            ).map(u -> Arguments.of(u.name(), u.f(), u.savesInput(), u.savesOutput()));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("unaryOps")
        @DisplayName("INPLACE-SAVED the kind: a change to a saved output or input is detected; one to an unsaved input is harmless")
        void inplaceSaved_unary(String name, UnaryOperator<Tensor> f, boolean savesInput, boolean savesOutput) {
            for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                double[] v = d(1, 2, 3, 4);
                Tensor ref = leaf(dt, v);
                f.apply(ref).sum().backward();
                double[] want = ref.grad().toDoubleArray();

                // The output changed in place (under noGrad; with grad on the change itself is refused).
                Tensor x = leaf(dt, v);
                Tensor y = f.apply(x);
                assertRefused(() -> y.mul_(2));
                Tensor loss = y.sum();
                try (var scope = GradMode.noGrad()) {
                    y.add_(Tensor.scalar(dt, 1));
                }
                if (savesOutput) {
                    assertDetected(loss::backward);
                } else {
                    assertDoesNotThrow((Executable) loss::backward, name + " does not need its output's values");
                    assertClose(dt, want, x.grad(), name + ": gradient at the forward-time values");
                }

                // The input changed in place after the op.
                Tensor x2 = leaf(dt, v);
                Tensor loss2 = f.apply(x2).sum();
                try (var scope = GradMode.noGrad()) {
                    x2.mul_(Tensor.scalar(dt, 1.5));
                }
                if (savesInput) {
                    assertDetected(loss2::backward);
                } else {
                    assertDoesNotThrow((Executable) loss2::backward, name + " does not need its input's values");
                    assertClose(dt, want, x2.grad(), name + ": gradient at the forward-time values");
                }
            }
        }

        @BothFloats
        @DisplayName("INPLACE-SAVED the kind: add, sub, neg, reshape, views and index ops need no values: no spurious error")
        void inplaceSaved_noSpuriousErrors(DType dt) {
            record NoSave(String name, BinaryOperator<Tensor> f, double[] gx) {}
            for (NoSave c : List.of(
                    new NoSave("add", Tensor::add, d(1, 1, 1, 1)),
                    new NoSave("sub", Tensor::sub, d(1, 1, 1, 1)),
                    new NoSave("s − x", (x, s) -> s.sub(x), d(-1, -1, -1, -1)),
                    new NoSave("where", (x, s) -> Tensor.where(s.detach().gt(6), x, s), d(0, 0, 1, 1)),
                    new NoSave("add then reshape", (x, s) -> x.add(s).reshape(2, 2), d(1, 1, 1, 1)),
                    new NoSave("cat", (x, s) -> Tensor.cat(List.of(x, s), 0), d(1, 1, 1, 1)))) {
                Tensor x = leaf(dt, d(1, 2, 3, 4));
                Tensor s = t(dt, d(5, 6, 7, 8));
                Tensor loss = c.f().apply(x, s).sum();
                s.fill_(10);
                assertDoesNotThrow((Executable) loss::backward, c.name() + " does not need s's values: no spurious error");
                assertClose(dt, c.gx(), x.grad(), c.name() + ": the right gradient");
            }

            record Movement(String name, UnaryOperator<Tensor> f, double[] gx) {}
            for (Movement m : List.of(
                    new Movement("reshape", x -> x.reshape(2, 2), d(1, 1, 1, 1)),
                    new Movement("neg", Tensor::neg, d(-1, -1, -1, -1)),
                    new Movement("transpose", x -> x.reshape(2, 2).t(), d(1, 1, 1, 1)),
                    new Movement("narrow", x -> x.narrow(0, 1, 2), d(0, 1, 1, 0)),
                    new Movement("expand", x -> x.reshape(1, 4).expand(3, 4), d(3, 3, 3, 3)),
                    new Movement("clone", Tensor::clone, d(1, 1, 1, 1)),
                    new Movement("sum", x -> x.sum(), d(1, 1, 1, 1)),
                    new Movement("mean", x -> x.mean(), d(0.25, 0.25, 0.25, 0.25)),
                    new Movement("indexSelect", x -> x.indexSelect(0, ids(3, 3, 0)), d(1, 0, 0, 2)),
                    new Movement("gather", x -> x.gather(0, ids(3, 3, 0)), d(1, 0, 0, 2)))) {
                Tensor x = leaf(dt, d(1, 2, 3, 4));
                Tensor loss = m.f().apply(x).sum();
                try (var scope = GradMode.noGrad()) {
                    x.fill_(-7);
                }
                assertDoesNotThrow((Executable) loss::backward, m.name() + " does not need x's values: no spurious error");
                assertClose(dt, m.gx(), x.grad(), m.name() + ": the right gradient after the input changed");
            }
        }

        @BothFloats
        @DisplayName("INPLACE-SAVED the kind: a change through a view (or detach) of a saved tensor is detected")
        void inplaceSaved_throughViews(DType dt) {
            List<Consumer<Tensor>> changes = List.of(
                    s -> s.narrow(0, 0, 1).fill_(10),
                    s -> s.reshape(2, 2).select(1, 1).fill_(10),
                    s -> s.get(3).fill_(10),
                    s -> s.detach().set(10, 2),
                    s -> s.t().mul_(1.0),
                    s -> s.expand(2, 4).select(0, 1).narrow(0, 0, 1).zero_());
            for (int i = 0; i < changes.size(); i++) {
                Tensor x = leaf(dt, d(1, 2, 3, 4));
                Tensor s = t(dt, d(5, 6, 7, 8));
                Tensor loss = x.mul(s).sum();
                changes.get(i).accept(s);
                assertDetected(loss::backward);
            }
            // The saved tensor is itself a view; its base is changed.
            Tensor x = leaf(dt, d(1, 2));
            Tensor base = t(dt, d(5, 6, 7, 8));
            Tensor loss = x.mul(base.narrow(0, 2, 2)).sum();
            base.set(0, 0);
            assertDetected(loss::backward);
            // The saved output changed through a view of it.
            Tensor z = leaf(dt, d(1, 2));
            Tensor e = z.exp();
            Tensor le = e.sum();
            try (var scope = GradMode.noGrad()) {
                e.narrow(0, 1, 1).fill_(0);
            }
            assertDetected(le::backward);
        }

        @BothFloats
        @DisplayName("INPLACE-SAVED the kind: every in-place method bumps the version")
        void inplaceSaved_everyInPlaceMethod(DType dt) {
            List<Consumer<Tensor>> changes = List.of(
                    s -> s.fill_(10), Tensor::zero_, s -> s.copy_(Tensor.ones(dt, 4)), s -> s.add_(Tensor.ones(dt, 4)),
                    s -> s.add_(Tensor.ones(dt, 4), 2), s -> s.sub_(Tensor.ones(dt, 4)), s -> s.mul_(Tensor.ones(dt, 4)),
                    s -> s.mul_(1.0), s -> s.div_(Tensor.ones(dt, 4)), s -> s.set(10, 0));
            for (Consumer<Tensor> change : changes) {
                Tensor x = leaf(dt, d(1, 2, 3, 4));
                Tensor s = t(dt, d(5, 6, 7, 8));
                Tensor loss = x.mul(s).sum();
                change.accept(s);
                assertDetected(loss::backward);
            }
            // A source that requires grad is refused too (in-place ops record no graph).
            Tensor target = t(dt, d(0, 0));
            Tensor src = leaf(dt, d(1, 2));
            assertRefused(() -> target.copy_(src));
            assertRefused(() -> target.add_(src));
            // A leaf that requires grad: refused with grad on, allowed under noGrad (as optimizers do).
            Tensor w = leaf(dt, d(1, 2));
            assertRefused(() -> w.sub_(Tensor.ones(dt, 2)));
            try (var scope = GradMode.noGrad()) {
                w.sub_(Tensor.ones(dt, 2));
            }
            assertClose(dt, d(0, 1), w, "optimizer-style update under noGrad");
        }
    }

    @Nested
    @DisplayName("GATHER-DUP: repeated indices add their gradients (scatter-add), never overwrite")
    class GatherDup {

        @BothFloats
        @DisplayName("GATHER-DUP y = [1.0], z = y[[0,0]]: L = z[0] → [1]; L = z[0] + z[1] → [2]")
        void gatherDup_readme(DType dt) {
            Tensor y = leaf(dt, d(1.0));
            Tensor z = y.indexSelect(0, ids(0, 0));
            assertClose(dt, d(1, 1), z, "z");
            z.get(0).backward();
            assertClose(dt, d(1), y.grad(), "L = z[0]");

            Tensor y2 = leaf(dt, d(1.0));
            Tensor z2 = y2.indexSelect(0, ids(0, 0));
            z2.get(0).add(z2.get(1)).backward();
            assertClose(dt, d(2), y2.grad(), "L = z[0] + z[1]");

            Tensor y3 = leaf(dt, d(1.0));
            Tensor z3 = y3.gather(0, ids(0, 0));
            z3.get(0).add(z3.get(1)).backward();
            assertClose(dt, d(2), y3.grad(), "gather: L = z[0] + z[1]");
        }

        @BothFloats
        @DisplayName("GATHER-DUP embedding W 3×2, ids [1,1,2], L = Σ E(ids) → dW = [[0,0],[2,2],[1,1]]")
        void gatherDup_embedding(DType dt) {
            Tensor w = leaf(dt, d(1, 2, 3, 4, 5, 6), 3, 2);
            Tensor e = w.indexSelect(0, ids(1, 1, 2));
            assertClose(dt, d(3, 4, 3, 4, 5, 6), e, "E(ids)");
            e.sum().backward();
            assertClose(dt, d(0, 0, 2, 2, 1, 1), w.grad(), "dW");

            // Same lookup as gather with an index of the output's shape.
            Tensor w2 = leaf(dt, d(1, 2, 3, 4, 5, 6), 3, 2);
            w2.gather(0, Tensor.of(new long[] {1, 1, 1, 1, 2, 2}, 3, 2)).sum().backward();
            assertClose(dt, d(0, 0, 2, 2, 1, 1), w2.grad(), "dW via gather");
        }

        @BothFloats
        @DisplayName("GATHER-DUP the kind: dim 1, weighted upstream, scatterAdd and indexAdd with duplicates")
        void gatherDup_kind(DType dt) {
            Tensor x = leaf(dt, d(1, 2, 3, 4, 5, 6), 2, 3);
            Tensor gth = x.gather(1, Tensor.of(new long[] {0, 0, 2, 1, 1, 1}, 2, 3));
            assertClose(dt, d(1, 1, 3, 5, 5, 5), gth, "gather dim 1");
            gth.mul(t(dt, d(1, 2, 3, 4, 5, 6), 2, 3)).sum().backward();
            assertClose(dt, d(3, 0, 3, 0, 15, 0), x.grad(), "gather dim 1 with duplicates, weighted");

            Tensor c = leaf(dt, d(1, 2, 3, 4, 5, 6), 2, 3);
            Tensor sel = c.indexSelect(1, ids(2, 2, 0, 2));
            assertClose(dt, d(3, 3, 1, 3, 6, 6, 4, 6), sel, "indexSelect dim 1");
            sel.sum().backward();
            assertClose(dt, d(1, 0, 3, 1, 0, 3), c.grad(), "indexSelect dim 1 with duplicates");

            Tensor base = leaf(dt, d(0, 0, 0));
            Tensor src = leaf(dt, d(1, 2, 3, 4));
            Tensor sc = base.scatterAdd(0, ids(0, 0, 2, 0), src);
            assertClose(dt, d(7, 0, 3), sc, "scatterAdd accumulates duplicates");
            sc.mul(t(dt, d(10, 20, 30))).sum().backward();
            assertClose(dt, d(10, 10, 30, 10), src.grad(), "d scatterAdd / d src = gather of g");
            assertClose(dt, d(10, 20, 30), base.grad(), "d scatterAdd / d self");

            Tensor b2 = leaf(dt, d(0, 0, 0, 0), 2, 2);
            Tensor s2 = leaf(dt, d(1, 2, 3, 4, 5, 6), 3, 2);
            Tensor ia = b2.indexAdd(0, ids(1, 1, 0), s2);
            assertClose(dt, d(5, 6, 4, 6), ia, "indexAdd accumulates duplicates");
            ia.mul(t(dt, d(1, 2, 3, 4), 2, 2)).sum().backward();
            assertClose(dt, d(3, 4, 3, 4, 1, 2), s2.grad(), "d indexAdd / d src");
            assertClose(dt, d(1, 2, 3, 4), b2.grad(), "d indexAdd / d self");

            Tensor sel0 = leaf(dt, d(1, 2, 3));
            sel0.get(1).add(sel0.get(1)).add(sel0.select(0, 1).mul(3)).backward();
            assertClose(dt, d(0, 5, 0), sel0.grad(), "the same element selected several times");
        }

        @Test
        @DisplayName("GATHER-DUP the kind: duplicate-index ops against central differences")
        void gatherDup_gradCheck() {
            Generator g = new Generator(5);
            Tensor x = rand(g, new int[] {3, 4}, -1, 1).requiresGrad(true);
            Tensor w = rand(g, new int[] {4, 4}, -1, 1);
            Tensor idx = Tensor.of(new long[] {2, 2, 0, 2, 1, 1, 1, 1, 0, 0, 0, 0, 2, 1, 2, 2}, 4, 4);
            GradCheck.check(in -> in[0].gather(0, idx).mul(w).sum(), x).orThrow();
            GradCheck.check(in -> in[0].indexSelect(1, ids(3, 3, 3, 0)).mul(w.narrow(0, 0, 3)).sum(), x).orThrow();
            Tensor src = rand(g, new int[] {4, 4}, -1, 1).requiresGrad(true);
            GradCheck.check(in -> in[0].scatterAdd(0, idx, in[1]).square().sum(), x, src).orThrow();
            Tensor rows = rand(g, new int[] {5, 4}, -1, 1).requiresGrad(true);
            GradCheck.check(in -> in[0].indexAdd(0, ids(1, 1, 0, 1, 2), in[1]).square().sum(), x, rows).orThrow();
        }
    }

    @Nested
    @DisplayName("PADDING-IDX: the padding row of an embedding gets zero gradient and stays unchanged")
    class PaddingIdx {
        // No nn.Embedding yet (it arrives with the next issue): an embedding with padding index 0 is written here
        // as W.indexSelect(0, ids) times the mask (ids != 0). The module-level test comes with nn.Embedding.

        Tensor embed(Tensor w, Tensor ids, int paddingIdx) {
            Tensor mask = ids.ne(paddingIdx).toType(w.dtype()).unsqueeze(1);
            return w.indexSelect(0, ids).mul(mask);
        }

        @BothFloats
        @DisplayName("PADDING-IDX W 4×2, padding 0, ids [0,2,0,1], L = Σ E(ids), one SGD step with lr 1")
        void paddingIdx_readme(DType dt) {
            double[] w0 = d(5, -7, 1, 2, 3, 4, 6, 8);
            Tensor w = leaf(dt, w0, 4, 2);
            Tensor e = embed(w, ids(0, 2, 0, 1), 0);
            assertClose(dt, d(0, 0, 3, 4, 0, 0, 1, 2), e, "E(ids): padding rows are zero");
            e.sum().backward();
            assertClose(dt, d(0, 0, 1, 1, 1, 1, 0, 0), w.grad(), "dW");
            try (var scope = GradMode.noGrad()) {
                w.sub_(w.grad());
            }
            assertClose(dt, d(5, -7, 0, 1, 2, 3, 6, 8), w, "after one SGD step: row 0 unchanged");

            // The same with a where-mask and a second step (grads accumulate, row 0 still untouched).
            Tensor w2 = leaf(dt, w0, 4, 2);
            Tensor id2 = ids(0, 2, 0, 1);
            Tensor e2 = Tensor.where(id2.ne(0).unsqueeze(1), w2.indexSelect(0, id2), Tensor.scalar(dt, 0));
            e2.mul(t(dt, d(9, 9, 2, 3, 9, 9, 4, 5), 4, 2)).sum().backward();
            assertClose(dt, d(0, 0, 4, 5, 2, 3, 0, 0), w2.grad(), "dW (where-mask, weighted)");
            try (var scope = GradMode.noGrad()) {
                w2.sub_(w2.grad());
            }
            assertClose(dt, d(5, -7), w2.get(0), "row 0 unchanged");
        }

        @BothFloats
        @DisplayName("PADDING-IDX all-padding ids [0,0] give zero gradient and no crash")
        void paddingIdx_allPadding(DType dt) {
            Tensor w = leaf(dt, d(5, -7, 1, 2, 3, 4, 6, 8), 4, 2);
            Tensor e = embed(w, ids(0, 0), 0);
            assertAllZero(e, "E([0, 0])");
            e.sum().backward();
            assertAllZero(w.grad(), "dW");
            try (var scope = GradMode.noGrad()) {
                w.sub_(w.grad());
            }
            assertClose(dt, d(5, -7, 1, 2, 3, 4, 6, 8), w, "no change");

            // A padding index other than 0.
            Tensor w3 = leaf(dt, d(1, 1, 2, 2, 3, 3), 3, 2);
            embed(w3, ids(2, 1, 2, 2), 2).sum().backward();
            assertClose(dt, d(0, 0, 1, 1, 0, 0), w3.grad(), "padding index 2");
        }
    }

    @Nested
    @DisplayName("INT64-SIZES: element counts and bin indices in long; too-large tensors are rejected, never wrapped")
    class Int64Sizes {

        @Test
        @DisplayName("INT64-SIZES numel([65536, 65536]) = 4294967296")
        void int64Sizes_numel() {
            assertEquals(4_294_967_296L, Shape.numel(new int[] {65536, 65536}));
            assertEquals(0L, Shape.numel(new int[] {65536, 65536, 0}));
            assertEquals(4_611_686_014_132_420_609L, Shape.numel(new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE}));
            assertEquals(2_147_488_281L, Shape.numel(new int[] {46341, 46341}), "just over 2^31 (int32 goes negative)");

            // A view needs no storage of that size: a scalar expanded to [65536, 65536].
            Tensor big = Tensor.scalar(7).expand(65536, 65536);
            assertArrayEquals(new int[] {65536, 65536}, big.shape());
            assertEquals(4_294_967_296L, big.numel());
            assertEquals(7.0, big.getDouble(65535, 65535));
            Tensor row = Tensor.zeros(1, 65536).expand(65536, 65536);
            assertEquals(4_294_967_296L, row.numel());
            assertEquals(0.0, row.getDouble(40000, 65535));
        }

        @Test
        @DisplayName("INT64-SIZES Tensor.zeros(65536, 65536) is a clear IllegalArgumentException, not a wrap or OOM")
        void int64Sizes_tooLarge() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(65536, 65536));
            assertTrue(e.getMessage().contains("4294967296"), "the message gives the count: " + e.getMessage());
            record Big(String name, Executable make) {}
            List<Big> others = List.of(
                    new Big("zeros(FLOAT64, 65536, 65536)", () -> Tensor.zeros(DType.FLOAT64, 65536, 65536)),
                    new Big("zeros(INT64, 65536, 65536)", () -> Tensor.zeros(DType.INT64, 65536, 65536)),
                    new Big("ones(65536, 65536)", () -> Tensor.ones(65536, 65536)),
                    new Big("full(2, 65536, 65536)", () -> Tensor.full(2.0, 65536, 65536)),
                    new Big("rand(65536, 65536)", () -> Tensor.rand(new Generator(1), 65536, 65536)),
                    new Big("eye(65536)", () -> Tensor.eye(65536)),
                    new Big("zeros(46341, 46341) (just over 2^31)", () -> Tensor.zeros(46341, 46341)),
                    new Big("zeros(Integer.MAX_VALUE)", () -> Tensor.zeros(Integer.MAX_VALUE)),
                    new Big("arange(0, 5e9, 1)", () -> Tensor.arange(0, 5e9, 1)),
                    new Big("contiguous() of the [65536, 65536] view", () -> Tensor.scalar(7).expand(65536, 65536).contiguous()),
                    new Big("zeros(65536, 65536, 65536, 65536) (2^64 overflows long too)",
                            () -> Tensor.zeros(65536, 65536, 65536, 65536)));
            for (Big b : others) {
                Throwable t = assertThrows(Throwable.class, b.make(), b.name() + " must be rejected");
                assertTrue(t instanceof IllegalArgumentException,
                        b.name() + ": expected a clear IllegalArgumentException, got " + t);
            }
        }

        @Test
        @DisplayName("INT64-SIZES the kind: counts that wrap to a small int32 value are not accepted")
        void int64Sizes_noWrapInShapes() {
            // 65536 · 65536 is 0 in int32: an empty array must not fit that shape.
            assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[0], 65536, 65536));
            assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(0).reshape(65536, 65536));
            // 65537 · 65537 is 131073 in int32.
            assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(131073).reshape(65537, 65537));
            // 2^32 elements cannot be one int-sized dimension: flattening the big view is rejected, not size 0.
            Tensor big = Tensor.scalar(7).expand(65536, 65536);
            assertThrows(IllegalArgumentException.class, () -> big.reshape(-1));
            assertThrows(IllegalArgumentException.class, big::flatten);
            // Legitimate: the empty case keeps working.
            assertEquals(0, Tensor.zeros(0).reshape(65536, 65536, 0).numel());
        }

        @BothFloats
        @DisplayName("INT64-SIZES histc with 65536 bins over [0, 65536) puts 36830 into bin 36830")
        void int64Sizes_histc(DType dt) {
            Tensor h = t(dt, d(36830)).histc(65536, 0, 65536);
            assertEquals(65536, h.numel());
            assertEquals(1.0, h.getDouble(36830), "bin 36830 (int32 arithmetic gives -28706)");
            assertEquals(1.0, h.sum().item(), "one value, one count");

            Tensor many = t(dt, d(0, 36830, 65535.5, 65536, 1, 65535)).histc(65536, 0, 65536);
            assertEquals(1.0, many.getDouble(0));
            assertEquals(1.0, many.getDouble(1));
            assertEquals(1.0, many.getDouble(36830));
            assertEquals(3.0, many.getDouble(65535), "65535, 65535.5 and the max 65536 fall in the last bin");
            assertEquals(6.0, many.sum().item());

            // Shifted range, and more bins than int32 products allow.
            assertEquals(1.0, t(dt, d(-28706)).histc(65536, -65536, 0).getDouble(36830), "range [-65536, 0)");
            Tensor wide = t(dt, d(99_999, 50_000)).histc(100_000, 0, 100_000);
            assertEquals(1.0, wide.getDouble(99_999), "100000 bins (99999 · 100000 overflows int32)");
            assertEquals(1.0, wide.getDouble(50_000), "100000 bins");
            Tensor huge = t(dt, d(2.5e9, 1e9)).histc(3, 0, 3e9);
            assertEquals(1.0, huge.getDouble(2), "values beyond int32");
            assertEquals(1.0, huge.getDouble(1), "values beyond int32");
        }
    }

    // ---- poolbn (begin)

    /** Runs {@code body} with the fast kernels and again with the reference ones. */
    static void bothKernels(Consumer<String> body) {
        dev.backprop.kernels.Kernels before = dev.backprop.kernels.Kernels.active();
        try {
            dev.backprop.kernels.Kernels.use(dev.backprop.kernels.Kernels.FAST);
            body.accept("fast");
            dev.backprop.kernels.Kernels.use(dev.backprop.kernels.Kernels.REFERENCE);
            body.accept("reference");
        } finally {
            dev.backprop.kernels.Kernels.use(before);
        }
    }

    @Nested
    @DisplayName("MAX-TIES (pooling): a tied max-pool window sends the whole gradient to its FIRST maximum (PyTorch's rule)")
    class MaxTiesPool {

        @BothFloats
        @DisplayName("MAX-TIES a 2×2 max-pool window of equal values → [1, 0, 0, 0], never all ones")
        void maxTiesPool_readme(DType dt) {
            bothKernels(k -> {
                Tensor x = leaf(dt, d(0.7, 0.7, 0.7, 0.7), 1, 1, 2, 2);
                Tensor y = Functional.maxPool2d(x, 2);
                assertClose(dt, d(0.7), y, k + " value");
                y.sum().backward();
                assertClose(dt, d(1, 0, 0, 0), x.grad(), k + " first maximum");
                assertClose(dt, d(1), x.grad().sum(), k + " sums to the upstream gradient");
            });
        }

        @BothFloats
        @DisplayName("MAX-TIES the kind: upstream weights, partial ties, overlapping windows, padding, dilation, unbatched, -inf and NaN")
        void maxTiesPool_kind(DType dt) {
            bothKernels(k -> {
                // Upstream gradient 3: all of it to the first, and the row-major order decides (second row tie).
                Tensor a = leaf(dt, d(1, 5, 5, 5), 1, 1, 2, 2);
                Functional.maxPool2d(a, 2).mul(3).sum().backward();
                assertClose(dt, d(0, 3, 0, 0), a.grad(), k + " partial tie, upstream 3");

                // Overlapping windows (3×3, stride 1) over a constant 4×4: each window's gradient to its own first
                // element; the total equals the number of windows (4), never 9 per window.
                Tensor c = Tensor.ones(dt, 1, 1, 4, 4).requiresGrad(true);
                Functional.maxPool2d(c, new int[] {3, 3}, new int[] {1, 1}, new int[] {0, 0}).sum().backward();
                assertClose(dt, d(1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), c.grad(), k + " overlapping windows");

                // Padding is −∞, never a tie with a real value; dilation picks the first tied element it visits.
                Tensor pz = leaf(dt, d(-1, -1, -1, -1), 1, 1, 2, 2);
                Tensor py = Functional.maxPool2d(pz, new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1});
                assertClose(dt, d(-1, -1, -1, -1), py, k + " padded output is real");
                py.sum().backward();
                assertClose(dt, d(1, 1, 1, 1), pz.grad(), k + " each window's only real element");
                Tensor dl = Tensor.ones(dt, 1, 1, 3, 3).requiresGrad(true);
                Functional.maxPool2d(dl, new int[] {2, 2}, new int[] {1, 1}, new int[] {0, 0}, new int[] {2, 2}).sum().backward();
                assertClose(dt, d(1, 0, 0, 0, 0, 0, 0, 0, 0), dl.grad(), k + " dilated window");

                // Unbatched [C, H, W] and several planes: every plane independently.
                Tensor u = Tensor.ones(dt, 2, 2, 4).requiresGrad(true);
                Functional.maxPool2d(u, 2).sum().backward();
                assertClose(dt, d(1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0), u.grad(), k + " unbatched");

                // A window of −∞ reports −∞ and its first element; NaN wins (propagates) and takes the gradient.
                Tensor ni = leaf(dt, d(-INF, -INF, -INF, -INF), 1, 1, 2, 2);
                Tensor nio = Functional.maxPool2d(ni, 2);
                assertEquals(-INF, nio.item(), k + " all −∞");
                nio.sum().backward();
                assertClose(dt, d(1, 0, 0, 0), ni.grad(), k + " all −∞ gradient");
                Tensor nn = leaf(dt, d(1, Double.NaN, 2, 0), 1, 1, 2, 2);
                Tensor nno = Functional.maxPool2d(nn, 2);
                assertTrue(Double.isNaN(nno.item()), k + " NaN propagates");
                nno.sum().backward();
                assertClose(dt, d(0, 1, 0, 0), nn.grad(), k + " NaN takes the gradient");

                // The second derivative path (the backward op's own gradient) sends gg to the same first maxima.
                Tensor x2 = Tensor.ones(dt, 1, 1, 2, 2).requiresGrad(true);
                Tensor gy = leaf(dt, d(2), 1, 1, 1, 1);
                Tensor gx = Backprop.grad(Functional.maxPool2d(x2, 2), new Tensor[] {x2}, gy, true)[0];
                assertClose(dt, d(2, 0, 0, 0), gx, k + " backward op");
                gx.mul(leaf(dt, d(5, 7, 7, 7), 1, 1, 2, 2).detach()).sum().backward();
                assertClose(dt, d(5), gy.grad(), k + " its gradient gathers the first maximum");

                // Average pooling has no ties: a constant window shares evenly.
                Tensor av = Tensor.ones(dt, 1, 1, 2, 2).requiresGrad(true);
                Functional.avgPool2d(av, 2).sum().backward();
                assertClose(dt, d(0.25, 0.25, 0.25, 0.25), av.grad(), k + " avg pool");
            });
        }
    }

    @Nested
    @DisplayName("BN-STATS: biased variance normalises, the running variance is unbiased, eval uses running statistics")
    class BnStats {
        static final double[] BATCH = {1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6, 7};

        @Test
        @DisplayName("BN-STATS the README numbers through BatchNorm2d (one channel, [4, 1, 2, 2])")
        void bnStats_readme() {
            bothKernels(k -> {
                dev.backprop.nn.BatchNorm2d bn = new dev.backprop.nn.BatchNorm2d(1);
                Tensor y = bn.forward(t(DType.FLOAT32, BATCH, 4, 1, 2, 2));
                assertPrinted(DType.FLOAT32, d(-1.897363), 6, y.reshape(-1).narrow(0, 0, 1), k + " train output for x = 1");
                assertPrinted(DType.FLOAT32, d(0.4), 6, bn.runningMean(), k + " running_mean");
                assertPrinted(DType.FLOAT32, d(1.166667), 6, bn.runningVar(), k + " running_var (unbiased 2.666667)");
                bn.eval();
                Tensor e = bn.forward(t(DType.FLOAT32, d(1, 1), 2, 1, 1, 1));
                assertPrinted(DType.FLOAT32, d(0.555490, 0.555490), 6, e, k + " eval output at x = 1");
                bn.train();
                IllegalArgumentException err = assertThrows(IllegalArgumentException.class,
                        () -> bn.forward(t(DType.FLOAT32, d(1), 1, 1, 1, 1)));
                assertEquals("batch_norm: expected more than 1 value per channel when training, got input [1, 1, 1, 1]", err.getMessage());
            });
        }

        @BothFloats
        @DisplayName("BN-STATS the kind: 1-D layouts [16, 1] and [4, 1, 4], both float types, exact formulas, several channels")
        void bnStats_kind(DType dt) {
            bothKernels(k -> {
                for (int[] shape : new int[][] {{16, 1}, {4, 1, 4}, {4, 1, 2, 2}}) {
                    Tensor x = t(dt, shape.length == 3 ? d(1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6, 7) : BATCH, shape);
                    Tensor rm = Tensor.zeros(dt, 1), rv = Tensor.ones(dt, 1);
                    Tensor y = Functional.batchNorm(x, rm, rv, null, null, true, 0.1, 1e-5);
                    String s = k + " " + Arrays.toString(shape);
                    assertClose(dt, d((1 - 4) / Math.sqrt(2.5 + 1e-5)), y.reshape(-1).narrow(0, 0, 1), s + " biased variance 2.5");
                    assertClose(dt, d(0.4), rm, s + " running_mean");
                    assertClose(dt, d(0.9 + 0.1 * 8.0 / 3), rv, s + " running_var unbiased 8/3");
                    Tensor e = Functional.batchNorm(t(dt, d(1, 1), shape.length == 2 ? new int[] {2, 1} : shape.length == 3
                            ? new int[] {2, 1, 1} : new int[] {2, 1, 1, 1}), rm, rv, null, null, false, 0.1, 1e-5);
                    assertClose(dt, d(0.6 / Math.sqrt(0.9 + 0.8 / 3 + 1e-5), 0.6 / Math.sqrt(0.9 + 0.8 / 3 + 1e-5)), e, s + " eval");
                    assertClose(dt, d(0.4), rm, s + " eval leaves running_mean");
                }
                // Two channels: each gets its own statistics (channel 1 is channel 0 doubled plus 1).
                double[] two = new double[16];
                for (int i = 0; i < 8; i++) {
                    two[2 * i] = BATCH[i];
                    two[2 * i + 1] = 2 * BATCH[i] + 1;
                }
                Tensor rm = Tensor.zeros(dt, 2), rv = Tensor.ones(dt, 2);
                Functional.batchNorm(t(dt, two, 8, 2), rm, rv, null, null, true, 0.1, 1e-5);
                double m0 = Arrays.stream(BATCH, 0, 8).sum() / 8, m1 = 2 * m0 + 1, v0 = (Arrays.stream(BATCH, 0, 8).map(v -> (v - m0) * (v - m0)).sum()) / 7;
                assertClose(dt, d(0.1 * m0, 0.1 * m1), rm, k + " per-channel means");
                assertClose(dt, d(0.9 + 0.1 * v0, 0.9 + 0.1 * 4 * v0), rv, k + " per-channel unbiased variances");
                // One value per channel: an error in training, whatever the layout.
                for (int[] shape : new int[][] {{1, 3}, {1, 3, 1}, {1, 3, 1, 1}}) {
                    IllegalArgumentException err = assertThrows(IllegalArgumentException.class,
                            () -> Functional.batchNorm(Tensor.ones(dt, shape), null, null, null, null, true, 0.1, 1e-5));
                    assertTrue(err.getMessage().startsWith("batch_norm: expected more than 1 value per channel when training"),
                            err.getMessage());
                }
            });
        }
    }

    @Nested
    @DisplayName("DROPOUT-RATE (channels): Dropout2d's p is the DROP probability; survivors are scaled by 1/(1 − p)")
    class DropoutRate2d {

        @Test
        @DisplayName("DROPOUT-RATE Dropout2d(0.2) on a million channels of ones, training, then eval")
        void dropoutRate2d_readme() {
            dev.backprop.nn.Dropout2d d = new dev.backprop.nn.Dropout2d(0.2, new Generator(42));
            Tensor x = Tensor.ones(1000, 1000, 1, 1);
            Tensor y = d.forward(x);
            long zeros = 0;
            for (float v : y.toFloatArray()) {
                if (v == 0f) zeros++;
                else assertEquals(1.25f, v, "survivors exactly 1.25");
            }
            assertEquals(0.2, zeros / 1e6, 0.002, "fraction of zeros");
            assertEquals(1.0, y.mean().item(), 0.0025, "mean");
            d.eval();
            org.junit.jupiter.api.Assertions.assertSame(x, d.forward(x), "eval returns the input unchanged");
        }

        @BothFloats
        @DisplayName("DROPOUT-RATE the kind: whole channels, spatial sizes, [N, C, L], float64, the functional form, p = 0")
        void dropoutRate2d_kind(DType dt) {
            Generator g = new Generator(7);
            Tensor x = Tensor.ones(dt, 200, 50, 3, 5);
            Tensor y = Functional.dropout2d(x, 0.2, true, g);
            double[] v = y.toDoubleArray();
            long zeros = 0;
            for (int ch = 0; ch < 200 * 50; ch++) {
                double first = v[ch * 15];
                for (int i = 1; i < 15; i++) assertEquals(first, v[ch * 15 + i], "a channel is kept or dropped whole");
                if (first == 0) zeros++;
                else assertEquals(1.25, first, dt == DType.FLOAT32 ? 0 : 1e-15, "survivor scale");
            }
            assertEquals(0.2, zeros / 10000.0, 0.015, "fraction of dropped channels (10000 channels)");
            Tensor ncl = Functional.dropout2d(Tensor.ones(dt, 100, 40, 6), 0.5, true, g);
            double[] w = ncl.toDoubleArray();
            for (int ch = 0; ch < 4000; ch++) for (int i = 1; i < 6; i++) assertEquals(w[ch * 6], w[ch * 6 + i], "[N, C, L] channels");
            Tensor same = Tensor.ones(dt, 2, 3, 2, 2);
            org.junit.jupiter.api.Assertions.assertSame(same, Functional.dropout2d(same, 0.2, false, g), "not training: identity");
            org.junit.jupiter.api.Assertions.assertSame(same, Functional.dropout2d(same, 0, true, g), "p = 0: identity");
            assertThrows(IllegalArgumentException.class, () -> Functional.dropout2d(same, 1.0, true, g));
            assertThrows(IllegalArgumentException.class, () -> Functional.dropout2d(same, -0.1, true, g));
            assertThrows(IllegalArgumentException.class, () -> Functional.dropout2d(Tensor.ones(dt, 4, 4), 0.2, true, g));
        }
    }
    // ---- poolbn (end)
    // ---- conv (begin)
    @Nested
    @DisplayName("CONV-SHAPE: conv output size ⌊(L + 2p − d(k − 1) − 1)/s⌋ + 1 per axis; the input gradient has the input's shape")
    class ConvShape {
        static int[] ints(int... v) {
            return v;
        }

        /** How many (output position, kernel tap) pairs read input position i: the input gradient of Σy with W = 1. */
        static double[] reads(int len, int k, int s, int p, int d) {
            int out = Math.floorDiv(len + 2 * p - d * (k - 1) - 1, s) + 1;
            double[] c = new double[len];
            for (int j = 0; j < out; j++) {
                for (int a = 0; a < k; a++) {
                    int i = j * s - p + a * d;
                    if (i >= 0 && i < len) c[i]++;
                }
            }
            return c;
        }

        @BothFloats
        @DisplayName("CONV-SHAPE the README's three convolutions: 8×4, 8×6 and 2, gradients in the inputs' shapes")
        void readme(DType dt) {
            Tensor x = Tensor.ones(dt, 1, 1, 10, 10).requiresGrad(true), w = Tensor.ones(dt, 1, 1, 3, 3).requiresGrad(true);
            Tensor y = Functional.conv2d(x, w, null, ints(1, 2), ints(0, 0), ints(1, 1), 1);
            assertShape(ints(1, 1, 8, 4), y, "stride (1, 2)");
            y.sum().backward();
            assertShape(ints(1, 1, 10, 10), x.grad(), "input grad, stride (1, 2)");
            assertShape(ints(1, 1, 3, 3), w.grad(), "weight grad, stride (1, 2)");
            // Stride 2 over 10 columns with a 3-wide kernel never reads column 9: its gradient is 0.
            assertEquals(0.0, x.grad().get(0, 0, 0, 9).item(), "unread column");
            assertEquals(2.0, x.grad().get(0, 0, 0, 2).item(), "column 2 is read by two windows");

            Tensor x2 = Tensor.ones(dt, 1, 1, 10, 10).requiresGrad(true);
            Tensor y2 = Functional.conv2d(x2, w, null, ints(1, 1), ints(0, 0), ints(1, 2), 1);
            assertShape(ints(1, 1, 8, 6), y2, "dilation (1, 2)");
            y2.sum().backward();
            assertShape(ints(1, 1, 10, 10), x2.grad(), "input grad, dilation (1, 2)");

            Tensor x3 = Tensor.ones(dt, 1, 1, 6).requiresGrad(true), w3 = Tensor.ones(dt, 1, 1, 3).requiresGrad(true);
            Tensor y3 = Functional.conv1d(x3, w3, null, 1, 0, 2, 1);
            assertShape(ints(1, 1, 2), y3, "1-d, dilation 2");
            assertClose(dt, d(3, 3), y3, "1-d values");
            y3.sum().backward();
            assertShape(ints(1, 1, 6), x3.grad(), "1-d input grad");
            assertClose(dt, d(1, 1, 1, 1, 1, 1), x3.grad(), "each input read once");
            assertShape(ints(1, 1, 3), w3.grad(), "1-d weight grad");

            // The modules agree.
            assertShape(ints(1, 2, 8, 4), new dev.backprop.nn.Conv2d(1, 2, ints(3, 3), ints(1, 2), ints(0, 0), ints(1, 1), 1, true, new Generator(1))
                    .forward(Tensor.ones(1, 1, 10, 10)), "Conv2d module");
            assertShape(ints(1, 2, 2), new dev.backprop.nn.Conv1d(1, 2, 3, 1, 0, 2, 1, true, new Generator(1)).forward(Tensor.ones(1, 1, 6)),
                    "Conv1d module");
        }

        @BothFloats
        @DisplayName("CONV-SHAPE every length, kernel, stride, padding and dilation (1-d, and 2-d with different axes)")
        void everyGeometry(DType dt) {
            java.util.Random r = new java.util.Random(11);
            int[] lens = {1, 2, 3, 5, 6, 7, 10};
            int valid = 0, invalid = 0;
            for (int len : lens) for (int k = 1; k <= 3; k++) for (int s = 1; s <= 3; s++) for (int p = 0; p <= 1; p++) for (int dl = 1; dl <= 2; dl++) {
                int out = Math.floorDiv(len + 2 * p - dl * (k - 1) - 1, s) + 1;
                Tensor x = Tensor.ones(dt, 2, 1, len).requiresGrad(true), w = Tensor.ones(dt, 3, 1, k).requiresGrad(true);
                String what = "1-d L " + len + ", k " + k + ", s " + s + ", p " + p + ", d " + dl;
                if (out < 1) {
                    int lenF = len, kF = k, sF = s, pF = p, dF = dl;
                    String m = assertThrows(IllegalArgumentException.class, () -> Functional.conv1d(x, w, null, sF, pF, dF, 1), what).getMessage();
                    assertTrue(m.startsWith("conv1d: input [2, 1, " + lenF + "] with kernel " + kF) && !m.contains("\n"), m);
                    invalid++;
                    continue;
                }
                Tensor y = Functional.conv1d(x, w, null, s, p, dl, 1);
                assertShape(ints(2, 3, out), y, what);
                y.sum().backward();
                assertShape(x.shape(), x.grad(), what + " input grad");
                assertShape(w.shape(), w.grad(), what + " weight grad");
                double[] c = reads(len, k, s, p, dl);
                double[] expected = new double[2 * len];
                for (int i = 0; i < 2 * len; i++) expected[i] = 3 * c[i % len];
                assertClose(dt, expected, x.grad(), what + " input grad values");
                valid++;

                // 2-d: this geometry on the height, a random other one on the width.
                int lw = lens[r.nextInt(lens.length)], kw = 1 + r.nextInt(3), sw = 1 + r.nextInt(3), pw = r.nextInt(2), dw = 1 + r.nextInt(2);
                int ow = Math.floorDiv(lw + 2 * pw - dw * (kw - 1) - 1, sw) + 1;
                if (ow < 1) continue;
                Tensor x2 = Tensor.ones(dt, 1, 2, len, lw).requiresGrad(true), w2 = Tensor.ones(dt, 2, 1, k, kw).requiresGrad(true);
                Tensor y2 = Functional.conv2d(x2, w2, null, ints(s, sw), ints(p, pw), ints(dl, dw), 2);
                String what2 = what + " × (W " + lw + ", k " + kw + ", s " + sw + ", p " + pw + ", d " + dw + ")";
                assertShape(ints(1, 2, out, ow), y2, what2);
                y2.sum().backward();
                assertShape(x2.shape(), x2.grad(), what2 + " input grad");
                assertShape(w2.shape(), w2.grad(), what2 + " weight grad");
                double[] cw = reads(lw, kw, sw, pw, dw);
                double[] e2 = new double[2 * len * lw];
                for (int ch = 0; ch < 2; ch++) for (int i = 0; i < len; i++) for (int j = 0; j < lw; j++) e2[(ch * len + i) * lw + j] = c[i] * cw[j];
                assertClose(dt, e2, x2.grad(), what2 + " input grad values");
            }
            assertTrue(valid > 100 && invalid > 10, valid + " valid, " + invalid + " rejected geometries");
        }

        @Test
        @DisplayName("CONV-SHAPE an output below 1 is a one-line error naming the shapes, never an empty or negative shape")
        void tooSmall() {
            String m = assertThrows(IllegalArgumentException.class,
                    () -> Functional.conv2d(Tensor.zeros(2, 3, 4, 4), Tensor.zeros(4, 3, 5, 5), null)).getMessage();
            assertEquals("conv2d: input [2, 3, 4, 4] with kernel 5×5, padding 0, dilation 1 gives an output of 0×0; "
                    + "pad the input or use a smaller kernel", m);
            m = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(Tensor.zeros(1, 1, 10, 3), Tensor.zeros(1, 1, 3, 3), null,
                    ints(1, 1), ints(0, 0), ints(1, 2), 1)).getMessage();
            assertTrue(m.contains("[1, 1, 10, 3]") && m.contains("gives an output of 8×-1"), m);
            // With padding it fits: 4 + 2·1 − 5 + 1 = 2.
            assertShape(ints(2, 4, 2, 2), Functional.conv2d(Tensor.zeros(2, 3, 4, 4), Tensor.zeros(4, 3, 5, 5), null,
                    ints(1, 1), ints(1, 1), ints(1, 1), 1), "padded");
        }
    }
    // ---- conv (end)
}
