package dev.backprop.nn;

import dev.backprop.Shape;
import dev.backprop.Tensor;

/** Batch normalisation of [N, C] or [N, C, L] inputs (PyTorch's {@code nn.BatchNorm1d}); see {@link BatchNorm}. */
public final class BatchNorm1d extends BatchNorm {

    /** eps 1e-5, momentum 0.1, affine, tracking running statistics (PyTorch's defaults). */
    public BatchNorm1d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true);
    }

    public BatchNorm1d(int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, Double.valueOf(momentum), affine, trackRunningStats);
    }

    /** A null momentum keeps a cumulative average of the batch statistics. */
    public BatchNorm1d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override
    void checkInput(Tensor x) {
        if (x.dim() != 2 && x.dim() != 3) {
            throw new IllegalArgumentException("BatchNorm1d: expected a 2-D [N, C] or 3-D [N, C, L] input, got " + Shape.str(x.shape()));
        }
    }
}
