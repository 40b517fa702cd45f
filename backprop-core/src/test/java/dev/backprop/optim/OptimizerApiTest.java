package dev.backprop.optim;

import dev.backprop.DType;
import dev.backprop.GradMode;
import dev.backprop.Tensor;
import dev.backprop.nn.Linear;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Groups, deduplication, state, gradients that are missing or odd, versions, validation and descriptions. */
class OptimizerApiTest {
    /** Every optimizer, each with its state-carrying options on. */
    static List<Function<List<Tensor>, Optimizer>> all() {
        return List.of(
                p -> new SGD(p, 0.1).momentum(0.9),
                p -> new Adagrad(p),
                p -> new RMSprop(p).momentum(0.5).centered(true),
                p -> new Adam(p).amsgrad(true),
                p -> new AdamW(p));
    }

    private static Tensor param(DType dtype, double... v) {
        return Tensor.of(v).toType(dtype).detach().requiresGrad(true);
    }

    @Test
    void aTensorListedTwiceGetsOneStateAndOneUpdate() {
        for (var make : all()) {
            Tensor p = param(DType.FLOAT64, 1, 2);
            Tensor twin = param(DType.FLOAT64, 1, 2);
            Optimizer dup = make.apply(List.of(p, p, p));
            Optimizer one = make.apply(List.of(twin));
            assertEquals(1, dup.parameters().size(), dup.describe());
            for (int t = 0; t < 3; t++) {
                p.setGrad(Tensor.of(new double[] {0.5, -1}));
                twin.setGrad(Tensor.of(new double[] {0.5, -1}));
                dup.step();
                one.step();
            }
            assertArrayEquals(twin.toDoubleArray(), p.toDoubleArray(), 0, dup.describe());
            assertEquals(3, dup.state(p).step());
        }
    }

    @Test
    void aParameterUsedTwiceInTheModelIsUpdatedOnceWithBothContributions() {
        Tensor p = param(DType.FLOAT64, 1);
        SGD opt = new SGD(List.of(p), 0.1);
        p.mul(2).sum().add(p.mul(3).sum()).backward();                 // ∂/∂p = 2 + 3
        opt.step();
        assertEquals(1 - 0.1 * 5, p.item(), 1e-15);
    }

    @Test
    void moduleParametersWork() {
        Linear layer = new Linear(3, 2);
        var opt = new Adam(layer.parameters(), 0.01);
        Tensor x = Tensor.ones(2, 3);
        float[] before = layer.parameters().getFirst().toFloatArray();
        layer.forward(x).sum().backward();
        opt.step();
        float[] after = layer.parameters().getFirst().toFloatArray();
        for (int i = 0; i < before.length; i++) assertTrue(after[i] != before[i], "every weight moved");
        assertEquals(layer.parameters().size(), opt.parameters().size());
    }

    @Test
    void theSameParameterInTwoGroupsIsAnError() {
        Tensor a = param(DType.FLOAT64, 1);
        Tensor b = param(DType.FLOAT64, 1, 2, 3);
        SGD opt = new SGD(List.of(a, b), 0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> opt.addParamGroup(List.of(param(DType.FLOAT64, 1), b), 0.01, 0));
        assertEquals("SGD: parameter 1 (shape [3]) of group 1 is already in group 0; a parameter can belong to one group "
                + "only", e.getMessage());
        assertEquals(1, opt.paramGroups().size(), "a rejected group is not added");
    }

    @Test
    void groupsHaveTheirOwnLrAndWeightDecay() {
        Tensor a = param(DType.FLOAT64, 1);
        Tensor b = param(DType.FLOAT64, 1);
        SGD opt = new SGD(List.of(a), 0.1).weightDecay(0.5).addParamGroup(List.of(b), 0.01, 0);
        assertEquals(0.5, opt.paramGroups().get(0).weightDecay());
        assertEquals(0, opt.paramGroups().get(1).weightDecay());
        a.setGrad(Tensor.ones(DType.FLOAT64, 1));
        b.setGrad(Tensor.ones(DType.FLOAT64, 1));
        opt.step();
        assertEquals(1 - 0.1 * (1 + 0.5), a.item(), 1e-15);
        assertEquals(1 - 0.01, b.item(), 1e-15);
        opt.setLr(0.2);
        assertEquals(0.2, opt.lr());
        assertEquals(0.2, opt.paramGroups().get(1).lr());
        opt.paramGroups().get(1).setLr(0.3).setWeightDecay(0.1);
        assertEquals(0.3, opt.paramGroups().get(1).lr());
        assertEquals(0.1, opt.paramGroups().get(1).weightDecay());
        assertEquals("SGD(lr=[0.2, 0.3], weightDecay=[0.5, 0.1] (L2), momentum=0, dampening=0, nesterov=false)",
                opt.describe());
        assertThrows(UnsupportedOperationException.class, () -> opt.paramGroups().get(0).params().add(a));
    }

    @Test
    void aParameterWithoutGradientIsSkipped() {
        for (var make : all()) {
            Tensor used = param(DType.FLOAT64, 1);
            Tensor unused = param(DType.FLOAT64, 2);
            Optimizer opt = make.apply(List.of(used, unused));
            used.setGrad(Tensor.ones(DType.FLOAT64, 1));
            int version = unused.storage().version();
            opt.step();
            assertEquals(2, unused.item(), opt.describe());
            assertEquals(version, unused.storage().version());
            assertNull(opt.state(unused));
            assertNotNull(opt.state(used));
            assertTrue(used.item() != 1, opt.describe());
        }
    }

    @Test
    void zeroGradClearsEveryGroup() {
        Tensor a = param(DType.FLOAT64, 1);
        Tensor b = param(DType.FLOAT32, 1);
        var opt = new SGD(List.of(a), 0.1).addParamGroup(List.of(b), 0.1, 0);
        a.setGrad(Tensor.ones(DType.FLOAT64, 1));
        b.setGrad(Tensor.ones(DType.FLOAT32, 1));
        opt.zeroGrad();
        assertNull(a.grad());
        assertNull(b.grad());
    }

    @Test
    void aStepBumpsTheVersionSoAStaleGraphFailsAtBackward() {
        for (var make : all()) {
            Tensor p = param(DType.FLOAT64, 1, 2);
            Optimizer opt = make.apply(List.of(p));
            Tensor y = p.mul(p).sum();                                   // saves p for backward
            p.setGrad(Tensor.ones(DType.FLOAT64, 2));
            int version = p.storage().version();
            opt.step();
            assertTrue(p.storage().version() > version);
            IllegalStateException e = assertThrows(IllegalStateException.class, y::backward, opt.describe());
            assertTrue(e.getMessage().contains("modified"), e.getMessage());
        }
    }

    @Test
    void theGradientIsNeverChanged() {
        for (var make : all()) {
            Tensor p = param(DType.FLOAT64, 1, -2);
            Optimizer opt = make.apply(List.of(p));
            opt.weightDecay(0.1);
            Tensor g = Tensor.of(new double[] {0.5, 0.25});
            p.setGrad(g);
            opt.step();
            opt.step();
            assertArrayEquals(new double[] {0.5, 0.25}, g.toDoubleArray(), 0, opt.describe());
            assertEquals(0, g.storage().version());
        }
    }

    @Test
    void aParameterAtAStorageOffsetTouchesOnlyItsElements() {
        Tensor whole = Tensor.of(new double[] {9, 9, 1, 2, 3, 9});
        Tensor p = whole.narrow(0, 2, 3).detach().requiresGrad(true);
        SGD opt = new SGD(List.of(p), 0.5);
        p.setGrad(Tensor.ones(DType.FLOAT64, 3));
        opt.step();
        assertArrayEquals(new double[] {9, 9, 0.5, 1.5, 2.5, 9}, whole.toDoubleArray(), 0);
    }

    @Test
    void aGradientOfAnotherTypeIsConverted() {
        Tensor p = param(DType.FLOAT64, 1);
        p.setGrad(Tensor.ones(DType.FLOAT32, 1));
        new SGD(List.of(p), 0.25).step();
        assertEquals(0.75, p.item());
        Tensor q = param(DType.FLOAT32, 1);
        q.setGrad(Tensor.ones(DType.FLOAT64, 1));
        new Adam(List.of(q), 0.25).step();
        assertEquals(0.75, q.item(), 1e-6);
        assertEquals(DType.FLOAT32, new Adam(List.of(q)).parameters().getFirst().dtype());
    }

    @Test
    void float32StateHasTheParametersType() {
        Tensor p = param(DType.FLOAT32, 1, 2);
        Adam opt = new Adam(List.of(p)).amsgrad(true);
        p.setGrad(Tensor.ones(DType.FLOAT32, 2));
        opt.step();
        for (Tensor b : opt.state(p).buffers().values()) {
            assertEquals(DType.FLOAT32, b.dtype());
            assertArrayEquals(p.shape(), b.shape());
        }
        assertEquals(List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq"), new ArrayList<>(opt.state(p).buffers().keySet()));
        assertSame(opt.state(p).buffer("exp_avg"), opt.state(p).buffers().get("exp_avg"));
    }

    @Test
    void aNonFiniteGradientDoesNotThrowAndReachesTheWeights() {
        // Documented: detection is the trainer's job (the loss check, or Clip.gradNorm's return value).
        for (var make : all()) {
            Tensor p = param(DType.FLOAT64, 1, 1);
            Optimizer opt = make.apply(List.of(p));
            p.setGrad(Tensor.of(new double[] {Double.NaN, 1}));
            opt.step();
            assertTrue(Double.isNaN(p.toDoubleArray()[0]), opt.describe());
            assertTrue(Double.isFinite(p.toDoubleArray()[1]), "other weights are unaffected: " + opt.describe());
        }
    }

    @Test
    void stepRunsWithGradModeOffAndRestoresIt() {
        Tensor p = param(DType.FLOAT64, 1);
        p.setGrad(Tensor.ones(DType.FLOAT64, 1));
        new SGD(List.of(p), 0.1).step();
        assertTrue(GradMode.isEnabled());
        assertTrue(p.requiresGrad());
        assertTrue(p.isLeaf());
    }

    @Test
    void badArgumentsAreOneLineErrorsNamingOptimizerArgumentAndRange() {
        List<Tensor> ps = List.of(param(DType.FLOAT64, 1));
        rejects(() -> new SGD(ps, -0.1), "SGD: lr must be a finite number >= 0, got -0.1");
        rejects(() -> new SGD(ps, Double.NaN), "SGD: lr must be a finite number >= 0, got NaN");
        rejects(() -> new SGD(ps, 0.1).momentum(-1), "SGD: momentum must be a finite number >= 0, got -1.0");
        rejects(() -> new SGD(ps, 0.1).dampening(2), "SGD: dampening must be in [0, 1], got 2.0");
        rejects(() -> new SGD(ps, 0.1).weightDecay(-1e-4), "SGD: weightDecay must be a finite number >= 0, got -1.0E-4");
        rejects(() -> new Adagrad(ps).lrDecay(-1), "Adagrad: lrDecay must be a finite number >= 0, got -1.0");
        rejects(() -> new Adagrad(ps).initialAccumulatorValue(-1), "Adagrad: initialAccumulatorValue must be a finite number >= 0");
        rejects(() -> new Adagrad(ps).eps(-1), "Adagrad: eps must be a finite number >= 0, got -1.0");
        rejects(() -> new RMSprop(ps).alpha(1.5), "RMSprop: alpha must be in [0, 1], got 1.5");
        rejects(() -> new RMSprop(ps).momentum(-0.5), "RMSprop: momentum must be a finite number >= 0, got -0.5");
        rejects(() -> new Adam(ps).betas(1, 0.999), "Adam: beta1 must be in [0, 1), got 1.0");
        rejects(() -> new Adam(ps).betas(0.9, -0.1), "Adam: beta2 must be in [0, 1), got -0.1");
        rejects(() -> new AdamW(ps, Double.POSITIVE_INFINITY), "AdamW: lr must be a finite number >= 0, got Infinity");
        rejects(() -> new AdamW(ps).eps(-1e-8), "AdamW: eps must be a finite number >= 0, got -1.0E-8");
        rejects(() -> new Adam(ps).addParamGroup(List.of(param(DType.FLOAT64, 1)), -1, 0),
                "Adam: lr must be a finite number >= 0, got -1.0");
        rejects(() -> new Adam(ps).paramGroups().getFirst().setLr(-1), "Adam: lr must be a finite number >= 0, got -1.0");
        rejects(() -> new Adam(List.of()), "Adam: got an empty parameter list");
        rejects(() -> new Adam(List.of(Tensor.of(new long[] {1}))), "Adam: parameter 0 (shape [1]) of group 0 is int64");
        Tensor leaf = param(DType.FLOAT64, 1);
        rejects(() -> new Adam(List.of(leaf.mul(2))), "Adam: parameter 0 (shape [1]) of group 0 is not a leaf");
    }

    private static void rejects(org.junit.jupiter.api.function.Executable call, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(message), "message: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void nesterovNeedsMomentumAndNoDampeningWhateverTheSetterOrder() {
        Tensor p = param(DType.FLOAT64, 1);
        p.setGrad(Tensor.ones(DType.FLOAT64, 1));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new SGD(List.of(p), 0.1).nesterov(true).step());
        assertEquals("SGD: nesterov needs momentum > 0 and dampening 0, got momentum 0 and dampening 0", e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> new SGD(List.of(p), 0.1).nesterov(true).momentum(0.9).dampening(0.1).step());
        assertEquals(1, p.item(), "nothing was updated");
        new SGD(List.of(p), 0.1).nesterov(true).momentum(0.9).step();   // order does not matter
        assertEquals(1 - 0.1 * 1.9, p.item(), 1e-15);
    }

    @Test
    void descriptionsSayWhichDecayIsWhich() {
        List<Tensor> ps = List.of(param(DType.FLOAT64, 1));
        assertEquals("Adam(lr=0.001, weightDecay=0 (L2), betas=(0.9, 0.999), eps=1e-8, amsgrad=false)",
                new Adam(ps).describe());
        assertEquals("AdamW(lr=0.001, weightDecay=0.01 (decoupled), betas=(0.9, 0.999), eps=1e-8, amsgrad=false)",
                new AdamW(ps).describe());
        assertEquals("Adagrad(lr=0.01, weightDecay=0 (L2), lrDecay=0, initialAccumulatorValue=0, eps=1e-10)",
                new Adagrad(ps).describe());
        assertEquals("RMSprop(lr=0.01, weightDecay=0 (L2), alpha=0.99, eps=1e-8, momentum=0, centered=false)",
                new RMSprop(ps).toString());
    }

    @Test
    void pyTorchDefaults() {
        List<Tensor> ps = List.of(param(DType.FLOAT64, 1));
        SGD sgd = new SGD(ps, 0.1);
        assertEquals(0, sgd.momentum());
        assertEquals(0, sgd.dampening());
        assertEquals(false, sgd.nesterov());
        assertEquals(0, sgd.defaultWeightDecay());
        Adagrad ada = new Adagrad(ps);
        assertEquals(0.01, ada.lr());
        assertEquals(0, ada.lrDecay());
        assertEquals(0, ada.initialAccumulatorValue());
        assertEquals(1e-10, ada.eps());
        RMSprop rms = new RMSprop(ps);
        assertEquals(0.01, rms.lr());
        assertEquals(0.99, rms.alpha());
        assertEquals(1e-8, rms.eps());
        assertEquals(0, rms.momentum());
        assertEquals(false, rms.centered());
        Adam adam = new Adam(ps);
        assertEquals(1e-3, adam.lr());
        assertEquals(0.9, adam.beta1());
        assertEquals(0.999, adam.beta2());
        assertEquals(1e-8, adam.eps());
        assertEquals(0, adam.defaultWeightDecay());
        assertEquals(false, adam.amsgrad());
        AdamW adamw = new AdamW(ps);
        assertEquals(1e-3, adamw.lr());
        assertEquals(0.01, adamw.defaultWeightDecay());
        assertEquals(0.01, adamw.paramGroups().getFirst().weightDecay());
        assertEquals(false, adamw.amsgrad());
    }
}
