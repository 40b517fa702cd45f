package dev.backprop.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * dst += src over a run of floats with the Vector API, for folding the unfolded input gradient back (col2im):
 * C2 leaves the plain loop scalar there (it cannot rule out that the two arrays alias), about 4× slower.
 * Loaded by name only where the Vector API runs (see {@link GemmConv#ADD}); element by element, so the result is
 * the plain loop's, bit for bit.
 */
final class VectorConvAdd implements GemmConv.Adder {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override
    public void add(float[] dst, int d, float[] src, int s, int n) {
        int t = 0;
        for (int end = n - S.length(); t <= end; t += S.length()) {
            FloatVector.fromArray(S, dst, d + t).add(FloatVector.fromArray(S, src, s + t)).intoArray(dst, d + t);
        }
        for (; t < n; t++) dst[d + t] += src[s + t];
    }
}
