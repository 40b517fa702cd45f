package dev.backprop.nn;

import dev.backprop.Generator;
import dev.backprop.Tensor;

/**
 * Dropout: in training, each element is zeroed with probability {@code p} (the argument is the <em>drop</em>
 * probability, as in PyTorch and Keras) and the survivors are scaled by 1/(1 − p), so the expected value is
 * unchanged ("inverted dropout"). In evaluation it is the identity.
 */
public final class Dropout extends Module {
    private final double p;
    private final Generator gen;

    /** Dropout with drop probability p, drawing from the default generator. */
    public Dropout(double p) {
        this(p, Generator.defaultGenerator());
    }

    public Dropout(double p, Generator gen) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("Dropout: the drop probability must be in [0, 1), got " + p);
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
        if (!isTraining() || p == 0) return x;
        boolean[] keep = new boolean[(int) x.numel()];
        for (int i = 0; i < keep.length; i++) keep[i] = gen.nextDouble() >= p;
        Tensor mask = Tensor.of(keep, x.dim() == 0 ? new int[] {1} : x.shape()).reshape(x.shape());
        return Tensor.where(mask, x.mul(1 / (1 - p)), Tensor.scalar(x.dtype(), 0));
    }

    @Override
    public String describe() {
        return "Dropout(p=" + p + ")";
    }
}
