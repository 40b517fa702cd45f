package dev.backprop.cli;

import dev.backprop.GradMode;
import dev.backprop.Shape;
import dev.backprop.Tensor;
import dev.backprop.data.Csv;
import dev.backprop.io.Json;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.backprop.cli.Options.Opt;

/** {@code backprop predict MODEL INPUT}: classes and probabilities for CSV rows or an image. */
final class PredictCommand implements Main.Command {
    static final List<Opt> OPTIONS = List.of(
            Opt.value("top", "K", "how many classes to list per input", "3"),
            Opt.flag("json", "print one JSON object with the predictions as the last line"),
            Opt.flag("verbose", "stack traces on errors"),
            Opt.flag("help", "show this help"));

    @Override
    public String name() {
        return "predict";
    }

    @Override
    public String summary() {
        return "predict with a saved model: CSV rows or an image -> class and probabilities";
    }

    @Override
    public int run(String[] args, PrintStream out) {
        Options o = Options.parse("predict", OPTIONS, args);
        if (o.has("help")) {
            out.print(Options.help("backprop predict MODEL INPUT [options]", "Runs a saved model on INPUT: a .csv file "
                    + "(one example per row, the features in training order; a label column is ignored) or an image (png, "
                    + "jpg, gif, bmp: turned to grey, scaled to the model's input size and, if it is dark on light, inverted "
                    + "to light on dark like MNIST and the digits).", OPTIONS));
            return 0;
        }
        if (o.positional().size() != 2) throw new UserError("predict: give MODEL and INPUT; see backprop predict --help");
        Loaded m = Loaded.from("predict", o.positional().get(0));
        Path input = Path.of(o.positional().get(1));
        if (Files.isDirectory(input)) throw new UserError("predict: " + input + " is a directory; give a CSV or image file");
        if (!Files.isRegularFile(input)) throw new UserError("predict: " + input + ": no such file");
        int top = o.intValue("top", 3);
        if (top < 1) throw new UserError("predict: --top must be at least 1, got " + top);
        int[] shape = m.spec().inputShape();
        int features = Math.toIntExact(Shape.numel(shape));
        String lower = input.toString().toLowerCase(Locale.ROOT);
        List<float[]> rows;
        List<String> labels = new ArrayList<>();
        if (lower.endsWith(".csv") || lower.endsWith(".txt")) {
            rows = csvRows(input, features, labels, m.features(), m.labelColumn());
        } else {
            rows = List.of(image(input, shape));
            labels.add(input.getFileName().toString());
        }
        float[] flat = new float[rows.size() * features];
        for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i), 0, flat, i * features, features);
        int[] batched = new int[shape.length + 1];
        batched[0] = rows.size();
        System.arraycopy(shape, 0, batched, 1, shape.length);
        Tensor x = Tensor.of(flat, batched);
        if (m.normalization() != null) x = m.normalization().apply(x);
        List<Object> results = new ArrayList<>();
        PrintStream info = o.has("json") ? System.err : out;
        try (var scope = GradMode.noGrad()) {
            Tensor output = m.model().forward(x);
            if (output.isFinite().not().countNonzero() > 0) {
                throw new IllegalStateException("predict: the model produced NaN or infinite outputs for " + input.getFileName()
                        + "; its weights may be damaged (retrain it)");
            }
            Tensor probs = m.objective().probabilities(output);
            Tensor pred = m.objective().predict(output);
            for (int i = 0; i < rows.size(); i++) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("input", labels.get(i));
                if (pred == null) {
                    double[] v = probs.select(0, i).toDoubleArray();
                    r.put("prediction", v.length == 1 ? (Object) v[0] : toList(v));
                    info.printf(Locale.ROOT, "%s: %s%n", labels.get(i), v.length == 1 ? String.format(Locale.ROOT, "%.6g", v[0]) : Arrays.toString(v));
                } else {
                    int k = (int) pred.toLongArray()[i];
                    double[] p = probs.select(0, i).toDoubleArray();
                    Integer[] order = new Integer[p.length];
                    for (int j = 0; j < p.length; j++) order[j] = j;
                    Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
                    r.put("class", name(m, k));
                    r.put("index", k);
                    Map<String, Object> pm = new LinkedHashMap<>();
                    for (int j = 0; j < p.length; j++) pm.put(name(m, j), p[j]);
                    r.put("probabilities", pm);
                    StringBuilder sb = new StringBuilder();
                    for (int j = 0; j < Math.min(Math.max(top, 1), p.length); j++) {
                        sb.append(String.format(Locale.ROOT, "%s%s %.4f", j == 0 ? "" : ", ", name(m, order[j]), p[order[j]]));
                    }
                    info.printf(Locale.ROOT, "%s: %s   (%s)%n", labels.get(i), name(m, k), sb);
                }
                results.add(r);
            }
        }
        if (o.has("json")) out.println(Json.write(Map.of("predictions", results)));
        return 0;
    }

    private static List<Object> toList(double[] v) {
        List<Object> l = new ArrayList<>();
        for (double d : v) l.add(d);
        return l;
    }

    private static String name(Loaded m, int k) {
        return m.classes() != null && k < m.classes().size() ? m.classes().get(k) : String.valueOf(k);
    }

    /**
     * Feature rows of a CSV file. With a header whose names include the model's training features, those columns
     * are taken by name (others, such as the label, are ignored); without one, a row holds the features in training
     * order, optionally followed by the label. Every value must be a finite number.
     */
    static List<float[]> csvRows(Path file, int features, List<String> labels, List<String> names, String labelColumn) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError("predict: cannot read " + file + ": " + e.getMessage());
        }
        String f = file.getFileName().toString();
        List<float[]> rows = new ArrayList<>();
        int[] pick = null;
        List<String> headerCells = null;
        int first = firstContent(lines);
        for (int ln = first; ln < lines.size(); ln++) {
            String line = lines.get(ln).trim();
            if (line.isEmpty()) continue;
            List<String> cells = Csv.splitLine(line);
            if (ln == first && !numeric(cells.getFirst())) {
                headerCells = cells.stream().map(String::trim).toList();
                pick = header(headerCells, features, names, labelColumn, f, ln + 1);
                continue;
            }
            if (pick == null) {
                if (cells.size() != features && cells.size() != features + 1) {
                    throw new UserError("predict: " + f + ":" + (ln + 1) + ": " + cells.size() + " values, but the model takes "
                            + features + " features (and optionally the label last)");
                }
                pick = new int[features];
                for (int k = 0; k < features; k++) pick[k] = k;
            }
            float[] row = new float[features];
            for (int k = 0; k < features; k++) {
                int j = pick[k];
                if (j >= cells.size()) {
                    throw new UserError("predict: " + f + ":" + (ln + 1) + ": " + cells.size() + " values, expected at least " + (j + 1));
                }
                String column = headerCells != null ? headerCells.get(j) : String.valueOf(j + 1);
                float v = Csv.number(cells.get(j).trim(), f, ln + 1, column);   // train's reader's rules and words
                row[k] = v;
            }
            rows.add(row);
            labels.add("row " + (ln + 1));
        }
        if (rows.isEmpty()) throw new UserError("predict: " + file + " holds no rows");
        return rows;
    }

    /** The column of each training feature in a header row; the label column (and any other) is skipped. */
    private static int[] header(List<String> h, int features, List<String> names, String labelColumn, String f, int line) {
        Csv.checkHeader(h, f, line);
        if (names != null && names.size() == features) {
            int[] pick = new int[features];
            for (int k = 0; k < features; k++) {
                pick[k] = h.indexOf(names.get(k));
                if (pick[k] < 0) {
                    throw new UserError("predict: " + f + " has no column '" + names.get(k) + "', a feature the model was trained on; "
                            + "its columns are: " + String.join(", ", h));
                }
            }
            return pick;
        }
        List<Integer> keep = new ArrayList<>();
        for (int j = 0; j < h.size(); j++) {
            String c = h.get(j).toLowerCase(Locale.ROOT);
            boolean label = labelColumn != null ? h.get(j).equals(labelColumn) : c.equals("label") || c.equals("target") || c.equals("class");
            if (!label) keep.add(j);
        }
        if (keep.size() == features + 1 && keep.size() == h.size()) keep.removeLast();
        if (keep.size() != features) {
            throw new UserError("predict: " + f + " has " + h.size() + " columns, but the model takes " + features + " features");
        }
        return keep.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int firstContent(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) if (!lines.get(i).isBlank()) return i;
        return 0;
    }

    private static boolean numeric(String s) {
        try {
            Double.parseDouble(s.trim());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** An image as one input: grey, resized to the model's H×W, in [0, 1], light-on-dark. */
    static float[] image(Path file, int[] shape) {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new UserError("predict: cannot read image " + file + ": " + e.getMessage());
        }
        if (img == null) throw new UserError("predict: " + file + " is not an image or CSV file this tool can read (png, jpg, gif, bmp, csv)");
        int h, w;
        if (shape.length >= 2) {
            h = shape[shape.length - 2];
            w = shape[shape.length - 1];
        } else {
            int side = (int) Math.round(Math.sqrt(shape[0]));
            if (side * side != shape[0]) throw new UserError("predict: the model takes " + shape[0] + " features, not an image");
            h = w = side;
        }
        // Transparent pixels count as white paper, and the scaling averages whole areas: a bilinear scale-down
        // samples a few source pixels per output pixel and can miss thin strokes entirely.
        BufferedImage flat = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g0 = flat.createGraphics();
        g0.setColor(java.awt.Color.WHITE);
        g0.fillRect(0, 0, img.getWidth(), img.getHeight());
        g0.drawImage(img, 0, 0, null);
        g0.dispose();
        java.awt.Image scaled = flat.getScaledInstance(w, h, java.awt.Image.SCALE_AREA_AVERAGING);
        BufferedImage grey = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = grey.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(scaled, 0, 0, null);
        g.dispose();
        float[] v = new float[w * h];
        double mean = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                v[y * w + x] = (grey.getRaster().getSample(x, y, 0) & 0xFF) / 255f;
                mean += v[y * w + x];
            }
        }
        if (mean / v.length > 0.5) for (int i = 0; i < v.length; i++) v[i] = 1 - v[i];
        float max = 0, min = 1;
        for (float x : v) {
            max = Math.max(max, x);
            min = Math.min(min, x);
        }
        if (max - min < 0.1f) {
            System.err.println("backprop: warning: " + file.getFileName() + " looks blank at " + w + "x" + h
                    + " pixels; the prediction means little");
        }
        return v;
    }
}
