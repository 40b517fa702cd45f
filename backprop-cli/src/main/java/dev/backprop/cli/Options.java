package dev.backprop.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small command-line parser: {@code --name value}, {@code --name=value} and {@code --flag}, positional
 * arguments, generated help, and one-line errors that list the valid choices. An option that takes a value may be
 * given once (a repeated flag is harmless, as is a flag with an optional value repeated alike). A value after a space
 * never starts with {@code --}: that is the next option, the value forgotten ({@code --name=--v} is still a value).
 * (backprop-cli has no dependencies: a parser library would add a jar and start-up time for a page of code.)
 */
final class Options {
    /** One option: its name without dashes, the value's placeholder (null for a flag), help and default. */
    record Opt(String name, String value, String help, String defaultText) {
        static Opt flag(String name, String help) {
            return new Opt(name, null, help, null);
        }

        static Opt value(String name, String value, String help, String defaultText) {
            return new Opt(name, value, help, defaultText);
        }

        /** A flag that may also take a value, only as {@code --name=VALUE}; alone its value is "true". */
        static Opt optionalValue(String name, String value, String help, String defaultText) {
            return new Opt(name, "[=" + value + "]", help, defaultText);
        }

        boolean valueOptional() {
            return value != null && value.startsWith("[=");
        }
    }

    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();
    /** Options with an optional value given without one ("--monitor"), told apart from "--monitor=true". */
    private final java.util.Set<String> bare = new java.util.HashSet<>();
    private final List<String> positional = new ArrayList<>();

    private Options(String command) {
        this.command = command;
    }

    static Options parse(String command, List<Opt> specs, String[] args) {
        Map<String, Opt> byName = new LinkedHashMap<>();
        for (Opt o : specs) byName.put(o.name(), o);
        Options out = new Options(command);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--") && a.length() > 2) {
                String name = a.substring(2), value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                Opt o = byName.get(name);
                if (o == null) {
                    throw new UserError(command + ": unknown option --" + name + "; valid options: "
                            + String.join(", ", specs.stream().map(s -> "--" + s.name()).toList()));
                }
                if (o.value() == null || (o.valueOptional() && value == null)) {
                    if (value != null) throw new UserError(command + ": --" + name + " takes no value");
                    // A flag repeated bare is harmless (--json --json); with a value given as well they differ.
                    if (o.valueOptional() && out.values.containsKey(name) && !out.values.get(name).equals("true")) {
                        throw givenTwice(command, name);
                    }
                    out.values.put(name, "true");
                    if (o.valueOptional()) out.bare.add(name);
                } else if (o.valueOptional()) {
                    // --monitor=5 --monitor=5 says one thing twice; --monitor=5 --monitor=10 (or a bare one) two things.
                    if (out.values.containsKey(name) && !out.values.get(name).equals(value)) throw givenTwice(command, name);
                    out.values.put(name, value);
                } else {
                    if (value == null) {
                        if (i + 1 >= args.length) throw new UserError(command + ": --" + name + " needs a value (" + o.value() + ")");
                        value = args[++i];
                        // "--out --json" is a forgotten value, not a directory named --json. A negative number
                        // ("-1") has one dash and stays a value; a value that really starts with -- can be
                        // written --out=--json.
                        if (value.startsWith("--") && value.length() > 2) {
                            throw new UserError(command + ": --" + name + " expects a value, got the option " + value
                                    + "; give --" + name + " its " + o.value() + " first");
                        }
                    }
                    // A second value would silently win over the first (a typo in a long command line, or a
                    // default in a script the user meant to override): say so instead.
                    if (out.values.containsKey(name)) throw givenTwice(command, name);
                    out.values.put(name, value);
                }
            } else if (a.equals("-h")) {
                out.values.put("help", "true");
            } else {
                out.positional.add(a);
            }
        }
        return out;
    }

    private static UserError givenTwice(String command, String name) {
        return new UserError(command + ": --" + name + " given twice; give it once");
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** Whether an option whose value is optional was given without one (its value then reads "true"). */
    boolean bare(String name) {
        return bare.contains(name);
    }

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    String get(String name) {
        return values.get(name);
    }

    List<String> positional() {
        return positional;
    }

    int intValue(String name, int fallback) {
        String v = values.get(name);
        if (v == null) return fallback;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UserError(command + ": --" + name + (v.trim().matches("[+-]?[0-9]+")
                    ? " " + v.trim() + " is too " + (v.trim().startsWith("-") ? "small (at least " + Integer.MIN_VALUE : "large (at most " + Integer.MAX_VALUE) + ")"
                    : " expects a whole number, got '" + v + "'"));
        }
    }

    /**
     * {@link #intValue(String, int)} within [min, max]: any whole number outside, one beyond the int range included,
     * gets "must be between min and max".
     */
    int intValue(String name, int fallback, int min, int max) {
        String v = values.get(name);
        if (v == null) return fallback;
        String t = v.trim();
        if (!t.matches("[+-]?[0-9]+")) throw new UserError(command + ": --" + name + " expects a whole number, got '" + v + "'");
        java.math.BigInteger n = new java.math.BigInteger(t);
        if (n.compareTo(java.math.BigInteger.valueOf(min)) < 0 || n.compareTo(java.math.BigInteger.valueOf(max)) > 0) {
            throw new UserError(String.format(Locale.ROOT, "%s: --%s must be between %,d and %,d, got %s", command, name, min, max, t));
        }
        return n.intValue();
    }

    double doubleValue(String name, double fallback) {
        String v = values.get(name);
        if (v == null) return fallback;
        double d;
        try {
            d = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new UserError(command + ": --" + name + " expects a number, got '" + v + "'");
        }
        if (!Double.isFinite(d)) {
            // NaN and Infinity, which Java parses, are not numbers an option can use; 1e400 is one, too large for a double.
            if (Double.isNaN(d) || v.toLowerCase(Locale.ROOT).contains("inf")) {
                throw new UserError(command + ": --" + name + " expects a number, got '" + v + "'");
            }
            throw new UserError(command + ": --" + name + " " + v.trim() + (d < 0 ? " is too small (below -1.8e308)" : " is too large (above 1.8e308)"));
        }
        return d;
    }

    long longValue(String name, long fallback) {
        String v = values.get(name);
        if (v == null) return fallback;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UserError(command + ": --" + name + (v.trim().matches("[+-]?[0-9]+")
                    ? " " + v.trim() + " is too " + (v.trim().startsWith("-") ? "small (at least " + Long.MIN_VALUE : "large (at most " + Long.MAX_VALUE) + ")"
                    : " expects a whole number, got '" + v + "'"));
        }
    }

    /** The value, which must be one of {@code choices} (case-insensitive); errors list them. */
    String choice(String name, String fallback, List<String> choices) {
        String v = values.getOrDefault(name, fallback);
        if (v == null) return null;
        String k = v.toLowerCase(Locale.ROOT);
        if (!choices.contains(k)) {
            throw new UserError(command + ": --" + name + " '" + v + "' is not valid; choose one of: " + String.join(", ", choices));
        }
        return k;
    }

    /** Help text: usage line, description, and one line per option. */
    static String help(String usage, String description, List<Opt> specs) {
        StringBuilder sb = new StringBuilder("usage: ").append(usage).append("\n\n").append(description).append("\n\noptions:\n");
        for (Opt o : specs) {
            String left = "  --" + o.name() + (o.value() == null ? "" : o.valueOptional() ? o.value() : " " + o.value());
            sb.append(String.format(Locale.ROOT, "%-30s %s", left, o.help()));
            if (o.defaultText() != null) sb.append(" (default: ").append(o.defaultText()).append(')');
            sb.append('\n');
        }
        return sb.toString();
    }
}
