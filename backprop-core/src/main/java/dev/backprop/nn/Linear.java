package dev.backprop.nn;

import dev.backprop.Generator;
import dev.backprop.Shape;
import dev.backprop.Tensor;

/**
 * A fully connected layer: y = x·Wᵀ + b, with W of shape (out, in) as in PyTorch. Input (…, in) → output (…, out).
 * Default initialisation U(±1/√in) for W and b (PyTorch's); see {@link Init.Scheme} for the others.
 */
public final class Linear extends Module {
    private final int in, out;
    private final Parameter weight, bias;

    /** A layer with bias and the default initialisation from the default generator. */
    public Linear(int in, int out) {
        this(in, out, true, Init.Scheme.DEFAULT, Generator.defaultGenerator());
    }

    public Linear(int in, int out, boolean bias, Init.Scheme init, Generator gen) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Linear: sizes must be positive, got " + in + " -> " + out);
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", Tensor.zeros(out, in));
        this.bias = bias ? registerParameter("bias", Tensor.zeros(out)) : null;
        Init.apply(init, weight, this.bias, gen);
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null. */
    public Parameter bias() {
        return bias;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }

    @Override
    public Tensor forward(Tensor x) {
        check(x);
        return Functional.linear(x, weight, bias);
    }

    /** relu(forward(x)) as one fused op (see {@link Functional#linearRelu}); {@link Sequential} uses it. */
    Tensor forwardRelu(Tensor x) {
        check(x);
        return Functional.linearRelu(x, weight, bias);
    }

    private void check(Tensor x) {
        if (x.dim() == 0 || x.size(-1) != in) {
            throw new IllegalArgumentException("Linear(" + in + " -> " + out + "): expects input (…, " + in + "), got "
                    + Shape.str(x.shape()));
        }
    }

    @Override
    public String describe() {
        return "Linear(" + in + " -> " + out + (bias == null ? ", no bias" : "") + ")";
    }
}
