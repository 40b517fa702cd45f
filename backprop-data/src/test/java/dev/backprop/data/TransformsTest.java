package dev.backprop.data;

import dev.backprop.Generator;
import dev.backprop.Tensor;
import dev.backprop.kernels.Parallel;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Properties of the augmentation transforms and of their seeding in the data loader. */
class TransformsTest {

    static float[] random(Generator g, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = g.nextFloat() * 2 - 1;
        return a;
    }

    static List<Transform> all() {
        return List.of(Transforms.randomCrop(2), Transforms.randomCrop(1, -0.5f), Transforms.randomHorizontalFlip(0.5),
                Transforms.randomTranslation(0.25, 0.3f), Transforms.randomRotation(30), Transforms.randomRotation(180, -1f),
                Transforms.randomErasing(), Transforms.randomErasing(1, new double[] {0.1, 0.4}, new double[] {0.5, 2}, 7f),
                Transforms.normalize(new float[] {0.5f}, new float[] {2f}),
                Transforms.compose(Transforms.randomCrop(1), Transforms.randomHorizontalFlip(0.5), Transforms.randomErasing()));
    }

    @Property(tries = 60)
    void flippingTwiceIsTheIdentity(@ForAll @IntRange(min = 1, max = 3) int c, @ForAll @IntRange(min = 1, max = 9) int h,
                                    @ForAll @IntRange(min = 1, max = 9) int w, @ForAll long seed) {
        float[] x = random(new Generator(seed), c * h * w);
        float[] y = x.clone();
        Transforms.flip(y, 0, c, h, w);
        if (w > 1) assertFalse(Arrays.equals(x, y), "a flip changes a random image");
        Transforms.flip(y, 0, c, h, w);
        assertArrayEquals(x, y);
        Transform always = Transforms.randomHorizontalFlip(1);
        Tensor t = Tensor.of(x, c, h, w);
        assertArrayEquals(x, always.apply(always.apply(t, new Generator(1)), new Generator(2)).toFloatArray());
    }

    @Property(tries = 40)
    void cropWithoutPaddingIsTheIdentity(@ForAll @IntRange(min = 1, max = 3) int c, @ForAll @IntRange(min = 1, max = 9) int h,
                                         @ForAll @IntRange(min = 1, max = 9) int w, @ForAll long seed) {
        float[] x = random(new Generator(seed), c * h * w);
        assertArrayEquals(x, Transforms.randomCrop(0, 5f).apply(Tensor.of(x, c, h, w), new Generator(seed)).toFloatArray());
        assertArrayEquals(x, Transforms.randomTranslation(0).apply(Tensor.of(x, c, h, w), new Generator(seed)).toFloatArray());
        assertArrayEquals(x, Transforms.randomRotation(0, 3f).apply(Tensor.of(x, c, h, w), new Generator(seed)).toFloatArray());
    }

    @Property(tries = 40)
    void everyTransformKeepsTheShapeAndWritesOnlyItsImage(@ForAll @IntRange(min = 1, max = 3) int c,
                                                          @ForAll @IntRange(min = 1, max = 12) int h,
                                                          @ForAll @IntRange(min = 1, max = 12) int w, @ForAll long seed) {
        int n = c * h * w;
        for (Transform t : all()) {
            float[] x = random(new Generator(seed), n + 4);
            float[] before = x.clone();
            t.apply(x, 2, c, h, w, new float[n], new Generator(seed));
            assertEquals(before[0], x[0], t + " wrote before its image");
            assertEquals(before[1], x[1]);
            assertEquals(before[n + 2], x[n + 2], t + " wrote after its image");
            assertEquals(before[n + 3], x[n + 3]);
            for (int k = 2; k < n + 2; k++) assertTrue(Float.isFinite(x[k]), t + " made a non-finite value");
            Tensor out = t.apply(Tensor.of(Arrays.copyOfRange(before, 2, n + 2), c, h, w), new Generator(seed));
            assertArrayEquals(new int[] {c, h, w}, out.shape(), t.toString());
            assertArrayEquals(Arrays.copyOfRange(x, 2, n + 2), out.toFloatArray(), t + ": the same generator state, the same result");
        }
    }

    /** An image of ones with one rectangle of -1 erased; returns {h, w} of the rectangle, or null if untouched. */
    static int[] erasedRectangle(float[] x, int c, int h, int w) {
        int top = h, bottom = -1, left = w, right = -1, count = 0;
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                if (x[y * w + xx] == -1f) {
                    count++;
                    top = Math.min(top, y);
                    bottom = Math.max(bottom, y);
                    left = Math.min(left, xx);
                    right = Math.max(right, xx);
                }
            }
        }
        if (count == 0) return null;
        int eh = bottom - top + 1, ew = right - left + 1;
        assertEquals(eh * ew, count, "the erased pixels form a rectangle");
        for (int ch = 1; ch < c; ch++) {
            assertArrayEquals(Arrays.copyOfRange(x, 0, h * w), Arrays.copyOfRange(x, ch * h * w, (ch + 1) * h * w),
                    "every channel is erased in the same place");
        }
        return new int[] {eh, ew};
    }

    @Property(tries = 200)
    void erasingStaysWithinTheScaleBounds(@ForAll @IntRange(min = 4, max = 40) int h, @ForAll @IntRange(min = 4, max = 40) int w,
                                          @ForAll long seed) {
        double[] scale = {0.05, 0.3}, ratio = {0.3, 3.3};
        Transform t = Transforms.randomErasing(1, scale, ratio, -1f);
        float[] x = new float[2 * h * w];
        Arrays.fill(x, 1f);
        t.apply(x, 0, 2, h, w, new float[x.length], new Generator(seed));
        int[] r = erasedRectangle(x, 2, h, w);
        if (r == null) return;   // all ten attempts too large (or a rectangle of size 0): unchanged, as torchvision
        double area = (double) h * w;
        // h = round(√(a·r)), w = round(√(a/r)) with a in [low, high]·H·W: so (h ± ½)(w ± ½) brackets a.
        assertTrue((r[0] + 0.5) * (r[1] + 0.5) >= scale[0] * area - 1e-9, "erased " + Arrays.toString(r) + " of " + h + "×" + w);
        assertTrue((r[0] - 0.5) * (r[1] - 0.5) <= scale[1] * area + 1e-9, "erased " + Arrays.toString(r) + " of " + h + "×" + w);
        assertTrue(r[0] < h && r[1] < w);
    }

    @Test
    void randomParametersCoverTheirRanges() {
        // Crop offsets: every shift in [-p, p] on both axes; flips about half of the time.
        int c = 1, h = 5, w = 5;
        float[] img = new float[h * w];
        img[2 * w + 2] = 1;   // one lit pixel in the centre: its position after the crop is the shift
        Set<Integer> positions = new HashSet<>();
        int flips = 0;
        Generator g = new Generator(3);
        for (int k = 0; k < 2000; k++) {
            float[] x = img.clone();
            Transforms.randomCrop(2).apply(x, 0, c, h, w, new float[x.length], g);
            for (int i = 0; i < x.length; i++) if (x[i] == 1) positions.add(i);
            float[] row = {1, 0, 0};
            Transforms.randomHorizontalFlip(0.5).apply(row, 0, 1, 1, 3, new float[3], g);
            if (row[2] == 1) flips++;
        }
        assertEquals(25, positions.size(), "every one of the 5×5 shifts happens");
        assertTrue(flips > 900 && flips < 1100, "flips " + flips + " of 2000");
    }

    // ---------------------------------------------------------------------------------------------- data loader

    /** n images [1, 6, 5] whose pixels encode the example index, labels = index. */
    static TensorDataset images(int n) {
        int size = 30;
        float[] x = new float[n * size];
        long[] y = new long[n];
        Generator g = new Generator(11);
        for (int i = 0; i < n; i++) {
            y[i] = i;
            for (int k = 0; k < size; k++) x[i * size + k] = i + g.nextFloat();
        }
        return TensorDataset.classification(x, new int[] {1, 6, 5}, y, n);
    }

    static final Transform PIPELINE = Transforms.compose(Transforms.randomCrop(2, -1f), Transforms.randomHorizontalFlip(0.5),
            Transforms.randomRotation(15), Transforms.randomTranslation(0.2), Transforms.randomErasing());

    /** Each example's augmented pixels in one epoch of the loader, by example index. */
    static Map<Long, List<Float>> epoch(DataLoader loader) {
        Map<Long, List<Float>> out = new HashMap<>();
        for (Batch b : loader) {
            long[] y = b.y().toLongArray();
            float[] x = b.x().toFloatArray();
            int size = x.length / y.length;
            for (int j = 0; j < y.length; j++) {
                List<Float> l = new java.util.ArrayList<>();
                for (int k = 0; k < size; k++) l.add(x[j * size + k]);
                assertTrue(out.put(y[j], l) == null, "each example once per epoch");
            }
        }
        return out;
    }

    @Test
    void eachExampleIsAugmentedTheSameWayWhateverTheBatchesOrderAndThreads() {
        TensorDataset data = images(37);
        int threads = Parallel.threads();
        try {
            Supplier<List<Map<Long, List<Float>>>> twoEpochs = () -> {
                List<Map<Long, List<Float>>> l = new java.util.ArrayList<>();
                DataLoader a = DataLoader.shuffled(data, 4, new Generator(1)).withTransform(PIPELINE, 42);
                l.add(epoch(a));
                l.add(epoch(a));
                return l;
            };
            Parallel.setThreads(1);
            List<Map<Long, List<Float>>> one = twoEpochs.get();
            Parallel.setThreads(2);
            List<Map<Long, List<Float>>> two = twoEpochs.get();
            assertEquals(one, two, "1 thread and 2 threads");
            DataLoader other = DataLoader.shuffled(data, 7, new Generator(99)).withTransform(PIPELINE, 42);
            assertEquals(one.get(0), epoch(other), "another batch size and order");
            DataLoader inOrder = DataLoader.inOrder(data, 37).withTransform(PIPELINE, 42);
            assertEquals(one.get(0), epoch(inOrder), "one batch in order");
            assertEquals(one.get(1), epoch(inOrder), "the second epoch, too");
            assertNotEquals(one.get(0), one.get(1), "epochs differ");
            assertNotEquals(one.get(0), epoch(DataLoader.inOrder(data, 37).withTransform(PIPELINE, 43)), "seeds differ");
            // The data set itself is never changed.
            assertArrayEquals(images(37).features().toFloatArray(), data.features().toFloatArray());
        } finally {
            Parallel.setThreads(threads);
        }
    }

    @Test
    void exampleSeedsArePureAndDistinct() {
        assertEquals(DataLoader.exampleSeed(1, 2, 3), DataLoader.exampleSeed(1, 2, 3));
        Set<Long> seen = new HashSet<>();
        for (int e = 1; e <= 5; e++) for (int i = 0; i < 1000; i++) seen.add(DataLoader.exampleSeed(7, e, i));
        seen.add(DataLoader.exampleSeed(8, 1, 0));
        assertEquals(5001, seen.size());
    }

    @Test
    void generatorReseedRestartsTheSequence() {
        Generator fresh = new Generator(123), used = new Generator(5);
        used.nextGaussian();   // leaves a spare Gaussian that reseed must drop
        used.reseed(123);
        for (int i = 0; i < 10; i++) assertEquals(fresh.nextLong(), used.nextLong());
        assertEquals(fresh.nextGaussian(), used.nextGaussian());
    }

    static void oneLine(Runnable r, String... words) {
        DataException e = assertThrows(DataException.class, r::run);
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        for (String w : words) assertTrue(e.getMessage().contains(w), e.getMessage() + " should say " + w);
    }

    @Test
    void mistakesAreOneLine() {
        oneLine(() -> Transforms.randomCrop(-1), "padding", "-1");
        oneLine(() -> Transforms.randomCrop(1, Float.NaN), "fill");
        oneLine(() -> Transforms.randomHorizontalFlip(1.5), "probability");
        oneLine(() -> Transforms.randomTranslation(-0.1), "fraction");
        oneLine(() -> Transforms.randomRotation(-5), "degrees");
        oneLine(() -> Transforms.randomErasing(0.5, new double[] {0.4, 0.1}, new double[] {0.3, 3.3}, 0), "scale");
        oneLine(() -> Transforms.randomErasing(0.5, new double[] {0.1, 0.4}, new double[] {0, 3.3}, 0), "ratio");
        oneLine(() -> Transforms.normalize(new float[] {0.5f, 0.5f}, new float[] {1f}), "mean", "std");
        oneLine(() -> Transforms.normalize(new float[] {0.5f}, new float[] {0f}), "std");
        oneLine(() -> Transforms.compose(Transforms.randomCrop(1), null), "null");
        // Non-image examples, or a normalisation for the wrong number of channels.
        TensorDataset flat = TensorDataset.classification(new float[12], new int[] {4}, new long[3], 2);
        oneLine(() -> DataLoader.inOrder(flat, 2).withTransform(Transforms.randomCrop(1), 1), "[C, H, W]", "[4]");
        oneLine(() -> Transforms.randomHorizontalFlip(0.5).apply(Tensor.zeros(2, 3), new Generator(1)), "[C, H, W]");
        oneLine(() -> DataLoader.inOrder(images(3), 2).withTransform(Transforms.normalize(new float[] {0, 0, 0},
                new float[] {1, 1, 1}), 1), "channels");
    }

    @Test
    void descriptionsNameTheTransforms() {
        assertEquals("randomCrop(padding=2, fill=0)", Transforms.randomCrop(2).toString());
        assertEquals("compose(randomCrop(padding=1, fill=-0.5), randomHorizontalFlip(p=0.5))",
                Transforms.randomCrop(1, -0.5f).andThen(Transforms.randomHorizontalFlip(0.5)).toString());
    }
}
