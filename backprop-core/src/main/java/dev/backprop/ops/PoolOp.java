package dev.backprop.ops;

import dev.backprop.Backprop;
import dev.backprop.Tensor;
import dev.backprop.kernels.Kernels;

import java.util.Arrays;

/**
 * 2-D pooling over the last two dimensions of a tensor of rank 3 ([C, H, W]) or 4 ([N, C, H, W]). Each pooling
 * op's gradient is its adjoint, itself an op here, whose own gradient is the pooling again (max-pool's adjoint
 * scatters by the saved argmax, and its adjoint gathers by it), so second derivatives work.
 *
 * <p>Max-pool ties: the gradient goes to the FIRST maximum of the window in row-major order, the whole of it, as
 * PyTorch's CPU kernel does (the README's MAX-TIES case allows an even split or the first index, never both
 * getting it all). This differs from {@link ReduceOp.Amax}, which splits evenly, because pooling must match
 * PyTorch's layers value for value.
 */
public sealed interface PoolOp extends Op {

    /** The argmax positions a max-pool forward computed, kept for its backward. */
    final class Argmax {
        private int[] positions;

        /** The flat position within its plane of each output element's maximum (null before forward). */
        public int[] positions() {
            return positions;
        }
    }

    /** out = the maximum of each window (padding is −∞); ∂L/∂x = g scattered to each window's first maximum. */
    record MaxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation, Argmax saved) implements PoolOp {
        public Tensor forward(Tensor[] in) {
            Tensor x = in[0];
            int r = x.dim();
            int oh = Math.floorDiv(x.size(r - 2) + 2 * padding[0] - dilation[0] * (kernel[0] - 1) - 1, stride[0]) + 1;
            int ow = Math.floorDiv(x.size(r - 1) + 2 * padding[1] - dilation[1] * (kernel[1] - 1) - 1, stride[1]) + 1;
            int[] argmax = new int[(int) (x.numel() / Math.max(1L, (long) x.size(r - 2) * x.size(r - 1))) * oh * ow];
            Tensor out = Kernels.active().maxPool2d(x, kernel, stride, padding, dilation, argmax);
            saved.positions = argmax;
            return out;
        }

        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            return new Tensor[] {Backprop.apply(new MaxPool2dBackward(saved.positions, in[0].shape()), g)};
        }

        public boolean savesInputs() { return false; }

        public String toString() {
            return "MaxPool2d[kernel=" + Arrays.toString(kernel) + ", stride=" + Arrays.toString(stride) + ", padding="
                    + Arrays.toString(padding) + ", dilation=" + Arrays.toString(dilation) + "]";
        }
    }

    /**
     * Max-pool's backward as an op: zeros of {@code inShape} with each g element added at its argmax. Linear in g;
     * its gradient gathers gg at the same positions (a gather along the flattened plane).
     */
    record MaxPool2dBackward(int[] argmax, int[] inShape) implements PoolOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().maxPool2dBackward(in[0], argmax, inShape); }

        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            int[] gs = in[0].shape();
            int r = gs.length;
            int ohw = gs[r - 2] * gs[r - 1], hw = inShape[r - 2] * inShape[r - 1];
            int planes = ohw == 0 ? 0 : argmax.length / ohw;
            Tensor index = Tensor.of(argmax, planes, ohw);
            return new Tensor[] {g.reshape(planes, hw).gather(1, index).reshape(gs)};
        }

        public boolean savesInputs() { return false; }

        public String toString() { return "MaxPool2dBackward[inShape=" + Arrays.toString(inShape) + "]"; }
    }

    /** out = the mean of each window (PyTorch's divisor rule); ∂L/∂x = g shared out over each window. */
    record AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean countIncludePad) implements PoolOp {
        public Tensor forward(Tensor[] in) {
            return Kernels.active().avgPool2d(in[0], kernel, stride, padding, countIncludePad);
        }

        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            return new Tensor[] {Backprop.apply(new AvgPool2dBackward(kernel, stride, padding, countIncludePad, in[0].shape()), g)};
        }

        public boolean savesInputs() { return false; }

        public String toString() {
            return "AvgPool2d[kernel=" + Arrays.toString(kernel) + ", stride=" + Arrays.toString(stride) + ", padding="
                    + Arrays.toString(padding) + ", countIncludePad=" + countIncludePad + "]";
        }
    }

    /** Avg-pool's backward as an op (the adjoint of the pooling); its gradient is the pooling of gg. */
    record AvgPool2dBackward(int[] kernel, int[] stride, int[] padding, boolean countIncludePad, int[] inShape) implements PoolOp {
        public Tensor forward(Tensor[] in) {
            return Kernels.active().avgPool2dBackward(in[0], inShape, kernel, stride, padding, countIncludePad);
        }

        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            return new Tensor[] {Backprop.apply(new AvgPool2d(kernel, stride, padding, countIncludePad), g)};
        }

        public boolean savesInputs() { return false; }

        public String toString() { return "AvgPool2dBackward[inShape=" + Arrays.toString(inShape) + "]"; }
    }

    /** Adaptive average pooling to oh × ow, bins [⌊i·in/out⌋, ⌈(i+1)·in/out⌉) as PyTorch; ∂: shared out per bin. */
    record AdaptiveAvgPool2d(int oh, int ow) implements PoolOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().adaptiveAvgPool2d(in[0], oh, ow); }

        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            return new Tensor[] {Backprop.apply(new AdaptiveAvgPool2dBackward(in[0].shape()), g)};
        }

        public boolean savesInputs() { return false; }
    }

    /** Adaptive avg-pool's backward as an op; its gradient is the adaptive pooling of gg. */
    record AdaptiveAvgPool2dBackward(int[] inShape) implements PoolOp {
        public Tensor forward(Tensor[] in) { return Kernels.active().adaptiveAvgPool2dBackward(in[0], inShape); }

        public Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
            int[] gs = in[0].shape();
            return new Tensor[] {Backprop.apply(new AdaptiveAvgPool2d(gs[gs.length - 2], gs[gs.length - 1]), g)};
        }

        public boolean savesInputs() { return false; }

        public String toString() { return "AdaptiveAvgPool2dBackward[inShape=" + Arrays.toString(inShape) + "]"; }
    }
}
