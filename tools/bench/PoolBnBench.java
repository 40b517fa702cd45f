import dev.backprop.Generator;
import dev.backprop.Tensor;
import dev.backprop.nn.BatchNorm2d;
import dev.backprop.nn.MaxPool2d;
import dev.backprop.nn.Module;

import java.util.Arrays;
import java.util.Locale;

/**
 * Times BatchNorm2d (training) and MaxPool2d(2) forward and forward+backward on the cnn-bn shapes at batch 128.
 * Run beside tools/bench/poolbn_torch.py (see tools/bench/poolbn.sh, which runs both in one go):
 *   java --add-modules jdk.incubator.vector -cp backprop-core/target/classes tools/bench/PoolBnBench.java [reps]
 */
public class PoolBnBench {
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Generator g = new Generator(1);
        int[][] shapes = {{128, 32, 28, 28}, {128, 64, 14, 14}};
        for (int[] s : shapes) {
            Tensor x = Tensor.randn(g, s).requiresGrad(true);
            run("BatchNorm2d " + Arrays.toString(s), new BatchNorm2d(s[1]), x, reps);
            run("MaxPool2d(2) " + Arrays.toString(s), new MaxPool2d(2), x, reps);
        }
    }

    static void run(String name, Module m, Tensor x, int reps) {
        Tensor y0 = m.forward(x);
        Tensor gy = Tensor.randn(new Generator(2), y0.shape());
        long until = System.nanoTime() + 3_000_000_000L; // warm the JIT up
        while (System.nanoTime() < until) {
            m.forward(x).backward(gy);
            x.zeroGrad();
        }
        double[] fwd = new double[reps], both = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            Tensor y = m.forward(x);
            long t1 = System.nanoTime();
            y.backward(gy);
            long t2 = System.nanoTime();
            x.zeroGrad();
            fwd[r] = (t1 - t0) / 1e6;
            both[r] = (t2 - t0) / 1e6;
        }
        Arrays.sort(fwd);
        Arrays.sort(both);
        System.out.printf(Locale.ROOT, "backprop %-32s forward %7.2f ms   forward+backward %7.2f ms%n", name, fwd[reps / 2], both[reps / 2]);
    }
}
