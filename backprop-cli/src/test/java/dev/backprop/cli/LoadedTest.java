package dev.backprop.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A saved model given wrongly to eval, predict, gradcheck and train: a run directory with a file missing or edited,
 * the weight file instead of the description, a directory instead of an input. Each gets one line that says what is
 * wrong and what to give, with the command's name and exit status 2.
 */
class LoadedTest {
    @TempDir
    static Path dir;
    static Path run;

    @BeforeAll
    static void trainOnce() {
        run = dir.resolve("run");
        MainTest.Run r = MainTest.run("train", "--epochs", "1", "--out", run.toString());
        assertEquals(0, r.status(), r.err());
    }

    /** A copy of the run directory, without the files named. */
    static Path copyWithout(String name, String... without) throws Exception {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        for (String f : new String[] {"model.json", "model.safetensors"}) {
            if (!java.util.Arrays.asList(without).contains(f)) Files.copy(run.resolve(f), d.resolve(f));
        }
        return d;
    }

    static void oneLine(String expected, String... args) {
        MainTest.Run r = MainTest.run(args);
        assertEquals(2, r.status(), String.join(" ", args) + ": " + r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("backprop: " + args[0] + ": "), "names the command: " + r.err());
        assertTrue(r.err().contains(expected), "'" + expected + "' in: " + r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void aModelFileWithoutInputShapeIsAnErrorNamingTheShapeToAdd() throws Exception {
        Path d = copyWithout("noshape");
        Path json = d.resolve("model.json");
        String text = Files.readString(json);
        String edited = text.replaceFirst("\"input_shape\":\\s*\\[[^\\]]*],\\s*", "");
        assertFalse(edited.equals(text) || edited.contains("input_shape"), edited);
        Files.writeString(json, edited);
        Path csv = dir.resolve("x.csv");
        Files.writeString(csv, "0".repeat(1) + ",0".repeat(63) + "\n");
        String want = json + " has no input_shape; a trained model's file always has one — was it edited? add \"input_shape\": [1, 8, 8]";
        oneLine(want, "eval", d.toString());
        oneLine(want, "predict", d.toString(), csv.toString());
        oneLine(want, "gradcheck", "--model", d.toString());
    }

    @Test
    void aRunDirectoryMissingAFileSaysWhichAndWhatARunHolds() throws Exception {
        String holds = "give the --out directory of a train run: it holds model.json and model.safetensors";
        Path empty = copyWithout("empty", "model.json", "model.safetensors");
        oneLine(empty + " holds neither model.json nor model.safetensors; " + holds, "gradcheck", "--model", empty.toString());
        oneLine(empty + " holds neither model.json nor model.safetensors; " + holds, "eval", empty.toString());
        Path noWeights = copyWithout("noweights", "model.safetensors");
        oneLine(noWeights + " has no model.safetensors (the model's weights); " + holds, "eval", noWeights.toString());
        oneLine("has no model.safetensors", "predict", noWeights.toString(), dir.toString());
        Path noSpec = copyWithout("nospec", "model.json");
        oneLine(noSpec + " has no model.json (the model's layers); " + holds, "eval", noSpec.toString());
        oneLine("has no model.json", "gradcheck", "--model", noSpec.toString());
        Path lone = dir.resolve("lone.json");
        Files.copy(run.resolve("model.json"), lone);
        oneLine(lone + " has no lone.safetensors beside it", "eval", lone.toString());
    }

    @Test
    void theWeightsFileIsNotTakenForAModelDescription() {
        String weights = run.resolve("model.safetensors").toString();
        String want = weights + " is the weights file, not a model description; give the run's directory (or its model.json)";
        oneLine(want, "gradcheck", "--model", weights);
        oneLine(want, "eval", weights);
        oneLine(want, "predict", weights, weights);
        oneLine(weights + " is the weights file, not a model description; give the run's model.json ("
                + run.resolve("model.json") + ")", "train", "--model", weights, "--out", dir.resolve("never").toString());
        assertFalse(Files.exists(dir.resolve("never")));
    }

    @Test
    void predictOnADirectorySaysItIsOne() throws Exception {
        Path d = Files.createDirectories(dir.resolve("inputs"));
        oneLine(d + " is a directory; give a CSV or image file", "predict", run.toString(), d.toString());
    }

    @Test
    void trainNamesAModelFileThatIsNotJson() throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{bad");
        oneLine(bad + ": not valid JSON", "train", "--model", bad.toString(), "--out", dir.resolve("never").toString());
        oneLine(bad + ": not valid JSON", "gradcheck", "--model", bad.toString());
        Files.write(bad, new byte[] {(byte) 0xff, 0, 1});
        oneLine(bad + " is not a JSON model file (it is not UTF-8 text)", "train", "--model", bad.toString(), "--out",
                dir.resolve("never").toString());
        oneLine(bad + " is not a JSON model file (it is not UTF-8 text)", "gradcheck", "--model", bad.toString());
    }

    @Test
    void evalAndPredictSayAModelFileIsNotJsonBeforeLookingForItsWeights() throws Exception {
        // No bad2.safetensors beside it either: the broken JSON is the first thing to fix.
        Path bad = dir.resolve("bad2.json");
        Files.writeString(bad, "{bad");
        oneLine("eval: " + bad + ": not valid JSON", "eval", bad.toString());
        Path notObject = dir.resolve("notobj.json");
        Files.writeString(notObject, "[1, 2]");
        oneLine("predict: " + notObject + ": expected a JSON object", "predict", notObject.toString(), notObject.toString());
    }

    @Test
    void presetOptionsWithAModelOfItsOwnNameOnlyThoseGiven() {
        String json = run.resolve("model.json").toString(), out = dir.resolve("never").toString();
        oneLine("gradcheck: --activation shapes a preset, but " + run + " is a trained model with its own layers; leave it out",
                "gradcheck", "--model", run.toString(), "--activation", "relu");
        oneLine("gradcheck: --dropout shapes a preset", "gradcheck", "--model", run.toString(), "--dropout", "0.1");
        oneLine("gradcheck: --dropout and --activation shape a preset", "gradcheck", "--model", run.toString(), "--dropout", "0.1",
                "--activation", "tanh");
        oneLine("gradcheck: --activation shapes a preset, but " + json + " names its own layers; leave it out",
                "gradcheck", "--model", json, "--activation", "relu");
        oneLine("train: --dropout shapes a preset, but " + json + " names its own layers; edit the dropout p in the file",
                "train", "--model", json, "--dropout", "0.1", "--out", out);
        oneLine("train: --dropout and --activation shape a preset", "train", "--model", json, "--dropout", "0.1",
                "--activation", "tanh", "--out", out);
    }
}
