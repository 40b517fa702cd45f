package dev.backprop.kernels;

/** Special functions the JDK does not provide, in double precision. */
public final class Special {
    private Special() {}

    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    private static final double INV_SQRT_PI = 0.5641895835477563;

    /**
     * The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, to about 1e-15 relative.
     *
     * <p>For |x| &lt; 3 it sums erf(x) = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), whose terms are all
     * positive (no cancellation); beyond, 1 − erfc(|x|) with erfc from its continued fraction.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        if (ax < 3) {
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 500; n++) {
                term *= 2 * x2 / (2 * n + 1);
                sum += term;
                if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
            }
            return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
        }
        if (ax > 6.5) return Math.copySign(1.0, x);
        return Math.copySign(1 - erfcLarge(ax), x);
    }

    /** erfc(x) for x ≥ 3 by the continued fraction e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))). */
    private static double erfcLarge(double x) {
        // Modified Lentz evaluation of f = x + a1/(x + a2/(x + ...)) with a_j = j/2.
        double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int j = 1; j < 500; j++) {
            double a = j / 2.0;
            d = x + a * d;
            if (Math.abs(d) < tiny) d = tiny;
            c = x + a / c;
            if (Math.abs(c) < tiny) c = tiny;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        return Math.exp(-x * x) * INV_SQRT_PI / f;
    }
}
