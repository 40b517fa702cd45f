package dev.backprop.nn;

import dev.backprop.Tensor;

/**
 * Adaptive average pooling to a fixed oh × ow output whatever the input size (PyTorch's
 * {@code nn.AdaptiveAvgPool2d}); see {@link Functional#adaptiveAvgPool2d}. {@code AdaptiveAvgPool2d(1, 1)} is
 * global average pooling. No parameters or buffers.
 */
public final class AdaptiveAvgPool2d extends Module {
    private final int oh, ow;

    public AdaptiveAvgPool2d(int oh, int ow) {
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException("AdaptiveAvgPool2d: the output size must be positive, got (" + oh + ", " + ow + ")");
        }
        this.oh = oh;
        this.ow = ow;
    }

    /** The output (height, width). */
    public int[] outputSize() { return new int[] {oh, ow}; }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.adaptiveAvgPool2d(x, oh, ow);
    }

    @Override
    public String describe() {
        return "AdaptiveAvgPool2d(output_size=(" + oh + ", " + ow + "))";
    }
}
