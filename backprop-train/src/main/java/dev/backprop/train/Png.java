package dev.backprop.train;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A minimal PNG writer (8-bit grey or RGB, no interlacing) for the report's images, so that reports need neither
 * {@code java.desktop} nor anything else beyond {@code java.base}.
 */
final class Png {
    private Png() {}

    /** The picture as PNG bytes; values are clamped to [0, 1] and rounded to 8 bits. */
    static byte[] encode(HtmlReport.Picture p) {
        int c = p.channels(), h = p.height(), w = p.width();
        // Each scanline starts with its filter type (0: none); samples are interleaved per pixel.
        byte[] raw = new byte[h * (1 + w * c)];
        float[] px = p.pixels();
        int o = 0;
        for (int y = 0; y < h; y++) {
            raw[o++] = 0;
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    float v = px[(ch * h + y) * w + x];
                    v = Float.isNaN(v) ? 0 : Math.min(1f, Math.max(0f, v));
                    raw[o++] = (byte) Math.round(v * 255);
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, w);
        putInt(ihdr, 4, h);
        ihdr[8] = 8;                        // bit depth
        ihdr[9] = (byte) (c == 1 ? 0 : 2);  // colour type: grey or RGB
        chunk(out, "IHDR", ihdr);
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        d.setInput(raw);
        d.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!d.finished()) z.write(buf, 0, d.deflate(buf));
        d.end();
        chunk(out, "IDAT", z.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] len = new byte[4];
        putInt(len, 0, data.length);
        out.writeBytes(len);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        byte[] cb = new byte[4];
        putInt(cb, 0, (int) crc.getValue());
        out.writeBytes(cb);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
