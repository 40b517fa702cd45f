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

    // ---- poolbn (begin)

    /** Max-pooling with dilation 1 (see {@link #maxPool2d(Tensor, int[], int[], int[], int[])}). */
    public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        return maxPool2d(x, kernel, stride, padding, new int[] {1, 1});
    }

    /** Max-pooling with a square kernel of {@code k}, stride k, no padding. */
    public static Tensor maxPool2d(Tensor x, int k) {
        return maxPool2d(x, new int[] {k, k}, null, new int[] {0, 0}, new int[] {1, 1});
    }

    /**
     * 2-D max-pooling of x [N, C, H, W] or [C, H, W] (PyTorch's {@code max_pool2d}, ceil_mode false): each output
     * is the maximum of a kernel[0] × kernel[1] window whose elements are {@code dilation} apart, windows
     * {@code stride} apart (null: the kernel), the input padded by {@code padding} (at most half the kernel) with
     * −∞. Output size ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1. Each array holds (height, width), or one value for both.
     * Ties: the whole gradient goes to the first maximum of the window in row-major order, as in PyTorch.
     */
    public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        int[][] a = poolArgs("maxPool2d", x, kernel, stride, padding, dilation);
        return Backprop.apply(new dev.backprop.ops.PoolOp.MaxPool2d(a[0], a[1], a[2], a[3], new dev.backprop.ops.PoolOp.Argmax()), x);
    }

    /**
     * 2-D average pooling (PyTorch's {@code avg_pool2d}, ceil_mode false): the mean of each kernel window,
     * windows {@code stride} apart (null: the kernel), zero padding of at most half the kernel. With
     * {@code countIncludePad} the divisor counts the padded positions (PyTorch's default), else only the real ones.
     */
    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean countIncludePad) {
        int[][] a = poolArgs("avgPool2d", x, kernel, stride, padding, new int[] {1, 1});
        return Backprop.apply(new dev.backprop.ops.PoolOp.AvgPool2d(a[0], a[1], a[2], countIncludePad), x);
    }

    /** Average pooling with a square kernel of {@code k}, stride k, no padding. */
    public static Tensor avgPool2d(Tensor x, int k) {
        return avgPool2d(x, new int[] {k, k}, null, new int[] {0, 0}, true);
    }

    /**
     * Adaptive average pooling to an oh × ow output (PyTorch's {@code adaptive_avg_pool2d}): output (i, j) is the
     * mean of rows [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉) and the same for columns, so bins may overlap when sizes do not divide.
     */
    public static Tensor adaptiveAvgPool2d(Tensor x, int oh, int ow) {
        checkPoolInput("adaptiveAvgPool2d", x);
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException("adaptiveAvgPool2d: the output size must be positive, got (" + oh + ", " + ow
                    + ") for input " + Shape.str(x.shape()));
        }
        int r = x.dim();
        if (x.size(r - 2) == 0 || x.size(r - 1) == 0) {
            throw new IllegalArgumentException("adaptiveAvgPool2d: empty spatial dimensions in input " + Shape.str(x.shape()));
        }
        return Backprop.apply(new dev.backprop.ops.PoolOp.AdaptiveAvgPool2d(oh, ow), x);
    }

    private static void checkPoolInput(String op, Tensor x) {
        if (x.dim() != 3 && x.dim() != 4) {
            throw new IllegalArgumentException(op + ": expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got "
                    + Shape.str(x.shape()));
        }
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": needs a float32 or float64 input, got " + x.dtype() + " "
                    + Shape.str(x.shape()));
        }
    }

    private static int[] pair(String op, String what, int[] v, Tensor x) {
        if (v == null || (v.length != 1 && v.length != 2)) {
            throw new IllegalArgumentException(op + ": " + what + " must hold 1 or 2 values (height, width), got "
                    + (v == null ? "null" : Arrays.toString(v)) + " for input " + Shape.str(x.shape()));
        }
        return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
    }

    /** Checked {kernel, stride, padding, dilation} pairs; one-line errors name the op and the input shape. */
    private static int[][] poolArgs(String op, Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        checkPoolInput(op, x);
        int[] k = pair(op, "kernel", kernel, x);
        int[] s = stride == null || stride.length == 0 ? k.clone() : pair(op, "stride", stride, x);
        int[] p = pair(op, "padding", padding, x);
        int[] d = pair(op, "dilation", dilation, x);
        String in = " for input " + Shape.str(x.shape());
        for (int i = 0; i < 2; i++) {
            if (k[i] <= 0) throw new IllegalArgumentException(op + ": kernel must be positive, got " + Arrays.toString(k) + in);
            if (s[i] <= 0) throw new IllegalArgumentException(op + ": stride must be positive, got " + Arrays.toString(s) + in);
            if (d[i] <= 0) throw new IllegalArgumentException(op + ": dilation must be positive, got " + Arrays.toString(d) + in);
            if (p[i] < 0) throw new IllegalArgumentException(op + ": padding must be non-negative, got " + Arrays.toString(p) + in);
            if (p[i] > (d[i] * (k[i] - 1) + 1) / 2) {
                throw new IllegalArgumentException(op + ": padding should be at most half of the effective kernel size, got padding "
                        + Arrays.toString(p) + ", kernel " + Arrays.toString(k) + " and dilation " + Arrays.toString(d) + in);
            }
        }
        int r = x.dim();
        for (int i = 0; i < 2; i++) {
            int size = x.size(r - 2 + i);
            long span = (long) d[i] * (k[i] - 1) + 1;
            if (size + 2L * p[i] < span) {
                throw new IllegalArgumentException(op + ": the pooling window " + k[0] + "x" + k[1]
                        + (d[0] != 1 || d[1] != 1 ? " (dilation " + Arrays.toString(d) + ")" : "")
                        + " is larger than the padded input " + Shape.str(x.shape()) + " (padding " + Arrays.toString(p) + ")");
            }
        }
        return new int[][] {k, s, p, d};
    }

    /**
     * Batch normalisation over every dimension but 1 (PyTorch's {@code batch_norm}) of x [N, C], [N, C, L] or
     * [N, C, H, W]. Training: normalise with the batch's mean and biased variance per channel; if running
     * statistics are given they are updated in place as running = (1 − momentum)·running + momentum·batch, with the
     * UNBIASED batch variance for {@code runningVar} (PyTorch's rule; a caller wanting a cumulative average passes
     * momentum = 1/batches-so-far, as {@link BatchNorm} does for a null momentum). Evaluation: normalise with the
     * running statistics. weight and bias ([C]) may be null.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
                                   double momentum, double eps) {
        String op = "batch_norm";
        if (x.dim() < 2) throw new IllegalArgumentException(op + ": expected an input of at least 2 dimensions [N, C, ...], got "
                + Shape.str(x.shape()));
        if (!x.dtype().isFloating()) throw new IllegalArgumentException(op + ": needs a float32 or float64 input, got " + x.dtype());
        int c = x.size(1);
        for (Tensor t : new Tensor[] {runningMean, runningVar, weight, bias}) {
            if (t != null && (t.dim() != 1 || t.size(0) != c)) {
                throw new IllegalArgumentException(op + ": per-channel tensors must have shape [" + c + "] for input "
                        + Shape.str(x.shape()) + ", got " + Shape.str(t.shape()));
            }
        }
        if (!(eps >= 0)) throw new IllegalArgumentException(op + ": eps must be non-negative, got " + eps);
        int[] bshape = new int[x.dim()];
        Arrays.fill(bshape, 1);
        bshape[1] = c;
        if (!training) {
            if (runningMean == null || runningVar == null) {
                throw new IllegalArgumentException(op + ": evaluation needs running statistics (running_mean and running_var), "
                        + "or training = true, for input " + Shape.str(x.shape()));
            }
            Tensor rm = runningMean.toType(x.dtype()).reshape(bshape), rv = runningVar.toType(x.dtype()).reshape(bshape);
            Tensor y = x.sub(rm).mul(rv.add(eps).pow(-0.5));
            if (weight != null) y = y.mul(weight.toType(x.dtype()).reshape(bshape));
            if (bias != null) y = y.add(bias.toType(x.dtype()).reshape(bshape));
            return y;
        }
        long perChannel = c == 0 ? 0 : x.numel() / c;
        if (perChannel <= 1) {
            throw new IllegalArgumentException(op + ": expected more than 1 value per channel when training, got input "
                    + Shape.str(x.shape()));
        }
        dev.backprop.ops.NormOp.BatchStats stats = new dev.backprop.ops.NormOp.BatchStats();
        java.util.List<Tensor> in = new java.util.ArrayList<>();
        in.add(x);
        if (weight != null) in.add(weight.toType(x.dtype()));
        if (bias != null) in.add(bias.toType(x.dtype()));
        Tensor y = Backprop.apply(new dev.backprop.ops.NormOp.BatchNorm(eps, weight != null, bias != null, stats),
                in.toArray(new Tensor[0]));
        try (var scope = dev.backprop.GradMode.noGrad()) {
            if (runningMean != null) {
                runningMean.copy_(runningMean.mul(1 - momentum).add(Tensor.of(stats.mean()).toType(runningMean.dtype()).mul(momentum)));
            }
            if (runningVar != null) {
                double[] unbiased = stats.var().clone();
                for (int i = 0; i < c; i++) unbiased[i] *= (double) perChannel / (perChannel - 1);
                runningVar.copy_(runningVar.mul(1 - momentum).add(Tensor.of(unbiased).toType(runningVar.dtype()).mul(momentum)));
            }
        }
        return y;
    }

    /**
     * Channel dropout (PyTorch's {@code dropout2d}) for x [N, C, H, W] (or [N, C, L]): in training each whole
     * channel x[n, c] is zeroed with probability {@code p} (the DROP probability, in [0, 1)) and the kept ones are
     * scaled by 1/(1 − p); the mask is drawn from {@code gen}, one number per (n, c) in row-major order. Not
     * training, or p = 0: x itself.
     */
    public static Tensor dropout2d(Tensor x, double p, boolean training, dev.backprop.Generator gen) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout2d: the drop probability must be in [0, 1), got " + p + " for input "
                    + Shape.str(x.shape()));
        }
        if (x.dim() != 3 && x.dim() != 4) {
            throw new IllegalArgumentException("dropout2d: expected a 4-D [N, C, H, W] (or 3-D [N, C, L]) input, got "
                    + Shape.str(x.shape()));
        }
        if (!training || p == 0) return x;
        int n = x.size(0), c = x.size(1);
        double[] m = new double[n * c];
        double scale = 1 / (1 - p);
        for (int i = 0; i < m.length; i++) m[i] = gen.nextDouble() >= p ? scale : 0;
        int[] ms = new int[x.dim()];
        Arrays.fill(ms, 1);
        ms[0] = n;
        ms[1] = c;
        return x.mul(Tensor.of(m, ms).toType(x.dtype()));
    }
    // ---- poolbn (end)
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
