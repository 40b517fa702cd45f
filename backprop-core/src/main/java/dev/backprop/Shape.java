package dev.backprop;

import java.util.Arrays;

/**
 * Static helpers for shapes (an {@code int[]} of sizes) and strides: element counts in {@code long}, row-major
 * strides, NumPy broadcasting and dimension wrapping. Every error names the operation and the shapes involved.
 */
public final class Shape {
    private Shape() {}

    /** Number of elements, computed in long so that [65536, 65536] gives 4,294,967,296 rather than wrapping. */
    public static long numel(int[] shape) {
        long n = 1;
        try {
            for (int s : shape) n = Math.multiplyExact(n, (long) s);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^63 elements");
        }
        return n;
    }

    /** Row-major (C-order) strides for a contiguous tensor of this shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] st = new int[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = (int) Math.min(s, Integer.MAX_VALUE);
            s *= Math.max(shape[i], 1);
        }
        return st;
    }

    /** Checks sizes are non-negative; returns a copy. */
    public static int[] checked(String op, int[] shape) {
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException(op + ": negative size in shape " + str(shape));
        }
        return shape.clone();
    }

    /**
     * Wraps a possibly negative dimension index ({@code -1} is the last) into [0, rank).
     *
     * @throws IllegalArgumentException naming the op when out of range
     */
    public static int wrapDim(String op, int dim, int rank) {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) {
            throw new IllegalArgumentException(op + ": dimension " + dim + " is out of range for a tensor of rank "
                    + rank + " (valid: " + (-r) + " to " + (r - 1) + ")");
        }
        return dim < 0 ? dim + r : dim;
    }

    /** The broadcast shape of two shapes under NumPy rules, or an error naming the op and both shapes. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da == db || db == 1) out[i] = da;
            else if (da == 1) out[i] = db;
            else {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast together (dimension " + i + ": " + da + " vs " + db + ")");
            }
        }
        return out;
    }

    /**
     * Strides to read a tensor of {@code shape}/{@code strides} as if it had the larger {@code target} shape:
     * broadcast dimensions get stride 0.
     */
    public static int[] broadcastStrides(int[] shape, int[] strides, int[] target) {
        int[] out = new int[target.length];
        int off = target.length - shape.length;
        for (int i = 0; i < target.length; i++) {
            if (i < off) out[i] = 0;
            else out[i] = shape[i - off] == 1 && target[i] != 1 ? 0 : strides[i - off];
        }
        return out;
    }

    /** "[2, 3]" */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    /** Resolves a single -1 in a requested shape against the element count. */
    public static int[] infer(String op, int[] from, int[] requested) {
        long n = numel(from);
        int minus = -1;
        long known = 1;
        for (int i = 0; i < requested.length; i++) {
            if (requested[i] == -1) {
                if (minus >= 0) throw new IllegalArgumentException(op + ": only one dimension can be -1, got " + str(requested));
                minus = i;
            } else if (requested[i] < 0) {
                throw new IllegalArgumentException(op + ": invalid size " + requested[i] + " in " + str(requested));
            } else {
                known *= requested[i];
            }
        }
        int[] out = requested.clone();
        if (minus >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException(op + ": shape " + str(requested) + " is invalid for a tensor of shape "
                        + str(from) + " (" + n + " elements)");
            }
            out[minus] = (int) (n / known);
        }
        if (numel(out) != n) {
            throw new IllegalArgumentException(op + ": shape " + str(requested) + " is invalid for a tensor of shape "
                    + str(from) + " (" + n + " elements)");
        }
        return out;
    }
}
