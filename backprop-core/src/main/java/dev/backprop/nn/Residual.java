package dev.backprop.nn;

import dev.backprop.Shape;
import dev.backprop.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * A residual (skip) connection around layers applied in order: out = x + f(x), where f is the layers as a
 * {@link Sequential}. The layers are this module's children "0", "1", … (so a weight is {@code "3.0.weight"} when
 * the block is layer 3 of a model), and f(x) must have the shape of x.
 *
 * <p>Why it helps a deep network train: ∂out/∂x = I + ∂f/∂x, so the gradient reaching x is the incoming one plus
 * what flows through f. Through a stack of blocks the identity terms carry the gradient from the loss to the first
 * layers undiminished, however small each ∂f/∂x is (He et al., "Deep Residual Learning", 2015).
 */
public final class Residual extends Module {
    private final Sequential body;

    public Residual(Module... layers) {
        this(List.of(layers));
    }

    public Residual(List<? extends Module> layers) {
        if (layers.isEmpty()) throw new IllegalArgumentException("Residual: needs at least one layer");
        for (int i = 0; i < layers.size(); i++) registerModule(Integer.toString(i), layers.get(i));
        // Runs the layers (fusion and hooks included) without being registered: the layers are this module's
        // children, so their names carry no extra path element.
        this.body = new Sequential(List.copyOf(layers));
    }

    /** The layers of f, in order. */
    public List<Module> layers() {
        return body.layers();
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor fx = body.forward(x);
        if (!Arrays.equals(fx.shape(), x.shape())) {
            throw new IllegalArgumentException("Residual: the layers map " + Shape.str(x.shape()) + " to " + Shape.str(fx.shape())
                    + ", but x + f(x) needs the same shape; make the last layer output " + x.size(-1) + " features");
        }
        return x.add(fx);
    }
}
