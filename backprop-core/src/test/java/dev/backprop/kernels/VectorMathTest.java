package dev.backprop.kernels;

import dev.backprop.Generator;
import org.junit.jupiter.api.Test;

import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VectorMath's e^x, sigmoid and tanh against the float64 formulas of the reference kernels, measured in units in
 * the last place of the float result, over every binade from 2⁻³⁰ to the overflow edge and at the special values;
 * and the property that makes them worth having: a lane's result does not depend on where it sits in the array,
 * and does not change when the JIT compiles the loop.
 */
class VectorMathTest {
    interface Kernel {
        void apply(float[] a, int ao, float[] o, int oo, int n);
    }

    record Fn(String name, Kernel vector, DoubleUnaryOperator reference, double maxUlps) {}

    static final Fn[] FNS = {
            new Fn("exp", VectorMath::exp, Math::exp, 2),
            new Fn("sigmoid", VectorMath::sigmoid, x -> 1 / (1 + Math.exp(-x)), 3),
            new Fn("tanh", VectorMath::tanh, Math::tanh, 4),
    };

    /** Error of {@code actual} in units of the last place of the float nearest {@code exact} (subnormals count too). */
    static double ulps(double exact, float actual) {
        float rounded = (float) exact;
        if (Float.isNaN(rounded) || Float.isInfinite(rounded)) return rounded == actual || (Float.isNaN(rounded) && Float.isNaN(actual)) ? 0 : Double.POSITIVE_INFINITY;
        return Math.abs(actual - exact) / Math.ulp(rounded);
    }

    /** Random floats with uniformly random exponents between 2⁻³⁰ and 2⁷, both signs: every binade gets its share. */
    static float[] sweep(long seed, int n) {
        Generator g = new Generator(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double mag = Math.pow(2, -30 + 37 * g.nextDouble());
            a[i] = (float) (g.nextDouble() < 0.5 ? -mag : mag);
        }
        return a;
    }

    @Test
    void withinAFewUlpsOfTheFloat64FormulaEverywhere() {
        float[] a = sweep(1, 200_003);
        float[] o = new float[a.length];
        for (Fn f : FNS) {
            f.vector.apply(a, 0, o, 0, a.length);
            double worst = 0;
            float at = 0;
            for (int i = 0; i < a.length; i++) {
                double e = ulps(f.reference.applyAsDouble(a[i]), o[i]);
                if (e > worst) {
                    worst = e;
                    at = a[i];
                }
            }
            System.out.printf("%s: worst %.2f ulp at %s%n", f.name, worst, at);
            assertTrue(worst <= f.maxUlps, f.name + ": " + worst + " ulp at x = " + at);
        }
    }

    @Test
    void specialValuesAndTheEdgesOfTheRange() {
        float[] a = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE,
                1e-38f, -1e-38f, 88.72f, 88.7229f, 88.73f, 89f, 100f, -87.3f, -88f, -100f, -103.2f, -103.9f, -104f, -105f,
                -200f, 9f, 9.1f, -9.1f, 44f, -44f, 1000f, -1000f, Float.MAX_VALUE, -Float.MAX_VALUE};
        float[] o = new float[a.length];
        for (Fn f : FNS) {
            f.vector.apply(a, 0, o, 0, a.length);
            for (int i = 0; i < a.length; i++) {
                double exact = f.reference.applyAsDouble(a[i]);
                float expected = (float) exact;
                if (Float.isNaN(expected) || Float.isInfinite(expected) || expected == 0 || Math.abs(expected) == 1) {
                    // Exact answers: the same float, sign of zero included.
                    assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(o[i]),
                            f.name + "(" + a[i] + "): expected " + expected + ", got " + o[i]);
                } else {
                    assertTrue(ulps(exact, o[i]) <= f.maxUlps, f.name + "(" + a[i] + ") = " + o[i] + ", exact " + exact);
                }
            }
        }
    }

    /**
     * The same input gives the same float wherever it sits (a full vector or the masked tail, any offset) and
     * before and after compilation: results then repeat exactly from run to run and for any split over threads.
     */
    @Test
    void aLaneGivesTheSameFloatAnywhereAndAfterCompilation() {
        float[] a = sweep(2, 1031);
        for (Fn f : FNS) {
            float[] cold = new float[a.length];
            f.vector.apply(a, 0, cold, 0, a.length);
            float[] o = new float[a.length + 40];
            for (int shift = 1; shift < 20; shift++) {
                f.vector.apply(a, shift, o, shift + 3, a.length - shift);
                for (int i = shift; i < a.length; i++) {
                    assertEquals(cold[i], o[i + 3], 0f, f.name + " at offset " + shift);
                }
            }
            for (int round = 0; round < 3000; round++) f.vector.apply(a, 0, o, 0, a.length);
            for (int i = 0; i < a.length; i++) assertEquals(Float.floatToIntBits(cold[i]), Float.floatToIntBits(o[i]), f.name + " after 3,000 calls");
        }
    }
}
