package dev.backprop.nn;

import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.GradMode;
import dev.backprop.Tensor;
import dev.backprop.optim.Adam;
import dev.backprop.optim.Optimizer;
import dev.backprop.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Module#to}: PyTorch's {@code module.to(dtype)}, converting parameters and buffers in place. */
class ModuleToTest {
    /** conv → batch norm → relu → pool → flatten → linear, as cnn-bn is built, with trained running statistics. */
    static Sequential cnn(long seed) {
        Generator g = new Generator(seed);
        Sequential m = new Sequential(new Conv2d(1, 3, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, false, g),
                new BatchNorm2d(3), new Activation.ReLU(), new MaxPool2d(2), new Flatten(), new Linear(3 * 3 * 3, 4, true, Init.Scheme.DEFAULT, g));
        try (var s = GradMode.noGrad()) {
            m.forward(Tensor.randn(g, DType.FLOAT32, 5, 1, 6, 6)); // moves the running statistics off 0 and 1
        }
        return m;
    }

    @Test
    void aConvertedModelComputesTheSameOutputsInFloat64() {
        Sequential m = cnn(1);
        Tensor x = Tensor.randn(new Generator(2), DType.FLOAT32, 2, 1, 6, 6);
        for (boolean training : new boolean[] {true, false}) {
            Sequential a = cnn(1), b = cnn(1);
            if (!training) {
                a.eval();
                b.eval();
            }
            Tensor before;
            try (var s = GradMode.noGrad()) {
                before = a.forward(x);
                b.toDouble();
                Tensor after = b.forward(x.toDouble());
                assertEquals(DType.FLOAT64, after.dtype());
                double[] e = before.toDoubleArray(), v = after.toDoubleArray();
                for (int i = 0; i < e.length; i++) assertEquals(e[i], v[i], 1e-5 * Math.max(1, Math.abs(e[i])), (training ? "train" : "eval") + " output " + i);
            }
        }
        assertSame(m, m.to(DType.FLOAT32), "to returns the module; converting to the type it has changes nothing");
    }

    @Test
    void theStateDictHasTheNewTypeAndIntegerBuffersKeepTheirs() {
        Sequential m = cnn(3);
        Map<String, Tensor> before = m.stateDict();
        long batches = m.namedBuffers().get("1.num_batches_tracked").toLongArray()[0];
        m.toDouble();
        Map<String, Tensor> after = m.stateDict();
        assertEquals(before.keySet(), after.keySet());
        for (var e : after.entrySet()) {
            if (e.getKey().endsWith("num_batches_tracked")) {
                assertEquals(DType.INT64, e.getValue().dtype(), e.getKey());
                assertEquals(batches, e.getValue().toLongArray()[0]);
            } else {
                assertEquals(DType.FLOAT64, e.getValue().dtype(), e.getKey());
                // float32 → float64 is exact.
                assertArrayEquals(before.get(e.getKey()).toDoubleArray(), e.getValue().toDoubleArray(), 0, e.getKey());
            }
        }
        // The state dict taken before keeps the old type and values (it views the old storage, as in PyTorch).
        assertEquals(DType.FLOAT32, before.get("0.weight").dtype());
    }

    @Test
    void parametersAndBuffersStayTheSameObjects() {
        Sequential m = cnn(4);
        List<Parameter> params = m.parameters();
        Linear fc = (Linear) m.layers().get(5);
        BatchNorm2d bn = (BatchNorm2d) m.layers().get(1);
        Tensor runningMean = bn.runningMean();
        m.toDouble();
        List<Parameter> now = m.parameters();
        assertEquals(params.size(), now.size());
        for (int i = 0; i < params.size(); i++) assertSame(params.get(i), now.get(i));
        assertSame(fc.weight(), m.namedParameters().get("5.weight"));
        assertSame(runningMean, m.namedBuffers().get("1.running_mean"));
        assertEquals(DType.FLOAT64, fc.weight().dtype());
        assertEquals(DType.FLOAT64, runningMean.dtype());
        assertTrue(fc.weight().requiresGrad() && fc.weight().isLeaf());
    }

    @Test
    void optimizersStepInFloat64AfterConversion() {
        Generator g = new Generator(5);
        Tensor x = Tensor.randn(g, DType.FLOAT64, 8, 1, 6, 6);
        Tensor y = Tensor.of(new long[] {0, 1, 2, 3, 0, 1, 2, 3}, 8);
        Sequential early = cnn(6);
        // Made before the conversion, stepped only after: it holds the same parameter objects.
        Optimizer sgd = new SGD(early.parameters(), 0.1);
        early.toDouble();
        Sequential late = cnn(6);
        late.toDouble();
        Optimizer adam = new Adam(late.parameters(), 0.01);
        for (var pair : List.of(Map.entry(early, sgd), Map.entry(late, adam))) {
            Sequential m = pair.getKey();
            Optimizer opt = pair.getValue();
            double first = Double.NaN, last = Double.NaN;
            for (int step = 0; step < 20; step++) {
                opt.zeroGrad();
                Tensor loss = Functional.crossEntropy(m.forward(x), y);
                loss.backward();
                opt.step();
                if (step == 0) first = loss.item();
                last = loss.item();
            }
            assertTrue(last < first, opt.getClass().getSimpleName() + ": loss " + first + " -> " + last);
            for (Parameter p : m.parameters()) {
                assertEquals(DType.FLOAT64, p.dtype());
                assertEquals(DType.FLOAT64, p.grad().dtype());
            }
        }
    }

    @Test
    void float32ToFloat64AndBackIsExact() {
        Sequential m = cnn(7);
        Map<String, Tensor> before = Map.copyOf(m.stateDict());
        m.toDouble().toFloat();
        for (var e : m.stateDict().entrySet()) {
            Tensor was = before.get(e.getKey());
            assertEquals(was.dtype(), e.getValue().dtype(), e.getKey());
            assertArrayEquals(was.toDoubleArray(), e.getValue().toDoubleArray(), 0, e.getKey());
        }
        // float64 → float32 rounds to nearest.
        Linear l = new Linear(1, 1, false, Init.Scheme.ZEROS, new Generator(1));
        l.toDouble();
        try (var s = GradMode.noGrad()) {
            l.weight().fill_(0.1);
        }
        l.toFloat();
        assertEquals((float) 0.1, l.weight().toFloatArray()[0]);
    }

    @Test
    void gradientsAreConvertedToo() {
        Sequential m = cnn(8);
        Functional.crossEntropy(m.forward(Tensor.randn(new Generator(9), DType.FLOAT32, 4, 1, 6, 6)), Tensor.of(new long[] {0, 1, 2, 3}, 4)).backward();
        Map<String, double[]> grads = new java.util.HashMap<>();
        for (var e : m.namedParameters().entrySet()) grads.put(e.getKey(), e.getValue().grad().toDoubleArray());
        m.toDouble();
        for (var e : m.namedParameters().entrySet()) {
            Tensor g = e.getValue().grad();
            assertNotNull(g, e.getKey());
            assertEquals(DType.FLOAT64, g.dtype(), e.getKey());
            assertArrayEquals(grads.get(e.getKey()), g.toDoubleArray(), 0, e.getKey());
        }
        m.zeroGrad();
        m.toFloat();
        for (Parameter p : m.parameters()) assertNull(p.grad(), "no gradient stays none");
    }

    @Test
    void aGraphRecordedBeforeTheConversionRefusesBackward() {
        Linear l = new Linear(3, 2, true, Init.Scheme.DEFAULT, new Generator(10));
        Tensor loss = l.forward(Tensor.ones(2, 3)).square().sum();
        l.toDouble();
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("modified by an in-place operation"), e.getMessage());
    }

    @Test
    void misuseIsRefusedWithAMessage() {
        Linear l = new Linear(3, 2);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> l.to(DType.INT64));
        assertTrue(bad.getMessage().contains("float32 or float64"), bad.getMessage());
        // setData: a leaf of the same shape, under no-grad when it requires grad.
        IllegalStateException inGrad = assertThrows(IllegalStateException.class, () -> l.weight().setData(Tensor.zeros(2, 3)));
        assertTrue(inGrad.getMessage().contains("GradMode.noGrad()"), inGrad.getMessage());
        try (var s = GradMode.noGrad()) {
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> l.weight().setData(Tensor.zeros(3, 2)));
            assertTrue(shape.getMessage().contains("[3, 2]") && shape.getMessage().contains("[2, 3]"), shape.getMessage());
            assertThrows(IllegalArgumentException.class, () -> l.weight().setData(Tensor.zeros(DType.INT64, 2, 3)));
        }
        Tensor leaf = Tensor.ones(2).requiresGrad(true);
        Tensor computed = leaf.mul(2);
        try (var s = GradMode.noGrad()) {
            assertThrows(IllegalStateException.class, () -> computed.setData(Tensor.zeros(2)));
            // A plain tensor takes new data of another type.
            Tensor t = Tensor.zeros(2);
            t.setData(Tensor.of(new double[] {1, 2}, 2));
            assertEquals(DType.FLOAT64, t.dtype());
            assertArrayEquals(new double[] {1, 2}, t.toDoubleArray(), 0);
        }
    }
}
