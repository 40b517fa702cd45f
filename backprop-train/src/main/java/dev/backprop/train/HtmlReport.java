package dev.backprop.train;

import dev.backprop.Shape;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * One self-contained HTML file describing a training run: loss and accuracy curves per epoch (train and
 * validation, inline SVG), the confusion matrix on the test set, the model summary and the run's settings; with a
 * {@link GradientMonitor}, the gradient flow per layer per epoch and its diagnosis.
 */
public final class HtmlReport {
    private HtmlReport() {}

    /**
     * What goes into the report. {@code misclassified}: pictures of misclassified test examples, shown as a grid
     * (empty when the examples are not images). {@code monitor}: the run's gradient-flow monitor, or null.
     */
    public record Content(String title, History history, String curveName, Evaluation test, List<String> classNames,
                          ModelSummary summary, Map<String, String> settings, List<Picture> misclassified,
                          GradientMonitor monitor) {
        public Content {
            misclassified = misclassified == null ? List.of() : List.copyOf(misclassified);
        }

        /** A report without a gradient-flow monitor. */
        public Content(String title, History history, String curveName, Evaluation test, List<String> classNames,
                       ModelSummary summary, Map<String, String> settings, List<Picture> misclassified) {
            this(title, history, curveName, test, classNames, summary, settings, misclassified, null);
        }

        /** A report without pictures. */
        public Content(String title, History history, String curveName, Evaluation test, List<String> classNames,
                       ModelSummary summary, Map<String, String> settings) {
            this(title, history, curveName, test, classNames, summary, settings, List.of(), null);
        }
    }

    /**
     * An image for the report: {@code pixels} channel-major (C×H×W, C = 1 grey or 3 RGB), values in [0, 1] (clamped
     * when drawn), and a caption.
     */
    public record Picture(float[] pixels, int channels, int height, int width, String caption) {
        public Picture {
            if ((channels != 1 && channels != 3) || height < 1 || width < 1 || pixels.length != channels * height * width) {
                throw new IllegalArgumentException("Picture: " + pixels.length + " values do not make a " + channels + "×"
                        + height + "×" + width + " image with 1 or 3 channels");
            }
        }
    }

    /** Writes the report atomically (temporary file, then move). */
    public static void write(Path file, Content c) {
        String html = render(c);
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = dir.resolve("." + file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
            tmp.toFile().deleteOnExit();
            try {
                // A plain new file (mode 0644 under the usual umask), not createTempFile's owner-only 0600.
                Files.writeString(tmp, html, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report " + file + ": " + e.getMessage(), e);
        }
    }

    /** The HTML text. */
    public static String render(Content c) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(c.title()))
                .append("</title>\n<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}"
                        + "h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}table{border-collapse:collapse}"
                        + "td,th{padding:3px 8px;border:1px solid #ddd;text-align:right}th{background:#f4f4f4}"
                        + "td.l,th.l{text-align:left}.charts{display:flex;gap:2em;flex-wrap:wrap}"
                        + ".cm td{min-width:2.4em}.legend span{margin-right:1.2em}</style></head><body>\n");
        sb.append("<h1>").append(esc(c.title())).append("</h1>\n");
        Evaluation t = c.test();
        if (t != null) {
            sb.append("<p>Test set: ").append(t.examples()).append(" examples, loss ").append(fmt(t.loss()));
            if (!Double.isNaN(t.accuracy())) sb.append(", accuracy <b>").append(fmt(t.accuracy())).append("</b>");
            String reason = c.history().stopReason();
            sb.append(". ").append(esc(reason.isEmpty() ? reason : Character.toUpperCase(reason.charAt(0)) + reason.substring(1)));
            if (c.history().restoredEpoch() > 0) sb.append("; weights restored from epoch ").append(c.history().restoredEpoch());
            sb.append(".</p>\n");
        }
        List<EpochStats> ep = c.history().epochs();
        sb.append("<h2>Training curves</h2><div class=\"charts\">\n");
        boolean accuracy = ep.stream().anyMatch(e -> !Double.isNaN(e.trainAccuracy()));
        boolean curve = ep.stream().anyMatch(e -> !Double.isNaN(e.valLoss()));
        sb.append(chart("Loss", ep, EpochStats::trainLoss, EpochStats::valLoss, 0, Double.POSITIVE_INFINITY));
        if (accuracy) sb.append(chart("Accuracy", ep, EpochStats::trainAccuracy, EpochStats::valAccuracy, 0, 1));
        sb.append("</div>\n<p class=\"legend\"><span style=\"color:#1f77b4\">&#9644; train</span>");
        if (curve) {
            sb.append("<span style=\"color:#ff7f0e\">&#9644; ").append(c.curveName().equals("test") ? "test (held out, evaluated after "
                    + "each epoch; nothing was decided on it)" : "validation (held out from the training data)").append("</span>");
        }
        sb.append("</p>\n");
        int every = Math.max(1, ep.size() / 50);
        sb.append("<h2>Epochs</h2>");
        if (every > 1) sb.append("<p>Every ").append(every).append("th epoch, and the last.</p>");
        sb.append("<table><tr><th>epoch</th><th>train loss</th>").append(accuracy ? "<th>train acc</th>" : "");
        if (curve) sb.append("<th>").append(c.curveName()).append(" loss</th>").append(accuracy ? "<th>" + c.curveName() + " acc</th>" : "");
        sb.append("<th>lr</th><th>grad norm</th><th>samples/s</th><th>seconds</th></tr>\n");
        for (EpochStats e : ep) {
            if (e.epoch() % every != 0 && e.epoch() != ep.size() && e.epoch() != 1) continue;
            sb.append("<tr><td>").append(e.epoch()).append("</td><td>").append(fmt(e.trainLoss())).append("</td>");
            if (accuracy) sb.append("<td>").append(fmt(e.trainAccuracy())).append("</td>");
            if (curve) {
                sb.append("<td>").append(fmt(e.valLoss())).append("</td>");
                if (accuracy) sb.append("<td>").append(fmt(e.valAccuracy())).append("</td>");
            }
            sb.append("<td>").append(String.format(Locale.ROOT, "%.3g", e.lr()))
                    .append("</td><td>").append(fmt(e.gradNorm())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%,.0f", e.samplesPerSecond())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.2f", e.seconds())).append("</td></tr>\n");
        }
        sb.append("</table>\n");
        if (c.monitor() != null && !c.monitor().epochs().isEmpty()) sb.append(gradientFlow(c.monitor()));
        if (t != null && t.confusion() != null) sb.append(confusion(t.confusion(), c.classNames()));
        if (!c.misclassified().isEmpty()) sb.append(gallery(c.misclassified()));
        if (c.summary() != null) {
            ModelSummary s = c.summary();
            sb.append("<h2>Model</h2><table><tr><th class=\"l\">layer</th><th class=\"l\">type</th><th>output shape</th>"
                    + "<th>parameters</th></tr>\n<tr><td class=\"l\">input</td><td></td><td>").append(Shape.str(s.inputShape()))
                    .append("</td><td></td></tr>\n");
            for (ModelSummary.Row r : s.rows()) {
                sb.append("<tr><td class=\"l\">").append(esc(r.name())).append("</td><td class=\"l\">").append(esc(r.layer()))
                        .append("</td><td>").append(Shape.str(r.outputShape())).append("</td><td>")
                        .append(String.format(Locale.ROOT, "%,d", r.parameters())).append("</td></tr>\n");
            }
            sb.append("<tr><th class=\"l\" colspan=\"3\">total</th><th>").append(String.format(Locale.ROOT, "%,d", s.parameters()))
                    .append("</th></tr></table>\n");
        }
        sb.append("<h2>Settings</h2><table>\n");
        for (var e : c.settings().entrySet()) {
            sb.append("<tr><th class=\"l\">").append(esc(e.getKey())).append("</th><td class=\"l\">").append(esc(e.getValue()))
                    .append("</td></tr>\n");
        }
        sb.append("</table>\n<p style=\"color:#888;margin-top:2em\">Written by backprop.</p></body></html>\n");
        return sb.toString();
    }

    /**
     * The gradient-flow section: grad norm and update ratio per layer per epoch (log scales, one line per layer,
     * from blue at the input to red at the output), the flags, and the last epoch's table.
     */
    private static String gradientFlow(GradientMonitor m) {
        List<GradientMonitor.EpochReport> eps = m.epochs();
        List<GradientMonitor.LayerStats> layers = eps.getLast().layers();
        int n = eps.size(), k = layers.size();
        List<double[]> norms = new ArrayList<>(), ratios = new ArrayList<>();
        List<String> colors = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            double[] a = new double[n], b = new double[n];
            for (int e = 0; e < n; e++) {
                List<GradientMonitor.LayerStats> row = eps.get(e).layers();
                a[e] = j < row.size() ? row.get(j).gradNorm() : Double.NaN;
                b[e] = j < row.size() ? row.get(j).updateRatio() : Double.NaN;
            }
            norms.add(a);
            ratios.add(b);
            double f = k == 1 ? 0 : (double) j / (k - 1);
            colors.add(String.format(Locale.ROOT, "rgb(%d,%d,%d)", (int) (31 + f * (214 - 31)), (int) (119 - f * 80), (int) (180 - f * 140)));
        }
        StringBuilder sb = new StringBuilder("<h2>Gradient flow</h2><div class=\"charts\">\n");
        sb.append(chart("Gradient norm per layer (log scale)", n, norms, colors, true, 0, Double.POSITIVE_INFINITY));
        sb.append(chart("Update / weight per layer (log scale)", n, ratios, colors, true, 0, Double.POSITIVE_INFINITY));
        sb.append("</div>\n<p class=\"legend\"><span style=\"color:").append(colors.getFirst()).append("\">&#9644; first layer (")
                .append(esc(layers.getFirst().layer())).append(")</span><span style=\"color:").append(colors.getLast())
                .append("\">&#9644; last layer (").append(esc(layers.getLast().layer())).append(")</span> and the layers between "
                        + "in shades; update ratios measured every ").append(m.every()).append(" steps");
        boolean still = ratios.stream().anyMatch(r -> java.util.Arrays.stream(r).anyMatch(v -> v == 0));
        if (still) sb.append("; a layer whose weights did not change at all (update 0) has no point on the log scale");
        sb.append(".</p>\n");
        List<GradientMonitor.Flag> flags = m.diagnose();
        if (flags.isEmpty()) {
            sb.append("<p>No problem found: no vanishing or exploding gradients, dead ReLUs or saturated units.</p>\n");
        } else {
            sb.append("<ul class=\"flags\">\n");
            for (GradientMonitor.Flag f : flags) {
                sb.append("<li><b>").append(esc(f.kind())).append("</b>: ").append(esc(withoutKind(f))).append(". <i>")
                        .append(esc(f.suggestion())).append("</i></li>\n");
            }
            sb.append("</ul>\n");
        }
        sb.append("<table><tr><th class=\"l\">layer (epoch ").append(eps.getLast().epoch()).append(")</th><th class=\"l\">type</th>"
                + "<th>grad norm</th><th>update / weight</th><th class=\"l\">activation after it</th></tr>\n");
        for (GradientMonitor.LayerStats s : layers) {
            String act = s.activationSummary();
            sb.append("<tr><td class=\"l\">").append(esc(s.layer())).append("</td><td class=\"l\">").append(esc(s.type()))
                    .append("</td><td>").append(GradientMonitor.sci(s.gradNorm())).append("</td><td>")
                    .append(GradientMonitor.sci(s.updateRatio())).append("</td><td class=\"l\">").append(esc(act)).append("</td></tr>\n");
        }
        return sb.append("</table>\n").toString();
    }

    /** A line chart of two series per epoch; the axis stays within [floor, ceiling] (a loss is ≥ 0, an accuracy ≤ 1). */
    private static String chart(String title, List<EpochStats> ep, ToDoubleFunction<EpochStats> train,
                                ToDoubleFunction<EpochStats> val, double floor, double ceiling) {
        List<double[]> series = new ArrayList<>();
        series.add(ep.stream().mapToDouble(train).toArray());
        series.add(ep.stream().mapToDouble(val).toArray());
        return chart(title, ep.size(), series, List.of("#1f77b4", "#ff7f0e"), false, floor, ceiling);
    }

    /**
     * A line chart of series over n epochs, one colour each; on a log scale (base 10) values ≤ 0 are left out and
     * the axis is labelled in powers of ten.
     */
    private static String chart(String title, int n, List<double[]> rawSeries, List<String> colors, boolean log,
                                double floor, double ceiling) {
        int w = 480, h = 280, left = 56, right = 16, top = 28, bottom = 40;
        List<double[]> series = new ArrayList<>();
        for (double[] s : rawSeries) {
            double[] v = s.clone();
            if (log) for (int i = 0; i < v.length; i++) v[i] = v[i] > 0 ? Math.log10(v[i]) : Double.NaN;
            series.add(v);
        }
        if (log) {
            floor = Double.NEGATIVE_INFINITY;
            ceiling = Double.POSITIVE_INFINITY;
        }
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[] s : series) {
            for (double v : s) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (!Double.isFinite(lo)) {
            lo = 0;
            hi = 1;
        }
        if (hi - lo < 1e-12) {
            hi += 0.5;
            lo -= 0.5;
        }
        double pad = (hi - lo) * 0.05;
        lo = Math.max(floor, lo - pad);
        hi = Math.min(ceiling, hi + pad);
        if (log) {
            // Whole powers of ten at the ends, so that every gridline is one.
            lo = Math.floor(lo);
            hi = Math.max(Math.ceil(hi), lo + 1);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "role=\"img\" aria-label=\"%s\"><text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>", w, h, title, left, title));
        double plotW = w - left - right, plotH = h - top - bottom;
        // Five gridlines; on a log scale one every `step` powers of ten (at most seven).
        double step = log ? Math.ceil((hi - lo) / 6) : (hi - lo) / 4;
        for (double v = lo; v <= hi + 1e-9 * step; v += step) {
            double y = top + plotH - plotH * (v - lo) / (hi - lo);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>", left, w - right, y, y, left - 6, y + 4,
                    log ? String.format(Locale.ROOT, "1e%d", Math.round(v)) : String.format(Locale.ROOT, "%.3g", v)));
        }
        for (int k = 0; k < n; k++) {
            if (n > 12 && k % Math.max(1, n / 10) != 0 && k != n - 1) continue;
            double x = left + (n == 1 ? plotW / 2 : plotW * k / (n - 1));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%d</text>", x,
                    h - bottom + 16, k + 1));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">epoch</text>",
                left + plotW / 2, h - 6));
        for (int s = 0; s < series.size(); s++) {
            StringBuilder pts = new StringBuilder();
            double[] v = series.get(s);
            for (int k = 0; k < n; k++) {
                if (!Double.isFinite(v[k])) continue;
                double x = left + (n == 1 ? plotW / 2 : plotW * k / (n - 1));
                double y = top + plotH - plotH * (v[k] - lo) / (hi - lo);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                if (n <= 60) sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>", x, y, colors.get(s)));
            }
            if (!pts.isEmpty()) {
                sb.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(colors.get(s)).append("\" points=\"")
                        .append(pts.toString().trim()).append("\"/>");
            }
        }
        return sb.append("</svg>\n").toString();
    }

    private static String confusion(long[][] m, List<String> names) {
        int c = m.length;
        long max = 1;
        for (long[] row : m) for (long v : row) max = Math.max(max, v);
        StringBuilder sb = new StringBuilder("<h2>Confusion matrix (test set; rows: true class, columns: predicted)</h2>"
                + "<table class=\"cm\"><tr><th></th>");
        for (int j = 0; j < c; j++) sb.append("<th>").append(esc(name(names, j))).append("</th>");
        sb.append("<th>recall</th></tr>\n");
        for (int i = 0; i < c; i++) {
            long total = 0;
            for (long v : m[i]) total += v;
            sb.append("<tr><th class=\"l\">").append(esc(name(names, i))).append("</th>");
            for (int j = 0; j < c; j++) {
                double a = (double) m[i][j] / max;
                String bg = i == j ? String.format(Locale.ROOT, "rgba(44,160,44,%.2f)", 0.1 + 0.8 * a)
                        : m[i][j] == 0 ? "#fff" : String.format(Locale.ROOT, "rgba(214,39,40,%.2f)", 0.1 + 0.8 * a);
                sb.append("<td style=\"background:").append(bg).append("\">").append(m[i][j]).append("</td>");
            }
            sb.append("<td>").append(total == 0 ? "–" : fmt((double) m[i][i] / total)).append("</td></tr>\n");
        }
        return sb.append("</table>\n").toString();
    }

    /** The misclassified examples as a grid of images (PNG data URIs, scaled up without smoothing). */
    private static String gallery(List<Picture> pictures) {
        StringBuilder sb = new StringBuilder("<h2>Misclassified test examples</h2><p>The first ").append(pictures.size())
                .append(" in test-set order: true class → predicted (its probability).</p>\n<div style=\"display:flex;flex-wrap:wrap;gap:10px\">\n");
        for (Picture p : pictures) {
            int scale = Math.max(1, 84 / Math.max(p.height(), p.width()));
            sb.append("<figure style=\"margin:0;width:").append(Math.max(p.width() * scale, 90)).append("px;font-size:11px\"><img alt=\"")
                    .append(esc(p.caption())).append("\" width=\"").append(p.width() * scale).append("\" height=\"")
                    .append(p.height() * scale).append("\" style=\"image-rendering:pixelated;border:1px solid #ccc\" src=\"data:image/png;base64,")
                    .append(java.util.Base64.getEncoder().encodeToString(Png.encode(p))).append("\"><figcaption>")
                    .append(esc(p.caption())).append("</figcaption></figure>\n");
        }
        return sb.append("</div>\n").toString();
    }

    private static String name(List<String> names, int i) {
        return names != null && i < names.size() ? names.get(i) : Integer.toString(i);
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** A flag's message without its leading "vanishing gradients: ", which the bold kind before it already says. */
    static String withoutKind(GradientMonitor.Flag f) {
        String lead = f.kind() + " gradients: ";
        return f.message().startsWith(lead) ? f.message().substring(lead.length()) : f.message();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
