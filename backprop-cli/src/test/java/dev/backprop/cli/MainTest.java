package dev.backprop.cli;

import dev.backprop.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line end to end: trainings that must reach an accuracy, the model files, and every error path. */
class MainTest {
    record Run(int status, String out, String err) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            List<String> lines = out.lines().toList();
            return (Map<String, Object>) Json.parse(lines.getLast());
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream savedErr = System.err;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setErr(e);
            int status = Main.run(args, o, e);
            return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(savedErr);
        }
    }

    @Test
    void trainOnTheDigitsReachesTheTargetAndWritesModelAndReport(@TempDir Path dir) throws Exception {
        Run r = run("train", "--out", dir.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> j = r.json();
        for (String k : List.of("data", "model", "epochs", "train_loss", "test_loss", "test_accuracy", "seconds",
                "samples_per_second", "parameters", "model_file")) {
            assertTrue(j.containsKey(k), "JSON has " + k + ": " + j);
        }
        assertEquals("digits", j.get("data"));
        assertTrue((Double) j.get("test_accuracy") >= 0.97, "test accuracy " + j.get("test_accuracy"));
        assertTrue(Files.exists(dir.resolve("model.json")) && Files.exists(dir.resolve("model.safetensors")));
        assertTrue(Files.readString(dir.resolve("report.html")).contains("<svg"));
        try (var files = Files.list(dir)) {
            assertEquals(3, files.count(), "model.json, model.safetensors, report.html and no temporary files");
        }

        // eval rebuilds the model from the files alone and gets the same test accuracy.
        Run e = run("eval", dir.toString(), "--json");
        assertEquals(0, e.status(), e.err());
        assertEquals((Double) j.get("test_accuracy"), (Double) e.json().get("accuracy"), 1e-12);
        assertTrue(run("eval", dir.toString()).out().contains("confusion matrix"));

        // predict: CSV rows (the digits' own format with its label column) and an image.
        Path csv = dir.resolve("rows.csv");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 64; i++) sb.append("p").append(i).append(',');
        sb.append("label\n");
        String zero = "0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0";
        sb.append(scaled(zero)).append(",0\n");
        Files.writeString(csv, sb.toString());
        Run p = run("predict", dir.toString(), csv.toString(), "--json");
        assertEquals(0, p.status(), p.err());
        @SuppressWarnings("unchecked")
        Map<String, Object> first = (Map<String, Object>) ((List<Object>) p.json().get("predictions")).getFirst();
        assertEquals("0", first.get("class"), "the first digit of the data set is a zero");
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, 32, 32);
        g.setColor(java.awt.Color.BLACK);
        g.fillRect(14, 4, 4, 24);
        g.dispose();
        Path png = dir.resolve("one.png");
        ImageIO.write(img, "png", png.toFile());
        Run pi = run("predict", dir.toString(), png.toString());
        assertEquals(0, pi.status(), pi.err());
        assertTrue(pi.out().startsWith("one.png: "), pi.out());
    }

    /** The digits file holds 0..16; the CSV path of predict expects the model's raw input, 0..1. */
    static String scaled(String row) {
        StringBuilder sb = new StringBuilder();
        for (String v : row.split(",")) sb.append(sb.isEmpty() ? "" : ",").append(Integer.parseInt(v) / 16.0);
        return sb.toString();
    }

    @Test
    void theClassicXorNetworkLearnsAllFourPoints(@TempDir Path dir) {
        Run r = run("train", "--data", "xor", "--model", "mlp:2", "--activation", "sigmoid", "--loss", "mse",
                "--optimizer", "sgd", "--out", dir.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        assertEquals(1.0, (Double) r.json().get("test_accuracy"), "all four points right");
        assertEquals(9L, ((Double) r.json().get("parameters")).longValue(), "2-2-1: 2·2+2 + 2·1+1 parameters");
    }

    @Test
    void theSameSeedGivesTheSameNumbers(@TempDir Path dir) {
        String[] args = {"train", "--epochs", "3", "--dropout", "0.2", "--seed", "7", "--out", dir.toString(), "--json"};
        Map<String, Object> a = run(args).json(), b = run(args).json();
        assertEquals(a.get("train_loss"), b.get("train_loss"));
        assertEquals(a.get("test_loss"), b.get("test_loss"));
    }

    @Test
    void earlyStoppingAndSchedulesRun(@TempDir Path dir) {
        Run r = run("train", "--epochs", "40", "--early-stop", "3", "--schedule", "plateau", "--out", dir.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.json().containsKey("val_loss"), "early stopping holds out a validation split");
        for (String s : List.of("step", "multistep", "exponential", "cosine", "warmup-cosine", "linear-warmup")) {
            Run x = run("train", "--epochs", "2", "--schedule", s, "--optimizer", "nesterov", "--out", dir.toString());
            assertEquals(0, x.status(), s + ": " + x.err());
        }
    }

    @Test
    void helpForEveryCommand() {
        for (String c : List.of("train", "eval", "predict")) {
            Run r = run(c, "--help");
            assertEquals(0, r.status());
            assertTrue(r.out().startsWith("usage: backprop " + c), r.out());
        }
        assertTrue(run("--help").out().contains("train"));
        Run none = run();
        assertEquals(2, none.status(), "no command is a usage error");
        assertTrue(none.err().contains("usage"));
        assertTrue(run("--version").out().startsWith("backprop "));
    }

    static void userError(String expected, String... args) {
        Run r = run(args);
        assertEquals(2, r.status(), "exit status for " + String.join(" ", args) + ": " + r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().contains(expected), "'" + expected + "' in: " + r.err());
    }

    @Test
    void badInputGetsOneLineSayingWhatToDo(@TempDir Path dir) throws Exception {
        userError("valid options: --data", "train", "--epoch", "3");
        userError("valid commands: train, eval, predict", "trian");
        userError("choose one of: sgd, momentum", "train", "--optimizer", "adamax");
        userError("mlp", "train", "--model", "resnet", "--out", dir.toString());
        userError("expects a whole number", "train", "--epochs", "ten");
        userError("--lr must be positive", "train", "--lr", "-1", "--out", dir.toString());
        userError("drop probability", "train", "--dropout", "1.5");
        userError("digits, fashion-mnist, mnist, xor", "train", "--data", "imagenet");
        userError("no such file or directory", "eval", dir.resolve("missing").toString());
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "a,b,label\n1,2,x\n3,oops,y\n");
        userError("bad.csv:3", "train", "--data", bad.toString(), "--out", dir.toString());
        Path idx = dir.resolve("idx");
        Files.createDirectories(idx);
        for (String f : List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")) {
            Files.write(idx.resolve(f), new byte[] {0, 0, 8, 1, 0, 0, 0, 0});
        }
        userError("magic", "train", "--data", idx.toString(), "--out", dir.toString());
    }

    @Test
    void aDivergingRunStopsWithTheEpochAndStep(@TempDir Path dir) {
        Run r = run("train", "--optimizer", "sgd", "--lr", "1e12", "--epochs", "3", "--out", dir.resolve("x").toString());
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().matches("(?s)backprop: train: the (loss|gradient norm) became .* at epoch \\d+, step \\d+.*"), r.err());
        assertTrue(!Files.exists(dir.resolve("x")), "nothing is written for a failed run, not even its directory");
    }

    @Test
    void detectAnomalyNamesTheOpAndLayerAndLeavesNoOutput(@TempDir Path dir) {
        // The README's recipe for a NaN: plain SGD with a rate of 1e6 overflows the output layer within a few steps.
        Path out = dir.resolve("x");
        Run r = run("train", "--optimizer", "sgd", "--lr", "1e6", "--epochs", "1", "--detect-anomaly", "--out", out.toString());
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().matches("(?s).*backprop: train: anomaly at epoch 1, step \\d+: linear \\(forward\\) produced .* from finite "
                + "inputs: input 0 \\[32, 128\\] .*; at layer 3 \\(Linear\\(128 -> 10\\)\\)\n"), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("backprop:")).count(), "one line");
        assertTrue(!Files.exists(out), "a failed run leaves no output directory behind");

        Run j = run("train", "--optimizer", "sgd", "--lr", "1e6", "--epochs", "1", "--detect-anomaly", "--json", "--out", out.toString());
        assertEquals(1, j.status());
        @SuppressWarnings("unchecked")
        Map<String, Object> anomaly = (Map<String, Object>) j.json().get("anomaly");
        assertEquals("linear", anomaly.get("op"));
        assertEquals("forward", anomaly.get("phase"));
        assertTrue(anomaly.get("location").toString().equals("layer 3 (Linear(128 -> 10))"), anomaly.toString());
        assertTrue(j.json().get("error").toString().startsWith("train: anomaly at epoch 1"), j.out());
        assertEquals(1.0, j.json().get("status"), "train's own error object gains the status");
        assertEquals(1, j.out().lines().count(), "one object, not two: " + j.out());
    }

    /** A value option given twice is refused rather than the last one silently winning; a repeated flag is harmless. */
    @Test
    void aRepeatedOptionIsAnError() {
        AugmentCommandTest.oneLineError("gradcheck: --model given twice", "gradcheck", "--model", "linear", "--model", "mlp:4");
        AugmentCommandTest.oneLineError("train: --epochs given twice", "train", "--epochs", "1", "--epochs=2");
        AugmentCommandTest.oneLineError("explain: --step given twice", "explain", "xor", "--step", "2", "--step", "3");
        AugmentCommandTest.oneLineError("train: --monitor given twice", "train", "--monitor=5", "--monitor");
        assertEquals(0, run("explain", "xor", "--json", "--json").status());
    }

    /** With --json, a usage mistake or a failure is also one object on stdout: the stderr line and the exit status. */
    @Test
    void withJsonEveryErrorIsAlsoTheLastLineOfStdout(@TempDir Path dir) throws Exception {
        for (List<String> args : List.of(List.of("train", "--json", "--epochs", "0"), List.of("gradcheck", "--json", "--batch", "x"),
                List.of("explain", "and", "--json"), List.of("explain", "--json", "--step", "0"),
                List.of("eval", "--json", dir.resolve("none").toString()), List.of("gradcheck", "--bogus", "--json"))) {
            Run r = run(args.toArray(String[]::new));
            assertEquals(2, r.status(), args + ": " + r.err());
            assertEquals(1, r.err().lines().count(), args + ": " + r.err());
            assertEquals(1, r.out().lines().count(), args + ": " + r.out());
            assertEquals(r.err().strip(), "backprop: " + r.json().get("error"), args.toString());
            assertEquals(2.0, r.json().get("status"), args.toString());
        }
        // A failure of the work itself: a run directory whose weight file cannot be read.
        Path runDir = dir.resolve("run");
        assertEquals(0, run("train", "--model", "mlp:4", "--epochs", "1", "--out", runDir.toString()).status());
        Files.delete(runDir.resolve("model.safetensors"));
        Files.createDirectory(runDir.resolve("model.safetensors"));
        Run g = run("gradcheck", "--model", runDir.toString(), "--json");
        assertEquals(1, g.status(), g.err());
        assertEquals(1, g.err().lines().count(), g.err());
        assertEquals(g.err().strip(), "backprop: " + g.json().get("error"));
        assertEquals(1.0, g.json().get("status"));
        // Without --json stdout stays empty; a success prints only its result.
        assertEquals("", run("gradcheck", "--batch", "x").out());
        Run ok = run("explain", "xor", "--json");
        assertEquals(0, ok.status());
        assertEquals(1, ok.out().lines().count());
        assertTrue(!ok.json().containsKey("error"));
    }

    @Test
    void aModelFileThatDoesNotMatchSaysWhichNames(@TempDir Path dir) throws Exception {
        assertEquals(0, run("train", "--epochs", "1", "--out", dir.toString()).status());
        String spec = Files.readString(dir.resolve("model.json")).replace("\"out\":128", "\"out\":100").replace("\"in\":128", "\"in\":100");
        Files.writeString(dir.resolve("model.json"), spec);
        Run r = run("eval", dir.toString());
        assertTrue(r.status() != 0, r.out());
        assertTrue(r.err().contains("1.weight") || r.err().contains("shape"), r.err());
    }

    @Test
    void aCsvRunIsReproducedByEvalAndPredict(@TempDir Path dir) throws Exception {
        // Three classes separated by the sum of the features; the label column sits in the middle.
        StringBuilder sb = new StringBuilder("a,b,species,c\n");
        dev.backprop.Generator g = new dev.backprop.Generator(3);
        for (int i = 0; i < 150; i++) {
            double a = g.nextDouble() * 3, b = g.nextDouble() * 3, c = g.nextDouble() * 3, t = a + b + c;
            sb.append(String.format(java.util.Locale.ROOT, "%.3f,%.3f,%s,%.3f%n", a, b, t < 3.5 ? "low" : t < 5.5 ? "mid" : "high", c));
        }
        Path csv = dir.resolve("sums.csv");
        Files.writeString(csv, sb.toString());
        Path out = dir.resolve("run");
        Run t = run("train", "--data", csv.toString(), "--label", "species", "--seed", "7", "--epochs", "40", "--out", out.toString(), "--json");
        assertEquals(0, t.status(), t.err());
        Run e = run("eval", out.toString(), "--json");
        assertEquals(0, e.status(), e.err());
        assertEquals((Double) t.json().get("test_accuracy"), (Double) e.json().get("accuracy"), 1e-12, "the same held-out rows");
        assertEquals((Double) t.json().get("test_loss"), (Double) e.json().get("loss"), 1e-9);
        Run p = run("predict", out.toString(), csv.toString(), "--json");
        assertEquals(0, p.status(), "the label column is found by name, wherever it is: " + p.err());
        Files.writeString(dir.resolve("bad.csv"), "a,b,c\n1,NaN,2\n");
        userError("bad.csv:2: column 'b': 'NaN' is not a finite number", "predict", out.toString(), dir.resolve("bad.csv").toString());
        Files.writeString(dir.resolve("tiny.csv"), "x,label\n1,a\n2,b\n");
        userError("too few rows", "train", "--data", dir.resolve("tiny.csv").toString(), "--out", dir.resolve("t").toString());
    }

    @Test
    void damagedModelFilesAreRefusedByName(@TempDir Path dir) throws Exception {
        assertEquals(0, run("train", "--epochs", "1", "--out", dir.toString()).status());
        Path w = dir.resolve("model.safetensors");
        java.util.Map<String, dev.backprop.Tensor> state = new java.util.LinkedHashMap<>(dev.backprop.io.Safetensors.read(w));
        dev.backprop.Tensor bias = state.get("3.bias").clone();
        bias.set(Double.NaN, 0);
        state.put("3.bias", bias);
        dev.backprop.io.Safetensors.write(w, state, java.util.Map.of());
        Run e = run("eval", dir.toString());
        assertEquals(2, e.status(), e.err());
        assertTrue(e.err().contains("3.bias") && e.err().contains("NaN"), e.err());
        String json = Files.readString(dir.resolve("model.json")).replace("\"data\":\"digits\"", "\"data\":5");
        Files.writeString(dir.resolve("model.json"), json);
        Run bad = run("eval", dir.toString());
        assertTrue(bad.status() != 0 && bad.err().lines().count() == 1, bad.err());
    }

    @Test
    void batchNormRefusesBatchesOfOneAndSkipsALoneLastExample(@TempDir Path dir) {
        userError("batch norm needs at least 2 examples per batch (it normalises each feature over the batch); pick "
                + "--batch-size 2 or more", "train", "--model", "deep-mlp:4x16,batch-norm", "--batch-size", "1", "--out", dir.toString());
        // 1438 digits in batches of 1437: the second batch would hold one example.
        Run r = run("train", "--model", "deep-mlp:4x16,batch-norm", "--batch-size", "1437", "--epochs", "2", "--out", dir.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(1, r.out().lines().filter(l -> l.startsWith("note: the last batch of 1 example is skipped each epoch")).count(),
                r.out());
        assertTrue(r.out().contains("2 epochs of batch 1437"), r.out());
        // Without batch norm nothing is skipped, and one epoch is "1 epoch".
        Run plain = run("train", "--batch-size", "1437", "--epochs", "1", "--out", dir.toString());
        assertEquals(0, plain.status(), plain.err());
        assertTrue(!plain.out().contains("note:") && plain.out().contains("; 1 epoch of batch 1437;"), plain.out());
    }

    @Test
    void aModelFileWithoutInputShapeTakesTheDataSetsAndIsChecked(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("m.json");
        Files.writeString(model, "{\"format\":\"backprop-model\",\"version\":1,\"layers\":[{\"type\":\"flatten\"},"
                + "{\"type\":\"linear\",\"in\":64,\"out\":10}]}");
        Path out = dir.resolve("run");
        Run r = run("train", "--model", model.toString(), "--epochs", "1", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.readString(out.resolve("model.json")).replace(" ", "").contains("\"input_shape\":[1,8,8]"), "saved with the data's shape");
        assertEquals(0, run("eval", out.toString()).status());
        Files.writeString(model, "{\"format\":\"backprop-model\",\"version\":1,\"layers\":[{\"type\":\"flatten\"},"
                + "{\"type\":\"linear\",\"in\":60,\"out\":10}]}");
        userError("m.json does not fit digits examples [1, 8, 8]: layers[1] (linear)", "train", "--model", model.toString(),
                "--out", dir.resolve("bad").toString());
        Files.writeString(model, "{\"format\":\"backprop-model\",\"version\":1,\"input_shape\":[64],\"layers\":[{\"type\":\"flatten\"},"
                + "{\"type\":\"linear\",\"in\":64,\"out\":10}]}");
        userError("has input_shape [64] but digits examples are [1, 8, 8]; set input_shape to [1, 8, 8] or leave it out",
                "train", "--model", model.toString(), "--out", dir.resolve("bad").toString());
    }

    @Test
    void clippingBoundsMustBePositiveAndHelpListsEveryActivation(@TempDir Path dir) {
        userError("--clip-value must be a positive number, got 0; leave the option out for no clipping", "train", "--clip-value", "0",
                "--out", dir.toString());
        userError("--clip-norm must be a positive number, got 0", "train", "--clip-norm", "0", "--out", dir.toString());
        userError("--clip-norm must be a positive number, got -1", "train", "--clip-norm", "-1", "--out", dir.toString());
        assertTrue(run("train", "--help").out().contains("relu, leaky-relu, sigmoid, tanh, gelu, identity"));
        assertTrue(run("train", "--help").out().contains("plain deep-mlp is deep-mlp:20x64"));
    }

    @Test
    void badOutputPlacesFailBeforeTraining(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("afile");
        Files.writeString(file, "x");
        userError("is a file", "train", "--out", file.toString());
        userError("cannot create the output directory", "train", "--out", file.resolve("sub").toString());
        userError("too many", "train", "--threads", "100000");
        userError("--label-smoothing must be in [0, 1)", "train", "--label-smoothing", "5");
    }
}
