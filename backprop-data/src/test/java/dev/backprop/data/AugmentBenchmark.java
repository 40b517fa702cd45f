package dev.backprop.data;

import dev.backprop.Generator;
import dev.backprop.kernels.Parallel;

import java.util.Arrays;
import java.util.Locale;

/**
 * The cost of augmentation per image (a benchmark, not a test: surefire does not run it). Run after
 * {@code ./run-tests -pl backprop-data -am -Dtest=TransformsTest}:
 * <pre>
 * java -cp backprop-core/target/classes:backprop-data/target/classes:backprop-data/target/test-classes \
 *      dev.backprop.data.AugmentBenchmark
 * </pre>
 * Prints, for 28×28 and 8×8 single-channel images, the median µs per image of each transform on one thread
 * (including the per-example reseeding the loader does), and the extra time per image that a transform adds to
 * a shuffled DataLoader epoch (batch 128) with the pool's threads.
 */
public final class AugmentBenchmark {
    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Parallel.threads();
        Parallel.setThreads(threads);
        for (int side : new int[] {28, 8}) {
            int n = side == 28 ? 20_000 : 100_000;
            float[] data = new float[n * side * side];
            Generator g = new Generator(1);
            for (int i = 0; i < data.length; i++) data[i] = g.nextFloat();
            System.out.printf(Locale.ROOT, "[1, %d, %d] images, one thread, µs per image (median of 7):%n", side, side);
            Transform[] ts = {Transforms.randomCrop(side == 28 ? 2 : 1, -0.4f), Transforms.randomHorizontalFlip(0.5),
                    Transforms.randomTranslation(0.1, -0.4f), Transforms.randomRotation(10, -0.4f), Transforms.randomErasing(),
                    Transforms.normalize(new float[] {0.3f}, new float[] {0.35f}),
                    Transforms.randomCrop(2, -0.4f).andThen(Transforms.randomHorizontalFlip(0.5))};
            for (Transform t : ts) System.out.printf(Locale.ROOT, "  %-70s %7.3f%n", t, perImage(t, data, n, side));
            TensorDataset ds = TensorDataset.classification(data, new int[] {1, side, side}, new long[n], 1);
            Transform cropFlip = ts[ts.length - 1];
            double plain = loaderEpoch(ds, null), augmented = loaderEpoch(ds, cropFlip);
            System.out.printf(Locale.ROOT, "  DataLoader epoch, batch 128, %d threads: %.3f µs per image plain, %.3f with %s (+%.3f)%n",
                    threads, plain, augmented, cropFlip, augmented - plain);
        }
    }

    static double perImage(Transform t, float[] data, int n, int side) {
        int size = side * side;
        float[] x = data.clone(), scratch = new float[size];
        Generator random = new Generator(0);
        double[] times = new double[7];
        for (int rep = -3; rep < times.length; rep++) {   // three warm-up rounds for the JIT
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                random.reseed(DataLoader.exampleSeed(1, rep + 10, i));
                t.apply(x, i * size, 1, side, side, scratch, random);
            }
            if (rep >= 0) times[rep] = (System.nanoTime() - start) / 1e3 / n;
            System.arraycopy(data, 0, x, 0, x.length);
        }
        Arrays.sort(times);
        return times[times.length / 2];
    }

    static double loaderEpoch(TensorDataset ds, Transform t) {
        DataLoader loader = DataLoader.shuffled(ds, 128, new Generator(2));
        if (t != null) loader = loader.withTransform(t, 3);
        double[] times = new double[7];
        long sink = 0;
        for (int rep = -3; rep < times.length; rep++) {
            long start = System.nanoTime();
            for (Batch b : loader) sink += b.size();
            if (rep >= 0) times[rep] = (System.nanoTime() - start) / 1e3 / ds.size();
        }
        if (sink == 42) System.out.println();
        Arrays.sort(times);
        return times[times.length / 2];
    }
}
