package dev.backprop.nn;

import dev.backprop.Generator;
import dev.backprop.Tensor;

/**
 * A 1-d convolution layer as PyTorch's {@code nn.Conv1d}: input (N, C_in, L) or (C_in, L) → output (N, C_out, L_out)
 * (see {@link Functional#conv1d}). Parameters {@code weight} (C_out, C_in/groups, K) and {@code bias} (C_out) or none,
 * initialised as PyTorch's: U(±1/√fan_in) for both, fan_in = C_in/groups·K.
 */
public final class Conv1d extends Module {
    private final int in, out, kernel, stride, padding, dilation, groups;
    private final Parameter weight, bias;

    /** A size-k convolution with stride 1, no padding, a bias. */
    public Conv1d(int in, int out, int kernel, Generator gen) {
        this(in, out, kernel, 1, 0, 1, 1, true, gen);
    }

    public Conv1d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias, Generator gen) {
        if (in <= 0 || out <= 0 || kernel <= 0) {
            throw new IllegalArgumentException("Conv1d: channels and kernel size must be positive, got " + in + " -> " + out
                    + ", kernel " + kernel);
        }
        if (groups <= 0 || in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("Conv1d: groups (" + groups + ") must divide both in-channels (" + in
                    + ") and out-channels (" + out + ")");
        }
        if (stride < 1 || padding < 0 || dilation < 1) {
            throw new IllegalArgumentException("Conv1d: stride and dilation must be ≥ 1 and padding ≥ 0, got stride " + stride
                    + ", padding " + padding + ", dilation " + dilation);
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        this.weight = registerParameter("weight", Tensor.zeros(out, in / groups, kernel));
        this.bias = bias ? registerParameter("bias", Tensor.zeros(out)) : null;
        Init.apply(Init.Scheme.DEFAULT, weight, this.bias, gen);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.conv1d(x, weight, bias, stride, padding, dilation, groups);
    }

    public int inChannels() { return in; }
    public int outChannels() { return out; }
    public int kernelSize() { return kernel; }
    public int stride() { return stride; }
    public int padding() { return padding; }
    public int dilation() { return dilation; }
    public int groups() { return groups; }
    public boolean hasBias() { return bias != null; }
    public Parameter weight() { return weight; }
    /** The bias, or null. */
    public Parameter bias() { return bias; }

    /** As PyTorch prints it, e.g. {@code Conv1d(4, 8, kernel_size=(3,), stride=(1,))}. */
    @Override
    public String describe() {
        return Conv2d.describe("Conv1d", in, out, new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {dilation},
                groups, bias != null);
    }
}
