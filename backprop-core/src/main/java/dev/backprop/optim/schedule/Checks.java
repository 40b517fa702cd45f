package dev.backprop.optim.schedule;

/** Argument checks with one-line messages that name the schedule, the argument and the valid range. */
final class Checks {
    private Checks() {}

    static double nonNegative(String schedule, String arg, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(schedule + ": " + arg + " must be a finite number >= 0, got " + v);
        }
        return v;
    }

    static int atLeast(String schedule, String arg, int v, int min) {
        if (v < min) throw new IllegalArgumentException(schedule + ": " + arg + " must be >= " + min + ", got " + v);
        return v;
    }
}
