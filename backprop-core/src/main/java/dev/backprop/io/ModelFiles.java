package dev.backprop.io;

import dev.backprop.Generator;
import dev.backprop.Shape;
import dev.backprop.Tensor;
import dev.backprop.nn.Init;
import dev.backprop.nn.Sequential;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A saved model: a directory holding {@value #SPEC} (the architecture, a {@link ModelSpec}) and {@value #WEIGHTS}
 * (its state dict in {@link Safetensors} format, metadata {@code {"format": "backprop"}}), so that a model can be
 * rebuilt from its files alone. The weight file loads in PyTorch with {@code safetensors.torch.load_file}.
 *
 * <p>Each file is written to a temporary name and moved into place. Both temporary files are written before either
 * is moved, so a failure while writing (a full disk, a bad tensor, a directory in the way) leaves the files that
 * were there untouched.
 */
public final class ModelFiles {
    private ModelFiles() {}

    /** The weight file's name inside a model directory. */
    public static final String WEIGHTS = "model.safetensors";
    /** The architecture file's name inside a model directory. */
    public static final String SPEC = "model.json";

    /** A loaded model (in evaluation mode) and the spec it was built from (with its metadata). */
    public record Loaded(Sequential model, ModelSpec spec) {}

    /** Saves a model described by {@link ModelSpec#of}. See {@link #save(Path, Sequential, ModelSpec)}. */
    public static void save(Path dir, Sequential model) {
        save(dir, model, ModelSpec.of(model));
    }

    /**
     * Writes {@code dir/model.safetensors} and {@code dir/model.json}, creating {@code dir} if needed.
     *
     * @param spec the model's description (its metadata is saved too); it must describe {@code model}
     * @throws IllegalArgumentException when {@code spec} does not describe {@code model}
     * @throws java.io.UncheckedIOException when a file cannot be written; the old files are then untouched
     */
    public static void save(Path dir, Sequential model, ModelSpec spec) {
        List<ModelSpec.Layer> actual = ModelSpec.of(model).layers(), described = spec.layers();
        if (!actual.equals(described)) {
            int i = 0;
            while (i < actual.size() && i < described.size() && actual.get(i).equals(described.get(i))) i++;
            String model_ = i < actual.size() ? actual.get(i).toString() : "nothing";
            String spec_ = i < described.size() ? described.get(i).toString() : "nothing";
            throw new IllegalArgumentException("ModelFiles.save: the spec does not describe the model: layers[" + i + "] is "
                    + model_ + " in the model but " + spec_ + " in the spec");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw Safetensors.io("create directory", dir, e);
        }
        Path weights = dir.resolve(WEIGHTS), json = dir.resolve(SPEC);
        byte[] text = spec.toJson().getBytes(StandardCharsets.UTF_8);
        Path tw = Safetensors.writeTemp(weights, model.stateDict(), Map.of("format", "backprop"));
        Path tj;
        try {
            tj = Safetensors.writeTemp(json, ch -> {
                ByteBuffer b = ByteBuffer.wrap(text);
                while (b.hasRemaining()) ch.write(b);
            });
        } catch (RuntimeException e) {
            Safetensors.deleteQuietly(tw);
            throw e;
        }
        try {
            Safetensors.commit(tw, weights);
        } catch (RuntimeException e) {
            Safetensors.deleteQuietly(tj);
            throw e;
        }
        Safetensors.commit(tj, json);
    }

    /**
     * Rebuilds a saved model: from a directory ({@code model.json} and {@code model.safetensors} in it) or from a
     * JSON file ({@code name.json} with its weights in {@code name.safetensors} beside it). The weights are loaded
     * strictly, and the model is returned in evaluation mode.
     *
     * @throws IllegalArgumentException naming the file: a bad spec (with its JSON path), a bad weight file, or
     *                                  weights that do not match the spec (missing and unexpected names, shapes)
     * @throws java.io.UncheckedIOException when a file cannot be read
     */
    public static Loaded load(Path dirOrJsonFile) {
        Path json = specPath(dirOrJsonFile), weights = weightsPath(dirOrJsonFile);
        ModelSpec spec = readSpec(json);
        Map<String, Tensor> state = Safetensors.read(weights);
        Sequential model = spec.build(new Generator(0), Init.Scheme.ZEROS); // the weights are loaded next
        check(model.stateDict(), state, weights, json);
        model.loadStateDict(state, true);
        model.eval();
        return new Loaded(model, spec);
    }

    /** The model description {@link #load} reads: {@code dir/model.json}, or the file itself. */
    public static Path specPath(Path dirOrJsonFile) {
        return Files.isDirectory(dirOrJsonFile) ? dirOrJsonFile.resolve(SPEC) : dirOrJsonFile;
    }

    /** The weights {@link #load} reads: {@code dir/model.safetensors}, or {@code x.safetensors} beside {@code x.json}. */
    public static Path weightsPath(Path dirOrJsonFile) {
        if (Files.isDirectory(dirOrJsonFile)) return dirOrJsonFile.resolve(WEIGHTS);
        String name = dirOrJsonFile.getFileName().toString();
        return dirOrJsonFile.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + ".safetensors");
    }

    /**
     * Reads and checks a model description alone (a caller can report a bad one before looking for its weights).
     *
     * @throws IllegalArgumentException naming the file: not UTF-8, not JSON, or not a valid spec (with its JSON path)
     * @throws java.io.UncheckedIOException when the file cannot be read
     */
    public static ModelSpec readSpec(Path json) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(json))).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(json + " is not a JSON model file (it is not UTF-8 text); give a model.json");
        } catch (IOException e) {
            throw Safetensors.io("read", json, e);
        }
        return ModelSpec.parse(text, json.toString());
    }

    /** Fails, listing every difference, when the weights do not fit the model built from the spec. */
    private static void check(Map<String, Tensor> own, Map<String, Tensor> file, Path weights, Path json) {
        List<String> missing = new TreeSet<>(own.keySet()).stream().filter(k -> !file.containsKey(k)).toList();
        List<String> unexpected = new TreeSet<>(file.keySet()).stream().filter(k -> !own.containsKey(k)).toList();
        List<String> wrong = new ArrayList<>();
        for (var e : own.entrySet()) {
            Tensor f = file.get(e.getKey());
            if (f == null) continue;
            Tensor m = e.getValue();
            if (!Arrays.equals(f.shape(), m.shape())) {
                wrong.add(e.getKey() + " is " + Shape.str(f.shape()) + " in " + weights.getFileName() + " but "
                        + Shape.str(m.shape()) + " in " + json.getFileName());
            } else if (m.dtype().isFloating() && !f.dtype().isFloating()) {
                wrong.add(e.getKey() + " holds " + f.dtype() + " values in " + weights.getFileName() + ", not floats");
            } else if (f.dtype().isFloating() && f.isFinite().not().countNonzero() > 0) {
                // A NaN or infinite weight would only surface later as NaN predictions.
                wrong.add(e.getKey() + " holds " + f.isFinite().not().countNonzero() + " NaN or infinite values");
            }
        }
        if (missing.isEmpty() && unexpected.isEmpty() && wrong.isEmpty()) return;
        StringBuilder sb = new StringBuilder(weights + ": the weights do not match " + json.getFileName() + ":");
        String sep = " ";
        if (!missing.isEmpty()) {
            sb.append(sep).append("missing ").append(missing);
            sep = "; ";
        }
        if (!unexpected.isEmpty()) {
            sb.append(sep).append("unexpected ").append(unexpected);
            sep = "; ";
        }
        if (!wrong.isEmpty()) sb.append(sep).append(String.join("; ", wrong));
        throw new IllegalArgumentException(sb.toString());
    }
}
