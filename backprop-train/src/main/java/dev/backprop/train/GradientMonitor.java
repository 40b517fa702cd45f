package dev.backprop.train;

import dev.backprop.DType;
import dev.backprop.Tensor;
import dev.backprop.kernels.Kernels;
import dev.backprop.nn.Activation;
import dev.backprop.nn.Module;
import dev.backprop.nn.Parameter;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Watches how the gradient flows through a network while it trains (a {@link Callback}; {@code train --monitor}).
 * Per weight layer (each module with a weight of two or more dimensions — Linear, Conv — named by its state-dict
 * prefix, e.g. {@code "3.0"} for {@code "3.0.weight"}) and per epoch it records:
 * <ul>
 *   <li><b>grad norm</b>: ‖∂L/∂W‖₂ of the layer's weight, as backward left it (before clipping), averaged over
 *       every step of the epoch;</li>
 *   <li><b>update ratio</b>: ‖W_after − W_before‖₂ / ‖W_before‖₂ across one optimizer step — the real update,
 *       whatever the optimizer (momentum, Adam) and weight decay did. A common rule of thumb puts a healthy value
 *       near 1e-3; far below, the layer hardly moves;</li>
 *   <li>the statistics of the activation that follows the layer (the first ReLU, sigmoid or tanh after it, also
 *       past a batch norm): for ReLU the <b>dead share</b>, the fraction of units (output features; for images
 *       each channel and position) that were 0 for every example of every sampled batch of the epoch (a unit that
 *       fires for 5% of examples looks dead in a fifth of single batches of 32, so one batch alone overstates it);
 *       for sigmoid the <b>saturated
 *       share</b>, the fraction of outputs below {@value #SIGMOID_LOW} or above {@value #SIGMOID_HIGH} (where
 *       σ' = σ(1−σ) &lt; 0.0099); for tanh the fraction with |tanh| &gt; {@value #TANH_HIGH} (tanh' &lt; 0.02).</li>
 * </ul>
 * The update ratio and the activation statistics are measured on sampled steps only — the first step of each
 * epoch and then every {@code every}-th — because they cost a copy of the weights and a pass over the
 * activations (forward hooks are registered for those steps only, so the other steps run exactly as unmonitored
 * ones, fused Linear+ReLU included). The gradient norms cost one pass over the gradients and are taken every step.
 *
 * <h2>Diagnosis</h2>
 * {@link #diagnose()} reads the last epoch (and, for non-finite values, all of them) and flags, each with a
 * suggestion in plain words:
 * <ul>
 *   <li><b>vanishing</b>: the first weight layer's grad norm is below {@value #VANISHING_RATIO} × the last one's
 *       (three orders of magnitude). Measured on the digits ({@code train --model deep-mlp:20x64}: 20 linear layers
 *       of 64, Adam 1e-3, batch 32, seeds 1–3, 10 and 30 epochs): the sigmoid net with PyTorch's default init gives
 *       a first/last ratio of 1e-16 (its first layers' weights do not move at all), while ReLU + He init (0.9–3.2),
 *       sigmoid + batch norm (2.7–5.1) and ReLU + residual blocks (0.5–0.8) stay within a factor 10 of 1 — the
 *       threshold sits orders of magnitude from both. (ReLU with the default init is flagged too: 3e-7.)</li>
 *   <li><b>exploding</b>: a non-finite grad norm, or a layer's grad norm above {@value #EXPLODING_NORM}, at any
 *       step (so a run that diverges within its first epoch is still diagnosed); or, in the last epoch, the first
 *       layer's grad norm above {@value #EXPLODING_RATIO} × the last one's (growing towards the input). The fixed
 *       digits networks above stay below 30 at every step;</li>
 *   <li><b>dead ReLU</b>: more than {@value #DEAD_SHARE} of a ReLU layer's units dead (the healthy nets above:
 *       at most 0.31 with He init, 0.42 with residual blocks);</li>
 *   <li><b>saturated</b>: more than {@value #SATURATED_SHARE} of a sigmoid or tanh layer's outputs saturated (the
 *       sigmoid nets above: 0 with and without batch norm; sigmoid with residual blocks, x + σ(Wx + b), is flagged:
 *       its stream grows block by block and 65–72% of the deep blocks' outputs saturate).</li>
 * </ul>
 */
public final class GradientMonitor implements Callback {
    /** Sigmoid outputs below this count as saturated. */
    public static final double SIGMOID_LOW = 0.01;
    /** Sigmoid outputs above this count as saturated. */
    public static final double SIGMOID_HIGH = 0.99;
    /** tanh outputs with |y| above this count as saturated. */
    public static final double TANH_HIGH = 0.99;
    /** Vanishing: first-layer grad norm below this fraction of the last layer's. */
    public static final double VANISHING_RATIO = 1e-3;
    /** Exploding: first-layer grad norm above this multiple of the last layer's. */
    public static final double EXPLODING_RATIO = 1e3;
    /** Exploding: any layer's mean grad norm above this. */
    public static final double EXPLODING_NORM = 1e3;
    /** Dead ReLU: flagged above this share of dead units. */
    public static final double DEAD_SHARE = 0.5;
    /** Saturation: flagged above this share of saturated outputs. */
    public static final double SATURATED_SHARE = 0.5;

    /** One weight layer in one epoch; NaN where not measured (no sampled step, no activation after the layer). */
    public record LayerStats(String layer, String type, double gradNorm, double updateRatio, String activation,
                             double deadShare, double saturatedShare) {
        /** "relu 12% dead", "sigmoid 0% saturated", the activation alone, or "-" when none follows the layer. */
        public String activationSummary() {
            if (activation == null) return "-";
            if (Double.isFinite(deadShare)) return String.format(Locale.ROOT, "%s %.0f%% dead", activation, 100 * deadShare);
            if (Double.isFinite(saturatedShare)) return String.format(Locale.ROOT, "%s %.0f%% saturated", activation, 100 * saturatedShare);
            return activation;
        }
    }

    /** All weight layers in one epoch, input side first. */
    public record EpochReport(int epoch, List<LayerStats> layers) {
        /** The first weight layer's grad norm divided by the last one's (NaN with fewer than two layers). */
        public double firstLastRatio() {
            if (layers.size() < 2) return Double.NaN;
            return layers.getFirst().gradNorm() / layers.getLast().gradNorm();
        }
    }

    /** A problem found: its kind (vanishing, exploding, dead-relu, saturated), the layer, what and what to do. */
    public record Flag(String kind, String layer, String message, String suggestion) {
        @Override
        public String toString() {
            return kind + ": " + message + " — " + suggestion;
        }
    }

    /** One watched weight layer and the activation after it (or null). */
    private static final class Watched {
        final String name, type;
        final Parameter weight;
        Module activation;
        String activationName;
        double gradSum, updateSum, statSum;
        int gradCount, updateCount, statCount;
        float[] before;
        boolean[] alive;

        Watched(String name, String type, Parameter weight) {
            this.name = name;
            this.type = type;
            this.weight = weight;
        }
    }

    private final int every;
    private final PrintStream out;
    private final List<Watched> watched = new ArrayList<>();
    private final List<Module.HookHandle> hooks = new ArrayList<>();
    private final List<EpochReport> epochs = new ArrayList<>();
    private boolean sampled, nonFinite;
    private String nonFiniteWhere, nonFiniteLayer, peakWhere, peakLayer;
    private double peak;
    private long nanos;

    /** A monitor sampling every 10th step, printing nothing. */
    public GradientMonitor() {
        this(10, null);
    }

    /**
     * @param every measure the update ratio and activations on the first step of each epoch and every
     *              {@code every}-th step after it (1: every step)
     * @param out   where to print one summary line per epoch (null: nothing)
     */
    public GradientMonitor(int every, PrintStream out) {
        if (every < 1) throw new IllegalArgumentException("GradientMonitor: every must be at least 1, got " + every);
        this.every = every;
        this.out = out;
    }

    /** The sampling interval for update ratios and activation statistics. */
    public int every() {
        return every;
    }

    /**
     * Seconds spent inside the monitor's own callbacks and hooks so far: its overhead, measured where it is spent
     * (it leaves out the sampled steps' unfused Linear+ReLU pairs, which a hook needs).
     */
    public double seconds() {
        return nanos / 1e9;
    }

    /** The records so far, one per finished epoch. */
    public List<EpochReport> epochs() {
        return List.copyOf(epochs);
    }

    @Override
    public void onTrainBegin(Trainer trainer) {
        long t0 = System.nanoTime();
        watched.clear();
        epochs.clear();
        nonFinite = false;
        nanos = 0;
        peak = 0;
        Watched last = null;
        for (var e : trainer.model().namedModules().entrySet()) {
            Module m = e.getValue();
            Parameter w = m.namedChildren().isEmpty() ? m.namedParameters().get("weight") : null;
            String act = activationName(m);
            if (w != null && w.dim() >= 2) {
                last = new Watched(e.getKey(), m.getClass().getSimpleName(), w);
                watched.add(last);
            } else if (last != null && last.activation == null && act != null) {
                last.activation = m;
                last.activationName = act;
            }
        }
        nanos += System.nanoTime() - t0;
    }

    private static String activationName(Module m) {
        return m instanceof Activation.ReLU ? "relu" : m instanceof Activation.Sigmoid ? "sigmoid"
                : m instanceof Activation.Tanh ? "tanh" : null;
    }

    @Override
    public void onBatchBegin(Trainer trainer, int epoch, int step) {
        sampled = (step - 1) % every == 0;
        if (!sampled) return;
        for (Watched w : watched) {
            if (w.activation == null) continue;
            hooks.add(w.activation.registerForwardHook((m, in, y) -> {
                long t0 = System.nanoTime();
                if (w.activationName.equals("relu")) {
                    w.alive = markAlive(y, w.alive);
                } else {
                    w.statSum += saturatedShare(w.activationName, y);
                }
                w.statCount++;
                nanos += System.nanoTime() - t0;
            }));
        }
    }

    /** Marks the units of a batch of ReLU outputs [N, …] that are positive for some example; returns the marks. */
    static boolean[] markAlive(Tensor y, boolean[] alive) {
        float[] v = y.detach().toFloatArray();
        int n = y.dim() == 0 ? 1 : y.size(0);
        int units = n == 0 ? 0 : v.length / n;
        if (alive == null || alive.length != units) alive = new boolean[units];
        for (int i = 0; i < n; i++) for (int u = 0; u < units; u++) if (v[i * units + u] > 0) alive[u] = true;
        return alive;
    }

    /** The fraction of units never marked alive. */
    static double deadShare(boolean[] alive) {
        int dead = 0;
        for (boolean a : alive) if (!a) dead++;
        return alive.length == 0 ? 0 : (double) dead / alive.length;
    }

    /** The share of saturated outputs in one batch of sigmoid or tanh outputs. */
    static double saturatedShare(String kind, Tensor y) {
        float[] v = y.detach().toFloatArray();
        if (v.length == 0) return 0;
        long sat = 0;
        if (kind.equals("sigmoid")) {
            for (float x : v) if (x < SIGMOID_LOW || x > SIGMOID_HIGH) sat++;
        } else {
            for (float x : v) if (Math.abs(x) > TANH_HIGH) sat++;
        }
        return (double) sat / v.length;
    }

    @Override
    public void onAfterBackward(Trainer trainer, int epoch, int step) {
        long t0 = System.nanoTime();
        for (Module.HookHandle h : hooks) h.remove();
        hooks.clear();
        for (Watched w : watched) {
            Tensor g = w.weight.grad();
            if (g == null) continue;
            double norm = Math.sqrt(Kernels.sumOfSquares(g));
            if (!Double.isFinite(norm) && !nonFinite) {
                nonFinite = true;
                nonFiniteLayer = w.name;
                nonFiniteWhere = String.format(Locale.ROOT, "layer %s at epoch %d, step %d", w.name, epoch, step);
            }
            if (norm > peak) {
                peak = norm;
                peakLayer = w.name;
                peakWhere = String.format(Locale.ROOT, "layer %s at epoch %d, step %d", w.name, epoch, step);
            }
            w.gradSum += norm;
            w.gradCount++;
            if (sampled) w.before = w.weight.detach().toFloatArray();
        }
        nanos += System.nanoTime() - t0;
    }

    @Override
    public void onBatchEnd(Trainer trainer, int epoch, int step, int batchSize, double loss) {
        if (!sampled) return;
        long t0 = System.nanoTime();
        for (Watched w : watched) {
            if (w.before == null) continue;
            Tensor p = w.weight.detach();
            // Read in place when the weight is one float32 block (it is, for every layer here): no copy per step.
            boolean direct = p.isContiguous() && p.dtype() == DType.FLOAT32;
            float[] after = direct ? p.storage().floats() : p.toFloatArray();
            int off = direct ? p.storageOffset() : 0;
            double diff = 0, base = 0;
            for (int i = 0; i < w.before.length; i++) {
                double b = w.before[i], d = after[off + i] - b;
                diff += d * d;
                base += b * b;
            }
            w.updateSum += Math.sqrt(diff) / Math.sqrt(base);
            w.updateCount++;
            w.before = null;
        }
        nanos += System.nanoTime() - t0;
    }

    @Override
    public boolean onEpochEnd(Trainer trainer, EpochStats stats) {
        List<LayerStats> rows = new ArrayList<>();
        for (Watched w : watched) {
            boolean relu = "relu".equals(w.activationName);
            double stat = w.statCount == 0 ? Double.NaN : relu ? deadShare(w.alive) : w.statSum / w.statCount;
            w.alive = null;
            rows.add(new LayerStats(w.name, w.type, w.gradCount == 0 ? Double.NaN : w.gradSum / w.gradCount,
                    w.updateCount == 0 ? Double.NaN : w.updateSum / w.updateCount, w.activationName,
                    relu ? stat : Double.NaN, relu || w.activationName == null ? Double.NaN : stat));
            w.gradSum = w.updateSum = w.statSum = 0;
            w.gradCount = w.updateCount = w.statCount = 0;
        }
        EpochReport r = new EpochReport(stats.epoch(), List.copyOf(rows));
        epochs.add(r);
        if (out != null) out.println(summaryLine(r));
        return false;
    }

    @Override
    public void onTrainEnd(Trainer trainer, History history) {
        for (Module.HookHandle h : hooks) h.remove();
        hooks.clear();
    }

    // ------------------------------------------------------------------------------------------------ diagnosis

    /** The problems in the last epoch (and any non-finite gradient seen at all), each with a suggestion. */
    public List<Flag> diagnose() {
        List<Flag> flags = new ArrayList<>();
        if (nonFinite) {
            flags.add(new Flag("exploding", nonFiniteLayer, "the gradient norm became infinite or NaN (" + nonFiniteWhere + ")",
                    "lower the learning rate, clip the gradient norm (--clip-norm 1), and check the initialisation (He for ReLU, Xavier for tanh/sigmoid)"));
        }
        if (!nonFinite && peak > EXPLODING_NORM) {
            flags.add(new Flag("exploding", peakLayer, String.format(Locale.ROOT, "exploding gradients: a gradient norm of "
                    + "%s (%s), above %s", sci(peak), peakWhere, sci(EXPLODING_NORM)),
                    "clip the gradient norm (--clip-norm 1), lower the learning rate, and use a smaller initialisation "
                            + "(He for ReLU, Xavier for tanh/sigmoid) or batch norm"));
        }
        if (epochs.isEmpty()) return flags;
        EpochReport r = epochs.getLast();
        double ratio = r.firstLastRatio();
        String first = r.layers().isEmpty() ? "" : r.layers().getFirst().layer(), last = r.layers().isEmpty() ? "" : r.layers().getLast().layer();
        if (ratio < VANISHING_RATIO) {
            flags.add(new Flag("vanishing", first, String.format(Locale.ROOT, "vanishing gradients: the first layer's gradient "
                            + "norm is %s of the last layer's (%.1f orders of magnitude smaller), so the first layers hardly learn",
                    sci(ratio), -Math.log10(ratio)),
                    "use ReLU with He initialisation (--activation relu --init kaiming-normal), batch norm after each linear layer, "
                            + "or residual connections (deep-mlp:…,batch-norm or ,residual); " + whyVanishing(r)));
        }
        if (ratio > EXPLODING_RATIO && !nonFinite && !(peak > EXPLODING_NORM)) {
            flags.add(new Flag("exploding", first, String.format(Locale.ROOT, "exploding gradients: the first layer's gradient "
                    + "norm is %s × the last layer's (%.1f orders of magnitude larger)", sci(ratio), Math.log10(ratio)),
                    "clip the gradient norm (--clip-norm 1), lower the learning rate, and use a smaller initialisation "
                            + "(He for ReLU, Xavier for tanh/sigmoid) or batch norm"));
        }
        // One flag per kind (and activation) listing its layers: a deep net saturates in many blocks at once, and the
        // same suggestion once per block says nothing more.
        List<LayerStats> dead = new ArrayList<>();
        Map<String, List<LayerStats>> saturated = new LinkedHashMap<>();
        for (LayerStats s : r.layers()) {
            if (s.deadShare() > DEAD_SHARE) dead.add(s);
            if (s.saturatedShare() > SATURATED_SHARE) saturated.computeIfAbsent(s.activation(), k -> new ArrayList<>()).add(s);
        }
        if (!dead.isEmpty()) {
            flags.add(new Flag("dead-relu", layers(dead), shares(dead, LayerStats::deadShare) + " of the ReLUs after "
                    + layersNamed(dead) + " are dead (0 for every example the monitor saw in the epoch): they pass no gradient",
                    "lower the learning rate, use He initialisation, or leaky-relu (--activation leaky-relu)"));
        }
        for (var e : saturated.entrySet()) {
            flags.add(new Flag("saturated", layers(e.getValue()), shares(e.getValue(), LayerStats::saturatedShare) + " of the "
                    + e.getKey() + " outputs after " + layersNamed(e.getValue()) + " are saturated (their slope is near 0)",
                    "normalise the inputs, use Xavier initialisation or batch norm, or ReLU instead"));
        }
        return flags;
    }

    /** The layers' names, comma-separated (a flag's layer field). */
    private static String layers(List<LayerStats> l) {
        return String.join(", ", l.stream().map(LayerStats::layer).toList());
    }

    /** "layer 3" or "layers 3.0, 4.0 and 5.0". */
    private static String layersNamed(List<LayerStats> l) {
        if (l.size() == 1) return "layer " + l.getFirst().layer();
        List<String> names = l.stream().map(LayerStats::layer).toList();
        return "layers " + String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.getLast();
    }

    /** "62%", or "62%, 70% and 65%" in the order of the layers. */
    private static String shares(List<LayerStats> l, java.util.function.ToDoubleFunction<LayerStats> share) {
        List<String> p = l.stream().map(s -> String.format(Locale.ROOT, "%.0f%%", 100 * share.applyAsDouble(s))).toList();
        return p.size() == 1 ? p.getFirst() : String.join(", ", p.subList(0, p.size() - 1)) + " and " + p.getLast();
    }

    /** Why the gradient shrinks, in the words of the activation the layers use (the first one the monitor saw). */
    private static String whyVanishing(EpochReport r) {
        String act = r.layers().stream().map(LayerStats::activation).filter(a -> a != null).findFirst().orElse("");
        return switch (act) {
            case "sigmoid" -> "sigmoid's slope is at most 1/4, and a product of many such factors shrinks towards the input";
            case "tanh" -> "tanh's slope is 1 only at 0 and smaller elsewhere, and with weights too small for the depth each "
                    + "layer shrinks the gradient a little more";
            case "relu" -> "ReLU passes a gradient only through active units, and weights smaller than He's √(2/fan_in) "
                    + "shrink it at every layer";
            default -> "each layer multiplies the gradient by its weights and its activation's slope, and many factors "
                    + "below 1 shrink it towards the input";
        };
    }

    // ------------------------------------------------------------------------------------------------ output

    /** One line for an epoch: the first/last grad-norm ratio, the range of update ratios, and flags so far. */
    public String summaryLine(EpochReport r) {
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (LayerStats s : r.layers()) {
            if (Double.isFinite(s.updateRatio())) {
                lo = Math.min(lo, s.updateRatio());
                hi = Math.max(hi, s.updateRatio());
            }
        }
        return String.format(Locale.ROOT, "monitor: epoch %d: grad norm first %s, last %s (first/last %s); update/weight %s..%s",
                r.epoch(), r.layers().isEmpty() ? "-" : sci(r.layers().getFirst().gradNorm()),
                r.layers().isEmpty() ? "-" : sci(r.layers().getLast().gradNorm()), sci(r.firstLastRatio()),
                sci(hi == 0 ? Double.NaN : lo), sci(hi == 0 ? Double.NaN : hi));
    }

    /** A table of every layer in an epoch: grad norm, update ratio, activation statistics. */
    public static String table(EpochReport r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-8s %-8s %10s %13s  %s%n", "layer", "type",
                "grad norm", "update/weight", "activation"));
        for (LayerStats s : r.layers()) {
            sb.append(String.format(Locale.ROOT, "%-8s %-8s %10s %13s  %s%n", s.layer(), s.type(), sci(s.gradNorm()),
                    sci(s.updateRatio()), s.activationSummary()));
        }
        return sb.toString();
    }

    /** Everything as JSON values: sampling, thresholds, per epoch per layer, and the flags. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("every", every);
        m.put("seconds", seconds());
        List<Object> eps = new ArrayList<>();
        for (EpochReport r : epochs) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("epoch", r.epoch());
            e.put("first_last_ratio", num(r.firstLastRatio()));
            List<Object> layers = new ArrayList<>();
            for (LayerStats s : r.layers()) {
                Map<String, Object> l = new LinkedHashMap<>();
                l.put("layer", s.layer());
                l.put("type", s.type());
                l.put("grad_norm", num(s.gradNorm()));
                l.put("update_ratio", num(s.updateRatio()));
                l.put("activation", s.activation());
                l.put("dead_share", num(s.deadShare()));
                l.put("saturated_share", num(s.saturatedShare()));
                layers.add(l);
            }
            e.put("layers", layers);
            eps.add(e);
        }
        m.put("epochs", eps);
        List<Object> flags = new ArrayList<>();
        for (Flag f : diagnose()) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("kind", f.kind());
            fm.put("layer", f.layer());
            fm.put("message", f.message());
            fm.put("suggestion", f.suggestion());
            flags.add(fm);
        }
        m.put("flags", flags);
        return m;
    }

    private static Object num(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** A number in 3 significant digits, scientific when far from 1; an exact 0 (a weight that did not move) as "0". */
    static String sci(double v) {
        if (Double.isNaN(v)) return "-";
        if (v == 0) return "0";
        if ((Math.abs(v) >= 0.01 && Math.abs(v) < 1000)) return String.format(Locale.ROOT, "%.3g", v);
        return String.format(Locale.ROOT, "%.2e", v);
    }
}
