package dev.backprop.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows training progress. On a terminal: a bar redrawn in place with the epoch, percentage, ETA, running loss
 * and accuracy, and samples per second. Otherwise (a pipe, a log file, CI): one plain line per epoch.
 */
public final class Progress implements Callback {
    private final PrintStream lines;
    private final PrintStream bar;
    private final boolean terminal;
    private long epochStart, runStart, lastDraw;
    private double lossSum;
    private long seen;

    /**
     * @param lines    where the per-epoch lines go (stdout)
     * @param bar      where the in-place bar goes (stderr), used only when {@code terminal}
     * @param terminal whether to draw the bar
     */
    public Progress(PrintStream lines, PrintStream bar, boolean terminal) {
        this.lines = lines;
        this.bar = bar;
        this.terminal = terminal;
    }

    /** A display that draws the bar only when the JVM is attached to a terminal. */
    public static Progress auto(PrintStream lines) {
        var console = System.console();
        return new Progress(lines, System.err, console != null && console.isTerminal());
    }

    @Override
    public void onTrainBegin(Trainer trainer) {
        runStart = System.nanoTime();
    }

    @Override
    public void onEpochBegin(Trainer trainer, int epoch) {
        epochStart = System.nanoTime();
        lossSum = 0;
        seen = 0;
    }

    @Override
    public void onBatchEnd(Trainer trainer, int epoch, int step, int batchSize, double loss) {
        lossSum += loss * batchSize;
        seen += batchSize;
        if (!terminal) return;
        long now = System.nanoTime();
        int steps = trainer.stepsPerEpoch();
        if (now - lastDraw < 100_000_000L && step < steps) return;
        lastDraw = now;
        double elapsed = (now - epochStart) / 1e9;
        double frac = (double) step / steps;
        double eta = frac > 0 ? elapsed / frac - elapsed : 0;
        int width = 24, filled = (int) Math.round(frac * width);
        String barText = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? ">" : "") + " ".repeat(width - filled);
        bar.printf(Locale.ROOT, "\repoch %d/%d [%s] %3.0f%% ETA %s loss %.4f %,.0f samples/s   ", epoch, trainer.epochs(),
                barText, frac * 100, clock(eta), lossSum / Math.max(seen, 1), seen / Math.max(elapsed, 1e-9));
        bar.flush();
    }

    @Override
    public boolean onEpochEnd(Trainer trainer, EpochStats s) {
        if (terminal) {
            bar.print("\r" + " ".repeat(100) + "\r");
            bar.flush();
        }
        // Long runs (XOR's thousands of epochs) print about 20 lines: every k-th epoch, and the last.
        int every = Math.max(1, trainer.epochs() / 20);
        if (trainer.epochs() <= 50 || s.epoch() % every == 0 || s.epoch() == trainer.epochs() || s.epoch() == 1) {
            lines.println(line(s, trainer.epochs(), trainer.validationName()));
            lines.flush();
        }
        return false;
    }

    static String line(EpochStats s, int epochs, String val) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "epoch %" + String.valueOf(epochs).length() + "d/%d  loss %.4f", s.epoch(), epochs, s.trainLoss()));
        if (!Double.isNaN(s.trainAccuracy())) sb.append(String.format(Locale.ROOT, "  acc %.4f", s.trainAccuracy()));
        if (!Double.isNaN(s.valLoss())) sb.append(String.format(Locale.ROOT, "  %s_loss %.4f", val, s.valLoss()));
        if (!Double.isNaN(s.valAccuracy())) sb.append(String.format(Locale.ROOT, "  %s_acc %.4f", val, s.valAccuracy()));
        sb.append(String.format(Locale.ROOT, "  lr %.3g  %,.0f samples/s  %.1fs", s.lr(), s.samplesPerSecond(), s.seconds()));
        return sb.toString();
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    @Override
    public void onTrainEnd(Trainer trainer, History history) {
        if (terminal) bar.flush();
    }
}
