package dev.backprop.kernels;

import java.util.Objects;

/**
 * Holds the {@link Gemm} implementation the rest of the engine calls. Defaults to {@link #BLOCKED}; tests and
 * debugging can switch to {@link #REFERENCE} (or any other implementation) with {@link #use(Gemm)}.
 */
public final class GemmImpl {

    /** The plain triple loop that defines the right answer. */
    public static final Gemm REFERENCE = new ReferenceGemm();

    /** The cache-blocked, multithreaded implementation; the default. */
    public static final Gemm BLOCKED = new BlockedGemm();

    private static volatile Gemm active = BLOCKED;

    private GemmImpl() {
    }

    /**
     * The implementation in use.
     *
     * @return the active GEMM, never null
     */
    public static Gemm active() {
        return active;
    }

    /**
     * Switches every later GEMM call in the process to {@code gemm}.
     *
     * @param gemm the implementation to use, not null
     */
    public static void use(Gemm gemm) {
        active = Objects.requireNonNull(gemm, "gemm");
    }
}
