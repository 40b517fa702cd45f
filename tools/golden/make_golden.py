#!/usr/bin/env python3
"""Writes PyTorch golden values for every op case of backprop-core.

For each case and each float type (float32, float64) it draws fixed inputs, computes out = f(inputs) with PyTorch,
then L = sum(out * w) for a fixed random w, and the gradient of L with respect to each float input. The Java tests
(GoldenTest, GradCheckTest) read the JSON this writes and never call Python.

Run:  python3 tools/golden/make_golden.py   (needs torch and numpy; see README "Golden values")
Out:  backprop-core/src/test/resources/golden/ops.json

Case names must match the Java catalog (backprop-core/src/test/java/dev/backprop/OpCatalog.java).
"""
import json
import os
import zlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "backprop-core", "src", "test", "resources", "golden", "ops.json")


class Fl:
    """A float input that takes a gradient: uniform in [lo, hi], kept at least `gap` away from each of `avoid`."""

    def __init__(self, shape, lo=-2.0, hi=2.0, avoid=(), gap=0.1, grad=True, distinct=False, positive=False):
        self.shape, self.lo, self.hi, self.avoid, self.gap = tuple(shape), lo, hi, avoid, gap
        self.grad, self.distinct = grad, distinct

    def draw(self, rng):
        n = int(np.prod(self.shape)) if self.shape else 1
        while True:
            v = rng.uniform(self.lo, self.hi, size=n)
            if any(np.any(np.abs(v - a) < self.gap) for a in self.avoid):
                continue
            # Distinct values at least `gap` apart, so max/min/ties are unambiguous under small perturbations.
            if self.distinct and n > 1 and np.min(np.diff(np.sort(v))) < self.gap:
                continue
            return v.reshape(self.shape)


class Ix:
    """An int64 index input with fixed values."""

    def __init__(self, values, shape=None):
        self.values = np.array(values, dtype=np.int64)
        self.shape = tuple(shape) if shape is not None else self.values.shape

    def draw(self, rng):
        return self.values.reshape(self.shape)


class Mask:
    """A bool input with fixed values."""

    def __init__(self, values, shape):
        self.values = np.array(values, dtype=bool).reshape(shape)
        self.shape = tuple(shape)

    def draw(self, rng):
        return self.values


# ---- conv (begin)
def conv_input_grad(g, w, input_size, **kw):
    """The gradient of conv2d with respect to its input (a transposed convolution), differentiable in g and w."""
    x = torch.zeros(input_size, dtype=g.dtype, requires_grad=True)
    return torch.autograd.grad(F.conv2d(x, w, **kw), x, g, create_graph=True)[0]


def conv_weight_grad(g, x, weight_size, **kw):
    """The gradient of conv2d with respect to its weight, differentiable in g and x."""
    w = torch.zeros(weight_size, dtype=g.dtype, requires_grad=True)
    return torch.autograd.grad(F.conv2d(x, w, **kw), w, g, create_graph=True)[0]
# ---- conv (end)


D = 0.1  # distance kept from kinks

CASES = [
    # ---- unary
    ("neg", lambda x: -x, [Fl((2, 3))]),
    ("neg_scalar", lambda x: -x, [Fl(())]),
    ("exp", torch.exp, [Fl((2, 3))]),
    ("exp_scalar", torch.exp, [Fl(())]),
    ("log", torch.log, [Fl((2, 3), 0.2, 3.0)]),
    ("sqrt", torch.sqrt, [Fl((1, 4), 0.2, 3.0)]),
    ("abs", torch.abs, [Fl((2, 3), avoid=(0,))]),
    ("erf", torch.erf, [Fl((2, 3), -3, 3)]),
    ("pow_scalar_2", lambda x: x ** 2, [Fl((2, 3))]),
    ("pow_scalar_3", lambda x: x ** 3, [Fl((3,))]),
    ("pow_scalar_half", lambda x: x ** 0.5, [Fl((2, 3), 0.2, 3.0)]),
    ("pow_scalar_neg", lambda x: x ** -1.5, [Fl((2, 2), 0.3, 2.0)]),
    ("square", torch.square, [Fl((2, 3))]),
    ("clamp", lambda x: torch.clamp(x, -0.5, 0.5), [Fl((3, 4), avoid=(-0.5, 0.5))]),
    ("clamp_min", lambda x: torch.clamp(x, min=0.1), [Fl((2, 3), avoid=(0.1,))]),
    ("relu", torch.relu, [Fl((2, 3), avoid=(0,))]),
    ("relu_size1", torch.relu, [Fl((1, 5), avoid=(0,))]),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.1), [Fl((2, 3), avoid=(0,))]),
    ("sigmoid", torch.sigmoid, [Fl((2, 3))]),
    ("sigmoid_wide", torch.sigmoid, [Fl((2, 4), -30, 30)]),
    ("tanh", torch.tanh, [Fl((2, 3))]),
    ("tanh_wide", torch.tanh, [Fl((2, 4), -20, 20)]),
    ("gelu", F.gelu, [Fl((2, 3), -4, 4)]),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), [Fl((2, 3), -4, 4)]),
    ("softplus", F.softplus, [Fl((2, 3), -5, 5)]),
    ("softplus_beta", lambda x: F.softplus(x, beta=2, threshold=5), [Fl((2, 4), -4, 4, avoid=(2.5,))]),
    # ---- binary, with broadcasting
    ("add", torch.add, [Fl((2, 3)), Fl((2, 3))]),
    ("add_row", torch.add, [Fl((2, 3)), Fl((3,))]),
    ("add_outer", torch.add, [Fl((2, 1)), Fl((1, 3))]),
    ("add_scalar_tensor", torch.add, [Fl(()), Fl((2, 3))]),
    ("add_3d", torch.add, [Fl((4, 1, 3)), Fl((2, 1))]),
    ("add_const", lambda x: x + 2.5, [Fl((2, 3))]),
    ("sub", torch.sub, [Fl((2, 3)), Fl((2, 1))]),
    ("rsub_const", lambda x: 1.5 - x, [Fl((3,))]),
    ("mul", torch.mul, [Fl((2, 3)), Fl((2, 3))]),
    ("mul_bcast", torch.mul, [Fl((3, 1)), Fl((1, 4))]),
    ("mul_self", lambda x: x * x, [Fl((2, 3))]),
    ("div", torch.div, [Fl((2, 3)), Fl((2, 3), 0.5, 2.0)]),
    ("div_bcast", torch.div, [Fl((2, 3)), Fl((3,), -2.0, -0.5)]),
    ("div_const", lambda x: x / 4.0, [Fl((2, 3))]),
    ("pow", torch.pow, [Fl((2, 3), 0.5, 2.0), Fl((2, 3), -1.0, 2.0)]),
    ("pow_bcast", torch.pow, [Fl((2, 3), 0.5, 2.0), Fl((1, 3), -1.0, 2.0)]),
    ("maximum", torch.maximum, [Fl((2, 3), distinct=True), Fl((2, 3), distinct=True)]),
    ("maximum_bcast", torch.maximum, [Fl((2, 3)), Fl((3,))]),
    ("minimum", torch.minimum, [Fl((2, 3)), Fl((2, 3))]),
    ("where", lambda m, a, b: torch.where(m, a, b),
     [Mask([True, False, True, False, False, True], (2, 3)), Fl((2, 3)), Fl((3,))]),
    # ---- reductions
    ("sum_all", torch.sum, [Fl((2, 3))]),
    ("sum_scalar", torch.sum, [Fl(())]),
    ("sum_dim0", lambda x: x.sum(0), [Fl((2, 3))]),
    ("sum_dim1_keep", lambda x: x.sum(1, keepdim=True), [Fl((2, 3))]),
    ("sum_dims02", lambda x: x.sum((0, 2)), [Fl((2, 3, 4))]),
    ("sum_dim_neg", lambda x: x.sum(-1), [Fl((2, 1, 3))]),
    ("mean_all", torch.mean, [Fl((2, 3))]),
    ("mean_dim", lambda x: x.mean(1, keepdim=True), [Fl((3, 4))]),
    ("var_all", torch.var, [Fl((2, 3))]),
    ("var_biased_dim", lambda x: x.var(0, correction=0), [Fl((4, 3))]),
    ("std_dim", lambda x: x.std(1), [Fl((3, 4))]),
    ("amax_all", torch.amax, [Fl((2, 3), distinct=True)]),
    ("amax_dim1", lambda x: torch.amax(x, 1), [Fl((3, 4), distinct=True)]),
    ("amin_dim0_keep", lambda x: torch.amin(x, 0, keepdim=True), [Fl((3, 4), distinct=True)]),
    ("max_dim_values", lambda x: torch.max(x, 1).values, [Fl((2, 5), distinct=True)]),
    ("logsumexp_dim1", lambda x: torch.logsumexp(x, 1), [Fl((2, 4), -5, 5)]),
    ("logsumexp_all", lambda x: torch.logsumexp(x, (0, 1)), [Fl((3, 2), -5, 5)]),
    ("norm_all", torch.norm, [Fl((2, 3))]),
    ("norm_dim1", lambda x: torch.linalg.vector_norm(x, 2, dim=1), [Fl((3, 4))]),
    ("norm1", lambda x: torch.linalg.vector_norm(x, 1), [Fl((2, 3), avoid=(0,))]),
    ("norm_inf", lambda x: torch.linalg.vector_norm(x, float("inf")), [Fl((2, 3), distinct=True, avoid=(0,))]),
    # ---- softmax
    ("softmax_dim1", lambda x: torch.softmax(x, 1), [Fl((2, 4), -3, 3)]),
    ("softmax_dim0", lambda x: torch.softmax(x, 0), [Fl((3, 2), -3, 3)]),
    ("log_softmax_dim1", lambda x: torch.log_softmax(x, 1), [Fl((2, 4), -3, 3)]),
    ("log_softmax_3d", lambda x: torch.log_softmax(x, 1), [Fl((2, 3, 2), -3, 3)]),
    ("log_softmax_wide", lambda x: torch.log_softmax(x, -1), [Fl((2, 5), -200, 200)]),
    # ---- movement
    ("reshape", lambda x: x.reshape(3, 2) * 1.0, [Fl((2, 3))]),
    ("reshape_copy", lambda x: x.t().reshape(6), [Fl((2, 3))]),
    ("flatten", lambda x: x.flatten(1, 2), [Fl((2, 3, 2))]),
    ("unsqueeze_squeeze", lambda x: x.unsqueeze(1).squeeze(0), [Fl((1, 3))]),
    ("permute", lambda x: x.permute(2, 0, 1), [Fl((2, 3, 4))]),
    ("transpose", lambda x: x.transpose(0, 1), [Fl((2, 3))]),
    ("expand", lambda x: x.expand(4, 3), [Fl((1, 3))]),
    ("expand_new_dim", lambda x: x.expand(2, 3, 2), [Fl((3, 1))]),
    ("slice_step", lambda x: x[:, 1:5:2], [Fl((3, 6))]),
    ("narrow", lambda x: x.narrow(0, 1, 2), [Fl((4, 3))]),
    ("select", lambda x: x.select(1, 2), [Fl((2, 4))]),
    ("slice_scatter", lambda s: torch.slice_scatter(torch.zeros(4, 5, dtype=s.dtype), s, dim=1, start=1, end=5, step=2),
     [Fl((4, 2))]),
    ("contiguous", lambda x: x.t().contiguous(), [Fl((2, 3))]),
    ("clone", lambda x: x.clone(), [Fl((2, 3))]),
    ("pad_last", lambda x: F.pad(x, (1, 2)), [Fl((2, 3))]),
    ("pad_2d", lambda x: F.pad(x, (1, 1, 2, 0), value=0.5), [Fl((1, 2, 3))]),
    ("cat_dim0", lambda a, b: torch.cat([a, b], 0), [Fl((2, 3)), Fl((1, 3))]),
    ("cat_dim1", lambda a, b, c: torch.cat([a, b, c], 1), [Fl((2, 1)), Fl((2, 3)), Fl((2, 2))]),
    ("stack", lambda a, b: torch.stack([a, b], 1), [Fl((2, 3)), Fl((2, 3))]),
    ("split_recombine", lambda x: torch.cat(list(reversed(torch.split(x, 2, 1))), 1) * torch.arange(5, dtype=x.dtype),
     [Fl((2, 5))]),
    ("cast_roundtrip", lambda x: x.float().double() * 3 if x.dtype == torch.float64 else x.double().float() * 3,
     [Fl((2, 3))]),
    # ---- indexing
    ("gather_dim1", lambda x, i: torch.gather(x, 1, i), [Fl((2, 4)), Ix([[0, 0, 3], [2, 1, 2]])]),
    ("gather_dim0", lambda x, i: torch.gather(x, 0, i), [Fl((3, 2)), Ix([[2, 0], [2, 2]])]),
    ("scatter_add", lambda b, i, s: b.scatter_add(1, i, s),
     [Fl((2, 4)), Ix([[0, 0, 3], [2, 1, 2]]), Fl((2, 3))]),
    ("index_select_dim0", lambda x, i: torch.index_select(x, 0, i), [Fl((3, 2)), Ix([2, 0, 2, 1])]),
    ("index_select_dim1", lambda x, i: torch.index_select(x, 1, i), [Fl((2, 4)), Ix([3, 3])]),
    ("index_add", lambda b, i, s: b.index_add(0, i, s), [Fl((3, 2)), Ix([1, 1, 0]), Fl((3, 2))]),
    # ---- matmul
    ("matmul_2d", torch.matmul, [Fl((3, 4)), Fl((4, 5))]),
    ("matmul_dot", torch.matmul, [Fl((4,)), Fl((4,))]),
    ("matmul_mat_vec", torch.matmul, [Fl((3, 4)), Fl((4,))]),
    ("matmul_vec_mat", torch.matmul, [Fl((4,)), Fl((4, 2))]),
    ("matmul_batched", torch.matmul, [Fl((2, 3, 4)), Fl((2, 4, 5))]),
    ("matmul_bcast", torch.matmul, [Fl((2, 3, 4)), Fl((4, 5))]),
    ("matmul_bcast_batch", torch.matmul, [Fl((2, 1, 3, 4)), Fl((3, 4, 2))]),
    ("matmul_transposed", lambda a, b: torch.matmul(a.t(), b.t()), [Fl((4, 3)), Fl((5, 4))]),
    ("matmul_outer", torch.matmul, [Fl((3, 1)), Fl((1, 4))]),
    # ---- losses
    ("bce", lambda p, y: F.binary_cross_entropy(p, y, reduction="none"),
     [Fl((2, 3), 0.05, 0.95), Fl((2, 3), 0.0, 1.0)]),
    ("bce_mean", lambda p, y: F.binary_cross_entropy(p, y), [Fl((4,), 0.05, 0.95), Fl((4,), 0.0, 1.0, grad=False)]),
    ("bce_logits", lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction="none"),
     [Fl((2, 3), -30, 30), Fl((2, 3), 0.0, 1.0)]),
    ("cross_entropy", lambda x, t: F.cross_entropy(x, t), [Fl((3, 4), -3, 3), Ix([1, 0, 3])]),
    ("nll_sum", lambda x, t: F.nll_loss(x, t, reduction="sum"), [Fl((3, 4), -3, -0.1), Ix([2, 2, 0])]),
    ("mse", lambda a, b: F.mse_loss(a, b), [Fl((2, 3)), Fl((2, 3))]),
    ("l1", lambda a, b: F.l1_loss(a, b), [Fl((2, 3)), Fl((2, 3))]),
    ("huber", lambda a, b: F.huber_loss(a, b, delta=0.7), [Fl((3, 4), -2, 2), Fl((3, 4), -2, 2, grad=False)]),
    ("cross_entropy_smooth", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), [Fl((3, 4), -3, 3), Ix([1, 0, 3])]),
    ("cross_entropy_weighted", lambda x, t, w: F.cross_entropy(x, t, weight=w),
     [Fl((4, 3), -3, 3), Ix([1, 0, 2, 2]), Fl((3,), 0.5, 2.0, grad=False)]),
    ("cross_entropy_weighted_smooth", lambda x, t, w: F.cross_entropy(x, t, weight=w, label_smoothing=0.2),
     [Fl((4, 3), -3, 3), Ix([1, 0, 2, 2]), Fl((3,), 0.5, 2.0, grad=False)]),
    ("nll_weighted", lambda x, t, w: F.nll_loss(x, t, weight=w), [Fl((3, 4), -3, -0.1), Ix([2, 2, 0]), Fl((4,), 0.5, 2.0, grad=False)]),
    # ---- layers
    ("linear", lambda x, w, b: F.linear(x, w, b), [Fl((3, 4)), Fl((5, 4)), Fl((5,))]),
    ("linear_batched", lambda x, w, b: F.linear(x, w, b), [Fl((2, 3, 4)), Fl((2, 4)), Fl((2,))]),
    ("linear_nobias", lambda x, w: F.linear(x, w), [Fl((3, 4)), Fl((5, 4))]),
    ("linear_relu", lambda x, w, b: F.relu(F.linear(x, w, b)), [Fl((6, 4)), Fl((5, 4)), Fl((5,))]),
    ("linear_relu_batched", lambda x, w, b: F.relu(F.linear(x, w, b)), [Fl((2, 3, 4)), Fl((7, 4)), Fl((7,))]),
    ("linear_relu_nobias", lambda x, w: F.relu(F.linear(x, w)), [Fl((3, 4)), Fl((5, 4))]),
    # ---- activations composed (a two-layer net as one function)
    ("mlp_tiny", lambda x, w1, b1, w2: torch.log_softmax(torch.tanh(x @ w1 + b1) @ w2, 1),
     [Fl((3, 4)), Fl((4, 5)), Fl((5,)), Fl((5, 2))]),
    # ---- conv (begin)
    ("conv2d_basic", lambda x, w, b: F.conv2d(x, w, b), [Fl((2, 3, 5, 5)), Fl((4, 3, 3, 3)), Fl((4,))]),
    ("conv2d_nobias", lambda x, w: F.conv2d(x, w), [Fl((1, 2, 4, 4)), Fl((3, 2, 3, 3))]),
    ("conv2d_padding", lambda x, w, b: F.conv2d(x, w, b, padding=1), [Fl((2, 2, 5, 5)), Fl((3, 2, 3, 3)), Fl((3,))]),
    ("conv2d_stride", lambda x, w: F.conv2d(x, w, stride=2, padding=1), [Fl((1, 2, 7, 7)), Fl((2, 2, 3, 3))]),
    ("conv2d_stride_asym", lambda x, w, b: F.conv2d(x, w, b, stride=(1, 2)), [Fl((1, 1, 10, 10)), Fl((2, 1, 3, 3)), Fl((2,))]),
    ("conv2d_dilation", lambda x, w, b: F.conv2d(x, w, b, dilation=2), [Fl((1, 2, 7, 7)), Fl((2, 2, 3, 3)), Fl((2,))]),
    ("conv2d_dilation_asym", lambda x, w: F.conv2d(x, w, padding=(1, 0), dilation=(1, 2)), [Fl((1, 1, 10, 10)), Fl((1, 1, 3, 3))]),
    ("conv2d_groups", lambda x, w, b: F.conv2d(x, w, b, groups=2), [Fl((2, 4, 5, 5)), Fl((6, 2, 3, 3)), Fl((6,))]),
    ("conv2d_depthwise", lambda x, w: F.conv2d(x, w, padding=1, groups=3), [Fl((1, 3, 5, 5)), Fl((3, 1, 3, 3))]),
    ("conv2d_asym_kernel", lambda x, w, b: F.conv2d(x, w, b, padding=(1, 0)), [Fl((2, 2, 6, 5)), Fl((3, 2, 2, 3)), Fl((3,))]),
    ("conv2d_1x1", lambda x, w, b: F.conv2d(x, w, b), [Fl((2, 3, 4, 4)), Fl((5, 3, 1, 1)), Fl((5,))]),
    ("conv2d_full_window", lambda x, w: F.conv2d(x, w), [Fl((2, 2, 3, 3)), Fl((3, 2, 3, 3))]),
    ("conv2d_mixed", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2),
     [Fl((2, 4, 8, 7)), Fl((4, 2, 3, 2)), Fl((4,))]),
    ("conv2d_unbatched", lambda x, w, b: F.conv2d(x, w, b, padding=1), [Fl((3, 5, 5)), Fl((2, 3, 3, 3)), Fl((2,))]),
    ("conv2d_two_layers", lambda x, w1, w2, b2: F.conv2d(torch.tanh(F.conv2d(x, w1, padding=1)), w2, b2, stride=2),
     [Fl((2, 1, 6, 6)), Fl((3, 1, 3, 3)), Fl((2, 3, 3, 3)), Fl((2,))]),
    ("conv1d_basic", lambda x, w, b: F.conv1d(x, w, b), [Fl((2, 3, 8)), Fl((4, 3, 3)), Fl((4,))]),
    ("conv1d_stride_dilation", lambda x, w: F.conv1d(x, w, stride=2, padding=1, dilation=2), [Fl((1, 2, 10)), Fl((3, 2, 3))]),
    ("conv1d_groups", lambda x, w, b: F.conv1d(x, w, b, padding=1, groups=2), [Fl((2, 4, 6)), Fl((4, 2, 2)), Fl((4,))]),
    ("conv2d_input_grad", lambda g, w: conv_input_grad(g, w, (2, 2, 7, 7), stride=2, padding=1),
     [Fl((2, 3, 4, 4)), Fl((3, 2, 3, 3))]),
    ("conv2d_weight_grad", lambda g, x: conv_weight_grad(g, x, (4, 2, 3, 3), padding=1, groups=2),
     [Fl((2, 4, 5, 5)), Fl((2, 4, 5, 5))]),
    # ---- conv (end)
]


# ---- poolbn (begin)
class Perm(Fl):
    """Distinct values: a random permutation of n evenly spaced points in [lo, hi] (max-pool without ties)."""

    def draw(self, rng):
        n = int(np.prod(self.shape)) if self.shape else 1
        return (self.lo + (self.hi - self.lo) * (rng.permutation(n) + 0.5) / n).reshape(self.shape)


class Fixed(Fl):
    """Fixed float values (ties on purpose)."""

    def __init__(self, values, shape, grad=True):
        super().__init__(shape, grad=grad)
        self.values = np.array(values, dtype=np.float64).reshape(shape)

    def draw(self, rng):
        return self.values


def _bn_train(x, w=None, b=None, eps=1e-5):
    return F.batch_norm(x, None, None, w, b, training=True, eps=eps)


CASES += [
    # max-pool: kernel, stride, padding, dilation variants; unbatched; overlapping windows
    ("max_pool2d_k2", lambda x: F.max_pool2d(x, 2), [Perm((2, 3, 4, 4))]),
    ("max_pool2d_k3s2p1", lambda x: F.max_pool2d(x, 3, 2, 1), [Perm((1, 2, 7, 7))]),
    ("max_pool2d_rect", lambda x: F.max_pool2d(x, (2, 3), (1, 2), (1, 1)), [Perm((1, 2, 5, 6))]),
    ("max_pool2d_dilation", lambda x: F.max_pool2d(x, 3, 1, 1, dilation=2), [Perm((1, 1, 6, 7))]),
    ("max_pool2d_dilation_rect", lambda x: F.max_pool2d(x, (2, 3), (2, 1), (1, 0), dilation=(2, 1)), [Perm((2, 1, 5, 5))]),
    ("max_pool2d_unbatched", lambda x: F.max_pool2d(x, 2, 1), [Perm((2, 4, 5))]),
    ("max_pool2d_overlap", lambda x: F.max_pool2d(x, 3, 1), [Perm((1, 1, 5, 5))]),
    # ties: the whole gradient to the first maximum in row-major window order (not differentiable at the tie)
    ("max_pool2d_ties", lambda x: F.max_pool2d(x, 2),
     [Fixed([1, 1, 2, 0, 1, 1, 2, 2, 0, 3, -1, -1, 3, 3, -1, -1], (1, 1, 4, 4))]),
    # ties between copies of one value: differentiable, the copies' gradients sum once
    ("max_pool2d_ties_copies", lambda x: F.max_pool2d(x.reshape(1, 1, 2, 1, 3, 1).expand(1, 1, 2, 2, 3, 2).reshape(1, 1, 4, 6), 2, 1),
     [Perm((2, 3))]),
    # average pooling
    ("avg_pool2d_k2", lambda x: F.avg_pool2d(x, 2), [Fl((2, 2, 4, 6))]),
    ("avg_pool2d_pad_include", lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=True), [Fl((1, 2, 5, 5))]),
    ("avg_pool2d_pad_exclude", lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [Fl((1, 2, 5, 5))]),
    ("avg_pool2d_rect_exclude", lambda x: F.avg_pool2d(x, (2, 3), (2, 1), (1, 1), count_include_pad=False), [Fl((1, 1, 5, 6))]),
    ("avg_pool2d_unbatched", lambda x: F.avg_pool2d(x, 3, 1, 1), [Fl((2, 4, 4))]),
    # adaptive average pooling: divisible, non-divisible (overlapping bins), global, larger than the input
    ("adaptive_avg_pool2d_div", lambda x: F.adaptive_avg_pool2d(x, (3, 3)), [Fl((1, 2, 6, 6))]),
    ("adaptive_avg_pool2d_nondiv", lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [Fl((2, 1, 7, 5))]),
    ("adaptive_avg_pool2d_global", lambda x: F.adaptive_avg_pool2d(x, (1, 1)), [Fl((2, 3, 5, 5))]),
    ("adaptive_avg_pool2d_up", lambda x: F.adaptive_avg_pool2d(x, (5, 4)), [Fl((1, 1, 3, 2))]),
    # batch norm, training (batch statistics) and evaluation (running statistics), 1-D and 2-D
    ("batch_norm2d_train", lambda x, w, b: _bn_train(x, w, b), [Fl((3, 4, 3, 2)), Fl((4,), 0.5, 2.0), Fl((4,))]),
    ("batch_norm2d_train_noaffine", lambda x: _bn_train(x), [Fl((2, 3, 2, 2))]),
    ("batch_norm2d_train_weight_only", lambda x, w: _bn_train(x, w), [Fl((2, 3, 2, 2)), Fl((3,), -2.0, 2.0)]),
    ("batch_norm2d_train_eps", lambda x, w, b: _bn_train(x, w, b, eps=0.1), [Fl((2, 2, 2, 2), -0.5, 0.5), Fl((2,)), Fl((2,))]),
    ("batch_norm1d_train", lambda x, w, b: _bn_train(x, w, b), [Fl((5, 3)), Fl((3,)), Fl((3,))]),
    ("batch_norm1d_train_3d", lambda x, w, b: _bn_train(x, w, b), [Fl((4, 2, 3)), Fl((2,)), Fl((2,))]),
    ("batch_norm1d_train_two", lambda x, w, b: _bn_train(x, w, b), [Fl((2, 3)), Fl((3,)), Fl((3,))]),
    ("batch_norm2d_eval", lambda x, m, v, w, b: F.batch_norm(x, m, v, w, b, training=False, eps=1e-5),
     [Fl((2, 3, 2, 2)), Fl((3,), grad=False), Fl((3,), 0.5, 2.0, grad=False), Fl((3,)), Fl((3,))]),
    ("batch_norm1d_eval", lambda x, m, v, w, b: F.batch_norm(x, m, v, w, b, training=False, eps=1e-3),
     [Fl((4, 3)), Fl((3,), grad=False), Fl((3,), 0.5, 2.0, grad=False), Fl((3,)), Fl((3,))]),
    # a small convolution-free CNN block: batch norm, ReLU, max-pool, global average
    ("bn_relu_pool_tiny", lambda x, w, b: F.adaptive_avg_pool2d(F.max_pool2d(torch.relu(_bn_train(x, w, b)), 2), (1, 1)),
     [Perm((2, 3, 4, 4)), Fl((3,), 0.5, 2.0), Fl((3,))]),
    # backward ops: the gradient computed with create_graph, as a function of the incoming gradient v (and x for BN)
    ("max_pool2d_backward", lambda x, v: _grad_of(lambda t: F.max_pool2d(t, 3, 2, 1), x, v), [Perm((1, 2, 5, 5), grad=False), Fl((1, 2, 3, 3))]),
    ("avg_pool2d_backward", lambda x, v: _grad_of(lambda t: F.avg_pool2d(t, 3, 2, 1, count_include_pad=False), x, v),
     [Fl((1, 2, 5, 5), grad=False), Fl((1, 2, 3, 3))]),
    ("adaptive_avg_pool2d_backward", lambda x, v: _grad_of(lambda t: F.adaptive_avg_pool2d(t, (3, 2)), x, v),
     [Fl((1, 2, 7, 5), grad=False), Fl((1, 2, 3, 2))]),
    ("batch_norm2d_double_backward", lambda x, w, v: torch.autograd.grad(_bn_train(x, w, None), x, v, create_graph=True)[0],
     [Fl((2, 3, 2, 2)), Fl((3,), 0.5, 2.0), Fl((2, 3, 2, 2))]),
]


def _grad_of(f, x, v):
    t = x.detach().requires_grad_()
    return torch.autograd.grad(f(t), t, v, create_graph=True)[0]
# ---- poolbn (end)


def to_list(a):
    return np.asarray(a).reshape(-1).tolist()


def run_case(name, fn, specs, dtype):
    rng = np.random.RandomState(zlib.crc32(name.encode()) & 0x7FFFFFFF)
    raw = [s.draw(rng) for s in specs]
    tensors, entries = [], []
    for s, v in zip(specs, raw):
        if isinstance(s, Fl):
            t = torch.tensor(v, dtype=dtype, requires_grad=s.grad)
            entries.append({"kind": "float", "shape": list(s.shape), "data": to_list(t.detach().double().numpy()),
                            "grad": s.grad})
        elif isinstance(s, Ix):
            t = torch.tensor(v, dtype=torch.int64)
            entries.append({"kind": "int64", "shape": list(s.shape), "data": to_list(v)})
        else:
            t = torch.tensor(v, dtype=torch.bool)
            entries.append({"kind": "bool", "shape": list(s.shape), "data": [bool(b) for b in to_list(v)]})
        tensors.append(t)
    out = fn(*tensors)
    w = torch.tensor(rng.standard_normal(tuple(out.shape)), dtype=out.dtype)
    loss = (out * w).sum()
    wants = [t for t in tensors if t.requires_grad]
    grads = torch.autograd.grad(loss, wants, allow_unused=True) if wants else []
    gi = iter(grads)
    grad_entries = []
    for t in tensors:
        if t.requires_grad:
            g = next(gi)
            g = torch.zeros_like(t) if g is None else g
            grad_entries.append(to_list(g.double().numpy()))
        else:
            grad_entries.append(None)
    return {
        "name": name,
        "dtype": "float64" if dtype == torch.float64 else "float32",
        "inputs": entries,
        "output": {"shape": list(out.shape), "data": to_list(out.detach().double().numpy())},
        "weight": to_list(w.double().numpy()),
        "grads": grad_entries,
    }


def main():
    torch.manual_seed(0)
    cases = []
    for name, fn, specs in CASES:
        for dtype in (torch.float64, torch.float32):
            cases.append(run_case(name, fn, specs, dtype))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    print(f"wrote {len(cases)} cases ({len(CASES)} ops x 2 dtypes) to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
