package dev.backprop;

import dev.backprop.nn.Activation;
import dev.backprop.nn.BatchNorm2d;
import dev.backprop.nn.Conv2d;
import dev.backprop.nn.Dropout;
import dev.backprop.nn.Flatten;
import dev.backprop.nn.Functional;
import dev.backprop.nn.Init;
import dev.backprop.nn.Linear;
import dev.backprop.nn.MaxPool2d;
import dev.backprop.nn.Module;
import dev.backprop.nn.Sequential;
import dev.backprop.optim.Adam;
import dev.backprop.optim.Optimizer;
import dev.backprop.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Anomaly detection names the first op, forward or backward, that made a NaN or an infinity, and where. */
class AnomalyTest {
    /** The line this is called from: to assert the reported location without hard-coding a line number. */
    static int here() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow()).getLineNumber();
    }

    static String at(String method, int line) {
        return AnomalyTest.class.getName() + method + "(AnomalyTest.java:" + line + ")";
    }

    /** A model with a log(0) planted in it: ReLU makes exact zeros, and log of them is −∞. */
    static final class Planted extends Module {
        final Linear linear;
        int logLine;

        Planted(Generator gen) {
            linear = registerModule("linear", new Linear(3, 2, true, Init.Scheme.DEFAULT, gen));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = linear.forward(x).relu();
            logLine = here(); Tensor logH = h.log();
            return logH.sum();
        }
    }

    @Test
    void aPlantedLogOfZeroIsNamedWithItsShapesStatisticsAndLine() {
        Planted model = new Planted(new Generator(1));
        // Weights and bias chosen so that the first hidden unit is negative before the ReLU for the second example.
        try (var _ = GradMode.noGrad()) {
            model.linear.weight().copy_(Tensor.of(new float[] {1, 0, 0, 0, 1, 0}, 2, 3));
            model.linear.bias().copy_(Tensor.of(new float[] {0, 0.5f}, 2));
        }
        Tensor x = Tensor.of(new float[] {1, 2, 3, -1, 2, 3, 4, 5, 6, 0.5f, 1, 1}, 4, 3);
        AnomalyException e;
        try (var _ = Anomaly.detect()) {
            e = assertThrows(AnomalyException.class, () -> model.forward(x).backward());
        }
        String m = e.getMessage();
        assertEquals("log", e.op());
        assertEquals(AnomalyException.Phase.FORWARD, e.phase());
        assertEquals(at("$Planted.forward", model.logLine), e.location(), m);
        assertTrue(m.startsWith("log (forward) produced 1 -Inf of 8 values [4, 2] from finite inputs: "), m);
        // The input statistics: relu output [[1, 2.5], [0, 2.5], [4, 5.5], [0.5, 1.5]].
        assertTrue(m.contains("input [4, 2] min 0 max 5.5 mean 2.188"), m);
        assertTrue(m.endsWith("; at " + e.location()), m);
        assertFalse(m.contains("\n"), "one line");
        assertTrue(Double.isInfinite(e.value().toDoubleArray()[2]), "the exception carries the bad output");
    }

    @Test
    void withoutTheScopeNothingIsCheckedAndLogOfZeroIsMinusInfinity() {
        assertFalse(Anomaly.isEnabled());
        Tensor y = Tensor.of(new float[] {0, 1}).requiresGrad(true).log();
        assertEquals(Double.NEGATIVE_INFINITY, y.toDoubleArray()[0]);
        assertNull(y.gradFn().site, "no creation site is recorded when detection is off");
    }

    @Test
    void aBackwardOnlyAnomalyIsNamedAsBackwardWithTheForwardLine() {
        // √x at 0 is 0 (finite), but its derivative 1/(2√x) is +Inf there.
        Tensor x = Tensor.of(new float[] {0, 1, 4}).requiresGrad(true);
        AnomalyException e;
        int line;
        try (var _ = Anomaly.detect()) {
            line = here(); Tensor y = x.sqrt();
            Tensor loss = y.mul(3).sum();
            e = assertThrows(AnomalyException.class, loss::backward);
        }
        String m = e.getMessage();
        assertEquals("sqrt", e.op());
        assertEquals(AnomalyException.Phase.BACKWARD, e.phase());
        assertEquals(at(".aBackwardOnlyAnomalyIsNamedAsBackwardWithTheForwardLine", line), e.location());
        assertTrue(m.startsWith("backward of sqrt produced 1 +Inf of 3 values in the gradient of input 0 [3] from a finite "
                + "incoming gradient [3] min 3 max 3 mean 3; input [3] min 0 max 4 mean 1.667; output [3] min 0 max 2 mean 1; "
                + "sqrt was made at " + e.location()), m);
        assertNull(x.grad(), "nothing non-finite was delivered");
    }

    @Test
    void aNaNFromInfinitiesIsNamedAtTheOpThatMadeIt() {
        Tensor a = Tensor.of(new float[] {Float.POSITIVE_INFINITY, 1});
        try (var _ = Anomaly.detect()) {
            Tensor b = a.mul(2);   // Inf in, Inf out: allowed to flow
            var e = assertThrows(AnomalyException.class, () -> b.sub(b));
            assertEquals("sub", e.op());
            assertTrue(e.getMessage().startsWith("sub (forward) produced 1 NaN of 2 values [2] from inputs holding infinities "
                    + "but no NaN: input 0 [2] min 2 max 2 mean 2 and 1 +Inf"), e.getMessage());
        }
    }

    @Test
    void aMinusInfinityMaskThroughSoftmaxIsNotAnAnomaly() {
        // Attention masking: -Inf scores are meant, and softmax turns them into exact zeros.
        Tensor scores = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);
        Tensor mask = Tensor.of(new float[] {0, Float.NEGATIVE_INFINITY, 0, 0}, 2, 2);
        try (var _ = Anomaly.detect()) {
            Tensor p = scores.add(mask).softmax(1);
            p.mul(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)).sum().backward();
            assertEquals(1.0, p.toDoubleArray()[0], 0);
        }
        assertTrue(Anomaly.allFinite(scores.grad()));
    }

    @Test
    void nanInTheInputDataIsReportedAtTheFirstOpThatComputesWithIt() {
        Generator gen = new Generator(3);
        Sequential model = new Sequential(new Flatten(), new Linear(4, 2, true, Init.Scheme.DEFAULT, gen), new Activation.ReLU());
        Tensor x = Tensor.of(new float[] {1, 2, Float.NaN, 4, 5, 6, 7, 8}, 2, 2, 2);
        try (var _ = Anomaly.detect()) {
            var e = assertThrows(AnomalyException.class, () -> model.forward(x));
            String m = e.getMessage();
            // Flatten only moves values: the fused linear+ReLU is the first op to compute with the NaN.
            assertEquals("linearRelu", e.op());
            assertTrue(m.startsWith("linearRelu (forward) received NaN in input 0 [2, 4] min 1 max 8 mean 4.714 and 1 NaN; it "
                    + "came from a tensor with no graph: user data"), m);
            assertTrue(e.location().endsWith(" in layer 1 (Linear(4 -> 2))"), e.location());
            // The caller's frame: the lambda in this test that called model.forward.
            assertTrue(e.location().startsWith(AnomalyTest.class.getName() + ".lambda$nanInTheInputData"), e.location());
        }
    }

    @Test
    void anOverflowingProductIsNamedWithTheSequentialLayer() {
        Generator gen = new Generator(4);
        Linear first = new Linear(2, 2, true, Init.Scheme.DEFAULT, gen), big = new Linear(2, 2, true, Init.Scheme.DEFAULT, gen);
        try (var _ = GradMode.noGrad()) {
            first.weight().fill_(1);
            first.bias().zero_();
            big.weight().fill_(3e38);   // tanh(2) · 3e38 · 2 passes the float range (3.4e38)
        }
        Sequential model = new Sequential(first, new Activation.Tanh(), big);
        try (var _ = Anomaly.detect()) {
            var e = assertThrows(AnomalyException.class, () -> model.forward(Tensor.of(new float[] {1, 1}, 1, 2)));
            assertEquals("linear", e.op());
            assertTrue(e.getMessage().contains("from finite inputs: input 0 [1, 2]"), e.getMessage());
            assertTrue(e.getMessage().contains("input 1 [2, 2] min 3e+38 max 3e+38 mean 3e+38"), e.getMessage());
            assertTrue(e.location().endsWith(" in layer 2 (Linear(2 -> 2))"), e.location());
        }
    }

    @Test
    void anOptimizerStepThatOverflowsAParameterIsNamed() {
        Tensor w = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        Optimizer opt = new SGD(List.of(w), 1e37);
        try (var _ = Anomaly.detect()) {
            w.mul(Tensor.of(new float[] {100, 0})).sum().backward();
            var e = assertThrows(AnomalyException.class, opt::step);
            assertEquals(AnomalyException.Phase.STEP, e.phase());
            assertEquals("SGD", e.op());
            assertTrue(e.getMessage().startsWith("SGD step made a parameter [2] non-finite: 1 -Inf of 2 values, from its "
                    + "gradient [2] min 0 max 100 mean 50 at lr 1e+37"), e.getMessage());
        }
    }

    @Test
    void aNodeMadeBeforeDetectionIsReportedWithoutALocation() {
        Tensor x = Tensor.of(new float[] {0, 1}).requiresGrad(true);
        Tensor y = x.sqrt().sum();   // made with detection off: no site recorded
        try (var _ = Anomaly.detect()) {
            var e = assertThrows(AnomalyException.class, y::backward);
            assertEquals("sqrt", e.op());
            assertNull(e.location());
            assertTrue(e.getMessage().endsWith("sqrt was made before anomaly detection was turned on"), e.getMessage());
        }
    }

    @Test
    void scopesNestAndRestore() {
        Tensor zero = Tensor.of(new float[] {0});
        try (var _ = Anomaly.detect()) {
            assertTrue(Anomaly.isEnabled());
            try (var _ = Anomaly.set(false)) {
                assertFalse(Anomaly.isEnabled());
                assertEquals(Double.NEGATIVE_INFINITY, zero.log().item());
            }
            assertTrue(Anomaly.isEnabled());
            assertThrows(AnomalyException.class, zero::log);
            try (var _ = Anomaly.detect()) {
                assertTrue(Anomaly.isEnabled());
            }
            assertTrue(Anomaly.isEnabled());
        }
        assertFalse(Anomaly.isEnabled());
        assertEquals(Double.NEGATIVE_INFINITY, zero.log().item());
    }

    @Test
    void detectionIsPerThread() throws InterruptedException {
        AtomicReference<Object> seen = new AtomicReference<>();
        try (var _ = Anomaly.detect()) {
            Thread t = new Thread(() -> seen.set(Anomaly.isEnabled() ? "enabled" : Tensor.of(new float[] {0}).log().item()));
            t.start();
            t.join();
            assertThrows(AnomalyException.class, () -> Tensor.of(new float[] {0}).log());
        }
        assertEquals(Double.NEGATIVE_INFINITY, seen.get(), "another thread is not checked");
    }

    /** Trains a model for a few steps, recording the losses. */
    static List<Double> train(Module model, Tensor x, Tensor y, Optimizer opt, int steps) {
        List<Double> losses = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(model.forward(x), y);
            loss.backward();
            opt.step();
            losses.add(loss.item());
        }
        try (var _ = GradMode.noGrad()) {
            model.eval();
            losses.add(Functional.crossEntropy(model.forward(x), y).item());
            model.train();
        }
        return losses;
    }

    static Sequential mlp(long seed) {
        Generator g = new Generator(seed);
        return new Sequential(new Linear(8, 16, true, Init.Scheme.DEFAULT, g), new Activation.ReLU(),
                new Linear(16, 16, true, Init.Scheme.DEFAULT, g), new Activation.Sigmoid(), new Dropout(0.2, g),
                new Linear(16, 3, true, Init.Scheme.DEFAULT, g));
    }

    static Sequential cnn(long seed) {
        Generator g = new Generator(seed);
        return new Sequential(new Conv2d(1, 4, 3, g), new BatchNorm2d(4), new Activation.ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(4 * 3 * 3, 3, true, Init.Scheme.DEFAULT, g));
    }

    @Test
    void normalTrainingRaisesNothingAndGivesTheSameNumbers() {
        Generator data = new Generator(7);
        Tensor x = Tensor.randn(data, 12, 8);
        Tensor img = Tensor.randn(data, 12, 1, 8, 8);
        Tensor y = Tensor.of(new long[] {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2});
        Sequential a = mlp(5), b = mlp(5), c = cnn(6), d = cnn(6);
        List<Double> plainMlp = train(a, x, y, new Adam(a.parameters(), 0.01), 5);
        List<Double> plainCnn = train(c, img, y, new SGD(c.parameters(), 0.1).momentum(0.9), 5);
        List<Double> checkedMlp, checkedCnn;
        try (var _ = Anomaly.detect()) {
            checkedMlp = train(b, x, y, new Adam(b.parameters(), 0.01), 5);
            checkedCnn = train(d, img, y, new SGD(d.parameters(), 0.1).momentum(0.9), 5);
        }
        assertEquals(plainMlp, checkedMlp, "detection observes, it changes no value");
        assertEquals(plainCnn, checkedCnn);
        assertTrue(plainMlp.getLast() < plainMlp.getFirst() && plainCnn.getLast() < plainCnn.getFirst(), "they trained");
    }
}
