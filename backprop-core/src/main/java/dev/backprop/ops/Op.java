package dev.backprop.ops;

import dev.backprop.Tensor;

import java.util.Locale;

/**
 * A differentiable primitive: its forward computation and its backward rule, side by side.
 *
 * <p>Given the gradient {@code g = ∂L/∂out} of a scalar loss with respect to the op's output, {@link #backward}
 * returns {@code ∂L/∂input_i} for each input (the vector–Jacobian product). Backward rules are written with
 * {@link Tensor} operations, so they are differentiable themselves (second derivatives with
 * {@code backward(g, true)}).
 *
 * <p>Rules never deal with broadcasting: an op whose inputs were broadcast returns gradients in the broadcast
 * (output) shape, and the engine ({@link dev.backprop.Backprop}) sums each back to its input's shape, once.
 *
 * <p>The hierarchy is sealed: the op catalog test walks it and fails for any op that is not gradient-checked and
 * matched against PyTorch. It lives in one package with its families because a sealed hierarchy may span
 * packages only inside a named module, and backprop must also work from the class path.
 */
public sealed interface Op permits UnaryOp, BinaryOp, ReduceOp, SoftmaxOp, MovementOp, IndexOp, MatMulOp, LossOp,
        PoolOp, NormOp, ConvOp {

    /** Computes the output from the inputs' values. Called with grad mode off; records nothing. */
    Tensor forward(Tensor[] inputs);

    /**
     * The gradient with respect to each input given {@code g = ∂L/∂out}; {@code null} for an input that takes no
     * gradient (an index, a mask). The result may have the broadcast shape of the output.
     */
    Tensor[] backward(Tensor g, Tensor[] inputs, Tensor out);

    /** Whether backward reads the inputs' values; if so, an in-place change to them is detected. */
    default boolean savesInputs() {
        return true;
    }

    /** Whether backward reads the output's value; if so, an in-place change to it is detected. */
    default boolean savesOutput() {
        return false;
    }

    /** Short lower-case name used in messages and in the op catalog, e.g. {@code "logSoftmax"}. */
    default String name() {
        String s = getClass().getSimpleName();
        return s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
    }
}
