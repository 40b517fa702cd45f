package dev.backprop;

import dev.backprop.autograd.GradCheck;
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
import dev.backprop.nn.Parameter;
import dev.backprop.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link GradCheck#checkModule}: passes right gradients in both modes, catches wrong ones, survives kinks. */
class GradCheckModuleTest {
    static Sequential cnn(Generator g, double dropout) {
        return new Sequential(new Conv2d(2, 4, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, false, g),
                new BatchNorm2d(4), new Activation.ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(4 * 3 * 3, 16, true, Init.Scheme.DEFAULT, g), new Activation.Tanh(), new Dropout(dropout, g),
                new Linear(16, 5, true, Init.Scheme.DEFAULT, g));
    }

    static final Tensor LABELS = Tensor.of(new long[] {0, 4, 2}, 3);

    @Test
    void aSmallCnnPassesInTrainingAndEvaluationModeWithADropoutMaskFixedBySeed() {
        Generator g = new Generator(1);
        Sequential m = cnn(g, 0.3);
        m.toDouble();
        Tensor x = Tensor.randn(new Generator(2), DType.FLOAT64, 3, 2, 6, 6);
        Function<Tensor, Tensor> f = in -> {
            g.reseed(99); // the same dropout mask at every call
            return Functional.crossEntropy(m.forward(in), LABELS);
        };
        GradCheck.ModuleResult train = GradCheck.checkModule(m, f, x).orThrow();
        assertEquals(List.of("0.weight", "1.weight", "1.bias", "5.weight", "5.bias", "8.weight", "8.bias"),
                train.parameters().stream().map(GradCheck.Entry::name).toList());
        assertEquals("input", train.input().name());
        GradCheck.Entry conv = train.parameters().getFirst();
        assertEquals(72, conv.numel());
        assertEquals(8, conv.elements(), "a sample of the default 8 elements");
        assertEquals(2, conv.directions());
        GradCheck.Entry bias = train.parameters().getLast();
        assertEquals(5, bias.elements(), "every element of a small parameter");
        assertEquals(0, bias.directions(), "no directions when every element was checked");
        assertTrue(train.maxError() < 1e-7, "max error " + train.maxError());

        m.eval();
        GradCheck.ModuleResult eval = GradCheck.checkModule(m, f, x).orThrow();
        assertTrue(eval.passed());
        assertTrue(Math.abs(eval.value() - train.value()) > 1e-6, "evaluation mode is another function");
    }

    /** y = x·wᵀ as a module whose weight gradient is off by a factor: the value is right, the slope is not. */
    static final class WrongLinear extends Module {
        final Parameter weight;
        final double factor;
        final int[] onlyElement;

        WrongLinear(int in, int out, double factor, int[] onlyElement) {
            weight = registerParameter("weight", Tensor.randn(new Generator(3), DType.FLOAT64, out, in));
            this.factor = factor;
            this.onlyElement = onlyElement;
        }

        @Override
        public Tensor forward(Tensor x) {
            // w + (c·w·M − (c·w·M).detach()) has w's value and the gradient (1 + c·M)·g: wrong where the mask M is 1.
            Tensor mask = Tensor.ones(DType.FLOAT64, weight.shape());
            if (onlyElement != null) {
                mask = Tensor.zeros(DType.FLOAT64, weight.shape());
                try (var s = GradMode.noGrad()) {
                    mask.set(1, onlyElement);
                }
            }
            Tensor extra = weight.mul(mask).mul(factor - 1);
            return x.matmul(weight.add(extra.sub(extra.detach())).t());
        }
    }

    @Test
    void aGradientOffByAFactorFailsAndIsNamed() {
        Sequential m = new Sequential(new Linear(6, 5, true, Init.Scheme.DEFAULT, new Generator(4)), new Activation.Sigmoid(),
                new WrongLinear(5, 3, 1.001, null));
        Tensor x = Tensor.randn(new Generator(5), DType.FLOAT64, 4, 6);
        Tensor y = Tensor.of(new long[] {0, 1, 2, 1}, 4);
        m.toDouble();
        GradCheck.ModuleResult r = GradCheck.checkModule(m, in -> Functional.crossEntropy(m.forward(in), y), x);
        assertFalse(r.passed());
        Map<String, GradCheck.Entry> byName = new java.util.HashMap<>();
        for (GradCheck.Entry e : r.entries()) byName.put(e.name(), e);
        assertFalse(byName.get("2.weight").passed());
        assertTrue(byName.get("2.weight").maxError() > 5e-4, "a 0.1% error: " + byName.get("2.weight").maxError());
        assertTrue(byName.get("0.weight").passed() && byName.get("0.bias").passed() && byName.get("input").passed(),
                "the gradients that flow on from there are right");
        AssertionError e = assertThrows(AssertionError.class, r::orThrow);
        assertTrue(e.getMessage().contains("2.weight"), e.getMessage());
    }

    /**
     * The noise floor grows as 1/ε, so a tiny ε would judge every derivative against a huge scale and pass a wrong
     * gradient (a review found one 50% off passing at ε = 1e-300): the smallest accepted ε still catches it, and a
     * smaller one is refused.
     */
    @Test
    void aHalfWrongGradientFailsAtEveryAcceptedStepAndTooSmallAStepIsRefused() {
        for (double eps : new double[] {1e-3, GradCheck.MODULE_EPS, GradCheck.MIN_MODULE_EPS}) {
            WrongLinear w = new WrongLinear(6, 4, 0.5, null);
            Tensor x = Tensor.randn(new Generator(9), DType.FLOAT64, 3, 6);
            Tensor y = Tensor.of(new long[] {0, 3, 1}, 3);
            GradCheck.ModuleOptions o = new GradCheck.ModuleOptions(eps, GradCheck.TOLERANCE, 8, 2, 1);
            GradCheck.ModuleResult r = GradCheck.checkModule(w, in -> Functional.crossEntropy(w.forward(in), y), x, o);
            assertFalse(r.parameters().getFirst().passed(), "eps " + eps + ": " + r.parameters().getFirst().result());
        }
        IllegalArgumentException tiny = assertThrows(IllegalArgumentException.class,
                () -> new GradCheck.ModuleOptions(1e-12, GradCheck.TOLERANCE, 8, 2, 1));
        assertTrue(tiny.getMessage().contains("eps must be between 1.0E-8 and 0.1"), tiny.getMessage());
    }

    @Test
    void oneWrongElementOfALargeParameterIsCaughtByTheRandomDirections() {
        WrongLinear w = new WrongLinear(40, 30, 3, new int[] {17, 23});
        Tensor x = Tensor.randn(new Generator(6), DType.FLOAT64, 5, 40);
        GradCheck.ModuleOptions one = new GradCheck.ModuleOptions(GradCheck.EPS, GradCheck.TOLERANCE, 1, 2, 1);
        GradCheck.ModuleResult r = GradCheck.checkModule(w, in -> w.forward(in).tanh().sum(), x, one);
        GradCheck.Entry e = r.parameters().getFirst();
        assertEquals(1, e.elements());
        assertFalse(e.passed(), e.result().toString());
        assertTrue(e.result().failures().stream().allMatch(s -> s.contains("direction")), "the sampled element is another: "
                + e.result().failures());
    }

    @Test
    void aStepAcrossAReluKinkIsReCheckedAndCounted() {
        Module kinked = new Module() {
            final Parameter p = registerParameter("p", Tensor.of(new double[] {3e-7, -2.5, 1.5}, 3));

            @Override
            public Tensor forward(Tensor x) {
                return p.relu().mul(x);
            }
        };
        Tensor x = Tensor.of(new double[] {1, 2, 3}, 3);
        // Central differences with the default ε = 1e-5 at p₀ = 3e-7 straddle relu's kink at 0: (1.03e-5 − 0) / 2e-5 ≈ 0.52,
        // not 1; the forward one-sided difference (1.03e-5 − 3e-7) / 1e-5 = 1 is on p₀'s side.
        GradCheck.ModuleResult r = GradCheck.checkModule(kinked, in -> kinked.forward(in).sum(), x).orThrow();
        GradCheck.Entry p = r.parameters().getFirst();
        assertEquals(1, p.kinks(), p.result().toString());
        assertTrue(p.result().worst().isEmpty() || p.maxError() < 1e-9, p.result().toString());
    }

    @Test
    void everyParameterAndBufferIsRestoredAndGradsAreLeftAlone() {
        Generator g = new Generator(7);
        Sequential m = cnn(g, 0);
        m.toDouble();
        Map<String, double[]> before = new java.util.HashMap<>();
        for (var e : m.stateDict().entrySet()) before.put(e.getKey(), e.getValue().toDoubleArray());
        Tensor x = Tensor.randn(g, DType.FLOAT64, 3, 2, 6, 6);
        GradCheck.checkModule(m, in -> Functional.crossEntropy(m.forward(in), LABELS), x).orThrow();
        for (var e : m.stateDict().entrySet()) assertArrayEquals(before.get(e.getKey()), e.getValue().toDoubleArray(), 0, e.getKey());
        for (Parameter p : m.parameters()) assertNull(p.grad());
    }

    @Test
    void misuseIsRefused() {
        Generator g = new Generator(8);
        Sequential m = cnn(g, 0.5);
        Tensor x = Tensor.randn(g, DType.FLOAT64, 3, 2, 6, 6);
        Function<Tensor, Tensor> f = in -> Functional.crossEntropy(m.forward(in), LABELS);
        IllegalArgumentException f32 = assertThrows(IllegalArgumentException.class, () -> GradCheck.checkModule(m, f, x));
        assertTrue(f32.getMessage().contains("toDouble()"), f32.getMessage());
        m.toDouble();
        IllegalArgumentException random = assertThrows(IllegalArgumentException.class, () -> GradCheck.checkModule(m, f, x));
        assertTrue(random.getMessage().contains("not deterministic"), random.getMessage());
        IllegalArgumentException notScalar = assertThrows(IllegalArgumentException.class,
                () -> GradCheck.checkModule(m.eval(), m::forward, x));
        assertTrue(notScalar.getMessage().contains("scalar"), notScalar.getMessage());
    }
}
