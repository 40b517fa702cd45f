package dev.backprop.nn;

import dev.backprop.Backprop;
import dev.backprop.DType;
import dev.backprop.Shape;
import dev.backprop.Tensor;
import dev.backprop.ops.LossOp;

import java.util.Arrays;

/**
 * Loss functions as plain functions of tensors (PyTorch's {@code torch.nn.functional}). Each is stable at
 * extreme inputs; the reduction is the mean over elements unless stated.
 */
public final class Functional {
    private Functional() {}

    /** How a per-element loss is combined. */
    public enum Reduction { MEAN, SUM, NONE }

    private static Tensor reduce(Tensor perElement, Reduction r) {
        return switch (r) {
            case MEAN -> perElement.mean();
            case SUM -> perElement.sum();
            case NONE -> perElement;
        };
    }

    /**
     * Binary cross-entropy on probabilities p ∈ [0, 1]: −(y ln p + (1 − y) ln(1 − p)), logs clamped at −100 as in
     * PyTorch (so a confident wrong answer costs 100, not ∞).
     */
    public static Tensor binaryCrossEntropy(Tensor p, Tensor y, Reduction reduction) {
        return reduce(Backprop.apply(new LossOp.BinaryCrossEntropy(), p, y.toType(p.dtype())), reduction);
    }

    /** Mean binary cross-entropy on probabilities. */
    public static Tensor binaryCrossEntropy(Tensor p, Tensor y) {
        return binaryCrossEntropy(p, y, Reduction.MEAN);
    }

    /**
     * Binary cross-entropy from raw scores x (logits): (1 − y)·x + softplus(−x), which equals the BCE of σ(x)
     * without ever forming σ(x); its gradient is σ(x) − y, exact even at x = 0.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor x, Tensor y, Reduction reduction) {
        if (!Arrays.equals(x.shape(), y.shape())) {
            throw new IllegalArgumentException("binaryCrossEntropyWithLogits: input shape " + Shape.str(x.shape())
                    + " and target shape " + Shape.str(y.shape()) + " must be equal");
        }
        Tensor yt = y.toType(x.dtype());
        return reduce(yt.rsub(1).mul(x).add(x.neg().softplus()), reduction);
    }

    /** Mean binary cross-entropy from logits. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor x, Tensor y) {
        return binaryCrossEntropyWithLogits(x, y, Reduction.MEAN);
    }

    /**
     * Negative log-likelihood: −logProbs[i, target[i]], for log-probabilities of shape (N, C) and int64 class
     * indices of shape (N).
     */
    public static Tensor nllLoss(Tensor logProbs, Tensor target, Reduction reduction) {
        if (logProbs.dim() != 2 || target.dim() != 1 || target.size(0) != logProbs.size(0)) {
            throw new IllegalArgumentException("nllLoss: expects input (N, C) and target (N), got shapes "
                    + Shape.str(logProbs.shape()) + " and " + Shape.str(target.shape()));
        }
        if (target.dtype() != DType.INT64) {
            throw new IllegalArgumentException("nllLoss: the target must hold int64 class indices, got " + target.dtype());
        }
        Tensor picked = logProbs.gather(1, target.unsqueeze(1)).squeeze(1);
        return reduce(picked.neg(), reduction);
    }

    /**
     * Cross-entropy from logits (N, C) and int64 class indices (N): log-softmax then NLL, so it is stable for any
     * logits; ∂/∂logits = softmax − onehot (divided by N for the mean).
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Reduction reduction) {
        return nllLoss(logits.logSoftmax(1), target, reduction);
    }

    /** Mean cross-entropy from logits. */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return crossEntropy(logits, target, Reduction.MEAN);
    }

    /** Mean squared error (a − b)². */
    public static Tensor mseLoss(Tensor a, Tensor b, Reduction reduction) {
        Tensor d = a.sub(b);
        return reduce(d.mul(d), reduction);
    }
}
