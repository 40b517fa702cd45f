package dev.backprop.autograd;

import dev.backprop.Backprop;
import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.GradMode;
import dev.backprop.Shape;
import dev.backprop.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Checks the gradients autograd computes against central differences, in float64.
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(new Generator(1), DType.FLOAT64, 3, 4).requiresGrad(true);
 * GradCheck.Result r = GradCheck.check(in -> in[0].tanh().sum(), x);
 * r.orThrow();   // or inspect r.maxError()
 * }</pre>
 *
 * <p>For each input that requires grad, the analytical gradient from backward is compared with the numerical
 * derivative (f(x + ε) − f(x − ε)) / 2ε. Small problems compare the full Jacobian (each output element on its
 * own); larger ones compare the gradient of the projection L = Σ out ⊙ R for a fixed random R, element by element,
 * and inputs of more than {@value #ELEMENT_LIMIT} elements by random directions. The error of one entry is
 * |analytical − numerical| / max(1, |numerical|): absolute for small values, relative for large ones.
 *
 * <p>Why float64: with float32 the rounding error of f divided by ε swamps the derivative; central differences
 * in float64 with ε = 1e-6 are accurate to about 1e-9. Avoid points where the function has a kink (relu at 0).
 */
public final class GradCheck {
    /** Default step ε. */
    public static final double EPS = 1e-6;
    /** Default tolerance on the error. */
    public static final double TOLERANCE = 1e-6;
    /** Inputs up to this many elements are checked element by element. */
    public static final int ELEMENT_LIMIT = 4096;
    private static final int FULL_JACOBIAN_LIMIT = 4096;
    private static final int DIRECTIONS = 4;

    private GradCheck() {}

    /** The outcome: the worst error over all checked entries and where it was. */
    public record Result(double maxError, double tolerance, int checked, String worst, List<String> failures) {
        /** True when every checked entry is within tolerance. */
        public boolean passed() {
            return failures.isEmpty();
        }

        /** Throws an AssertionError listing the worst mismatches if the check failed; returns this otherwise. */
        public Result orThrow() {
            if (!passed()) {
                throw new AssertionError("gradient check failed: max error " + fmt(maxError) + " > tolerance "
                        + fmt(tolerance) + "; first mismatches: " + String.join("; ", failures));
            }
            return this;
        }

        @Override
        public String toString() {
            return (passed() ? "passed" : "FAILED") + ": " + checked + " entries, max error " + fmt(maxError)
                    + (worst.isEmpty() ? "" : " at " + worst);
        }
    }

    /** Checks {@code f} at {@code inputs} with the default ε and tolerance. */
    public static Result check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return check(f, EPS, TOLERANCE, inputs);
    }

    /**
     * Checks {@code f} at {@code inputs}. Inputs that require grad are checked; all floating inputs must be
     * float64. {@code f} must be deterministic. Gradients of the caller's tensors are left untouched.
     */
    public static Result check(Function<Tensor[], Tensor> f, double eps, double tolerance, Tensor... inputs) {
        Tensor[] xs = new Tensor[inputs.length];
        List<Integer> wanted = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            Tensor in = inputs[i];
            if (in.dtype() == DType.FLOAT32) {
                throw new IllegalArgumentException("gradcheck: input " + i + " is float32; central differences in float32 "
                        + "are noise, convert it with toDouble()");
            }
            try (var s = GradMode.noGrad()) {
                xs[i] = in.detach().clone();
            }
            if (in.requiresGrad()) {
                xs[i].requiresGrad(true);
                wanted.add(i);
            }
        }
        if (wanted.isEmpty()) throw new IllegalArgumentException("gradcheck: no input requires grad");

        Tensor out = f.apply(xs);
        if (out.dtype() != DType.FLOAT64) {
            throw new IllegalArgumentException("gradcheck: the function returned " + out.dtype() + "; it must compute in float64");
        }
        Checker c = new Checker(f, xs, eps, tolerance);
        long totalIn = 0;
        for (int i : wanted) totalIn += xs[i].numel();
        if (out.numel() * totalIn <= FULL_JACOBIAN_LIMIT) {
            c.fullJacobian(out, wanted);
        } else {
            c.projected(out, wanted);
        }
        return new Result(c.maxError, tolerance, c.checked, c.worst, c.failures);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private static final class Checker {
        final Function<Tensor[], Tensor> f;
        final Tensor[] xs;
        final double eps, tol;
        double maxError;
        int checked;
        String worst = "";
        final List<String> failures = new ArrayList<>();

        Checker(Function<Tensor[], Tensor> f, Tensor[] xs, double eps, double tol) {
            this.f = f;
            this.xs = xs;
            this.eps = eps;
            this.tol = tol;
        }

        /** Output values as doubles, evaluated without a graph. */
        double[] eval() {
            try (var s = GradMode.noGrad()) {
                return f.apply(xs).toDoubleArray();
            }
        }

        void record(double analytical, double numerical, String where) {
            double err = Math.abs(analytical - numerical) / Math.max(1, Math.abs(numerical));
            if (Double.isNaN(analytical) != Double.isNaN(numerical)) err = Double.POSITIVE_INFINITY;
            checked++;
            if (err > maxError || (Double.isNaN(err) && maxError == 0)) {
                maxError = err;
                worst = where;
            }
            if (!(err <= tol) && !(Double.isNaN(analytical) && Double.isNaN(numerical))) {
                if (failures.size() < 5) {
                    failures.add(where + ": analytical " + fmt(analytical) + " vs numerical " + fmt(numerical));
                }
            }
        }

        /** Perturbs element k of input i (its own contiguous storage) by delta. */
        void nudge(int i, int k, double delta) {
            double[] d = xs[i].storage().doubles();
            d[xs[i].storageOffset() + k] += delta;
        }

        void fullJacobian(Tensor out, List<Integer> wanted) {
            int m = (int) out.numel();
            Tensor[] ins = wanted.stream().map(i -> xs[i]).toArray(Tensor[]::new);
            // Analytical Jacobian, one row per output element.
            double[][][] rows = new double[m][][];
            for (int j = 0; j < m; j++) {
                double[] onehot = new double[m];
                onehot[j] = 1;
                Tensor go = Tensor.of(onehot, out.shape().length == 0 ? new int[0] : out.shape()).reshape(out.shape());
                Tensor[] g = Backprop.grad(out, ins, go, true, false);
                rows[j] = new double[ins.length][];
                for (int q = 0; q < ins.length; q++) rows[j][q] = g[q].toDoubleArray();
            }
            for (int q = 0; q < ins.length; q++) {
                int i = wanted.get(q);
                for (int k = 0; k < xs[i].numel(); k++) {
                    nudge(i, k, eps);
                    double[] plus = eval();
                    nudge(i, k, -2 * eps);
                    double[] minus = eval();
                    nudge(i, k, eps);
                    for (int j = 0; j < m; j++) {
                        double num = (plus[j] - minus[j]) / (2 * eps);
                        record(rows[j][q][k], num, "d out" + index(out.shape(), j) + " / d input" + i + index(xs[i].shape(), k));
                    }
                }
            }
        }

        void projected(Tensor out, List<Integer> wanted) {
            Generator gen = new Generator(0x9e3779b9L);
            double[] r = Tensor.randn(gen, DType.FLOAT64, (int) out.numel()).toDoubleArray();
            Tensor rt = Tensor.of(r, out.shape().length == 0 ? new int[0] : out.shape()).reshape(out.shape());
            Tensor[] ins = wanted.stream().map(i -> xs[i]).toArray(Tensor[]::new);
            Tensor[] g = Backprop.grad(out, ins, rt, false);
            for (int q = 0; q < ins.length; q++) {
                int i = wanted.get(q);
                double[] a = g[q].toDoubleArray();
                long n = xs[i].numel();
                if (n <= ELEMENT_LIMIT) {
                    for (int k = 0; k < n; k++) {
                        nudge(i, k, eps);
                        double lp = dot(eval(), r);
                        nudge(i, k, -2 * eps);
                        double lm = dot(eval(), r);
                        nudge(i, k, eps);
                        record(a[k], (lp - lm) / (2 * eps), "d(Σ out·R) / d input" + i + index(xs[i].shape(), k));
                    }
                } else {
                    for (int dir = 0; dir < DIRECTIONS; dir++) {
                        double[] v = Tensor.randn(gen, DType.FLOAT64, (int) n).toDoubleArray();
                        double norm = Math.sqrt(dot(v, v));
                        for (int k = 0; k < n; k++) v[k] /= norm;
                        double[] d = xs[i].storage().doubles();
                        int off = xs[i].storageOffset();
                        for (int k = 0; k < n; k++) d[off + k] += eps * v[k];
                        double lp = dot(eval(), r);
                        for (int k = 0; k < n; k++) d[off + k] -= 2 * eps * v[k];
                        double lm = dot(eval(), r);
                        for (int k = 0; k < n; k++) d[off + k] += eps * v[k];
                        record(dot(a, v), (lp - lm) / (2 * eps), "input" + i + " along random direction " + dir);
                    }
                }
            }
        }

        static double dot(double[] a, double[] b) {
            double s = 0;
            for (int i = 0; i < a.length; i++) s += a[i] * b[i];
            return s;
        }

        static String index(int[] shape, int flat) {
            if (shape.length == 0) return "[]";
            int[] ix = new int[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) {
                ix[d] = shape[d] == 0 ? 0 : flat % shape[d];
                flat = shape[d] == 0 ? 0 : flat / shape[d];
            }
            return Shape.str(ix);
        }
    }
}
