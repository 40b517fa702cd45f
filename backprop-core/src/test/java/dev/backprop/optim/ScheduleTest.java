package dev.backprop.optim;

import dev.backprop.DType;
import dev.backprop.Tensor;
import dev.backprop.optim.schedule.CosineAnnealingLR;
import dev.backprop.optim.schedule.ExponentialLR;
import dev.backprop.optim.schedule.LRScheduler;
import dev.backprop.optim.schedule.LinearLR;
import dev.backprop.optim.schedule.MultiStepLR;
import dev.backprop.optim.schedule.ReduceLROnPlateau;
import dev.backprop.optim.schedule.StepLR;
import dev.backprop.optim.schedule.WarmupCosine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Learning-rate schedules: PyTorch's lr sequences (golden), and the API around them. */
class ScheduleTest {
    private static double worst;

    /** Two groups with PyTorch's base lrs (0.1 and 0.02), their parameters carrying zero gradients. */
    private static SGD optimizer() {
        double[] base = OptimGolden.data().baseLrs();
        Tensor a = Tensor.zeros(DType.FLOAT64, 2).requiresGrad(true);
        Tensor b = Tensor.zeros(DType.FLOAT64, 3).requiresGrad(true);
        a.setGrad(Tensor.zeros(DType.FLOAT64, 2));
        b.setGrad(Tensor.zeros(DType.FLOAT64, 3));
        return new SGD(List.of(a), base[0]).addParamGroup(List.of(b), base[1], 0);
    }

    @TestFactory
    Stream<DynamicTest> lrSequencesMatchPyTorch() {
        return OptimGolden.data().schedules().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            SGD opt = optimizer();
            LRScheduler sched = OptimGolden.build(c, opt);
            double[] metrics = OptimGolden.data().metrics();
            compare(c, 0, opt);
            for (int t = 1; t < c.lrs().length; t++) {
                opt.step();                          // the optimizer first, as in PyTorch
                if (sched instanceof ReduceLROnPlateau r) r.step(metrics[t - 1]);
                else sched.step();
                assertEquals(t, sched.epoch());
                compare(c, t, opt);
                for (int g = 0; g < 2; g++) assertEquals(opt.paramGroups().get(g).lr(), sched.lastLr(g));
            }
            assertTrue(sched.describe().startsWith(c.scheduler().equals("WarmupCosine") ? "WarmupCosine(" : c.scheduler() + "("),
                    sched.describe());
        }));
    }

    private static void compare(OptimGolden.ScheduleCase c, int t, Optimizer opt) {
        for (int g = 0; g < 2; g++) {
            double want = c.lrs()[t][g];
            double got = opt.paramGroups().get(g).lr();
            double err = Math.abs(got - want) / Math.max(Math.abs(want), 1e-3);
            synchronized (ScheduleTest.class) {
                worst = Math.max(worst, err);
            }
            if (!(err <= 1e-10)) fail(c.name() + ": epoch " + t + ", group " + g + ": lr " + got + ", PyTorch " + want);
        }
    }

    @AfterAll
    static void report() {
        System.out.printf("schedule golden: largest relative lr error vs PyTorch %.3g%n", worst);
    }

    @Test
    void theOptimizerUsesTheScheduledLr() {
        // SGD with gradient 1: each step moves the weight by exactly the lr in force, which StepLR sets.
        Tensor w = Tensor.zeros(DType.FLOAT64, 1).requiresGrad(true);
        SGD opt = new SGD(List.of(w), 1.0);
        StepLR sched = new StepLR(opt, 2, 0.5);
        double expected = 0;
        double[] lrs = {1, 1, 0.5, 0.5, 0.25, 0.25};
        for (double lr : lrs) {
            w.setGrad(Tensor.ones(DType.FLOAT64, 1));
            assertEquals(lr, opt.lr());
            opt.step();
            sched.step();
            expected -= lr;
            assertEquals(expected, w.item(), 1e-15);
        }
    }

    @Test
    void linearWarmupSetsTheFirstLrAtCreation() {
        SGD opt = optimizer();
        new LinearLR(opt);
        assertEquals(0.1 / 3, opt.lr(), 1e-17);
        assertEquals(0.02 / 3, opt.paramGroups().get(1).lr(), 1e-17);
    }

    @Test
    void warmupCosineStaysAtEtaMinAfterTotalSteps() {
        SGD opt = optimizer();
        WarmupCosine s = new WarmupCosine(opt, 3, 10, 1e-4, 0.5);
        assertEquals(0.05, s.lastLr(), 1e-17);
        for (int t = 1; t <= 25; t++) {
            s.step();
            if (t >= 10) {
                assertEquals(1e-4, s.lastLr(0), 0);
                assertEquals(1e-4, s.lastLr(1), 0);
            }
        }
        assertEquals(25, s.epoch());
        assertEquals(0.1, s.baseLr(0));
        assertEquals(2, s.lastLrs().length);
    }

    @Test
    void cosineAnnealingIsPeriodicLikePyTorch() {
        SGD opt = optimizer();
        CosineAnnealingLR s = new CosineAnnealingLR(opt, 4);
        double[] seen = new double[9];
        seen[0] = s.lastLr();
        for (int t = 1; t <= 8; t++) {
            s.step();
            seen[t] = s.lastLr();
        }
        assertEquals(0, seen[4], 1e-18);
        assertEquals(0.1, seen[8], 1e-17);
        assertEquals(seen[3], seen[5], 1e-15);
    }

    @Test
    void closedFormOverwritesAnLrSetByHand() {
        SGD opt = optimizer();
        ExponentialLR s = new ExponentialLR(opt, 0.5);
        opt.setLr(7);
        s.step();
        assertEquals(0.05, opt.lr(), 1e-17);
        assertEquals(0.01, opt.paramGroups().get(1).lr(), 1e-17);
    }

    @Test
    void multiStepAcceptsMilestonesInAnyOrder() {
        SGD opt = optimizer();
        MultiStepLR s = new MultiStepLR(opt, new int[] {4, 2}, 0.5);
        double[] want = {0.1, 0.1, 0.05, 0.05, 0.025, 0.025};
        for (int t = 0; t < want.length; t++) {
            assertEquals(want[t], s.lastLr(), 1e-17);
            s.step();
        }
        assertEquals("MultiStepLR(milestones=[2, 4], gamma=0.5)", s.describe());
    }

    @Test
    void plateauNeedsTheMetric() {
        SGD opt = optimizer();
        ReduceLROnPlateau p = new ReduceLROnPlateau(opt);
        IllegalStateException e = assertThrows(IllegalStateException.class, p::step);
        assertTrue(e.getMessage().contains("step(metric)"), e.getMessage());
        assertEquals(0, p.epoch());
        assertEquals("ReduceLROnPlateau(mode=min, factor=0.1, patience=10, threshold=1e-4 rel, cooldown=0, minLr=0)",
                p.describe());
    }

    @Test
    void plateauCountsNaNAsABadEpoch() {
        SGD opt = optimizer();
        ReduceLROnPlateau p = new ReduceLROnPlateau(opt).patience(1).factor(0.5);
        p.step(1.0);
        assertEquals(1.0, p.best());
        p.step(Double.NaN);
        assertEquals(1, p.badEpochs());
        p.step(Double.NaN);
        assertEquals(0.05, opt.lr(), 1e-17);
        assertEquals(0.01, opt.paramGroups().get(1).lr(), 1e-17);
    }

    @Test
    void plateauNeverCutsBelowMinLr() {
        SGD opt = optimizer();
        ReduceLROnPlateau p = new ReduceLROnPlateau(opt).patience(0).minLr(0.03);
        for (int i = 0; i < 5; i++) p.step(1.0);
        assertEquals(0.03, opt.lr());
        assertEquals(0.02, opt.paramGroups().get(1).lr(), "a group already below minLr is left alone");
    }

    @Test
    void describeNamesEverySetting() {
        SGD opt = optimizer();
        assertEquals("StepLR(stepSize=30, gamma=0.1)", new StepLR(opt, 30).describe());
        assertEquals("ExponentialLR(gamma=0.9)", new ExponentialLR(opt, 0.9).describe());
        assertEquals("LinearLR(startFactor=0.3333333333333333, endFactor=1, totalIters=5)", new LinearLR(opt).describe());
        assertEquals("CosineAnnealingLR(tMax=50, etaMin=1e-5)", new CosineAnnealingLR(opt, 50, 1e-5).describe());
        assertEquals("WarmupCosine(warmupSteps=5, totalSteps=100, etaMin=0, warmupStartFactor=0.1)",
                new WarmupCosine(opt, 5, 100, 0, 0.1).describe());
        assertEquals("StepLR(stepSize=30, gamma=0.1)", new StepLR(opt, 30).toString());
    }

    @Test
    void aGroupAddedAfterTheSchedulerIsAnError() {
        SGD opt = optimizer();
        StepLR s = new StepLR(opt, 3);
        opt.addParamGroup(List.of(Tensor.zeros(DType.FLOAT64, 1).requiresGrad(true)), 0.1, 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, s::step);
        assertTrue(e.getMessage().contains("StepLR") && e.getMessage().contains("3 parameter groups but had 2"),
                e.getMessage());
    }

    @Test
    void badArgumentsAreNamed() {
        SGD opt = optimizer();
        rejects(() -> new StepLR(opt, 0), "StepLR: stepSize must be >= 1, got 0");
        rejects(() -> new StepLR(opt, 3, -0.1), "StepLR: gamma must be a finite number >= 0, got -0.1");
        rejects(() -> new MultiStepLR(opt, new int[] {3, -1}), "MultiStepLR: milestones must be epochs >= 0");
        rejects(() -> new ExponentialLR(opt, Double.NaN), "ExponentialLR: gamma must be a finite number >= 0, got NaN");
        rejects(() -> new LinearLR(opt, 0, 1, 5), "LinearLR: startFactor must be in (0, 1], got 0.0");
        rejects(() -> new LinearLR(opt, 0.5, 1.5, 5), "LinearLR: endFactor must be in [0, 1], got 1.5");
        rejects(() -> new LinearLR(opt, 0.5, 1, 0), "LinearLR: totalIters must be >= 1, got 0");
        rejects(() -> new CosineAnnealingLR(opt, 0), "CosineAnnealingLR: tMax must be >= 1, got 0");
        rejects(() -> new CosineAnnealingLR(opt, 5, -1), "CosineAnnealingLR: etaMin must be a finite number >= 0, got -1.0");
        rejects(() -> new WarmupCosine(opt, 10, 10, 0, 0.1), "WarmupCosine: totalSteps must be > warmupSteps (10), got 10");
        rejects(() -> new WarmupCosine(opt, -1, 10, 0, 0.1), "WarmupCosine: warmupSteps must be >= 0, got -1");
        rejects(() -> new WarmupCosine(opt, 1, 10, 0, 0), "WarmupCosine: warmupStartFactor must be in (0, 1], got 0.0");
        ReduceLROnPlateau p = new ReduceLROnPlateau(opt);
        rejects(() -> p.factor(1), "ReduceLROnPlateau: factor must be in [0, 1), got 1.0");
        rejects(() -> p.patience(-1), "ReduceLROnPlateau: patience must be >= 0, got -1");
        rejects(() -> p.cooldown(-2), "ReduceLROnPlateau: cooldown must be >= 0, got -2");
        rejects(() -> p.threshold(-1e-4), "ReduceLROnPlateau: threshold must be a finite number >= 0, got -1.0E-4");
        rejects(() -> p.minLr(Double.NaN), "ReduceLROnPlateau: minLr must be a finite number >= 0, got NaN");
        assertEquals(0.1, opt.lr(), "a rejected scheduler changes nothing");
    }

    private static void rejects(Executable call, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::execute);
        assertTrue(e.getMessage().startsWith(message), "message: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @FunctionalInterface
    interface Executable {
        void execute() throws Throwable;
    }
}
