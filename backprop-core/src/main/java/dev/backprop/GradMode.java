package dev.backprop;

/**
 * Whether operations record the autograd graph, per thread.
 *
 * <pre>{@code
 * try (var scope = GradMode.noGrad()) {
 *     Tensor prediction = model.forward(x);   // no graph is built, nothing is kept for backward
 * }
 * }</pre>
 * Scopes nest; closing one restores the mode that was in force when it was opened.
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {}

    /** True when new operations record the graph on this thread. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** Turns graph recording off until the returned scope is closed (PyTorch's {@code torch.no_grad()}). */
    public static Scope noGrad() {
        return set(false);
    }

    /** Turns graph recording on until the returned scope is closed (PyTorch's {@code torch.enable_grad()}). */
    public static Scope enableGrad() {
        return set(true);
    }

    private static Scope set(boolean on) {
        boolean[] cell = ENABLED.get();
        boolean previous = cell[0];
        cell[0] = on;
        return new Scope(cell, previous);
    }

    /** Restores the previous grad mode when closed. */
    public static final class Scope implements AutoCloseable {
        private final boolean[] cell;
        private final boolean previous;
        private boolean closed;

        private Scope(boolean[] cell, boolean previous) {
            this.cell = cell;
            this.previous = previous;
        }

        @Override
        public void close() {
            if (!closed) {
                cell[0] = previous;
                closed = true;
            }
        }
    }
}
