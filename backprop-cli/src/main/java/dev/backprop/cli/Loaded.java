package dev.backprop.cli;

import dev.backprop.data.Normalization;
import dev.backprop.io.ModelFiles;
import dev.backprop.io.ModelSpec;
import dev.backprop.nn.Sequential;
import dev.backprop.train.Objective;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A saved model with what its files say about the data it was trained on. */
record Loaded(Sequential model, ModelSpec spec, String data, List<String> classes, Normalization normalization,
              Objective objective) {

    @SuppressWarnings("unchecked")
    static Loaded from(String command, String path) {
        Path p = Path.of(path);
        if (!Files.exists(p)) {
            throw new UserError(command + ": " + path + ": no such file or directory (give the --out directory of a training "
                    + "run, or its model.json)");
        }
        ModelFiles.Loaded l = ModelFiles.load(p);
        Map<String, Object> meta = l.spec().meta();
        String data = (String) meta.get("data");
        List<String> classes = meta.get("classes") instanceof List<?> c ? (List<String>) c : null;
        Normalization norm = meta.get("normalization") instanceof Map<?, ?> m ? Normalization.fromMap((Map<String, ?>) m) : null;
        String loss = (String) meta.getOrDefault("loss", classes != null ? "cross-entropy" : "mse");
        int[] out = l.spec().outputShape();
        int width = out.length == 0 ? 1 : out[out.length - 1];
        Objective objective = Objective.of(loss, classes == null ? 0 : classes.size(), width, 0);
        l.model().eval();
        return new Loaded(l.model(), l.spec(), data, classes, norm, objective);
    }
}
