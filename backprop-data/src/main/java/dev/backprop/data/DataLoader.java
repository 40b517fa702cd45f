package dev.backprop.data;

import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.Tensor;
import dev.backprop.kernels.Parallel;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Mini-batches over a {@link Dataset}, one epoch per {@link #iterator()} (PyTorch's {@code DataLoader}).
 *
 * <ul>
 *   <li>Every index in [0, size) appears exactly once per epoch (unless {@code dropLast} drops the final, short
 *       batch).</li>
 *   <li>Shuffling uses an explicit, seeded {@link Generator}: each epoch starts from the identity order and
 *       shuffles it (Fisher–Yates) with the next numbers of that generator. So epochs differ from each other, and
 *       a loader built with {@code new Generator(seed)} gives the same sequence of epochs on every run, machine
 *       and JDK. Sharing the generator with other consumers interleaves their draws (still reproducible).</li>
 *   <li>For a {@link TensorDataset} a batch is gathered with one array copy per row into a new contiguous
 *       array; the last batch of an epoch is smaller unless {@code dropLast}.</li>
 *   <li>With a {@link #withTransform transform} (data augmentation), each gathered example is transformed in
 *       place, on the fly, before the batch is returned. Example i of epoch e draws its random numbers from a
 *       generator seeded with {@link #exampleSeed exampleSeed(seed, e, i)}: what happens to an example depends only
 *       on the seed, the epoch and its index in the data set, never on the batch size, the order of the batches
 *       or the number of threads (the examples of a batch are transformed in parallel).</li>
 * </ul>
 * Not thread-safe (the generator is not); each epoch's order is fixed when its iterator is created.
 */
public final class DataLoader implements Iterable<Batch> {
    private final Dataset dataset;
    private final int batchSize;
    private final Generator generator;
    private final boolean dropLast;
    private final Transform transform;
    private final long transformSeed;
    private final int[] imageShape;
    private int epochs;

    /**
     * @param dataset   the examples
     * @param batchSize examples per batch, ≥ 1
     * @param shuffle   the generator that shuffles each epoch, or null to keep the data set's order
     * @param dropLast  drop the final batch of an epoch when it is smaller than {@code batchSize}
     */
    public DataLoader(Dataset dataset, int batchSize, Generator shuffle, boolean dropLast) {
        this(dataset, batchSize, shuffle, dropLast, null, 0, null);
    }

    private DataLoader(Dataset dataset, int batchSize, Generator shuffle, boolean dropLast, Transform transform,
                       long transformSeed, int[] imageShape) {
        if (dataset == null) throw new DataException("DataLoader: the data set is null");
        if (batchSize < 1) throw new DataException("DataLoader: batch size must be at least 1, got " + batchSize);
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.generator = shuffle;
        this.dropLast = dropLast;
        this.transform = transform;
        this.transformSeed = transformSeed;
        this.imageShape = imageShape;
    }

    /**
     * A loader like this one (same data, batch size, shuffling generator and drop-last) that applies
     * {@code transform} to every example of every batch, on the fly, with randomness from {@code seed} (see
     * {@link #exampleSeed}). For training data only: evaluate on an untransformed loader. The examples must be
     * images [C, H, W] (checked now, one-line {@link DataException} otherwise); the data set itself never changes.
     * The new loader counts its epochs from the start; use it instead of this one, not beside it (they share the
     * shuffling generator). A null transform gives a loader without one.
     */
    public DataLoader withTransform(Transform transform, long seed) {
        if (transform == null) return new DataLoader(dataset, batchSize, generator, dropLast);
        if (dataset.size() == 0) throw new DataException("DataLoader: cannot augment an empty data set");
        int[] shape = dataset instanceof TensorDataset t ? t.sampleShape() : dataset.get(0).x().shape();
        transform.checkShape(shape);
        return new DataLoader(dataset, batchSize, generator, dropLast, transform, seed, shape);
    }

    /** The transform applied to each example of a batch, or null. */
    public Transform transform() {
        return transform;
    }

    /**
     * The seed of the generator that transforms example {@code index} in epoch {@code epoch} (1 for the first
     * epoch a loader yields): the three numbers mixed by SplitMix64 finalisers, so that neighbouring indices and
     * epochs get unrelated streams. A pure function: the same arguments give the same seed on every machine.
     */
    public static long exampleSeed(long seed, int epoch, int index) {
        long h = mix64(seed + 0x9E3779B97F4A7C15L);
        h = mix64(h ^ (epoch * 0xD1B54A32D192ED03L + 0x632BE59BD9B4E019L));
        return mix64(h ^ (index * 0x8CB92BA72F3D8DD7L + 0x9E3779B97F4A7C15L));
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Transforms the examples of a freshly gathered batch in place: example j is data set example indices[j].
     * Chunks of examples go to the pool's threads; each chunk has one generator and one scratch image, reseeded
     * and reused for every example, so nothing is allocated per example.
     */
    private void augment(Batch b, int[] indices, int epoch) {
        Tensor x = b.x();
        if (x.dtype() != DType.FLOAT32 || !x.isContiguous()) {
            throw new DataException("DataLoader: augmentation needs float32 batches, got " + x.dtype()
                    + "; convert the data set's features to float32");
        }
        float[] data = x.storage().floats();
        int base = x.storageOffset();
        int c = imageShape[0], h = imageShape[1], w = imageShape[2];
        int size = c * h * w;
        Parallel.forRange(indices.length, Math.max(1, (1 << 13) / Math.max(size, 1)), (from, to) -> {
            Generator random = new Generator(0);
            float[] scratch = new float[size];
            for (int j = from; j < to; j++) {
                random.reseed(exampleSeed(transformSeed, epoch, indices[j]));
                transform.apply(data, base + j * size, c, h, w, scratch, random);
            }
        });
    }

    /** Batches in the data set's order, the last one possibly short (for evaluation). */
    public static DataLoader inOrder(Dataset dataset, int batchSize) {
        return new DataLoader(dataset, batchSize, null, false);
    }

    /** Batches in a new random order each epoch, drawn from {@code generator} (for training). */
    public static DataLoader shuffled(Dataset dataset, int batchSize, Generator generator) {
        if (generator == null) throw new DataException("DataLoader: shuffling needs a Generator (e.g. new Generator(seed))");
        return new DataLoader(dataset, batchSize, generator, false);
    }

    public Dataset dataset() {
        return dataset;
    }

    public int batchSize() {
        return batchSize;
    }

    public boolean shuffles() {
        return generator != null;
    }

    public boolean dropLast() {
        return dropLast;
    }

    /** How many batches one epoch yields. */
    public int numBatches() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** How many epochs (iterators) have been started. */
    public int epochsStarted() {
        return epochs;
    }

    /** The order of the next epoch: the identity, or its shuffle by the next numbers of the generator. */
    private int[] nextOrder() {
        int[] order = new int[dataset.size()];
        Arrays.setAll(order, i -> i);
        if (generator != null) generator.shuffle(order);
        epochs++;
        return order;
    }

    /** Starts a new epoch (a new order when shuffling). */
    @Override
    public Iterator<Batch> iterator() {
        int[] order = nextOrder();
        int epoch = epochs;
        int count = numBatches();
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < count;
            }

            @Override
            public Batch next() {
                if (next >= count) throw new NoSuchElementException("the epoch has ended (" + count + " batches)");
                int from = next * batchSize;
                int to = Math.min(from + batchSize, order.length);
                next++;
                int[] indices = Arrays.copyOfRange(order, from, to);
                Batch b = dataset.batch(indices);
                if (transform != null) augment(b, indices, epoch);
                return b;
            }
        };
    }

    @Override
    public String toString() {
        return "DataLoader(" + dataset.size() + " examples, batch " + batchSize + (generator != null ? ", shuffled" : "")
                + (dropLast ? ", drop last" : "") + (transform != null ? ", " + transform : "") + ", " + numBatches() + " batches)";
    }
}
