package dev.backprop.nn;

import dev.backprop.Tensor;

/**
 * 2-D average pooling (PyTorch's {@code nn.AvgPool2d}, ceil_mode false) of [N, C, H, W] or [C, H, W] inputs; see
 * {@link Functional#avgPool2d(Tensor, int[], int[], int[], boolean)}. No parameters or buffers.
 */
public final class AvgPool2d extends Module {
    private final int[] kernel, stride, padding;
    private final boolean countIncludePad, square;

    /**
     * Pooling with (height, width) pairs (or one value for both); a null stride means the kernel. With
     * {@code countIncludePad} (PyTorch's default) the zero padding counts in each window's divisor.
     */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean countIncludePad) {
        this(Pools.pair(kernel), stride == null ? Pools.pair(kernel) : Pools.pair(stride), Pools.pair(padding), countIncludePad,
                false);
    }

    /** A k × k window, stride k, no padding. */
    public AvgPool2d(int kernel) {
        this(new int[] {kernel, kernel}, new int[] {kernel, kernel}, new int[] {0, 0}, true, true);
    }

    private AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean countIncludePad, boolean square) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.countIncludePad = countIncludePad;
        this.square = square;
    }

    /** The window (height, width). */
    public int[] kernelSize() { return kernel.clone(); }

    /** The step between windows (height, width). */
    public int[] stride() { return stride.clone(); }

    /** The zero padding on each side (height, width). */
    public int[] padding() { return padding.clone(); }

    /** Whether padded positions count in the divisor. */
    public boolean countIncludePad() { return countIncludePad; }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.avgPool2d(x, kernel, stride, padding, countIncludePad);
    }

    @Override
    public String describe() {
        return "AvgPool2d(kernel_size=" + Pools.str(kernel, square) + ", stride=" + Pools.str(stride, square) + ", padding="
                + Pools.str(padding, square) + ")";
    }
}
