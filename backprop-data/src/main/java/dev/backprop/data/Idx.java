package dev.backprop.data;

import dev.backprop.Storage;
import dev.backprop.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reader for the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/).
 *
 * <p>An IDX file is a big-endian header, a 4-byte magic number {@code 0x0000TTDD} (TT the element type, 0x08 for
 * unsigned bytes; DD the number of dimensions), one 4-byte size per dimension, then the elements row-major.
 * Images are 0x00000803 (N, rows, cols) and labels 0x00000801 (N). A file may be
 * gzipped or plain: that is detected from the gzip magic bytes (1f 8b), not from the file name. The data is read
 * in bulk (1 MiB chunks, inflated by one native call each) and converted chunk by chunk into the result array.
 *
 * <p>Every error is a one-line {@link DataException} naming the file and the byte offset (in the decompressed
 * stream for a gzipped file): a wrong magic number says which was expected, a short file says where the data ran
 * out and how much was expected.
 */
public final class Idx {
    /** Magic number of an IDX file of unsigned-byte images (N, rows, cols). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned-byte labels (N). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final float[] SCALE = new float[256];

    static {
        for (int i = 0; i < 256; i++) SCALE[i] = i / 255f;
    }

    private Idx() {}

    /** An unsigned-byte IDX file read and converted: its dimensions, and pixels in [0, 1] or labels 0..255. */
    record Raw(String name, int[] dims, float[] pixels, long[] labels) {
        int count() {
            return dims[0];
        }
    }

    /** Images as a float32 tensor (N, rows, cols) with pixel values scaled from 0..255 to [0, 1]. */
    public static Tensor readImages(Path file) {
        Raw raw = read(file, IMAGES_MAGIC, "IDX images");
        int[] shape = raw.dims();
        return Tensor.fromStorage(Storage.wrap(raw.pixels()), 0, shape, new int[] {shape[1] * shape[2], shape[2], 1});
    }

    /** Labels as an int64 tensor (N) with values 0..255. */
    public static Tensor readLabels(Path file) {
        Raw raw = read(file, LABELS_MAGIC, "IDX labels");
        return Tensor.fromStorage(Storage.wrap(raw.labels()), 0, raw.dims(), new int[] {1});
    }

    /**
     * An image classification data set from an images file and a labels file: features (N, 1, rows, cols) in
     * [0, 1], int64 labels. {@code numClasses} fixes the class count (labels must be below it); -1 infers it.
     */
    public static TensorDataset readDataset(Path images, Path labels, int numClasses) {
        return dataset(read(images, IMAGES_MAGIC, "IDX images"), read(labels, LABELS_MAGIC, "IDX labels"), numClasses);
    }

    static TensorDataset dataset(Raw images, Raw labels, int numClasses) {
        if (images.count() != labels.count()) {
            throw new DataException(images.name() + " has " + images.count() + " images but " + labels.name() + " has "
                    + labels.count() + " labels; they must match");
        }
        long[] y = labels.labels();
        if (numClasses > 0) {
            for (int i = 0; i < y.length; i++) {
                if (y[i] >= numClasses) {
                    throw new DataException(labels.name() + ": label " + y[i] + " at index " + i + " (offset " + (8 + i)
                            + ") is out of range for " + numClasses + " classes");
                }
            }
        }
        int[] d = images.dims();
        return TensorDataset.classification(images.pixels(), new int[] {1, d[1], d[2]}, y, numClasses);
    }

    /**
     * Reads an unsigned-byte IDX file, checking its magic number ({@link #IMAGES_MAGIC} or {@link #LABELS_MAGIC}),
     * its sizes and that it holds all the elements they promise. The elements are converted chunk by chunk as
     * they are read (or inflated), so no second copy of the file is ever held.
     */
    static Raw read(Path file, int expectedMagic, String what) {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        try (Source in = Source.open(file, name)) {
            byte[] head = in.readExactly(4, "the 4-byte magic number");
            int magic = bigEndian(head, 0);
            if (magic != expectedMagic) {
                throw new DataException(name + ": bad magic " + hex(magic) + " at offset 0, expected " + hex(expectedMagic)
                        + " (" + what + ")" + hint(magic));
            }
            int rank = expectedMagic & 0xFF;
            byte[] sizes = in.readExactly(4 * rank, rank + " dimension size" + (rank == 1 ? "" : "s"));
            int[] dims = new int[rank];
            long count = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = bigEndian(sizes, 4 * i);
                if (dims[i] < 0 || (i > 0 && dims[i] == 0)) {
                    throw new DataException(name + ": bad size " + Integer.toUnsignedString(dims[i]) + " for dimension " + i
                            + " at offset " + (4 + 4 * i));
                }
                count *= dims[i];
            }
            if (count > Storage.MAX_ELEMENTS) {
                throw new DataException(name + ": " + count + " elements (sizes at offset 4) are more than one array holds");
            }
            int n = (int) count;
            String unit = rank == 3 ? dims[0] + " images of " + dims[1] + "×" + dims[2] : dims[0] + " labels";
            if (rank == 3) {
                float[] px = new float[n];
                in.readConverted(n, unit, (buf, len, at) -> {
                    for (int i = 0; i < len; i++) px[at + i] = SCALE[buf[i] & 0xFF];
                });
                in.finish();
                return new Raw(name, dims, px, null);
            }
            long[] labels = new long[n];
            in.readConverted(n, unit, (buf, len, at) -> {
                for (int i = 0; i < len; i++) labels[at + i] = buf[i] & 0xFF;
            });
            in.finish();
            return new Raw(name, dims, null, labels);
        } catch (NoSuchFileException e) {
            throw new DataException(file + ": no such file");
        } catch (IOException e) {
            throw new DataException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static String hint(int magic) {
        if (magic == IMAGES_MAGIC || magic == LABELS_MAGIC) return " — images and labels files swapped?";
        if ((magic & 0xFFFF0000) != 0) return " — not an IDX file";
        return "";
    }

    /** Receives one chunk of elements: {@code len} bytes of {@code buf}, the first being element {@code at}. */
    private interface Chunk {
        void accept(byte[] buf, int len, int at);
    }

    /**
     * The decompressed bytes of a file, plain or gzip, with the offset tracked so that a short or corrupt file can
     * be named precisely. Gzip is inflated from the whole compressed file in memory (one native call per chunk,
     * with the CRC and length in the trailer checked), which is about twice as fast as {@code GZIPInputStream}.
     */
    private abstract static class Source implements AutoCloseable {
        private static final int CHUNK = 1 << 20;
        final String name;
        long offset;

        Source(String name) {
            this.name = name;
        }

        static Source open(Path file, String name) throws IOException {
            InputStream in = Files.newInputStream(file);
            byte[] magic = in.readNBytes(2);
            if (magic.length == 2 && (magic[0] & 0xFF) == 0x1f && (magic[1] & 0xFF) == 0x8b) {
                in.close();
                return new Gzip(Files.readAllBytes(file), name);
            }
            return new Plain(in, magic, name);
        }

        /** Up to {@code len} bytes into {@code b}; fewer only at the end of the data. */
        abstract int read(byte[] b, int off, int len) throws IOException;

        abstract boolean gzipped();

        /** Reads to the end of the stream so a gzip trailer (CRC, length) is checked; extra bytes are ignored. */
        void finish() throws IOException {}

        byte[] readExactly(int n, String what) throws IOException {
            byte[] b = new byte[n];
            int got = read(b, 0, n);
            check(got, n, what, offset);
            offset += got;
            return b;
        }

        void readConverted(int n, String what, Chunk sink) throws IOException {
            byte[] buf = new byte[Math.min(CHUNK, Math.max(n, 1))];
            long start = offset;
            int done = 0;
            while (done < n) {
                int want = Math.min(buf.length, n - done);
                int got = read(buf, 0, want);
                sink.accept(buf, got, done);
                done += got;
                if (got < want) {
                    offset += done;
                    check(done, n, what, start);
                }
            }
            offset += done;
        }

        private void check(int got, int n, String what, long start) {
            if (got < n) {
                throw new DataException(name + ": truncated: data ends at offset " + (start + got) + ", expected " + n
                        + " bytes (" + what + ") from offset " + start + (gzipped() ? " (decompressed)" : ""));
            }
        }

        @Override
        public void close() throws IOException {}
    }

    private static final class Plain extends Source {
        private final InputStream in;
        private byte[] pending;
        private int pendingAt;

        Plain(InputStream in, byte[] first, String name) {
            super(name);
            this.in = in;
            this.pending = first;
        }

        @Override
        int read(byte[] b, int off, int len) throws IOException {
            int got = 0;
            while (got < len && pending != null && pendingAt < pending.length) b[off + got++] = pending[pendingAt++];
            if (got < len) got += in.readNBytes(b, off + got, len - got);
            return got;
        }

        @Override
        boolean gzipped() {
            return false;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static final class Gzip extends Source {
        private final byte[] data;
        private final Inflater inflater = new Inflater(true);
        private final CRC32 crc = new CRC32();
        private long memberSize;
        private boolean ended;

        Gzip(byte[] data, String name) {
            super(name);
            this.data = data;
            startMember(0);
        }

        /** Parses a gzip member header at {@code at} (RFC 1952) and feeds the deflate data after it. */
        private void startMember(int at) {
            int p = at;
            if (data.length - p < 10 || (data[p] & 0xFF) != 0x1f || (data[p + 1] & 0xFF) != 0x8b) {
                throw corrupt("bad gzip header at file offset " + p);
            }
            if (data[p + 2] != 8) throw corrupt("unsupported gzip compression method " + data[p + 2]);
            int flags = data[p + 3] & 0xFF;
            p += 10;
            try {
                if ((flags & 4) != 0) p += 2 + ((data[p] & 0xFF) | (data[p + 1] & 0xFF) << 8);
                if ((flags & 8) != 0) while (data[p++] != 0) { /* file name */ }
                if ((flags & 16) != 0) while (data[p++] != 0) { /* comment */ }
                if ((flags & 2) != 0) p += 2;
            } catch (ArrayIndexOutOfBoundsException e) {
                p = data.length + 1;
            }
            if (p > data.length) {
                throw new DataException(name + ": truncated: the gzip header ends early (file offset " + data.length + ")");
            }
            inflater.reset();
            crc.reset();
            memberSize = 0;
            inflater.setInput(data, p, data.length - p);
        }

        @Override
        int read(byte[] b, int off, int len) {
            int got = 0;
            while (got < len && !ended) {
                int k;
                try {
                    k = inflater.inflate(b, off + got, len - got);
                } catch (DataFormatException e) {
                    throw corrupt("corrupt gzip data near decompressed offset " + (offset + got) + " (" + e.getMessage() + ")");
                }
                crc.update(b, off + got, k);
                memberSize += k;
                got += k;
                if (inflater.finished()) {
                    endMember();
                } else if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    ended = true; // the compressed data stops early: the caller reports the truncation
                }
            }
            return got;
        }

        /** Checks the member's CRC-32 and length, then starts the next member, if any. */
        private void endMember() {
            int trailer = data.length - inflater.getRemaining();
            if (data.length - trailer < 8) {
                throw new DataException(name + ": truncated: the gzip trailer is missing (file offset " + data.length + ")");
            }
            long storedCrc = le32(trailer), storedSize = le32(trailer + 4);
            if (storedCrc != crc.getValue()) {
                throw corrupt("gzip CRC mismatch (stored 0x" + Long.toHexString(storedCrc) + ", computed 0x"
                        + Long.toHexString(crc.getValue()) + ")");
            }
            if (storedSize != (memberSize & 0xFFFFFFFFL)) {
                throw corrupt("gzip length mismatch (stored " + storedSize + ", inflated " + memberSize + ")");
            }
            int next = trailer + 8;
            if (next + 1 < data.length && (data[next] & 0xFF) == 0x1f && (data[next + 1] & 0xFF) == 0x8b) startMember(next);
            else ended = true;
        }

        private long le32(int p) {
            return (data[p] & 0xFFL) | (data[p + 1] & 0xFFL) << 8 | (data[p + 2] & 0xFFL) << 16 | (data[p + 3] & 0xFFL) << 24;
        }

        private DataException corrupt(String what) {
            return new DataException(name + ": " + what);
        }

        @Override
        boolean gzipped() {
            return true;
        }

        @Override
        void finish() {
            byte[] scratch = new byte[8192];
            while (!ended) read(scratch, 0, scratch.length);
        }

        @Override
        public void close() {
            inflater.end();
        }
    }

    private static int bigEndian(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    private static String hex(int v) {
        return String.format("0x%08X", v);
    }
}
