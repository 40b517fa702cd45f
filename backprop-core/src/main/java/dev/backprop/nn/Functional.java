package dev.backprop.nn;

import dev.backprop.Backprop;
import dev.backprop.DType;
import dev.backprop.Shape;
import dev.backprop.Tensor;
import dev.backprop.ops.LossOp;
import dev.backprop.ops.MatMulOp;

import java.util.Arrays;

/**
 * Loss functions as plain functions of tensors (PyTorch's {@code torch.nn.functional}). Each is stable at
 * extreme inputs; the reduction is the mean over elements unless stated.
 */
public final class Functional {
    private Functional() {}

    /**
     * The affine map of a fully connected layer: y = x·Wᵀ + b, with W of shape (out, in) and b of shape (out) or
     * null; x is (…, in).
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return bias == null ? Backprop.apply(new MatMulOp.Linear(), x, weight) : Backprop.apply(new MatMulOp.Linear(), x, weight, bias);
    }

    /**
     * A fully connected layer followed by ReLU, as one op: y = max(0, x·Wᵀ + b). The same values and gradients as
     * {@code linear(x, weight, bias).relu()}, in fewer passes over memory.
     */
    public static Tensor linearRelu(Tensor x, Tensor weight, Tensor bias) {
        return bias == null ? Backprop.apply(new MatMulOp.LinearRelu(), x, weight)
                : Backprop.apply(new MatMulOp.LinearRelu(), x, weight, bias);
    }

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
        Tensor yt = checkSame("binaryCrossEntropyWithLogits", x, y);
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
        return nllLoss(logProbs, target, null, reduction);
    }

    /**
     * Weighted negative log-likelihood: −w[tᵢ]·logProbs[i, tᵢ]. With weights the mean divides by Σᵢ w[tᵢ] (as
     * PyTorch), so a batch's loss does not depend on how many examples of each class it holds.
     */
    public static Tensor nllLoss(Tensor logProbs, Tensor target, Tensor weight, Reduction reduction) {
        checkClassTargets("nllLoss", logProbs, target, weight);
        Tensor picked = logProbs.gather(1, target.unsqueeze(1)).squeeze(1).neg();
        if (weight == null) return reduce(picked, reduction);
        Tensor w = weight.toType(logProbs.dtype()).indexSelect(0, target);
        Tensor weighted = picked.mul(w);
        return reduction == Reduction.MEAN ? weighted.sum().div(w.sum()) : reduce(weighted, reduction);
    }

    /**
     * Cross-entropy from logits (N, C) and int64 class indices (N): log-softmax then NLL, so it is stable for any
     * logits; ∂/∂logits = softmax − onehot (divided by N for the mean).
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Reduction reduction) {
        return crossEntropy(logits, target, null, 0, reduction);
    }

    /** Mean cross-entropy from logits. */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return crossEntropy(logits, target, Reduction.MEAN);
    }

    /**
     * Cross-entropy with optional class weights w (shape C) and label smoothing ε ∈ [0, 1), as PyTorch: the target
     * distribution is (1 − ε)·onehot + ε/C, so loss = (1 − ε)·NLL_w + (ε/C)·Σ_c −w[c]·log p_c; the weighted mean
     * divides both terms by Σᵢ w[tᵢ].
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Tensor weight, double labelSmoothing, Reduction reduction) {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("crossEntropy: label smoothing must be in [0, 1), got " + labelSmoothing);
        }
        checkClassTargets("crossEntropy", logits, target, weight);
        if (weight == null && reduction == Reduction.MEAN && logits.size(0) > 0) {
            return Backprop.apply(new LossOp.CrossEntropy(target.detach(), labelSmoothing), logits);
        }
        Tensor logp = logits.logSoftmax(1);
        Tensor nll = nllLoss(logp, target, weight, reduction);
        if (labelSmoothing == 0) return nll;
        int c = logits.size(1);
        Tensor w = weight == null ? null : weight.toType(logp.dtype());
        Tensor smooth = (w == null ? logp : logp.mul(w)).sum(1, false).neg();
        Tensor smoothReduced = switch (reduction) {
            case NONE -> smooth;
            case SUM -> smooth.sum();
            case MEAN -> w == null ? smooth.mean() : smooth.sum().div(w.indexSelect(0, target).sum());
        };
        return nll.mul(1 - labelSmoothing).add(smoothReduced.mul(labelSmoothing / c));
    }

    private static void checkClassTargets(String op, Tensor input, Tensor target, Tensor weight) {
        if (input.dim() != 2 || target.dim() != 1 || target.size(0) != input.size(0)) {
            throw new IllegalArgumentException(op + ": expects input (N, C) and target (N), got shapes "
                    + Shape.str(input.shape()) + " and " + Shape.str(target.shape()));
        }
        if (target.dtype() != DType.INT64) {
            throw new IllegalArgumentException(op + ": the target must hold int64 class indices, got " + target.dtype());
        }
        int c = input.size(1);
        for (long t : target.toLongArray()) {
            if (t < 0 || t >= c) {
                throw new IllegalArgumentException(op + ": target class " + t + " is out of range for " + c + " classes");
            }
        }
        if (weight != null && (weight.dim() != 1 || weight.size(0) != c)) {
            throw new IllegalArgumentException(op + ": class weights must have shape [" + c + "], got " + Shape.str(weight.shape()));
        }
    }

    private static Tensor checkSame(String op, Tensor a, Tensor b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": input shape " + Shape.str(a.shape()) + " and target shape "
                    + Shape.str(b.shape()) + " must be equal");
        }
        return b.toType(a.dtype());
    }

    /** Mean squared error (a − b)². */
    public static Tensor mseLoss(Tensor a, Tensor b, Reduction reduction) {
        Tensor d = a.sub(checkSame("mseLoss", a, b));
        return reduce(d.mul(d), reduction);
    }

    /** Mean absolute error |a − b| (its gradient at a = b is 0). */
    public static Tensor l1Loss(Tensor a, Tensor b, Reduction reduction) {
        return reduce(a.sub(checkSame("l1Loss", a, b)).abs(), reduction);
    }

    /**
     * Huber loss: ½d² where |d| &lt; δ, δ(|d| − ½δ) beyond (d = a − b): quadratic near 0, linear for outliers,
     * with a continuous gradient. PyTorch's default δ is 1.
     */
    public static Tensor huberLoss(Tensor a, Tensor b, double delta, Reduction reduction) {
        if (!(delta > 0)) throw new IllegalArgumentException("huberLoss: delta must be positive, got " + delta);
        Tensor d = a.sub(checkSame("huberLoss", a, b));
        Tensor ad = d.abs();
        Tensor loss = Tensor.where(ad.lt(delta), d.mul(d).mul(0.5), ad.sub(0.5 * delta).mul(delta));
        return reduce(loss, reduction);
    }

    // ---- conv (begin)

    /**
     * 2-d convolution as PyTorch's {@code F.conv2d}: x (N, C, H, W) or unbatched (C, H, W), weight
     * (O, C/groups, KH, KW), bias (O) or null; output (N, O, OH, OW) with
     * OH = ⌊(H + 2·padding₀ − dilation₀·(KH − 1) − 1) / stride₀⌋ + 1 (likewise OW). stride, padding and dilation
     * are (height, width); the bias is added by broadcasting.
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        dev.backprop.ops.ConvOp.Params p = new dev.backprop.ops.ConvOp.Params(stride, padding, dilation, groups);
        if ((x.dim() != 3 && x.dim() != 4) || weight.dim() != 4) {
            throw new IllegalArgumentException("conv2d: expects input (N, C, H, W) or (C, H, W) and weight (O, C/groups, KH, KW), got input "
                    + Shape.str(x.shape()) + " and weight " + Shape.str(weight.shape()));
        }
        if (x.dim() == 3) {
            return conv2d(x.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0);
        }
        checkConv("conv2d", x, weight, bias, p, "×");
        Tensor y = Backprop.apply(new dev.backprop.ops.ConvOp.Conv2d(p), x, weight);
        return bias == null ? y : y.add(bias.reshape(1, -1, 1, 1));
    }

    /** conv2d with stride 1, no padding, dilation 1, one group. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias) {
        return conv2d(x, weight, bias, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1);
    }

    /**
     * 1-d convolution as PyTorch's {@code F.conv1d}: x (N, C, L) or unbatched (C, L), weight (O, C/groups, K), bias
     * (O) or null; output (N, O, ⌊(L + 2·padding − dilation·(K − 1) − 1) / stride⌋ + 1). Runs as a 2-d convolution
     * of height 1.
     */
    public static Tensor conv1d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        if (x.dim() == 2) {
            return conv1d(x.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0);
        }
        dev.backprop.ops.ConvOp.Params p = new dev.backprop.ops.ConvOp.Params(new int[] {1, stride}, new int[] {0, padding}, new int[] {1, dilation}, groups);
        if (x.dim() != 3 || weight.dim() != 3) {
            throw new IllegalArgumentException("conv1d: expects input (N, C, L) or (C, L) and weight (O, C/groups, K), got input "
                    + Shape.str(x.shape()) + " and weight " + Shape.str(weight.shape()));
        }
        checkConv("conv1d", x.unsqueeze(2), weight.unsqueeze(2), bias, p, null);
        Tensor y = Backprop.apply(new dev.backprop.ops.ConvOp.Conv2d(p), x.unsqueeze(2), weight.unsqueeze(2)).squeeze(2);
        return bias == null ? y : y.add(bias.reshape(1, -1, 1));
    }

    /** One-line errors for a convolution's shapes; {@code times} null means 1-d (messages speak of lengths). */
    private static void checkConv(String op, Tensor x, Tensor w, Tensor b, dev.backprop.ops.ConvOp.Params p, String times) {
        boolean one = times == null;
        String xs = Shape.str(one ? x.squeeze(2).shape() : x.shape()), ws = Shape.str(one ? w.squeeze(2).shape() : w.shape());
        if (x.dim() != 4 || w.dim() != 4) {
            throw new IllegalArgumentException(op + ": expects input (N, C, H, W) or (C, H, W) and weight (O, C/groups, KH, KW), got input "
                    + xs + " and weight " + ws);
        }
        int g = p.groups(), c = x.size(1), o = w.size(0);
        if (c % g != 0 || o % g != 0) {
            throw new IllegalArgumentException(op + ": input " + xs + " and weight " + ws + ": " + g
                    + " groups must divide both the input channels (" + c + ") and the output channels (" + o + ")");
        }
        if (w.size(1) * g != c) {
            throw new IllegalArgumentException(op + ": input " + xs + " has " + c + " channels but weight " + ws + " expects "
                    + w.size(1) * g + (g > 1 ? " (" + w.size(1) + " per group × " + g + " groups)" : "")
                    + "; the weight's second dimension is in-channels / groups");
        }
        if (b != null && (b.dim() != 1 || b.size(0) != o)) {
            throw new IllegalArgumentException(op + ": bias " + Shape.str(b.shape()) + " does not fit weight " + ws
                    + " (expects [" + o + "])");
        }
        int oh = p.outSize(0, x.size(2), w.size(2)), ow = p.outSize(1, x.size(3), w.size(3));
        if (oh < 1 || ow < 1) {
            String msg = one
                    ? op + ": input " + xs + " with kernel " + w.size(3) + ", padding " + p.padding()[1] + ", dilation "
                      + p.dilation()[1] + " gives an output of " + ow
                    : op + ": input " + xs + " with kernel " + w.size(2) + times + w.size(3) + ", padding " + pair(p.padding())
                      + ", dilation " + pair(p.dilation()) + " gives an output of " + oh + times + ow;
            throw new IllegalArgumentException(msg + "; pad the input or use a smaller kernel");
        }
    }

    private static String pair(int[] v) {
        return v[0] == v[1] ? String.valueOf(v[0]) : "(" + v[0] + ", " + v[1] + ")";
    }
    // ---- conv (end)
}
