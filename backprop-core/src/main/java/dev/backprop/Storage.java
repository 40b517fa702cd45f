package dev.backprop;

import java.util.Arrays;

/**
 * The flat, contiguous array behind one or more tensors (a tensor and its views share one storage).
 *
 * <p>Storage is a heap array ({@code float[]}, {@code double[]}, {@code long[]} or {@code boolean[]}), so nothing
 * leaks off-heap. It carries a version counter that every in-place change bumps; autograd records the version of
 * each tensor it saves for backward and refuses to run backward if the version has moved.
 */
public final class Storage {
    /** Java arrays hold at most this many elements. */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private final DType dtype;
    private final Object array;
    private final int length;
    private int version;

    private Storage(DType dtype, Object array, int length) {
        this.dtype = dtype;
        this.array = array;
        this.length = length;
    }

    /** Allocates zero-filled storage of {@code n} elements; {@code n} beyond what a Java array holds is an error. */
    public static Storage allocate(DType dtype, long n) {
        if (n < 0) throw new IllegalArgumentException("negative element count " + n);
        if (n > MAX_ELEMENTS) {
            throw new IllegalArgumentException("a tensor of " + n + " elements does not fit: backprop stores at most "
                    + MAX_ELEMENTS + " elements per tensor (one Java array); split it into smaller tensors");
        }
        int len = (int) n;
        Object a = switch (dtype) {
            case FLOAT32 -> new float[len];
            case FLOAT64 -> new double[len];
            case INT64 -> new long[len];
            case BOOL -> new boolean[len];
        };
        return new Storage(dtype, a, len);
    }

    /** Wraps an array without copying. */
    public static Storage wrap(float[] a) {
        return new Storage(DType.FLOAT32, a, a.length);
    }

    /** Wraps an array without copying. */
    public static Storage wrap(double[] a) {
        return new Storage(DType.FLOAT64, a, a.length);
    }

    /** Wraps an array without copying. */
    public static Storage wrap(long[] a) {
        return new Storage(DType.INT64, a, a.length);
    }

    /** Wraps an array without copying. */
    public static Storage wrap(boolean[] a) {
        return new Storage(DType.BOOL, a, a.length);
    }

    public DType dtype() {
        return dtype;
    }

    public int length() {
        return length;
    }

    /** The version counter; bumped by every in-place change. */
    public int version() {
        return version;
    }

    /** Records an in-place change. */
    public void bumpVersion() {
        version++;
    }

    /**
     * Moves the version past {@code other}'s when it is not already there: storage that replaces another under a
     * tensor (see {@link Tensor#setData}) must not look unchanged to a graph that saved the old one's version.
     */
    void versionPast(int other) {
        if (version <= other) version = other + 1;
    }

    public float[] floats() {
        if (array instanceof float[] f) return f;
        throw wrongType(DType.FLOAT32);
    }

    public double[] doubles() {
        if (array instanceof double[] d) return d;
        throw wrongType(DType.FLOAT64);
    }

    public long[] longs() {
        if (array instanceof long[] l) return l;
        throw wrongType(DType.INT64);
    }

    public boolean[] bools() {
        if (array instanceof boolean[] b) return b;
        throw wrongType(DType.BOOL);
    }

    /** The raw array, whatever its type (for {@link System#arraycopy}). */
    public Object array() {
        return array;
    }

    /** Element {@code i} widened to double (1 or 0 for bool). */
    public double getDouble(int i) {
        return switch (dtype) {
            case FLOAT32 -> ((float[]) array)[i];
            case FLOAT64 -> ((double[]) array)[i];
            case INT64 -> ((long[]) array)[i];
            case BOOL -> ((boolean[]) array)[i] ? 1 : 0;
        };
    }

    /** Sets element {@code i} from a double (rounded to the storage type; non-zero is true for bool). */
    public void setDouble(int i, double v) {
        switch (dtype) {
            case FLOAT32 -> ((float[]) array)[i] = (float) v;
            case FLOAT64 -> ((double[]) array)[i] = v;
            case INT64 -> ((long[]) array)[i] = (long) v;
            case BOOL -> ((boolean[]) array)[i] = v != 0;
        }
    }

    /** Element {@code i} as a long (floats truncate toward zero). */
    public long getLong(int i) {
        return switch (dtype) {
            case INT64 -> ((long[]) array)[i];
            case BOOL -> ((boolean[]) array)[i] ? 1 : 0;
            default -> (long) getDouble(i);
        };
    }

    /** Fills elements [from, to) with {@code v}. */
    public void fill(int from, int to, double v) {
        switch (dtype) {
            case FLOAT32 -> Arrays.fill((float[]) array, from, to, (float) v);
            case FLOAT64 -> Arrays.fill((double[]) array, from, to, v);
            case INT64 -> Arrays.fill((long[]) array, from, to, (long) v);
            case BOOL -> Arrays.fill((boolean[]) array, from, to, v != 0);
        }
    }

    private IllegalStateException wrongType(DType wanted) {
        return new IllegalStateException("storage holds " + dtype + ", not " + wanted);
    }
}
