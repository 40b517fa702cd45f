package dev.backprop.data;

import dev.backprop.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NormalizationTest {
    // 3 samples × 2 features; feature 1 is constant
    static final TensorDataset TRAIN = TensorDataset.classification(new float[] {1, 5, 2, 5, 3, 5}, new int[] {2},
            new long[] {0, 1, 0}, 2);
    static final TensorDataset TEST = TensorDataset.classification(new float[] {100, 7}, new int[] {2}, new long[] {1}, 2);

    @Test
    void perFeatureStatisticsComeFromTheTrainingSetOnly() {
        Normalization n = Normalization.fit(TRAIN, Normalization.Mode.PER_FEATURE);
        assertArrayEquals(new float[] {2, 5}, n.mean());
        assertEquals((float) Math.sqrt(2.0 / 3), n.std()[0], 1e-7f);
        assertEquals(1f, n.std()[1], "a zero std is replaced by 1");
        float[] tr = n.apply(TRAIN).features().toFloatArray();
        float s = (float) Math.sqrt(2.0 / 3);
        assertArrayEquals(new float[] {-1 / s, 0, 0, 0, 1 / s, 0}, tr, 1e-6f);
        // the test set is transformed with the training statistics, not its own
        float[] te = n.apply(TEST).features().toFloatArray();
        assertArrayEquals(new float[] {98 / s, 2}, te, 1e-4f);
        assertArrayEquals(new long[] {1}, n.apply(TEST).labels(), "targets untouched");
        assertArrayEquals(new float[] {100, 7}, TEST.features().toFloatArray(), "the input data set is not changed");
    }

    @Test
    void normalisedTrainingFeaturesHaveZeroMeanAndUnitStd() {
        TensorDataset digits = DataSets.digits().train();
        Normalization first = Normalization.fit(digits, Normalization.Mode.PER_FEATURE);
        TensorDataset z = first.apply(digits);
        Normalization again = Normalization.fit(z, Normalization.Mode.PER_FEATURE);
        for (float m : again.mean()) assertEquals(0f, m, 1e-5f);
        double meanStd = 0;
        Normalization raw = Normalization.fit(digits, Normalization.Mode.PER_FEATURE);
        float[] before = raw.std();
        for (float s : before) meanStd += s / before.length;
        int unit = 0;
        for (int j = 0; j < again.std().length; j++) {
            float s = again.std()[j];
            // Features above the floor come out with std 1; floored ones (and constant ones, centred to 0) below it.
            assertTrue(s <= 1f + 1e-4f, "std " + s);
            if (Math.abs(s - 1f) < 1e-4f) unit++;
        }
        assertTrue(unit > 40, unit + " of 64 digit pixels vary enough to come out with std 1");
        assertTrue(first.std()[0] == 1f, "the always-blank corner pixel keeps std 1 (only centred)");
        assertTrue(meanStd > 0);
        Normalization g = Normalization.fit(z, Normalization.Mode.GLOBAL);
        assertEquals(0f, g.mean()[0], 1e-5f);
    }

    @Test
    void inPlaceNormalisationGivesTheSameValuesAsACopy() {
        LabeledData copied = DataSets.digits();
        LabeledData loaded = DataSets.digits();
        Normalization n = Normalization.fit(copied.train(), Normalization.Mode.PER_FEATURE);
        LabeledData expected = copied.normalize(n);
        float[] rawTrain = copied.train().features().toFloatArray();
        LabeledData inPlace = loaded.normalizeInPlace(n);
        assertSame(loaded, inPlace);
        assertArrayEquals(expected.train().features().toFloatArray(), inPlace.train().features().toFloatArray());
        assertArrayEquals(expected.test().features().toFloatArray(), inPlace.test().features().toFloatArray());
        assertArrayEquals(rawTrain, copied.train().features().toFloatArray(), "the copying version leaves its input alone");
    }

    @Test
    void globalStatistics() {
        Normalization n = Normalization.fit(TRAIN, Normalization.Mode.GLOBAL);
        assertEquals(1, n.mean().length);
        assertEquals(21f / 6, n.mean()[0], 1e-6f);
        double var = 0;
        for (float v : new float[] {1, 5, 2, 5, 3, 5}) var += (v - 3.5) * (v - 3.5);
        assertEquals((float) Math.sqrt(var / 6), n.std()[0], 1e-6f);
    }

    @Test
    void roundTripsThroughAJsonFriendlyMap() {
        Normalization n = Normalization.fit(TRAIN, Normalization.Mode.PER_FEATURE);
        Map<String, Object> m = n.toMap();
        assertEquals("per-feature", m.get("mode"));
        assertTrue(m.get("mean") instanceof List<?>);
        assertEquals(n, Normalization.fromMap(m));
        // as a JSON parser would hand it back: plain numbers, maybe integers
        Normalization parsed = Normalization.fromMap(Map.of("mode", "global", "mean", List.of(2), "std", List.of(0.5)));
        assertArrayEquals(new float[] {0, 2}, parsed.apply(Tensor.of(new float[] {2, 3})).toFloatArray());
        assertThrows(DataException.class, () -> Normalization.fromMap(Map.of("mode", "global", "mean", List.of("x"),
                "std", List.of(1))));
        assertThrows(DataException.class, () -> Normalization.fromMap(Map.of("mean", List.of(1))));
    }

    @Test
    void appliesToSamplesAndBatchesOfTheFittedShape() {
        Normalization n = Normalization.fit(TRAIN, Normalization.Mode.PER_FEATURE);
        Tensor batch = n.apply(Tensor.of(new float[] {2, 5, 4, 6}, 2, 2));
        assertArrayEquals(new int[] {2, 2}, batch.shape());
        float s = (float) Math.sqrt(2.0 / 3);
        assertArrayEquals(new float[] {0, 0, 2 / s, 1}, batch.toFloatArray(), 1e-5f);
        assertArrayEquals(new float[] {0, 0}, n.apply(Tensor.of(new float[] {2, 5})).toFloatArray());
        DataException e = assertThrows(DataException.class, () -> n.apply(Tensor.of(new float[] {1, 2, 3}, 1, 3)));
        assertEquals("normalization: input of shape [1, 3] does not end in a sample of 2 features", e.getMessage());
        LabeledData d = DataSets.xor().normalize(Normalization.fit(DataSets.xor().train(), Normalization.Mode.PER_FEATURE));
        assertArrayEquals(new float[] {-1, -1, -1, 1, 1, -1, 1, 1}, d.train().features().toFloatArray(), 1e-6f);
        assertTrue(d.train() == d.test(), "xor keeps train = test");
    }
}
