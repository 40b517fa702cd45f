package dev.backprop.data;

import dev.backprop.io.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transforms' geometry against torchvision's definitions rewritten in torch (tools/golden/make_augment_golden.py):
 * the random draws are fixed in the fixture and passed to the kernels that the random transforms call.
 */
@SuppressWarnings("unchecked")
class AugmentGoldenTest {
    private static final Map<String, Object> ROOT = load();

    private static Map<String, Object> load() {
        try (InputStream in = AugmentGoldenTest.class.getResourceAsStream("/golden/augment.json")) {
            if (in == null) throw new IllegalStateException("golden/augment.json is missing: run tools/golden/make_augment_golden.py");
            return (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Image(int c, int h, int w, float[] data) {
        /** The image at offset 3 of a larger array (the kernels must respect the offset). */
        float[] padded() {
            float[] a = new float[data.length + 5];
            Arrays.fill(a, 99f);
            System.arraycopy(data, 0, a, 3, data.length);
            return a;
        }
    }

    static Image image(String name) {
        Map<String, Object> m = (Map<String, Object>) ((Map<String, Object>) ROOT.get("images")).get(name);
        int[] s = ((List<Object>) m.get("shape")).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
        return new Image(s[0], s[1], s[2], floats(m.get("data")));
    }

    static float[] floats(Object o) {
        List<Object> l = (List<Object>) o;
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) f[i] = ((Number) l.get(i)).floatValue();
        return f;
    }

    static List<Map<String, Object>> cases(String kind) {
        List<Map<String, Object>> l = (List<Map<String, Object>>) ROOT.get(kind);
        assertTrue(l != null && !l.isEmpty(), kind + " cases in the fixture");
        return l;
    }

    static int i(Map<String, Object> c, String k) {
        return ((Number) c.get(k)).intValue();
    }

    static float f(Map<String, Object> c, String k) {
        return ((Number) c.get(k)).floatValue();
    }

    /** Compares the image at offset 3 with the expected values and checks the guard values around it. */
    static void check(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length + 5, actual.length);
        for (int k : new int[] {0, 1, 2, actual.length - 2, actual.length - 1}) assertEquals(99f, actual[k], what + ": wrote outside the image");
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], actual[k + 3], tol, what + ": value " + k);
        }
    }

    @Test
    void randomCropIsPadThenWindow() {
        for (var c : cases("crop")) {
            Image im = image((String) c.get("image"));
            float[] x = im.padded();
            int p = i(c, "padding");
            Transforms.shift(x, 3, im.c(), im.h(), im.w(), i(c, "i") - p, i(c, "j") - p, f(c, "fill"), new float[im.data().length]);
            check(floats(c.get("out")), x, 0, "crop " + c.get("image") + " padding " + p + " at " + c.get("i") + "," + c.get("j"));
        }
    }

    @Test
    void horizontalFlipMirrorsColumns() {
        for (var c : cases("flip")) {
            Image im = image((String) c.get("image"));
            float[] x = im.padded();
            Transforms.flip(x, 3, im.c(), im.h(), im.w());
            check(floats(c.get("out")), x, 0, "flip " + c.get("image"));
        }
    }

    @Test
    void translationIsRandomAffineWithWholePixels() {
        for (var c : cases("translate")) {
            Image im = image((String) c.get("image"));
            // torchvision rounds the drawn shift with Python's round (halves to even): Math.rint does the same.
            assertEquals(i(c, "tx"), (int) Math.rint(((Number) c.get("raw_x")).doubleValue()));
            assertEquals(i(c, "ty"), (int) Math.rint(((Number) c.get("raw_y")).doubleValue()));
            float[] x = im.padded();
            Transforms.shift(x, 3, im.c(), im.h(), im.w(), -i(c, "ty"), -i(c, "tx"), f(c, "fill"), new float[im.data().length]);
            check(floats(c.get("out")), x, 0, "translate " + c.get("image") + " by " + c.get("tx") + "," + c.get("ty"));
        }
    }

    @Test
    void rotationIsBilinearAboutTheCentreWithTorchvisionsFillBlend() {
        for (var c : cases("rotate")) {
            Image im = image((String) c.get("image"));
            float[] x = im.padded();
            Transforms.rotate(x, 3, im.c(), im.h(), im.w(), ((Number) c.get("angle")).doubleValue(), f(c, "fill"),
                    new float[im.data().length]);
            // torch builds the sampling grid in float32: coordinates differ from the double ones by ~1e-6.
            check(floats(c.get("out")), x, 2e-5, "rotate " + c.get("image") + " by " + c.get("angle"));
        }
    }

    @Test
    void erasingSetsTheRectangle() {
        for (var c : cases("erase")) {
            Image im = image((String) c.get("image"));
            float[] x = im.padded();
            Transforms.erase(x, 3, im.c(), im.h(), im.w(), i(c, "i"), i(c, "j"), i(c, "h"), i(c, "w"), f(c, "value"));
            check(floats(c.get("out")), x, 0, "erase " + c);
        }
        for (var c : cases("erase_size")) {
            double area = ((Number) c.get("area")).doubleValue(), ratio = ((Number) c.get("ratio")).doubleValue();
            assertEquals(i(c, "h"), Transforms.eraseHeight(area, ratio), "height for " + c);
            assertEquals(i(c, "w"), Transforms.eraseWidth(area, ratio), "width for " + c);
        }
    }

    @Test
    void normalizeIsPerChannel() {
        for (var c : cases("normalize")) {
            Image im = image((String) c.get("image"));
            float[] x = im.padded();
            Transform t = Transforms.normalize(floats(c.get("mean")), floats(c.get("std")));
            t.apply(x, 3, im.c(), im.h(), im.w(), new float[im.data().length], new dev.backprop.Generator(0));
            check(floats(c.get("out")), x, 1e-6, "normalize " + c.get("image"));
        }
    }
}
