package dev.backprop.optim;

import dev.backprop.DType;
import dev.backprop.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** L1 and L2 penalties, and the identity between SGD weight decay and an L2 term in the loss. */
class PenaltyTest {
    @Test
    void valuesAndGradients() {
        Tensor a = Tensor.of(new double[] {1, -2, 0}).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {3, -0.5}, 2, 1).requiresGrad(true);
        Tensor l1 = Penalty.l1(List.of(a, b));
        assertEquals(0, l1.dim());
        assertEquals(6.5, l1.item(), 1e-15);
        l1.backward();
        assertArrayEquals(new double[] {1, -1, 0}, a.grad().toDoubleArray(), 0, "sign(w), 0 at 0");
        assertArrayEquals(new double[] {1, -1}, b.grad().toDoubleArray(), 0);
        a.zeroGrad();
        b.zeroGrad();
        Tensor l2 = Penalty.l2(List.of(a, b));
        assertEquals(1 + 4 + 9 + 0.25, l2.item(), 1e-15);
        l2.backward();
        assertArrayEquals(new double[] {2, -4, 0}, a.grad().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {6, -1}, b.grad().toDoubleArray(), 1e-15);
    }

    @Test
    void eachParameterCountsOnceAndTypesMix() {
        Tensor a = Tensor.of(new double[] {2}).requiresGrad(true);
        Tensor f = Tensor.of(new float[] {3}).requiresGrad(true);
        Tensor l2 = Penalty.l2(List.of(a, f, a));
        assertEquals(13, l2.item(), 1e-6);
        assertEquals(DType.FLOAT64, l2.dtype());
        assertEquals(0, Penalty.l1(List.of()).item());
        assertTrue(Penalty.l2(List.of(f)).requiresGrad());
    }

    @Test
    void sgdWeightDecayEqualsHalfTheDecayTimesL2InTheLoss() {
        double wd = 0.3;
        Tensor p = Tensor.of(new double[] {1, -2, 0.5}).requiresGrad(true);
        Tensor q = Tensor.of(new double[] {1, -2, 0.5}).requiresGrad(true);
        Tensor target = Tensor.of(new double[] {0.2, 0.1, -0.4});
        SGD decayed = new SGD(List.of(p), 0.1).momentum(0.9).weightDecay(wd);
        SGD penalised = new SGD(List.of(q), 0.1).momentum(0.9);
        for (int t = 0; t < 5; t++) {
            decayed.zeroGrad();
            penalised.zeroGrad();
            p.sub(target).square().sum().backward();
            q.sub(target).square().sum().add(Penalty.l2(List.of(q)).mul(wd / 2)).backward();
            decayed.step();
            penalised.step();
            assertArrayEquals(p.toDoubleArray(), q.toDoubleArray(), 1e-14);
        }
    }
}
