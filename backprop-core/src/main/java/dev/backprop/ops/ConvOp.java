package dev.backprop.ops;

import dev.backprop.Backprop;
import dev.backprop.Tensor;
import dev.backprop.kernels.Kernels;

import java.util.Arrays;

/**
 * 2-d convolution (cross-correlation, as PyTorch's {@code conv2d}) and the two products its backward needs. For
 * x (N, C, H, W) and W (O, C/groups, KH, KW):
 * <pre>
 *   y[n, o, i, j] = Σ_{c in o's group, a, b} x[n, c, i·s₀ − p₀ + a·d₀, j·s₁ − p₁ + b·d₁] · W[o, c, a, b]
 * </pre>
 * (positions outside x read 0). y is bilinear in (x, W), so each of the three ops' gradients is one of the three
 * again: ∂L/∂x = {@link Conv2dInputGrad}(g, W), ∂L/∂W = {@link Conv2dWeightGrad}(g, x), and so on round the
 * triangle — which makes double backward work with no extra code. Bias is not part of the op: it is a broadcast
 * add after it (see {@code Functional.conv2d}).
 */
public sealed interface ConvOp extends Op {

    /** Stride, padding (both sides), dilation per spatial dimension (height, width), and the number of groups. */
    record Params(int[] stride, int[] padding, int[] dilation, int groups) {
        public Params {
            if (stride.length != 2 || padding.length != 2 || dilation.length != 2) {
                throw new IllegalArgumentException("conv2d: stride, padding and dilation need 2 values each, got "
                        + Arrays.toString(stride) + ", " + Arrays.toString(padding) + ", " + Arrays.toString(dilation));
            }
            stride = stride.clone();
            padding = padding.clone();
            dilation = dilation.clone();
            for (int i = 0; i < 2; i++) {
                if (stride[i] < 1 || padding[i] < 0 || dilation[i] < 1) {
                    throw new IllegalArgumentException("conv2d: stride and dilation must be ≥ 1 and padding ≥ 0, got stride "
                            + Arrays.toString(stride) + ", padding " + Arrays.toString(padding) + ", dilation "
                            + Arrays.toString(dilation));
                }
            }
            if (groups < 1) throw new IllegalArgumentException("conv2d: groups must be ≥ 1, got " + groups);
        }

        /** Stride 1, no padding, dilation 1, one group. */
        public static Params defaults() {
            return new Params(new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1);
        }

        /** The output length along spatial dimension {@code d} for an input length and kernel length (may be ≤ 0). */
        public int outSize(int d, int in, int kernel) {
            return Math.floorDiv(in + 2 * padding[d] - dilation[d] * (kernel - 1) - 1, stride[d]) + 1;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Params q && Arrays.equals(stride, q.stride) && Arrays.equals(padding, q.padding)
                    && Arrays.equals(dilation, q.dilation) && groups == q.groups;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(stride) * 31 * 31 + Arrays.hashCode(padding) * 31 + Arrays.hashCode(dilation) + groups;
        }

        @Override
        public String toString() {
            return "stride " + Arrays.toString(stride) + ", padding " + Arrays.toString(padding) + ", dilation "
                    + Arrays.toString(dilation) + ", groups " + groups;
        }
    }

    /**
     * y = conv2d(x, W) for inputs (x, W). ∂L/∂x = Conv2dInputGrad(g, W), ∂L/∂W = Conv2dWeightGrad(g, x).
     */
    record Conv2d(Params p) implements ConvOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().conv2d(in[0], in[1], p); }
        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            Tensor x = in[0], w = in[1];
            return new Tensor[] {
                x.requiresGrad() ? Backprop.apply(new Conv2dInputGrad(p, x.size(2), x.size(3)), g, w) : null,
                w.requiresGrad() ? Backprop.apply(new Conv2dWeightGrad(p, w.size(2), w.size(3)), g, x) : null};
        }
    }

    /**
     * dx = the gradient of conv2d with respect to its input, for inputs (g, W) — a transposed convolution, onto an
     * input of height {@code inH} and width {@code inW} (several input sizes give one output size when the stride
     * is above 1). With h = ∂L/∂dx: ∂L/∂g = conv2d(h, W), ∂L/∂W = Conv2dWeightGrad(g, h).
     */
    record Conv2dInputGrad(Params p, int inH, int inW) implements ConvOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().conv2dInputGrad(in[0], in[1], inH, inW, p); }
        public Tensor[] backward(Tensor h, Tensor[] in, Tensor out) {
            Tensor g = in[0], w = in[1];
            return new Tensor[] {
                g.requiresGrad() ? Backprop.apply(new Conv2d(p), h, w) : null,
                w.requiresGrad() ? Backprop.apply(new Conv2dWeightGrad(p, w.size(2), w.size(3)), g, h) : null};
        }
    }

    /**
     * dW = the gradient of conv2d with respect to its weight, for inputs (g, x), onto a kernel of
     * {@code kH}×{@code kW}. With h = ∂L/∂dW: ∂L/∂g = conv2d(x, h), ∂L/∂x = Conv2dInputGrad(g, h).
     */
    record Conv2dWeightGrad(Params p, int kH, int kW) implements ConvOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().conv2dWeightGrad(in[0], in[1], kH, kW, p); }
        public Tensor[] backward(Tensor h, Tensor[] in, Tensor out) {
            Tensor g = in[0], x = in[1];
            return new Tensor[] {
                g.requiresGrad() ? Backprop.apply(new Conv2d(p), x, h) : null,
                x.requiresGrad() ? Backprop.apply(new Conv2dInputGrad(p, x.size(2), x.size(3)), g, h) : null};
        }
    }
}
