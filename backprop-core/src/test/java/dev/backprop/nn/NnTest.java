package dev.backprop.nn;

import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.Tensor;
import dev.backprop.autograd.GradCheck;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Modules: names, modes, initialisation, dropout (DROPOUT-RATE from shared/cases). */
class NnTest {
    static Sequential mlp() {
        Generator g = new Generator(1);
        return new Sequential(new Flatten(), new Linear(4, 3, true, Init.Scheme.DEFAULT, g), new Activation.ReLU(), new Dropout(0.5, g),
                new Linear(3, 2, false, Init.Scheme.DEFAULT, g));
    }

    @Test
    void parametersAreNamedAsInPyTorch() {
        Sequential m = mlp();
        assertEquals(List.of("1.weight", "1.bias", "4.weight"), List.copyOf(m.namedParameters().keySet()));
        assertEquals(4 * 3 + 3 + 3 * 2, m.parameterCount());
        assertTrue(m.parameters().stream().allMatch(Tensor::requiresGrad));
        assertEquals(m.namedParameters().keySet(), m.stateDict().keySet());
        assertTrue(m.toString().contains("(1): Linear(4 -> 3)"), m.toString());
    }

    @Test
    void aSharedLayerCountsOnce() {
        Linear shared = new Linear(3, 3);
        Sequential m = new Sequential(shared, new Activation.Tanh(), shared);
        assertEquals(2, m.parameters().size(), "weight and bias, once");
        Tensor x = Tensor.randn(new Generator(2), 2, 3);
        m.forward(x).sum().backward();
        assertTrue(shared.weight().grad() != null, "the shared weight gets the gradient of both uses");
    }

    @Test
    void trainAndEvalReachEveryChild() {
        Sequential m = mlp();
        m.eval();
        assertTrue(m.layers().stream().noneMatch(Module::isTraining));
        m.train();
        assertTrue(m.layers().stream().allMatch(Module::isTraining));
    }

    @Test
    void dropoutRate() {
        // DROPOUT-RATE: drop probability 0.2 on a million ones.
        Dropout d = new Dropout(0.2, new Generator(3));
        Tensor y = d.forward(Tensor.ones(1_000_000));
        float[] v = y.toFloatArray();
        long zeros = 0;
        double sum = 0;
        for (float f : v) {
            if (f == 0) zeros++;
            else assertEquals(1.25f, f, 0f, "survivors are scaled by exactly 1/(1-p)");
            sum += f;
        }
        assertEquals(0.2, zeros / 1e6, 0.002);
        assertEquals(1.0, sum / 1e6, 0.0025);
        d.eval();
        Tensor x = Tensor.randn(new Generator(4), 5, 5);
        assertSame(x, d.forward(x), "evaluation returns the input unchanged");
        assertEquals(0.2, d.p(), "the argument is the drop probability");
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.0));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(-0.1));
    }

    @Test
    void dropoutGradientFollowsTheMask() {
        Dropout d = new Dropout(0.5, new Generator(5));
        Tensor x = Tensor.ones(DType.FLOAT64, 1000).requiresGrad(true);
        Tensor y = d.forward(x);
        y.sum().backward();
        assertArrayEquals(y.toDoubleArray(), x.grad().toDoubleArray(), "∂y/∂x is the scaled mask itself");
    }

    @Test
    void linearIsGradientChecked() {
        Generator g = new Generator(6);
        Linear l = new Linear(5, 4, true, Init.Scheme.DEFAULT, g);
        Tensor w = l.weight().toDouble().detach().requiresGrad(true), b = l.bias().toDouble().detach().requiresGrad(true);
        Tensor x = Tensor.randn(g, DType.FLOAT64, 3, 5).requiresGrad(true);
        GradCheck.check(in -> Functional.linear(in[0], in[1], in[2]).tanh(), x, w, b).orThrow();
        var e = assertThrows(IllegalArgumentException.class, () -> l.forward(Tensor.zeros(3, 6)));
        assertTrue(e.getMessage().contains("[3, 6]"), e.getMessage());
    }

    @Test
    void sequentialFusesLinearAndReluWithoutChangingTheResult() {
        // Sequential runs Linear→ReLU as one op; the values and every gradient must equal the two layers run apart.
        Generator g = new Generator(5);
        Linear a = new Linear(6, 5, true, Init.Scheme.DEFAULT, g), b = new Linear(5, 3, false, Init.Scheme.DEFAULT, g);
        Sequential fused = new Sequential(a, new Activation.ReLU(), b, new Activation.ReLU());
        Tensor x = Tensor.randn(g, 7, 6).requiresGrad(true);
        Tensor y = fused.forward(x);
        y.square().sum().backward();
        float[] gx = x.grad().toFloatArray(), ga = a.weight().grad().toFloatArray(), gab = a.bias().grad().toFloatArray(),
                gb = b.weight().grad().toFloatArray();
        fused.zeroGrad();
        x.zeroGrad();
        Tensor apart = b.forward(a.forward(x).relu()).relu();
        apart.square().sum().backward();
        assertArrayEquals(apart.toFloatArray(), y.toFloatArray(), 1e-6f);
        assertArrayEquals(x.grad().toFloatArray(), gx, 1e-6f);
        assertArrayEquals(a.weight().grad().toFloatArray(), ga, 1e-6f);
        assertArrayEquals(a.bias().grad().toFloatArray(), gab, 1e-6f);
        assertArrayEquals(b.weight().grad().toFloatArray(), gb, 1e-6f);
        assertEquals("linearRelu", y.gradFn().op().name(), "the last node is the fused op");
    }

    @Test
    void initialisationFollowsTheFormulas() {
        Generator g = new Generator(7);
        Tensor w = Tensor.zeros(DType.FLOAT64, 400, 300);
        Init.xavierUniform_(w, 1, g);
        double a = Math.sqrt(6.0 / 700);
        double[] v = w.toDoubleArray();
        assertTrue(java.util.Arrays.stream(v).allMatch(x -> Math.abs(x) <= a));
        assertEquals(a * a / 3, variance(v), a * a / 3 * 0.03, "uniform(−a, a) has variance a²/3");
        Init.kaimingNormal_(w, 0, false, "relu", g);
        assertEquals(2.0 / 300, variance(w.toDoubleArray()), 2.0 / 300 * 0.03, "He: variance 2/fan_in");
        Init.kaimingUniform_(w, 0, false, "relu", g);
        assertEquals(2.0 / 300, variance(w.toDoubleArray()), 2.0 / 300 * 0.03);
        Init.xavierNormal_(w, 1, g);
        assertEquals(2.0 / 700, variance(w.toDoubleArray()), 2.0 / 700 * 0.03);
        Linear l = new Linear(300, 400, true, Init.Scheme.DEFAULT, g);
        double bound = 1 / Math.sqrt(300);
        assertTrue(java.util.Arrays.stream(l.weight().toDoubleArray()).allMatch(x -> Math.abs(x) <= bound));
        assertTrue(java.util.Arrays.stream(l.bias().toDoubleArray()).allMatch(x -> Math.abs(x) <= bound));
        assertEquals(Init.Scheme.KAIMING_NORMAL, Init.Scheme.parse("he-normal"));
        assertThrows(IllegalArgumentException.class, () -> Init.Scheme.parse("orthogonal"));
    }

    static double variance(double[] v) {
        double m = java.util.Arrays.stream(v).average().orElseThrow();
        return java.util.Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / v.length;
    }

    @Test
    void activationsByName() {
        for (String n : List.of("relu", "leaky-relu", "sigmoid", "tanh", "gelu", "identity")) {
            assertFalse(Activation.of(n).describe().isEmpty());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Activation.of("swish"));
        assertTrue(e.getMessage().contains("relu"), e.getMessage());
    }
}
