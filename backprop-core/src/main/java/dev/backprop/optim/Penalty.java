package dev.backprop.optim;

import dev.backprop.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Weight penalties to add to a loss, as differentiable scalar tensors. They return the plain sums; the caller
 * multiplies by its strength λ:
 * <pre>{@code
 * Tensor loss = dataLoss.add(Penalty.l2(model.parameters()).mul(lambda));
 * }</pre>
 *
 * <h2>Penalty or weight decay?</h2>
 * For {@link SGD} the two are the same thing: weight decay wd adds wd·w to each gradient, which is the gradient of
 * (wd/2)·Σw², so {@code weightDecay(wd)} equals adding {@code Penalty.l2(params).mul(wd / 2)} to the loss (and
 * likewise for {@link Adagrad}, {@link RMSprop} and {@link Adam}, which also add the decay to the gradient).
 * {@link AdamW}'s decoupled decay is <em>not</em> a loss term: it shrinks the weights outside the adaptive
 * normalisation, so no penalty reproduces it. A penalty also shows up in the reported loss, which weight decay
 * does not. L1 has no weight-decay counterpart: its gradient λ·sign(w) pushes weights to exactly zero (sparsity);
 * the gradient of |w| at w = 0 is taken as 0.
 *
 * <p>Each parameter counts once (identity), as in {@link Optimizer}. float32 and float64 parameters may be mixed;
 * the result is float64 if any parameter is. With no parameters the result is a float32 zero.
 */
public final class Penalty {
    private Penalty() {}

    /** Σ|w| over every element of every parameter: the L1 penalty, differentiable (∂/∂w = sign(w)). */
    public static Tensor l1(Iterable<? extends Tensor> params) {
        Tensor total = null;
        for (Tensor p : distinct(params, "Penalty.l1")) {
            Tensor s = p.abs().sum();
            total = total == null ? s : total.add(s);
        }
        return total == null ? Tensor.scalar(0) : total;
    }

    /** Σw² over every element of every parameter: the squared L2 norm, differentiable (∂/∂w = 2w). */
    public static Tensor l2(Iterable<? extends Tensor> params) {
        Tensor total = null;
        for (Tensor p : distinct(params, "Penalty.l2")) {
            Tensor s = p.square().sum();
            total = total == null ? s : total.add(s);
        }
        return total == null ? Tensor.scalar(0) : total;
    }

    private static Iterable<Tensor> distinct(Iterable<? extends Tensor> params, String what) {
        Objects.requireNonNull(params, () -> what + ": params is null");
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : params) {
            if (p == null) throw new NullPointerException(what + ": a parameter is null");
            if (!p.dtype().isFloating()) {
                throw new IllegalArgumentException(what + ": a parameter is " + p.dtype() + "; expected float32 or float64");
            }
            if (seen.add(p)) out.add(p);
        }
        return out;
    }
}
