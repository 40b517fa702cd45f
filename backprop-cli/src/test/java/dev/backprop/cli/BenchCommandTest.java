package dev.backprop.cli;

import dev.backprop.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code backprop bench}: its output's shape, never its timings (beyond "> 0"). */
class BenchCommandTest {
    record Run(int status, String out, String err) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            return (Map<String, Object>) Json.parse(out.lines().toList().getLast());
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream savedErr = System.err;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setErr(e);
            int status = Main.run(args, o, e);
            return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(savedErr);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void quickGemmWithoutNumpyGivesFiguresAndSaysNumpyWasNotFound() {
        Run r = run("bench", "--quick", "--json", "--skip-train", "--skip-cnn", "--skip-startup", "--threads", "2",
                "--python", "/nonexistent/backprop-test/python3");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> j = r.json();
        Map<String, Object> machine = (Map<String, Object>) j.get("machine");
        assertNotNull(machine.get("cpu"));
        assertNotNull(machine.get("java"));
        assertNotNull(machine.get("date"));
        Map<String, Object> gemm = (Map<String, Object>) j.get("gemm");
        assertFalse(gemm.get("kernel").toString().isBlank());
        List<Object> shapes = (List<Object>) gemm.get("shapes");
        assertTrue(shapes.size() >= 8, "squares and the MLP's shapes: " + shapes);
        boolean transA = false, transB = false;
        for (Object o : shapes) {
            Map<String, Object> s = (Map<String, Object>) o;
            assertTrue(((Number) s.get("gflops")).doubleValue() > 0, "GFLOPS > 0: " + s);
            assertFalse(s.containsKey("numpy_gflops"), "no numpy figures without numpy: " + s);
            transA |= (Boolean) s.get("trans_a");
            transB |= (Boolean) s.get("trans_b");
        }
        assertTrue(transA && transB, "the backward products are measured with their transposes");
        assertFalse(j.containsKey("train"));
        assertFalse(j.containsKey("startup"));
        List<Object> notes = (List<Object>) j.get("notes");
        assertTrue(notes.stream().anyMatch(n -> n.toString().contains("numpy not found")), "a note on numpy: " + notes);
        assertTrue(r.out().contains("GEMM"), r.out());
        assertTrue(r.out().contains("note: numpy not found"), r.out());
    }

    @Test
    @SuppressWarnings("unchecked")
    void quickCnnSectionTrainsTheCnnPreset() {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist"))
                || System.getenv("BACKPROP_FASHION_MNIST") != null, "Fashion-MNIST is not installed");
        Run r = run("bench", "--only", "cnn", "--quick", "--steps", "2", "--json", "--threads", "2");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> cnn = (Map<String, Object>) r.json().get("cnn");
        assertNotNull(cnn, r.out());
        assertEquals(2, ((Number) cnn.get("steps")).intValue(), cnn.toString());
        assertTrue(((Number) cnn.get("samples_per_second")).doubleValue() > 0, cnn.toString());
        assertFalse(r.json().containsKey("train"));
        assertTrue(r.out().contains("cnn-bn"), r.out());
    }

    @Test
    void helpListsTheOptions() {
        Run r = run("bench", "--help");
        assertEquals(0, r.status(), r.err());
        for (String o : List.of("--threads", "--python", "--torch-python", "--steps", "--only", "--skip-gemm", "--skip-train",
                "--skip-startup", "--quick", "--json")) {
            assertTrue(r.out().contains(o), o + " in: " + r.out());
        }
        assertTrue(run("--help").out().contains("bench"), "bench is listed among the commands");
    }

    @Test
    void mistakesAreOneLine() {
        for (String[] args : List.of(new String[] {"bench", "--no-such-option"}, new String[] {"bench", "--only", "gemm,nope"},
                new String[] {"bench", "--threads", "0"}, new String[] {"bench", "--threads", "two"},
                new String[] {"bench", "extra"})) {
            Run r = run(args);
            assertEquals(2, r.status(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.err().lines().count(), "one line: " + r.err());
            assertTrue(r.err().startsWith("backprop: bench: "), r.err());
        }
    }

    @Test
    void nothingSelectedStillPrintsTheMachineAndJson() {
        Run r = run("bench", "--only", "gemm", "--skip-gemm", "--json");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> j = r.json();
        assertInstanceOf(Map.class, j.get("machine"));
        assertFalse(j.containsKey("gemm"));
    }

    /**
     * The field bench reads is there and is a measured duration. No bound on its size: how fast the first step comes
     * is for `backprop bench` to report, not for a test to require.
     */
    @Test
    void trainReportsTheTimeToItsFirstStep(@TempDir Path dir) {
        Run r = run("train", "--epochs", "1", "--json", "--out", dir.toString());
        assertEquals(0, r.status(), r.err());
        Object first = r.json().get("first_step_seconds");
        assertInstanceOf(Number.class, first, "first_step_seconds in " + r.out());
        assertTrue(((Number) first).doubleValue() > 0);
    }

    @Test
    void theJvmCommandRunsThisJava() {
        List<String> cmd = BenchCommand.jvmCommand();
        assertNotNull(cmd);
        assertTrue(cmd.getFirst().contains("java"), cmd.toString());
        assertTrue(cmd.contains("-cp"), cmd.toString());
    }
}
