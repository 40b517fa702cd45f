package dev.backprop.train;

import dev.backprop.Generator;
import dev.backprop.GradMode;
import dev.backprop.Tensor;
import dev.backprop.data.TensorDataset;
import dev.backprop.io.ModelSpec;
import dev.backprop.nn.Activation;
import dev.backprop.nn.Init;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.nn.Sequential;
import dev.backprop.optim.Adam;
import dev.backprop.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradient-flow monitor: the experiment (a 20-layer sigmoid MLP is flagged vanishing; ReLU + He, batch
 * norm and residual connections are not), an exploding case, and its numbers against a direct computation.
 */
class GradientMonitorTest {
    /** The experiment's networks: the deep-mlp preset on the digits' 1×8×8 images. */
    static Sequential deep(String options, String activation, Init.Scheme init) {
        return ModelSpec.preset("deep-mlp:20x64" + options, new int[] {1, 8, 8}, 10, activation, 0).build(new Generator(1), init);
    }

    /** Trains on the digits with Adam (lr 1e-3, batch 32, the CLI's defaults) under a monitor. */
    static GradientMonitor monitored(Module m, int epochs) {
        GradientMonitor mon = new GradientMonitor(10, null);
        Trainer.builder(m, TrainerTest.CE, new Adam(m.parameters(), 1e-3)).train(TrainerTest.DIGITS.train()).epochs(epochs)
                .batchSize(32).generator(new Generator(1)).callback(mon).build().fit();
        return mon;
    }

    private static List<String> kinds(GradientMonitor m) {
        return m.diagnose().stream().map(GradientMonitor.Flag::kind).toList();
    }

    @Test
    void theTwentyLayerSigmoidNetIsFlaggedVanishingAndTheFixedOnesAreNot() {
        Sequential sigmoid = deep("", "sigmoid", Init.Scheme.DEFAULT);
        GradientMonitor bad = monitored(sigmoid, 2);
        assertEquals(List.of("vanishing"), kinds(bad), bad.diagnose().toString());
        double ratio = bad.epochs().getLast().firstLastRatio();
        assertTrue(ratio < 1e-10, "sigmoid: first/last grad norm " + ratio);
        assertEquals(20, bad.epochs().getLast().layers().size());
        assertEquals("1", bad.epochs().getLast().layers().getFirst().layer(), "named by state-dict prefix (0 is the flatten)");
        assertTrue(bad.diagnose().getFirst().suggestion().contains("He initialisation"));
        for (Module m : sigmoid.namedModules().values()) assertFalse(m.hasForwardHooks(), "the monitor removes its hooks");

        Map<String, Sequential> fixed = Map.of(
                "relu + He", deep("", "relu", Init.Scheme.KAIMING_NORMAL),
                "sigmoid + batch norm", deep(",batch-norm", "sigmoid", Init.Scheme.DEFAULT),
                "relu + residual", deep(",residual", "relu", Init.Scheme.DEFAULT));
        for (var e : fixed.entrySet()) {
            GradientMonitor mon = monitored(e.getValue(), 2);
            assertEquals(List.of(), mon.diagnose(), e.getKey());
            double r = mon.epochs().getLast().firstLastRatio();
            assertTrue(r > 0.05 && r < 20, e.getKey() + ": first/last grad norm " + r);
        }
    }

    @Test
    void tooLargeAnInitialisationIsFlaggedExploding() {
        // He init times 4: each ReLU layer multiplies the signal by about 4, forward and backward.
        Sequential m = ModelSpec.preset("deep-mlp:8x64", new int[] {1, 8, 8}, 10, "relu", 0).build(new Generator(1));
        Generator g = new Generator(2);
        for (Module l : m.namedModules().values()) {
            if (l instanceof Linear lin) Init.normal_(lin.weight(), 0, 4 * Math.sqrt(2.0 / lin.inFeatures()), g);
        }
        GradientMonitor mon = new GradientMonitor(10, null);
        Trainer.builder(m, TrainerTest.CE, new SGD(m.parameters(), 1e-6)).train(TrainerTest.DIGITS.train()).epochs(1)
                .batchSize(32).generator(new Generator(1)).callback(mon).build().fit();
        assertTrue(kinds(mon).contains("exploding"), mon.diagnose().toString());
        assertFalse(kinds(mon).contains("vanishing"));
        assertTrue(mon.diagnose().getFirst().suggestion().contains("--clip-norm"));
    }

    @Test
    void aDivergingRunIsDiagnosedFromItsSteps() {
        Sequential m = ModelSpec.preset("deep-mlp:8x64", new int[] {1, 8, 8}, 10, "relu", 0).build(new Generator(1), Init.Scheme.KAIMING_NORMAL);
        GradientMonitor mon = new GradientMonitor(10, null);
        Trainer t = Trainer.builder(m, TrainerTest.CE, new SGD(m.parameters(), 1e3)).train(TrainerTest.DIGITS.train()).epochs(1)
                .batchSize(32).generator(new Generator(1)).callback(mon).build();
        assertThrows(TrainingException.class, t::fit);
        assertTrue(mon.epochs().isEmpty());
        assertTrue(kinds(mon).contains("exploding"), mon.diagnose().toString());
    }

    @Test
    void gradNormUpdateRatioAndDeadShareEqualADirectComputation() {
        Generator data = new Generator(5);
        Tensor x = Tensor.randn(data, 8, 3), y = Tensor.randn(data, 8, 2);
        Objective mse = Objective.of("mse", 0, 2, 0);
        Sequential model = tiny(), hand = tiny();
        GradientMonitor mon = new GradientMonitor(1, null);
        Trainer.builder(model, mse, new SGD(model.parameters(), 0.1)).train(new TensorDataset(x, y)).epochs(1).batchSize(8)
                .callback(mon).build().fit();

        // The same step by hand: one batch of all 8 examples, SGD without momentum, so ΔW = −lr·∂L/∂W.
        Tensor hidden = hand.layers().get(1).forward(hand.layers().get(0).forward(x));
        mse.loss(hand.forward(x), y).backward();
        GradientMonitor.EpochReport r = mon.epochs().getFirst();
        for (int i : new int[] {0, 2}) {
            Linear lin = (Linear) hand.layers().get(i);
            double g = norm(lin.weight().grad()), w = norm(lin.weight());
            GradientMonitor.LayerStats s = r.layers().get(i / 2);
            assertEquals(Integer.toString(i), s.layer());
            assertEquals(g, s.gradNorm(), 1e-6 * g, "grad norm of layer " + i);
            assertEquals(0.1 * g / w, s.updateRatio(), 1e-4 * 0.1 * g / w, "update ratio of layer " + i);
        }
        float[] h = hidden.toFloatArray();
        int dead = 0;
        for (int u = 0; u < 4; u++) {
            boolean alive = false;
            for (int n = 0; n < 8; n++) alive |= h[n * 4 + u] > 0;
            if (!alive) dead++;
        }
        assertTrue(dead >= 1, "unit 0 was made dead");
        assertEquals(dead / 4.0, r.layers().getFirst().deadShare(), 0.0);
        assertEquals("relu", r.layers().getFirst().activation());
        assertTrue(Double.isNaN(r.layers().get(1).deadShare()), "no activation after the output layer");
    }

    /** 3 → 4 → ReLU → 2 with hidden unit 0 dead: zero weights and a bias of −1. */
    private static Sequential tiny() {
        Generator g = new Generator(7);
        Linear first = new Linear(3, 4, true, Init.Scheme.DEFAULT, g);
        try (var s = GradMode.noGrad()) {
            for (int j = 0; j < 3; j++) first.weight().set(0, 0, j);
            first.bias().set(-1, 0);
        }
        return new Sequential(first, new Activation.ReLU(), new Linear(4, 2, true, Init.Scheme.DEFAULT, g));
    }

    private static double norm(Tensor t) {
        double s = 0;
        for (double v : t.toDoubleArray()) s += v * v;
        return Math.sqrt(s);
    }

    @Test
    void monitoringDoesNotChangeTraining() {
        // Sampled steps run Linear+ReLU unfused (a hook must see the ReLU's output): the same numbers, bit for bit.
        Sequential a = TrainerTest.mlp(4), b = TrainerTest.mlp(4);
        History plain = Trainer.builder(a, TrainerTest.CE, new SGD(a.parameters(), 0.1)).train(TrainerTest.DIGITS.train())
                .epochs(1).batchSize(32).generator(new Generator(1)).build().fit();
        History watched = Trainer.builder(b, TrainerTest.CE, new SGD(b.parameters(), 0.1)).train(TrainerTest.DIGITS.train())
                .epochs(1).batchSize(32).generator(new Generator(1)).callback(new GradientMonitor(1, null)).build().fit();
        assertEquals(plain.last().trainLoss(), watched.last().trainLoss(), 0.0);
        assertEquals(a.parameters().getFirst().sum().item(), b.parameters().getFirst().sum().item(), 0.0);
    }

    @Test
    void saturationCountsOutputsBeyondTheThresholds() {
        assertEquals(0.5, GradientMonitor.saturatedShare("sigmoid", Tensor.of(new float[] {0.005f, 0.5f, 0.995f, 0.2f}, 2, 2)));
        assertEquals(0.5, GradientMonitor.saturatedShare("tanh", Tensor.of(new float[] {0.995f, -0.999f, 0.3f, 0f}, 2, 2)));
        assertThrows(IllegalArgumentException.class, () -> new GradientMonitor(0, null));
    }

    @Test
    void numbersHaveOneFormatAndAnUnmovedWeightIsZero() {
        assertEquals("0", GradientMonitor.sci(0));
        assertEquals("3.44e-12", GradientMonitor.sci(3.44e-12));
        assertEquals("0.250", GradientMonitor.sci(0.25));
        assertEquals("-", GradientMonitor.sci(Double.NaN));
    }

    @Test
    void theReportPlotsGradientFlowPerLayerPerEpoch() {
        GradientMonitor mon = monitored(deep("", "sigmoid", Init.Scheme.DEFAULT), 2);
        History h = new History();
        h.add(new EpochStats(1, 2.3, 0.1, Double.NaN, Double.NaN, 1e-3, 1, 1000, 1));
        h.add(new EpochStats(2, 2.3, 0.1, Double.NaN, Double.NaN, 1e-3, 1, 1000, 1));
        String html = HtmlReport.render(new HtmlReport.Content("t", h, "val", null, null, null, Map.of(), List.of(), mon));
        String flow = html.substring(html.indexOf("<h2>Gradient flow</h2>"));
        assertTrue(flow.contains("Gradient norm per layer (log scale)") && flow.contains("Update / weight per layer (log scale)"));
        String[] charts = flow.split("<svg");
        assertEquals(20, charts[1].split("<polyline").length - 1, "one line per layer in the grad-norm chart");
        // The first layers' weights did not move at all (their gradients are below float32 resolution): update 0.
        assertTrue(charts[2].split("<polyline").length - 1 < 20 && flow.contains("did not change at all"));
        assertTrue(flow.contains("<b>vanishing</b>"), "the flags are listed");
        assertTrue(flow.contains(">1e-"), "a log axis labelled in powers of ten");
        assertFalse(HtmlReport.render(new HtmlReport.Content("t", h, "val", null, null, null, Map.of())).contains("Gradient flow"));
    }
}
