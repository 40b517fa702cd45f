package dev.backprop.io;

import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.Shape;
import dev.backprop.Storage;
import dev.backprop.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {
    @TempDir
    Path dir;

    private static final int[][] SHAPES = {{}, {0}, {1}, {7}, {2, 3}, {2, 0, 4}, {1, 1, 1}, {3, 1, 5}};

    /** Random values, with the awkward ones (NaN payloads, −0, infinities, subnormals, extremes) up front. */
    static Tensor sample(DType dtype, int[] shape, Generator g) {
        int n = (int) Shape.numel(shape);
        Storage s = Storage.allocate(dtype, n);
        for (int i = 0; i < n; i++) {
            switch (dtype) {
                case FLOAT32 -> {
                    float[] special = {Float.intBitsToFloat(0x7fc00001), -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                            Float.MIN_VALUE, Float.MAX_VALUE, -Float.MIN_NORMAL};
                    s.floats()[i] = i < special.length ? special[i] : (float) g.nextGaussian();
                }
                case FLOAT64 -> {
                    double[] special = {Double.longBitsToDouble(0x7ff8000000000123L), -0.0, Double.NEGATIVE_INFINITY,
                            Double.MIN_VALUE, Double.MAX_VALUE};
                    s.doubles()[i] = i < special.length ? special[i] : g.nextGaussian() * 1e10;
                }
                case INT64 -> {
                    long[] special = {Long.MIN_VALUE, Long.MAX_VALUE, -1, 0};
                    s.longs()[i] = i < special.length ? special[i] : g.nextLong();
                }
                case BOOL -> s.bools()[i] = g.nextDouble() < 0.5;
            }
        }
        return Tensor.fromStorage(s, 0, shape, Shape.contiguousStrides(shape));
    }

    /** The raw bits of a tensor's values in row-major order, so NaN payloads and −0 compare exactly. */
    static long[] bits(Tensor t) {
        Tensor c = t.contiguous();
        int n = (int) c.numel(), off = c.storageOffset();
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (c.dtype()) {
                case FLOAT32 -> Float.floatToRawIntBits(c.storage().floats()[off + i]);
                case FLOAT64 -> Double.doubleToRawLongBits(c.storage().doubles()[off + i]);
                case INT64 -> c.storage().longs()[off + i];
                case BOOL -> c.storage().bools()[off + i] ? 1 : 0;
            };
        }
        return out;
    }

    static void assertSameTensor(Tensor expected, Tensor actual, String name) {
        assertEquals(expected.dtype(), actual.dtype(), name + " dtype");
        assertArrayEquals(expected.shape(), actual.shape(), name + " shape");
        assertArrayEquals(bits(expected), bits(actual), name + " values");
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void roundTripIsBitExactForEveryShape(DType dtype) {
        Generator g = new Generator(7);
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (int[] shape : SHAPES) in.put("t" + Arrays.toString(shape), sample(dtype, shape, g));
        Path f = dir.resolve("x.safetensors");
        Safetensors.write(f, in, Map.of("k", "v"));
        Safetensors.Contents c = Safetensors.load(f);
        assertEquals(List.copyOf(in.keySet()), List.copyOf(c.tensors().keySet()), "order kept");
        for (var e : in.entrySet()) assertSameTensor(e.getValue(), c.tensors().get(e.getKey()), e.getKey());
        assertEquals(Map.of("k", "v"), c.metadata());
    }

    @Test
    void mixedTypesInOneFileKeepOrderAndMetadata() {
        Generator g = new Generator(3);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("z.bool", sample(DType.BOOL, new int[] {5}, g));           // odd byte count before wider types
        in.put("a.f32", sample(DType.FLOAT32, new int[] {3, 3}, g));
        in.put("m.i64", sample(DType.INT64, new int[] {}, g));
        in.put("b.f64", sample(DType.FLOAT64, new int[] {2, 2}, g));
        in.put("empty", Tensor.zeros(0));
        in.put("naïve ✓ name", sample(DType.FLOAT32, new int[] {1}, g));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "backprop");
        meta.put("quote\"and\\slash", "line\nbreak é");
        Path f = dir.resolve("mixed.safetensors");
        Safetensors.write(f, in, meta);
        Safetensors.Contents c = Safetensors.load(f);
        assertEquals(List.copyOf(in.keySet()), List.copyOf(c.tensors().keySet()));
        for (var e : in.entrySet()) assertSameTensor(e.getValue(), c.tensors().get(e.getKey()), e.getKey());
        assertEquals(meta, c.metadata());
        assertEquals(meta, Safetensors.readMetadata(f));
    }

    @Test
    void noMetadataMeansNoMetadataKey() throws IOException {
        Path f = dir.resolve("plain.safetensors");
        Safetensors.write(f, Map.of("w", Tensor.ones(2)));
        assertFalse(header(f).contains("__metadata__"));
        assertEquals(Map.of(), Safetensors.readMetadata(f));
        Path e = dir.resolve("none.safetensors");
        Safetensors.write(e, Map.of());
        assertEquals(Map.of(), Safetensors.read(e));
    }

    @Test
    void layoutFollowsTheFormat() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("mask", Tensor.of(new boolean[] {true, false, true}));
        in.put("w", Tensor.of(new float[] {1.5f, -2f}, 2));
        in.put("d", Tensor.of(new double[] {0.25}, 1));
        Path f = dir.resolve("layout.safetensors");
        Safetensors.write(f, in, Map.of("format", "backprop"));
        byte[] b = Files.readAllBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong(0);
        assertEquals(0, (8 + n) % 8, "data starts 8-byte aligned");
        String h = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(h.startsWith("{"), h);
        assertTrue(h.stripTrailing().endsWith("}"), h);
        assertTrue(h.substring(h.stripTrailing().length()).chars().allMatch(ch -> ch == ' '), "padded with spaces");
        assertTrue(h.contains("\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]}"), h);
        assertTrue(h.contains("\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[3,11]}"), h);
        assertTrue(h.contains("\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[11,19]}"), h);
        assertEquals(8 + n + 19, b.length, "no gaps, nothing after the last tensor");
        int d = (int) (8 + n);
        assertArrayEquals(new byte[] {1, 0, 1}, Arrays.copyOfRange(b, d, d + 3));
        assertEquals(1.5f, bb.getFloat(d + 3));
        assertEquals(-2f, bb.getFloat(d + 7));
        assertEquals(0.25, bb.getDouble(d + 11));
    }

    @Test
    void nonContiguousTensorsAreWrittenAsTheirValues() {
        Tensor base = Tensor.arange(0, 24).toFloat().reshape(2, 3, 4);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("transposed", base.transpose(0, 2));
        in.put("sliced", base.slice(2, 1, 4, 2));
        in.put("selected", base.select(1, 2));
        in.put("expanded", Tensor.of(new double[] {1, 2, 3}, 3, 1).expand(3, 4));
        in.put("long-view", Tensor.arange(0, 10).slice(0, 3, 9, 3));
        Path f = dir.resolve("views.safetensors");
        Safetensors.write(f, in);
        Map<String, Tensor> out = Safetensors.read(f);
        for (var e : in.entrySet()) {
            assertFalse(e.getValue().isContiguous(), e.getKey() + " is a real view");
            assertSameTensor(e.getValue().contiguous(), out.get(e.getKey()), e.getKey());
            assertTrue(out.get(e.getKey()).isContiguous());
        }
    }

    @Test
    void largeTensorsCrossTheBufferBoundary() {
        // 2.1 M float32 = 8.4 MB after 3 bytes of bools: more than one 8 MiB I/O chunk, starting unaligned.
        float[] v = new float[2_100_000];
        for (int i = 0; i < v.length; i++) v[i] = i * 0.37f - 1e5f;
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("small", sample(DType.BOOL, new int[] {3}, new Generator(11)));
        in.put("big", Tensor.of(v, 2100, 1000));
        in.put("after", Tensor.of(new long[] {1, -2, 3}));
        Path f = dir.resolve("big.safetensors");
        Safetensors.write(f, in);
        Map<String, Tensor> out = Safetensors.read(f);
        for (var e : in.entrySet()) assertSameTensor(e.getValue(), out.get(e.getKey()), e.getKey());
    }

    // ------------------------------------------------------------------------------------------ PyTorch's files

    @Test
    void fileWrittenByPyTorchLoadsWithTheSameValues() throws IOException {
        Path f = dir.resolve("torch.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/golden/torch.safetensors")) {
            Files.copy(in, f);
        }
        Map<?, ?> fixture;
        try (InputStream in = getClass().getResourceAsStream("/golden/torch_safetensors.json")) {
            fixture = (Map<?, ?>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        Safetensors.Contents c = Safetensors.load(f);
        assertEquals(fixture.get("metadata"), c.metadata());
        Map<?, ?> expected = (Map<?, ?>) fixture.get("tensors");
        assertEquals(expected.keySet(), c.tensors().keySet());
        assertEquals(11, expected.size(), "the fixture covers F32, F64, I64, F16, BF16, I32, I8, U8, BOOL, scalar, empty");
        for (var e : expected.entrySet()) {
            String name = (String) e.getKey();
            Map<?, ?> want = (Map<?, ?>) e.getValue();
            Tensor got = c.tensors().get(name);
            List<?> shape = (List<?>) want.get("shape");
            assertArrayEquals(shape.stream().mapToInt(x -> ((Double) x).intValue()).toArray(), got.shape(), name);
            List<?> values = (List<?>) want.get("values");
            switch ((String) want.get("dtype")) {
                case "float32" -> {
                    assertEquals(DType.FLOAT32, got.dtype(), name);
                    float[] v = got.toFloatArray();
                    for (int i = 0; i < v.length; i++) {
                        float w = ((Double) values.get(i)).floatValue();
                        assertEquals(Float.floatToIntBits(w), Float.floatToIntBits(v[i]), name + "[" + i + "]: " + w + " vs " + v[i]);
                    }
                    assertEquals(values.size(), v.length, name);
                }
                case "float64" -> {
                    assertEquals(DType.FLOAT64, got.dtype(), name);
                    double[] v = got.toDoubleArray();
                    for (int i = 0; i < v.length; i++) {
                        assertEquals(Double.doubleToLongBits((Double) values.get(i)), Double.doubleToLongBits(v[i]), name + "[" + i + "]");
                    }
                    assertEquals(values.size(), v.length, name);
                }
                case "int64" -> {
                    assertEquals(DType.INT64, got.dtype(), name);
                    long[] w = values.stream().mapToLong(x -> Long.parseLong((String) x)).toArray();
                    assertArrayEquals(w, got.toLongArray(), name);
                }
                case "bool" -> {
                    assertEquals(DType.BOOL, got.dtype(), name);
                    boolean[] w = new boolean[values.size()];
                    for (int i = 0; i < w.length; i++) w[i] = (Boolean) values.get(i);
                    assertArrayEquals(w, got.toBooleanArray(), name);
                }
                default -> throw new AssertionError("fixture dtype " + want.get("dtype"));
            }
        }
        // Spot checks that do not depend on the fixture's JSON: f16 and bf16 specials.
        float[] f16 = c.tensors().get("f16").toFloatArray();
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(f16[1]));
        assertEquals(Float.POSITIVE_INFINITY, f16[4]);
        assertTrue(Float.isNaN(f16[6]));
        assertEquals(65504f, f16[7]);
        assertEquals(255L, c.tensors().get("u8").toLongArray()[1]);
        assertEquals(Long.MIN_VALUE, c.tensors().get("i64").toLongArray()[3]);
    }

    // ------------------------------------------------------------------------------------------ malformed files

    private Path validFile() {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("a", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
        in.put("b", Tensor.of(new long[] {5, 6}));
        Path f = dir.resolve("valid.safetensors");
        Safetensors.write(f, in, Map.of("format", "backprop"));
        return f;
    }

    private static String header(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        return new String(b, 8, (int) n, StandardCharsets.UTF_8);
    }

    /** A file with the given header text (padded to keep the data aligned) and data bytes. */
    private Path withHeader(String name, String json, byte[] data) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) b.put((byte) ' ');
        b.put(data);
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    /** Reading fails with an IllegalArgumentException of one line that names the file and contains each part. */
    private static void assertBad(Path f, String... parts) {
        for (var reader : List.<Runnable>of(() -> Safetensors.read(f), () -> Safetensors.readMetadata(f))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, reader::run);
            String m = e.getMessage();
            assertTrue(m.startsWith(f.toString() + ": "), m);
            assertFalse(m.contains("\n"), m);
            for (String p : parts) assertTrue(m.contains(p), "expected \"" + p + "\" in: " + m);
        }
    }

    @Test
    void truncatedFilesAreOneLineErrors() throws IOException {
        Path f = validFile();
        byte[] b = Files.readAllBytes(f);
        Path t = dir.resolve("cut.safetensors");
        Files.write(t, Arrays.copyOf(b, 5));
        assertBad(t, "5 bytes", "8-byte header length");
        Files.write(t, Arrays.copyOf(b, 20));
        assertBad(t, "header length", "beyond the end of the file (20 bytes)");
        Files.write(t, Arrays.copyOf(b, b.length - 3));
        assertThrows(IllegalArgumentException.class, () -> Safetensors.read(t));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Safetensors.read(t));
        assertTrue(e.getMessage().contains("tensor \"b\"") && e.getMessage().contains("truncated"), e.getMessage());
        Files.write(t, new byte[0]);
        assertBad(t, "0 bytes");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        Path f = dir.resolve("huge.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).put("{}      ".getBytes());
        Files.write(f, b.array());
        assertBad(f, "header length 1099511627776", "beyond the end of the file (16 bytes)");
        ByteBuffer neg = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).put("{}      ".getBytes());
        Files.write(f, neg.array());
        assertBad(f, "header length 18446744073709551615");
    }

    @Test
    void badJsonNamesTheOffset() throws IOException {
        assertBad(withHeader("j1.safetensors", "{\"a\": {\"dtype\" \"F32\"}}", new byte[0]), "not valid JSON", "expected ':' at offset 15");
        assertBad(withHeader("j2.safetensors", "[1, 2]", new byte[0]), "not a JSON object");
        assertBad(withHeader("j3.safetensors", "{\"a\": 3}", new byte[0]), "tensor \"a\"", "expected an object");
        Path f = dir.resolve("utf.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(8).put(new byte[] {'{', '"', (byte) 0xff, '"', '}', ' ', ' ', ' '});
        Files.write(f, b.array());
        assertBad(f, "not valid UTF-8");
    }

    @Test
    void unknownDtypeListsTheKnownOnes() throws IOException {
        assertBad(withHeader("d.safetensors", "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]),
                "tensor \"a\"", "unknown dtype \"F8_E4M3\"", "F32", "BF16");
        assertBad(withHeader("d2.safetensors", "{\"a\":{\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]), "dtype missing");
    }

    @Test
    void offsetsBeyondTheDataOrOverlappingOrMismatched() throws IOException {
        assertBad(withHeader("o1.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]),
                "tensor \"a\"", "[0, 16]", "beyond the 8 bytes of data");
        assertBad(withHeader("o2.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]), "\"a\" [0, 8]", "\"b\" [4, 12]", "overlap");
        assertBad(withHeader("o3.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]),
                "shape [3] of F32 needs 12 bytes", "[0, 8] hold 8");
        assertBad(withHeader("o4.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", new byte[8]),
                "not a range");
        assertBad(withHeader("o5.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", new byte[8]),
                "data_offsets missing or not a pair");
        assertBad(withHeader("o6.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new byte[8]),
                "shape [-2] is not a list of sizes");
        assertBad(withHeader("o7.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", new byte[8]),
                "not a list of sizes");
        assertBad(withHeader("o8.safetensors", "{\"a\":{\"dtype\":\"U8\",\"shape\":[65536,65536,65536],\"data_offsets\":[0,8]}}",
                new byte[8]), "more than backprop's limit");
        assertBad(withHeader("o9.safetensors", "{\"__metadata__\":{\"n\":3}}", new byte[0]), "__metadata__", "\"n\" holds the number 3");
    }

    @Test
    void ioErrorsNameTheFile() {
        Path missing = dir.resolve("nope.safetensors");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Safetensors.read(missing));
        assertEquals("cannot read " + missing + ": no such file", e.getMessage());
        UncheckedIOException d = assertThrows(UncheckedIOException.class, () -> Safetensors.read(dir));
        assertTrue(d.getMessage().startsWith("cannot read " + dir + ": ") && d.getMessage().contains("directory"), d.getMessage());
        UncheckedIOException w = assertThrows(UncheckedIOException.class,
                () -> Safetensors.write(dir.resolve("no/such/dir/x.safetensors"), Map.of("a", Tensor.ones(1))));
        assertTrue(w.getMessage().contains("x.safetensors") && w.getMessage().contains("does not exist"), w.getMessage());
    }

    // ------------------------------------------------------------------------------------------ atomic writing

    private List<String> filesIn(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void failedWritesLeaveTheOldFileAndNoTemporaryFiles() throws IOException {
        Path f = validFile();
        byte[] before = Files.readAllBytes(f);
        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("ok", Tensor.ones(3));
        bad.put("__metadata__", Tensor.ones(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, bad));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("__metadata__"), e.getMessage());
        Map<String, Tensor> nullTensor = new LinkedHashMap<>();
        nullTensor.put("x", null);
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, nullTensor));

        // A failure in the middle of writing the content (as a full disk would give).
        IOException diskFull = new IOException("No space left on device");
        UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> Safetensors.writeTemp(f, ch -> {
            ch.write(ByteBuffer.wrap(new byte[100]));
            throw diskFull;
        }));
        assertTrue(u.getMessage().contains(f.toString()) && u.getMessage().contains("No space left"), u.getMessage());

        // The target is a directory (not empty, so nothing may replace it).
        Path d = dir.resolve("taken.safetensors");
        Files.createDirectories(d.resolve("inside"));
        UncheckedIOException u2 = assertThrows(UncheckedIOException.class, () -> Safetensors.write(d, Map.of("a", Tensor.ones(1))));
        assertTrue(u2.getMessage().startsWith("cannot write " + d), u2.getMessage());
        assertTrue(Files.isDirectory(d.resolve("inside")));

        // A directory that appears after the temporary file is written: the move fails, the temporary goes.
        Path late = dir.resolve("late.safetensors");
        Path tmp = Safetensors.writeTemp(late, Map.of("a", Tensor.ones(2)), Map.of());
        Files.createDirectories(late.resolve("inside"));
        assertThrows(UncheckedIOException.class, () -> Safetensors.commit(tmp, late));

        assertArrayEquals(before, Files.readAllBytes(f), "the old file is untouched");
        assertEquals(List.of("late.safetensors", "taken.safetensors", "valid.safetensors"), filesIn(dir), "no temporary files left");
    }

    @Test
    void overwritingReplacesTheWholeFile() throws IOException {
        Path f = dir.resolve("w.safetensors");
        Safetensors.write(f, Map.of("big", Tensor.zeros(1000)));
        Safetensors.write(f, Map.of("small", Tensor.ones(2)));
        assertEquals(List.of("small"), List.copyOf(Safetensors.read(f).keySet()));
        assertEquals(List.of("w.safetensors"), filesIn(dir));
        List<String> names = new ArrayList<>();
        Safetensors.read(f).forEach((k, v) -> names.add(k + Arrays.toString(v.toFloatArray())));
        assertEquals(List.of("small[1.0, 1.0]"), names);
    }
}
