package dev.backprop.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small JSON reader and writer, so the core needs no dependency for model descriptions and test fixtures.
 *
 * <p>Values map to {@code Map<String, Object>} (insertion-ordered), {@code List<Object>}, {@code String},
 * {@code Double} (every number), {@code Boolean} and {@code null}. The reader also accepts the tokens
 * {@code NaN}, {@code Infinity} and {@code -Infinity} that Python's {@code json} module writes.
 */
public final class Json {
    /** Deeper nesting is refused: each level is a recursive call, and a hostile or broken file could overflow the stack. */
    public static final int MAX_DEPTH = 512;

    private final String s;
    private int pos;
    private int depth;

    private Json(String s) {
        this.s = s;
    }

    /** Parses one JSON value; errors give the character offset. */
    public static Object parse(String text) {
        Json p = new Json(text);
        p.ws();
        Object v = p.value();
        p.ws();
        if (p.pos != text.length()) throw p.error("unexpected trailing characters");
        return v;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("JSON: " + what + " at offset " + pos);
    }

    private void ws() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
    }

    private Object value() {
        if (pos >= s.length()) throw error("unexpected end of input");
        char c = s.charAt(pos);
        switch (c) {
            case '{', '[': {
                // Open containers are counted: a file nested thousands deep is refused, not a stack overflow.
                if (++depth > MAX_DEPTH) {
                    throw new IllegalArgumentException("JSON nested more than " + MAX_DEPTH + " levels deep (at offset "
                            + pos + ")");
                }
                Object v = c == '{' ? object() : array();
                depth--;
                return v;
            }
            case '"': return string();
            case 't': return literal("true", Boolean.TRUE);
            case 'f': return literal("false", Boolean.FALSE);
            case 'n': return literal("null", null);
            case 'N': return literal("NaN", Double.NaN);
            case 'I': return literal("Infinity", Double.POSITIVE_INFINITY);
            default:
                if (c == '-' && s.startsWith("-Infinity", pos)) return literal("-Infinity", Double.NEGATIVE_INFINITY);
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                throw error("unexpected character '" + c + "'");
        }
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, pos)) throw error("expected " + word);
        pos += word.length();
        return v;
    }

    private Map<String, Object> object() {
        Map<String, Object> m = new LinkedHashMap<>();
        pos++;
        ws();
        if (peek() == '}') {
            pos++;
            return m;
        }
        while (true) {
            ws();
            if (peek() != '"') throw error("expected a string key");
            String k = string();
            ws();
            if (peek() != ':') throw error("expected ':'");
            pos++;
            ws();
            m.put(k, value());
            ws();
            char c = peek();
            pos++;
            if (c == '}') return m;
            if (c != ',') throw error("expected ',' or '}'");
        }
    }

    private List<Object> array() {
        List<Object> a = new ArrayList<>();
        pos++;
        ws();
        if (peek() == ']') {
            pos++;
            return a;
        }
        while (true) {
            ws();
            a.add(value());
            ws();
            char c = peek();
            pos++;
            if (c == ']') return a;
            if (c != ',') throw error("expected ',' or ']'");
        }
    }

    private char peek() {
        if (pos >= s.length()) throw error("unexpected end of input");
        return s.charAt(pos);
    }

    private String string() {
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
            char c = peek();
            pos++;
            if (c == '"') return sb.toString();
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = peek();
            pos++;
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > s.length()) throw error("bad \\u escape");
                    sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private Double number() {
        int start = pos;
        if (peek() == '-') pos++;
        while (pos < s.length() && "0123456789.eE+-".indexOf(s.charAt(pos)) >= 0) pos++;
        try {
            return Double.parseDouble(s.substring(start, pos));
        } catch (NumberFormatException e) {
            pos = start;
            throw error("bad number");
        }
    }

    /**
     * Writes a value (of the types {@link #parse} returns, plus other Numbers, arrays of double/float/int) as
     * standard JSON: a NaN or infinite number becomes {@code null}.
     */
    public static String write(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, 0, false);
        return sb.toString();
    }

    /** Writes a value with two-space indentation. */
    public static String writePretty(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, 0, true);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int depth, boolean pretty) {
        switch (v) {
            case null -> sb.append("null");
            case String str -> quote(sb, str);
            case Boolean b -> sb.append(b);
            case Double d -> number(sb, d);
            case Float f -> number(sb, f);
            case Number n -> sb.append(n);
            case double[] a -> {
                List<Object> l = new ArrayList<>();
                for (double x : a) l.add(x);
                write(sb, l, depth, pretty);
            }
            case float[] a -> {
                List<Object> l = new ArrayList<>();
                for (float x : a) l.add((double) x);
                write(sb, l, depth, pretty);
            }
            case int[] a -> {
                List<Object> l = new ArrayList<>();
                for (int x : a) l.add(x);
                write(sb, l, depth, pretty);
            }
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) sb.append(',');
                    first = false;
                    newline(sb, depth + 1, pretty);
                    quote(sb, String.valueOf(e.getKey()));
                    sb.append(pretty ? ": " : ":");
                    write(sb, e.getValue(), depth + 1, pretty);
                }
                if (!m.isEmpty()) newline(sb, depth, pretty);
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                boolean scalars = l.stream().noneMatch(x -> x instanceof Map || x instanceof List);
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) sb.append(scalars && pretty ? ", " : ",");
                    if (!scalars) newline(sb, depth + 1, pretty);
                    write(sb, l.get(i), depth + 1, pretty);
                }
                if (!scalars && !l.isEmpty()) newline(sb, depth, pretty);
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("JSON: cannot write a " + v.getClass().getName());
        }
    }

    private static void newline(StringBuilder sb, int depth, boolean pretty) {
        if (pretty) sb.append('\n').append("  ".repeat(depth));
    }

    private static void number(StringBuilder sb, double d) {
        // JSON has no NaN or infinity: they are written as null, which every reader accepts.
        if (!Double.isFinite(d)) sb.append("null");
        else if (d == Math.rint(d) && Math.abs(d) < 1e15) sb.append(String.format(Locale.ROOT, "%.1f", d));
        else sb.append(d);
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
