package dev.backprop.nn;

import dev.backprop.Generator;
import dev.backprop.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forward hooks (registered, run in call, removed), namedModules, and the Residual block. */
class HooksAndResidualTest {
    private static Sequential net(long seed) {
        Generator g = new Generator(seed);
        return new Sequential(new Linear(3, 4, true, Init.Scheme.DEFAULT, g), new Activation.ReLU(),
                new Linear(4, 2, true, Init.Scheme.DEFAULT, g));
    }

    @Test
    void aHookSeesTheInputAndOutputOfEachCallAndStopsWhenRemoved() {
        Sequential m = net(1);
        Module relu = m.layers().get(1);
        List<Tensor[]> seen = new ArrayList<>();
        Module.HookHandle h = relu.registerForwardHook((mod, in, out) -> {
            assertSame(relu, mod);
            seen.add(new Tensor[] {in, out});
        });
        assertTrue(relu.hasForwardHooks());
        Tensor x = Tensor.randn(new Generator(2), 5, 3);
        Tensor y = m.call(x);
        assertEquals(1, seen.size());
        // The ReLU's input is the first linear layer's output; its output, that clamped at 0.
        Tensor pre = m.layers().get(0).forward(x);
        assertArrayEquals(pre.toFloatArray(), seen.get(0)[0].toFloatArray(), 0f);
        assertArrayEquals(pre.relu().toFloatArray(), seen.get(0)[1].toFloatArray(), 0f);
        // Hooked, the Linear+ReLU pair runs unfused; the result is the same as the fused run's.
        h.remove();
        assertFalse(relu.hasForwardHooks());
        assertArrayEquals(m.forward(x).toFloatArray(), y.toFloatArray(), 1e-6f);
        m.call(x);
        assertEquals(1, seen.size(), "a removed hook does not run");
        h.remove(); // again: nothing happens
    }

    @Test
    void hooksRunInRegistrationOrderAndForwardBypassesThem() {
        Linear lin = new Linear(2, 2);
        List<String> order = new ArrayList<>();
        lin.registerForwardHook((m, i, o) -> order.add("a"));
        try (Module.HookHandle b = lin.registerForwardHook((m, i, o) -> order.add("b"))) {
            lin.call(Tensor.ones(1, 2));
            lin.forward(Tensor.ones(1, 2));
        }
        lin.call(Tensor.ones(1, 2));
        assertEquals(List.of("a", "b", "a"), order);
    }

    @Test
    void namedModulesListsEveryModuleInPreOrderWithDottedPaths() {
        Residual block = new Residual(new Linear(4, 4), new Activation.Sigmoid());
        Sequential m = new Sequential(new Linear(3, 4), block, new Linear(4, 2));
        assertEquals(List.of("", "0", "1", "1.0", "1.1", "2"), new ArrayList<>(m.namedModules().keySet()));
        assertSame(block.layers().get(0), m.namedModules().get("1.0"));
        assertTrue(m.namedParameters().containsKey("1.0.weight"), m.namedParameters().keySet().toString());
        assertEquals(6, m.parameters().size(), "the block's layers are counted once");
    }

    @Test
    void residualAddsItsInputAndPassesTheGradientThroughTheSkip() {
        Generator g = new Generator(3);
        Linear lin = new Linear(3, 3, false, Init.Scheme.DEFAULT, g);
        Residual r = new Residual(lin);
        Tensor x = Tensor.randn(g, 2, 3).requiresGrad(true);
        Tensor y = r.call(x);
        assertArrayEquals(x.add(lin.forward(x)).toFloatArray(), y.toFloatArray(), 1e-6f);
        y.sum().backward();
        // ∂(x + xWᵀ)/∂x summed over outputs: 1 + column sums of W, for each row of x.
        float[] w = lin.weight().toFloatArray();
        float[] want = new float[6];
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) want[i * 3 + j] = 1 + w[j] + w[3 + j] + w[6 + j];
        assertArrayEquals(want, x.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void hooksOnLayersInsideAResidualBlockRun() {
        Activation.ReLU relu = new Activation.ReLU();
        Sequential m = new Sequential(new Linear(3, 4), new Residual(new Linear(4, 4), relu), new Linear(4, 2));
        int[] calls = {0};
        relu.registerForwardHook((mod, in, out) -> calls[0]++);
        m.call(Tensor.ones(2, 3));
        assertEquals(1, calls[0]);
    }

    @Test
    void residualRejectsAShapeChangeAndAnEmptyBody() {
        Residual r = new Residual(new Linear(3, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.forward(Tensor.ones(1, 3)));
        assertTrue(e.getMessage().contains("same shape"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Residual(List.of()));
    }
}
