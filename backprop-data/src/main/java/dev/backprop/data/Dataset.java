package dev.backprop.data;

import dev.backprop.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A finite, indexable collection of examples (PyTorch's map-style {@code Dataset}).
 *
 * <p>{@link DataLoader} asks for whole batches through {@link #batch(int[])}; the default stacks the samples one by
 * one, and {@link TensorDataset} overrides it with a single gather (one array copy per row).
 */
public interface Dataset {
    /** The number of examples. */
    int size();

    /** Example {@code i}, 0 ≤ i < size(). */
    Sample get(int i);

    /**
     * The examples at {@code indices} stacked along a new first dimension, in that order. Implementations with
     * their data in one array should override this with a direct gather.
     */
    default Batch batch(int[] indices) {
        if (indices.length == 0) throw new DataException("batch: needs at least one index");
        List<Tensor> xs = new ArrayList<>(indices.length);
        List<Tensor> ys = new ArrayList<>(indices.length);
        for (int i : indices) {
            Sample s = get(i);
            xs.add(s.x().detach());
            ys.add(s.y().detach());
        }
        return new Batch(Tensor.stack(xs, 0).contiguous(), Tensor.stack(ys, 0).contiguous());
    }
}
