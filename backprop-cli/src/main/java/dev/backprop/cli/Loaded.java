package dev.backprop.cli;

import dev.backprop.Shape;
import dev.backprop.data.DataSets;
import dev.backprop.data.LabeledData;
import dev.backprop.data.LoadOptions;
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
import java.util.Locale;
import java.util.Map;

/**
 * A saved model with what its files say about the data it was trained on: the data set (and where it was read
 * from), its class names, CSV label column and features, the split seed, the loss and the normalisation.
 */
record Loaded(Sequential model, ModelSpec spec, String data, String source, List<String> classes, Normalization normalization,
              Objective objective, String labelColumn, List<String> features, long splitSeed, Task task) {

    /** What a run directory is, for the errors that ask for one. */
    static final String RUN_DIR = "give the --out directory of a train run: it holds " + ModelFiles.SPEC + " and " + ModelFiles.WEIGHTS;

    /**
     * Fails when {@code arg} names a weight file ({@code .safetensors}) where a model description is wanted: it holds
     * only tensors, and read as JSON or taken for a preset name it would give a baffling error.
     *
     * @param give what to give instead, e.g. "the run's directory (or its model.json)"
     */
    static void rejectWeightsFile(String command, String arg, String give) {
        if (arg.trim().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            throw new UserError(command + ": " + arg + " is the weights file, not a model description; give " + give);
        }
    }

    static Loaded from(String command, String path) {
        Path p = Path.of(path);
        if (!Files.exists(p)) {
            throw new UserError(command + ": " + path + ": no such file or directory (give the --out directory of a training "
                    + "run, or its model.json)");
        }
        rejectWeightsFile(command, path, "the run's directory (or its model.json)");
        if (Files.isRegularFile(p) && !p.getFileName().toString().endsWith(".json")) {
            throw new UserError(command + ": " + path + " is not a model description; give the run's directory or its model.json");
        }
        // Both files are looked for first: reading stops at the first missing one, and would say "cannot read"
        // (an I/O failure) where the user gave the wrong directory.
        Path json = ModelFiles.specPath(p), weights = ModelFiles.weightsPath(p);
        boolean hasJson = Files.exists(json), hasWeights = Files.exists(weights);
        if (!hasJson && !hasWeights) {
            throw new UserError(command + ": " + path + " holds neither " + ModelFiles.SPEC + " nor " + ModelFiles.WEIGHTS + "; " + RUN_DIR);
        }
        if (!hasJson) throw new UserError(command + ": " + path + " has no " + ModelFiles.SPEC + " (the model's layers); " + RUN_DIR);
        if (!hasWeights) {
            // A broken model.json is the first thing to fix: say so rather than that the weights are missing.
            if (Files.isRegularFile(json)) ModelFiles.readSpec(json);
            throw new UserError(command + ": " + (Files.isDirectory(p) ? path + " has no " + weights.getFileName()
                    : json + " has no " + weights.getFileName() + " beside it") + " (the model's weights); " + RUN_DIR);
        }
        ModelFiles.Loaded l = ModelFiles.load(p);
        if (l.spec().inputShape() == null) {
            // train always writes it; without it nothing can check the data against the model.
            throw new UserError(command + ": " + json + " has no input_shape; a trained model's file always has one — was it "
                    + "edited? add \"input_shape\": " + shapeHint(l.spec().meta()));
        }
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

    /** The input shape to restore: that of the data set the model's metadata names, where it loads; else a description. */
    private static String shapeHint(Map<String, Object> meta) {
        try {
            Object source = meta.containsKey("data_source") ? meta.get("data_source") : meta.get("data");
            Object label = meta.get("label_column"), task = meta.get("task");
            if (source instanceof String s) {
                LabeledData d = DataSets.load(s, new LoadOptions(label instanceof String c ? c : null,
                        task instanceof String t ? Task.parse(t) : null, 0.2, 1, false));
                return Shape.str(d.inputShape()) + " (the shape of one " + d.name() + " example)";
            }
        } catch (RuntimeException e) {
            // the data set cannot be read here: describe the shape instead
        }
        return "[...] (the shape of one example, without the batch dimension, e.g. [1, 28, 28] for MNIST)";
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
