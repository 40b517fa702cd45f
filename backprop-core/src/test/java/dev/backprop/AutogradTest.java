package dev.backprop;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's semantics: accumulation, scopes, detach, higher order, and its errors. */
class AutogradTest {
    static Tensor vec(double... v) {
        return Tensor.of(v);
    }

    @Test
    void chainRuleOnAScalarFunction() {
        // f(x) = sin-free composite: f = exp(2x)·x, f' = exp(2x)(2x + 1)
        Tensor x = Tensor.scalar(DType.FLOAT64, 0.3).requiresGrad(true);
        x.mul(2).exp().mul(x).backward();
        assertEquals(Math.exp(0.6) * 1.6, x.grad().item(), 1e-12);
    }

    @Test
    void leafGradientsAccumulateAcrossBackwardCalls() {
        Tensor x = vec(1, 2).requiresGrad(true);
        x.mul(3).sum().backward();
        x.mul(3).sum().backward();
        assertArrayEquals(new double[] {6, 6}, x.grad().toDoubleArray());
        x.zeroGrad();
        assertNull(x.grad());
        x.square().sum().backward();
        assertArrayEquals(new double[] {2, 4}, x.grad().toDoubleArray());
    }

    @Test
    void intermediateGradientsDoNotLeakIntoASecondPass() {
        Tensor x = vec(1, 2).requiresGrad(true);
        Tensor h = x.mul(2);
        h.sum().backward(null, true, false);
        h.sum().backward();
        // Each pass contributes 2 per element: a leak of h's gradient from pass 1 would give more than 4.
        assertArrayEquals(new double[] {4, 4}, x.grad().toDoubleArray());
        assertNull(h.grad(), "an intermediate keeps no gradient unless retainGrad() asked");
    }

    @Test
    void aSecondPassThroughAReleasedGraphIsAnError() {
        // PyTorch frees the graph after backward; going through it again would silently double the gradients.
        Tensor x = vec(1, 2).requiresGrad(true);
        Tensor z = x.exp().sum();
        z.backward();
        var e = assertThrows(IllegalStateException.class, z::backward);
        assertTrue(e.getMessage().contains("retainGraph"), e.getMessage());
        Tensor y = x.exp().sum();
        y.backward(null, true, false);
        y.backward();
        assertEquals(3 * Math.exp(1), x.grad().toDoubleArray()[0], 1e-9, "once from the z pass, twice from y");
    }

    @Test
    void retainGradKeepsAnIntermediateGradient() {
        Tensor x = vec(1, 2).requiresGrad(true);
        Tensor h = x.mul(2).retainGrad();
        h.square().sum().backward();
        assertArrayEquals(new double[] {4, 8}, h.grad().toDoubleArray());
        assertArrayEquals(new double[] {8, 16}, x.grad().toDoubleArray());
    }

    @Test
    void equalLeavesStayDistinct() {
        Tensor a = vec(1, 2).requiresGrad(true);
        Tensor b = vec(1, 2).requiresGrad(true);
        a.mul(2).add(b.mul(5)).sum().backward();
        assertArrayEquals(new double[] {2, 2}, a.grad().toDoubleArray());
        assertArrayEquals(new double[] {5, 5}, b.grad().toDoubleArray());
    }

    @Test
    void gradientsOfTwoLeavesDoNotShareStorage() {
        // add's backward hands the same tensor to both inputs; the leaves must still own separate gradients.
        Tensor a = vec(1, 2).requiresGrad(true);
        Tensor b = vec(3, 4).requiresGrad(true);
        a.add(b).sum().backward();
        try (var s = GradMode.noGrad()) {
            a.grad().zero_();
        }
        assertArrayEquals(new double[] {1, 1}, b.grad().toDoubleArray());
        assertNotSame(a.grad().storage(), b.grad().storage());
    }

    @Test
    void noGradScopeRecordsNothingAndRestores() {
        Tensor x = vec(1, 2).requiresGrad(true);
        try (var s = GradMode.noGrad()) {
            Tensor y = x.mul(2);
            assertFalse(y.requiresGrad());
            assertNull(y.gradFn());
            try (var inner = GradMode.enableGrad()) {
                assertTrue(x.mul(2).requiresGrad());
            }
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertTrue(x.mul(2).requiresGrad());
    }

    @Test
    void detachCutsTheGraphButSharesStorage() {
        Tensor x = vec(1, 2).requiresGrad(true);
        Tensor d = x.mul(3).detach();
        assertFalse(d.requiresGrad());
        Tensor y = x.mul(d);
        y.sum().backward();
        assertArrayEquals(new double[] {3, 6}, x.grad().toDoubleArray(), "d acts as a constant");
        Tensor v = x.detach();
        assertTrue(v.storage() == x.storage());
    }

    @Test
    void backwardWithAnExplicitGradient() {
        Tensor x = vec(1, 2, 3).requiresGrad(true);
        x.square().backward(vec(1, 0, 2));
        assertArrayEquals(new double[] {2, 0, 12}, x.grad().toDoubleArray());
    }

    @Test
    void backwardOnANonScalarWithoutGradientSaysWhatToDo() {
        Tensor x = vec(1, 2).requiresGrad(true);
        var e = assertThrows(IllegalArgumentException.class, () -> x.mul(2).backward());
        assertTrue(e.getMessage().contains("scalar") && e.getMessage().contains("[2]"), e.getMessage());
    }

    @Test
    void backwardOnATensorWithoutGradSaysWhy() {
        var e = assertThrows(IllegalStateException.class, () -> vec(1, 2).sum().backward());
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    @Test
    void backwardGradientShapeMustMatch() {
        Tensor x = vec(1, 2).requiresGrad(true);
        var e = assertThrows(IllegalArgumentException.class, () -> x.mul(2).backward(vec(1, 2, 3)));
        assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[2]"), e.getMessage());
    }

    @Test
    void secondDerivativeWithCreateGraph() {
        // f = x³: f' = 3x², f'' = 6x.
        Tensor x = Tensor.scalar(DType.FLOAT64, 2).requiresGrad(true);
        Tensor[] g = Backprop.grad(x.pow(3), new Tensor[] {x}, null, true);
        assertEquals(12, g[0].item(), 1e-12);
        assertTrue(g[0].requiresGrad());
        g[0].backward();
        assertEquals(12, x.grad().item(), 1e-12);
    }

    @Test
    void secondDerivativeThroughActivations() {
        // d²/dx² tanh(x) = −2 tanh(x)(1 − tanh²(x)); d²/dx² σ(x) = σ(1−σ)(1−2σ).
        double v = 0.7, t = Math.tanh(v), s = 1 / (1 + Math.exp(-v));
        Tensor x = Tensor.scalar(DType.FLOAT64, v).requiresGrad(true);
        Backprop.grad(x.tanh(), new Tensor[] {x}, null, true)[0].backward();
        assertEquals(-2 * t * (1 - t * t), x.grad().item(), 1e-12);
        Tensor y = Tensor.scalar(DType.FLOAT64, v).requiresGrad(true);
        Backprop.grad(y.sigmoid(), new Tensor[] {y}, null, true)[0].backward();
        assertEquals(s * (1 - s) * (1 - 2 * s), y.grad().item(), 1e-12);
    }

    @Test
    void gradDoesNotTouchLeafGradients() {
        Tensor x = vec(1, 2).requiresGrad(true);
        Tensor[] g = Backprop.grad(x.square().sum(), new Tensor[] {x}, null, false);
        assertArrayEquals(new double[] {2, 4}, g[0].toDoubleArray());
        assertNull(x.grad());
    }

    @Test
    void gradOfAnUnusedInputIsZero() {
        Tensor x = vec(1, 2).requiresGrad(true), y = vec(3).requiresGrad(true);
        Tensor[] g = Backprop.grad(x.sum(), new Tensor[] {x, y}, null, false);
        assertArrayEquals(new double[] {0}, g[1].toDoubleArray());
    }

    @Test
    void deepGraphsDoNotOverflowTheStack() {
        Tensor x = Tensor.scalar(DType.FLOAT64, 1).requiresGrad(true);
        Tensor y = x;
        for (int i = 0; i < 100_000; i++) y = y.add(1);
        y.backward();
        assertEquals(1, x.grad().item());
    }

    @Test
    void onlyFloatTensorsRequireGrad() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new long[] {1}).requiresGrad(true));
        assertTrue(e.getMessage().contains("int64"), e.getMessage());
    }

    @Test
    void mixedPrecisionGradientsComeBackInEachLeafsType() {
        Tensor a = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {3, 4}).requiresGrad(true);
        Tensor y = a.mul(b);
        assertEquals(DType.FLOAT64, y.dtype());
        y.sum().backward();
        assertEquals(DType.FLOAT32, a.grad().dtype());
        assertEquals(DType.FLOAT64, b.grad().dtype());
        assertArrayEquals(new double[] {3, 4}, a.grad().toDoubleArray());
    }

    @Test
    void shapeErrorsNameTheOpAndBothShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)));
        assertTrue(e.getMessage().startsWith("add:") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"),
                e.getMessage());
        var m = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(2, 3)));
        assertTrue(m.getMessage().startsWith("matmul:") && m.getMessage().contains("[2, 3]"), m.getMessage());
        var r = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).reshape(4, 2));
        assertTrue(r.getMessage().startsWith("reshape:") && r.getMessage().contains("[4, 2]"), r.getMessage());
    }

    @Test
    void gradFnNamesTheOp() {
        Tensor x = vec(1).requiresGrad(true);
        Tensor y = x.exp();
        assertNotNull(y.gradFn());
        assertEquals("exp", y.gradFn().name());
        assertFalse(y.isLeaf());
        assertTrue(x.isLeaf());
    }

    @Test
    void inPlaceOnALeafThatRequiresGradIsRefusedUnlessNoGrad() {
        Tensor w = vec(1, 2).requiresGrad(true);
        var e = assertThrows(IllegalStateException.class, () -> w.add_(vec(1, 1)));
        assertTrue(e.getMessage().contains("noGrad"), e.getMessage());
        try (var s = GradMode.noGrad()) {
            w.add_(vec(1, 1));
        }
        assertArrayEquals(new double[] {2, 3}, w.toDoubleArray());
    }
}
