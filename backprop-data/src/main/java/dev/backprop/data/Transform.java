package dev.backprop.data;

import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.Shape;
import dev.backprop.Storage;
import dev.backprop.Tensor;

/**
 * A random (or fixed) change to one example image, for data augmentation: torchvision's transforms, applied to
 * one [C, H, W] float32 image at a time. {@link Transforms} makes them; {@link DataLoader#withTransform} applies
 * them on the fly to training batches.
 *
 * <p>Contract of {@link #apply(float[], int, int, int, int, float[], Generator)}:
 * <ul>
 *   <li>the image is {@code x[offset .. offset + C·H·W)}, row-major (channel, row, column), and is overwritten
 *       with the result (same shape: a transform never resizes);</li>
 *   <li>{@code scratch} holds at least C·H·W floats the transform may overwrite (spatial moves copy the image
 *       there first), so applying a transform allocates nothing: the caller keeps one scratch array per thread;</li>
 *   <li>every random number comes from {@code random}, in a fixed order, so the same generator state gives the
 *       same result; a transform holds no mutable state and is safe to share between threads.</li>
 * </ul>
 */
public interface Transform {
    /** Transforms the [channels, height, width] image at {@code x[offset..]} in place (see the class comment). */
    void apply(float[] x, int offset, int channels, int height, int width, float[] scratch, Generator random);

    /**
     * Checks that examples of {@code sampleShape} can be transformed, before any work: they must be images
     * [C, H, W]. Throws a one-line {@link DataException} saying what is wrong and what to do.
     */
    default void checkShape(int[] sampleShape) {
        Transforms.requireImage(sampleShape, toString());
    }

    /** This transform, then {@code next} (torchvision's {@code Compose([this, next])}). */
    default Transform andThen(Transform next) {
        return Transforms.compose(this, next);
    }

    /**
     * A transformed copy of one example (a [C, H, W] tensor; {@code example} is not changed), for trying a
     * transform out. The data loader uses the in-place form.
     */
    default Tensor apply(Tensor example, Generator random) {
        int[] shape = example.shape();
        checkShape(shape);
        if (example.dtype() == DType.BOOL || example.dtype() == DType.INT64) {
            throw new DataException(this + ": needs a float image, got " + example.dtype());
        }
        float[] x = example.detach().toFloatArray();
        apply(x, 0, shape[0], shape[1], shape[2], new float[x.length], random);
        return Tensor.fromStorage(Storage.wrap(x), 0, shape, Shape.contiguousStrides(shape));
    }
}
