package dev.backprop.data;

import dev.backprop.DType;
import dev.backprop.Shape;
import dev.backprop.Storage;
import dev.backprop.Tensor;
import dev.backprop.kernels.Parallel;

import java.util.Arrays;

/**
 * A data set held in memory as one float32 feature array and one target array (PyTorch's {@code TensorDataset}).
 *
 * <ul>
 *   <li>features: (N, ...) float32, row-major; each sample is {@link #sampleShape()};</li>
 *   <li>targets: (N) int64 class indices in [0, {@link #numClasses()}) for classification, or (N, k) float32 for
 *       regression. A 1-D float target (N) is stored as (N, 1), so that it lines up with the (B, 1) output of a
 *       {@code Linear(…, 1)} layer (a (B, 1) − (B) difference would silently broadcast to (B, B)).</li>
 * </ul>
 *
 * <p>{@link #batch(int[])} gathers a batch with one {@link System#arraycopy} per row into a new contiguous
 * {@code float[]} (no per-element work, no boxing). Instances are immutable: {@link #get(int)} and
 * {@link #batch(int[])} return copies; {@link #features()} and {@link #targets()} are views of the stored arrays
 * and must not be changed in place.
 */
public final class TensorDataset implements Dataset {
    private final float[] x;
    private final int[] sampleShape;
    private final int rowSize;
    private final int n;
    private final long[] labels;   // classification, else null
    private final int numClasses;  // classification, else 0
    private final float[] values;  // regression, else null
    private final int width;       // regression target width k

    private TensorDataset(float[] x, int[] sampleShape, int n, long[] labels, int numClasses, float[] values, int width) {
        this.x = x;
        this.sampleShape = sampleShape;
        this.rowSize = Math.toIntExact(Shape.numel(sampleShape));
        this.n = n;
        this.labels = labels;
        this.numClasses = numClasses;
        this.values = values;
        this.width = width;
    }

    /**
     * A data set from tensors (both copied): float features (N, ...) and targets, int64 (N) for classification
     * (the class count is the largest label + 1) or float (N) / (N, k) for regression.
     */
    public TensorDataset(Tensor features, Tensor targets) {
        this(features, targets, -1);
    }

    /**
     * A data set from tensors (both copied). For int64 targets, {@code numClasses} fixes the class count (every
     * label must lie in [0, numClasses)); -1 infers it as the largest label + 1. Ignored for float targets.
     */
    public TensorDataset(Tensor features, Tensor targets, int numClasses) {
        this(from(features, targets, numClasses));
    }

    private TensorDataset(TensorDataset d) {
        this(d.x, d.sampleShape, d.n, d.labels, d.numClasses, d.values, d.width);
    }

    private static TensorDataset from(Tensor features, Tensor targets, int numClasses) {
        if (features.dim() < 1) {
            throw new DataException("TensorDataset: features need a first (sample) dimension, got shape "
                    + Shape.str(features.shape()));
        }
        if (features.dtype() == DType.BOOL || features.dtype() == DType.INT64) {
            throw new DataException("TensorDataset: features must be float32 (or float64, converted), got " + features.dtype());
        }
        int[] fs = features.shape();
        int[] sample = Arrays.copyOfRange(fs, 1, fs.length);
        float[] xs = features.detach().toFloatArray();
        if (targets.dim() < 1 || targets.size(0) != fs[0]) {
            throw new DataException("TensorDataset: features have " + fs[0] + " samples (shape " + Shape.str(fs)
                    + ") but targets have shape " + Shape.str(targets.shape()));
        }
        return switch (targets.dtype()) {
            case INT64 -> {
                if (targets.dim() != 1) {
                    throw new DataException("TensorDataset: int64 class targets must be 1-D (N), got shape "
                            + Shape.str(targets.shape()) + "; use float targets for regression");
                }
                yield classification(xs, sample, targets.toLongArray(), numClasses);
            }
            case FLOAT32, FLOAT64 -> {
                if (targets.dim() > 2) {
                    throw new DataException("TensorDataset: float targets must be (N) or (N, k), got shape "
                            + Shape.str(targets.shape()));
                }
                int k = targets.dim() == 1 ? 1 : targets.size(1);
                yield regression(xs, sample, targets.detach().toFloatArray(), k);
            }
            case BOOL -> throw new DataException("TensorDataset: targets must be int64 (classes) or float (regression), got bool");
        };
    }

    /**
     * A classification data set that takes ownership of the arrays (no copy): {@code features} holds
     * {@code labels.length} rows of {@code sampleShape}, row-major. {@code numClasses} = -1 infers it as the
     * largest label + 1.
     */
    public static TensorDataset classification(float[] features, int[] sampleShape, long[] labels, int numClasses) {
        int[] s = checkFeatures(features, sampleShape, labels.length);
        long max = -1;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) throw new DataException("TensorDataset: label " + labels[i] + " at index " + i + " is negative");
            max = Math.max(max, labels[i]);
        }
        int classes = numClasses;
        if (classes < 0) {
            classes = (int) Math.min(Integer.MAX_VALUE, max + 1);
        } else if (max >= classes) {
            int at = 0;
            while (labels[at] < classes) at++;
            throw new DataException("TensorDataset: label " + labels[at] + " at index " + at + " is out of range for "
                    + classes + " classes");
        }
        return new TensorDataset(features, s, labels.length, labels, classes, null, 0);
    }

    /**
     * A regression data set that takes ownership of the arrays (no copy): {@code targets} holds N rows of
     * {@code width} values, {@code features} N rows of {@code sampleShape}.
     */
    public static TensorDataset regression(float[] features, int[] sampleShape, float[] targets, int width) {
        if (width <= 0) throw new DataException("TensorDataset: target width must be positive, got " + width);
        if (targets.length % width != 0) {
            throw new DataException("TensorDataset: " + targets.length + " target values do not make rows of " + width);
        }
        int count = targets.length / width;
        int[] s = checkFeatures(features, sampleShape, count);
        return new TensorDataset(features, s, count, null, 0, targets, width);
    }

    private static int[] checkFeatures(float[] features, int[] sampleShape, int count) {
        int[] s = Shape.checked("TensorDataset", sampleShape);
        long row = Shape.numel(s);
        if ((long) count * row != features.length) {
            throw new DataException("TensorDataset: " + features.length + " feature values are not " + count
                    + " samples of shape " + Shape.str(s));
        }
        return s;
    }

    // ------------------------------------------------------------------------------------------------ metadata

    @Override
    public int size() {
        return n;
    }

    /** The shape of one sample's features (without the batch dimension). */
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    /** The number of feature values per sample. */
    public int featureCount() {
        return rowSize;
    }

    /** The task these targets serve. */
    public Task task() {
        return labels != null ? Task.CLASSIFICATION : Task.REGRESSION;
    }

    public boolean isClassification() {
        return labels != null;
    }

    /** The number of classes (classification), 0 for regression. */
    public int numClasses() {
        return numClasses;
    }

    /** The width k of regression targets (N, k); 0 for classification. */
    public int targetWidth() {
        return width;
    }

    /** The class index of sample {@code i} (classification only). */
    public int label(int i) {
        requireLabels("label");
        return (int) labels[checkIndex(i)];
    }

    /** All class indices, in sample order (a copy; classification only). */
    public long[] labels() {
        requireLabels("labels");
        return labels.clone();
    }

    /** How many samples each class has (classification only). */
    public int[] classCounts() {
        requireLabels("classCounts");
        int[] c = new int[numClasses];
        for (long l : labels) c[(int) l]++;
        return c;
    }

    /** All features as one (N, ...) float32 tensor: a view of the stored array, not to be changed in place. */
    public Tensor features() {
        int[] shape = prepend(n, sampleShape);
        return Tensor.fromStorage(Storage.wrap(x), 0, shape, Shape.contiguousStrides(shape));
    }

    /** All targets: (N) int64 or (N, k) float32; a view of the stored array, not to be changed in place. */
    public Tensor targets() {
        if (labels != null) return Tensor.fromStorage(Storage.wrap(labels), 0, new int[] {n}, new int[] {1});
        return Tensor.fromStorage(Storage.wrap(values), 0, new int[] {n, width}, new int[] {width, 1});
    }

    // ------------------------------------------------------------------------------------------------ access

    @Override
    public Sample get(int i) {
        checkIndex(i);
        float[] row = Arrays.copyOfRange(x, i * rowSize, (i + 1) * rowSize);
        Tensor xi = Tensor.fromStorage(Storage.wrap(row), 0, sampleShape, Shape.contiguousStrides(sampleShape));
        Tensor yi;
        if (labels != null) {
            yi = Tensor.fromStorage(Storage.wrap(new long[] {labels[i]}), 0, new int[0], new int[0]);
        } else {
            yi = Tensor.fromStorage(Storage.wrap(Arrays.copyOfRange(values, i * width, (i + 1) * width)), 0,
                    new int[] {width}, new int[] {1});
        }
        return new Sample(xi, yi);
    }

    /** The rows at {@code indices}, in that order: one array copy per row into new contiguous arrays. */
    @Override
    public Batch batch(int[] indices) {
        int b = indices.length;
        float[] xb = new float[Math.multiplyExact(b, rowSize)];
        for (int index : indices) checkIndex(index);
        // Rows come from random places in a large array (memory latency, not arithmetic): the threads share them.
        Parallel.forRange(b, Math.max(1, (1 << 14) / Math.max(rowSize, 1)), (from, to) -> {
            for (int j = from; j < to; j++) System.arraycopy(x, indices[j] * rowSize, xb, j * rowSize, rowSize);
        });
        int[] xShape = prepend(b, sampleShape);
        Tensor bx = Tensor.fromStorage(Storage.wrap(xb), 0, xShape, Shape.contiguousStrides(xShape));
        Tensor by;
        if (labels != null) {
            long[] yb = new long[b];
            for (int j = 0; j < b; j++) yb[j] = labels[indices[j]];
            by = Tensor.fromStorage(Storage.wrap(yb), 0, new int[] {b}, new int[] {1});
        } else {
            float[] yb = new float[b * width];
            for (int j = 0; j < b; j++) System.arraycopy(values, indices[j] * width, yb, j * width, width);
            by = Tensor.fromStorage(Storage.wrap(yb), 0, new int[] {b, width}, new int[] {width, 1});
        }
        return new Batch(bx, by);
    }

    /** A new data set holding the rows at {@code indices}, in that order (copied; the class count is kept). */
    public TensorDataset subset(int[] indices) {
        int b = indices.length;
        float[] xs = new float[Math.multiplyExact(b, rowSize)];
        for (int j = 0; j < b; j++) System.arraycopy(x, checkIndex(indices[j]) * rowSize, xs, j * rowSize, rowSize);
        if (labels != null) {
            long[] ys = new long[b];
            for (int j = 0; j < b; j++) ys[j] = labels[indices[j]];
            return new TensorDataset(xs, sampleShape, b, ys, numClasses, null, 0);
        }
        float[] ys = new float[b * width];
        for (int j = 0; j < b; j++) System.arraycopy(values, indices[j] * width, ys, j * width, width);
        return new TensorDataset(xs, sampleShape, b, null, 0, ys, width);
    }

    /**
     * The same features with the class indices as float32 targets of shape (N, 1) (label 1 becomes 1.0f): what a
     * network with one sigmoid output trained with MSE or BCE expects, as in the classic 2-2-1 XOR network.
     * Features are shared, not copied. A regression data set is returned unchanged.
     */
    public TensorDataset withFloatTargets() {
        if (labels == null) return this;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = labels[i];
        return new TensorDataset(x, sampleShape, n, null, 0, v, 1);
    }

    /** The same features with one-hot float32 targets (N, numClasses) (classification only; features shared). */
    public TensorDataset withOneHotTargets() {
        requireLabels("withOneHotTargets");
        float[] v = new float[Math.multiplyExact(n, numClasses)];
        for (int i = 0; i < n; i++) v[i * numClasses + (int) labels[i]] = 1f;
        return new TensorDataset(x, sampleShape, n, null, 0, v, numClasses);
    }

    /** The same targets with new features of the same count (used by {@link Normalization}; takes ownership). */
    TensorDataset withFeatures(float[] newFeatures) {
        if (newFeatures.length != x.length) throw new IllegalStateException("feature count changed");
        return new TensorDataset(newFeatures, sampleShape, n, labels, numClasses, values, width);
    }

    /** The stored feature array itself (package use: statistics without a copy). */
    float[] rawFeatures() {
        return x;
    }

    @Override
    public String toString() {
        return "TensorDataset(" + n + " × " + Shape.str(sampleShape) + ", "
                + (labels != null ? numClasses + " classes" : "regression targets (N, " + width + ")") + ")";
    }

    private int checkIndex(int i) {
        if (i < 0 || i >= n) throw new IndexOutOfBoundsException("sample index " + i + " is out of range for a data set of " + n);
        return i;
    }

    private void requireLabels(String op) {
        if (labels == null) throw new IllegalStateException(op + ": this data set has regression targets, not class labels");
    }

    private static int[] prepend(int first, int[] rest) {
        int[] s = new int[rest.length + 1];
        s[0] = first;
        System.arraycopy(rest, 0, s, 1, rest.length);
        return s;
    }
}
