package dev.backprop.nn;

import dev.backprop.Tensor;

/**
 * A tensor that is a learnable weight of a {@link Module}: a leaf that requires grad. Registering one in a module
 * makes it appear in {@link Module#parameters()} and the state dict.
 */
public final class Parameter extends Tensor {
    /** A parameter holding {@code data}'s values (sharing its storage, cut from any graph). */
    public Parameter(Tensor data) {
        super(data.detach());
        if (!data.dtype().isFloating()) {
            throw new IllegalArgumentException("Parameter: needs a float32 or float64 tensor, got " + data.dtype());
        }
        requiresGrad(true);
    }
}
