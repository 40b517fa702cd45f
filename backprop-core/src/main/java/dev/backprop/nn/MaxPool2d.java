package dev.backprop.nn;

import dev.backprop.Tensor;

/**
 * 2-D max-pooling (PyTorch's {@code nn.MaxPool2d}, ceil_mode false) of [N, C, H, W] or [C, H, W] inputs; see
 * {@link Functional#maxPool2d(Tensor, int[], int[], int[], int[])}. Ties send the whole gradient to the first
 * maximum of the window in row-major order, as PyTorch does. No parameters or buffers.
 */
public final class MaxPool2d extends Module {
    private final int[] kernel, stride, padding, dilation;
    private final boolean square;

    /**
     * Pooling with (height, width) pairs (or one value for both); a null stride means the kernel, as in PyTorch.
     */
    public MaxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation) {
        this(Pools.pair(kernel), stride == null ? Pools.pair(kernel) : Pools.pair(stride), Pools.pair(padding), Pools.pair(dilation),
                false);
    }

    /** A k × k window, stride k, no padding: {@code MaxPool2d(2)} halves the height and width. */
    public MaxPool2d(int kernel) {
        this(new int[] {kernel, kernel}, new int[] {kernel, kernel}, new int[] {0, 0}, new int[] {1, 1}, true);
    }

    private MaxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean square) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.square = square;
    }

    /** The window (height, width). */
    public int[] kernelSize() { return kernel.clone(); }

    /** The step between windows (height, width). */
    public int[] stride() { return stride.clone(); }

    /** The −∞ padding on each side (height, width). */
    public int[] padding() { return padding.clone(); }

    /** The spacing of window elements (height, width). */
    public int[] dilation() { return dilation.clone(); }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.maxPool2d(x, kernel, stride, padding, dilation);
    }

    @Override
    public String describe() {
        return "MaxPool2d(kernel_size=" + Pools.str(kernel, square) + ", stride=" + Pools.str(stride, square) + ", padding="
                + Pools.str(padding, square) + ", dilation=" + Pools.str(dilation, square) + ", ceil_mode=False)";
    }
}
