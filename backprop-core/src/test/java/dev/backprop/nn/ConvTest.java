package dev.backprop.nn;

import dev.backprop.Backprop;
import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.GradMode;
import dev.backprop.Tensor;
import dev.backprop.autograd.GradCheck;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Conv2d and Conv1d modules, the functional convolutions' errors, and second derivatives through convolution. */
class ConvTest {
    static int[] ints(int... v) {
        return v;
    }

    @Test
    void conv2dModuleAsPyTorch() {
        Conv2d c = new Conv2d(1, 32, ints(3, 3), ints(1, 1), ints(1, 1), ints(1, 1), 1, false, new Generator(1));
        assertEquals("Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)", c.describe());
        assertEquals(List.of("weight"), List.copyOf(c.stateDict().keySet()));
        assertArrayEquals(ints(32, 1, 3, 3), c.weight().shape());
        assertFalse(c.hasBias());
        assertNull(c.bias());

        Conv2d d = new Conv2d(4, 6, ints(2, 3), ints(2, 1), ints(1, 0), ints(2, 2), 2, true, new Generator(2));
        assertEquals("Conv2d(4, 6, kernel_size=(2, 3), stride=(2, 1), padding=(1, 0), dilation=(2, 2), groups=2)", d.describe());
        assertEquals(List.of("weight", "bias"), List.copyOf(d.stateDict().keySet()));
        assertArrayEquals(ints(6, 2, 2, 3), d.weight().shape());
        assertArrayEquals(ints(6), d.bias().shape());
        assertEquals(4, d.inChannels());
        assertEquals(6, d.outChannels());
        assertArrayEquals(ints(2, 3), d.kernelSize());
        assertArrayEquals(ints(2, 1), d.stride());
        assertArrayEquals(ints(1, 0), d.padding());
        assertArrayEquals(ints(2, 2), d.dilation());
        assertEquals(2, d.groups());
        assertTrue(d.hasBias());

        Conv2d simple = new Conv2d(3, 5, 3, new Generator(3));
        assertEquals("Conv2d(3, 5, kernel_size=(3, 3), stride=(1, 1))", simple.describe());
        assertArrayEquals(ints(2, 5, 6, 4), simple.forward(Tensor.zeros(2, 3, 8, 6)).shape());
        assertArrayEquals(ints(5, 6, 4), simple.forward(Tensor.zeros(3, 8, 6)).shape(), "unbatched input");
    }

    @Test
    void conv1dModuleAsPyTorch() {
        Conv1d c = new Conv1d(4, 8, 3, new Generator(1));
        assertEquals("Conv1d(4, 8, kernel_size=(3,), stride=(1,))", c.describe());
        assertEquals(List.of("weight", "bias"), List.copyOf(c.stateDict().keySet()));
        assertArrayEquals(ints(8, 4, 3), c.weight().shape());
        Conv1d d = new Conv1d(4, 8, 3, 2, 1, 2, 4, false, new Generator(1));
        assertEquals("Conv1d(4, 8, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,), groups=4, bias=False)", d.describe());
        assertEquals(List.of("weight"), List.copyOf(d.stateDict().keySet()));
        assertArrayEquals(ints(8, 1, 3), d.weight().shape());
        assertEquals(3, d.kernelSize());
        assertEquals(2, d.stride());
        assertEquals(1, d.padding());
        assertEquals(2, d.dilation());
        assertEquals(4, d.groups());
        assertArrayEquals(ints(2, 8, 4), d.forward(Tensor.zeros(2, 4, 9)).shape());
    }

    @Test
    void defaultInitIsPyTorchs() {
        // kaiming_uniform(a=√5): bound = √(6 / ((1 + 5)·fan_in)) = 1/√fan_in; bias U(±1/√fan_in).
        Conv2d c = new Conv2d(8, 64, ints(3, 3), ints(1, 1), ints(1, 1), ints(1, 1), 2, true, new Generator(4));
        double bound = 1 / Math.sqrt(4 * 9);
        for (Tensor t : List.of(c.weight(), c.bias())) {
            double[] v = t.toDoubleArray();
            double max = 0, sum = 0;
            for (double x : v) {
                assertTrue(Math.abs(x) <= bound, "within ±1/√fan_in: " + x);
                max = Math.max(max, Math.abs(x));
                sum += x;
            }
            assertTrue(max > 0.9 * bound, "uses the whole range, max " + max);
            assertTrue(Math.abs(sum / v.length) < 0.3 * bound, "centred");
        }
        Conv1d d = new Conv1d(3, 1000, 5, new Generator(5));
        double b1 = 1 / Math.sqrt(15);
        assertTrue(d.weight().abs().max().item() <= b1 && d.weight().abs().max().item() > 0.99 * b1);
        assertTrue(d.bias().abs().max().item() <= b1 && d.bias().abs().max().item() > 0.9 * b1);
        // Same generator, same numbers.
        assertArrayEquals(new Conv1d(3, 1000, 5, new Generator(5)).weight().toDoubleArray(), d.weight().toDoubleArray());
    }

    @Test
    void stateDictRoundTrips() {
        Conv2d a = new Conv2d(2, 3, 3, new Generator(1)), b = new Conv2d(2, 3, 3, new Generator(2));
        Map<String, Tensor> sd = a.stateDict();
        assertTrue(b.loadStateDict(sd, true).clean());
        Tensor x = Tensor.randn(new Generator(3), 1, 2, 5, 5);
        assertArrayEquals(a.forward(x).toDoubleArray(), b.forward(x).toDoubleArray());
    }

    @Test
    void shapeErrorsAreOneLineNamingBothShapes() {
        Tensor w = Tensor.zeros(4, 3, 5, 5);
        String m = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(Tensor.zeros(2, 3, 4, 4), w, null)).getMessage();
        assertEquals("conv2d: input [2, 3, 4, 4] with kernel 5×5, padding 0, dilation 1 gives an output of 0×0; "
                + "pad the input or use a smaller kernel", m);
        m = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(Tensor.zeros(2, 2, 9, 9), w, null)).getMessage();
        assertTrue(m.startsWith("conv2d: input [2, 2, 9, 9] has 2 channels but weight [4, 3, 5, 5] expects 3"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(Tensor.zeros(2, 9, 9), Tensor.zeros(3, 3, 3), null)).getMessage();
        assertTrue(m.startsWith("conv2d: expects input (N, C, H, W) or (C, H, W)") && m.contains("[2, 9, 9]") && m.contains("[3, 3, 3]"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(Tensor.zeros(1, 3, 9, 9), Tensor.zeros(4, 1, 3, 3), null,
                ints(1, 1), ints(0, 0), ints(1, 1), 3)).getMessage();
        assertTrue(m.contains("groups must divide") && m.contains("[1, 3, 9, 9]") && m.contains("[4, 1, 3, 3]"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(Tensor.zeros(1, 3, 9, 9), Tensor.zeros(4, 3, 3, 3),
                Tensor.zeros(3))).getMessage();
        assertTrue(m.startsWith("conv2d: bias [3]"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Functional.conv1d(Tensor.zeros(1, 2, 4), Tensor.zeros(3, 2, 3), null,
                1, 0, 2, 1)).getMessage();
        assertEquals("conv1d: input [1, 2, 4] with kernel 3, padding 0, dilation 2 gives an output of 0; "
                + "pad the input or use a smaller kernel", m);
        m = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(Tensor.zeros(1, 3, 9, 9), Tensor.zeros(4, 3, 3, 3), null,
                ints(0, 1), ints(0, 0), ints(1, 1), 1)).getMessage();
        assertTrue(m.startsWith("conv2d: stride and dilation must be ≥ 1"), m);
        for (String s : List.of(m)) assertFalse(s.contains("\n"));
    }

    @Test
    void conv1dIsConv2dOfHeightOne() {
        Generator g = new Generator(6);
        Tensor x = Tensor.randn(g, DType.FLOAT64, 2, 4, 11), w = Tensor.randn(g, DType.FLOAT64, 6, 2, 3), b = Tensor.randn(g, DType.FLOAT64, 6);
        Tensor y1 = Functional.conv1d(x, w, b, 2, 1, 2, 2);
        Tensor y2 = Functional.conv2d(x.unsqueeze(2), w.unsqueeze(2), b, ints(1, 2), ints(0, 1), ints(1, 2), 2).squeeze(2);
        assertArrayEquals(y2.toDoubleArray(), y1.toDoubleArray());
    }

    /** Second derivatives: the gradients of conv2d, differentiated again, against central differences. */
    @Test
    void doubleBackward() {
        Generator g = new Generator(7);
        int[][] params = {{1, 1, 0, 0, 1, 1, 1}, {2, 1, 1, 2, 1, 2, 2}, {1, 2, 2, 1, 2, 1, 1}};
        for (int[] q : params) {
            int[] s = {q[0], q[1]}, p = {q[2], q[3]}, d = {q[4], q[5]};
            int groups = q[6];
            Tensor x = Tensor.randn(g, DType.FLOAT64, 2, 2 * groups, 6, 5).requiresGrad(true);
            Tensor w = Tensor.randn(g, DType.FLOAT64, 2 * groups, 2, 2, 3).requiresGrad(true);
            int[] outShape = Functional.conv2d(x, w, null, s, p, d, groups).shape();
            Tensor gy = Tensor.randn(g, DType.FLOAT64, outShape).requiresGrad(true);
            GradCheck.check(in -> {
                try (var on = GradMode.enableGrad()) { // GradCheck evaluates f with grad mode off
                    Tensor y = Functional.conv2d(in[0], in[1], null, s, p, d, groups);
                    Tensor[] gs = Backprop.grad(y, new Tensor[] {in[0], in[1]}, in[2], true);
                    // A nonlinear function of both first-order gradients, so every second-order path is used.
                    return gs[0].tanh().sum().add(gs[1].square().sum()).add(gs[0].mul(in[0]).sum());
                }
            }, x, w, gy).orThrow();
        }
    }

    /** The gradient of a weight gradient (and of an input gradient), one more level: third-order terms. */
    @Test
    void gradientOpsDifferentiateEachOther() {
        Generator g = new Generator(8);
        int[] s = {2, 1}, p = {1, 0}, d = {1, 1};
        Tensor x = Tensor.randn(g, DType.FLOAT64, 1, 2, 5, 4).requiresGrad(true);
        Tensor w = Tensor.randn(g, DType.FLOAT64, 3, 2, 2, 2).requiresGrad(true);
        GradCheck.check(in -> {
            try (var on = GradMode.enableGrad()) {
                Tensor y = Functional.conv2d(in[0], in[1], null, s, p, d, 1);
                Tensor[] g1 = Backprop.grad(y.square().sum(), new Tensor[] {in[0], in[1]}, null, true);
                Tensor[] g2 = Backprop.grad(g1[0].square().sum().add(g1[1].square().sum()), new Tensor[] {in[0], in[1]}, null, true);
                return g2[0].sum().add(g2[1].square().sum());
            }
        }, x, w).orThrow();
    }

    /** End to end: a tiny CNN learns to tell vertical from horizontal bars (translation needs the convolution). */
    @Test
    void aSmallCnnLearnsBars() {
        Generator g = new Generator(12);
        int n = 64;
        float[] xs = new float[n * 36];
        long[] ys = new long[n];
        for (int i = 0; i < n; i++) {
            boolean vertical = i % 2 == 0;
            int pos = g.nextInt(6);
            for (int a = 0; a < 6; a++) {
                for (int b = 0; b < 6; b++) {
                    float noise = (float) (0.1 * g.nextGaussian());
                    xs[i * 36 + a * 6 + b] = ((vertical ? b : a) == pos ? 1f : 0f) + noise;
                }
            }
            ys[i] = vertical ? 1 : 0;
        }
        Tensor x = Tensor.of(xs, n, 1, 6, 6), y = Tensor.of(ys, n);
        Sequential net = new Sequential(new Conv2d(1, 4, ints(3, 3), ints(1, 1), ints(1, 1), ints(1, 1), 1, true, g),
                new Activation.ReLU(), new Flatten(), new Linear(4 * 36, 2, true, Init.Scheme.DEFAULT, g));
        var opt = new dev.backprop.optim.SGD(net.parameters(), 0.5);
        double first = 0, last = 0;
        for (int step = 0; step < 150; step++) {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(net.forward(x), y);
            loss.backward();
            opt.step();
            if (step == 0) first = loss.item();
            last = loss.item();
        }
        double acc = net.forward(x).argmax(1, false).eq(y).toType(DType.FLOAT64).mean().item();
        assertTrue(last < 0.2 * first && acc == 1.0, "loss " + first + " -> " + last + ", accuracy " + acc);
    }

}
