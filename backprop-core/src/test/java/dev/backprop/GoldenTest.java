package dev.backprop;

import dev.backprop.kernels.Kernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every catalog case against PyTorch: the output and the gradient of L = Σ out ⊙ w with respect to each input, in
 * float64 and in float32, with both the fast and the reference kernels.
 */
class GoldenTest {
    /** float64: our maths and PyTorch's agree to rounding; float32: a few ulps of accumulated rounding. */
    static final double TOL64 = 1e-9, TOL32 = 2e-5;

    static final double[] worst = new double[2];

    @Test
    void catalogAndFixturesNameTheSameCases() {
        Set<String> fixture = Golden.cases().stream().map(Golden.Case::name).collect(Collectors.toCollection(TreeSet::new));
        Set<String> catalog = new TreeSet<>(OpCatalog.CASES.keySet());
        assertEquals(catalog, fixture, "OpCatalog and tools/golden/make_golden.py must list the same cases");
    }

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() {
        return Golden.cases().stream().flatMap(c -> Stream.of(
                DynamicTest.dynamicTest(c + " fast", () -> check(c, Kernels.FAST)),
                DynamicTest.dynamicTest(c + " reference", () -> check(c, Kernels.REFERENCE))));
    }

    static void check(Golden.Case c, Kernels kernels) {
        Kernels before = Kernels.active();
        Kernels.use(kernels);
        try {
            OpCatalog.Case java = OpCatalog.CASES.get(c.name());
            assertNotNull(java, "no catalog entry for " + c.name());
            Tensor[] in = c.tensors();
            Tensor out = java.fn().apply(in);
            assertArrayEquals(c.outShape(), out.shape(), c + ": output shape");
            assertEquals(c.dtype(), out.dtype(), c + ": output dtype");
            double tol = c.dtype() == DType.FLOAT64 ? TOL64 : TOL32;
            compare(c + " output", out.toDoubleArray(), c.output(), tol, c.dtype());
            Tensor w = Tensor.of(c.weight(), c.outShape().length == 0 ? new int[] {1} : c.outShape()).reshape(c.outShape())
                    .toType(c.dtype());
            out.mul(w).sum().backward();
            for (int i = 0; i < in.length; i++) {
                double[] expected = c.grads().get(i);
                if (expected == null) continue;
                assertNotNull(in[i].grad(), c + ": input " + i + " got no gradient");
                assertArrayEquals(in[i].shape(), in[i].grad().shape(), c + ": gradient shape of input " + i);
                compare(c + " grad of input " + i, in[i].grad().toDoubleArray(), expected, tol, c.dtype());
            }
        } finally {
            Kernels.use(before);
        }
    }

    static void compare(String what, double[] actual, double[] expected, double tol, DType dtype) {
        assertEquals(expected.length, actual.length, what + ": element count");
        for (int i = 0; i < actual.length; i++) {
            double a = actual[i], e = expected[i];
            if (Double.isNaN(e) || Double.isInfinite(e)) {
                if (Double.compare(a, e) != 0) fail(what + "[" + i + "]: expected " + e + " but got " + a);
                continue;
            }
            double err = Math.abs(a - e) / Math.max(1, Math.abs(e));
            synchronized (worst) {
                int k = dtype == DType.FLOAT64 ? 0 : 1;
                worst[k] = Math.max(worst[k], err);
            }
            if (!(err <= tol)) {
                fail(String.format(Locale.ROOT, "%s[%d]: expected %.10g but got %.10g (error %.3g > %.1g); all: %s", what, i, e, a,
                        err, tol, Arrays.toString(actual)));
            }
        }
    }

    @AfterAll
    static void report() {
        System.out.printf(Locale.ROOT, "GoldenTest: largest error against PyTorch: float64 %.3g, float32 %.3g "
                + "(|a-e|/max(1,|e|))%n", worst[0], worst[1]);
    }
}
