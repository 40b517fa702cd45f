package dev.backprop.ops;

import dev.backprop.Tensor;
import dev.backprop.kernels.Kernels;

/**
 * Elementwise functions of two tensors with NumPy broadcasting: out = f(a, b).
 *
 * <p>Backward rules return gradients in the broadcast (output) shape; the engine sums them back to each operand's
 * own shape.
 */
public sealed interface BinaryOp extends Op {

    /** The function at one point (in double). */
    double apply(double a, double b);

    /** {∂L/∂a, ∂L/∂b} given g = ∂L/∂out, in the broadcast shape. */
    Tensor[] backward(Tensor g, Tensor a, Tensor b, Tensor out);

    @Override
    default Tensor forward(Tensor[] in) {
        return Kernels.active().binary(this, in[0], in[1]);
    }

    @Override
    default Tensor[] backward(Tensor g, Tensor[] in, Tensor out) {
        return backward(g, in[0], in[1], out);
    }

    /** out = a + b; ∂/∂a = 1, ∂/∂b = 1. */
    record Add() implements BinaryOp {
        public double apply(double a, double b) { return a + b; }
        public Tensor[] backward(Tensor g, Tensor a, Tensor b, Tensor out) { return new Tensor[] {g, g}; }
        public boolean savesInputs() { return false; }
    }

    /** out = a − b; ∂/∂a = 1, ∂/∂b = −1. */
    record Sub() implements BinaryOp {
        public double apply(double a, double b) { return a - b; }
        public Tensor[] backward(Tensor g, Tensor a, Tensor b, Tensor out) {
            return new Tensor[] {g, b.requiresGrad() ? g.neg() : null};
        }
        public boolean savesInputs() { return false; }
    }

    /** out = a·b; ∂/∂a = b, ∂/∂b = a. */
    record Mul() implements BinaryOp {
        public double apply(double a, double b) { return a * b; }
        public Tensor[] backward(Tensor g, Tensor a, Tensor b, Tensor out) {
            return new Tensor[] {a.requiresGrad() ? g.mul(b) : null, b.requiresGrad() ? g.mul(a) : null};
        }
    }

    /** out = a/b; ∂/∂a = 1/b, ∂/∂b = −a/b². */
    record Div() implements BinaryOp {
        public double apply(double a, double b) { return a / b; }
        public Tensor[] backward(Tensor g, Tensor a, Tensor b, Tensor out) {
            return new Tensor[] {
                a.requiresGrad() ? g.div(b) : null,
                b.requiresGrad() ? g.mul(a).div(b.square()).neg() : null};
        }
    }

    /**
     * out = aᵇ; ∂/∂a = b·a^(b−1) (0 where b = 0), ∂/∂b = aᵇ·ln a (0 where a = 0 and b ≥ 0, the limit PyTorch
     * takes, instead of 0·(−∞) = NaN).
     */
    record Pow() implements BinaryOp {
        public double apply(double a, double b) { return Math.pow(a, b); }
        public Tensor[] backward(Tensor g, Tensor a, Tensor b, Tensor out) {
            Tensor zero = Tensor.scalar(g.dtype(), 0);
            Tensor ga = null, gb = null;
            if (a.requiresGrad()) ga = Tensor.where(b.eq(0), zero, g.mul(b).mul(a.pow(b.sub(1))));
            if (b.requiresGrad()) gb = Tensor.where(a.eq(0).and(b.ge(0)), zero, g.mul(out).mul(a.log()));
            return new Tensor[] {ga, gb};
        }
        public boolean savesOutput() { return true; }
    }

    /** out = max(a, b); the gradient goes to the larger, and is split evenly on a tie (as PyTorch). */
    record Maximum() implements BinaryOp {
        public double apply(double a, double b) { return Math.max(a, b); }
        public Tensor[] backward(Tensor g, Tensor a, Tensor b, Tensor out) {
            Tensor w = a.gt(b).toType(g.dtype()).add(a.eq(b).toType(g.dtype()).mul(0.5));
            return new Tensor[] {g.mul(w), g.mul(w.rsub(1))};
        }
    }

    /** out = min(a, b); the gradient goes to the smaller, and is split evenly on a tie (as PyTorch). */
    record Minimum() implements BinaryOp {
        public double apply(double a, double b) { return Math.min(a, b); }
        public Tensor[] backward(Tensor g, Tensor a, Tensor b, Tensor out) {
            Tensor w = a.lt(b).toType(g.dtype()).add(a.eq(b).toType(g.dtype()).mul(0.5));
            return new Tensor[] {g.mul(w), g.mul(w.rsub(1))};
        }
    }
}
