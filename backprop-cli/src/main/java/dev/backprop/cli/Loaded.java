package dev.backprop.cli;

import dev.backprop.data.Normalization;
import dev.backprop.data.Task;
import dev.backprop.io.ModelFiles;
import dev.backprop.io.ModelSpec;
import dev.backprop.nn.Sequential;
import dev.backprop.train.Objective;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A saved model with what its files say about the data it was trained on: the data set (and where it was read
 * from), its class names, CSV label column and features, the split seed, the loss and the normalisation.
 */
record Loaded(Sequential model, ModelSpec spec, String data, String source, List<String> classes, Normalization normalization,
              Objective objective, String labelColumn, List<String> features, long splitSeed, Task task) {

    static Loaded from(String command, String path) {
        Path p = Path.of(path);
        if (!Files.exists(p)) {
            throw new UserError(command + ": " + path + ": no such file or directory (give the --out directory of a training "
                    + "run, or its model.json)");
        }
        if (Files.isRegularFile(p) && !p.getFileName().toString().endsWith(".json")) {
            throw new UserError(command + ": " + path + " is not a model description; give the run's directory or its model.json");
        }
        ModelFiles.Loaded l = ModelFiles.load(p);
        Map<String, Object> meta = l.spec().meta();
        String where = p + " (model.json meta)";
        String data = string(meta, "data", where);
        String source = meta.containsKey("data_source") ? string(meta, "data_source", where) : data;
        List<String> classes = strings(meta, "classes", where);
        Normalization norm = null;
        Object n = meta.get("normalization");
        if (n != null) {
            if (!(n instanceof Map<?, ?> m)) throw new IllegalArgumentException(where + ": \"normalization\" must be an object");
            @SuppressWarnings("unchecked")
            Map<String, ?> mm = (Map<String, ?>) m;
            norm = Normalization.fromMap(mm);
        }
        String loss = meta.containsKey("loss") ? string(meta, "loss", where) : classes != null ? "cross-entropy" : "mse";
        int[] out = l.spec().outputShape();
        int width = out.length == 0 ? 1 : out[out.length - 1];
        Objective objective = Objective.of(loss, classes == null ? 0 : classes.size(), width, 0);
        long seed = meta.get("split_seed") instanceof Number s ? s.longValue() : 1;
        String task = meta.containsKey("task") ? string(meta, "task", where) : null;
        l.model().eval();
        return new Loaded(l.model(), l.spec(), data, source, classes, norm, objective,
                meta.containsKey("label_column") ? string(meta, "label_column", where) : null, strings(meta, "features", where), seed,
                task == null ? null : Task.parse(task));
    }

    private static String string(Map<String, Object> meta, String key, String where) {
        Object v = meta.get(key);
        if (v == null) return null;
        if (!(v instanceof String s)) throw new IllegalArgumentException(where + ": \"" + key + "\" must be a string, got " + v);
        return s;
    }

    private static List<String> strings(Map<String, Object> meta, String key, String where) {
        Object v = meta.get(key);
        if (v == null) return null;
        if (!(v instanceof List<?> l)) throw new IllegalArgumentException(where + ": \"" + key + "\" must be a list of strings");
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof String s)) throw new IllegalArgumentException(where + ": \"" + key + "\" must be a list of strings, got " + o);
            out.add(s);
        }
        return out;
    }
}
