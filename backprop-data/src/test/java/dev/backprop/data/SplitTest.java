package dev.backprop.data;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitTest {

    @Property(tries = 100, seed = "20261203")
    void randomSplitPartitionsTheIndices(@ForAll @IntRange(min = 0, max = 500) int n,
                                         @ForAll @DoubleRange(min = 0, max = 0.95) double fraction, @ForAll long seed) {
        Split.Indices s = Split.randomIndices(n, fraction, seed);
        int[] all = IntStream.concat(Arrays.stream(s.train()), Arrays.stream(s.validation())).sorted().toArray();
        assertArrayEquals(IntStream.range(0, n).toArray(), all);
        assertTrue(isAscending(s.train()) && isAscending(s.validation()));
        if (fraction > 0 && n >= 2) assertTrue(s.validation().length >= 1 && s.train().length >= 1);
        if (n >= 2) assertTrue(Math.abs(s.validation().length - n * fraction) <= 1, "size " + s.validation().length);
        assertArrayEquals(s.validation(), Split.randomIndices(n, fraction, seed).validation(), "deterministic");
    }

    @Test
    void stratifiedKeepsEachClassProportion() {
        long[] labels = new long[300];
        for (int i = 0; i < 300; i++) labels[i] = i < 200 ? 0 : i < 290 ? 1 : 2; // 200 / 90 / 10
        Split.Indices s = Split.stratifiedIndices(labels, 3, 0.1, 7);
        int[] counts = new int[3];
        for (int i : s.validation()) counts[(int) labels[i]]++;
        assertArrayEquals(new int[] {20, 9, 1}, counts);
        assertEquals(270, s.train().length);
        assertFalse(Arrays.equals(s.validation(), Split.stratifiedIndices(labels, 3, 0.1, 8).validation()), "seed matters");
    }

    @Test
    void splitsDataSetsAndChecksArguments() {
        TensorDataset d = DataLoaderTest.indexed(50);
        Split s = Split.random(d, 0.2, 1);
        assertEquals(40, s.train().size());
        assertEquals(10, s.validation().size());
        assertEquals(50, s.validation().numClasses(), "class count is kept by subsets");
        for (int i = 0; i < s.validation().size(); i++) {
            assertEquals(s.validation().label(i), (long) s.validation().get(i).x().toFloatArray()[0]);
        }
        assertThrows(DataException.class, () -> Split.random(d, 1.0, 1));
        assertThrows(DataException.class, () -> Split.random(d, -0.1, 1));
        TensorDataset reg = TensorDataset.regression(new float[4], new int[] {1}, new float[4], 1);
        assertThrows(DataException.class, () -> Split.stratified(reg, 0.5, 0));
        assertEquals(2, Split.auto(reg, 0.5, 0).validation().size());
    }

    private static boolean isAscending(int[] a) {
        for (int i = 1; i < a.length; i++) if (a[i - 1] >= a[i]) return false;
        return true;
    }
}
