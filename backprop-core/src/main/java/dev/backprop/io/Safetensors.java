package dev.backprop.io;

import dev.backprop.DType;
import dev.backprop.GradMode;
import dev.backprop.Shape;
import dev.backprop.Storage;
import dev.backprop.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format, so that
 * weights move between backprop and PyTorch ({@code safetensors.torch.save_file} / {@code load_file}).
 *
 * <h2>Format</h2>
 * <pre>
 *   8 bytes    N, the header length: an unsigned little-endian 64-bit integer
 *   N bytes    a UTF-8 JSON object: {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …,
 *              "__metadata__": {"key": "value", …}}   (metadata optional, strings only)
 *   the rest   the raw little-endian element bytes; each tensor's bytes are [begin, end) counted from here
 * </pre>
 * The writer pads the header with spaces so that the data starts 8-byte aligned, and lays the tensors out one
 * after another, in the order of the map, with no gaps (the reference reader rejects gaps).
 *
 * <h2>Types</h2>
 * Written: F32, F64, I64 and BOOL (backprop's four {@link DType}s). Read: those, plus F16 and BF16 (converted to
 * float32, exactly) and I32, I16, I8, U32, U16, U8 (converted to int64), so files saved from PyTorch load. A BOOL
 * byte other than 0 reads as true.
 *
 * <h2>Safety</h2>
 * {@link #write} is atomic: it writes a hidden temporary file in the same directory, flushes it to disk, and moves
 * it over the target, so a crash leaves either the old file or the new one, never half of one. The reader checks
 * the header before it allocates anything (header length, JSON, dtypes, shapes against byte counts, offsets inside
 * the data and not overlapping); every problem is an {@link IllegalArgumentException} of one line naming the file.
 * I/O failures are {@link UncheckedIOException}s, also naming the file.
 */
public final class Safetensors {
    private Safetensors() {}

    /** The largest header accepted (the reference implementation's limit). */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Size of the I/O buffer; a multiple of 8 so chunks never split an element. */
    private static final int CHUNK = 8 << 20;
    private static final String METADATA = "__metadata__";

    /** A file's tensors (in the order their bytes lie in the file) and its metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    /** Element types of the format that backprop reads, with the type each becomes. */
    private enum Code {
        F32(4, DType.FLOAT32), F64(8, DType.FLOAT64), I64(8, DType.INT64), BOOL(1, DType.BOOL),
        F16(2, DType.FLOAT32), BF16(2, DType.FLOAT32),
        I32(4, DType.INT64), I16(2, DType.INT64), I8(1, DType.INT64), U32(4, DType.INT64), U16(2, DType.INT64),
        U8(1, DType.INT64);

        final int bytes;
        final DType target;

        Code(int bytes, DType target) {
            this.bytes = bytes;
            this.target = target;
        }

        static Code of(DType t) {
            return switch (t) {
                case FLOAT32 -> F32;
                case FLOAT64 -> F64;
                case INT64 -> I64;
                case BOOL -> BOOL;
            };
        }
    }

    /** One header entry. */
    private record Entry(String name, Code code, int[] shape, long numel, long begin, long end) {}

    /** A parsed header: entries sorted by offset, metadata, and where the data starts. */
    private record Header(List<Entry> entries, Map<String, String> metadata, long dataStart, long dataLength) {}

    // ------------------------------------------------------------------------------------------------ writing

    /** Writes tensors with no metadata. See {@link #write(Path, Map, Map)}. */
    public static void write(Path file, Map<String, Tensor> tensors) {
        write(file, tensors, Map.of());
    }

    /**
     * Writes {@code tensors} (in map order) and {@code metadata} to {@code file}, atomically: a temporary file in the
     * same directory is written, flushed and moved over {@code file}. Non-contiguous tensors (transposes, slices,
     * expansions) are written as their values. The directory must exist.
     *
     * @throws IllegalArgumentException for a name that cannot be written ({@code "__metadata__"}, null) or a null
     *                                  tensor or metadata value; nothing is written then
     * @throws UncheckedIOException     when the file cannot be written; an existing file is left as it was
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        commit(writeTemp(file, tensors, metadata), file);
    }

    /** Writes the file's content to a hidden temporary sibling and returns its path; {@link #commit} moves it. */
    static Path writeTemp(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            Map<String, Object> meta = new LinkedHashMap<>();
            for (var e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException("cannot write " + file + ": metadata keys and values must not be "
                            + "null (key " + e.getKey() + ")");
                }
                meta.put(e.getKey(), e.getValue());
            }
            header.put(METADATA, meta);
        }
        List<Tensor> values = new ArrayList<>(tensors.size());
        long offset = 0;
        for (var e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || name.equals(METADATA)) {
                throw new IllegalArgumentException("cannot write " + file + ": \"" + name + "\" cannot name a tensor");
            }
            if (t == null) throw new IllegalArgumentException("cannot write " + file + ": tensor \"" + name + "\" is null");
            long bytes = t.numel() * t.dtype().bytes();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", Code.of(t.dtype()).name());
            info.put("shape", t.shape());
            info.put("data_offsets", List.of(offset, offset + bytes));
            header.put(name, info);
            values.add(t);
            offset += bytes;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        long total = 8L + padded + offset;
        return writeTemp(file, ch -> {
            ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(CHUNK, (total + 7) & ~7L)).order(ByteOrder.LITTLE_ENDIAN);
            Sink sink = new Sink(ch, buf);
            buf.putLong(padded);
            sink.bytes(json);
            for (int i = json.length; i < padded; i++) sink.space();
            for (Tensor t : values) sink.tensor(t);
            sink.flush();
        });
    }

    /** Buffers bytes into a channel. */
    private static final class Sink {
        private final FileChannel ch;
        private final ByteBuffer buf;

        Sink(FileChannel ch, ByteBuffer buf) {
            this.ch = ch;
            this.buf = buf;
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) ch.write(buf);
            buf.clear();
        }

        /** Room for at least one element of {@code size} bytes; returns how many elements fit. */
        private int room(int size) throws IOException {
            if (buf.remaining() < size) flush();
            return buf.remaining() / size;
        }

        void space() throws IOException {
            room(1);
            buf.put((byte) ' ');
        }

        void bytes(byte[] a) throws IOException {
            for (int i = 0; i < a.length; ) {
                int k = Math.min(a.length - i, room(1));
                buf.put(a, i, k);
                i += k;
            }
        }

        void tensor(Tensor t) throws IOException {
            Tensor c = t;
            if (!c.isContiguous()) {
                try (var scope = GradMode.noGrad()) {
                    c = t.detach().contiguous();
                }
            }
            Storage s = c.storage();
            int off = c.storageOffset();
            int n = (int) c.numel();
            int size = c.dtype().bytes();
            for (int i = 0; i < n; ) {
                int k = Math.min(n - i, room(size));
                int p = buf.position();
                switch (c.dtype()) {
                    case FLOAT32 -> buf.asFloatBuffer().put(s.floats(), off + i, k);
                    case FLOAT64 -> buf.asDoubleBuffer().put(s.doubles(), off + i, k);
                    case INT64 -> buf.asLongBuffer().put(s.longs(), off + i, k);
                    case BOOL -> {
                        boolean[] b = s.bools();
                        for (int j = 0; j < k; j++) buf.put(p + j, b[off + i + j] ? (byte) 1 : (byte) 0);
                    }
                }
                buf.position(p + k * size);
                i += k;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** The tensors of a file, in the order their bytes lie in it. See {@link #load}. */
    public static Map<String, Tensor> read(Path file) {
        return load(file).tensors();
    }

    /** The {@code __metadata__} of a file (empty when it has none), reading only the header. */
    public static Map<String, String> readMetadata(Path file) {
        try (FileChannel ch = open(file)) {
            return header(ch, file).metadata();
        } catch (IOException e) {
            throw io("read", file, e);
        }
    }

    /**
     * Reads a whole file: its tensors, in the order their bytes lie in the file, and its metadata. F16/BF16 become
     * float32 and the narrower integer types int64.
     *
     * @throws IllegalArgumentException naming the file and the problem, for a file that is not valid safetensors
     * @throws UncheckedIOException     when the file cannot be read
     */
    public static Contents load(Path file) {
        try (FileChannel ch = open(file)) {
            Header h = header(ch, file);
            Map<String, Tensor> out = new LinkedHashMap<>();
            Window win = new Window(ch, file, h.dataStart(), h.dataLength());
            for (Entry e : h.entries()) out.put(e.name(), readTensor(win, e));
            return new Contents(Collections.unmodifiableMap(out), h.metadata());
        } catch (IOException e) {
            throw io("read", file, e);
        }
    }

    private static FileChannel open(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new FileSystemException(file.toString(), null, "it is a directory");
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException(file + ": " + what);
    }

    private static Header header(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw bad(file, "not a safetensors file: " + size + " bytes, fewer than the 8-byte header length it starts with");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0, file);
        long n = lenBuf.getLong(0);
        if (n < 0 || n > size - 8) {
            throw bad(file, "header length " + Long.toUnsignedString(n) + " (the first 8 bytes) reaches beyond the end of "
                    + "the file (" + size + " bytes); the file is truncated or not safetensors");
        }
        if (n > MAX_HEADER_BYTES) throw bad(file, "header length " + n + " is over the limit of " + MAX_HEADER_BYTES + " bytes");
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8, file);
        hb.flip();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(hb).toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "the header is not valid UTF-8");
        }
        Object root;
        try {
            root = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw bad(file, "the header is not valid JSON: " + e.getMessage().replaceFirst("^JSON: ", "")
                    + " (counted in characters from the start of the header, which is at byte 8)");
        }
        if (!(root instanceof Map<?, ?> map)) throw bad(file, "the header is not a JSON object");
        long dataLength = size - 8 - n;
        Map<String, String> metadata = Map.of();
        List<Entry> entries = new ArrayList<>();
        for (var e : map.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(METADATA)) {
                metadata = metadata(file, e.getValue());
                continue;
            }
            entries.add(entry(file, name, e.getValue(), dataLength));
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        Entry prev = null;
        for (Entry e : entries) {
            if (e.begin() == e.end()) continue;
            if (prev != null && e.begin() < prev.end()) {
                throw bad(file, "tensors \"" + prev.name() + "\" " + range(prev) + " and \"" + e.name() + "\" " + range(e)
                        + " overlap");
            }
            prev = e;
        }
        return new Header(List.copyOf(entries), metadata, 8 + n, dataLength);
    }

    private static String range(Entry e) {
        return "[" + e.begin() + ", " + e.end() + "]";
    }

    private static Map<String, String> metadata(Path file, Object v) {
        if (!(v instanceof Map<?, ?> m)) throw bad(file, "__metadata__ is not a JSON object");
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw bad(file, "__metadata__ must map strings to strings, but \"" + e.getKey() + "\" holds "
                        + describe(e.getValue()));
            }
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static String describe(Object v) {
        return switch (v) {
            case null -> "null";
            case String s -> "a string";
            case Double d -> "the number " + Json.write(d);
            case Boolean b -> b.toString();
            case List<?> l -> "an array";
            case Map<?, ?> m -> "an object";
            default -> v.toString();
        };
    }

    private static Entry entry(Path file, String name, Object v, long dataLength) {
        String where = "tensor \"" + name + "\"";
        if (!(v instanceof Map<?, ?> m)) {
            throw bad(file, where + ": expected an object with dtype, shape and data_offsets, got " + describe(v));
        }
        if (!(m.get("dtype") instanceof String dt)) throw bad(file, where + ": dtype missing or not a string");
        Code code;
        try {
            code = Code.valueOf(dt);
        } catch (IllegalArgumentException ex) {
            throw bad(file, where + ": unknown dtype \"" + dt + "\"; backprop reads F32, F64, F16, BF16, I64, I32, I16, "
                    + "I8, U32, U16, U8 and BOOL");
        }
        if (!(m.get("shape") instanceof List<?> sl)) throw bad(file, where + ": shape missing or not an array");
        int[] shape = new int[sl.size()];
        for (int i = 0; i < shape.length; i++) {
            long d = integer(sl.get(i), Integer.MAX_VALUE);
            if (d < 0) throw bad(file, where + ": shape " + show(sl) + " is not a list of sizes (non-negative integers)");
            shape[i] = (int) d;
        }
        if (!(m.get("data_offsets") instanceof List<?> ol) || ol.size() != 2) {
            throw bad(file, where + ": data_offsets missing or not a pair [begin, end]");
        }
        long begin = integer(ol.get(0), Long.MAX_VALUE), end = integer(ol.get(1), Long.MAX_VALUE);
        if (begin < 0 || end < begin) {
            throw bad(file, where + ": data_offsets " + show(ol) + " are not a range [begin, end] of non-negative integers");
        }
        long numel;
        try {
            numel = Shape.numel(shape);
        } catch (IllegalArgumentException ex) {
            throw bad(file, where + ": " + ex.getMessage());
        }
        if (numel > Storage.MAX_ELEMENTS) {
            throw bad(file, where + ": shape " + Shape.str(shape) + " holds " + numel + " elements, more than backprop's "
                    + "limit of " + Storage.MAX_ELEMENTS + " per tensor");
        }
        long need = numel * code.bytes;
        if (end - begin != need) {
            throw bad(file, where + ": shape " + Shape.str(shape) + " of " + code + " needs " + need + " bytes, but "
                    + "data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        if (end > dataLength) {
            throw bad(file, where + ": data_offsets [" + begin + ", " + end + "] reach beyond the " + dataLength
                    + " bytes of data after the header (is the file truncated?)");
        }
        return new Entry(name, code, shape, numel, begin, end);
    }

    /** A JSON list as written in the file: whole numbers without ".0". */
    private static String show(List<?> l) {
        List<String> parts = new ArrayList<>();
        for (Object o : l) {
            parts.add(o instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue())
                    : describeValue(o));
        }
        return "[" + String.join(", ", parts) + "]";
    }

    private static String describeValue(Object o) {
        try {
            return Json.write(o);
        } catch (IllegalArgumentException e) {
            return String.valueOf(o);
        }
    }

    /** A JSON number that is a whole number in [0, max], or −1. */
    private static long integer(Object v, long max) {
        if (v instanceof Double d && d >= 0 && d == Math.rint(d) && d <= max && d <= 0x1p53) return d.longValue();
        return -1;
    }

    /** A sliding read window over the data region: small tensors next to each other share one read. */
    private static final class Window {
        private final FileChannel ch;
        private final Path file;
        private final long dataStart, dataLength;
        private final ByteBuffer buf;
        private long start = -1, end = -1;

        Window(FileChannel ch, Path file, long dataStart, long dataLength) {
            this.ch = ch;
            this.file = file;
            this.dataStart = dataStart;
            this.dataLength = dataLength;
            this.buf = ByteBuffer.allocateDirect((int) Math.max(8, Math.min(CHUNK, (dataLength + 7) & ~7L)));
        }

        /** Bytes [p, p + k) of the data region, k ≤ the buffer's capacity, as a little-endian buffer. */
        ByteBuffer get(long p, int k) throws IOException {
            if (p < start || p + k > end) {
                int len = (int) Math.min(buf.capacity(), dataLength - p);
                buf.clear().limit(len);
                readFully(ch, buf, dataStart + p, file);
                start = p;
                end = p + len;
            }
            return buf.slice((int) (p - start), k).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private static Tensor readTensor(Window win, Entry e) throws IOException {
        Storage s = Storage.allocate(e.code().target, e.numel());
        int size = e.code().bytes;
        int perChunk = CHUNK / size;
        int n = (int) e.numel();
        for (int i = 0; i < n; i += perChunk) {
            int k = Math.min(perChunk, n - i);
            decode(e.code(), win.get(e.begin() + (long) i * size, k * size), s, i, k);
        }
        return Tensor.fromStorage(s, 0, e.shape(), Shape.contiguousStrides(e.shape()));
    }

    /** Decodes {@code k} elements from {@code b} into storage elements [at, at + k). */
    private static void decode(Code code, ByteBuffer b, Storage s, int at, int k) {
        switch (code) {
            case F32 -> b.asFloatBuffer().get(s.floats(), at, k);
            case F64 -> b.asDoubleBuffer().get(s.doubles(), at, k);
            case I64 -> b.asLongBuffer().get(s.longs(), at, k);
            case BOOL -> {
                boolean[] d = s.bools();
                for (int i = 0; i < k; i++) d[at + i] = b.get(i) != 0;
            }
            case F16 -> {
                float[] d = s.floats();
                ShortBuffer h = b.asShortBuffer();
                for (int i = 0; i < k; i++) d[at + i] = Float.float16ToFloat(h.get(i));
            }
            case BF16 -> {
                float[] d = s.floats();
                ShortBuffer h = b.asShortBuffer();
                for (int i = 0; i < k; i++) d[at + i] = Float.intBitsToFloat((h.get(i) & 0xffff) << 16);
            }
            case I32 -> {
                long[] d = s.longs();
                var h = b.asIntBuffer();
                for (int i = 0; i < k; i++) d[at + i] = h.get(i);
            }
            case U32 -> {
                long[] d = s.longs();
                var h = b.asIntBuffer();
                for (int i = 0; i < k; i++) d[at + i] = h.get(i) & 0xffffffffL;
            }
            case I16 -> {
                long[] d = s.longs();
                ShortBuffer h = b.asShortBuffer();
                for (int i = 0; i < k; i++) d[at + i] = h.get(i);
            }
            case U16 -> {
                long[] d = s.longs();
                ShortBuffer h = b.asShortBuffer();
                for (int i = 0; i < k; i++) d[at + i] = h.get(i) & 0xffff;
            }
            case I8 -> {
                long[] d = s.longs();
                for (int i = 0; i < k; i++) d[at + i] = b.get(i);
            }
            case U8 -> {
                long[] d = s.longs();
                for (int i = 0; i < k; i++) d[at + i] = b.get(i) & 0xff;
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) throw bad(file, "the file ended at byte " + pos + " while reading (was it changed while being read?)");
            pos += r;
        }
    }

    // ------------------------------------------------------------------------------------------------ atomic files

    /** Writes the content of a file to a channel. */
    interface ChannelWriter {
        void write(FileChannel ch) throws IOException;
    }

    /**
     * Writes a hidden temporary sibling of {@code target} with {@code body}, flushed to disk, and returns its path;
     * {@link #commit} moves it into place. On failure the temporary file is deleted and the target is untouched.
     */
    static Path writeTemp(Path target, ChannelWriter body) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (Files.isDirectory(abs)) throw io("write", target, new FileSystemException(abs.toString(), null, "it is a directory"));
        if (dir == null || !Files.isDirectory(dir)) {
            throw io("write", target, new NoSuchFileException(String.valueOf(dir), null, "the directory does not exist"));
        }
        Path tmp = null;
        FileChannel opened = null;
        while (opened == null) {
            tmp = dir.resolve("." + abs.getFileName() + "." + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong())
                    + ".tmp");
            try {
                opened = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                // Ctrl-C or a kill (not kill -9) between here and the move must not leave the temporary file behind.
                tmp.toFile().deleteOnExit();
            } catch (FileAlreadyExistsException e) {
                // another writer drew the same name: draw again
            } catch (IOException e) {
                throw io("write", target, e);
            }
        }
        boolean ok = false;
        try (FileChannel ch = opened) {
            body.write(ch);
            ch.force(true);
            ok = true;
        } catch (IOException e) {
            throw io("write", target, e);
        } finally {
            if (!ok) deleteQuietly(tmp);
        }
        return tmp;
    }

    /** Moves a file written by {@link #writeTemp} over {@code target} (atomically where the file system can). */
    static void commit(Path tmp, Path target) {
        try {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw io("write", target, e);
        }
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the file is hidden and named *.tmp
        }
    }

    /** An I/O failure as one line naming the file. */
    static UncheckedIOException io(String verb, Path file, IOException e) {
        String why = switch (e) {
            case NoSuchFileException x when x.getReason() != null -> x.getReason() + " (" + x.getFile() + ")";
            case NoSuchFileException x -> "no such file";
            case AccessDeniedException x -> "permission denied";
            case FileSystemException x when x.getReason() != null -> x.getReason();
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
        return new UncheckedIOException("cannot " + verb + " " + file + ": " + why.replace('\n', ' '), e);
    }
}
