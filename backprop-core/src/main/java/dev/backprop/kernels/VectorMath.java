package dev.backprop.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * e^x, sigmoid and tanh over float32 lanes, built only from operations IEEE 754 rounds exactly (add, multiply,
 * fused multiply-add, divide, min/max, bit moves), so a lane gives the same float interpreted, compiled, on any
 * core and in any position of the array.
 *
 * <p>Why not the Vector API's own {@code lanewise(EXP)}: it runs a Java fallback until the JIT swaps in an
 * intrinsic, and the two round differently, so the same seed trained to different results from run to run. A
 * scalar {@code Math.exp} loop is deterministic but costs 3–9 ns an element, ten to thirty times a ReLU.
 *
 * <p>The method, for e^x: write x = n·ln 2 + r with n = round(x·log₂e), so |r| ≤ ln 2 / 2 (r is computed in two
 * parts, ln 2 = LN2_HI + LN2_LO with LN2_HI short enough that n·LN2_HI is exact); then e^x = 2ⁿ · (1 + q) where
 * q = e^r − 1 = r + r²/2! + … + r⁸/8! (the next term is below 2e-10, far under a float's 6e-8); 2ⁿ is built from
 * its exponent bits, as 2^⌊n/2⌋ · 2^(n − ⌊n/2⌋) so that both factors are normal floats while e^x under- or
 * overflows (one rounding, at the last multiply). Error: below one unit in the last place (0.97 ulp measured).
 *
 * <p>{@code sigmoid(x)}: with e = e^(−|x|) ∈ (0, 1], 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0 — no overflow
 * and full relative accuracy on both tails. {@code tanh(x)}: with u = e^(−2|x|) − 1 ∈ [−1, 0] from the same
 * series (no cancellation near 0, where u ≈ −2|x|), tanh|x| = −u / (2 + u), with the sign of x put back.
 *
 * sigmoid and tanh add a division and a few roundings: up to 2.5 ulp.
 *
 * <p>{@link ReferenceKernels} computes the same functions as {@code (float) Math.exp(x)} etc. in float64;
 * {@code VectorMathTest} holds the two within 1, 3 and 4 ulp over every binade. The plain kernels (no Vector API
 * module) therefore give slightly different floats; with the vector kernels a view is copied to dense storage
 * first, so the same values give the same floats whatever the layout.
 */
final class VectorMath {
    private VectorMath() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private static final float LOG2E = 1.44269504f;
    /** ln 2 = LN2_HI + LN2_LO; LN2_HI = 355/512 has 9 significant bits, so n·LN2_HI is exact for |n| < 2¹⁵. */
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** 1.5·2²³: adding it rounds a float of magnitude below 2²² to an integer (round half to even). */
    private static final float ROUND = 12582912f;
    /** Beyond these e^x is 0 or +∞ in float (e^−103.98 is half the smallest subnormal, e^88.73 > Float.MAX_VALUE). */
    private static final float EXP_LOW = -104f, EXP_HIGH = 89f;
    /** e^−40 − 1 is −1 in float: the clamp for e^t − 1 keeps 2ⁿ normal. */
    private static final float EXPM1_LOW = -40f;
    private static final float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040,
            C8 = 1f / 40320;

    /** r·LOG2E rounded to an integer, as a float. */
    private static FloatVector nearestMultiple(FloatVector x) {
        return x.fma(LOG2E, ROUND).sub(ROUND);
    }

    /** x − n·ln 2, in two steps. */
    private static FloatVector reduce(FloatVector x, FloatVector n) {
        return n.fma(FloatVector.broadcast(S, -LN2_LO), n.fma(FloatVector.broadcast(S, -LN2_HI), x));
    }

    /** e^r − 1 for |r| ≤ ln 2 / 2, by the Taylor series to r⁸. */
    private static FloatVector expm1Reduced(FloatVector r) {
        FloatVector p = FloatVector.broadcast(S, C8);
        p = p.fma(r, FloatVector.broadcast(S, C7));
        p = p.fma(r, FloatVector.broadcast(S, C6));
        p = p.fma(r, FloatVector.broadcast(S, C5));
        p = p.fma(r, FloatVector.broadcast(S, C4));
        p = p.fma(r, FloatVector.broadcast(S, C3));
        p = p.fma(r, FloatVector.broadcast(S, C2));
        return r.mul(r).fma(p, r);
    }

    /** 2^k for integer-valued k with the float exponent in range (−126 ≤ k ≤ 127). */
    private static FloatVector pow2(IntVector k) {
        return k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    /** e^x, lane by lane. */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(EXP_LOW).min(EXP_HIGH);
        FloatVector n = nearestMultiple(c);
        FloatVector q = expm1Reduced(reduce(c, n));
        IntVector k = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
        return q.add(1f).mul(pow2(k1)).mul(pow2(k.sub(k1)));
    }

    /** e^t − 1 for t ≤ 0 (NaN stays NaN). */
    private static FloatVector expm1NonPositive(FloatVector t) {
        FloatVector c = t.max(EXPM1_LOW);
        FloatVector n = nearestMultiple(c);
        FloatVector q = expm1Reduced(reduce(c, n));
        FloatVector s = pow2((IntVector) n.convert(VectorOperators.F2I, 0));
        // One rounding for 2ⁿ·q + (2ⁿ − 1): 2ⁿ − 1 is exact, and the fused sum does not lose q's bits to cancellation.
        return q.fma(s, s.sub(1f));
    }

    /** 1 / (1 + e^−x), lane by lane. */
    static FloatVector sigmoid(FloatVector x) {
        FloatVector e = exp(x.abs().neg());
        FloatVector onePlus = e.add(1f);
        FloatVector pos = FloatVector.broadcast(S, 1f).div(onePlus), neg = e.div(onePlus);
        return pos.blend(neg, x.lt(0f));
    }

    /** tanh x, lane by lane. */
    static FloatVector tanh(FloatVector x) {
        FloatVector u = expm1NonPositive(x.abs().mul(-2f));
        FloatVector t = u.neg().div(u.add(2f));
        // The sign bit of x on |tanh x| (so tanh(−0) = −0, as Math.tanh).
        IntVector bits = t.reinterpretAsInts().and(0x7fffffff).or(x.reinterpretAsInts().and(0x80000000));
        return bits.reinterpretAsFloats();
    }

    // The three array loops are written out rather than sharing one that takes the function: a lambda called per
    // vector defeats the JIT's inlining, and every FloatVector would then live on the heap.

    /** Applies one of the functions above to a[ao … ao + n) into o[oo …); the last partial vector is masked. */
    static void exp(float[] a, int ao, float[] o, int oo, int n) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += S.length()) exp(FloatVector.fromArray(S, a, ao + i)).intoArray(o, oo + i);
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            exp(FloatVector.fromArray(S, a, ao + i, m)).intoArray(o, oo + i, m);
        }
    }

    static void sigmoid(float[] a, int ao, float[] o, int oo, int n) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += S.length()) sigmoid(FloatVector.fromArray(S, a, ao + i)).intoArray(o, oo + i);
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            sigmoid(FloatVector.fromArray(S, a, ao + i, m)).intoArray(o, oo + i, m);
        }
    }

    static void tanh(float[] a, int ao, float[] o, int oo, int n) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += S.length()) tanh(FloatVector.fromArray(S, a, ao + i)).intoArray(o, oo + i);
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            tanh(FloatVector.fromArray(S, a, ao + i, m)).intoArray(o, oo + i, m);
        }
    }
}
