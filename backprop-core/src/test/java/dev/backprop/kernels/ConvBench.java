package dev.backprop.kernels;

import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.Tensor;
import dev.backprop.ops.ConvOp;

import java.util.Arrays;
import java.util.Locale;

/**
 * backprop's side of the convolution benchmark (tools/bench/conv_bench.sh runs it beside PyTorch): cnn-bn's two
 * convolutions at batch 128, forward, input gradient and weight gradient, median ms. A benchmark, not a test.
 */
public final class ConvBench {
    private ConvBench() {}

    interface Body {
        Tensor run();
    }

    /** The median and the minimum, ms: on a shared machine the minimum is the steadier of the two. */
    static double[] timeMs(Body b, double seconds) {
        for (int i = 0; i < 3; i++) b.run();
        double[] t = new double[100_000];
        int n = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while ((System.nanoTime() < end || n < 5) && n < t.length) {
            long t0 = System.nanoTime();
            b.run();
            t[n++] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t, 0, n);
        return new double[] {t[n / 2], t[0]};
    }

    static void print(Object shape, String what, double[] t) {
        System.out.printf(Locale.ROOT, "backprop %s %-12s %8.3f ms (min %.3f)%n", shape, what, t[0], t[1]);
    }

    public static void main(String[] args) {
        if (args.length > 0) Parallel.setThreads(Integer.parseInt(args[0]));
        long w0 = System.nanoTime();
        Kernels.warmUpConvolution(() -> System.nanoTime() - w0 > 4_000_000_000L);
        Generator g = new Generator(0);
        ConvOp.Params pad1 = new ConvOp.Params(new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
        Object[][] shapes = {
            {"conv1", new int[] {128, 1, 28, 28}, new int[] {32, 1, 3, 3}},
            {"conv2", new int[] {128, 32, 14, 14}, new int[] {64, 32, 3, 3}},
        };
        Kernels k = Kernels.FAST;
        for (Object[] s : shapes) {
            int[] xs = (int[]) s[1], ws = (int[]) s[2];
            Tensor x = Tensor.rand(g, DType.FLOAT32, xs).mul(2).sub(1), w = Tensor.rand(g, DType.FLOAT32, ws).mul(2).sub(1);
            Tensor y = k.conv2d(x, w, pad1);
            Tensor gy = Tensor.rand(g, DType.FLOAT32, y.shape()).mul(2).sub(1);
            print(s[0], "forward", timeMs(() -> k.conv2d(x, w, pad1), 1.5));
            print(s[0], "input-grad", timeMs(() -> k.conv2dInputGrad(gy, w, xs[2], xs[3], pad1), 1.5));
            print(s[0], "weight-grad", timeMs(() -> k.conv2dWeightGrad(gy, x, ws[2], ws[3], pad1), 1.5));
            if (args.length > 1) {
                // Where the time goes: the unfolding alone, and the GEMMs alone, over all images.
                ConvGeometry geo = ConvGeometry.of(xs, ws, pad1);
                float[] col = new float[geo.k() * geo.positions()], xa = x.storage().floats(), wa = w.storage().floats();
                float[] ya = new float[geo.o() * geo.positions()];
                int hw = xs[1] * xs[2] * xs[3];
                print(s[0], "im2col-only", timeMs(() -> {
                    for (int n = 0; n < xs[0]; n++) GemmConv.im2col(xa, n * hw, geo, col);
                    return null;
                }, 1));
                float[] dxa = new float[x.storage().floats().length];
                print(s[0], "col2im-only", timeMs(() -> {
                    for (int n = 0; n < xs[0]; n++) GemmConv.col2im(col, geo, dxa, n * hw);
                    return null;
                }, 1));
                print(s[0], "gemm-only", timeMs(() -> {
                    for (int n = 0; n < xs[0]; n++) k.gemm().sgemm(false, false, geo.o(), geo.positions(), geo.k(), wa, 0, geo.k(), col, 0,
                            geo.positions(), ya, 0, geo.positions(), false);
                    return null;
                }, 1));
            }
        }
    }
}
