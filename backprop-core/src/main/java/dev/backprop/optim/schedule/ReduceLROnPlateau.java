package dev.backprop.optim.schedule;

import dev.backprop.optim.Optimizer;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Cuts the learning rate when a monitored value (usually the validation loss) stops improving, exactly as
 * PyTorch's {@code ReduceLROnPlateau}. Call {@link #step(double)} once per epoch with the value; there is no
 * {@code step()} without one.
 *
 * <pre>{@code
 * var plateau = new ReduceLROnPlateau(opt).factor(0.5).patience(3);
 * for (...) { train(); plateau.step(validationLoss); }
 * }</pre>
 *
 * <p>Each step: the value is an improvement if it beats the best so far by more than the threshold — mode min,
 * relative: v &lt; best·(1 − threshold); absolute: v &lt; best − threshold (mode max mirrors it). An improvement
 * becomes the best and resets the count of bad epochs; anything else (a NaN included) adds one. During a
 * cooldown the count stays at zero. When the count exceeds {@code patience}, every group's lr becomes
 * max(lr·factor, minLr) — unless that changes it by no more than 1e-8 — and the cooldown starts.
 *
 * <p>Defaults: mode min, factor 0.1, patience 10, threshold 1e-4 relative, cooldown 0, minLr 0.
 */
public final class ReduceLROnPlateau extends LRScheduler {
    /** Whether lower ({@link #MIN}, a loss) or higher ({@link #MAX}, an accuracy) values are better. */
    public enum Mode { MIN, MAX }

    /** Whether the threshold is relative to the best value ({@link #REL}) or an absolute difference ({@link #ABS}). */
    public enum ThresholdMode { REL, ABS }

    /** Changes of the lr no larger than this are skipped (PyTorch's {@code eps}). */
    public static final double EPS = 1e-8;

    private Mode mode = Mode.MIN;
    private double factor = 0.1;
    private int patience = 10;
    private double threshold = 1e-4;
    private ThresholdMode thresholdMode = ThresholdMode.REL;
    private int cooldown;
    private double minLr;

    private double best = Double.POSITIVE_INFINITY;
    private int badEpochs;
    private int cooldownLeft;

    /** ReduceLROnPlateau with the defaults; change them with the setters. */
    public ReduceLROnPlateau(Optimizer optimizer) {
        super(optimizer);
    }

    /** Lower is better (MIN, default) or higher is better (MAX); resets the best value; returns this. */
    public ReduceLROnPlateau mode(Mode mode) {
        this.mode = Objects.requireNonNull(mode, "ReduceLROnPlateau: mode is null");
        best = mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        return this;
    }

    /** The factor in [0, 1) the lr is multiplied by (default 0.1); returns this. */
    public ReduceLROnPlateau factor(double factor) {
        if (!(factor >= 0 && factor < 1)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: factor must be in [0, 1), got " + factor);
        }
        this.factor = factor;
        return this;
    }

    /** Epochs without improvement tolerated before a cut, ≥ 0 (default 10); returns this. */
    public ReduceLROnPlateau patience(int patience) {
        this.patience = Checks.atLeast("ReduceLROnPlateau", "patience", patience, 0);
        return this;
    }

    /** The smallest change that counts as an improvement, ≥ 0 (default 1e-4); returns this. */
    public ReduceLROnPlateau threshold(double threshold) {
        this.threshold = Checks.nonNegative("ReduceLROnPlateau", "threshold", threshold);
        return this;
    }

    /** Whether the threshold is relative (REL, default) or absolute (ABS); returns this. */
    public ReduceLROnPlateau thresholdMode(ThresholdMode thresholdMode) {
        this.thresholdMode = Objects.requireNonNull(thresholdMode, "ReduceLROnPlateau: thresholdMode is null");
        return this;
    }

    /** Epochs after a cut during which bad epochs are not counted, ≥ 0 (default 0); returns this. */
    public ReduceLROnPlateau cooldown(int cooldown) {
        this.cooldown = Checks.atLeast("ReduceLROnPlateau", "cooldown", cooldown, 0);
        return this;
    }

    /** The lr is never cut below this, ≥ 0 (default 0); returns this. */
    public ReduceLROnPlateau minLr(double minLr) {
        this.minLr = Checks.nonNegative("ReduceLROnPlateau", "minLr", minLr);
        return this;
    }

    /** Not available: this schedule needs the monitored value. */
    @Override
    public void step() {
        throw new IllegalStateException("ReduceLROnPlateau: step() needs the monitored value; call step(metric) "
                + "once per epoch with, e.g., the validation loss");
    }

    /** One epoch's monitored value; may cut every group's lr (see the class description). */
    public void step(double metric) {
        checkGroups();
        advance();
        if (isBetter(metric)) {
            best = metric;
            badEpochs = 0;
        } else {
            badEpochs++;
        }
        if (cooldownLeft > 0) {
            cooldownLeft--;
            badEpochs = 0;
        }
        if (badEpochs > patience) {
            for (Optimizer.ParamGroup g : optimizer.paramGroups()) {
                double old = g.lr();
                double cut = Math.max(old * factor, minLr);
                if (old - cut > EPS) g.setLr(cut);
            }
            cooldownLeft = cooldown;
            badEpochs = 0;
        }
        recordLrs();
    }

    private boolean isBetter(double v) {
        return switch (mode) {
            case MIN -> thresholdMode == ThresholdMode.REL ? v < best * (1 - threshold) : v < best - threshold;
            case MAX -> thresholdMode == ThresholdMode.REL ? v > best * (threshold + 1) : v > best + threshold;
        };
    }

    /** The group's current lr: this schedule changes lrs only in {@link #step(double)}. */
    @Override
    protected double lrAt(int epoch, int group, double baseLr) {
        List<Optimizer.ParamGroup> groups = optimizer.paramGroups();
        return groups.get(group).lr();
    }

    /** The best value seen so far (±infinity before the first step). */
    public double best() {
        return best;
    }

    /** Bad epochs counted since the last improvement or cut. */
    public int badEpochs() {
        return badEpochs;
    }

    @Override
    public String describe() {
        return "ReduceLROnPlateau(mode=" + mode.name().toLowerCase(Locale.ROOT) + ", factor=" + fmt(factor)
                + ", patience=" + patience + ", threshold=" + fmt(threshold) + " "
                + thresholdMode.name().toLowerCase(Locale.ROOT) + ", cooldown=" + cooldown + ", minLr="
                + fmt(minLr) + ")";
    }
}
