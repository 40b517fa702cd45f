package dev.backprop.data;

import dev.backprop.DType;
import dev.backprop.Generator;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataLoaderTest {

    /** n samples whose single feature and label both equal the sample's index. */
    static TensorDataset indexed(int n) {
        float[] x = new float[n];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
            y[i] = i;
        }
        return TensorDataset.classification(x, new int[] {1}, y, Math.max(n, 1));
    }

    /** The sample indices of one epoch, batch by batch. */
    static List<long[]> epoch(DataLoader loader) {
        List<long[]> out = new ArrayList<>();
        for (Batch b : loader) {
            long[] y = b.y().toLongArray();
            float[] x = b.x().toFloatArray();
            for (int i = 0; i < y.length; i++) assertEquals(y[i], (long) x[i], "features and labels stay paired");
            out.add(y);
        }
        return out;
    }

    static long[] flat(List<long[]> batches) {
        return batches.stream().flatMapToLong(Arrays::stream).toArray();
    }

    @Property(tries = 200, seed = "20261203")
    void everyIndexAppearsExactlyOncePerEpoch(@ForAll @IntRange(min = 0, max = 300) int n,
                                              @ForAll @IntRange(min = 1, max = 64) int batchSize,
                                              @ForAll boolean shuffle, @ForAll long seed) {
        DataLoader loader = new DataLoader(indexed(n), batchSize, shuffle ? new Generator(seed) : null, false);
        for (int e = 0; e < 3; e++) {
            List<long[]> batches = epoch(loader);
            assertEquals(loader.numBatches(), batches.size());
            long[] all = flat(batches);
            Arrays.sort(all);
            long[] expected = new long[n];
            Arrays.setAll(expected, i -> i);
            assertArrayEquals(expected, all);
            for (int b = 0; b < batches.size(); b++) {
                int want = b < batches.size() - 1 ? batchSize : n - batchSize * (batches.size() - 1);
                assertEquals(want, batches.get(b).length, "batch " + b + " size");
            }
        }
    }

    @Property(tries = 100, seed = "20261203")
    void dropLastYieldsOnlyFullBatchesOfDistinctIndices(@ForAll @IntRange(min = 0, max = 200) int n,
                                                        @ForAll @IntRange(min = 1, max = 50) int batchSize,
                                                        @ForAll long seed) {
        DataLoader loader = new DataLoader(indexed(n), batchSize, new Generator(seed), true);
        List<long[]> batches = epoch(loader);
        assertEquals(n / batchSize, batches.size());
        for (long[] b : batches) assertEquals(batchSize, b.length);
        long[] all = flat(batches);
        assertEquals(all.length, Arrays.stream(all).distinct().count());
    }

    @Test
    void batchShapesAndTypes() {
        DataLoader loader = DataLoader.inOrder(DataSets.digits().train(), 100);
        Batch first = loader.iterator().next();
        assertArrayEquals(new int[] {100, 1, 8, 8}, first.x().shape());
        assertArrayEquals(new int[] {100}, first.y().shape());
        assertEquals(DType.FLOAT32, first.x().dtype());
        assertEquals(DType.INT64, first.y().dtype());
        assertTrue(first.x().isContiguous());
        assertEquals(100, first.size());
        assertEquals(15, loader.numBatches()); // 1438 = 14·100 + 38
        Batch last = null;
        for (Batch b : loader) last = b;
        assertEquals(38, last.size());
    }

    @Test
    void inOrderKeepsTheDataSetOrder() {
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6}, flat(epoch(DataLoader.inOrder(indexed(7), 3))));
    }

    @Test
    void droppingALoneLastExampleSkipsADifferentOneEachEpoch() {
        // What train does for batch norm when the last batch would hold one example: 9 examples, batches of 8.
        DataLoader loader = new DataLoader(indexed(9), 8, new Generator(1), true);
        java.util.Set<Long> skipped = new java.util.HashSet<>();
        for (int e = 0; e < 5; e++) {
            List<long[]> batches = epoch(loader);
            assertEquals(1, batches.size());
            assertEquals(8, batches.getFirst().length, "only the full batch");
            long sum = Arrays.stream(batches.getFirst()).sum();
            skipped.add(36 - sum);   // 0 + 1 + … + 8 = 36: the missing index
        }
        assertTrue(skipped.size() > 1, "the shuffle skips another example in another epoch: " + skipped);
    }

    @Test
    void sameSeedSameOrdersAndEpochsDiffer() {
        DataLoader a = DataLoader.shuffled(indexed(100), 10, new Generator(42));
        DataLoader b = DataLoader.shuffled(indexed(100), 10, new Generator(42));
        long[] a1 = flat(epoch(a)), a2 = flat(epoch(a));
        long[] b1 = flat(epoch(b)), b2 = flat(epoch(b));
        assertArrayEquals(a1, b1);
        assertArrayEquals(a2, b2);
        assertFalse(Arrays.equals(a1, a2), "a new order every epoch");
        long[] identity = new long[100];
        Arrays.setAll(identity, i -> i);
        assertFalse(Arrays.equals(identity, a1), "shuffled");
        long[] c1 = flat(epoch(DataLoader.shuffled(indexed(100), 10, new Generator(43))));
        assertFalse(Arrays.equals(a1, c1), "another seed, another order");
        assertEquals(2, a.epochsStarted());
    }

    @Test
    void regressionBatchesHaveTwoDimensionalFloatTargets() {
        TensorDataset d = TensorDataset.regression(new float[] {1, 2, 3, 4, 5, 6}, new int[] {2},
                new float[] {10, 20, 30}, 1);
        Batch b = DataLoader.inOrder(d, 2).iterator().next();
        assertArrayEquals(new int[] {2, 2}, b.x().shape());
        assertArrayEquals(new int[] {2, 1}, b.y().shape());
        assertArrayEquals(new float[] {10, 20}, b.y().toFloatArray());
    }

    @Test
    void genericDatasetsAreStacked() {
        TensorDataset inner = indexed(5);
        Dataset wrapped = new Dataset() {
            public int size() {
                return inner.size();
            }

            public Sample get(int i) {
                return inner.get(i);
            }
        };
        List<long[]> batches = epoch(DataLoader.inOrder(wrapped, 2));
        assertEquals(3, batches.size());
        assertArrayEquals(new long[] {0, 1, 2, 3, 4}, flat(batches));
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        DataException e = assertThrows(DataException.class, () -> new DataLoader(indexed(3), 0, null, false));
        assertTrue(e.getMessage().contains("batch size must be at least 1, got 0"), e.getMessage());
        assertThrows(DataException.class, () -> DataLoader.shuffled(indexed(3), 2, null));
    }

    @Test
    void batchesAreCopies() {
        TensorDataset d = indexed(4);
        Batch b = DataLoader.inOrder(d, 4).iterator().next();
        b.x().fill_(-1);
        assertEquals(2f, d.get(2).x().toFloatArray()[0], "changing a batch does not change the data set");
    }
}
