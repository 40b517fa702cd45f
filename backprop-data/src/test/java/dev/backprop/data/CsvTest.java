package dev.backprop.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsvTest {
    @TempDir
    Path dir;

    static final String IRIS = """
            sepal_length,sepal_width,petal_length,petal_width,species
            5.1,3.5,1.4,0.2,setosa
            7.0,3.2,4.7,1.4,versicolor
            6.3,3.3,6.0,2.5,virginica
            4.9,3.0,1.4,0.2,setosa
            """;

    @Test
    void classificationWithTheLastColumnAsLabel() {
        Csv.Table t = Csv.parse(IRIS, "iris.csv", null, null);
        assertEquals(Task.CLASSIFICATION, t.task());
        assertEquals("species", t.labelColumn());
        assertEquals(List.of("sepal_length", "sepal_width", "petal_length", "petal_width"), t.featureNames());
        assertEquals(List.of("setosa", "versicolor", "virginica"), t.classNames());
        TensorDataset d = t.data();
        assertEquals(4, d.size());
        assertArrayEquals(new int[] {4}, d.sampleShape());
        assertArrayEquals(new long[] {0, 1, 2, 0}, d.labels());
        assertArrayEquals(new float[] {7.0f, 3.2f, 4.7f, 1.4f}, d.get(1).x().toFloatArray());
    }

    @Test
    void labelColumnByNameOrByConvention() {
        String csv = "Target,a,b\nyes,1,2\nno,3,4\n";
        Csv.Table conv = Csv.parse(csv, "t.csv", null, null);
        assertEquals("Target", conv.labelColumn());
        assertEquals(List.of("a", "b"), conv.featureNames());
        assertEquals(List.of("no", "yes"), conv.classNames());
        assertArrayEquals(new long[] {1, 0}, conv.data().labels());

        Csv.Table named = Csv.parse(csv.replace("yes", "5").replace("no", "6"), "t.csv", "b", Task.REGRESSION);
        assertEquals("b", named.labelColumn());
        assertEquals(List.of("Target", "a"), named.featureNames());
        assertArrayEquals(new float[] {2, 4}, named.data().targets().toFloatArray());
        assertArrayEquals(new float[] {5, 1, 6, 3}, named.data().features().toFloatArray());

        DataException e = assertThrows(DataException.class, () -> Csv.parse(csv, "t.csv", "species", null));
        assertEquals("t.csv: no column named 'species'; the columns are: Target, a, b", e.getMessage());
    }

    @Test
    void regressionTargetsAreFloatColumns() {
        String csv = "x1,x2,y\n1,2,0.5\n3,4,1.25\n5,6,-2\n";
        Csv.Table t = Csv.parse(csv, "r.csv", null, null);
        assertEquals(Task.REGRESSION, t.task(), "non-integer labels: regression inferred");
        assertNull(t.classNames());
        assertArrayEquals(new int[] {3, 1}, t.data().targets().shape());
        assertArrayEquals(new float[] {0.5f, 1.25f, -2f}, t.data().targets().toFloatArray());
        // forced classification of the same column: numeric class names sort numerically
        Csv.Table c = Csv.parse("x,y\n1,10\n2,2\n3,10\n4,-1\n", "c.csv", null, Task.CLASSIFICATION);
        assertEquals(List.of("-1", "2", "10"), c.classNames());
        assertArrayEquals(new long[] {2, 1, 2, 0}, c.data().labels());
    }

    @Test
    void taskInference() {
        StringBuilder many = new StringBuilder("x,y\n");
        for (int i = 0; i < 30; i++) many.append(i).append(',').append(i * 2).append('\n');
        assertEquals(Task.REGRESSION, Csv.parse(many.toString(), "m.csv", null, null).task(), "30 distinct integers");
        assertEquals(Task.CLASSIFICATION, Csv.parse("x,y\n1,0\n2,1\n3,2\n", "s.csv", null, null).task());
    }

    @Test
    void quotedFieldsWithCommasQuotesAndNewlines() {
        String csv = "\uFEFF\"width, cm\",\"height\",name\r\n"
                + "1.5, 2 ,\"Smith, John\"\r\n"
                + "\r\n"
                + " \"3\" ,4,\"say \"\"hi\"\"\"\n"
                + "5,6,\"two\nlines\"\n";
        Csv.Table t = Csv.parse(csv, "q.csv", "name", Task.CLASSIFICATION);
        assertEquals(List.of("width, cm", "height"), t.featureNames());
        assertEquals(List.of("Smith, John", "say \"hi\"", "two\nlines"), t.classNames());
        assertArrayEquals(new float[] {1.5f, 2, 3, 4, 5, 6}, t.data().features().toFloatArray());
        assertEquals(List.of("a", "b,c", "", "d\"e"), Csv.splitLine("a,\"b,c\",,\"d\"\"e\""));
    }

    @Test
    void badCellNamesFileLineAndColumn() {
        String csv = IRIS + "5.0,3.6,1.4,abc,setosa\n";
        DataException e = assertThrows(DataException.class, () -> Csv.parse(csv, "iris.csv", null, null));
        assertEquals("iris.csv:6: column 'petal_width': 'abc' is not a number", e.getMessage());

        e = assertThrows(DataException.class, () -> Csv.parse("a,b\n1,2\n,3\n", "m.csv", null, null));
        assertTrue(e.getMessage().startsWith("m.csv:3: column 'a': empty cell"), e.getMessage());

        e = assertThrows(DataException.class, () -> Csv.parse("a,b\nNaN,1\n", "n.csv", null, null));
        assertEquals("n.csv:2: column 'a': 'NaN' is not a finite number", e.getMessage());

        e = assertThrows(DataException.class, () -> Csv.parse("a,y\n1,0.5\n2,high\n", "r.csv", null, Task.REGRESSION));
        assertEquals("r.csv:3: column 'y': 'high' is not a number", e.getMessage());
    }

    /** A value float32 cannot hold would become Infinity and a NaN loss epochs later: refused by its line instead. */
    @Test
    void valuesBeyondFloat32AreRefused() {
        DataException e = assertThrows(DataException.class, () -> Csv.parse("a,b,label\n1,2,x\n3,1e39,y\n", "big.csv", null, null));
        assertEquals("big.csv:3: column 'b': '1e39' is not a finite float32 number (|x| must be at most 3.4028235e38)", e.getMessage());
        e = assertThrows(DataException.class, () -> Csv.parse("a,y\n1,0.5\n2,-4e38\n", "r.csv", null, Task.REGRESSION));
        assertEquals("r.csv:3: column 'y': '-4e38' is not a finite float32 number (|x| must be at most 3.4028235e38)", e.getMessage());
        // The largest float32 and numbers that round to it or to zero are fine.
        Csv.Table t = Csv.parse("a,label\n3.4e38,0\n1e-50,1\n", "ok.csv", null, null);
        assertEquals(2, t.data().size());
    }

    @Test
    void lineNumbersCountQuotedLineBreaks() {
        String csv = "a,b,name\n1,2,\"x\ny\"\n3,zz,w\n";
        DataException e = assertThrows(DataException.class, () -> Csv.parse(csv, "l.csv", "name", null));
        assertEquals("l.csv:4: column 'b': 'zz' is not a number", e.getMessage());
    }

    @Test
    void raggedRowsNameTheLine() {
        DataException e = assertThrows(DataException.class, () -> Csv.parse(IRIS + "1,2,3,setosa\n", "iris.csv", null, null));
        assertEquals("iris.csv:6: 4 fields, but the header has 5 columns", e.getMessage());
        e = assertThrows(DataException.class, () -> Csv.parse("a,b\n1,2,3\n", "x.csv", null, null));
        assertEquals("x.csv:2: 3 fields, but the header has 2 columns", e.getMessage());
    }

    @Test
    void structuralErrors() {
        assertEquals("e.csv: empty file (needs a header row and data rows)",
                assertThrows(DataException.class, () -> Csv.parse("\n\n", "e.csv", null, null)).getMessage());
        assertEquals("h.csv: no data rows after the header",
                assertThrows(DataException.class, () -> Csv.parse("a,b\n", "h.csv", null, null)).getMessage());
        assertTrue(assertThrows(DataException.class, () -> Csv.parse("label\n1\n", "o.csv", null, null)).getMessage()
                .contains("needs at least one feature column"));
        assertEquals("u.csv:2: a quoted field is never closed (missing '\"')",
                assertThrows(DataException.class, () -> Csv.parse("a,b\n1,\"2\n", "u.csv", null, null)).getMessage());
        assertEquals("g.csv:2: column 2: unexpected character 'x' after a closing quote",
                assertThrows(DataException.class, () -> Csv.parse("a,b\n1,\"2\"x\n", "g.csv", null, null)).getMessage());
        // Features are matched by name at prediction time: two columns of one name would be ambiguous.
        assertEquals("d.csv:1: column 'a' appears twice in the header; rename one",
                assertThrows(DataException.class, () -> Csv.parse("a,a,label\n1,2,x\n", "d.csv", null, null)).getMessage());
    }

    @Test
    void readsFilesPlainAndGzippedThroughDataSets() throws IOException {
        Path plain = Files.writeString(dir.resolve("iris.csv"), IRIS);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(IRIS.getBytes(StandardCharsets.UTF_8));
        }
        Path zipped = Files.write(dir.resolve("iris2.csv.gz"), bytes.toByteArray());
        Csv.Table a = Csv.read(plain, null, null), b = Csv.read(zipped, null, null);
        assertArrayEquals(a.data().features().toFloatArray(), b.data().features().toFloatArray());

        LabeledData d = DataSets.load(plain.toString(), LoadOptions.defaults().testFraction(0.25));
        assertEquals("iris", d.name());
        assertEquals(Task.CLASSIFICATION, d.task());
        assertArrayEquals(new int[] {4}, d.inputShape());
        assertEquals(List.of("setosa", "versicolor", "virginica"), d.classNames());
        // stratified: round(2·0.25) = 1 setosa goes to test, the single versicolor and virginica stay in training
        assertEquals(1, d.test().size());
        assertEquals(3, d.train().size());
        assertEquals(3, d.test().numClasses());

        e(() -> Csv.read(dir.resolve("missing.csv"), null, null), "missing.csv: no such file");
    }

    static void e(org.junit.jupiter.api.function.Executable r, String suffix) {
        DataException x = assertThrows(DataException.class, r);
        assertTrue(x.getMessage().endsWith(suffix), x.getMessage());
    }
}
