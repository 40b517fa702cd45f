package dev.backprop;

import dev.backprop.kernels.Kernels;
import dev.backprop.ops.MovementOp;
import dev.backprop.ops.Op;

import java.security.CodeSource;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Anomaly detection: names the first operation, forward or backward, that made a NaN or an infinity (PyTorch's
 * {@code torch.autograd.detect_anomaly()}), per thread.
 *
 * <pre>{@code
 * try (var scope = Anomaly.detect()) {
 *     Tensor loss = model.forward(x).log().mean();   // AnomalyException here if log met a 0
 *     loss.backward();                               // ... or here, naming the op whose backward overflowed
 * }
 * }</pre>
 *
 * While a scope is open every op's output is scanned after its forward computation, and every gradient after its
 * backward rule. The exception's one-line message names the op, the phase, the input shapes with min/max/mean of
 * their values, how many values went bad, and where in the caller's code the op was made: the first stack frame
 * outside the engine, plus the {@link dev.backprop.nn.Sequential} layer it ran in. For a backward anomaly that is
 * where the forward op was called (PyTorch likewise records the forward traceback), captured when the node was made
 * under an open scope.
 *
 * <p>What counts as an anomaly — anything non-finite made from finite values, as PyTorch's backward check does, and
 * a NaN that comes in from outside:
 * <ul>
 *   <li>an op whose output holds a NaN or ±Inf while its inputs held none (log(0), exp overflow, 0/0, a product
 *       past the float range);</li>
 *   <li>an op that makes a NaN from inputs holding infinities but no NaN (Inf − Inf, 0·Inf);</li>
 *   <li>the first op to receive a NaN that no checked op made (user data, a parameter written in place, a tensor
 *       computed before the scope opened): the message says which input and where it came from;</li>
 *   <li>a backward rule that makes a non-finite gradient from a finite one, and a gradient sum that overflows;</li>
 *   <li>an optimizer step that makes a parameter non-finite.</li>
 * </ul>
 * Infinities that go in and come out are allowed to flow (a −∞ attention mask through a softmax is correct), and
 * ops that only move values (reshape, permute, slice, cat…) are not scanned: they cannot make a NaN, and the next
 * op that computes with one reports it.
 *
 * <p>Cost: off, one read of a shared counter per op. On, one pass over each op's output, one stack walk per
 * recorded node (the creation site), and an op's own forward runs without checks inside it; training is slower
 * (measured in the README), so turn it on to find a NaN, not for every run.
 */
public final class Anomaly {
    /** Scopes turning detection on, open on any thread: while none is, the engine's test is this one read. */
    private static final AtomicInteger OPEN = new AtomicInteger();
    private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    /** The packages whose frames are the engine's, skipped when looking for the caller's line. */
    private static final Set<String> ENGINE = Set.of("dev.backprop", "dev.backprop.ops", "dev.backprop.kernels",
            "dev.backprop.autograd", "dev.backprop.nn", "dev.backprop.optim", "dev.backprop.optim.schedule", "dev.backprop.io");
    private static final CodeSource CORE = Tensor.class.getProtectionDomain().getCodeSource();
    /**
     * Whether a class is the engine's: in an engine package and loaded from the same place as {@link Tensor} (so a
     * test or a user class that shares a package name still counts as the caller).
     */
    private static final ClassValue<Boolean> INTERNAL = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            String p = c.getPackageName();
            if (p.startsWith("java.") || p.startsWith("jdk.") || p.startsWith("sun.")) return true;
            if (!ENGINE.contains(p)) return false;
            CodeSource s = c.getProtectionDomain().getCodeSource();
            return CORE == null || s == null || Objects.equals(s.getLocation(), CORE.getLocation());
        }
    };

    private Anomaly() {}

    private static final class State {
        boolean enabled;
        /** Depth of regions where ops are not checked: inside an op's forward, inside a backward pass. */
        int quiet;
        /** The innermost layer being run (its parent links lead outwards), or null. */
        Layer layer;
    }

    /** Turns anomaly detection on for this thread until the scope is closed (PyTorch's {@code detect_anomaly()}). */
    public static Scope detect() {
        return set(true);
    }

    /** Turns anomaly detection on or off for this thread until the scope is closed ({@code set_detect_anomaly(mode)}). */
    public static Scope set(boolean on) {
        State s = STATE.get();
        Scope scope = new Scope(s, s.enabled, on);
        s.enabled = on;
        if (on) OPEN.incrementAndGet();
        return scope;
    }

    /** Whether anomaly detection is on for this thread. */
    public static boolean isEnabled() {
        return OPEN.get() != 0 && STATE.get().enabled;
    }

    /** Restores the previous mode when closed. Scopes nest. */
    public static final class Scope implements AutoCloseable {
        private final State state;
        private final boolean previous, on;
        private boolean closed;

        private Scope(State state, boolean previous, boolean on) {
            this.state = state;
            this.previous = previous;
            this.on = on;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            state.enabled = previous;
            if (on) OPEN.decrementAndGet();
        }
    }

    /**
     * Names a part of a model for anomaly messages until closed: {@link dev.backprop.nn.Sequential} labels each
     * layer it runs, so a message says "in layer 2 (Linear(128 -> 10))" (nested: "layer 0.2"). The description is
     * asked for only when a message is written. Returns null (nothing to close) when detection is off; use it in
     * try-with-resources.
     */
    public static Label layer(Object name, Supplier<String> description) {
        if (!isEnabled()) return null;
        State s = STATE.get();
        Layer outer = s.layer;
        s.layer = new Layer(name, description, outer);
        return new Label(s, outer);
    }

    /** Ends a {@link #layer} label. */
    public static final class Label implements AutoCloseable {
        private final State state;
        private final Layer outer;

        private Label(State state, Layer outer) {
            this.state = state;
            this.outer = outer;
        }

        @Override
        public void close() {
            state.layer = outer;
        }
    }

    /** One labelled layer, linked to the one it runs inside: a snapshot of the path is one reference. */
    private record Layer(Object name, Supplier<String> description, Layer outer) {
        String path() {
            return outer == null ? String.valueOf(name) : outer.path() + "." + name;
        }
    }

    /**
     * Where the caller made something: a stack frame and the layer path, formatted only when a message needs it
     * (a node records one each time it is made under detection, and almost none is ever printed).
     */
    static final class Site {
        private final StackWalker.StackFrame frame;
        private final Layer layer;
        private String text;

        private Site(StackWalker.StackFrame frame, Layer layer) {
            this.frame = frame;
            this.layer = layer;
        }

        @Override
        public String toString() {
            if (text == null) {
                String f = frame == null ? "(no caller outside the engine)" : frame.getClassName() + "." + frame.getMethodName()
                        + "(" + frame.getFileName() + ":" + frame.getLineNumber() + ")";
                String in = layer == null ? "" : "layer " + layer.path() + " (" + layer.description().get() + ")";
                // The training loop's own forward call says nothing the layer does not say better (a model of built-in
                // layers trained by Trainer or the CLI); a user's module or loop is a frame of its own and is kept.
                text = layer == null ? f : loop() ? in : f + " in " + in;
            }
            return text;
        }

        /** Whether the caller is backprop's own training loop (Trainer or the CLI), whose line says nothing to a user. */
        boolean loop() {
            return frame != null && (frame.getClassName().startsWith("dev.backprop.train.")
                    || frame.getClassName().startsWith("dev.backprop.cli."));
        }
    }

    // ------------------------------------------------------------------------------------------------ engine side

    /** Whether the engine checks the op being applied now: detection on and not inside a checked op or pass. */
    static boolean checking() {
        if (OPEN.get() == 0) return false;
        State s = STATE.get();
        return s.enabled && s.quiet == 0;
    }

    /** Stops checks on this thread until closed: the engine's own work inside a checked op or backward pass. */
    static Quiet quiet() {
        State s = STATE.get();
        s.quiet++;
        return new Quiet(s);
    }

    /** Ends a {@link #quiet()} region. */
    static final class Quiet implements AutoCloseable {
        private final State state;

        private Quiet(State state) {
            this.state = state;
        }

        @Override
        public void close() {
            state.quiet--;
        }
    }

    /** Runs an op's forward (ops it calls inside are not checked on their own) and checks its output. */
    static Tensor forward(Op op, Tensor[] inputs) {
        State s = STATE.get();
        s.quiet++;
        Tensor out;
        try {
            out = op.forward(inputs);
        } finally {
            s.quiet--;
        }
        // Moving values around cannot make a NaN or an infinity (a pad's value is the caller's explicit choice).
        if (op instanceof MovementOp && !(op instanceof MovementOp.Cast)) return out;
        if (finite(out)) return out;
        Count c = Count.of(out);
        Count[] in = new Count[inputs.length];
        boolean nanIn = false, badIn = false;
        for (int i = 0; i < inputs.length; i++) {
            in[i] = Count.of(inputs[i]);
            nanIn |= in[i].nan > 0;
            badIn |= !in[i].finite();
        }
        // Infinities in and infinities out, no NaN: a -Inf mask through max or add is meant, let it flow.
        if (badIn && !nanIn && c.nan == 0) return out;
        StringBuilder sb = new StringBuilder(op.name()).append(" (forward) ");
        if (nanIn) {
            int k = 0;
            while (in[k].nan == 0) k++;
            sb.append("received NaN in input ").append(k).append(' ').append(in[k].describe()).append("; it came from ")
                    .append(origin(inputs[k]));
            for (int i = 0; i < inputs.length; i++) if (i != k) sb.append("; input ").append(i).append(' ').append(in[i].describe());
        } else {
            sb.append("produced ").append(c.bad()).append(" of ").append(c.n).append(" values ").append(Shape.str(out.shape()))
                    .append(badIn ? " from inputs holding infinities but no NaN: " : " from finite inputs: ");
            appendInputs(sb, in);
        }
        String where = site().toString();
        throw new AnomalyException(sb.append("; at ").append(where).toString(), op.name(), AnomalyException.Phase.FORWARD, where, out);
    }

    /** The caller's code location of a node made now (its op's forward ran under detection). */
    static Site creationSite() {
        return site();
    }

    /** Checks the gradient arriving at {@code node}'s output before its backward rule runs. */
    static void checkIncoming(Node node, Tensor g, boolean root) {
        if (finite(g)) return;
        Count c = Count.of(g);
        String msg = root
                ? "backward: the starting gradient passed to backward() holds " + c.bad() + " of " + c.n + " values " + Shape.str(g.shape())
                        + "; give a finite gradient; the output's op " + made(node)
                : "backward of " + node.op.name() + ": the gradients flowing into its output " + Shape.str(g.shape())
                        + " from its several uses summed to " + c.bad() + " of " + c.n + " values (overflow); " + made(node);
        throw new AnomalyException(msg, node.op.name(), AnomalyException.Phase.BACKWARD, node.site == null ? null : node.site.toString(), g);
    }

    /** Checks the gradient {@code gi} that {@code node}'s backward rule made for input {@code i} from a finite {@code g}. */
    static void checkBackward(Node node, Tensor g, int i, Tensor gi) {
        if (finite(gi)) return;
        Count c = Count.of(gi);
        Count[] in = new Count[node.inputs.length];
        for (int k = 0; k < in.length; k++) in[k] = Count.of(node.inputs[k]);
        StringBuilder sb = new StringBuilder("backward of ").append(node.op.name()).append(" produced ").append(c.bad())
                .append(" of ").append(c.n).append(" values in the gradient of input ").append(i).append(' ')
                .append(Shape.str(node.inputs[i].shape())).append(" from a finite incoming gradient ").append(Count.of(g).describe())
                .append("; ");
        appendInputs(sb, in);
        if (node.op.savesOutput()) sb.append("; output ").append(Count.of(node.output).describe());
        sb.append("; ").append(made(node));
        throw new AnomalyException(sb.toString(), node.op.name(), AnomalyException.Phase.BACKWARD, node.site == null ? null : node.site.toString(), gi);
    }

    /** "log was made at Net.forward(Net.java:42)", or made before detection (no site was recorded then). */
    private static String made(Node node) {
        return node.op.name() + (node.site == null ? " was made before anomaly detection was turned on" : " was made at " + node.site);
    }

    /**
     * Checks a parameter after an optimizer's update: it was finite before, is it still? The message names the
     * optimizer, the parameter's shape and its gradient's statistics.
     */
    public static void checkStep(String optimizer, double lr, Tensor param, Tensor grad, boolean finiteBefore) {
        if (!finiteBefore || finite(param)) return;
        Count c = Count.of(param);
        Site site = site();
        // Called from backprop's training loop, the step itself is the place (the loop names the parameter); from a
        // user's loop, the line that called step().
        String where = site.loop() ? "the " + optimizer + " step" : site.toString();
        String what = site.loop() ? "the update made it " : optimizer + " step made a parameter ";
        throw new AnomalyException(what + Shape.str(param.shape()) + " non-finite: "
                + c.bad() + " of " + c.n + " values, from its gradient " + Count.of(grad).describe() + " at lr " + num(lr)
                + "; lower the learning rate or clip the gradients" + (site.loop() ? "" : "; at " + where), optimizer,
                AnomalyException.Phase.STEP, where, param);
    }

    /** Whether every value of {@code t} is finite (always true for integer types); for optimizers under detection. */
    public static boolean allFinite(Tensor t) {
        return finite(t);
    }

    /** Whether every value is finite: one pass over contiguous float32 storage, the common case. */
    private static boolean finite(Tensor t) {
        if (!t.dtype().isFloating()) return true;
        // A NaN or an infinity makes the sum of squares non-finite, and on float32 that sum is a vectorised kernel;
        // only when it is not finite (or squares past 1.8e308 overflowed) look element by element.
        if (t.dtype() == DType.FLOAT32 && Double.isFinite(Kernels.sumOfSquares(t))) return true;
        for (double v : t.toDoubleArray()) {
            if (!Double.isFinite(v)) return false;
        }
        return true;
    }

    private static void appendInputs(StringBuilder sb, Count[] in) {
        for (int i = 0; i < in.length; i++) {
            if (i > 0) sb.append("; ");
            sb.append(in.length == 1 ? "input " : "input " + i + " ").append(in[i].describe());
        }
    }

    /** Where a NaN an op received came from, walking back through ops that only move values. */
    private static String origin(Tensor t) {
        Node n = t.gradFn();
        while (n != null && n.op instanceof MovementOp && !(n.op instanceof MovementOp.Cast)) {
            Tensor next = null;
            for (Tensor in : n.inputs) {
                if (!finite(in)) {
                    next = in;
                    break;
                }
            }
            if (next == null) break;
            t = next;
            n = t.gradFn();
        }
        if (n != null) {
            return "the output of " + n.op.name() + (n.site == null ? ", computed before anomaly detection was turned on"
                    : " made at " + n.site + " (from inputs already holding NaN)");
        }
        if (t.requiresGrad()) {
            return "a leaf that requires grad (a parameter): it was made with NaN, or an in-place change or an optimizer "
                    + "step outside detection wrote it";
        }
        return "a tensor with no graph: user data, a constant, or a value computed without detection (check the input data)";
    }

    /** The first frame outside the engine, and the layer being run if one is labelled. */
    private static Site site() {
        StackWalker.StackFrame frame = WALKER.walk(s -> s.filter(f -> !INTERNAL.get(f.getDeclaringClass())).findFirst().orElse(null));
        return new Site(frame, STATE.get().layer);
    }

    /** A number in 4 significant digits without trailing zeros: 0, 1.25, -3.4e+38. */
    static String num(double v) {
        if (v == 0) return "0";
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "Inf" : "-Inf";
        if (v == Math.rint(v) && Math.abs(v) < 1e6) return Long.toString((long) v);
        String s = String.format(Locale.ROOT, "%.4g", v);
        int e = s.indexOf('e');
        String mant = e < 0 ? s : s.substring(0, e), exp = e < 0 ? "" : s.substring(e);
        if (mant.contains(".")) mant = mant.replaceAll("0+$", "").replaceAll("\\.$", "");
        return mant + exp;
    }

    /** Counts of a tensor's values: how many NaN, +Inf, −Inf, and min/max/mean of the finite ones. */
    private record Count(int[] shape, long n, long nan, long posInf, long negInf, double min, double max, double mean) {
        static Count of(Tensor t) {
            long n = t.numel();
            if (!t.dtype().isFloating()) return new Count(t.shape(), n, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN);
            long nan = 0, pos = 0, neg = 0, finite = 0;
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY, sum = 0;
            for (double v : t.toDoubleArray()) {
                if (Double.isNaN(v)) nan++;
                else if (v == Double.POSITIVE_INFINITY) pos++;
                else if (v == Double.NEGATIVE_INFINITY) neg++;
                else {
                    finite++;
                    sum += v;
                    if (v < min) min = v;
                    if (v > max) max = v;
                }
            }
            return new Count(t.shape(), n, nan, pos, neg, min, max, finite == 0 ? Double.NaN : sum / finite);
        }

        boolean finite() {
            return nan == 0 && posInf == 0 && negInf == 0;
        }

        /** "2 NaN, 1 -Inf". */
        String bad() {
            StringBuilder sb = new StringBuilder();
            if (nan > 0) sb.append(nan).append(" NaN");
            if (posInf > 0) sb.append(sb.isEmpty() ? "" : ", ").append(posInf).append(" +Inf");
            if (negInf > 0) sb.append(sb.isEmpty() ? "" : ", ").append(negInf).append(" -Inf");
            return sb.toString();
        }

        /** "[4, 2] min 0 max 3.2 mean 1.1", with the non-finite counts when there are some. */
        String describe() {
            StringBuilder sb = new StringBuilder(Shape.str(shape));
            if (Double.isNaN(mean) && finite()) return sb.toString();   // integer, or empty: the shape says all
            if (n - nan - posInf - negInf > 0) {
                sb.append(" min ").append(num(min)).append(" max ").append(num(max)).append(" mean ").append(num(mean));
            }
            if (!finite()) sb.append(n - nan - posInf - negInf > 0 ? " and " : " all ").append(bad());
            return sb.toString();
        }
    }
}
