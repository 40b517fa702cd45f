package dev.backprop.data;

/**
 * A user error while reading or preparing data: a missing data set, a malformed IDX or CSV file, inconsistent
 * counts. The message is one line that names what was wrong (file, line, column or byte offset) and, where there
 * is one, what to do about it. It is an {@link IllegalArgumentException}, so callers that only know that type
 * (the CLI's error handler) report it as a user error.
 */
public class DataException extends IllegalArgumentException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
