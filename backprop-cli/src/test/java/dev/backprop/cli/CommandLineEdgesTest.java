package dev.backprop.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's edges: a bug's exception, forgotten and repeated option values, flags before the command. */
class CommandLineEdgesTest {
    /** A command that fails the way a bug does: an exception no command expects. */
    private static final Main.Command BROKEN = new Main.Command() {
        @Override
        public String name() {
            return "broken";
        }

        @Override
        public String summary() {
            return "throws a NullPointerException";
        }

        @Override
        public int run(String[] args, PrintStream out) {
            out.println("partial output");
            throw new NullPointerException("Cannot read field \"x\" because \"y\" is null");
        }
    };

    /** A command that throws {@code error} (an OutOfMemoryError, a StackOverflowError: Errors, not exceptions). */
    private static Main.Command throwing(Error error) {
        return new Main.Command() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public String summary() {
                return "throws an Error";
            }

            @Override
            public int run(String[] args, PrintStream out) {
                throw error;
            }
        };
    }

    private static MainTest.Run runBroken(String... args) {
        return runWith(BROKEN, args);
    }

    private static MainTest.Run runWith(Main.Command command, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            int status = Main.run(args, o, e, List.of(command));
            return new MainTest.Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void anUnexpectedExceptionIsOneLineSayingItIsABug() {
        String line = "backprop: internal error: java.lang.NullPointerException: Cannot read field \"x\" because \"y\" is null "
                + "(this is a bug; rerun with --verbose for the stack trace and report it)";
        MainTest.Run r = runBroken("broken");
        assertEquals(1, r.status());
        assertEquals(line + "\n", r.err());

        MainTest.Run j = runBroken("broken", "--json");
        assertEquals(1, j.status());
        assertEquals(line + "\n", j.err());
        assertEquals(2, j.out().lines().count(), j.out());
        assertEquals("partial output", j.out().lines().findFirst().orElseThrow());
        assertEquals(line.substring("backprop: ".length()), j.json().get("error"));
        assertEquals(1.0, j.json().get("status"));

        MainTest.Run v = runBroken("broken", "--verbose");
        assertEquals(1, v.status());
        assertTrue(v.err().startsWith(line + "\njava.lang.NullPointerException"), v.err());
        assertTrue(v.err().contains("CommandLineEdgesTest$1.run(CommandLineEdgesTest.java:"), "the stack trace: " + v.err());
    }

    @Test
    void runningOutOfMemoryOrStackIsOneLineToo() {
        MainTest.Run oom = runWith(throwing(new OutOfMemoryError("Java heap space")), "--json", "broken");
        assertEquals(1, oom.status());
        String line = "backprop: out of memory: Java heap space; give Java more heap (e.g. BACKPROP_JAVA_OPTS=-Xmx8g ./backprop ...) "
                + "or use a smaller model or batch";
        assertEquals(line + "\n", oom.err());
        assertEquals(line.substring("backprop: ".length()), oom.json().get("error"));
        assertEquals(1.0, oom.json().get("status"));

        MainTest.Run so = runWith(throwing(new StackOverflowError()), "--json", "broken");
        assertEquals(1, so.status());
        assertEquals("backprop: internal error: java.lang.StackOverflowError (this is a bug; rerun with --verbose for the stack "
                + "trace and report it)\n", so.err());
        assertEquals(1.0, so.json().get("status"));
    }

    @Test
    void aModelFileNestedTooDeepIsRefusedAsJson(@TempDir Path dir) throws Exception {
        Path deep = dir.resolve("deep.json");
        Files.writeString(deep, "{\"format\":\"backprop-model\",\"version\":1,\"layers\":" + "[".repeat(200_000) + "]".repeat(200_000) + "}");
        MainTest.Run r = MainTest.run("--json", "gradcheck", "--model", deep.toString());
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("backprop: gradcheck: " + deep + ": not valid JSON: JSON nested more than 512 levels deep"), r.err());
        assertEquals(2.0, r.json().get("status"));
    }

    @Test
    void everyErrorOfACommandNamesIt(@TempDir Path dir) throws Exception {
        // Messages from code that does not know the command (presets, tensors, CSV, model files) get its name as well.
        MainTest.Run preset = MainTest.run("train", "--model", "nonexist", "--out", dir.resolve("p").toString());
        assertTrue(preset.err().startsWith("backprop: train: unknown preset \"nonexist\""), preset.err());
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "a,b,label\n1,oops,x\n");
        MainTest.Run bad = MainTest.run("train", "--data", csv.toString(), "--out", dir.resolve("c").toString());
        assertTrue(bad.err().startsWith("backprop: train: bad.csv:2: column 'b'"), bad.err());
        Path runDir = Files.createDirectories(dir.resolve("r_bad"));
        Files.writeString(runDir.resolve("model.json"), "{bad");
        Files.writeString(runDir.resolve("model.safetensors"), "");
        MainTest.Run eval = MainTest.run("eval", runDir.toString());
        assertTrue(eval.err().startsWith("backprop: eval: " + runDir.resolve("model.json") + ": not valid JSON"), eval.err());
        // Prefixed already: not twice.
        MainTest.Run twice = MainTest.run("train", "--epochs", "x");
        assertEquals("backprop: train: --epochs expects a whole number, got 'x'\n", twice.err());

        // A model file whose layer does not fit the data's examples names the file and the examples' shape, not an
        // input_shape the file does not have.
        Path j8 = dir.resolve("j8.json");
        Files.writeString(j8, "{\"format\":\"backprop-model\",\"version\":1,\"layers\":[{\"type\":\"max_pool2d\",\"kernel_size\":100}]}");
        MainTest.Run g = MainTest.run("gradcheck", "--model", j8.toString());
        assertEquals(2, g.status(), g.err());
        assertTrue(g.err().startsWith("backprop: gradcheck: " + j8 + " does not fit the examples [1, 8, 8]: layers[0] (max_pool2d): "), g.err());
        assertFalse(g.err().contains("input_shape"), g.err());
    }

    @Test
    void outOfRangeNumbersSayTooLarge() {
        MainTest.userError("train: --epochs 99999999999 is too large (at most 2147483647)", "train", "--epochs", "99999999999");
        MainTest.userError("train: --lr 1e400 is too large (above 1.8e308)", "train", "--lr", "1e400");
        MainTest.userError("train: --lr expects a number, got 'NaN'", "train", "--lr", "NaN");
        MainTest.userError("train: --monitor expects a whole number, got 'true'", "train", "--monitor=true");
    }

    @Test
    void trainHelpGivesXorsDefaults() {
        MainTest.Run r = MainTest.run("train", "--help");
        assertTrue(r.out().contains("(default: adam; sgd for xor)"), r.out());
        assertTrue(r.out().contains("(default: relu; tanh for xor)"), r.out());
    }

    @Test
    void aValidationSplitTooSmallNamesOnlyTheOptionGiven(@TempDir Path dir) {
        String out = dir.resolve("x").toString();
        MainTest.userError("train: --schedule plateau needs a validation set", "train", "--data", "xor", "--schedule", "plateau", "--out", out);
        MainTest.userError("train: --early-stop needs a validation set", "train", "--data", "xor", "--early-stop", "3", "--out", out);
        MainTest.userError("train: --early-stop and --schedule plateau need a validation set", "train", "--data", "xor",
                "--early-stop", "3", "--schedule", "plateau", "--out", out);
    }

    @Test
    void aMonitorIntervalLongerThanOneStepEpochSaysStep(@TempDir Path dir) {
        MainTest.Run r = MainTest.run("train", "--data", "xor", "--epochs", "1", "--monitor=5", "--out", dir.resolve("x").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("note: --monitor=5 is more than the 1 step of an epoch"), r.out());
    }

    @Test
    void aCsvWhoseLabelsAreOneClassGetsANote(@TempDir Path dir) throws Exception {
        StringBuilder sb = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 30; i++) sb.append(i).append(',').append(i % 7).append(",x\n");
        Path csv = dir.resolve("one.csv");
        Files.writeString(csv, sb);
        MainTest.Run r = MainTest.run("train", "--data", csv.toString(), "--epochs", "1", "--out", dir.resolve("r").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("backprop: note: every training label is 'x': the model can only learn that class\n"), r.err());
        MainTest.Run two = MainTest.run("train", "--data", "xor", "--epochs", "1", "--out", dir.resolve("t").toString());
        assertFalse(two.err().contains("every training label"), two.err());
    }

    @Test
    void aRepeatedCsvColumnIsRefused(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("dup.csv");
        Files.writeString(csv, "a,a,label\n1,2,x\n3,4,y\n");
        MainTest.userError("train: dup.csv:1: column 'a' appears twice in the header; rename one", "train", "--data", csv.toString());
    }

    @Test
    void anOptionValueIsNeverTheNextOption(@TempDir Path dir) {
        Path out = dir.resolve("run");
        MainTest.Run r = MainTest.run("train", "--out", "--json", "--epochs", "1");
        assertEquals(2, r.status(), r.err());
        assertEquals("backprop: train: --out expects a value, got the option --json; give --out its DIR first\n", r.err());
        assertFalse(Files.exists(Path.of("--json")), "no directory named --json");
        MainTest.userError("--epochs expects a value, got the option --out", "train", "--epochs", "--out", out.toString());
        // A negative number has one dash and stays a value (refused for what it is, not as an option).
        MainTest.userError("--lr must be positive", "train", "--lr", "-1", "--out", out.toString());
        // Written with '=', a value may start with --.
        MainTest.userError("'--x' is not valid; choose one of", "train", "--optimizer=--x");
        assertFalse(Files.exists(out));
    }

    @Test
    void aRepeatedOptionSaysToGiveItOnceAndARepeatedBareFlagIsHarmless() {
        AugmentCommandTest.oneLineError("gradcheck: --model given twice; give it once", "gradcheck", "--model", "linear", "--model", "mlp:4");
        AugmentCommandTest.oneLineError("train: --monitor given twice; give it once", "train", "--monitor=5", "--monitor");
        AugmentCommandTest.oneLineError("train: --monitor given twice; give it once", "train", "--monitor", "--monitor=5");
        AugmentCommandTest.oneLineError("train: --monitor given twice; give it once", "train", "--monitor=5", "--monitor=10");
        // Both bare, or both the same value: said twice, meant once. (--epochs 0 stops it before any training.)
        AugmentCommandTest.oneLineError("--epochs must be", "train", "--monitor", "--monitor", "--epochs", "0");
        AugmentCommandTest.oneLineError("--epochs must be", "train", "--monitor=5", "--monitor=5", "--epochs", "0");
    }

    @Test
    void tooFewExamplesToSplitSayTheSplitIsIgnored(@TempDir Path dir) {
        MainTest.Run r = MainTest.run("train", "--data", "xor", "--epochs", "1", "--val-split", "0.5", "--out", dir.resolve("x").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("backprop: note: --val-split 0.5 ignored: 4 training examples are too few to hold some out "
                + "(20 or more needed)\n"), r.err());
        MainTest.Run none = MainTest.run("train", "--data", "xor", "--epochs", "1", "--out", dir.resolve("y").toString());
        assertEquals(0, none.status(), none.err());
        assertFalse(none.err().contains("--val-split"), "no note without --val-split: " + none.err());
    }

    @Test
    void explainSaysWhatIsOutOfRange() {
        MainTest.userError("explain: --step must be between 1 and 1,000,000, got 99999999999", "explain", "xor", "--step", "99999999999");
        MainTest.userError("explain: --step must be between 1 and 1,000,000, got 0", "explain", "xor", "--step", "0");
        MainTest.userError("explain: --step expects a whole number, got '1.5'", "explain", "xor", "--step", "1.5");
        MainTest.userError("explain: --lr 1e309 is too large (above 1.8e308)", "explain", "xor", "--lr", "1e309");
        MainTest.userError("explain: --lr expects a number, got 'fast'", "explain", "xor", "--lr", "fast");
        MainTest.userError("explain: --lr must be a positive number, got -1", "explain", "xor", "--lr", "-1");
        MainTest.Run big = MainTest.run("explain", "xor", "--lr", "1e308", "--step", "3");
        assertEquals(0, big.status(), big.err());
        assertFalse(big.out().contains("-0.000000"), "a zero prints as +0.000000 whatever its sign: " + big.out());
        assertEquals("+0.000000", ExplainCommand.f(-0.0));
        assertEquals("+0.000000", ExplainCommand.f(0.0));
    }

    @Test
    void topLevelFlagsMayComeBeforeTheCommand() {
        MainTest.Run help = MainTest.run("--json", "--help");
        assertEquals(0, help.status(), help.err());
        assertTrue(help.out().startsWith("usage: backprop <command>"), help.out());
        MainTest.Run version = MainTest.run("--verbose", "--version");
        assertEquals(0, version.status(), version.err());
        assertTrue(version.out().startsWith("backprop "), version.out());

        // Before a command they are passed on to it.
        MainTest.Run explain = MainTest.run("--json", "explain", "xor");
        assertEquals(0, explain.status(), explain.err());
        assertTrue(explain.json().containsKey("loss"), explain.out());
        MainTest.Run bad = MainTest.run("--json", "explain", "xor", "--step", "0");
        assertEquals(2, bad.status());
        assertEquals(2.0, bad.json().get("status"));

        MainTest.userError("no command given", "--json");
        MainTest.userError("put the command first, e.g. backprop train --epochs", "--epochs", "3", "train");
        MainTest.userError("unknown option --bogus before the command; put the command first (backprop <command> ...",
                "--json", "--bogus");
        for (String[] args : new String[][] {{"help", "--json"}, {"help", "--verbose"}, {"--json", "help"}}) {
            MainTest.Run h = MainTest.run(args);
            assertEquals(0, h.status(), h.err());
            assertTrue(h.out().startsWith("usage: backprop <command>"), h.out());
        }
        MainTest.Run trainHelp = MainTest.run("help", "--json", "train");
        assertEquals(0, trainHelp.status(), trainHelp.err());
        assertTrue(trainHelp.out().startsWith("usage: backprop train"), trainHelp.out());
    }

    /** A run refused over an option checked late (after the data is loaded) leaves no --out directory behind. */
    @Test
    void aRefusedRunCreatesNoOutputDirectory(@TempDir Path dir) {
        for (List<String> bad : List.of(List.of("--l1", "-1"), List.of("--monitor=0"))) {
            Path out = dir.resolve("run-" + bad.getFirst().replace("-", ""));
            List<String> args = new java.util.ArrayList<>(List.of("train", "--epochs", "1", "--out", out.toString()));
            args.addAll(bad);
            MainTest.Run r = MainTest.run(args.toArray(String[]::new));
            assertEquals(2, r.status(), bad + ": " + r.err());
            assertFalse(Files.exists(out), bad + " left " + out);
        }
    }

    /** With --json, the error object of a failed training carries the same line as stderr, command prefix included. */
    @Test
    void aTrainingFailuresJsonErrorIsTheStderrLine(@TempDir Path dir) {
        MainTest.Run r = MainTest.run("train", "--optimizer", "sgd", "--lr", "1e6", "--detect-anomaly", "--epochs", "1", "--json",
                "--out", dir.resolve("nan").toString());
        assertEquals(1, r.status(), r.err());
        Object error = r.json().get("error");
        assertTrue(r.err().contains("backprop: train: anomaly at"), r.err());
        assertEquals("train: " + r.err().lines().filter(l -> l.startsWith("backprop: train: anomaly")).findFirst().orElseThrow()
                .substring("backprop: train: ".length()), error);
        assertTrue(r.json().containsKey("anomaly"), r.out());
    }
}
