package dev.backprop.data;

import dev.backprop.Generator;
import dev.backprop.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Data augmentation: the image transforms of torchvision, with its names and semantics, on one [C, H, W] float32
 * example at a time (see {@link Transform} for the in-place, allocation-free contract).
 *
 * <p>Pixel coordinates: row y in [0, H), column x in [0, W); "out" is the transformed image, "in" the original.
 * Each transform draws its random numbers from the {@link Generator} it is given, in the order listed; torchvision
 * draws the same quantities from torch's generator, so a golden test fixes the drawn values and compares the
 * geometry (tools/golden/make_augment_golden.py).
 * <ul>
 *   <li>{@link #randomCrop(int, float)}: {@code RandomCrop(size=(H, W), padding=p, fill)}. Pad each side by p with
 *       {@code fill}, then cut an H×W window at top i, left j, i and j uniform in {0, …, 2p} (i drawn first):
 *       out[c, y, x] = in[c, y + i − p, x + j − p], or fill outside the image. p = 0 is the identity.</li>
 *   <li>{@link #randomHorizontalFlip(double)}: with probability p (one uniform u &lt; p), out[c, y, x] =
 *       in[c, y, W − 1 − x].</li>
 *   <li>{@link #randomTranslation(double, float)}: {@code RandomAffine(degrees=0, translate=(f, f))}:
 *       t<sub>x</sub> = round(U(−fW, fW)), then t<sub>y</sub> = round(U(−fH, fH)) (round half to even, as Python);
 *       out[c, y, x] = in[c, y − t<sub>y</sub>, x − t<sub>x</sub>], or fill outside the image. Whole pixels, so
 *       nearest-neighbour sampling is exact.</li>
 *   <li>{@link #randomRotation(double, float)}: {@code RandomRotation(degrees=d, interpolation=BILINEAR, fill)}:
 *       angle a = U(−d, d) degrees, counter-clockwise on screen (y down), about the centre
 *       ((W − 1)/2, (H − 1)/2). For each output pixel, with u = x − (W − 1)/2, v = y − (H − 1)/2 and θ = −a:
 *       the source is x<sub>s</sub> = cos θ·u + sin θ·v + (W − 1)/2, y<sub>s</sub> = −sin θ·u + cos θ·v +
 *       (H − 1)/2, sampled bilinearly with zeros outside (grid_sample, align_corners=False). As torchvision does
 *       with a fill, the same sampling of an all-ones image gives a coverage m ∈ [0, 1], and
 *       out = S(in)·m + (1 − m)·fill (so border pixels are blended towards fill).</li>
 *   <li>{@link #randomErasing(double, double[], double[], float)}: {@code RandomErasing(p, scale, ratio, value)}:
 *       with probability p, up to 10 attempts of: area s·H·W with s = U(scale), aspect r = exp(U(ln ratio)),
 *       h = round(√(s·H·W·r)), w = round(√(s·H·W / r)); the first attempt with h &lt; H and w &lt; W picks top
 *       i uniform in {0, …, H − h}, left j in {0, …, W − w} and sets that rectangle of every channel to value.
 *       If all ten fail the image is unchanged.</li>
 *   <li>{@link #normalize(float[], float[])}: {@code Normalize(mean, std)}: out[c] = (in[c] − mean[c]) / std[c]
 *       (one value for all channels, or one per channel). Not random.</li>
 * </ul>
 * Arguments are checked when a transform is made; a bad one is a one-line {@link DataException}.
 */
public final class Transforms {
    private Transforms() {}

    // ------------------------------------------------------------------------------------------------ factories

    /** {@link #randomCrop(int, float)} with fill 0 (torchvision's default). */
    public static Transform randomCrop(int padding) {
        return randomCrop(padding, 0f);
    }

    /** torchvision's {@code RandomCrop(size=(H, W), padding, fill)}: a random shift by up to {@code padding} pixels. */
    public static Transform randomCrop(int padding, float fill) {
        if (padding < 0) throw new DataException("randomCrop: padding must be ≥ 0 pixels, got " + padding);
        checkFinite("randomCrop", "fill", fill);
        return new RandomCrop(padding, fill);
    }

    /** torchvision's {@code RandomHorizontalFlip(p)}: mirror left–right with probability p. */
    public static Transform randomHorizontalFlip(double p) {
        checkProbability("randomHorizontalFlip", p);
        return new RandomHorizontalFlip(p);
    }

    /** {@link #randomTranslation(double, float)} with fill 0 (torchvision's default). */
    public static Transform randomTranslation(double fraction) {
        return randomTranslation(fraction, 0f);
    }

    /**
     * torchvision's {@code RandomAffine(degrees=0, translate=(fraction, fraction), fill)}: a shift by a whole
     * number of pixels, up to {@code fraction} of the width and the height.
     */
    public static Transform randomTranslation(double fraction, float fill) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new DataException("randomTranslation: the fraction of the image to shift by must be in [0, 1], got " + fraction);
        }
        checkFinite("randomTranslation", "fill", fill);
        return new RandomTranslation(fraction, fill);
    }

    /** {@link #randomRotation(double, float)} with fill 0 (torchvision's default). */
    public static Transform randomRotation(double degrees) {
        return randomRotation(degrees, 0f);
    }

    /** torchvision's {@code RandomRotation(degrees, interpolation=BILINEAR, fill)}: an angle in [−degrees, degrees]. */
    public static Transform randomRotation(double degrees, float fill) {
        if (!(degrees >= 0 && degrees <= 180)) {
            throw new DataException("randomRotation: degrees is the largest angle, in [0, 180], got " + degrees);
        }
        checkFinite("randomRotation", "fill", fill);
        return new RandomRotation(degrees, fill);
    }

    /** torchvision's {@code RandomErasing()}: p 0.5, scale (0.02, 0.33), ratio (0.3, 3.3), value 0. */
    public static Transform randomErasing() {
        return randomErasing(0.5, new double[] {0.02, 0.33}, new double[] {0.3, 3.3}, 0f);
    }

    /**
     * torchvision's {@code RandomErasing(p, scale, ratio, value)}: with probability p, a rectangle of a random
     * area (a fraction of the image in [scale[0], scale[1]]) and aspect ratio h/w (log-uniform in
     * [ratio[0], ratio[1]]) is set to {@code value}.
     */
    public static Transform randomErasing(double p, double[] scale, double[] ratio, float value) {
        checkProbability("randomErasing", p);
        if (scale == null || scale.length != 2 || !(scale[0] >= 0 && scale[0] <= scale[1] && scale[1] <= 1)) {
            throw new DataException("randomErasing: scale must be two fractions of the image area, 0 ≤ low ≤ high ≤ 1, got "
                    + Arrays.toString(scale));
        }
        if (ratio == null || ratio.length != 2 || !(ratio[0] > 0 && ratio[0] <= ratio[1] && Double.isFinite(ratio[1]))) {
            throw new DataException("randomErasing: ratio must be two aspect ratios h/w, 0 < low ≤ high, got "
                    + Arrays.toString(ratio));
        }
        checkFinite("randomErasing", "value", value);
        return new RandomErasing(p, scale[0], scale[1], Math.log(ratio[0]), Math.log(ratio[1]), value);
    }

    /** torchvision's {@code Normalize(mean, std)}: (x − mean[c]) / std[c], one value for all channels or one per channel. */
    public static Transform normalize(float[] mean, float[] std) {
        if (mean == null || std == null || mean.length == 0 || mean.length != std.length) {
            throw new DataException("normalize: give one mean and one std per channel (or one of each for all channels), got "
                    + (mean == null ? 0 : mean.length) + " means and " + (std == null ? 0 : std.length) + " stds");
        }
        for (int c = 0; c < mean.length; c++) {
            checkFinite("normalize", "mean", mean[c]);
            if (!(std[c] > 0 && Float.isFinite(std[c]))) {
                throw new DataException("normalize: std " + c + " must be positive and finite, got " + std[c]);
            }
        }
        return new Normalize(mean.clone(), std.clone());
    }

    /** The transforms one after the other (torchvision's {@code Compose}); none is the identity. */
    public static Transform compose(Transform... transforms) {
        List<Transform> all = new ArrayList<>();
        for (Transform t : transforms) {
            if (t == null) throw new DataException("compose: transform " + all.size() + " is null");
            if (t instanceof Compose c) all.addAll(List.of(c.parts));
            else all.add(t);
        }
        return all.size() == 1 ? all.getFirst() : new Compose(all.toArray(Transform[]::new));
    }

    // ------------------------------------------------------------------------------------------------ the transforms

    private record RandomCrop(int padding, float fill) implements Transform {
        @Override
        public void apply(float[] x, int offset, int c, int h, int w, float[] scratch, Generator random) {
            int n = 2 * padding + 1;
            int i = random.nextInt(n);
            int j = random.nextInt(n);
            shift(x, offset, c, h, w, i - padding, j - padding, fill, scratch);
        }

        @Override
        public String toString() {
            return "randomCrop(padding=" + padding + ", fill=" + fmt(fill) + ")";
        }
    }

    private record RandomHorizontalFlip(double p) implements Transform {
        @Override
        public void apply(float[] x, int offset, int c, int h, int w, float[] scratch, Generator random) {
            if (random.nextDouble() < p) flip(x, offset, c, h, w);
        }

        @Override
        public String toString() {
            return "randomHorizontalFlip(p=" + fmt(p) + ")";
        }
    }

    private record RandomTranslation(double fraction, float fill) implements Transform {
        @Override
        public void apply(float[] x, int offset, int c, int h, int w, float[] scratch, Generator random) {
            double maxDx = fraction * w, maxDy = fraction * h;
            int tx = (int) Math.rint(-maxDx + 2 * maxDx * random.nextDouble());
            int ty = (int) Math.rint(-maxDy + 2 * maxDy * random.nextDouble());
            shift(x, offset, c, h, w, -ty, -tx, fill, scratch);
        }

        @Override
        public String toString() {
            return "randomTranslation(fraction=" + fmt(fraction) + ", fill=" + fmt(fill) + ")";
        }
    }

    private record RandomRotation(double degrees, float fill) implements Transform {
        @Override
        public void apply(float[] x, int offset, int c, int h, int w, float[] scratch, Generator random) {
            double angle = -degrees + 2 * degrees * random.nextDouble();
            rotate(x, offset, c, h, w, angle, fill, scratch);
        }

        @Override
        public String toString() {
            return "randomRotation(degrees=" + fmt(degrees) + ", fill=" + fmt(fill) + ")";
        }
    }

    private record RandomErasing(double p, double scaleLow, double scaleHigh, double logRatioLow, double logRatioHigh,
                                 float value) implements Transform {
        @Override
        public void apply(float[] x, int offset, int c, int h, int w, float[] scratch, Generator random) {
            if (!(random.nextDouble() < p)) return;
            double area = (double) h * w;
            for (int attempt = 0; attempt < 10; attempt++) {
                double eraseArea = area * (scaleLow + (scaleHigh - scaleLow) * random.nextDouble());
                double aspect = Math.exp(logRatioLow + (logRatioHigh - logRatioLow) * random.nextDouble());
                int eh = eraseHeight(eraseArea, aspect), ew = eraseWidth(eraseArea, aspect);
                if (!(eh < h && ew < w)) continue;
                int top = random.nextInt(h - eh + 1);
                int left = random.nextInt(w - ew + 1);
                erase(x, offset, c, h, w, top, left, eh, ew, value);
                return;
            }
        }

        @Override
        public String toString() {
            return "randomErasing(p=" + fmt(p) + ", scale=[" + fmt(scaleLow) + ", " + fmt(scaleHigh) + "], ratio=["
                    + fmt(Math.exp(logRatioLow)) + ", " + fmt(Math.exp(logRatioHigh)) + "], value=" + fmt(value) + ")";
        }
    }

    private record Normalize(float[] mean, float[] std) implements Transform {
        @Override
        public void apply(float[] x, int offset, int c, int h, int w, float[] scratch, Generator random) {
            int plane = h * w;
            for (int ch = 0; ch < c; ch++) {
                float m = mean[mean.length == 1 ? 0 : ch], s = std[std.length == 1 ? 0 : ch];
                for (int k = offset + ch * plane, end = k + plane; k < end; k++) x[k] = (x[k] - m) / s;
            }
        }

        @Override
        public void checkShape(int[] sampleShape) {
            requireImage(sampleShape, toString());
            if (mean.length != 1 && mean.length != sampleShape[0]) {
                throw new DataException(this + ": has " + mean.length + " means and stds but the images have "
                        + sampleShape[0] + " channels (shape " + Shape.str(sampleShape) + "); give one per channel or one in all");
            }
        }

        @Override
        public String toString() {
            return "normalize(mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ")";
        }
    }

    private record Compose(Transform[] parts) implements Transform {
        @Override
        public void apply(float[] x, int offset, int c, int h, int w, float[] scratch, Generator random) {
            for (Transform t : parts) t.apply(x, offset, c, h, w, scratch, random);
        }

        @Override
        public void checkShape(int[] sampleShape) {
            requireImage(sampleShape, toString());
            for (Transform t : parts) t.checkShape(sampleShape);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("compose(");
            for (int i = 0; i < parts.length; i++) sb.append(i == 0 ? "" : ", ").append(parts[i]);
            return sb.append(')').toString();
        }
    }

    // ------------------------------------------------------------------------------------------------ kernels
    // Package-private, with the random parameters as arguments: the golden test calls them with fixed values.

    /**
     * out[c, y, x] = in[c, y + dy, x + dx] where that lies in the image, else {@code fill} (a crop of the padded
     * image at top p + dy, left p + dx; a translation by (−dx, −dy)).
     */
    static void shift(float[] x, int offset, int c, int h, int w, int dy, int dx, float fill, float[] scratch) {
        if (dy == 0 && dx == 0) return;
        int size = c * h * w;
        System.arraycopy(x, offset, scratch, 0, size);
        // Columns x in [x0, x1) read column x + dx of the source; the rest is fill.
        int x0 = Math.clamp(-dx, 0, w), x1 = Math.clamp(w - dx, x0, w);
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                int out = offset + (ch * h + y) * w;
                int sy = y + dy;
                if (sy < 0 || sy >= h || x0 == x1) {
                    Arrays.fill(x, out, out + w, fill);
                    continue;
                }
                if (x0 > 0) Arrays.fill(x, out, out + x0, fill);
                System.arraycopy(scratch, (ch * h + sy) * w + x0 + dx, x, out + x0, x1 - x0);
                if (x1 < w) Arrays.fill(x, out + x1, out + w, fill);
            }
        }
    }

    /** out[c, y, x] = in[c, y, W − 1 − x]. */
    static void flip(float[] x, int offset, int c, int h, int w) {
        for (int row = 0; row < c * h; row++) {
            for (int a = offset + row * w, b = a + w - 1; a < b; a++, b--) {
                float t = x[a];
                x[a] = x[b];
                x[b] = t;
            }
        }
    }

    /** Rotation by {@code angle} degrees about the centre, bilinear, as torchvision (see the class comment). */
    static void rotate(float[] x, int offset, int c, int h, int w, double angle, float fill, float[] scratch) {
        if (angle == 0) return;   // every source point is its own pixel centre, with coverage 1
        int plane = h * w;
        System.arraycopy(x, offset, scratch, 0, c * plane);
        double theta = Math.toRadians(-angle);
        double cos = Math.cos(theta), sin = Math.sin(theta);
        double cx = (w - 1) * 0.5, cy = (h - 1) * 0.5;
        // Sources lie within a circle around the centre, so adding the bias makes them positive and the cast a floor.
        int bias = w + h + 2;
        for (int y = 0; y < h; y++) {
            double v = y - cy;
            for (int xo = 0; xo < w; xo++) {
                double u = xo - cx;
                double xs = cos * u + sin * v + cx;
                double ys = -sin * u + cos * v + cy;
                int x0 = (int) (xs + bias) - bias, y0 = (int) (ys + bias) - bias;
                double fx = xs - x0, fy = ys - y0;
                if (x0 >= 0 && x0 < w - 1 && y0 >= 0 && y0 < h - 1) {
                    // Inside: all four neighbours exist and the coverage is 1 (the common case, without branches).
                    int i00 = y0 * w + x0;
                    double a = (1 - fx) * (1 - fy), b = fx * (1 - fy), d = (1 - fx) * fy, e = fx * fy;
                    for (int ch = 0, base = 0; ch < c; ch++, base += plane) {
                        int k = base + i00;
                        x[offset + base + y * w + xo] = (float) (a * scratch[k] + b * scratch[k + 1] + d * scratch[k + w]
                                + e * scratch[k + w + 1]);
                    }
                    continue;
                }
                // The four neighbours' weights, zero for those outside the image (grid_sample's zeros padding).
                boolean inX0 = x0 >= 0 && x0 < w, inX1 = x0 + 1 >= 0 && x0 + 1 < w;
                boolean inY0 = y0 >= 0 && y0 < h, inY1 = y0 + 1 >= 0 && y0 + 1 < h;
                double w00 = inY0 && inX0 ? (1 - fx) * (1 - fy) : 0, w01 = inY0 && inX1 ? fx * (1 - fy) : 0;
                double w10 = inY1 && inX0 ? (1 - fx) * fy : 0, w11 = inY1 && inX1 ? fx * fy : 0;
                double m = w00 + w01 + w10 + w11;
                int i00 = y0 * w + x0;
                for (int ch = 0, base = 0; ch < c; ch++, base += plane) {
                    double s = 0;
                    if (w00 != 0) s += w00 * scratch[base + i00];
                    if (w01 != 0) s += w01 * scratch[base + i00 + 1];
                    if (w10 != 0) s += w10 * scratch[base + i00 + w];
                    if (w11 != 0) s += w11 * scratch[base + i00 + w + 1];
                    x[offset + base + y * w + xo] = (float) (s * m + (1 - m) * fill);
                }
            }
        }
    }

    /** Sets rows [top, top + eh) × columns [left, left + ew) of every channel to {@code value}. */
    static void erase(float[] x, int offset, int c, int h, int w, int top, int left, int eh, int ew, float value) {
        for (int ch = 0; ch < c; ch++) {
            for (int y = top; y < top + eh; y++) {
                int row = offset + (ch * h + y) * w;
                Arrays.fill(x, row + left, row + left + ew, value);
            }
        }
    }

    /** The erased height for an area and an aspect ratio h/w: round(√(area·ratio)), halves to even (Python's round). */
    static int eraseHeight(double area, double aspect) {
        return (int) Math.rint(Math.sqrt(area * aspect));
    }

    /** The erased width: round(√(area / ratio)). */
    static int eraseWidth(double area, double aspect) {
        return (int) Math.rint(Math.sqrt(area / aspect));
    }

    // ------------------------------------------------------------------------------------------------ checks

    /** A one-line error unless {@code shape} is an image [C, H, W] with every size ≥ 1. */
    static void requireImage(int[] shape, String what) {
        if (shape == null || shape.length != 3 || shape[0] < 1 || shape[1] < 1 || shape[2] < 1) {
            throw new DataException(what + ": needs image examples of shape [C, H, W], got "
                    + (shape == null ? "none" : Shape.str(shape)) + "; augment image data only (reshape flat pixels to [C, H, W])");
        }
    }

    private static void checkProbability(String op, double p) {
        if (!(p >= 0 && p <= 1)) throw new DataException(op + ": p is a probability in [0, 1], got " + p);
    }

    private static void checkFinite(String op, String what, double v) {
        if (!Double.isFinite(v)) throw new DataException(op + ": " + what + " must be a finite number, got " + v);
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) return String.valueOf((long) v);
        return String.format(Locale.ROOT, "%.4g", v).replaceAll("0+$", "");
    }
}
