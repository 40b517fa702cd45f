package dev.backprop.data;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Reader for tabular data in CSV: a header row of column names, then one row per example.
 *
 * <h2>Format</h2>
 * Comma-separated, UTF-8 (a leading byte-order mark is skipped), optionally gzipped (detected from the gzip magic
 * bytes). Fields may be quoted with {@code "..."}: a quoted field may hold commas, line breaks and doubled quotes
 * ({@code ""} is one {@code "}). Unquoted fields are trimmed. Blank lines are skipped.
 *
 * <h2>Columns</h2>
 * One column is the label: the one named by the caller, else the first column called {@code label},
 * {@code target} or {@code class} (any case), else the last column. Every other column is a numeric feature; the
 * sample shape is [features].
 *
 * <h2>Task</h2>
 * <ul>
 *   <li>Classification: each distinct label value (trimmed text) is a class. Class names are sorted — numerically
 *       when every label is a number (so "2" comes before "10"), else as text — and a label's class index is its
 *       position in that list.</li>
 *   <li>Regression: the label is a number, the target shape is (N, 1).</li>
 *   <li>When the caller gives no task it is inferred: regression when every label is a number and some label is
 *       not an integer or there are more than {@value #MAX_INFERRED_CLASSES} distinct values; classification
 *       otherwise.</li>
 * </ul>
 *
 * <h2>Errors</h2>
 * One line naming the file, the line and the column: {@code iris.csv:17: column 'petal_width': 'abc' is not a
 * number}; a value beyond float32's range (|x| above 3.4028235e38, which would become infinite) is refused the same way; a
 * row with the wrong number of fields names its line and both counts.
 */
public final class Csv {
    /** Above this many distinct integer labels, an unspecified task is taken to be regression. */
    public static final int MAX_INFERRED_CLASSES = 20;

    private static final List<String> LABEL_NAMES = List.of("label", "target", "class");

    private Csv() {}

    /**
     * What was read: the examples, the feature column names (in order), the label column, and for classification
     * the class names (index = class index), null for regression.
     */
    public record Table(TensorDataset data, List<String> featureNames, String labelColumn, List<String> classNames,
                        Task task) {}

    /**
     * Reads a CSV file.
     *
     * @param labelColumn the label column's name, or null for the default (label/target/class, else the last)
     * @param task        classification or regression, or null to infer it from the labels
     */
    public static Table read(Path file, String labelColumn, Task task) {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read(), b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            return read(new InputStreamReader(in, StandardCharsets.UTF_8), name, labelColumn, task);
        } catch (NoSuchFileException e) {
            throw new DataException(file + ": no such file");
        } catch (IOException e) {
            throw new DataException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Reads CSV text; {@code source} names it in error messages. */
    public static Table parse(String text, String source, String labelColumn, Task task) {
        try {
            return read(new StringReader(text), source, labelColumn, task);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads CSV from a reader (not closed); {@code source} names it in error messages. */
    public static Table read(Reader reader, String source, String labelColumn, Task task) throws IOException {
        Records records = new Records(reader instanceof BufferedReader b ? b : new BufferedReader(reader, 1 << 16), source);
        List<String> header = records.next();
        if (header == null) throw new DataException(source + ": empty file (needs a header row and data rows)");
        int headerLine = records.line;
        int columns = header.size();
        // Features are matched by name (predict reads a CSV's columns by the names the model was trained on): two
        // columns of one name would be ambiguous there, so refuse them here, where the fix is easy.
        checkHeader(header, source, headerLine);
        int label = labelIndex(header, labelColumn, source);
        if (columns < 2) {
            throw new DataException(source + ":" + headerLine + ": the header has only the label column '" + header.get(label)
                    + "'; it needs at least one feature column");
        }
        int nf = columns - 1;
        List<String> featureNames = new ArrayList<>(nf);
        for (int c = 0; c < columns; c++) if (c != label) featureNames.add(header.get(c));

        FloatList features = new FloatList(1024);
        List<String> labels = new ArrayList<>();
        IntList lines = new IntList();
        List<String> row;
        while ((row = records.next()) != null) {
            int line = records.line;
            if (row.size() != columns) {
                throw new DataException(source + ":" + line + ": " + row.size() + " field" + (row.size() == 1 ? "" : "s")
                        + ", but the header has " + columns + " columns");
            }
            for (int c = 0; c < columns; c++) {
                if (c == label) continue;
                features.add(number(row.get(c), source, line, header.get(c)));
            }
            labels.add(row.get(label));
            lines.add(line);
        }
        int n = labels.size();
        if (n == 0) throw new DataException(source + ": no data rows after the header");

        Task t = task != null ? task : inferTask(labels);
        String labelName = header.get(label);
        float[] x = features.toArray();
        if (t == Task.REGRESSION) {
            float[] y = new float[n];
            for (int i = 0; i < n; i++) y[i] = number(labels.get(i), source, lines.get(i), labelName);
            return new Table(TensorDataset.regression(x, new int[] {nf}, y, 1), List.copyOf(featureNames), labelName, null,
                    Task.REGRESSION);
        }
        for (int i = 0; i < n; i++) {
            if (labels.get(i).isEmpty()) {
                throw new DataException(source + ":" + lines.get(i) + ": column '" + labelName + "': empty label");
            }
        }
        List<String> classes = classNames(labels);
        Map<String, Integer> index = new HashMap<>();
        for (int c = 0; c < classes.size(); c++) index.put(classes.get(c), c);
        long[] y = new long[n];
        for (int i = 0; i < n; i++) y[i] = index.get(labels.get(i));
        return new Table(TensorDataset.classification(x, new int[] {nf}, y, classes.size()), List.copyOf(featureNames),
                labelName, List.copyOf(classes), Task.CLASSIFICATION);
    }

    private static int labelIndex(List<String> header, String labelColumn, String source) {
        if (labelColumn != null) {
            int i = header.indexOf(labelColumn);
            if (i < 0) {
                for (int c = 0; c < header.size(); c++) if (header.get(c).equalsIgnoreCase(labelColumn.trim())) return c;
                throw new DataException(source + ": no column named '" + labelColumn + "'; the columns are: "
                        + String.join(", ", header));
            }
            return i;
        }
        for (String want : LABEL_NAMES) {
            for (int c = 0; c < header.size(); c++) if (header.get(c).equalsIgnoreCase(want)) return c;
        }
        return header.size() - 1;
    }

    private static Task inferTask(List<String> labels) {
        Set<String> distinct = new LinkedHashSet<>();
        for (String s : labels) {
            Double v = parse(s);
            if (v == null) return Task.CLASSIFICATION;
            if (v != Math.rint(v)) return Task.REGRESSION;
            distinct.add(s);
        }
        return distinct.size() > MAX_INFERRED_CLASSES ? Task.REGRESSION : Task.CLASSIFICATION;
    }

    private static List<String> classNames(List<String> labels) {
        List<String> names = new ArrayList<>(new LinkedHashSet<>(labels));
        boolean numeric = true;
        for (String s : names) {
            if (parse(s) == null) {
                numeric = false;
                break;
            }
        }
        Comparator<String> order = numeric
                ? Comparator.<String>comparingDouble(Double::parseDouble).thenComparing(Comparator.naturalOrder())
                : Comparator.naturalOrder();
        names.sort(order);
        return Collections.unmodifiableList(names);
    }

    /** A finite number, or null. */
    private static Double parse(String s) {
        if (s.isEmpty()) return null;
        char last = s.charAt(s.length() - 1);
        if (last == 'f' || last == 'F' || last == 'd' || last == 'D') return null; // Java literal suffixes are not CSV numbers
        try {
            double v = Double.parseDouble(s);
            return Double.isFinite(v) ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Refuses a header that names a column twice (features are matched by name, so the name must say which). */
    public static void checkHeader(List<String> header, String source, int line) {
        Set<String> seen = new HashSet<>();
        for (String h : header) {
            if (!seen.add(h)) throw new DataException(source + ":" + line + ": column '" + h + "' appears twice in the header; rename one");
        }
    }

    /**
     * A cell as a float32 feature or target: refuses an empty cell, text, NaN and infinity, and a number float32
     * cannot hold, each naming the source, line and column.
     */
    public static float number(String cell, String source, int line, String column) {
        if (cell.isEmpty()) {
            throw new DataException(source + ":" + line + ": column '" + column + "': empty cell (missing values are not "
                    + "supported; fill or drop the row)");
        }
        Double v = parse(cell);
        if (v == null) {
            throw new DataException(source + ":" + line + ": column '" + column + "': '" + cell + "' is not "
                    + (looksNonFinite(cell) ? "a finite number" : "a number"));
        }
        float f = v.floatValue();
        // Examples are float32: 1e39 would become Infinity here and surface epochs later as a NaN loss. Refuse it
        // now, by its line, like NaN.
        if (!Float.isFinite(f)) {
            throw new DataException(source + ":" + line + ": column '" + column + "': '" + cell + "' is not a finite float32 "
                    + "number (|x| must be at most 3.4028235e38)");
        }
        return f;
    }

    private static boolean looksNonFinite(String cell) {
        String s = cell.toLowerCase(Locale.ROOT);
        return s.contains("nan") || s.contains("infinity");
    }

    /** Splits one CSV line into fields (quotes honoured, unquoted fields trimmed); for tests and callers. */
    public static List<String> splitLine(String line) {
        try {
            Records r = new Records(new BufferedReader(new StringReader(line)), "line");
            List<String> f = r.next();
            return f == null ? List.of() : f;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A character-level CSV record reader that tracks the line each record starts on. */
    private static final class Records {
        private final BufferedReader in;
        private final String source;
        private int pending = -2;   // one character of look-ahead; -2 = none
        private int currentLine = 1;
        private boolean first = true;
        int line;                   // the line the last record started on

        Records(BufferedReader in, String source) {
            this.in = in;
            this.source = source;
        }

        private int read() throws IOException {
            int c;
            if (pending != -2) {
                c = pending;
                pending = -2;
            } else {
                c = in.read();
            }
            if (first) {
                first = false;
                if (c == '\uFEFF') return read();
            }
            return c;
        }

        private void unread(int c) {
            pending = c;
        }

        /** The next non-blank record, or null at the end. */
        List<String> next() throws IOException {
            while (true) {
                line = currentLine;
                List<String> fields = new ArrayList<>();
                StringBuilder field = new StringBuilder();
                boolean quoted = false;      // the current field was quoted
                boolean any = false;         // anything but whitespace on this record
                int c;
                while (true) {
                    c = read();
                    if (c == -1) break;
                    if (c == '"' && field.toString().isBlank() && !quoted) {
                        field.setLength(0);
                        quoted = true;
                        any = true;
                        readQuoted(field);
                        continue;
                    }
                    if (c == ',') {
                        fields.add(finish(field, quoted));
                        field.setLength(0);
                        quoted = false;
                        any = true;
                        continue;
                    }
                    if (c == '\r' || c == '\n') {
                        if (c == '\r') {
                            int d = read();
                            if (d != '\n' && d != -1) unread(d);
                        }
                        currentLine++;
                        break;
                    }
                    if (quoted) {
                        if (c == ' ' || c == '\t') continue;
                        throw new DataException(source + ":" + currentLine + ": column " + (fields.size() + 1)
                                + ": unexpected character '" + (char) c + "' after a closing quote");
                    }
                    if (c != ' ' && c != '\t') any = true;
                    field.append((char) c);
                }
                if (!any && fields.isEmpty()) {
                    if (c == -1) return null;
                    continue; // blank line
                }
                fields.add(finish(field, quoted));
                return fields;
            }
        }

        private void readQuoted(StringBuilder field) throws IOException {
            int start = currentLine;
            while (true) {
                int c = read();
                if (c == -1) {
                    throw new DataException(source + ":" + start + ": a quoted field is never closed (missing '\"')");
                }
                if (c == '"') {
                    int d = read();
                    if (d == '"') {
                        field.append('"');
                        continue;
                    }
                    unread(d);
                    return;
                }
                if (c == '\n') currentLine++;
                else if (c == '\r') {
                    int d = read();
                    if (d != '\n') unread(d);
                    currentLine++;
                    field.append('\n');
                    continue;
                }
                field.append((char) c);
            }
        }

        private static String finish(StringBuilder field, boolean quoted) {
            return quoted ? field.toString() : field.toString().trim();
        }
    }

    private static final class FloatList {
        private float[] a;
        private int n;

        FloatList(int capacity) {
            a = new float[capacity];
        }

        void add(float v) {
            if (n == a.length) a = Arrays.copyOf(a, Math.max(16, a.length * 2));
            a[n++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    private static final class IntList {
        private int[] a = new int[256];
        private int n;

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, a.length * 2);
            a[n++] = v;
        }

        int get(int i) {
            return a[i];
        }
    }
}
