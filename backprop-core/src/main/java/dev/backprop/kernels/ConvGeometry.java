package dev.backprop.kernels;

import dev.backprop.Shape;
import dev.backprop.ops.ConvOp;

/**
 * The sizes of one 2-d convolution: input (n, c, h, w), weight (o, c/groups, kh, kw), output (n, o, oh, ow), with
 * cg = c/groups input and og = o/groups output channels per group.
 */
record ConvGeometry(int n, int c, int h, int w, int o, int kh, int kw, int oh, int ow, ConvOp.Params p) {
    int groups() { return p.groups(); }
    int cg() { return c / p.groups(); }
    int og() { return o / p.groups(); }
    /** Rows of the unfolded input per group: cg·kh·kw. */
    int k() { return cg() * kh * kw; }
    /** Output positions per image: oh·ow. */
    int positions() { return oh * ow; }

    static ConvGeometry of(int[] x, int[] wt, ConvOp.Params p) {
        if (x.length != 4 || wt.length != 4 || x[1] % p.groups() != 0 || wt[0] % p.groups() != 0
                || wt[1] * p.groups() != x[1]) {
            throw new IllegalArgumentException("conv2d: input " + Shape.str(x) + " and weight " + Shape.str(wt)
                    + " do not fit (x is (N, C, H, W), W is (O, C/groups, KH, KW), groups " + p.groups() + ")");
        }
        int oh = p.outSize(0, x[2], wt[2]), ow = p.outSize(1, x[3], wt[3]);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("conv2d: input " + Shape.str(x) + " and weight " + Shape.str(wt)
                    + " give an output of " + oh + "×" + ow);
        }
        return new ConvGeometry(x[0], x[1], x[2], x[3], wt[0], wt[2], wt[3], oh, ow, p);
    }

    int[] inShape() { return new int[] {n, c, h, w}; }
    int[] weightShape() { return new int[] {o, cg(), kh, kw}; }
    int[] outShape() { return new int[] {n, o, oh, ow}; }
}
