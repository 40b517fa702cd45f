package dev.backprop.autograd;

import dev.backprop.Backprop;
import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.GradMode;
import dev.backprop.Shape;
import dev.backprop.Tensor;
import dev.backprop.nn.Module;
import dev.backprop.nn.Parameter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.function.DoubleFunction;
import java.util.function.Function;
import java.util.function.Supplier;

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
 *
 * <p>{@link #checkModule} checks a whole model instead: every parameter (sampled elements and random directions
 * for large ones), per parameter, with kinks re-checked; {@code backprop gradcheck} prints it.
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
                        + fmt(tolerance) + "; worst mismatches: " + String.join("; ", failures));
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
        Checker c = new Checker(() -> f.apply(xs), xs, eps, tolerance);
        long totalIn = 0;
        for (int i : wanted) totalIn += xs[i].numel();
        if (out.numel() * totalIn <= FULL_JACOBIAN_LIMIT) {
            c.fullJacobian(out, wanted);
        } else {
            c.projected(out, wanted);
        }
        return c.all.result(tolerance);
    }

    // ------------------------------------------------------------------------------------------------ modules
    // ---- checkModule (begin)

    /**
     * Settings of {@link #checkModule}.
     *
     * @param eps        the step ε of the central differences
     * @param tolerance  the largest error that passes (see {@link #checkModule} for the error's definition)
     * @param elements   a parameter of up to this many elements is checked element by element; a larger one at this
     *                   many elements drawn at random (without repetition), plus {@code directions} random directions
     * @param directions random unit directions checked on each parameter larger than {@code elements}
     * @param seed       seeds the choice of elements and directions
     */
    public record ModuleOptions(double eps, double tolerance, int elements, int directions, long seed) {
        public ModuleOptions {
            if (!(eps >= MIN_MODULE_EPS && eps <= 0.1)) {
                throw new IllegalArgumentException("checkModule: eps must be between " + MIN_MODULE_EPS + " and 0.1, got " + eps
                        + " (below that, float64 rounding noise swamps the central differences)");
            }
            if (!(tolerance > 0)) throw new IllegalArgumentException("checkModule: tolerance must be positive, got " + tolerance);
            if (elements < 1) throw new IllegalArgumentException("checkModule: elements must be at least 1, got " + elements);
            if (directions < 0) throw new IllegalArgumentException("checkModule: directions must be 0 or more, got " + directions);
        }

        /** ε {@value GradCheck#MODULE_EPS}, tolerance {@value GradCheck#TOLERANCE}, 8 elements, 2 directions, seed 1. */
        public static ModuleOptions defaults() {
            return new ModuleOptions(MODULE_EPS, TOLERANCE, 8, 2, 1);
        }
    }

    /**
     * The check of one parameter (or of the input): how many single elements and random directions were compared,
     * how many comparisons needed the kink re-check (see {@link #checkModule}) and passed it, and the result.
     */
    public record Entry(String name, int[] shape, long numel, int elements, int directions, int kinks, Result result) {
        public double maxError() {
            return result.maxError();
        }

        public boolean passed() {
            return result.passed();
        }
    }

    /** The outcome of {@link #checkModule}: one entry per parameter, the input's (null when not floating), f(x). */
    public record ModuleResult(List<Entry> parameters, Entry input, double value, double tolerance) {
        /** The parameters' entries, then the input's. */
        public List<Entry> entries() {
            List<Entry> all = new ArrayList<>(parameters);
            if (input != null) all.add(input);
            return all;
        }

        /** True when every entry passed. */
        public boolean passed() {
            return entries().stream().allMatch(Entry::passed);
        }

        /** The worst error over all entries. */
        public double maxError() {
            return entries().stream().mapToDouble(Entry::maxError).max().orElse(0);
        }

        /** Throws an AssertionError naming the failing entries if the check failed; returns this otherwise. */
        public ModuleResult orThrow() {
            List<String> bad = entries().stream().filter(e -> !e.passed())
                    .map(e -> e.name() + " (max error " + fmt(e.maxError()) + "; " + String.join("; ", e.result().failures()) + ")")
                    .toList();
            if (!bad.isEmpty()) {
                throw new AssertionError("gradient check failed above tolerance " + fmt(tolerance) + ": " + String.join(", ", bad));
            }
            return this;
        }
    }

    /** {@link #checkModule(Module, Function, Tensor, ModuleOptions)} with {@link ModuleOptions#defaults()}. */
    public static ModuleResult checkModule(Module module, Function<Tensor, Tensor> f, Tensor input) {
        return checkModule(module, f, input, ModuleOptions.defaults());
    }

    /**
     * Checks the gradient of a scalar {@code f(input)} — typically a loss of {@code module.forward(input)} — with
     * respect to every parameter of {@code module} that requires grad, and to {@code input} when it is floating,
     * against central differences.
     *
     * <pre>{@code
     * Sequential net = spec.build(gen);
     * net.toDouble();
     * ModuleResult r = GradCheck.checkModule(net, x -> Functional.crossEntropy(net.forward(x), labels), images);
     * }</pre>
     *
     * <p>What is checked, for each parameter (and the input) θ with analytical gradient a = ∂f/∂θ from one backward
     * pass (autograd's {@code grad}, which leaves {@code .grad} untouched):
     * <ul>
     *   <li>single elements: every element when θ has at most {@code elements} of them, else that many drawn at random
     *       (seeded); numerical n = (f(θ + ε·e_k) − f(θ − ε·e_k)) / 2ε against a = a_k, with error
     *       |a − n| / max(|n|, max_j |a_j|);</li>
     *   <li>random directions, when not every element was checked: {@code directions} unit vectors v (Gaussian,
     *       normalised) over the whole of θ; n = (f(θ + ε·v) − f(θ − ε·v)) / 2ε against a = a·v, with error
     *       |a − n| / max(|n|, ‖a‖₂). A wrong gradient anywhere in θ moves a·v, so a direction sees every element.</li>
     * </ul>
     * The error is relative to the largest value the compared derivative can take for θ (its largest element, or
     * the gradient's norm for a unit direction), so the tolerance means the same for large and small gradients
     * (a floor keeps a vanishing gradient from dividing rounding noise by zero: ten times the central difference's
     * rounding noise u·max(1, |f|)/ε divided by {@value #RESOLUTION}, at least {@value #SCALE_FLOOR}; a derivative
     * smaller than that, about 2.6e-4 for f ≈ 2.3 and ε = 1e-5, is thus checked to an absolute 2.6e-10. The floor
     * does not follow the tolerance, so a tolerance far below 1e-6 asks for more than float64 central differences
     * can resolve and fails).
     *
     * <p>Kinks: ReLU at 0 and ties in max-pooling make f non-differentiable on a set of measure zero, and a step of
     * ε can cross one; the central difference then mixes two slopes and fails although the gradient is right. A
     * comparison that fails is therefore examined once more: it passes as a kink when the analytical value matches
     * the one-sided difference on one side ((f(θ+εv) − f(θ))/ε or (f(θ) − f(θ−εv))/ε: x lies on that side of the
     * kink, which the other side's step crossed), or when the central difference with ε/10, ε/100 or ε/1000 matches
     * (the smaller step no longer reaches the kink; a 20-layer ReLU network with batch norm on a batch of 4 has
     * kinks within 1e-6 of many weights). Both are counted in {@link Entry#kinks()}. A wrong gradient matches
     * neither. Random inputs (rather than real data with its exact zeros) keep kinks rare.
     *
     * <p>{@code f} must be deterministic: it is evaluated twice at the same point first and the check refuses one
     * whose values differ. Dropout in training mode draws a new mask at every call: put it in evaluation mode, or
     * reseed its generator at the start of {@code f} so that every call uses the same mask. Batch norm in training
     * mode updates its running statistics on every call (which its training-mode output does not depend on);
     * every parameter and buffer is restored when the check ends, exactly, whatever happens.
     *
     * @throws IllegalArgumentException when a parameter or the input is not float64 (convert the module with
     *                                  {@link Module#toDouble()}), when f is not a float64 scalar, or when f is not
     *                                  deterministic
     */
    public static ModuleResult checkModule(Module module, Function<Tensor, Tensor> f, Tensor input, ModuleOptions o) {
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (var e : module.namedParameters().entrySet()) {
            if (!e.getValue().requiresGrad()) continue;
            if (e.getValue().dtype() != DType.FLOAT64) {
                throw new IllegalArgumentException("checkModule: parameter \"" + e.getKey() + "\" is " + e.getValue().dtype()
                        + "; central differences need float64, convert the module with toDouble() first");
            }
            if (!e.getValue().isContiguous()) {
                throw new IllegalArgumentException("checkModule: parameter \"" + e.getKey() + "\" is not contiguous");
            }
            params.put(e.getKey(), e.getValue());
        }
        boolean checkInput = input.dtype().isFloating();
        if (checkInput && input.dtype() != DType.FLOAT64) {
            throw new IllegalArgumentException("checkModule: the input is " + input.dtype() + "; central differences need "
                    + "float64, convert it with toDouble()");
        }
        Tensor x;
        try (var s = GradMode.noGrad()) {
            x = input.detach().clone();
        }
        if (checkInput) x.requiresGrad(true);
        List<String> names = new ArrayList<>(params.keySet());
        List<Tensor> leaves = new ArrayList<>(params.values());
        if (checkInput) {
            names.add("input");
            leaves.add(x);
        }
        if (leaves.isEmpty()) throw new IllegalArgumentException("checkModule: nothing requires grad (no parameters, integer input)");
        Tensor[] xs = leaves.toArray(Tensor[]::new);

        // Everything the checks touch, to put back exactly afterwards.
        Map<Tensor, Tensor> saved = new IdentityHashMap<>();
        List<Tensor> state = new ArrayList<>(params.values());
        state.addAll(module.namedBuffers().values());
        try (var s = GradMode.noGrad()) {
            for (Tensor t : state) saved.put(t, t.clone());
        }
        try {
            Tensor x0 = x;
            Checker c = new Checker(() -> f.apply(x0), xs, o.eps(), o.tolerance());
            Tensor out;
            try (var on = GradMode.enableGrad()) {
                out = f.apply(x);
            }
            if (out.numel() != 1 || out.dtype() != DType.FLOAT64) {
                throw new IllegalArgumentException("checkModule: f must return a float64 scalar (a loss), got " + out.dtype()
                        + " of shape " + Shape.str(out.shape()));
            }
            if (!out.requiresGrad()) {
                throw new IllegalArgumentException("checkModule: f's result does not depend on anything that requires grad");
            }
            Tensor[] grads = Backprop.grad(out, xs, null, false);
            double f0 = c.eval()[0], again = c.eval()[0];
            if (Double.doubleToLongBits(f0) != Double.doubleToLongBits(again)) {
                throw new IllegalArgumentException("checkModule: f is not deterministic (" + f0 + " then " + again + " at the same "
                        + "point); put dropout in eval mode or reseed its generator inside f");
            }
            Generator gen = new Generator(o.seed());
            List<Entry> entries = new ArrayList<>();
            for (int i = 0; i < xs.length; i++) {
                entries.add(c.sampled(i, names.get(i), grads[i].toDoubleArray(), f0, o, gen));
            }
            Entry in = checkInput ? entries.removeLast() : null;
            return new ModuleResult(List.copyOf(entries), in, f0, o.tolerance());
        } finally {
            try (var s = GradMode.noGrad()) {
                for (Tensor t : state) t.copy_(saved.get(t));
            }
        }
    }

    /**
     * The default step of {@link #checkModule}. A whole model's loss is a long computation whose rounding error,
     * divided by 2ε, is the noise of a central difference (it falls as 1/ε), while the truncation error grows as ε².
     * Measured on LeNet-5 (batch 4, 28×28 inputs): worst errors 2e-7 at ε = 1e-6, 2e-8 at 1e-5, 2e-9 at 1e-4; but at
     * 1e-4 steps crossed ReLU kinks (cnn-bn: 0–20 per run), at 1e-5 none.
     */
    public static final double MODULE_EPS = 1e-5;

    /**
     * The smallest step {@link #checkModule} accepts. The noise floor (see {@link #scaleFloor}) grows as 1/ε: at 1e-8
     * a derivative below about 0.26 (for a loss near 2.3) is already judged to an absolute 2.6e-7, and a smaller ε
     * would let a gradient that is wrong by a large factor pass on noise alone.
     */
    public static final double MIN_MODULE_EPS = 1e-8;

    /** The smallest scale an error is taken relative to (see {@link #checkModule}). */
    public static final double SCALE_FLOOR = 1e-8;

    /**
     * The scale below which a derivative cannot be judged: a central difference carries rounding noise of about
     * u·max(1, |f|)/ε (u = 2⁻⁵³, the float64 unit roundoff), so an error is taken relative to at least ten times
     * that noise divided by {@link #RESOLUTION}. Without it the first layers of a deep network, whose gradients
     * vanish to 1e-8, failed on noise alone (relative errors of 4e-3 from absolute differences of 5e-11).
     */
    static double scaleFloor(double f0, ModuleOptions o) {
        double noise = Math.ulp(1.0) / 2 * Math.max(1, Math.abs(f0)) / o.eps();
        return Math.max(SCALE_FLOOR, 10 * noise / RESOLUTION);
    }

    /**
     * The relative error the noise floor is sized for: the default tolerance. It is a constant rather than the
     * caller's tolerance so that a smaller tolerance makes the check stricter, never laxer.
     */
    public static final double RESOLUTION = 1e-6;

    // ---- checkModule (end)

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }

    /** The worst error and first failures of a group of checked entries. */
    private static final class Acc {
        double maxError;
        int checked;
        String worst = "";
        /** Every failure with its error; the result keeps the five worst, worst first. */
        final List<Map.Entry<Double, String>> failures = new ArrayList<>();

        Result result(double tol) {
            List<String> worstFirst = failures.stream()
                    .sorted(Map.Entry.<Double, String>comparingByKey().reversed())
                    .limit(5).map(Map.Entry::getValue).toList();
            return new Result(maxError, tol, checked, worst, worstFirst);
        }
    }

    private static final class Checker {
        final Supplier<Tensor> f;
        final Tensor[] xs;
        final double eps, tol;
        final Acc all = new Acc();

        /** {@code f} computes the output from the current values of {@code xs}, which the checker nudges in place. */
        Checker(Supplier<Tensor> f, Tensor[] xs, double eps, double tol) {
            this.f = f;
            this.xs = xs;
            this.eps = eps;
            this.tol = tol;
        }

        /** Output values as doubles, evaluated without a graph. */
        double[] eval() {
            try (var s = GradMode.noGrad()) {
                return f.get().toDoubleArray();
            }
        }

        void record(double analytical, double numerical, String where) {
            record(all, analytical, numerical, 1, where);
        }

        /** Records |analytical − numerical| / max(scale, |numerical|), and a failure when above the tolerance. */
        void record(Acc acc, double analytical, double numerical, double scale, String where) {
            double err = error(analytical, numerical, scale);
            acc.checked++;
            if (err > acc.maxError || (Double.isNaN(err) && acc.maxError == 0)) {
                acc.maxError = err;
                acc.worst = where;
            }
            boolean ok = err <= tol || (Double.isNaN(analytical) && Double.isNaN(numerical));
            if (!ok) {
                // Twelve digits: two values whose difference fails a tolerance must not print alike.
                acc.failures.add(Map.entry(Double.isNaN(err) ? Double.POSITIVE_INFINITY : err, where + ": analytical "
                        + String.format(Locale.ROOT, "%.12g", analytical) + " vs numerical "
                        + String.format(Locale.ROOT, "%.12g", numerical) + ", error " + fmt(err)));
            }
        }

        static double error(double analytical, double numerical, double scale) {
            if (Double.isNaN(analytical) != Double.isNaN(numerical)) return Double.POSITIVE_INFINITY;
            return Math.abs(analytical - numerical) / Math.max(scale, Math.abs(numerical));
        }

        /** Sets element k of input i (its own contiguous storage) to value. */
        void set(int i, int k, double value) {
            xs[i].storage().doubles()[xs[i].storageOffset() + k] = value;
        }

        double get(int i, int k) {
            return xs[i].storage().doubles()[xs[i].storageOffset() + k];
        }

        /** f(x + h·e_k) and f(x − h·e_k), restoring x exactly afterwards. */
        double[][] centralElement(int i, int k, double h) {
            double x = get(i, k);
            set(i, k, x + h);
            double[] plus = eval();
            set(i, k, x - h);
            double[] minus = eval();
            set(i, k, x);
            return new double[][] {plus, minus};
        }

        /** f(x + h·v) and f(x − h·v) for a whole input, restoring x exactly afterwards. */
        double[][] centralDirection(int i, double[] v, double h) {
            double[] d = xs[i].storage().doubles();
            int off = xs[i].storageOffset();
            double[] saved = Arrays.copyOfRange(d, off, off + v.length);
            for (int k = 0; k < v.length; k++) d[off + k] = saved[k] + h * v[k];
            double[] plus = eval();
            for (int k = 0; k < v.length; k++) d[off + k] = saved[k] - h * v[k];
            double[] minus = eval();
            System.arraycopy(saved, 0, d, off, v.length);
            return new double[][] {plus, minus};
        }

        /** The element and direction checks of input i for {@link #checkModule}. */
        Entry sampled(int i, String name, double[] a, double f0, ModuleOptions o, Generator gen) {
            Acc acc = new Acc();
            int n = a.length;
            double maxAbs = 0, sq = 0;
            for (double v : a) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
                sq += v * v;
            }
            double floor = scaleFloor(f0, o);
            double elementScale = Math.max(maxAbs, floor), directionScale = Math.max(Math.sqrt(sq), floor);
            int[] order = new int[n];
            for (int k = 0; k < n; k++) order[k] = k;
            int count = Math.min(n, o.elements());
            if (count < n) {
                // Partial Fisher–Yates: the first `count` entries become a uniform sample without repetition.
                for (int k = 0; k < count; k++) {
                    int j = k + gen.nextInt(n - k);
                    int t = order[k];
                    order[k] = order[j];
                    order[j] = t;
                }
                Arrays.sort(order, 0, count);
            }
            int kinks = 0;
            for (int q = 0; q < count; q++) {
                int k = order[q];
                if (measure(acc, a[k], f0, elementScale, name + index(xs[i].shape(), k), h -> centralElement(i, k, h))) kinks++;
            }
            int dirs = count < n ? o.directions() : 0;
            for (int d = 0; d < dirs; d++) {
                double[] v = new double[n];
                double norm = 0;
                for (int k = 0; k < n; k++) {
                    v[k] = gen.nextGaussian();
                    norm += v[k] * v[k];
                }
                norm = Math.sqrt(norm);
                for (int k = 0; k < n; k++) v[k] /= norm;
                if (measure(acc, dot(a, v), f0, directionScale, name + " along random direction " + d, h -> centralDirection(i, v, h))) {
                    kinks++;
                }
            }
            return new Entry(name, xs[i].shape(), n, count, dirs, kinks, acc.result(tol));
        }

        /**
         * One comparison of the analytical derivative with central differences, with the kink re-check of
         * {@link #checkModule}; returns whether it passed only through that re-check.
         */
        boolean measure(Acc acc, double analytical, double f0, double scale, String where, DoubleFunction<double[][]> central) {
            double[][] pm = central.apply(eps);
            double plus = pm[0][0], minus = pm[1][0];
            double numerical = (plus - minus) / (2 * eps);
            if (error(analytical, numerical, scale) <= tol) {
                record(acc, analytical, numerical, scale, where);
                return false;
            }
            // A kink inside [x − ε, x + ε]: the analytical slope is that of x's side, which one one-sided difference sees;
            // or a smaller step no longer reaches the kink (deep batch-norm stacks have so many ReLU kinks within reach
            // of ε that one step down is not always enough). The closest of these is recorded, not the first to pass,
            // so the error printed measures the gradient rather than the tolerance.
            double forward = (plus - f0) / eps, backward = (f0 - minus) / eps;
            double best = Math.abs(analytical - forward) <= Math.abs(analytical - backward) ? forward : backward;
            String how = "one-sided";
            for (int shrink : new int[] {10, 100, 1000}) {
                double h = eps / shrink;
                double[][] small = central.apply(h);
                double fine = (small[0][0] - small[1][0]) / (2 * h);
                if (error(analytical, fine, scale) < error(analytical, best, scale)) {
                    best = fine;
                    how = "step ε/" + shrink;
                }
            }
            if (error(analytical, best, scale) <= tol) {
                record(acc, analytical, best, scale, where + " (" + how + ", past a kink)");
                return true;
            }
            record(acc, analytical, numerical, scale, where);
            return false;
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
                    double[][] pm = centralElement(i, k, eps);
                    double[] plus = pm[0], minus = pm[1];
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
                        double[][] pm = centralElement(i, k, eps);
                        double lp = dot(pm[0], r), lm = dot(pm[1], r);
                        record(a[k], (lp - lm) / (2 * eps), "d(Σ out·R) / d input" + i + index(xs[i].shape(), k));
                    }
                } else {
                    for (int dir = 0; dir < DIRECTIONS; dir++) {
                        double[] v = Tensor.randn(gen, DType.FLOAT64, (int) n).toDoubleArray();
                        double norm = Math.sqrt(dot(v, v));
                        for (int k = 0; k < n; k++) v[k] /= norm;
                        double[][] pm = centralDirection(i, v, eps);
                        double lp = dot(pm[0], r), lm = dot(pm[1], r);
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
