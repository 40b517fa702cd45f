package dev.backprop.optim;

import dev.backprop.Anomaly;
import dev.backprop.GradMode;
import dev.backprop.Shape;
import dev.backprop.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Updates parameters from their gradients: the base of {@link SGD}, {@link Adagrad}, {@link RMSprop}, {@link Adam}
 * and {@link AdamW}, with PyTorch's ({@code torch.optim}) semantics.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * Optimizer opt = new SGD(model.parameters(), 0.1).momentum(0.9).weightDecay(1e-4);
 * for (var batch : loader) {
 *     opt.zeroGrad();
 *     Tensor loss = lossFn(model.forward(batch.x()), batch.y());
 *     loss.backward();
 *     opt.step();
 * }
 * }</pre>
 *
 * <h2>Parameter groups</h2>
 * The constructor's parameters form group 0; {@link #addParamGroup} adds more, each with its own learning rate and
 * weight decay (other hyper-parameters are shared by all groups). A parameter listed twice is kept once
 * (identity, not equality, decides), so it gets one state and one update per step; a parameter used twice in the
 * model needs nothing special either, since its gradient already holds both uses. Putting the same parameter in
 * two groups is an error. {@link #parameters()} lists every parameter once, across groups, e.g. for
 * {@link Clip#gradNorm(Iterable, double)}.
 *
 * <h2>Step</h2>
 * {@link #step()} updates every parameter whose gradient is not null (a parameter that took no part in the loss
 * keeps its value and its state). Each update is one fused loop over the parameter's storage array, computed in
 * double precision and rounded to the parameter's type (float32 or float64); the state (momentum, moment
 * estimates) has the parameter's type and shape. A parameter that is not contiguous is copied to a contiguous
 * tensor, updated there and copied back. Either way the storage's version is bumped, so a graph that saved the
 * old value fails at backward instead of using the new one. The gradient is read, never changed.
 *
 * <h2>NaN and infinity</h2>
 * A NaN or infinite gradient is not filtered or reported here: the update carries it into the parameter (and the
 * optimizer state) exactly as PyTorch does, and nothing throws. Detecting it is the trainer's job: it checks the
 * loss each step, and {@link Clip#gradNorm(Iterable, double)} returns a non-finite norm (leaving the gradients
 * unscaled) that it can report before calling {@code step()}.
 */
public abstract class Optimizer {
    private final String name;
    private final List<ParamGroup> groups = new ArrayList<>();
    /** Which group each parameter is in, by identity. */
    private final Map<Tensor, Integer> groupOf = new IdentityHashMap<>();
    /** Per-parameter state, by identity (tensors do not override equals, but identity is what is meant). */
    private final Map<Tensor, ParamState> state = new IdentityHashMap<>();
    private double defaultWeightDecay;
    private long steps;

    /**
     * Group 0 from {@code params} (deduplicated) with the given learning rate and weight decay.
     *
     * @throws IllegalArgumentException if the list is empty, a tensor is not a float leaf, or a value is out of range
     */
    protected Optimizer(Iterable<? extends Tensor> params, double lr, double weightDecay) {
        this.name = getClass().getSimpleName();
        Objects.requireNonNull(params, () -> name + ": params is null");
        this.defaultWeightDecay = checkNonNegative("weightDecay", weightDecay);
        addGroup(params, lr, weightDecay);
        if (groups.getFirst().params.isEmpty()) {
            throw new IllegalArgumentException(name + ": got an empty parameter list; pass model.parameters() of a model "
                    + "that has parameters");
        }
    }

    // ------------------------------------------------------------------------------------------------ groups

    /** One parameter group: its parameters and its own learning rate and weight decay. */
    public static final class ParamGroup {
        private final Optimizer owner;
        private final List<Tensor> params;
        private double lr;
        private double weightDecay;

        private ParamGroup(Optimizer owner, List<Tensor> params, double lr, double weightDecay) {
            this.owner = owner;
            this.params = Collections.unmodifiableList(params);
            this.lr = lr;
            this.weightDecay = weightDecay;
        }

        /** The group's parameters, each once, in the order given. */
        public List<Tensor> params() {
            return params;
        }

        /** The group's learning rate. */
        public double lr() {
            return lr;
        }

        /** Sets the group's learning rate (schedulers call this); returns this group. */
        public ParamGroup setLr(double lr) {
            this.lr = owner.checkNonNegative("lr", lr);
            return this;
        }

        /** The group's weight decay (what it means depends on the optimizer: L2 or decoupled). */
        public double weightDecay() {
            return weightDecay;
        }

        /** Sets the group's weight decay; returns this group. */
        public ParamGroup setWeightDecay(double weightDecay) {
            this.weightDecay = owner.checkNonNegative("weightDecay", weightDecay);
            return this;
        }
    }

    /**
     * Adds a parameter group with its own learning rate and weight decay; returns this optimizer. Subclasses
     * override this only to return their own type.
     *
     * @throws IllegalArgumentException if a parameter is already in another group, is not a float leaf, or a value
     *                                  is out of range
     */
    public Optimizer addParamGroup(Iterable<? extends Tensor> params, double lr, double weightDecay) {
        Objects.requireNonNull(params, () -> name + ": params is null");
        addGroup(params, lr, weightDecay);
        return this;
    }

    private void addGroup(Iterable<? extends Tensor> params, double lr, double weightDecay) {
        checkNonNegative("lr", lr);
        checkNonNegative("weightDecay", weightDecay);
        int index = groups.size();
        List<Tensor> list = new ArrayList<>();
        Map<Tensor, Integer> mine = new IdentityHashMap<>();
        int position = 0;
        for (Tensor p : params) {
            if (p == null) throw new NullPointerException(name + ": parameter " + position + " of group " + index + " is null");
            String which = "parameter " + position + " (shape " + Shape.str(p.shape()) + ") of group " + index;
            position++;
            if (!p.dtype().isFloating()) {
                throw new IllegalArgumentException(name + ": " + which + " is " + p.dtype()
                        + "; only float32 and float64 tensors can be optimized");
            }
            if (!p.isLeaf()) {
                throw new IllegalArgumentException(name + ": " + which + " is not a leaf (it was computed by an op); "
                        + "optimize the leaf it came from, or detach() it and call requiresGrad(true)");
            }
            Integer other = groupOf.get(p);
            if (other != null) {
                throw new IllegalArgumentException(name + ": " + which + " is already in group " + other
                        + "; a parameter can belong to one group only");
            }
            if (mine.putIfAbsent(p, index) == null) list.add(p);   // listed twice in this group: kept once
        }
        groupOf.putAll(mine);
        groups.add(new ParamGroup(this, list, lr, weightDecay));
    }

    /** The parameter groups, in order (group 0 is the constructor's). Change lr or weight decay through them. */
    public List<ParamGroup> paramGroups() {
        return Collections.unmodifiableList(groups);
    }

    /** Every parameter of every group, each once, in group order. */
    public List<Tensor> parameters() {
        List<Tensor> out = new ArrayList<>();
        for (ParamGroup g : groups) out.addAll(g.params);
        return out;
    }

    /** The learning rate of group 0 (with several groups, see {@link #paramGroups()}). */
    public double lr() {
        return groups.getFirst().lr;
    }

    /** Sets the learning rate of every group; returns this optimizer. */
    public Optimizer setLr(double lr) {
        checkNonNegative("lr", lr);
        for (ParamGroup g : groups) g.lr = lr;
        return this;
    }

    /**
     * Sets the weight decay of every group present; returns this optimizer. Call it before
     * {@link #addParamGroup} to let later groups keep their own. Subclasses override this only to return their
     * own type and to say which decay they apply.
     */
    public Optimizer weightDecay(double weightDecay) {
        checkNonNegative("weightDecay", weightDecay);
        defaultWeightDecay = weightDecay;
        for (ParamGroup g : groups) g.weightDecay = weightDecay;
        return this;
    }

    /** The weight decay last set for all groups, by the constructor or {@link #weightDecay(double)} (groups may differ). */
    public double defaultWeightDecay() {
        return defaultWeightDecay;
    }

    // ------------------------------------------------------------------------------------------------ state

    /**
     * What an optimizer remembers about one parameter: how many updates it has had and named buffers with the
     * parameter's shape and type, named as in PyTorch ({@code momentum_buffer}, {@code sum}, {@code square_avg},
     * {@code grad_avg}, {@code exp_avg}, {@code exp_avg_sq}, {@code max_exp_avg_sq}).
     */
    public static final class ParamState {
        private long step;
        private final Map<String, Tensor> buffers = new LinkedHashMap<>();

        ParamState() {}

        /** The number of updates this parameter has had. */
        public long step() {
            return step;
        }

        /** A buffer by name, or null if the optimizer has not made it (yet). */
        public Tensor buffer(String name) {
            return buffers.get(name);
        }

        /** All buffers by name (a read-only view; the tensors are live). */
        public Map<String, Tensor> buffers() {
            return Collections.unmodifiableMap(buffers);
        }

        /** The buffer {@code name}, created contiguous, shaped and typed like {@code param}, filled with {@code init}. */
        Tensor buffer(String name, Tensor param, double init) {
            return buffers.computeIfAbsent(name, k -> Tensor.full(param.dtype(), init, param.shape()));
        }

        boolean has(String name) {
            return buffers.containsKey(name);
        }
    }

    /** The state of {@code param}, or null before its first update. */
    public ParamState state(Tensor param) {
        return state.get(param);
    }

    /** The number of completed {@link #step()} calls. */
    public long stepCount() {
        return steps;
    }

    // ------------------------------------------------------------------------------------------------ step

    /**
     * One update of every parameter whose gradient is not null, by the rule of the concrete optimizer, using each
     * group's learning rate and weight decay. Runs with grad mode off.
     *
     * @throws IllegalStateException if the hyper-parameters are inconsistent (e.g. SGD's nesterov without momentum)
     */
    public void step() {
        validate();
        boolean check = Anomaly.isEnabled();
        try (var _ = GradMode.noGrad()) {
            for (ParamGroup group : groups) {
                for (Tensor p : group.params) {
                    Tensor g = p.grad();
                    if (g == null) continue;
                    if (g.dtype() != p.dtype()) g = g.toType(p.dtype());
                    g = g.contiguous();
                    ParamState s = state.computeIfAbsent(p, k -> new ParamState());
                    s.step++;
                    // Updates write storage directly, outside any op: anomaly detection checks them here.
                    boolean finiteBefore = check && Anomaly.allFinite(p);
                    if (p.isContiguous()) {
                        update(p, g, group, s);
                        p.storage().bumpVersion();
                    } else {
                        // Rare (a parameter made from a transposed view): update a contiguous copy, copy it back.
                        Tensor work = p.detach().clone();
                        update(work, g, group, s);
                        p.copy_(work);   // bumps the version
                    }
                    if (check) Anomaly.checkStep(name, group.lr(), p, g, finiteBefore);
                }
            }
        }
        steps++;
    }

    /**
     * Updates one contiguous parameter in place from its contiguous gradient of the same type. Implementations
     * read and write {@code param.storage()} from {@code param.storageOffset()} for {@code param.numel()}
     * elements (likewise for {@code grad}) and keep their buffers in {@code state}; {@code state.step()} already
     * counts this update. They must not bump the version (the caller does) or change the gradient.
     */
    protected abstract void update(Tensor param, Tensor grad, ParamGroup group, ParamState state);

    /** Checks hyper-parameters that depend on each other; called at the start of every step. */
    protected void validate() {}

    /** Clears every parameter's gradient (sets it to null, as PyTorch's default {@code set_to_none=True}). */
    public void zeroGrad() {
        for (ParamGroup g : groups) for (Tensor p : g.params) p.zeroGrad();
    }

    /** A one-line description with the hyper-parameters, e.g. {@code SGD(lr=0.1, momentum=0.9, ...)}. */
    public abstract String describe();

    @Override
    public String toString() {
        return describe();
    }

    /** The group lr(s) and weight decay(s) for {@link #describe()}: one value, or a list when groups differ. */
    protected String groupValues() {
        List<Double> lrs = new ArrayList<>();
        List<Double> wds = new ArrayList<>();
        for (ParamGroup g : groups) {
            lrs.add(g.lr);
            wds.add(g.weightDecay);
        }
        return "lr=" + oneOrAll(lrs) + ", weightDecay=" + oneOrAll(wds);
    }

    private static String oneOrAll(List<Double> values) {
        return values.stream().distinct().count() == 1 ? fmt(values.getFirst())
                : values.stream().map(Optimizer::fmt).toList().toString();
    }

    /** A number as a short string: 0.1, 3, 1e-8. */
    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.valueOf((long) v);
        return Double.toString(v).replace(".0E", "E").replace("E", "e");
    }

    // ------------------------------------------------------------------------------------------------ validation

    /** The optimizer's name for messages (its simple class name). */
    protected final String name() {
        return name;
    }

    /** {@code value} if it is a finite number ≥ 0, else an error naming this optimizer and {@code arg}. */
    protected final double checkNonNegative(String arg, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + ": " + arg + " must be a finite number >= 0, got " + value);
        }
        return value;
    }

    /** {@code value} if 0 ≤ value &lt; 1, else an error naming this optimizer and {@code arg}. */
    protected final double checkUnitOpen(String arg, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(name + ": " + arg + " must be in [0, 1), got " + value);
        }
        return value;
    }

    /** {@code value} if 0 ≤ value ≤ 1, else an error naming this optimizer and {@code arg}. */
    protected final double checkUnit(String arg, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + ": " + arg + " must be in [0, 1], got " + value);
        }
        return value;
    }

    /**
     * PyTorch's lerp, a + w·(b − a), in the same two-branch form as its CPU kernel so the rounding matches:
     * {@code w < 0.5 ? a + w·(b − a) : b − (b − a)·(1 − w)}.
     */
    static double lerp(double a, double b, double w) {
        return w < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w);
    }
}
