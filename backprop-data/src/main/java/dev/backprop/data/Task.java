package dev.backprop.data;

import java.util.Locale;

/** What the targets of a data set are: class indices (int64) or real values (float32). */
public enum Task {
    /** Targets are int64 class indices in [0, classes), shape (N). */
    CLASSIFICATION,
    /** Targets are float32 values, shape (N, k). */
    REGRESSION;

    /** Parses "classification" or "regression" (any case; "class"/"reg" also accepted). */
    public static Task parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "classification", "class", "classify" -> CLASSIFICATION;
            case "regression", "reg", "regress" -> REGRESSION;
            default -> throw new DataException("unknown task '" + s + "': use classification or regression");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
