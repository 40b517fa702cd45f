package dev.backprop.data;

import dev.backprop.DType;
import dev.backprop.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxTest {
    @TempDir
    Path dir;

    /** The bytes of an IDX file: magic, sizes, then the data. */
    static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(magic);
        for (int d : dims) b.putInt(d);
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    /** n images of rows×cols with pixel (i, j) of image k = (k·7 + j·3 + i) mod 256. */
    static byte[] pixels(int n, int rows, int cols) {
        byte[] p = new byte[n * rows * cols];
        for (int k = 0; k < n; k++)
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) p[(k * rows + i) * cols + j] = (byte) ((k * 7 + j * 3 + i * 40) % 256);
        return p;
    }

    Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void readsPlainAndGzippedImagesAlike() throws IOException {
        byte[] px = pixels(5, 3, 4);
        px[0] = (byte) 255;
        byte[] raw = idx(Idx.IMAGES_MAGIC, new int[] {5, 3, 4}, px);
        // names deliberately misleading: detection is by the gzip magic, not the name
        Tensor plain = Idx.readImages(write("plain.gz", raw));
        Tensor gz = Idx.readImages(write("zipped-images", gzip(raw)));
        assertArrayEquals(new int[] {5, 3, 4}, plain.shape());
        assertEquals(DType.FLOAT32, plain.dtype());
        float[] p = plain.toFloatArray();
        assertArrayEquals(p, gz.toFloatArray());
        assertEquals(1f, p[0]);
        for (int i = 1; i < px.length; i++) assertEquals((px[i] & 0xFF) / 255f, p[i], "pixel " + i);
    }

    @Test
    void readsLabels() throws IOException {
        byte[] raw = idx(Idx.LABELS_MAGIC, new int[] {4}, new byte[] {3, 0, 9, (byte) 200});
        Tensor l = Idx.readLabels(write("labels", gzip(raw)));
        assertEquals(DType.INT64, l.dtype());
        assertArrayEquals(new long[] {3, 0, 9, 200}, l.toLongArray());
    }

    @Test
    void readsADataSetWithAChannelDimension() throws IOException {
        Path images = write("i", idx(Idx.IMAGES_MAGIC, new int[] {3, 2, 2}, pixels(3, 2, 2)));
        Path labels = write("l", idx(Idx.LABELS_MAGIC, new int[] {3}, new byte[] {1, 2, 0}));
        TensorDataset d = Idx.readDataset(images, labels, 10);
        assertEquals(3, d.size());
        assertArrayEquals(new int[] {1, 2, 2}, d.sampleShape());
        assertEquals(10, d.numClasses());
        assertEquals(2, d.label(1));
    }

    @Test
    void wrongMagicNamesFileOffsetAndExpectedMagic() throws IOException {
        Path labelsAsImages = write("train-images-idx3-ubyte.gz",
                gzip(idx(Idx.LABELS_MAGIC, new int[] {2}, new byte[] {1, 2})));
        DataException e = assertThrows(DataException.class, () -> Idx.readImages(labelsAsImages));
        assertTrue(e.getMessage().startsWith(
                "train-images-idx3-ubyte.gz: bad magic 0x00000801 at offset 0, expected 0x00000803 (IDX images)"), e.getMessage());
        oneLine(e);

        Path text = write("labels.txt", "hello world, not IDX".getBytes());
        e = assertThrows(DataException.class, () -> Idx.readLabels(text));
        assertTrue(e.getMessage().startsWith("labels.txt: bad magic 0x68656C6C at offset 0, expected 0x00000801 (IDX labels)"),
                e.getMessage());
        oneLine(e);
    }

    @Test
    void truncatedDataNamesTheOffsetWhereItRanOut() throws IOException {
        byte[] raw = idx(Idx.IMAGES_MAGIC, new int[] {10, 4, 4}, pixels(10, 4, 4));
        byte[] cut = Arrays.copyOf(raw, 16 + 100); // 160 pixel bytes promised, 100 present
        for (byte[] bytes : new byte[][] {cut, gzip(cut)}) {
            Path f = write("short-images", bytes);
            DataException e = assertThrows(DataException.class, () -> Idx.readImages(f));
            assertTrue(e.getMessage().startsWith("short-images: truncated: data ends at offset 116, expected 160 bytes "
                    + "(10 images of 4×4) from offset 16"), e.getMessage());
            oneLine(e);
        }
    }

    @Test
    void truncatedGzipStreamIsReportedAsTruncated() throws IOException {
        byte[] raw = idx(Idx.IMAGES_MAGIC, new int[] {50, 10, 10}, pixels(50, 10, 10));
        byte[] gz = gzip(raw);
        Path f = write("cut.gz", Arrays.copyOf(gz, gz.length / 2));
        DataException e = assertThrows(DataException.class, () -> Idx.readImages(f));
        assertTrue(e.getMessage().startsWith("cut.gz: truncated: data ends at offset "), e.getMessage());
        assertTrue(e.getMessage().contains("(decompressed)"), e.getMessage());
        oneLine(e);
    }

    @Test
    void corruptGzipIsNamedAndConcatenatedMembersAreRead() throws IOException {
        byte[] raw = idx(Idx.IMAGES_MAGIC, new int[] {20, 8, 8}, pixels(20, 8, 8));
        byte[] gz = gzip(raw);
        byte[] bad = gz.clone();
        bad[bad.length - 6] ^= 0x55; // inside the CRC-32 of the trailer
        Path f = write("bad-crc.gz", bad);
        DataException e = assertThrows(DataException.class, () -> Idx.readImages(f));
        assertTrue(e.getMessage().startsWith("bad-crc.gz: gzip CRC mismatch"), e.getMessage());
        oneLine(e);

        // a gzip file may hold several members one after the other (as `cat a.gz b.gz` makes)
        byte[] first = gzip(Arrays.copyOf(raw, 700)), second = gzip(Arrays.copyOfRange(raw, 700, raw.length));
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        assertArrayEquals(Idx.readImages(write("plain", raw)).toFloatArray(), Idx.readImages(write("two.gz", both)).toFloatArray());
    }

    @Test
    void truncatedHeader() throws IOException {
        Path f = write("tiny", new byte[] {0, 0, 8});
        DataException e = assertThrows(DataException.class, () -> Idx.readLabels(f));
        assertEquals("tiny: truncated: data ends at offset 3, expected 4 bytes (the 4-byte magic number) from offset 0",
                e.getMessage());
        Path g = write("no-sizes", new byte[] {0, 0, 8, 3, 0, 0, 0, 5, 0, 0});
        e = assertThrows(DataException.class, () -> Idx.readImages(g));
        assertEquals("no-sizes: truncated: data ends at offset 10, expected 12 bytes (3 dimension sizes) from offset 4",
                e.getMessage());
    }

    @Test
    void emptyFileAndMissingFile() throws IOException {
        Path f = write("empty", new byte[0]);
        DataException e = assertThrows(DataException.class, () -> Idx.readImages(f));
        assertTrue(e.getMessage().startsWith("empty: truncated: data ends at offset 0"), e.getMessage());
        e = assertThrows(DataException.class, () -> Idx.readImages(dir.resolve("nope")));
        assertTrue(e.getMessage().endsWith("nope: no such file"), e.getMessage());
    }

    @Test
    void countsThatDifferSayBothCounts() throws IOException {
        Path images = write("imgs", idx(Idx.IMAGES_MAGIC, new int[] {3, 2, 2}, pixels(3, 2, 2)));
        Path labels = write("lbls", idx(Idx.LABELS_MAGIC, new int[] {2}, new byte[] {1, 2}));
        DataException e = assertThrows(DataException.class, () -> Idx.readDataset(images, labels, 10));
        assertEquals("imgs has 3 images but lbls has 2 labels; they must match", e.getMessage());
    }

    @Test
    void labelsOutOfRangeAreNamed() throws IOException {
        Path images = write("imgs", idx(Idx.IMAGES_MAGIC, new int[] {2, 1, 1}, new byte[] {0, 1}));
        Path labels = write("lbls", idx(Idx.LABELS_MAGIC, new int[] {2}, new byte[] {1, 12}));
        DataException e = assertThrows(DataException.class, () -> Idx.readDataset(images, labels, 10));
        assertEquals("lbls: label 12 at index 1 (offset 9) is out of range for 10 classes", e.getMessage());
    }

    @Test
    void directoryOfIdxFilesLoadsWithEitherNaming() throws IOException {
        Path d = Files.createDirectory(dir.resolve("my-set"));
        Files.write(d.resolve("train-images-idx3-ubyte.gz"), gzip(idx(Idx.IMAGES_MAGIC, new int[] {4, 3, 3}, pixels(4, 3, 3))));
        Files.write(d.resolve("train-labels-idx1-ubyte"), idx(Idx.LABELS_MAGIC, new int[] {4}, new byte[] {0, 1, 2, 1}));
        Files.write(d.resolve("t10k-images.idx3-ubyte"), idx(Idx.IMAGES_MAGIC, new int[] {2, 3, 3}, pixels(2, 3, 3)));
        Files.write(d.resolve("t10k-labels.idx1-ubyte.gz"), gzip(idx(Idx.LABELS_MAGIC, new int[] {2}, new byte[] {2, 0})));
        LabeledData data = DataSets.load(d.toString());
        assertEquals("my-set", data.name());
        assertEquals(4, data.train().size());
        assertEquals(2, data.test().size());
        assertArrayEquals(new int[] {1, 3, 3}, data.inputShape());
        assertEquals(java.util.List.of("0", "1", "2"), data.classNames());
        assertEquals(3, data.train().numClasses());
        assertEquals(3, data.test().numClasses());
    }

    @Test
    void directoryMissingFilesSaysWhich() throws IOException {
        Path d = Files.createDirectory(dir.resolve("partial"));
        Files.write(d.resolve("train-images-idx3-ubyte"), idx(Idx.IMAGES_MAGIC, new int[] {1, 1, 1}, new byte[1]));
        DataException e = assertThrows(DataException.class, () -> DataSets.load(d.toString()));
        assertTrue(e.getMessage().contains("missing train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte"),
                e.getMessage());
        oneLine(e);
    }

    @Test
    void anErrorInTheTestFilesSurfaces() throws IOException {
        Path d = Files.createDirectory(dir.resolve("bad-test"));
        Files.write(d.resolve("train-images-idx3-ubyte"), idx(Idx.IMAGES_MAGIC, new int[] {1, 1, 1}, new byte[1]));
        Files.write(d.resolve("train-labels-idx1-ubyte"), idx(Idx.LABELS_MAGIC, new int[] {1}, new byte[1]));
        Files.write(d.resolve("t10k-images-idx3-ubyte"), idx(Idx.LABELS_MAGIC, new int[] {1}, new byte[1]));
        Files.write(d.resolve("t10k-labels-idx1-ubyte"), idx(Idx.LABELS_MAGIC, new int[] {1}, new byte[1]));
        DataException e = assertThrows(DataException.class, () -> DataSets.load(d.toString()));
        assertTrue(e.getMessage().startsWith("t10k-images-idx3-ubyte: bad magic 0x00000801 at offset 0"), e.getMessage());
    }

    static void oneLine(Exception e) {
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
