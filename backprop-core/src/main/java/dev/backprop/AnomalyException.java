package dev.backprop;

/**
 * Thrown under {@link Anomaly#detect()} by the first op that made a NaN or an infinity. The message is one line:
 * the op, the phase, the shapes and value statistics of its inputs, how many values went bad, and the caller's
 * code location, e.g.
 * {@code log (forward) produced 1 -Inf of 6 values [2, 3] from finite inputs: input [2, 3] min 0 max 1.2 mean 0.5;
 * at com.example.Net.forward(Net.java:42)}.
 */
public class AnomalyException extends ArithmeticException {
    /** Where the anomaly showed: an op's forward computation, its backward rule, or an optimizer's update. */
    public enum Phase { FORWARD, BACKWARD, STEP }

    private final String op;
    private final Phase phase;
    private final String location;
    private final transient Tensor value;

    /**
     * @param op       the op's name ({@code "log"}) or the optimizer's ({@code "SGD"})
     * @param location the caller's code location, or null when unknown (a node made before detection was on)
     * @param value    the tensor that holds the non-finite values: the op's output, the gradient, the parameter
     */
    public AnomalyException(String message, String op, Phase phase, String location, Tensor value) {
        super(message);
        this.op = op;
        this.phase = phase;
        this.location = location;
        this.value = value;
    }

    /** The op's name, e.g. {@code "log"}; the optimizer's for {@link Phase#STEP}. */
    public String op() {
        return op;
    }

    public Phase phase() {
        return phase;
    }

    /**
     * The first stack frame outside the engine where the op was called, e.g.
     * {@code com.example.Net.forward(Net.java:42)}, followed by {@code in layer 2 (Linear(128 -> 10))} when a
     * {@link dev.backprop.nn.Sequential} ran it; null when the node was made before detection was turned on.
     */
    public String location() {
        return location;
    }

    /** The tensor holding the NaN or infinite values (for a {@link Phase#STEP}, the parameter). */
    public Tensor value() {
        return value;
    }
}
