package dev.backprop.data;

import dev.backprop.Generator;

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
 * </ul>
 * Not thread-safe (the generator is not); each epoch's order is fixed when its iterator is created.
 */
public final class DataLoader implements Iterable<Batch> {
    private final Dataset dataset;
    private final int batchSize;
    private final Generator generator;
    private final boolean dropLast;
    private int epochs;

    /**
     * @param dataset   the examples
     * @param batchSize examples per batch, ≥ 1
     * @param shuffle   the generator that shuffles each epoch, or null to keep the data set's order
     * @param dropLast  drop the final batch of an epoch when it is smaller than {@code batchSize}
     */
    public DataLoader(Dataset dataset, int batchSize, Generator shuffle, boolean dropLast) {
        if (dataset == null) throw new DataException("DataLoader: the data set is null");
        if (batchSize < 1) throw new DataException("DataLoader: batch size must be at least 1, got " + batchSize);
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.generator = shuffle;
        this.dropLast = dropLast;
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
                return dataset.batch(Arrays.copyOfRange(order, from, to));
            }
        };
    }

    @Override
    public String toString() {
        return "DataLoader(" + dataset.size() + " examples, batch " + batchSize + (generator != null ? ", shuffled" : "")
                + (dropLast ? ", drop last" : "") + ", " + numBatches() + " batches)";
    }
}
