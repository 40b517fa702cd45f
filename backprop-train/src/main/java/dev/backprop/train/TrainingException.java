package dev.backprop.train;

/** Training cannot go on (a NaN loss, an exploding gradient); the message says where and what to try. */
public class TrainingException extends RuntimeException {
    public TrainingException(String message) {
        super(message);
    }

    /** With the exception that stopped it (an {@link dev.backprop.AnomalyException}). */
    public TrainingException(String message, Throwable cause) {
        super(message, cause);
    }
}
