package dev.backprop.nn;

import dev.backprop.Shape;
import dev.backprop.Tensor;

/** Batch normalisation of [N, C, H, W] inputs (PyTorch's {@code nn.BatchNorm2d}); see {@link BatchNorm}. */
public final class BatchNorm2d extends BatchNorm {

    /** eps 1e-5, momentum 0.1, affine, tracking running statistics (PyTorch's defaults). */
    public BatchNorm2d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true);
    }

    public BatchNorm2d(int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, Double.valueOf(momentum), affine, trackRunningStats);
    }

    /** A null momentum keeps a cumulative average of the batch statistics. */
    public BatchNorm2d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override
    void checkInput(Tensor x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException("BatchNorm2d: expected a 4-D [N, C, H, W] input, got " + Shape.str(x.shape()));
        }
    }
}
