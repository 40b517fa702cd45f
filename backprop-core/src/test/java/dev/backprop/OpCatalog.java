package dev.backprop;

import dev.backprop.nn.Functional;
import dev.backprop.ops.MovementOp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The catalog of checked op cases: each name is a case of tools/golden/make_golden.py, with the same computation
 * written against backprop. GoldenTest compares every case with PyTorch's values, GradCheckTest checks every
 * case's gradients numerically, and OpCoverageTest fails when an op of the sealed {@code Op} hierarchy appears in
 * no case.
 */
final class OpCatalog {
    private OpCatalog() {}

    /** A case: the function of its inputs, and the gradient-check step and tolerance it needs. */
    record Case(String name, Function<Tensor[], Tensor> fn, double eps, double tolerance) {}

    static final Map<String, Case> CASES = new LinkedHashMap<>();

    private static void add(String name, Function<Tensor[], Tensor> fn) {
        CASES.put(name, new Case(name, fn, 1e-6, 1e-6));
    }

    private static void add(String name, Function<Tensor[], Tensor> fn, double eps, double tolerance) {
        CASES.put(name, new Case(name, fn, eps, tolerance));
    }

    static {
        // ---- unary
        add("neg", x -> x[0].neg());
        add("neg_scalar", x -> x[0].neg());
        add("exp", x -> x[0].exp());
        add("exp_scalar", x -> x[0].exp());
        add("log", x -> x[0].log());
        add("sqrt", x -> x[0].sqrt());
        add("abs", x -> x[0].abs());
        add("erf", x -> x[0].erf());
        add("pow_scalar_2", x -> x[0].pow(2));
        add("pow_scalar_3", x -> x[0].pow(3));
        add("pow_scalar_half", x -> x[0].pow(0.5));
        add("pow_scalar_neg", x -> x[0].pow(-1.5));
        add("square", x -> x[0].square());
        add("clamp", x -> x[0].clamp(-0.5, 0.5));
        add("clamp_min", x -> x[0].clampMin(0.1));
        add("relu", x -> x[0].relu());
        add("relu_size1", x -> x[0].relu());
        add("leaky_relu", x -> x[0].leakyRelu(0.1));
        add("sigmoid", x -> x[0].sigmoid());
        add("sigmoid_wide", x -> x[0].sigmoid());
        add("tanh", x -> x[0].tanh());
        add("tanh_wide", x -> x[0].tanh());
        add("gelu", x -> x[0].gelu());
        add("gelu_tanh", x -> x[0].gelu(true));
        add("softplus", x -> x[0].softplus());
        add("softplus_beta", x -> x[0].softplus(2, 5));
        // ---- binary
        add("add", x -> x[0].add(x[1]));
        add("add_row", x -> x[0].add(x[1]));
        add("add_outer", x -> x[0].add(x[1]));
        add("add_scalar_tensor", x -> x[0].add(x[1]));
        add("add_3d", x -> x[0].add(x[1]));
        add("add_const", x -> x[0].add(2.5));
        add("sub", x -> x[0].sub(x[1]));
        add("rsub_const", x -> x[0].rsub(1.5));
        add("mul", x -> x[0].mul(x[1]));
        add("mul_bcast", x -> x[0].mul(x[1]));
        add("mul_self", x -> x[0].mul(x[0]));
        add("div", x -> x[0].div(x[1]));
        add("div_bcast", x -> x[0].div(x[1]));
        add("div_const", x -> x[0].div(4.0));
        add("pow", x -> x[0].pow(x[1]));
        add("pow_bcast", x -> x[0].pow(x[1]));
        add("maximum", x -> x[0].maximum(x[1]));
        add("maximum_bcast", x -> x[0].maximum(x[1]));
        add("minimum", x -> x[0].minimum(x[1]));
        add("where", x -> Tensor.where(x[0], x[1], x[2]));
        // ---- reductions
        add("sum_all", x -> x[0].sum());
        add("sum_scalar", x -> x[0].sum());
        add("sum_dim0", x -> x[0].sum(0, false));
        add("sum_dim1_keep", x -> x[0].sum(1, true));
        add("sum_dims02", x -> x[0].sum(new int[] {0, 2}, false));
        add("sum_dim_neg", x -> x[0].sum(-1, false));
        add("mean_all", x -> x[0].mean());
        add("mean_dim", x -> x[0].mean(1, true));
        add("var_all", x -> x[0].var());
        add("var_biased_dim", x -> x[0].var(new int[] {0}, 0, false));
        add("std_dim", x -> x[0].std(new int[] {1}, 1, false));
        add("amax_all", x -> x[0].amax());
        add("amax_dim1", x -> x[0].amax(1));
        add("amin_dim0_keep", x -> x[0].amin(new int[] {0}, true));
        add("max_dim_values", x -> x[0].max(1, false).values());
        add("logsumexp_dim1", x -> x[0].logsumexp(new int[] {1}, false));
        add("logsumexp_all", x -> x[0].logsumexp(new int[] {0, 1}, false));
        add("norm_all", x -> x[0].norm());
        add("norm_dim1", x -> x[0].norm(2, new int[] {1}, false));
        add("norm1", x -> x[0].norm(1));
        add("norm_inf", x -> x[0].norm(Double.POSITIVE_INFINITY));
        // ---- softmax
        add("softmax_dim1", x -> x[0].softmax(1));
        add("softmax_dim0", x -> x[0].softmax(0));
        add("log_softmax_dim1", x -> x[0].logSoftmax(1));
        add("log_softmax_3d", x -> x[0].logSoftmax(1));
        add("log_softmax_wide", x -> x[0].logSoftmax(-1));
        // ---- movement
        add("reshape", x -> x[0].reshape(3, 2).mul(1.0));
        add("reshape_copy", x -> x[0].t().reshape(6));
        add("flatten", x -> x[0].flatten(1, 2));
        add("unsqueeze_squeeze", x -> x[0].unsqueeze(1).squeeze(0));
        add("permute", x -> x[0].permute(2, 0, 1));
        add("transpose", x -> x[0].transpose(0, 1));
        add("expand", x -> x[0].expand(4, 3));
        add("expand_new_dim", x -> x[0].expand(2, 3, 2));
        add("slice_step", x -> x[0].slice(1, 1, 5, 2));
        add("narrow", x -> x[0].narrow(0, 1, 2));
        add("select", x -> x[0].select(1, 2));
        add("slice_scatter", x -> Backprop.apply(new MovementOp.SliceScatter(new int[] {4, 5}, 1, 1, 2), x[0]));
        add("contiguous", x -> x[0].t().contiguous());
        add("clone", x -> x[0].clone());
        add("pad_last", x -> x[0].pad(new int[] {1, 2}, 0));
        add("pad_2d", x -> x[0].pad(new int[] {1, 1, 2, 0}, 0.5));
        add("cat_dim0", x -> Tensor.cat(List.of(x[0], x[1]), 0));
        add("cat_dim1", x -> Tensor.cat(List.of(x[0], x[1], x[2]), 1));
        add("stack", x -> Tensor.stack(List.of(x[0], x[1]), 1));
        add("split_recombine", x -> {
            List<Tensor> parts = x[0].split(2, 1);
            Tensor joined = Tensor.cat(parts.reversed(), 1);
            return joined.mul(Tensor.arange(0, 5, 1).toType(x[0].dtype()));
        });
        // Through float32 and back: ε must exceed float32 rounding, so a larger step and tolerance.
        add("cast_roundtrip", x -> x[0].dtype() == DType.FLOAT64
                ? x[0].toFloat().toDouble().mul(3) : x[0].toDouble().toFloat().mul(3), 1e-2, 1e-4);
        // ---- indexing
        add("gather_dim1", x -> x[0].gather(1, x[1]));
        add("gather_dim0", x -> x[0].gather(0, x[1]));
        add("scatter_add", x -> x[0].scatterAdd(1, x[1], x[2]));
        add("index_select_dim0", x -> x[0].indexSelect(0, x[1]));
        add("index_select_dim1", x -> x[0].indexSelect(1, x[1]));
        add("index_add", x -> x[0].indexAdd(0, x[1], x[2]));
        // ---- matmul
        add("matmul_2d", x -> x[0].matmul(x[1]));
        add("matmul_dot", x -> x[0].matmul(x[1]));
        add("matmul_mat_vec", x -> x[0].matmul(x[1]));
        add("matmul_vec_mat", x -> x[0].matmul(x[1]));
        add("matmul_batched", x -> x[0].matmul(x[1]));
        add("matmul_bcast", x -> x[0].matmul(x[1]));
        add("matmul_bcast_batch", x -> x[0].matmul(x[1]));
        add("matmul_transposed", x -> x[0].t().matmul(x[1].t()));
        add("matmul_outer", x -> x[0].matmul(x[1]));
        // ---- losses
        add("bce", x -> Functional.binaryCrossEntropy(x[0], x[1], Functional.Reduction.NONE));
        add("bce_mean", x -> Functional.binaryCrossEntropy(x[0], x[1]));
        add("bce_logits", x -> Functional.binaryCrossEntropyWithLogits(x[0], x[1], Functional.Reduction.NONE));
        add("cross_entropy", x -> Functional.crossEntropy(x[0], x[1]));
        add("nll_sum", x -> Functional.nllLoss(x[0], x[1], Functional.Reduction.SUM));
        add("mse", x -> Functional.mseLoss(x[0], x[1], Functional.Reduction.MEAN));
        add("l1", x -> Functional.l1Loss(x[0], x[1], Functional.Reduction.MEAN));
        add("huber", x -> Functional.huberLoss(x[0], x[1], 0.7, Functional.Reduction.MEAN));
        add("cross_entropy_smooth", x -> Functional.crossEntropy(x[0], x[1], null, 0.1, Functional.Reduction.MEAN));
        add("cross_entropy_weighted", x -> Functional.crossEntropy(x[0], x[1], x[2], 0, Functional.Reduction.MEAN));
        add("cross_entropy_weighted_smooth", x -> Functional.crossEntropy(x[0], x[1], x[2], 0.2, Functional.Reduction.MEAN));
        add("nll_weighted", x -> Functional.nllLoss(x[0], x[1], x[2], Functional.Reduction.MEAN));
        // ---- layers
        add("linear", x -> Functional.linear(x[0], x[1], x[2]));
        add("linear_batched", x -> Functional.linear(x[0], x[1], x[2]));
        add("linear_nobias", x -> Functional.linear(x[0], x[1], null));
        add("linear_relu", x -> Functional.linearRelu(x[0], x[1], x[2]));
        add("linear_relu_batched", x -> Functional.linearRelu(x[0], x[1], x[2]));
        add("linear_relu_nobias", x -> Functional.linearRelu(x[0], x[1], null));
        // ---- composed
        add("mlp_tiny", x -> x[0].matmul(x[1]).add(x[2]).tanh().matmul(x[3]).logSoftmax(1));
        // ---- poolbn (begin)
        add("max_pool2d_k2", x -> Functional.maxPool2d(x[0], 2));
        add("max_pool2d_k3s2p1", x -> Functional.maxPool2d(x[0], new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}));
        add("max_pool2d_rect", x -> Functional.maxPool2d(x[0], new int[] {2, 3}, new int[] {1, 2}, new int[] {1, 1}));
        add("max_pool2d_dilation", x -> Functional.maxPool2d(x[0], new int[] {3}, new int[] {1}, new int[] {1}, new int[] {2}));
        add("max_pool2d_dilation_rect",
                x -> Functional.maxPool2d(x[0], new int[] {2, 3}, new int[] {2, 1}, new int[] {1, 0}, new int[] {2, 1}));
        add("max_pool2d_unbatched", x -> Functional.maxPool2d(x[0], new int[] {2, 2}, new int[] {1, 1}, new int[] {0, 0}));
        add("max_pool2d_overlap", x -> Functional.maxPool2d(x[0], new int[] {3, 3}, new int[] {1, 1}, new int[] {0, 0}));
        // Ties are not differentiable: central differences see the average of the one-sided slopes, so this case is
        // not gradient-checked (infinite tolerance); GoldenTest pins PyTorch's rule (all to the first maximum).
        add("max_pool2d_ties", x -> Functional.maxPool2d(x[0], 2), 1e-6, Double.POSITIVE_INFINITY);
        add("max_pool2d_ties_copies", x -> Functional.maxPool2d(
                x[0].reshape(1, 1, 2, 1, 3, 1).expand(1, 1, 2, 2, 3, 2).reshape(1, 1, 4, 6), new int[] {2, 2}, new int[] {1, 1},
                new int[] {0, 0}));
        add("avg_pool2d_k2", x -> Functional.avgPool2d(x[0], 2));
        add("avg_pool2d_pad_include", x -> Functional.avgPool2d(x[0], new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, true));
        add("avg_pool2d_pad_exclude", x -> Functional.avgPool2d(x[0], new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, false));
        add("avg_pool2d_rect_exclude", x -> Functional.avgPool2d(x[0], new int[] {2, 3}, new int[] {2, 1}, new int[] {1, 1}, false));
        add("avg_pool2d_unbatched", x -> Functional.avgPool2d(x[0], new int[] {3}, new int[] {1}, new int[] {1}, true));
        add("adaptive_avg_pool2d_div", x -> Functional.adaptiveAvgPool2d(x[0], 3, 3));
        add("adaptive_avg_pool2d_nondiv", x -> Functional.adaptiveAvgPool2d(x[0], 3, 2));
        add("adaptive_avg_pool2d_global", x -> Functional.adaptiveAvgPool2d(x[0], 1, 1));
        add("adaptive_avg_pool2d_up", x -> Functional.adaptiveAvgPool2d(x[0], 5, 4));
        add("batch_norm2d_train", x -> Functional.batchNorm(x[0], null, null, x[1], x[2], true, 0.1, 1e-5));
        add("batch_norm2d_train_noaffine", x -> Functional.batchNorm(x[0], null, null, null, null, true, 0.1, 1e-5));
        add("batch_norm2d_train_weight_only", x -> Functional.batchNorm(x[0], null, null, x[1], null, true, 0.1, 1e-5));
        add("batch_norm2d_train_eps", x -> Functional.batchNorm(x[0], null, null, x[1], x[2], true, 0.1, 0.1));
        add("batch_norm1d_train", x -> Functional.batchNorm(x[0], null, null, x[1], x[2], true, 0.1, 1e-5));
        add("batch_norm1d_train_3d", x -> Functional.batchNorm(x[0], null, null, x[1], x[2], true, 0.1, 1e-5));
        add("batch_norm1d_train_two", x -> Functional.batchNorm(x[0], null, null, x[1], x[2], true, 0.1, 1e-5));
        add("batch_norm2d_eval", x -> Functional.batchNorm(x[0], x[1], x[2], x[3], x[4], false, 0.1, 1e-5));
        add("batch_norm1d_eval", x -> Functional.batchNorm(x[0], x[1], x[2], x[3], x[4], false, 0.1, 1e-3));
        add("bn_relu_pool_tiny", x -> Functional.adaptiveAvgPool2d(
                Functional.maxPool2d(Functional.batchNorm(x[0], null, null, x[1], x[2], true, 0.1, 1e-5).relu(), 2), 1, 1));
        add("max_pool2d_backward", x -> gradOf(t -> Functional.maxPool2d(t, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}),
                x[0], x[1]));
        add("avg_pool2d_backward", x -> gradOf(t -> Functional.avgPool2d(t, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, false),
                x[0], x[1]));
        add("adaptive_avg_pool2d_backward", x -> gradOf(t -> Functional.adaptiveAvgPool2d(t, 3, 2), x[0], x[1]));
        add("batch_norm2d_double_backward", x -> {
            try (var scope = GradMode.enableGrad()) {
                Tensor xx = x[0].requiresGrad() ? x[0] : x[0].detach().requiresGrad(true);
                return Backprop.grad(Functional.batchNorm(xx, null, null, x[1], null, true, 0.1, 1e-5), new Tensor[] {xx}, x[2], true)[0];
            }
        });
        // ---- poolbn (end)
        // ---- conv (begin)
        add("conv2d_basic", x -> Functional.conv2d(x[0], x[1], x[2]));
        add("conv2d_nobias", x -> Functional.conv2d(x[0], x[1], null));
        add("conv2d_padding", x -> Functional.conv2d(x[0], x[1], x[2], ints(1, 1), ints(1, 1), ints(1, 1), 1));
        add("conv2d_stride", x -> Functional.conv2d(x[0], x[1], null, ints(2, 2), ints(1, 1), ints(1, 1), 1));
        add("conv2d_stride_asym", x -> Functional.conv2d(x[0], x[1], x[2], ints(1, 2), ints(0, 0), ints(1, 1), 1));
        add("conv2d_dilation", x -> Functional.conv2d(x[0], x[1], x[2], ints(1, 1), ints(0, 0), ints(2, 2), 1));
        add("conv2d_dilation_asym", x -> Functional.conv2d(x[0], x[1], null, ints(1, 1), ints(1, 0), ints(1, 2), 1));
        add("conv2d_groups", x -> Functional.conv2d(x[0], x[1], x[2], ints(1, 1), ints(0, 0), ints(1, 1), 2));
        add("conv2d_depthwise", x -> Functional.conv2d(x[0], x[1], null, ints(1, 1), ints(1, 1), ints(1, 1), 3));
        add("conv2d_asym_kernel", x -> Functional.conv2d(x[0], x[1], x[2], ints(1, 1), ints(1, 0), ints(1, 1), 1));
        add("conv2d_1x1", x -> Functional.conv2d(x[0], x[1], x[2]));
        add("conv2d_full_window", x -> Functional.conv2d(x[0], x[1], null));
        add("conv2d_mixed", x -> Functional.conv2d(x[0], x[1], x[2], ints(2, 1), ints(1, 2), ints(2, 1), 2));
        add("conv2d_unbatched", x -> Functional.conv2d(x[0], x[1], x[2], ints(1, 1), ints(1, 1), ints(1, 1), 1));
        add("conv2d_two_layers", x -> Functional.conv2d(Functional.conv2d(x[0], x[1], null, ints(1, 1), ints(1, 1), ints(1, 1), 1).tanh(),
                x[2], x[3], ints(2, 2), ints(0, 0), ints(1, 1), 1));
        add("conv1d_basic", x -> Functional.conv1d(x[0], x[1], x[2], 1, 0, 1, 1));
        add("conv1d_stride_dilation", x -> Functional.conv1d(x[0], x[1], null, 2, 1, 2, 1));
        add("conv1d_groups", x -> Functional.conv1d(x[0], x[1], x[2], 1, 1, 1, 2));
        add("conv2d_input_grad", x -> Backprop.apply(new dev.backprop.ops.ConvOp.Conv2dInputGrad(
                new dev.backprop.ops.ConvOp.Params(ints(2, 2), ints(1, 1), ints(1, 1), 1), 7, 7), x[0], x[1]));
        add("conv2d_weight_grad", x -> Backprop.apply(new dev.backprop.ops.ConvOp.Conv2dWeightGrad(
                new dev.backprop.ops.ConvOp.Params(ints(1, 1), ints(1, 1), ints(1, 1), 2), 3, 3), x[0], x[1]));
        // ---- conv (end)
    }

    private static int[] ints(int... v) {
        return v;
    }

    // ---- poolbn (begin)
    /** ∂(Σ f(x) ⊙ v)/∂x with the graph recorded, for a fresh copy of x: a function of v through f's backward op. */
    private static Tensor gradOf(Function<Tensor, Tensor> f, Tensor x, Tensor v) {
        try (var scope = GradMode.enableGrad()) { // the gradient check evaluates f without grad mode
            Tensor t = x.detach().requiresGrad(true);
            return Backprop.grad(f.apply(t), new Tensor[] {t}, v, true)[0];
        }
    }
    // ---- poolbn (end)
}
