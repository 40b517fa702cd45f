package dev.backprop.data;

/**
 * Options for {@link DataSets#load(String, LoadOptions)}. Start from {@link #defaults()} and change what you need:
 * {@code LoadOptions.defaults().labelColumn("species").task(Task.CLASSIFICATION)}.
 *
 * @param labelColumn  CSV: the label column's name; null for the default (label/target/class, else the last column)
 * @param task         CSV: classification or regression; null to infer it from the labels
 * @param testFraction CSV: the fraction of rows held out as the test set, in [0, 1) (default 0.2)
 * @param seed         CSV: the seed of the train/test split (default 0)
 * @param floatTargets give classification targets as float32 (N, 1) instead of int64 (N) — for a network with one
 *                     sigmoid output trained with MSE or BCE, such as the 2-2-1 XOR network
 *                     (see {@link LabeledData#withFloatTargets()})
 */
public record LoadOptions(String labelColumn, Task task, double testFraction, long seed, boolean floatTargets) {
    public LoadOptions {
        if (!(testFraction >= 0 && testFraction < 1)) {
            throw new DataException("test fraction must be in [0, 1), got " + testFraction);
        }
    }

    /** No label column, task inferred, 20% test split with seed 0, int64 class targets. */
    public static LoadOptions defaults() {
        return new LoadOptions(null, null, 0.2, 0, false);
    }

    public LoadOptions labelColumn(String name) {
        return new LoadOptions(name, task, testFraction, seed, floatTargets);
    }

    public LoadOptions task(Task t) {
        return new LoadOptions(labelColumn, t, testFraction, seed, floatTargets);
    }

    public LoadOptions testFraction(double f) {
        return new LoadOptions(labelColumn, task, f, seed, floatTargets);
    }

    public LoadOptions seed(long s) {
        return new LoadOptions(labelColumn, task, testFraction, s, floatTargets);
    }

    public LoadOptions floatTargets(boolean on) {
        return new LoadOptions(labelColumn, task, testFraction, seed, on);
    }
}
