package dev.backprop.cli;

/** A mistake in what the user asked for: printed as one line, exit status 2. */
final class UserError extends RuntimeException {
    UserError(String message) {
        super(message);
    }
}
