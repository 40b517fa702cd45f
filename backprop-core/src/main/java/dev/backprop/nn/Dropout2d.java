package dev.backprop.nn;

import dev.backprop.Generator;
import dev.backprop.Tensor;

/**
 * Channel dropout (PyTorch's {@code nn.Dropout2d}) for [N, C, H, W] inputs: in training each whole channel is
 * zeroed with probability {@code p} (the DROP probability, as in PyTorch and {@link Dropout}) and the kept channels
 * are scaled by 1/(1 − p); in evaluation it is the identity. See {@link Functional#dropout2d}.
 */
public final class Dropout2d extends Module {
    private final double p;
    private final Generator gen;

    /** Channel dropout with drop probability p, drawing from the default generator. */
    public Dropout2d(double p) {
        this(p, Generator.defaultGenerator());
    }

    public Dropout2d(double p, Generator gen) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("Dropout2d: the drop probability must be in [0, 1), got " + p);
        }
        this.p = p;
        this.gen = gen;
    }

    /** The drop probability. */
    public double p() {
        return p;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.dropout2d(x, p, isTraining(), gen);
    }

    @Override
    public String describe() {
        return "Dropout2d(p=" + p + ")";
    }
}
