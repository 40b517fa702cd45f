import dev.backprop.Generator;
import dev.backprop.Tensor;
import dev.backprop.kernels.Kernels;
import dev.backprop.ops.UnaryOp;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Times the float32 activations relu, exp, sigmoid and tanh on a [128, 1024] tensor: the active (Vector API)
 * kernels beside the plain reference kernels (scalar Math.exp/Math.tanh in float64, rounded to float — what the
 * vector kernels used before VectorMath). Run beside tools/bench/activation_torch.py (tools/bench/activations.sh
 * runs both in one go):
 *   java --add-modules jdk.incubator.vector -cp backprop-core/target/classes tools/bench/ActivationBench.java [reps]
 */
public class ActivationBench {
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        Tensor x = Tensor.randn(new Generator(1), 128, 1024).mul(3);
        List<UnaryOp> ops = List.of(new UnaryOp.Relu(), new UnaryOp.Exp(), new UnaryOp.Sigmoid(), new UnaryOp.Tanh());
        // Warm every kernel up first: while the JIT compiles the Vector API code on one core, a loop split over two
        // threads waits for the other, and the first op timed would pay for all of them.
        long until = System.nanoTime() + 4_000_000_000L;
        while (System.nanoTime() < until) {
            for (UnaryOp op : ops) {
                Kernels.active().unary(op, x);
                Kernels.REFERENCE.unary(op, x);
            }
        }
        for (UnaryOp op : ops) {
            double vec = time(Kernels.active(), op, x, reps), ref = time(Kernels.REFERENCE, op, x, reps);
            System.out.printf(Locale.ROOT, "backprop %-8s [128, 1024]  vector %8.1f us  (%.2f ns/element)   scalar reference %8.1f us%n",
                    op.name(), vec, vec * 1e3 / x.numel(), ref);
        }
    }

    /** Median microseconds of one call, after a further half second of warm-up. */
    static double time(Kernels k, UnaryOp op, Tensor x, int reps) {
        long until = System.nanoTime() + 500_000_000L;
        while (System.nanoTime() < until) k.unary(op, x);
        double[] t = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 10; i++) k.unary(op, x);
            t[r] = (System.nanoTime() - t0) / 1e4;
        }
        Arrays.sort(t);
        return t[reps / 2];
    }
}
