package dev.backprop.optim.schedule;

import dev.backprop.optim.Optimizer;

import java.util.List;
import java.util.Objects;

/**
 * Changes the learning rate of an optimizer's parameter groups as training goes on, with PyTorch's
 * ({@code torch.optim.lr_scheduler}) semantics.
 *
 * <pre>{@code
 * var opt = new SGD(model.parameters(), 0.1).momentum(0.9);
 * var sched = new StepLR(opt, 30);           // sets the lr for the first epoch already
 * for (int epoch = 0; epoch < 90; epoch++) {
 *     for (var batch : loader) { ...; opt.step(); }
 *     sched.step();                          // after the optimizer's steps, as in PyTorch
 * }
 * }</pre>
 *
 * <p>A scheduler remembers each group's learning rate when it is created (its base lr) and sets every group's lr
 * as a function of the base lr and the count of {@link #step()} calls so far, {@link #epoch()}: at creation the
 * lr for epoch 0 is set, and each {@code step()} moves to the next. Whether a "step" is an epoch or a batch is the
 * caller's choice; step as often as the schedule's sizes (stepSize, tMax, ...) assume. The closed-form schedules
 * compute the lr from the formula each time, so an lr set by hand in between is overwritten (PyTorch's recursive
 * forms would keep building on it); one scheduler per optimizer.
 *
 * <p>Create the scheduler after all parameter groups have been added: a later group has no base lr, and
 * {@code step()} then fails with a message.
 */
public abstract class LRScheduler {
    /** The optimizer whose group learning rates this scheduler sets. */
    protected final Optimizer optimizer;
    private final double[] baseLrs;
    private int epoch;
    private double[] lastLrs;

    /**
     * Records the base lrs and sets the lr of epoch 0. The subclass's fields are read by {@link #lrAt} here, so
     * subclasses assign them before calling {@code super(optimizer)} (a Java 25 flexible constructor body).
     */
    @SuppressWarnings("this-escape")
    protected LRScheduler(Optimizer optimizer) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer is null");
        List<Optimizer.ParamGroup> groups = optimizer.paramGroups();
        this.baseLrs = new double[groups.size()];
        for (int i = 0; i < baseLrs.length; i++) baseLrs[i] = groups.get(i).lr();
        apply();
    }

    /** Moves to the next epoch (or batch) and sets each group's lr for it. Call it after {@code optimizer.step()}. */
    public void step() {
        checkGroups();
        epoch++;
        apply();
    }

    /** The learning rate this schedule gives group {@code group}, whose base lr is {@code baseLr}, at {@code epoch}. */
    protected abstract double lrAt(int epoch, int group, double baseLr);

    /** A one-line description with the schedule's settings, for reports, e.g. {@code StepLR(stepSize=30, gamma=0.1)}. */
    public abstract String describe();

    private void apply() {
        List<Optimizer.ParamGroup> groups = optimizer.paramGroups();
        double[] lrs = new double[baseLrs.length];
        for (int i = 0; i < lrs.length; i++) {
            lrs[i] = lrAt(epoch, i, baseLrs[i]);
            groups.get(i).setLr(lrs[i]);
        }
        lastLrs = lrs;
    }

    /** Records the current group lrs as the last ones (for subclasses that set the lrs themselves). */
    protected final void recordLrs() {
        List<Optimizer.ParamGroup> groups = optimizer.paramGroups();
        double[] lrs = new double[baseLrs.length];
        for (int i = 0; i < lrs.length; i++) lrs[i] = groups.get(i).lr();
        lastLrs = lrs;
    }

    /** Fails if groups were added to the optimizer after this scheduler was made. */
    protected final void checkGroups() {
        int now = optimizer.paramGroups().size();
        if (now != baseLrs.length) {
            throw new IllegalStateException(getClass().getSimpleName() + ": the optimizer has " + now
                    + " parameter groups but had " + baseLrs.length + " when the scheduler was made; create the "
                    + "scheduler after adding every group");
        }
    }

    /** Advances the epoch counter (for subclasses with their own step). */
    protected final void advance() {
        epoch++;
    }

    /** The number of {@link #step()} calls so far (PyTorch's {@code last_epoch}); 0 right after creation. */
    public int epoch() {
        return epoch;
    }

    /** The lr this scheduler last set for group 0. */
    public double lastLr() {
        return lastLrs[0];
    }

    /** The lr this scheduler last set for group {@code group}. */
    public double lastLr(int group) {
        return lastLrs[group];
    }

    /** The lrs this scheduler last set, one per group (a copy). */
    public double[] lastLrs() {
        return lastLrs.clone();
    }

    /** The base lr of group {@code group}: its lr when this scheduler was made. */
    public double baseLr(int group) {
        return baseLrs[group];
    }

    @Override
    public String toString() {
        return describe();
    }

    /** A number as a short string. */
    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.valueOf((long) v);
        return Double.toString(v).replace(".0E", "E").replace("E", "e");
    }
}
