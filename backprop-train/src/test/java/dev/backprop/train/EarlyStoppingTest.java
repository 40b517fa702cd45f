package dev.backprop.train;

import dev.backprop.GradMode;
import dev.backprop.Tensor;
import dev.backprop.data.TensorDataset;
import dev.backprop.nn.Module;
import dev.backprop.nn.Parameter;
import dev.backprop.optim.SGD;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * EARLYSTOP-BEST (shared/cases): the best weights are restored at the end whether or not patience ran out. The
 * single weight records the epoch it was "trained" in, so the restored value names the epoch.
 */
class EarlyStoppingTest {
    /** A model whose only weight we set to the epoch number. */
    static final class Recorder extends Module {
        final Parameter w = registerParameter("w", Tensor.zeros(1));

        @Override
        public Tensor forward(Tensor x) {
            return x.mul(w);
        }
    }

    static Trainer trainerFor(Module m) {
        TensorDataset d = TensorDataset.regression(new float[] {1, 2}, new int[] {1}, new float[] {1, 2}, 1);
        return Trainer.builder(m, Objective.of("mse", 0, 1, 0), new SGD(m.parameters(), 0.1)).train(d).build();
    }

    /** Feeds the losses epoch by epoch; returns the final weight (the epoch it came from). */
    static double run(EarlyStopping es, double[] losses, History h) {
        Recorder m = new Recorder();
        Trainer t = trainerFor(m);
        for (int e = 1; e <= losses.length; e++) {
            try (var s = GradMode.noGrad()) {
                m.w.fill_(e);
            }
            EpochStats stats = new EpochStats(e, 1, Double.NaN, losses[e - 1], Double.NaN, 0.1, 1, 1, 1);
            h.add(stats);
            if (es.onEpochEnd(t, stats)) break;
        }
        es.onTrainEnd(t, h);
        return m.w.item();
    }

    @Test
    void bestWeightsAreRestoredAlthoughPatienceNeverRanOut() {
        History h = new History();
        EarlyStopping es = new EarlyStopping(5);
        assertEquals(6, run(es, new double[] {5, 4, 3, 2, 1.5, 1.0, 1.2, 1.3}, h));
        assertEquals(6, es.bestEpoch());
        assertEquals(6, h.restoredEpoch());
        assertEquals(8, h.epochs().size(), "all 8 epochs ran");
    }

    @Test
    void lossesFallingToTheEndKeepTheLastEpoch() {
        assertEquals(8, run(new EarlyStopping(5), new double[] {5, 4, 3, 2, 1.5, 1.0, 0.9, 0.8}, new History()));
    }

    @Test
    void patienceRunningOutStopsAndRestores() {
        History h = new History();
        double w = run(new EarlyStopping(2), new double[] {3, 2, 2.5, 2.6, 1.0, 0.5}, h);
        assertEquals(2, w);
        assertEquals(4, h.epochs().size(), "stopped after two epochs without improvement");
        assertTrue(h.stopReason().startsWith("early stopping"), h.stopReason());
    }

    @Test
    void minDeltaDemandsARealImprovement() {
        double w = run(new EarlyStopping(2, 0.5, true), new double[] {3, 2.8, 2.7, 2.0}, new History());
        assertEquals(1, w, "improvements under minDelta do not count, so epoch 1 stays best and patience runs out");
    }

    @Test
    void withoutRestoreTheLastWeightsStay() {
        History h = new History();
        assertEquals(8, run(new EarlyStopping(5, 0, false), new double[] {5, 4, 3, 2, 1.5, 1.0, 1.2, 1.3}, h));
        assertEquals(0, h.restoredEpoch());
        assertFalse(h.stopReason().startsWith("early stopping"));
    }
}
