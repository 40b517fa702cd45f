package dev.backprop;

import dev.backprop.autograd.GradCheck;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.BinaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Laws that hold for all shapes and values. */
class PropertiesTest {

    /** Two shapes that broadcast: each operand drops some leading dims of the output and sets others to 1. */
    record Pair(int[] a, int[] b) {
        @Override
        public String toString() {
            return Arrays.toString(a) + " with " + Arrays.toString(b);
        }
    }

    @Provide
    Arbitrary<Pair> broadcastPairs() {
        Arbitrary<int[]> out = Arbitraries.integers().between(1, 4).array(int[].class).ofMinSize(0).ofMaxSize(4);
        Arbitrary<Long> seeds = Arbitraries.longs();
        return Combinators.combine(out, seeds).as((o, seed) -> {
            Generator g = new Generator(seed);
            return new Pair(operand(o, g), operand(o, g));
        });
    }

    private static int[] operand(int[] out, Generator g) {
        int drop = g.nextInt(out.length + 1);
        int[] s = Arrays.copyOfRange(out, drop, out.length);
        for (int i = 0; i < s.length; i++) if (g.nextInt(3) == 0) s[i] = 1;
        return s;
    }

    static final List<BinaryOperator<Tensor>> BINARY = List.of(
            Tensor::add, Tensor::sub, Tensor::mul, Tensor::div, Tensor::maximum, Tensor::minimum,
            (a, b) -> a.abs().add(0.5).pow(b),
            (a, b) -> Tensor.where(a.gt(0), a, b));

    @Property(tries = 60)
    void broadcastGradientsHaveTheOperandsShapeAndAreCorrect(@ForAll("broadcastPairs") Pair p,
                                                             @ForAll @IntRange(min = 0, max = 7) int which,
                                                             @ForAll long seed) {
        Generator g = new Generator(seed);
        Tensor a = Tensor.rand(g, DType.FLOAT64, p.a()).add(0.5).requiresGrad(true);
        Tensor b = Tensor.rand(g, DType.FLOAT64, p.b()).add(0.5).requiresGrad(true);
        BinaryOperator<Tensor> op = BINARY.get(which);
        Tensor out = op.apply(a, b);
        out.mul(Tensor.randn(g, DType.FLOAT64, out.shape())).sum().backward();
        assertArrayEquals(p.a(), a.grad().shape());
        assertArrayEquals(p.b(), b.grad().shape());
        GradCheck.check(x -> op.apply(x[0], x[1]), a, b).orThrow();
    }

    @Property(tries = 40)
    void backwardIsLinearInTheIncomingGradient(@ForAll("broadcastPairs") Pair p, @ForAll long seed) {
        Generator g = new Generator(seed);
        Tensor a = Tensor.randn(g, DType.FLOAT64, p.a()).requiresGrad(true);
        Tensor b = Tensor.randn(g, DType.FLOAT64, p.b()).requiresGrad(true);
        Tensor out = a.mul(b).tanh().add(a.exp().mul(b));
        Tensor g1 = Tensor.randn(g, DType.FLOAT64, out.shape()), g2 = Tensor.randn(g, DType.FLOAT64, out.shape());
        double alpha = g.nextGaussian(), beta = g.nextGaussian();
        Tensor[] r1 = Backprop.grad(out, new Tensor[] {a, b}, g1, true, false);
        Tensor[] r2 = Backprop.grad(out, new Tensor[] {a, b}, g2, true, false);
        Tensor[] r = Backprop.grad(out, new Tensor[] {a, b}, g1.mul(alpha).add(g2.mul(beta)), false);
        for (int i = 0; i < 2; i++) {
            double[] combined = r1[i].mul(alpha).add(r2[i].mul(beta)).toDoubleArray();
            double[] direct = r[i].toDoubleArray();
            for (int k = 0; k < direct.length; k++) assertEquals(combined[k], direct[k], 1e-9 * (1 + Math.abs(combined[k])));
        }
    }

    @Provide
    Arbitrary<int[]> shapes() {
        return Arbitraries.integers().between(1, 5).array(int[].class).ofMinSize(1).ofMaxSize(5);
    }

    @Property(tries = 80)
    void permuteAndReshapeRoundTrip(@ForAll("shapes") int[] shape, @ForAll long seed) {
        Generator g = new Generator(seed);
        Tensor x = Tensor.randn(g, shape);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < shape.length; i++) order.add(i);
        Collections.shuffle(order, new java.util.Random(seed));
        int[] perm = order.stream().mapToInt(Integer::intValue).toArray();
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inv[perm[i]] = i;
        Tensor p = x.permute(perm);
        assertArrayEquals(x.toFloatArray(), p.permute(inv).toFloatArray());
        // Reading a permuted tensor's elements equals reading its contiguous copy.
        assertArrayEquals(p.contiguous().toFloatArray(), p.reshape(-1).toFloatArray());
        assertArrayEquals(x.toFloatArray(), p.reshape(p.shape()).permute(inv).reshape(shape).toFloatArray());
        // Element (i, j, ...) of p is element perm-mapped in x.
        int[] idx = new int[shape.length];
        for (int d = 0; d < idx.length; d++) idx[d] = g.nextInt(p.shape()[d]);
        int[] src = new int[shape.length];
        for (int d = 0; d < idx.length; d++) src[perm[d]] = idx[d];
        assertEquals(x.getDouble(src), p.getDouble(idx));
    }

    @Property(tries = 50)
    void sumOverDimsEqualsIteratedSums(@ForAll("shapes") int[] shape, @ForAll long seed) {
        Generator g = new Generator(seed);
        Tensor x = Tensor.randn(g, DType.FLOAT64, shape);
        int d1 = g.nextInt(shape.length);
        int d2 = g.nextInt(shape.length);
        if (d1 == d2) return;
        Tensor both = x.sum(new int[] {d1, d2}, true);
        Tensor iterated = x.sum(d1, true).sum(d2, true);
        double[] a = both.toDoubleArray(), b = iterated.toDoubleArray();
        for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-12 * (1 + Math.abs(b[i])));
    }

    @Property(tries = 30)
    void shuffleIsAPermutation(@ForAll @IntRange(min = 0, max = 300) int n, @ForAll long seed) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        new Generator(seed).shuffle(a);
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < n; i++) assertEquals(i, sorted[i]);
    }
}
