package dev.backprop.cli;

import dev.backprop.Generator;
import dev.backprop.GradMode;
import dev.backprop.Tensor;
import dev.backprop.io.ModelSpec;
import dev.backprop.nn.Functional;
import dev.backprop.nn.Sequential;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code passes} section of {@code backprop bench}: how long the backward pass takes beside the forward pass of
 * the same batch, for an MLP and two CNNs (the presets {@code backprop train} builds), on random inputs of
 * Fashion-MNIST's shape so that no data set is needed.
 *
 * <p>Each step is timed in three parts: the forward pass without recording a graph (inference), the forward pass
 * and cross-entropy loss as training runs them (recording the graph), and {@code loss.backward()}. The ratio is
 * backward ÷ recorded forward of each step, the median over the timed steps of one run. The textbook figure is about 2: each layer
 * y = x·Wᵀ costs one product forward and two backward (∂L/∂W = gᵀ·x and ∂L/∂x = g·W), but the first layer's input
 * needs no gradient, so it has one product backward as well.
 */
final class PassTiming {
    private PassTiming() {
    }

    /** A model of the section: a {@code --model} preset on inputs of one example's shape, with 10 classes. */
    record Case(String name, String preset, int[] inputShape) {
    }

    static final List<Case> CASES = List.of(
            new Case("MLP 784-256-128-10", "mlp:256,128", new int[] {784}),
            new Case("CNN lenet", "lenet", new int[] {1, 28, 28}),
            new Case("CNN cnn-bn", "cnn-bn", new int[] {1, 28, 28}));

    static final int CLASSES = 10;

    /**
     * Times each case and prints a table.
     *
     * @param steps          the least number of timed steps per model
     * @param warmupSeconds  warm-up before timing (at least 3 steps); above 0, the timed steps last a second at least
     */
    static Map<String, Object> run(int batch, int steps, double warmupSeconds, int threads, PrintStream out, PrintStream progress) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("batch", batch);
        r.put("steps", steps);
        r.put("threads", threads);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Case c : CASES) {
            progress.printf(Locale.ROOT, "bench: passes %s: warm-up, then %d steps%n", c.name(), steps);
            rows.add(time(c, batch, steps, warmupSeconds));
        }
        r.put("models", rows);
        out.println();
        out.printf(Locale.ROOT, "Forward and backward pass: batch %d of random inputs, cross-entropy, %s; "
                + "medians of at least %d steps after warm-up (the ratio: of each step's two passes)%n", batch, BenchCommand.threads(threads), steps);
        out.printf(Locale.ROOT, "  %-20s %14s %14s %14s %18s%n", "model", "forward no-grad", "forward", "backward", "backward/forward");
        for (Map<String, Object> m : rows) {
            out.printf(Locale.ROOT, "  %-20s %12.2f ms %11.2f ms %11.2f ms %17.2f×%n", m.get("model"), m.get("forward_nograd_ms"),
                    m.get("forward_ms"), m.get("backward_ms"), m.get("ratio"));
        }
        return r;
    }

    static Map<String, Object> time(Case c, int batch, int steps, double warmupSeconds) {
        Generator gen = new Generator(1);
        Sequential model = ModelSpec.preset(c.preset(), c.inputShape(), CLASSES, "relu", Double.NaN).build(gen.split());
        model.train();
        int[] shape = new int[c.inputShape().length + 1];
        shape[0] = batch;
        System.arraycopy(c.inputShape(), 0, shape, 1, c.inputShape().length);
        Tensor x = Tensor.randn(gen, shape);
        long[] labels = new long[batch];
        for (int i = 0; i < batch; i++) labels[i] = gen.nextInt(CLASSES);
        Tensor y = Tensor.of(labels, batch);

        // Warm up for the given time, then until a slice of steps leaves the JIT quiet (under 10 ms of compilation),
        // at most 10 s more: a step timed while its methods still compile can take several times as long.
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        boolean canWatch = warmupSeconds > 0 && jit != null && jit.isCompilationTimeMonitoringSupported();
        long until = System.nanoTime() + (long) (warmupSeconds * 1e9);
        long latest = until + 10_000_000_000L;
        long compiled = canWatch ? jit.getTotalCompilationTime() : 0;
        boolean quiet = !canWatch;
        int warm = 0;
        do {
            long slice = System.nanoTime() + 300_000_000L;
            do {
                step(model, x, y);
            } while (++warm < 3 || System.nanoTime() < Math.min(slice, until));
            if (canWatch) {
                long now = jit.getTotalCompilationTime();
                quiet = now - compiled < 10;
                compiled = now;
            }
        } while (System.nanoTime() < until || (!quiet && System.nanoTime() < latest));

        // At least `steps` steps and, beyond a quick run, at least a second of them, so that the MLP's millisecond
        // steps are not judged on a few samples.
        List<double[]> times = new ArrayList<>();
        long minEnd = System.nanoTime() + (warmupSeconds > 0 ? 1_000_000_000L : 0);
        while (times.size() < steps || System.nanoTime() < minEnd) times.add(step(model, x, y));
        int n = times.size();
        double[] noGrad = new double[n], fwd = new double[n], bwd = new double[n], ratios = new double[n];
        for (int s = 0; s < n; s++) {
            noGrad[s] = times.get(s)[0];
            fwd[s] = times.get(s)[1];
            bwd[s] = times.get(s)[2];
            ratios[s] = bwd[s] / fwd[s];
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", c.name());
        m.put("preset", c.preset());
        m.put("parameters", model.parameterCount());
        m.put("steps", n);
        m.put("forward_nograd_ms", BenchCommand.median(noGrad));
        m.put("forward_ms", BenchCommand.median(fwd));
        m.put("backward_ms", BenchCommand.median(bwd));
        // The ratio of each step's two passes, then the median: the two passes of one step see about the same load
        // from other work, so this moves less than the ratio of the two medians on a busy machine.
        m.put("ratio", BenchCommand.median(ratios));
        m.put("all_forward_ms", fwd);
        m.put("all_backward_ms", bwd);
        m.put("all_ratios", ratios);
        return m;
    }

    /** One step: milliseconds of the forward pass without a graph, the forward pass with loss, and the backward pass. */
    private static double[] step(Sequential model, Tensor x, Tensor y) {
        model.zeroGrad();
        long t0 = System.nanoTime();
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            model.forward(x);
        }
        long t1 = System.nanoTime();
        Tensor loss = Functional.crossEntropy(model.forward(x), y);
        long t2 = System.nanoTime();
        loss.backward();
        long t3 = System.nanoTime();
        if (!Double.isFinite(loss.item())) throw new IllegalStateException("bench: passes: the loss is " + loss.item());
        return new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6};
    }
}
