package dev.backprop.kernels;

/**
 * Iteration over n-dimensional strided operands, one contiguous-index "row" (the last dimension) at a time.
 *
 * <p>Adjacent dimensions that every operand lays out as one run are merged first, so contiguous operands of the
 * same shape become a single long row and the per-row overhead disappears.
 */
public final class Strided {
    private Strided() {}

    /** Body for two operands: positions of the row's first element in each, its length and element steps. */
    @FunctionalInterface
    public interface Row2 {
        void run(int p0, int p1, int len, int s0, int s1);
    }

    /** Body for three operands. */
    @FunctionalInterface
    public interface Row3 {
        void run(int p0, int p1, int p2, int len, int s0, int s1, int s2);
    }

    /** Visits every element of {@code shape} in row-major order, for two operands with their own strides. */
    public static void rows(int[] shape, int off0, int[] st0, int off1, int[] st1, Row2 body) {
        int[][] c = coalesce(shape, st0, st1);
        int[] sh = c[0], s0 = c[1], s1 = c[2];
        int r = sh.length;
        for (int d : sh) if (d == 0) return;
        if (r == 0) {
            body.run(off0, off1, 1, 0, 0);
            return;
        }
        int len = sh[r - 1], i0 = s0[r - 1], i1 = s1[r - 1];
        int[] idx = new int[r];
        int p0 = off0, p1 = off1;
        while (true) {
            body.run(p0, p1, len, i0, i1);
            int d = r - 2;
            while (d >= 0) {
                idx[d]++;
                p0 += s0[d];
                p1 += s1[d];
                if (idx[d] < sh[d]) break;
                p0 -= s0[d] * sh[d];
                p1 -= s1[d] * sh[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) return;
        }
    }

    /** Visits every element of {@code shape} in row-major order, for three operands. */
    public static void rows(int[] shape, int off0, int[] st0, int off1, int[] st1, int off2, int[] st2, Row3 body) {
        int[][] c = coalesce(shape, st0, st1, st2);
        int[] sh = c[0], s0 = c[1], s1 = c[2], s2 = c[3];
        int r = sh.length;
        for (int d : sh) if (d == 0) return;
        if (r == 0) {
            body.run(off0, off1, off2, 1, 0, 0, 0);
            return;
        }
        int len = sh[r - 1], i0 = s0[r - 1], i1 = s1[r - 1], i2 = s2[r - 1];
        int[] idx = new int[r];
        int p0 = off0, p1 = off1, p2 = off2;
        while (true) {
            body.run(p0, p1, p2, len, i0, i1, i2);
            int d = r - 2;
            while (d >= 0) {
                idx[d]++;
                p0 += s0[d];
                p1 += s1[d];
                p2 += s2[d];
                if (idx[d] < sh[d]) break;
                p0 -= s0[d] * sh[d];
                p1 -= s1[d] * sh[d];
                p2 -= s2[d] * sh[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) return;
        }
    }

    /**
     * Drops size-1 dimensions and merges dimension i into i+1 where, for every operand, stride[i] equals
     * stride[i+1]·shape[i+1]. Returns {shape, strides of each operand}.
     */
    static int[][] coalesce(int[] shape, int[]... strides) {
        int n = strides.length;
        int[] sh = new int[shape.length];
        int[][] st = new int[n][shape.length];
        int r = 0;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) continue;
            if (r > 0) {
                boolean merge = true;
                for (int k = 0; k < n && merge; k++) {
                    merge = st[k][r - 1] == (long) strides[k][i] * shape[i];
                }
                if (merge) {
                    sh[r - 1] *= shape[i];
                    for (int k = 0; k < n; k++) st[k][r - 1] = strides[k][i];
                    continue;
                }
            }
            sh[r] = shape[i];
            for (int k = 0; k < n; k++) st[k][r] = strides[k][i];
            r++;
        }
        if (r == 0 && shape.length > 0) {
            // All dimensions had size 1 (or there were none): one element.
            int[][] out = new int[n + 1][];
            out[0] = new int[] {1};
            for (int k = 0; k < n; k++) out[k + 1] = new int[] {1};
            for (int d : shape) if (d == 0) out[0][0] = 0;
            return out;
        }
        int[][] out = new int[n + 1][];
        out[0] = java.util.Arrays.copyOf(sh, r);
        for (int k = 0; k < n; k++) out[k + 1] = java.util.Arrays.copyOf(st[k], r);
        return out;
    }
}
