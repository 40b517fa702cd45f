package dev.backprop.nn;

import dev.backprop.DType;
import dev.backprop.GradMode;
import dev.backprop.Shape;
import dev.backprop.Tensor;

/**
 * Batch normalisation (PyTorch's {@code nn.BatchNorm1d} / {@code nn.BatchNorm2d}): each channel (dimension 1) is
 * normalised to zero mean and unit variance, then scaled by {@code weight} and shifted by {@code bias}.
 *
 * <ul>
 *   <li>Training: the batch's mean and BIASED variance over every dimension but the channel normalise the input;
 *       the running statistics move as running = (1 − momentum)·running + momentum·batch, with the UNBIASED
 *       batch variance for {@code running_var}; a null momentum makes them a cumulative average (momentum
 *       1/num_batches_tracked). {@code num_batches_tracked} counts the training batches.</li>
 *   <li>Evaluation: the running statistics normalise instead (without {@code trackRunningStats}, the batch's
 *       own, in both modes).</li>
 * </ul>
 * State-dict keys, in PyTorch's order: {@code weight}, {@code bias} (with {@code affine}), {@code running_mean},
 * {@code running_var}, {@code num_batches_tracked} (an int64 scalar; with {@code trackRunningStats}).
 */
public abstract sealed class BatchNorm extends Module permits BatchNorm1d, BatchNorm2d {
    private final int numFeatures;
    private final double eps;
    private final Double momentum;
    private final boolean affine, trackRunningStats;
    private final Parameter weight, bias;
    private final Tensor runningMean, runningVar, numBatchesTracked;

    BatchNorm(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        String name = getClass().getSimpleName();
        if (numFeatures <= 0) throw new IllegalArgumentException(name + ": numFeatures must be positive, got " + numFeatures);
        if (!(eps >= 0)) throw new IllegalArgumentException(name + ": eps must be non-negative, got " + eps);
        if (momentum != null && !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(name + ": momentum must be in [0, 1] (or null for a cumulative average), got " + momentum);
        }
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.trackRunningStats = trackRunningStats;
        weight = affine ? registerParameter("weight", Tensor.ones(numFeatures)) : null;
        bias = affine ? registerParameter("bias", Tensor.zeros(numFeatures)) : null;
        if (trackRunningStats) {
            runningMean = registerBuffer("running_mean", Tensor.zeros(numFeatures));
            runningVar = registerBuffer("running_var", Tensor.ones(numFeatures));
            numBatchesTracked = registerBuffer("num_batches_tracked", Tensor.zeros(DType.INT64));
        } else {
            runningMean = runningVar = numBatchesTracked = null;
        }
    }

    /** The number of channels C. */
    public int numFeatures() { return numFeatures; }

    /** The ε added to the variance. */
    public double eps() { return eps; }

    /** The running-average momentum, or null for a cumulative average. */
    public Double momentum() { return momentum; }

    /** Whether there are a learned weight and bias. */
    public boolean affine() { return affine; }

    /** Whether running statistics are kept (and used in evaluation). */
    public boolean trackRunningStats() { return trackRunningStats; }

    /** γ, shape [C] (null without affine). */
    public Parameter weight() { return weight; }

    /** β, shape [C] (null without affine). */
    public Parameter bias() { return bias; }

    /** The running mean buffer, shape [C] (null without trackRunningStats). */
    public Tensor runningMean() { return runningMean; }

    /** The running (unbiased) variance buffer, shape [C] (null without trackRunningStats). */
    public Tensor runningVar() { return runningVar; }

    /** The int64 scalar count of training batches seen (null without trackRunningStats). */
    public Tensor numBatchesTracked() { return numBatchesTracked; }

    /** Throws unless x has a rank this layer takes. */
    abstract void checkInput(Tensor x);

    @Override
    public Tensor forward(Tensor x) {
        checkInput(x);
        if (x.size(1) != numFeatures) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": expected " + numFeatures + " channels (dimension 1), got input "
                    + Shape.str(x.shape()));
        }
        double factor = momentum == null ? 0 : momentum;
        if (isTraining() && trackRunningStats) {
            if (x.numel() / x.size(1) <= 1) {
                throw new IllegalArgumentException("batch_norm: expected more than 1 value per channel when training, got input "
                        + Shape.str(x.shape()));
            }
            try (var scope = GradMode.noGrad()) {
                numBatchesTracked.set(numBatchesTracked.item() + 1);
            }
            if (momentum == null) factor = 1.0 / numBatchesTracked.item();
        }
        boolean useBatch = isTraining() || !trackRunningStats;
        return Functional.batchNorm(x, runningMean, runningVar, weight, bias, useBatch, factor, eps);
    }

    @Override
    public String describe() {
        return getClass().getSimpleName() + "(" + numFeatures + ", eps=" + Pools.py(eps) + ", momentum="
                + (momentum == null ? "None" : Pools.py(momentum)) + ", affine=" + (affine ? "True" : "False")
                + ", track_running_stats=" + (trackRunningStats ? "True" : "False") + ")";
    }
}
