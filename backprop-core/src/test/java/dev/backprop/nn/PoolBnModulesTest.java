package dev.backprop.nn;

import dev.backprop.Backprop;
import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.GradMode;
import dev.backprop.Tensor;
import dev.backprop.autograd.GradCheck;
import dev.backprop.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pooling, batch-norm and channel-dropout modules: PyTorch's numbers, names, modes and state. */
class PoolBnModulesTest {

    /** The inputs of tools' reference run: sin(0.37·i + step)·(1 + step/2) + step/4, row-major. */
    static Tensor input(int step, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (Math.sin(0.37 * i + step) * (1 + 0.5 * step) + 0.25 * step);
        return Tensor.of(v, shape);
    }

    static void close(double[] expected, Tensor actual, String what) {
        double[] a = actual.toDoubleArray();
        assertEquals(expected.length, a.length, what);
        for (int i = 0; i < a.length; i++) {
            assertEquals(expected[i], a[i], 2e-5 * Math.max(1, Math.abs(expected[i])), what + "[" + i + "]");
        }
    }

    static BatchNorm2d bn2d(Double momentum) {
        BatchNorm2d bn = new BatchNorm2d(3, 1e-5, momentum, true, true);
        try (var s = GradMode.noGrad()) {
            bn.weight().copy_(Tensor.of(new float[] {1.5f, -0.5f, 2f}));
            bn.bias().copy_(Tensor.of(new float[] {0.1f, 0.2f, -0.3f}));
        }
        return bn;
    }

    // Values from PyTorch 2.13 (float64): three training steps, then eval on input(5).
    @Test
    void runningStatisticsFollowPyTorchMomentum() {
        BatchNorm2d bn = bn2d(0.1);
        for (int step = 0; step < 3; step++) bn.forward(input(step, 2, 3, 2, 3)).sum().backward();
        close(new double[] {0.22709158257234582, -0.16946465701993468, 0.21046898326196317}, bn.runningMean(), "running_mean");
        close(new double[] {0.9058691900460624, 0.8326196127824669, 0.8412603648327268}, bn.runningVar(), "running_var (unbiased)");
        assertEquals(DType.INT64, bn.numBatchesTracked().dtype());
        assertEquals(3, bn.numBatchesTracked().item());
        bn.eval();
        Tensor y = bn.forward(input(5, 2, 3, 2, 3));
        close(new double[] {-3.577321821746865, -2.6535598508443226, -1.1389258510637421, 0.7615815711938685, 2.7907376520093123,
                4.673905635045696}, y.reshape(-1).narrow(0, 0, 6), "eval output");
        assertEquals(3, bn.numBatchesTracked().item(), "eval does not count batches");
    }

    @Test
    void nullMomentumIsACumulativeAverage() {
        BatchNorm2d bn = bn2d(null);
        for (int step = 0; step < 3; step++) bn.forward(input(step, 2, 3, 2, 3));
        close(new double[] {0.8447389434375201, -0.6032055265046561, 0.6868757340176123}, bn.runningMean(), "running_mean");
        close(new double[] {0.6052513679721385, 0.37358412080299613, 0.4131491061762992}, bn.runningVar(), "running_var");
        bn.eval();
        close(new double[] {-5.5896447463542955, -4.459526873344514, -2.606544169858756, -0.28148915207900177, 2.200952890664436,
                4.504795073548281}, bn.forward(input(5, 2, 3, 2, 3)).reshape(-1).narrow(0, 0, 6), "eval output");
        assertNull(bn.momentum());
    }

    @Test
    void batchNorm1dTakesNCL() {
        BatchNorm1d bn = new BatchNorm1d(2);
        for (int step = 0; step < 2; step++) bn.forward(input(step, 4, 2, 3));
        close(new double[] {0.07574151250030087, 0.06553960643378619}, bn.runningMean(), "running_mean");
        close(new double[] {0.9774157769115452, 0.9688832671687302}, bn.runningVar(), "running_var");
        assertArrayEquals(new int[] {5, 2}, new BatchNorm1d(2).forward(input(0, 5, 2)).shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.forward(input(0, 2, 2, 2, 2)));
        assertTrue(e.getMessage().contains("[2, 2, 2, 2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(2).forward(input(0, 4, 2)));
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class, () -> bn.forward(input(0, 4, 3)));
        assertTrue(c.getMessage().contains("expected 2 channels"), c.getMessage());
    }

    @Test
    void oneValuePerChannelInTrainingIsAClearError() {
        BatchNorm1d bn = new BatchNorm1d(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.ones(1, 4)));
        assertEquals("batch_norm: expected more than 1 value per channel when training, got input [1, 4]", e.getMessage());
        assertEquals(0, bn.numBatchesTracked().item(), "nothing counted");
        bn.eval();
        assertArrayEquals(new int[] {1, 4}, bn.forward(Tensor.ones(1, 4)).shape(), "eval takes one value");
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> Functional.batchNorm(Tensor.ones(1, 4, 1, 1), null, null, null, null, true, 0.1, 1e-5));
        assertEquals("batch_norm: expected more than 1 value per channel when training, got input [1, 4, 1, 1]", f.getMessage());
    }

    @Test
    void trainEvalSwitchAndNoTracking() {
        BatchNorm2d bn = new BatchNorm2d(3);
        Tensor x = input(1, 2, 3, 2, 2);
        Tensor train = bn.forward(x);
        bn.eval();
        Tensor eval = bn.forward(x);
        // Eval uses running stats (0.1 of the way from 0/1): differs from the batch-normalised output.
        assertTrue(Math.abs(train.sub(eval).abs().sum().item()) > 0.1);
        bn.train();
        close(train.toDoubleArray(), bn.forward(x), "training again normalises by the batch");

        BatchNorm2d free = new BatchNorm2d(3, 1e-5, 0.1, false, false);
        assertEquals(List.of(), List.copyOf(free.stateDict().keySet()));
        assertNull(free.runningMean());
        assertNull(free.weight());
        Tensor a = free.forward(x);
        free.eval();
        close(a.toDoubleArray(), free.forward(x), "without running stats, eval also uses the batch");
    }

    @Test
    void stateDictKeysInPyTorchOrder() {
        Sequential m = new Sequential(new BatchNorm2d(2), new Sequential(new BatchNorm1d(3, 1e-5, 0.1, false, true)));
        assertEquals(List.of("0.weight", "0.bias", "0.running_mean", "0.running_var", "0.num_batches_tracked", "1.0.running_mean",
                "1.0.running_var", "1.0.num_batches_tracked"), List.copyOf(m.stateDict().keySet()));
        assertEquals(List.of("0.weight", "0.bias"), List.copyOf(m.namedParameters().keySet()));
    }

    @Test
    void savedAndReloadedBatchNormGivesIdenticalEvalOutputs(@TempDir Path dir) {
        Generator g = new Generator(3);
        Sequential a = new Sequential(new BatchNorm2d(3), new MaxPool2d(2), new BatchNorm2d(3, 1e-3, null, true, true));
        try (var s = GradMode.noGrad()) {
            for (var p : a.parameters()) p.copy_(Tensor.randn(g, p.shape()));
        }
        for (int step = 0; step < 4; step++) a.forward(input(step, 2, 3, 4, 4));
        a.eval();
        Tensor x = input(9, 2, 3, 4, 4);
        Tensor expected = a.forward(x);

        Path file = dir.resolve("bn.safetensors");
        Safetensors.write(file, a.stateDict());
        Sequential b = new Sequential(new BatchNorm2d(3), new MaxPool2d(2), new BatchNorm2d(3, 1e-3, null, true, true));
        assertTrue(b.loadStateDict(Safetensors.read(file), true).clean());
        b.eval();
        assertArrayEquals(expected.toFloatArray(), b.forward(x).toFloatArray(), "identical eval outputs");
        assertEquals(4, b.stateDict().get("0.num_batches_tracked").item());
        assertEquals(DType.INT64, b.stateDict().get("2.num_batches_tracked").dtype());

        Sequential c = new Sequential(new BatchNorm2d(3), new MaxPool2d(2), new BatchNorm2d(3, 1e-3, null, true, true));
        assertTrue(c.loadStateDict(a.stateDict(), true).clean());
        c.eval();
        assertArrayEquals(expected.toFloatArray(), c.forward(x).toFloatArray(), "identical eval outputs (in memory)");
    }

    @Test
    void describeLikePyTorch() {
        assertEquals("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)", new MaxPool2d(2).describe());
        assertEquals("MaxPool2d(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), dilation=(2, 1), ceil_mode=False)",
                new MaxPool2d(new int[] {2, 3}, new int[] {1, 2}, new int[] {1, 1}, new int[] {2, 1}).describe());
        assertEquals("AvgPool2d(kernel_size=3, stride=3, padding=0)", new AvgPool2d(3).describe());
        assertEquals("AdaptiveAvgPool2d(output_size=(1, 1))", new AdaptiveAvgPool2d(1, 1).describe());
        assertEquals("BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
                new BatchNorm2d(3).describe());
        assertEquals("BatchNorm1d(4, eps=0.001, momentum=None, affine=False, track_running_stats=False)",
                new BatchNorm1d(4, 1e-3, null, false, false).describe());
        assertEquals("Dropout2d(p=0.3)", new Dropout2d(0.3).describe());
    }

    @Test
    void accessorsReturnTheConstructorArguments() {
        MaxPool2d m = new MaxPool2d(new int[] {3}, null, new int[] {1}, new int[] {2});
        assertArrayEquals(new int[] {3, 3}, m.kernelSize());
        assertArrayEquals(new int[] {3, 3}, m.stride(), "stride defaults to the kernel");
        assertArrayEquals(new int[] {1, 1}, m.padding());
        assertArrayEquals(new int[] {2, 2}, m.dilation());
        AvgPool2d a = new AvgPool2d(new int[] {2, 3}, new int[] {1, 2}, new int[] {1, 0}, false);
        assertArrayEquals(new int[] {2, 3}, a.kernelSize());
        assertArrayEquals(new int[] {1, 2}, a.stride());
        assertArrayEquals(new int[] {1, 0}, a.padding());
        assertEquals(false, a.countIncludePad());
        assertArrayEquals(new int[] {4, 5}, new AdaptiveAvgPool2d(4, 5).outputSize());
        BatchNorm1d b = new BatchNorm1d(7, 1e-3, 0.2, false, true);
        assertEquals(7, b.numFeatures());
        assertEquals(1e-3, b.eps());
        assertEquals(0.2, b.momentum());
        assertEquals(false, b.affine());
        assertEquals(true, b.trackRunningStats());
        assertEquals(0.25, new Dropout2d(0.25).p());
    }

    @Test
    void poolingErrorsNameTheOpAndShape() {
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(3).forward(Tensor.zeros(1, 1, 2, 2)));
        assertTrue(big.getMessage().startsWith("maxPool2d: the pooling window 3x3 is larger than the padded input [1, 1, 2, 2]"),
                big.getMessage());
        IllegalArgumentException pad = assertThrows(IllegalArgumentException.class,
                () -> Functional.maxPool2d(Tensor.zeros(1, 1, 4, 4), new int[] {3, 3}, new int[] {1, 1}, new int[] {2, 2}));
        assertTrue(pad.getMessage().startsWith("maxPool2d: padding should be at most half of the effective kernel size"), pad.getMessage());
        assertTrue(pad.getMessage().contains("[1, 1, 4, 4]"), pad.getMessage());
        IllegalArgumentException avg = assertThrows(IllegalArgumentException.class,
                () -> Functional.avgPool2d(Tensor.zeros(1, 4, 4), new int[] {2}, null, new int[] {2}, true));
        assertTrue(avg.getMessage().startsWith("avgPool2d: padding"), avg.getMessage());
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, () -> Functional.maxPool2d(Tensor.zeros(4, 4), 2));
        assertEquals("maxPool2d: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got [4, 4]", rank.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Functional.adaptiveAvgPool2d(Tensor.zeros(1, 2, 3, 3), 0, 1));
        // Dilation widens the allowed padding: kernel 2, dilation 3 spans 4, so padding 2 is allowed (as in PyTorch).
        assertArrayEquals(new int[] {1, 1, 4, 4},
                Functional.maxPool2d(Tensor.ones(1, 1, 3, 3), new int[] {2}, new int[] {1}, new int[] {2}, new int[] {3}).shape());
    }

    @Test
    void dropout2dZeroesWholeChannels() {
        Generator g = new Generator(11);
        Dropout2d d = new Dropout2d(0.5, g);
        Tensor x = Tensor.ones(8, 16, 3, 3).requiresGrad(true);
        Tensor y = d.forward(x);
        float[] v = y.toFloatArray();
        for (int ch = 0; ch < 8 * 16; ch++) {
            for (int i = 1; i < 9; i++) assertEquals(v[ch * 9], v[ch * 9 + i], "one value per channel");
            assertTrue(v[ch * 9] == 0f || v[ch * 9] == 2f, "0 or 1/(1-p)");
        }
        y.sum().backward();
        assertArrayEquals(v, x.grad().toFloatArray(), "the gradient is the mask");
        d.eval();
        Tensor z = Tensor.ones(2, 3, 2, 2);
        assertSame(z, d.forward(z), "eval is the identity");
        assertThrows(IllegalArgumentException.class, () -> new Dropout2d(1.0));
    }

    /** Second derivatives through the backward ops and batch norm's recorded backward, checked numerically. */
    @Test
    void secondDerivativesGradCheck() {
        Generator g = new Generator(5);
        Tensor v = Tensor.randn(g, DType.FLOAT64, 2, 3, 2, 2);
        Tensor w = Tensor.rand(g, DType.FLOAT64, 3).add(0.5);
        GradCheck.check(in -> {
            try (var s = GradMode.enableGrad()) {
                Tensor x = in[0].requiresGrad() ? in[0] : in[0].detach().requiresGrad(true);
                Tensor y = Functional.batchNorm(x, null, null, in[1], in[2], true, 0.1, 1e-5);
                Tensor[] gr = Backprop.grad(y.square().mul(v), new Tensor[] {x}, Tensor.ones(DType.FLOAT64, 2, 3, 2, 2), true);
                return gr[0];
            }
        }, Tensor.randn(g, DType.FLOAT64, 2, 3, 2, 2).requiresGrad(true), w.requiresGrad(true),
                Tensor.randn(g, DType.FLOAT64, 3).requiresGrad(true)).orThrow();
    }

    @Test
    void readmeStatedDefaults() {
        BatchNorm2d bn = new BatchNorm2d(4);
        Map<String, Tensor> sd = bn.stateDict();
        assertArrayEquals(new float[] {1, 1, 1, 1}, sd.get("weight").toFloatArray());
        assertArrayEquals(new float[] {0, 0, 0, 0}, sd.get("running_mean").toFloatArray());
        assertArrayEquals(new float[] {1, 1, 1, 1}, sd.get("running_var").toFloatArray());
        assertArrayEquals(new int[] {}, sd.get("num_batches_tracked").shape());
    }
}
