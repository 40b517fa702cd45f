package dev.backprop.cli;

import dev.backprop.io.ModelSpec;
import dev.backprop.nn.Activation;
import dev.backprop.nn.Init;
import dev.backprop.train.Objective;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every {@code ./backprop ...} command line quoted in {@code docs/*.md} still parses: the command exists, each option
 * is one of its options with a value where it needs one, and the values {@code train} checks against a list (data set
 * and model preset, activation, initialisation, loss, optimizer, schedule, normalisation, augmentation) are valid, so
 * that the pages cannot quote a command that has since changed. Nothing is run: the outputs in the pages are
 * measurements, not fixtures.
 */
class DocsCommandsTest {
    /** The repository root: the nearest directory above the working directory with docs/ and pom.xml. */
    static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("docs")) && Files.isRegularFile(p.resolve("pom.xml"))) return p;
        }
        throw new IllegalStateException("no docs/ directory above " + Path.of("").toAbsolutePath());
    }

    /** A quoted command: its page and line, and its arguments after {@code ./backprop}. */
    record Quoted(String where, List<String> args) {
    }

    static final Pattern INLINE = Pattern.compile("`\\./backprop ([^`]+)`");

    /**
     * The {@code ./backprop} lines inside fenced code blocks of every page (a leading "$ " is allowed), and the inline
     * code spans that begin with {@code ./backprop}.
     */
    static List<Quoted> quotedCommands() throws IOException {
        List<Quoted> found = new ArrayList<>();
        List<Path> pages;
        try (Stream<Path> s = Files.list(root().resolve("docs"))) {
            pages = s.filter(p -> p.toString().endsWith(".md")).sorted().toList();
        }
        for (Path page : pages) {
            List<String> lines = Files.readAllLines(page, StandardCharsets.UTF_8);
            boolean inCode = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.startsWith("```")) {
                    inCode = !inCode;
                    continue;
                }
                if (!inCode) {
                    // Inline code spans such as `./backprop train --epochs 10` in the text and tables.
                    Matcher m = INLINE.matcher(line);
                    while (m.find()) {
                        found.add(new Quoted(root().relativize(page) + ":" + (i + 1), Arrays.asList(m.group(1).strip().split("\\s+"))));
                    }
                    continue;
                }
                if (line.startsWith("$ ")) line = line.substring(2).strip();
                if (!line.startsWith("./backprop ")) continue;
                // A pipe or a loop's body ends the command; the rest is shell.
                String cmd = line.substring("./backprop ".length()).split("[|;]")[0].strip();
                found.add(new Quoted(root().relativize(page) + ":" + (i + 1), Arrays.asList(cmd.split("\\s+"))));
            }
        }
        return found;
    }

    static final Map<String, List<Options.Opt>> OPTIONS = Map.of(
            "train", TrainCommand.OPTIONS, "eval", EvalCommand.OPTIONS, "predict", PredictCommand.OPTIONS,
            "bench", BenchCommand.OPTIONS, "explain", ExplainCommand.OPTIONS);

    /** Input shapes of the data sets the pages use, to check the model presets against. */
    static final Map<String, int[]> SHAPES = Map.of("digits", new int[] {1, 8, 8}, "fashion-mnist", new int[] {1, 28, 28},
            "mnist", new int[] {1, 28, 28}, "xor", new int[] {2});

    @Test
    void everyQuotedCommandParses() throws IOException {
        List<Quoted> all = quotedCommands();
        assertTrue(all.size() >= 20, "the pages quote commands: " + all.size());
        List<String> problems = new ArrayList<>();
        for (Quoted q : all) {
            try {
                check(q.args());
            } catch (RuntimeException e) {
                problems.add(q.where() + ": ./backprop " + String.join(" ", q.args()) + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) fail(problems.size() + " quoted commands do not parse:\n" + String.join("\n", problems));
    }

    /** The checks themselves catch a wrong option, a missing value and a wrong choice (so the test above can fail). */
    @Test
    void checksCatchStaleCommands() {
        for (String bad : List.of("train --learning-rate 0.1", "train --lr", "train --optimizer adamax", "train --model lenet",
                "train --activation swish", "train --init orthogonal", "train --loss hinge", "bench --only layers", "explain mlp",
                "trian --epochs 3", "train --augment=spin:10")) {
            assertThrowsAny(bad);
        }
        check(List.of("train", "--data", "fashion-mnist", "--model", "lenet", "--augment=crop:2,flip"));
        check(List.of("bench", "--only", "passes"));
        check(List.of("explain", "xor", "--step", "3"));
    }

    private static void assertThrowsAny(String cmd) {
        try {
            check(Arrays.asList(cmd.split(" ")));
        } catch (RuntimeException expected) {
            return;
        }
        fail("accepted: " + cmd);
    }

    static void check(List<String> args) {
        String name = args.getFirst();
        List<Options.Opt> specs = OPTIONS.get(name);
        if (specs == null) throw new IllegalArgumentException("no command " + name);
        Options o = Options.parse(name, specs, args.subList(1, args.size()).toArray(String[]::new));
        switch (name) {
            case "train" -> checkTrain(o);
            case "bench" -> {
                if (o.has("only")) {
                    for (String s : o.get("only").split(",")) {
                        if (!BenchCommand.SECTIONS.contains(s)) throw new IllegalArgumentException("no bench section " + s);
                    }
                }
            }
            case "explain" -> {
                if (!o.positional().equals(List.of("xor"))) throw new IllegalArgumentException("explain takes xor, not " + o.positional());
            }
            default -> { }
        }
    }

    private static void checkTrain(Options o) {
        String data = o.get("data", "digits");
        if (!o.positional().isEmpty()) throw new IllegalArgumentException("train takes no arguments: " + o.positional());
        o.choice("optimizer", "adam", TrainCommand.OPTIMIZERS);
        o.choice("schedule", "auto", TrainCommand.SCHEDULES);
        o.choice("normalize", "auto", TrainCommand.NORMALIZE);
        if (o.has("activation")) Activation.of(o.get("activation"));
        if (o.has("init")) Init.Scheme.parse(o.get("init"));
        int[] shape = SHAPES.get(data);
        if (shape == null) throw new IllegalArgumentException("the pages use only " + SHAPES.keySet() + ", not " + data);
        int classes = data.equals("xor") ? 2 : 10;
        if (o.has("loss")) Objective.of(o.get("loss"), classes, 1, 0);
        String model = o.get("model", "mlp");
        if (model.endsWith(".json")) {
            if (!Files.isRegularFile(root().resolve(model))) throw new IllegalArgumentException("no model file " + model);
        } else {
            ModelSpec.preset(model, shape, classes, "relu", Double.NaN);
        }
        if (o.has("augment")) Augmentation.parse(o.get("augment"), data, data, shape);
        for (String n : List.of("lr", "momentum", "weight-decay", "dropout", "l1", "l2", "label-smoothing", "val-split",
                "clip-norm", "clip-value")) {
            if (o.has(n)) o.doubleValue(n, 0);
        }
        for (String n : List.of("epochs", "batch-size", "early-stop", "seed", "threads")) {
            if (o.has(n)) o.intValue(n, 0);
        }
    }
}
