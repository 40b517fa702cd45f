package dev.backprop;

import dev.backprop.ops.Op;

import java.util.List;

/**
 * One recorded application of an {@link Op}: the node of the autograd graph behind a tensor that was computed
 * from tensors requiring gradients ({@link Tensor#gradFn()}).
 *
 * <p>It keeps the inputs (the graph's edges and, when the op needs them, their values) and the version of each
 * saved tensor's storage, so that backward can refuse values changed in place since.
 */
public final class Node {
    final Op op;
    final Tensor[] inputs;
    final int[] inputVersions;
    Tensor output;
    int outputVersion;
    /** Set when a backward pass went through this node without retainGraph, as PyTorch frees its buffers. */
    boolean released;
    /** Where the caller made this node, recorded only under {@link Anomaly#detect()} (null otherwise). */
    Anomaly.Site site;

    Node(Op op, Tensor[] inputs) {
        this.op = op;
        this.inputs = inputs;
        this.inputVersions = new int[inputs.length];
        for (int i = 0; i < inputs.length; i++) inputVersions[i] = inputs[i].storage().version();
    }

    /** The op this node applied. */
    public Op op() {
        return op;
    }

    /** The op's inputs, in order. */
    public List<Tensor> inputs() {
        return List.of(inputs);
    }

    /** The op's name, e.g. {@code "mul"}. */
    public String name() {
        return op.name();
    }

    void checkSavedVersions() {
        if (op.savesInputs()) {
            for (int i = 0; i < inputs.length; i++) {
                int now = inputs[i].storage().version();
                if (now != inputVersions[i]) {
                    throw modified("input " + i + " (shape " + Shape.str(inputs[i].shape()) + ")", inputVersions[i], now);
                }
            }
        }
        if (op.savesOutput()) {
            int now = output.storage().version();
            if (now != outputVersion) {
                throw modified("output (shape " + Shape.str(output.shape()) + ")", outputVersion, now);
            }
        }
    }

    private IllegalStateException modified(String what, int then, int now) {
        return new IllegalStateException("backward through " + op.name() + ": its " + what
                + ", a tensor needed for backward, was modified by an in-place operation after it was used (version "
                + then + " -> " + now + "); change a clone() instead, or make the change before the op");
    }

    @Override
    public String toString() {
        return op.name();
    }
}
