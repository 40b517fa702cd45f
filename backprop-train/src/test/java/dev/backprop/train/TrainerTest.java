package dev.backprop.train;

import dev.backprop.Generator;
import dev.backprop.data.DataSets;
import dev.backprop.data.LabeledData;
import dev.backprop.data.Normalization;
import dev.backprop.nn.Activation;
import dev.backprop.nn.Init;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.nn.Sequential;
import dev.backprop.optim.Adagrad;
import dev.backprop.optim.Adam;
import dev.backprop.optim.AdamW;
import dev.backprop.optim.Optimizer;
import dev.backprop.optim.RMSprop;
import dev.backprop.optim.SGD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training loop on the embedded digits: every optimizer learns, runs repeat exactly, NaN stops loudly. */
class TrainerTest {
    static final LabeledData DIGITS;

    static {
        LabeledData d = DataSets.digits();
        DIGITS = d.normalize(Normalization.fit(d.train(), Normalization.Mode.PER_FEATURE));
    }

    static Sequential mlp(long seed) {
        Generator g = new Generator(seed);
        return new Sequential(new dev.backprop.nn.Flatten(), new Linear(64, 32, true, Init.Scheme.DEFAULT, g), new Activation.ReLU(),
                new Linear(32, 10, true, Init.Scheme.DEFAULT, g));
    }

    static final Objective CE = Objective.of("cross-entropy", 10, 10, 0);

    static History train(Module m, Optimizer opt, int epochs, long seed) {
        return Trainer.builder(m, CE, opt).train(DIGITS.train()).validation(DIGITS.test()).epochs(epochs).batchSize(32)
                .generator(new Generator(seed)).build().fit();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"})
    void everyOptimizerLowersTheLossOnTheDigits(String name) {
        Sequential m = mlp(3);
        List<dev.backprop.nn.Parameter> p = m.parameters();
        Optimizer opt = switch (name) {
            case "sgd" -> new SGD(p, 0.1);
            case "momentum" -> new SGD(p, 0.05).momentum(0.9);
            case "nesterov" -> new SGD(p, 0.05).momentum(0.9).nesterov(true);
            case "adagrad" -> new Adagrad(p, 0.05);
            case "rmsprop" -> new RMSprop(p, 0.001);
            case "adam" -> new Adam(p, 0.001);
            default -> new AdamW(p, 0.001);
        };
        double before = Evaluation.of(m, CE, DIGITS.train(), 256).loss();
        History h = train(m, opt, 3, 5);
        double after = Evaluation.of(m, CE, DIGITS.train(), 256).loss();
        assertTrue(after < 0.5 * before, name + ": loss " + before + " -> " + after);
        assertTrue(h.last().valAccuracy() > 0.85, name + ": test accuracy " + h.last().valAccuracy());
    }

    @Test
    void augmentationTransformsTrainingBatchesOnlyAndRepeatsExactly() {
        // Spatial moves need one mean and std for all pixels (a per-pixel one does not commute with them), and the
        // padding filled with the background (0 before normalising).
        LabeledData raw = DataSets.digits();
        Normalization global = Normalization.fit(raw.train(), Normalization.Mode.GLOBAL);
        LabeledData digits = raw.normalize(global);
        float background = -global.mean()[0] / global.std()[0];
        java.util.concurrent.atomic.AtomicInteger applied = new java.util.concurrent.atomic.AtomicInteger();
        // (A random crop with padding 1 moves these 8×8 digits by an eighth of their width: it costs this small MLP
        // a lot of accuracy in 3 epochs, so the learning check uses a small rotation and erasing.)
        dev.backprop.data.Transform crop = dev.backprop.data.Transforms.randomRotation(10, background)
                .andThen(dev.backprop.data.Transforms.randomErasing());
        dev.backprop.data.Transform counting = crop.andThen((x, off, c, h, w, scratch, g) -> applied.incrementAndGet());
        Sequential a = mlp(4), b = mlp(4);
        History ha = Trainer.builder(a, CE, new Adam(a.parameters())).train(digits.train()).validation(digits.test())
                .epochs(3).batchSize(32).generator(new Generator(4)).augment(counting).build().fit();
        assertEquals(3 * digits.train().size(), applied.get(), "each training example once per epoch, no validation example");
        History hb = Trainer.builder(b, CE, new Adam(b.parameters())).train(digits.train()).validation(digits.test())
                .epochs(3).batchSize(32).generator(new Generator(4)).augment(crop).build().fit();
        assertEquals(ha.last().trainLoss(), hb.last().trainLoss(), 0.0, "the same seed, the same augmented run");
        assertTrue(hb.last().valAccuracy() > 0.8, "still learns: " + hb.last().valAccuracy());
        Sequential c = mlp(4);
        History hc = Trainer.builder(c, CE, new Adam(c.parameters())).train(digits.train()).validation(digits.test())
                .epochs(3).batchSize(32).generator(new Generator(4)).augment(crop, 77).build().fit();
        assertTrue(hc.last().trainLoss() != hb.last().trainLoss(), "another augmentation seed, other numbers");
        var flat = dev.backprop.data.TensorDataset.classification(new float[40], new int[] {4}, new long[10], 2);
        Sequential d = mlp(4);
        var e = assertThrows(IllegalArgumentException.class, () -> Trainer.builder(d, CE, new Adam(d.parameters()))
                .train(flat).augment(crop).build());
        assertTrue(e.getMessage().contains("[C, H, W]") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void theSameSeedGivesTheSameNumbers() {
        Sequential a = mlp(9), b = mlp(9);
        History ha = train(a, new Adam(a.parameters()), 2, 9), hb = train(b, new Adam(b.parameters()), 2, 9);
        for (int e = 0; e < 2; e++) {
            assertEquals(ha.epochs().get(e).trainLoss(), hb.epochs().get(e).trainLoss(), 0.0);
            assertEquals(ha.epochs().get(e).valLoss(), hb.epochs().get(e).valLoss(), 0.0);
        }
        Sequential c = mlp(9);
        History hc = train(c, new Adam(c.parameters()), 2, 10);
        assertTrue(hc.last().trainLoss() != ha.last().trainLoss(), "another shuffling seed gives other numbers");
    }

    @Test
    void batchNormTrainsWithALoneLastExampleDroppedAndEvaluatesOneExampleBatches() {
        Generator g = new Generator(4);
        Sequential m = new Sequential(new dev.backprop.nn.Flatten(), new Linear(64, 16, true, Init.Scheme.DEFAULT, g),
                new dev.backprop.nn.BatchNorm1d(16), new Activation.ReLU(), new Linear(16, 10, true, Init.Scheme.DEFAULT, g));
        var train = DIGITS.train().subset(java.util.stream.IntStream.range(0, 33).toArray());   // 32 + a lone one
        Trainer t = Trainer.builder(m, CE, new Adam(m.parameters())).train(train).epochs(2).batchSize(32).dropLast(true).build();
        assertEquals(1, t.stepsPerEpoch());
        assertEquals(2, t.fit().epochs().size());
        // Evaluation runs in eval mode (running statistics): batches of one example are fine there.
        Evaluation ev = Evaluation.of(m, CE, train, 32);
        assertEquals(33, ev.examples());
        assertTrue(Double.isFinite(ev.loss()));
    }

    @Test
    void aHistoryPrintsItsEpochsAndLastNumbers() {
        Sequential a = mlp(9);
        History h = train(a, new Adam(a.parameters()), 2, 9);
        EpochStats l = h.last();
        assertEquals(String.format(java.util.Locale.ROOT, "History(2 epochs, completed all epochs; last: train loss %.4f, "
                + "accuracy %.4f; val loss %.4f, accuracy %.4f)", l.trainLoss(), l.trainAccuracy(), l.valLoss(), l.valAccuracy()),
                h.toString());
        assertEquals("History(no epochs)", new History().toString());
    }

    @Test
    void aNaNLossStopsTrainingNamingTheEpochAndStep() {
        Sequential m = mlp(1);
        var e = assertThrows(TrainingException.class, () -> train(m, new SGD(m.parameters(), 1e12), 3, 1));
        assertTrue(e.getMessage().matches(".*(loss|gradient norm) became (NaN|Infinity|-Infinity) at epoch \\d+, step \\d+.*"), e.getMessage());
        assertTrue(e.getMessage().contains("--lr"), "it says what to try: " + e.getMessage());
    }

    @Test
    void underAnomalyDetectionTheStopNamesTheOpAndLayer() {
        Sequential m = mlp(1);
        TrainingException e;
        try (var _ = dev.backprop.Anomaly.detect()) {
            e = assertThrows(TrainingException.class, () -> train(m, new SGD(m.parameters(), 1e12), 3, 1));
        }
        var cause = assertInstanceOf(dev.backprop.AnomalyException.class, e.getCause());
        assertTrue(e.getMessage().matches("anomaly at epoch \\d+, step \\d+.*: .*" + cause.op() + ".*"), e.getMessage());
        assertTrue(e.getMessage().endsWith(cause.getMessage()), "the engine's message is kept whole");
    }

    @Test
    void anOverflowingStepUnderAnomalyDetectionNamesTheParameter() {
        Sequential m = mlp(1);
        TrainingException e;
        try (var _ = dev.backprop.Anomaly.detect()) {
            // A rate past the float range: the first update overflows the first parameter with a nonzero gradient.
            e = assertThrows(TrainingException.class, () -> train(m, new SGD(m.parameters(), 1e45), 1, 1));
        }
        assertTrue(e.getMessage().startsWith("anomaly at epoch 1, step 1, in the SGD step of parameter 1.weight: the update "
                + "made it [32, 64] non-finite: "), e.getMessage());
        assertTrue(e.getMessage().endsWith("lower the learning rate or clip the gradients"), "no frame of the training loop: "
                + e.getMessage());
        assertEquals("the SGD step", ((dev.backprop.AnomalyException) e.getCause()).location());
    }

    @Test
    void gradientClippingBoundsTheUpdate() {
        Sequential m = mlp(2);
        History h = Trainer.builder(m, CE, new SGD(m.parameters(), 0.1)).train(DIGITS.train()).epochs(1).batchSize(32)
                .clipNorm(0.01).build().fit();
        assertTrue(h.last().gradNorm() > 0.01, "the recorded norm is the one before clipping");
        assertTrue(Double.isNaN(h.last().valLoss()), "no validation set, no validation loss");
    }

    @Test
    void penaltiesShrinkTheWeights() {
        Sequential plain = mlp(4), l2 = mlp(4);
        Trainer.builder(plain, CE, new SGD(plain.parameters(), 0.1)).train(DIGITS.train()).epochs(2).build().fit();
        Trainer.builder(l2, CE, new SGD(l2.parameters(), 0.1)).train(DIGITS.train()).epochs(2).l2(0.01).build().fit();
        double np = ((Linear) plain.layers().get(1)).weight().norm().item();
        double nl = ((Linear) l2.layers().get(1)).weight().norm().item();
        assertTrue(nl < np, "L2 penalty gives smaller weights: " + nl + " vs " + np);
    }

    @Test
    void builderRejectsNonsense() {
        Sequential m = mlp(1);
        assertThrows(IllegalArgumentException.class, () -> Trainer.builder(m, CE, new Adam(m.parameters())).build());
        assertThrows(IllegalArgumentException.class, () -> Trainer.builder(m, CE, new Adam(m.parameters()))
                .train(DIGITS.train()).epochs(0).build());
        assertThrows(IllegalArgumentException.class, () -> Trainer.builder(m, CE, new Adam(m.parameters()))
                .train(DIGITS.train()).clipNorm(-1).build());
    }

    @Test
    void objectivesFitTheirTasks() {
        assertEquals(1, Objective.of("bce", 2, 2, 0).outputs());
        assertTrue(Objective.of("mse", 2, 2, 0).sigmoidOutput(), "MSE on two classes is the classic single sigmoid unit");
        assertEquals(10, Objective.of("mse", 10, 10, 0).outputs());
        assertEquals(0, Objective.of("huber", 0, 3, 0).classes());
        var e = assertThrows(IllegalArgumentException.class, () -> Objective.of("hinge", 10, 10, 0));
        assertTrue(e.getMessage().contains("cross-entropy"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Objective.of("bce", 10, 10, 0));
    }
}
