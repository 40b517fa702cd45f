package dev.backprop.nn;

import dev.backprop.Generator;
import dev.backprop.Tensor;

import java.util.Arrays;

/**
 * A 2-d convolution layer as PyTorch's {@code nn.Conv2d}: input (N, C_in, H, W) or (C_in, H, W) → output
 * (N, C_out, OH, OW) (see {@link Functional#conv2d}). Parameters {@code weight} (C_out, C_in/groups, KH, KW) and
 * {@code bias} (C_out) or none. Default initialisation as PyTorch's: kaiming_uniform(a=√5) for the weight, which
 * is U(±1/√fan_in) with fan_in = C_in/groups·KH·KW, and U(±1/√fan_in) for the bias.
 */
public final class Conv2d extends Module {
    private final int in, out, groups;
    private final int[] kernel, stride, padding, dilation;
    private final Parameter weight, bias;

    /** A k×k convolution with stride 1, no padding, a bias. */
    public Conv2d(int in, int out, int kernel, Generator gen) {
        this(in, out, new int[] {kernel, kernel}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1, true, gen);
    }

    /** The general layer; kernel, stride, padding and dilation are (height, width). */
    public Conv2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias,
                  Generator gen) {
        for (int[] v : new int[][] {kernel, stride, padding, dilation}) {
            if (v.length != 2) {
                throw new IllegalArgumentException("Conv2d: kernel, stride, padding and dilation need 2 values each, got "
                        + Arrays.toString(kernel) + ", " + Arrays.toString(stride) + ", " + Arrays.toString(padding) + ", "
                        + Arrays.toString(dilation));
            }
        }
        if (in <= 0 || out <= 0 || kernel[0] <= 0 || kernel[1] <= 0) {
            throw new IllegalArgumentException("Conv2d: channels and kernel size must be positive, got " + in + " -> " + out
                    + ", kernel " + Arrays.toString(kernel));
        }
        if (groups <= 0 || in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("Conv2d: groups (" + groups + ") must divide both in-channels (" + in
                    + ") and out-channels (" + out + ")");
        }
        new dev.backprop.ops.ConvOp.Params(stride, padding, dilation, groups); // validates
        this.in = in;
        this.out = out;
        this.groups = groups;
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.weight = registerParameter("weight", Tensor.zeros(out, in / groups, kernel[0], kernel[1]));
        this.bias = bias ? registerParameter("bias", Tensor.zeros(out)) : null;
        Init.apply(Init.Scheme.DEFAULT, weight, this.bias, gen);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.conv2d(x, weight, bias, stride, padding, dilation, groups);
    }

    public int inChannels() { return in; }
    public int outChannels() { return out; }
    public int[] kernelSize() { return kernel.clone(); }
    public int[] stride() { return stride.clone(); }
    public int[] padding() { return padding.clone(); }
    public int[] dilation() { return dilation.clone(); }
    public int groups() { return groups; }
    public boolean hasBias() { return bias != null; }
    public Parameter weight() { return weight; }
    /** The bias, or null. */
    public Parameter bias() { return bias; }

    /** As PyTorch prints it, e.g. {@code Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)}. */
    @Override
    public String describe() {
        return describe("Conv2d", in, out, kernel, stride, padding, dilation, groups, bias != null);
    }

    static String describe(String name, int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups,
                           boolean bias) {
        StringBuilder sb = new StringBuilder(name).append('(').append(in).append(", ").append(out)
                .append(", kernel_size=").append(tuple(kernel)).append(", stride=").append(tuple(stride));
        if (Arrays.stream(padding).anyMatch(v -> v != 0)) sb.append(", padding=").append(tuple(padding));
        if (Arrays.stream(dilation).anyMatch(v -> v != 1)) sb.append(", dilation=").append(tuple(dilation));
        if (groups != 1) sb.append(", groups=").append(groups);
        if (!bias) sb.append(", bias=False");
        return sb.append(')').toString();
    }

    private static String tuple(int[] v) {
        return v.length == 1 ? "(" + v[0] + ",)" : "(" + v[0] + ", " + v[1] + ")";
    }
}
