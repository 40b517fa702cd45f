package dev.backprop;

/**
 * Element type of a tensor.
 *
 * <p>{@link #FLOAT32} is the working type; {@link #FLOAT64} exists so that gradient checks by central differences
 * are meaningful. {@link #INT64} holds indices (gather, argmax) and {@link #BOOL} holds comparison results; neither
 * takes part in arithmetic or autograd.
 */
public enum DType {
    FLOAT32("float32", 4),
    FLOAT64("float64", 8),
    INT64("int64", 8),
    BOOL("bool", 1);

    private final String label;
    private final int bytes;

    DType(String label, int bytes) {
        this.label = label;
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** True for float32 and float64, the types that carry gradients. */
    public boolean isFloating() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** The result type of arithmetic between two floating types: float64 wins. */
    public static DType promote(DType a, DType b) {
        if (a == FLOAT64 || b == FLOAT64) return FLOAT64;
        return FLOAT32;
    }

    @Override
    public String toString() {
        return label;
    }
}
