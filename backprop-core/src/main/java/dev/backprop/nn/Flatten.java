package dev.backprop.nn;

import dev.backprop.Tensor;

/** Flattens dimensions start..end (default 1..−1: everything but the batch dimension). */
public final class Flatten extends Module {
    private final int start, end;

    public Flatten() {
        this(1, -1);
    }

    public Flatten(int start, int end) {
        this.start = start;
        this.end = end;
    }

    /** The first flattened dimension. */
    public int startDim() {
        return start;
    }

    /** The last flattened dimension (inclusive; negative counts from the end). */
    public int endDim() {
        return end;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.flatten(start, end);
    }

    @Override
    public String describe() {
        return "Flatten(" + start + ", " + end + ")";
    }
}
