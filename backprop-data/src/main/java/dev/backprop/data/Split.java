package dev.backprop.data;

import dev.backprop.Generator;

import java.util.Arrays;

/**
 * A deterministic division of a data set into a training part and a validation (or test) part.
 *
 * <p>The rule, fixed so that the same seed gives the same split on every machine and JDK (the shuffles use
 * backprop's own {@link Generator}, not {@code java.util.Random}):
 * <ul>
 *   <li>{@link #random}: shuffle [0, N) with {@code new Generator(seed)}; the first round(N·fraction) indices
 *       (at least 1 when fraction > 0 and N ≥ 2, at most N − 1) form the validation part;</li>
 *   <li>{@link #stratified}: for each class in ascending order, shuffle that class's indices (in data set order)
 *       with the one generator and move the first round(count·fraction) of them to the validation part, so each
 *       class keeps its proportion (a class with a single example stays in training).</li>
 * </ul>
 * Both parts list their indices in ascending order, so they keep the data set's order.
 */
public record Split(TensorDataset train, TensorDataset validation) {

    /** Indices of the two parts, each ascending. */
    public record Indices(int[] train, int[] validation) {}

    /** A random split of {@code data}: about {@code fraction} of it goes to validation. */
    public static Split random(TensorDataset data, double fraction, long seed) {
        return of(data, randomIndices(data.size(), fraction, seed));
    }

    /** A split that keeps each class's proportion (classification only). */
    public static Split stratified(TensorDataset data, double fraction, long seed) {
        if (!data.isClassification()) {
            throw new DataException("stratified split needs class labels; this data set has regression targets "
                    + "(use Split.random)");
        }
        return of(data, stratifiedIndices(data.labels(), data.numClasses(), fraction, seed));
    }

    /** Stratified for classification, random for regression. */
    public static Split auto(TensorDataset data, double fraction, long seed) {
        return data.isClassification() ? stratified(data, fraction, seed) : random(data, fraction, seed);
    }

    /** The two parts of {@code data} for the given indices. */
    public static Split of(TensorDataset data, Indices indices) {
        return new Split(data.subset(indices.train()), data.subset(indices.validation()));
    }

    /** The index form of {@link #random}. */
    public static Indices randomIndices(int n, double fraction, long seed) {
        checkFraction(fraction);
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        new Generator(seed).shuffle(order);
        int k = (int) Math.round(n * fraction);
        if (fraction > 0 && n >= 2) k = Math.max(1, Math.min(k, n - 1));
        int[] val = Arrays.copyOfRange(order, 0, k);
        int[] train = Arrays.copyOfRange(order, k, n);
        Arrays.sort(val);
        Arrays.sort(train);
        return new Indices(train, val);
    }

    /** The index form of {@link #stratified}: labels in [0, numClasses). */
    public static Indices stratifiedIndices(long[] labels, int numClasses, double fraction, long seed) {
        checkFraction(fraction);
        int[] counts = new int[numClasses];
        for (long l : labels) counts[(int) l]++;
        int[][] byClass = new int[numClasses][];
        for (int c = 0; c < numClasses; c++) byClass[c] = new int[counts[c]];
        int[] fill = new int[numClasses];
        for (int i = 0; i < labels.length; i++) byClass[(int) labels[i]][fill[(int) labels[i]]++] = i;
        Generator g = new Generator(seed);
        int[] val = new int[labels.length];
        int[] train = new int[labels.length];
        int nv = 0, nt = 0;
        for (int c = 0; c < numClasses; c++) {
            int[] idx = byClass[c];
            g.shuffle(idx);
            int k = (int) Math.round(idx.length * fraction);
            for (int j = 0; j < idx.length; j++) {
                if (j < k) val[nv++] = idx[j];
                else train[nt++] = idx[j];
            }
        }
        val = Arrays.copyOf(val, nv);
        train = Arrays.copyOf(train, nt);
        Arrays.sort(val);
        Arrays.sort(train);
        return new Indices(train, val);
    }

    private static void checkFraction(double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new DataException("split: the validation fraction must be in [0, 1), got " + fraction);
        }
    }
}
