package dev.backprop.optim;

import dev.backprop.DType;
import dev.backprop.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The optimizer rows of ../shared/cases: ADAMW-DECOUPLED and CLIP-GLOBAL, each with its kind. */
class OptimCasesTest {
    enum Type {
        F64(DType.FLOAT64, 1e-12), F32(DType.FLOAT32, 1e-6);

        final DType dtype;
        final double tol;

        Type(DType dtype, double tol) {
            this.dtype = dtype;
            this.tol = tol;
        }
    }

    private static Tensor param(DType dtype, double... values) {
        return Tensor.of(values).toType(dtype).detach().requiresGrad(true);
    }

    private static void zeroGradient(Tensor p) {
        p.setGrad(Tensor.zeros(p.dtype(), p.shape()));
    }

    // ------------------------------------------------------------------------------------------------ ADAMW-DECOUPLED

    @ParameterizedTest
    @EnumSource(Type.class)
    void adamwDecoupled(Type type) {
        // One step from w = 1, loss gradient 0, decay 0.1, lr 0.1, betas (0.9, 0.999), eps 1e-8.
        Tensor a = param(type.dtype, 1);
        zeroGradient(a);
        new Adam(List.of(a), 0.1).betas(0.9, 0.999).eps(1e-8).weightDecay(0.1).step();
        assertEquals(0.90000001, a.item(), 1e-6 * 0.9, "Adam: L2 decay enters the gradient and is normalised away");
        Tensor w = param(type.dtype, 1);
        zeroGradient(w);
        new AdamW(List.of(w), 0.1).betas(0.9, 0.999).eps(1e-8).weightDecay(0.1).step();
        assertEquals(0.99, w.item(), 1e-6 * 0.99, "AdamW: the weight shrinks by lr·decay");
        if (type == Type.F64) {
            assertEquals(1 - 0.1 * 0.1 / (0.1 + 1e-8), a.item(), 1e-15);
            assertEquals(0.99, w.item(), 1e-15);
        }
    }

    /** The kind: every optimizer with weight decay at zero gradient, against the update written out by hand. */
    @ParameterizedTest
    @EnumSource(Type.class)
    void weightDecayAtZeroGradientMatchesTheHandFormula(Type type) {
        double[] w0 = {1, -2, 0.5, 0, 3};
        double lr = 0.1;
        double wd = 0.2;
        check(type, w0, p -> new SGD(p, lr).weightDecay(wd), w -> w - lr * wd * w);
        check(type, w0, p -> new SGD(p, lr).momentum(0.9).nesterov(true).weightDecay(wd),
                w -> w - lr * (wd * w + 0.9 * wd * w));                  // buffer = g on the first step
        check(type, w0, p -> new Adagrad(p, lr).weightDecay(wd).initialAccumulatorValue(0.5),
                w -> w - lr * wd * w / (Math.sqrt(0.5 + wd * w * wd * w) + 1e-10));
        check(type, w0, p -> new RMSprop(p, lr).weightDecay(wd),
                w -> w - lr * wd * w / (Math.sqrt(0.01 * wd * w * wd * w) + 1e-8));
        check(type, w0, p -> new RMSprop(p, lr).weightDecay(wd).centered(true),
                w -> w - lr * wd * w / (Math.sqrt(0.01 * 0.99 * wd * w * wd * w) + 1e-8));
        check(type, w0, p -> new Adam(p, lr).weightDecay(wd),
                w -> w - lr * wd * w / (Math.abs(wd * w) + 1e-8));       // m̂ = g, √v̂ = |g| on step 1
        check(type, w0, p -> new Adam(p, lr).weightDecay(wd).amsgrad(true),
                w -> w - lr * wd * w / (Math.abs(wd * w) + 1e-8));
        check(type, w0, p -> new AdamW(p, lr).weightDecay(wd), w -> w * (1 - lr * wd));
        check(type, w0, p -> new AdamW(p, lr).weightDecay(wd).amsgrad(true), w -> w * (1 - lr * wd));
        check(type, w0, p -> new AdamW(p, lr), w -> w * (1 - lr * 0.01));          // AdamW's default decay 0.01
        check(type, w0, p -> new Adam(p, lr), w -> w);                               // Adam's default decay 0
    }

    private static void check(Type type, double[] w0, Function<List<Tensor>, Optimizer> make, Function<Double, Double> rule) {
        Tensor p = param(type.dtype, w0);
        zeroGradient(p);
        Optimizer opt = make.apply(List.of(p));
        opt.step();
        double[] got = p.toDoubleArray();
        for (int i = 0; i < w0.length; i++) {
            double want = rule.apply(w0[i]);
            assertEquals(want, got[i], type.tol * Math.max(1, Math.abs(want)), opt.describe() + " at w = " + w0[i]);
        }
    }

    @Test
    void adamwKeepsDecayingWhileTheGradientStaysZero() {
        Tensor w = param(DType.FLOAT64, 2);
        AdamW opt = new AdamW(List.of(w), 0.1).weightDecay(0.1);
        for (int t = 1; t <= 5; t++) {
            zeroGradient(w);
            opt.step();
            assertEquals(2 * Math.pow(0.99, t), w.item(), 1e-15);
        }
    }

    @Test
    void decayIsPerGroup() {
        Tensor a = param(DType.FLOAT64, 1);
        Tensor b = param(DType.FLOAT64, 1);
        zeroGradient(a);
        zeroGradient(b);
        new AdamW(List.of(a), 0.1).weightDecay(0.1).addParamGroup(List.of(b), 0.5, 0.2).step();
        assertEquals(0.99, a.item(), 1e-15);
        assertEquals(0.9, b.item(), 1e-15);
    }

    // ------------------------------------------------------------------------------------------------ CLIP-GLOBAL

    private static Tensor withGrad(DType dtype, double... grad) {
        Tensor p = Tensor.zeros(dtype, grad.length).requiresGrad(true);
        p.setGrad(Tensor.of(grad).toType(dtype).detach());
        return p;
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void clipGlobal(Type type) {
        Tensor a = withGrad(type.dtype, 3, 0);
        Tensor b = withGrad(type.dtype, 0, 4);
        double norm = Clip.gradNorm(List.of(a, b), 1);
        assertEquals(5, norm, 5e-6);
        assertArrayEquals(new double[] {0.6, 0}, a.grad().toDoubleArray(), 1e-6);
        assertArrayEquals(new double[] {0, 0.8}, b.grad().toDoubleArray(), 1e-6);
        // The exact PyTorch values: scaled by 1 / (5 + 1e-6).
        assertEquals(3 / (5 + 1e-6), a.grad().toDoubleArray()[0], type == Type.F64 ? 1e-15 : 1e-7);
    }

    @Test
    void clipGlobalAcrossParameterGroups() {
        Tensor a = withGrad(DType.FLOAT64, 3, 0);
        Tensor b = withGrad(DType.FLOAT64, 0, 4);
        SGD opt = new SGD(List.of(a), 0.1).addParamGroup(List.of(b), 0.01, 0);
        assertEquals(5, Clip.gradNorm(opt.parameters(), 1), 1e-12);
        assertArrayEquals(new double[] {0.6, 0}, a.grad().toDoubleArray(), 1e-6);
        assertArrayEquals(new double[] {0, 0.8}, b.grad().toDoubleArray(), 1e-6);
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void belowMaxNormTheGradientsAreUntouched(Type type) {
        Tensor a = withGrad(type.dtype, 3, 0);
        Tensor b = withGrad(type.dtype, 0, 4);
        Tensor ga = a.grad();
        int version = ga.storage().version();
        assertEquals(5, Clip.gradNorm(List.of(a, b), 5.1), 1e-12);
        assertEquals(5, Clip.gradNorm(List.of(a, b), 5), 1e-12);   // coefficient 5 / (5 + 1e-6) < 1: scaled, barely
        Tensor c = withGrad(type.dtype, 3, 0);
        Tensor d = withGrad(type.dtype, 0, 4);
        Clip.gradNorm(List.of(c, d), 10);
        assertArrayEquals(new double[] {3, 0}, c.grad().toDoubleArray(), 0);
        assertArrayEquals(new double[] {0, 4}, d.grad().toDoubleArray(), 0);
        assertSame(ga, a.grad(), "clipping works in place");
        assertTrue(ga.storage().version() > version, "an in-place change bumps the version");
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void infinityNorm(Type type) {
        Tensor a = withGrad(type.dtype, 3, 0);
        Tensor b = withGrad(type.dtype, 0, -4);
        double norm = Clip.gradNorm(List.of(a, b), 1, Double.POSITIVE_INFINITY);
        assertEquals(4, norm, 0);
        assertArrayEquals(new double[] {3 / (4 + 1e-6), 0}, a.grad().toDoubleArray(), type.tol);
        assertArrayEquals(new double[] {0, -4 / (4 + 1e-6)}, b.grad().toDoubleArray(), type.tol);
    }

    @Test
    void aParameterWithoutGradientIsSkipped() {
        Tensor a = withGrad(DType.FLOAT64, 3, 0);
        Tensor none = Tensor.ones(DType.FLOAT64, 3).requiresGrad(true);
        Tensor b = withGrad(DType.FLOAT32, 0, 4);                     // float32 and float64 mixed
        assertEquals(5, Clip.gradNorm(List.of(a, none, b), 1), 1e-6);
        assertNull(none.grad());
        assertArrayEquals(new double[] {0.6, 0}, a.grad().toDoubleArray(), 1e-6);
        assertArrayEquals(new double[] {0, 0.8}, b.grad().toDoubleArray(), 1e-6);
        assertEquals(0, Clip.gradNorm(List.of(none), 1));
    }

    @Test
    void aParameterListedTwiceCountsOnce() {
        Tensor a = withGrad(DType.FLOAT64, 3, 0);
        Tensor b = withGrad(DType.FLOAT64, 0, 4);
        assertEquals(5, Clip.gradNorm(List.of(a, b, a), 1), 1e-12);
        assertArrayEquals(new double[] {3 / (5 + 1e-6), 0}, a.grad().toDoubleArray(), 1e-15);
    }

    @Test
    void aNonFiniteNormIsReturnedAndTheGradientsLeftAlone() {
        Tensor a = withGrad(DType.FLOAT64, 3, Double.NaN);
        Tensor b = withGrad(DType.FLOAT64, 0, 4);
        assertTrue(Double.isNaN(Clip.gradNorm(List.of(a, b), 1)));
        assertEquals(4, b.grad().toDoubleArray()[1]);
        Tensor c = withGrad(DType.FLOAT32, 3, Double.POSITIVE_INFINITY);
        Tensor d = withGrad(DType.FLOAT32, 0, 4);
        assertEquals(Double.POSITIVE_INFINITY, Clip.gradNorm(List.of(c, d), 1));
        assertEquals(3, c.grad().toDoubleArray()[0]);
        assertEquals(4, d.grad().toDoubleArray()[1]);
        assertTrue(Double.isNaN(Clip.gradNorm(List.of(a, c), 1, Double.POSITIVE_INFINITY)));
        assertEquals(Double.POSITIVE_INFINITY, Clip.gradNorm(List.of(c, d), 1, Double.POSITIVE_INFINITY));
    }

    @Test
    void extremeFloat64MagnitudesNeitherOverflowNorUnderflow() {
        Tensor big = withGrad(DType.FLOAT64, 3e200, 4e200);
        assertEquals(5e200, Clip.gradNorm(List.of(big), 1e300), 1e188);
        Tensor tiny = withGrad(DType.FLOAT64, 3e-200, 4e-200);
        assertEquals(5e-200, Clip.gradNorm(List.of(tiny), 1), 1e-212);
        assertArrayEquals(new double[] {3e-200, 4e-200}, tiny.grad().toDoubleArray(), 0);
    }

    @Test
    void aNonContiguousGradientIsClippedToo() {
        Tensor p = Tensor.zeros(DType.FLOAT64, 2, 2).requiresGrad(true);
        p.setGrad(Tensor.of(new double[] {3, 0, 4, 0}, 2, 2).t());      // [[3, 4], [0, 0]] as a transposed view
        assertEquals(5, Clip.gradNorm(List.of(p), 1), 1e-12);
        assertArrayEquals(new double[] {0.6, 0.8, 0, 0}, p.grad().toDoubleArray(), 1e-6);
    }

    @Test
    void clipValueClampsEachElement() {
        Tensor a = withGrad(DType.FLOAT64, -3, 0.5, 2, Double.NEGATIVE_INFINITY, Double.NaN);
        Tensor b = withGrad(DType.FLOAT32, 1.5, -0.25);
        Clip.gradValue(List.of(a, b), 1);
        double[] ga = a.grad().toDoubleArray();
        assertArrayEquals(new double[] {-1, 0.5, 1, -1}, java.util.Arrays.copyOf(ga, 4), 0);
        assertTrue(Double.isNaN(ga[4]), "a NaN is not hidden");
        assertArrayEquals(new double[] {1, -0.25}, b.grad().toDoubleArray(), 0);
    }

    @Test
    void badClipArgumentsAreNamed() {
        Tensor a = withGrad(DType.FLOAT64, 1);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Clip.gradNorm(List.of(a), -1));
        assertEquals("Clip.gradNorm: maxNorm must be a finite number >= 0, got -1.0", e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Clip.gradNorm(List.of(a), 1, 3));
        assertTrue(e.getMessage().startsWith("Clip.gradNorm: normType must be 2 or infinity"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Clip.gradValue(List.of(a), Double.NaN));
        assertEquals("Clip.gradValue: clipValue must be a finite number >= 0, got NaN", e.getMessage());
    }
}
