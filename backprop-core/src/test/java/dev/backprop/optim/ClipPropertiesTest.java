package dev.backprop.optim;

import dev.backprop.DType;
import dev.backprop.Tensor;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Laws of global-norm clipping for any gradients. */
class ClipPropertiesTest {
    /** A fixed seed keeps the run deterministic; the values still cover three to six orders of magnitude. */
    @Property(tries = 100, seed = "20240611", edgeCases = EdgeCasesMode.NONE)
    void clippingCapsTheNormAndKeepsTheDirection(@ForAll @IntRange(min = 1, max = 4) int tensors,
                                                 @ForAll @DoubleRange(min = 0.01, max = 100) double maxNorm,
                                                 @ForAll @IntRange(min = -3, max = 3) int scaleExponent,
                                                 @ForAll long seed) {
        double scale = Math.pow(10, scaleExponent);
        Random rnd = new Random(seed);
        List<Tensor> params = new ArrayList<>();
        List<double[]> before = new ArrayList<>();
        double sum = 0;
        for (int t = 0; t < tensors; t++) {
            double[] g = new double[1 + rnd.nextInt(6)];
            for (int i = 0; i < g.length; i++) {
                g[i] = scale * rnd.nextGaussian();
                sum += g[i] * g[i];
            }
            Tensor p = Tensor.zeros(DType.FLOAT64, g.length).requiresGrad(true);
            p.setGrad(Tensor.of(g));
            params.add(p);
            before.add(g);
        }
        double norm = Clip.gradNorm(params, maxNorm);
        assertEquals(Math.sqrt(sum), norm, 1e-12 * norm);
        double coef = Math.min(1, maxNorm / (norm + Clip.EPS));
        double after = 0;
        for (int t = 0; t < tensors; t++) {
            double[] g = params.get(t).grad().toDoubleArray();
            for (int i = 0; i < g.length; i++) {
                assertEquals(before.get(t)[i] * coef, g[i], 1e-12 * Math.abs(before.get(t)[i]));
                after += g[i] * g[i];
            }
        }
        assertTrue(Math.sqrt(after) <= Math.min(norm, maxNorm) * (1 + 1e-12), "clipped norm " + Math.sqrt(after));
    }
}
