package dev.backprop.cli;

import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.GradMode;
import dev.backprop.Shape;
import dev.backprop.Tensor;
import dev.backprop.autograd.GradCheck;
import dev.backprop.data.DataSets;
import dev.backprop.data.LabeledData;
import dev.backprop.data.LoadOptions;
import dev.backprop.io.Json;
import dev.backprop.io.ModelFiles;
import dev.backprop.io.ModelSpec;
import dev.backprop.nn.BatchNorm;
import dev.backprop.nn.BatchNorm1d;
import dev.backprop.nn.Dropout;
import dev.backprop.nn.Dropout2d;
import dev.backprop.nn.Functional;
import dev.backprop.nn.Module;
import dev.backprop.nn.Sequential;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import static dev.backprop.cli.Options.Opt;

/**
 * {@code backprop gradcheck}: a float64 gradient check of every parameter of a model (a preset, a JSON model file,
 * or one layer), and of its input, against central differences ({@link GradCheck#checkModule}).
 *
 * <p>The model is built as {@code train} builds it, converted to float64 ({@link Module#toDouble()}), and fed a batch
 * of N(0, 1) inputs of the example shape (random inputs rather than the data's own, whose exact zeros put ReLUs
 * exactly on their kink). The loss is cross-entropy on random labels (batch mean, as in training) when each
 * example's output is a vector of two or more logits, and otherwise the projection Σ out·R with R ~ N(0, 1), which
 * reaches every output. A model with batch norm or dropout is checked twice: in training mode (batch statistics;
 * dropout with one fixed mask, its generator reseeded before every forward) and in evaluation mode (running
 * statistics, moved away from their initial 0 and 1 by a few training-mode batches first; dropout off).
 */
final class GradcheckCommand implements Main.Command {
    static final List<Opt> OPTIONS = List.of(
            Opt.value("model", "SPEC", "a preset: " + ModelSpec.PRESETS + "; a JSON model file (checked at freshly "
                    + "initialised weights); or a training run's --out directory (checked at its trained weights)",
                    "train's for --data: mlp:128, mlp:2 for xor; mlp with --input-shape"),
            Opt.value("layer", "TYPE", "check one layer instead of a model, on a small example input: "
                    + String.join(", ", LayerExamples.TYPES), null),
            Opt.value("data", "NAME", "the data set whose example shape and classes the model gets (as in train)", "digits"),
            Opt.value("input-shape", "C,H,W", "the example shape instead of --data (with --classes)", "from --data; lenet 1,28,28"),
            Opt.value("classes", "N", "the number of classes with --input-shape", "10"),
            Opt.value("activation", "NAME", "a preset's activation (as in train)", "train's for --data: relu, tanh for xor"),
            Opt.value("dropout", "P", "a preset's dropout (as in train)", "the preset's own"),
            Opt.value("batch", "N", "examples in the input batch", "4"),
            Opt.value("tolerance", "X", "the largest error that passes", "1e-6"),
            Opt.value("eps", "X", "the step ε of the central differences", "1e-5"),
            Opt.value("elements", "N", "single elements checked per parameter (all of them when it has no more)", "8"),
            Opt.value("directions", "N", "random directions checked per parameter with more elements than --elements", "2"),
            Opt.value("seed", "N", "seed of the weights, inputs, labels and the elements and directions checked", "1"),
            Opt.flag("json", "print one JSON object with every check as the last line"),
            Opt.flag("verbose", "stack traces on errors"),
            Opt.flag("help", "show this help"));

    @Override
    public String name() {
        return "gradcheck";
    }

    @Override
    public String summary() {
        return "check a model's gradients against central differences in float64";
    }

    /** One mode's check of the model. */
    record ModeResult(String mode, GradCheck.ModuleResult result) {}

    @Override
    public int run(String[] args, PrintStream out) {
        Options o = Options.parse("gradcheck", OPTIONS, args);
        if (o.has("help")) {
            out.print(Options.help("backprop gradcheck [--model SPEC | --layer TYPE] [options]", """
                    Checks the gradient autograd computes for every parameter of a model, and for its input, against
                    central differences (f(θ + εv) − f(θ − εv)) / 2ε in float64, and prints the worst error of each.
                    A parameter of up to --elements elements is checked element by element; a larger one at --elements
                    random elements and --directions random directions (a direction moves every element). The error is
                    relative to the largest value of the derivative for that parameter. The input is a batch of
                    N(0, 1) examples; the loss is cross-entropy on random labels, or Σ out·R (R ~ N(0, 1)) when the
                    output is not a vector of logits. Models with batch norm or dropout are checked in training mode
                    (dropout with one fixed mask) and in evaluation mode. Steps that cross a kink (ReLU at 0, a
                    max-pool tie) are re-checked and counted. Another layer configuration: a one-layer model file
                    with its input_shape, to --model. A model file's weights are freshly initialised (seeded by
                    --seed); a training run's directory (model.json + model.safetensors, as train --out writes it)
                    is checked at its trained weights, converted to float64. Exit status 0 when every check is
                    within --tolerance, 1 when one is not, 2 for a mistake in the command.""", OPTIONS));
            return 0;
        }
        if (!o.positional().isEmpty()) throw new UserError("gradcheck: unexpected argument '" + o.positional().getFirst() + "'");
        if (o.has("model") && o.has("layer")) throw new UserError("gradcheck: give --model or --layer, not both");
        if (o.has("input-shape") && o.has("data")) throw new UserError("gradcheck: give --data or --input-shape, not both");
        if (o.has("classes") && !o.has("input-shape")) throw new UserError("gradcheck: --classes goes with --input-shape (--data brings its own classes)");
        int batch = o.intValue("batch", 4, 1, 4096);
        double tolerance = o.doubleValue("tolerance", GradCheck.TOLERANCE);
        if (!(tolerance > 0)) throw new UserError("gradcheck: --tolerance must be positive, got " + o.get("tolerance"));
        double eps = o.doubleValue("eps", GradCheck.MODULE_EPS);
        if (!(eps >= GradCheck.MIN_MODULE_EPS && eps <= 0.1)) {
            throw new UserError("gradcheck: --eps must be between 1e-8 and 0.1, got " + o.get("eps")
                    + " (smaller steps drown the central differences in float64 rounding noise; the default is 1e-5)");
        }
        int elements = o.intValue("elements", 8);
        if (elements < 1) throw new UserError("gradcheck: --elements must be at least 1, got " + elements);
        int directions = o.intValue("directions", 2);
        if (directions < 0) throw new UserError("gradcheck: --directions must be 0 or more, got " + directions);
        long seed = o.longValue("seed", 1);
        boolean json = o.has("json");
        long start = System.nanoTime();

        // What to check: a name for the header, the spec, and the example shape.
        String what;
        ModelSpec spec;
        Map<String, Tensor> trained = null; // a training run's weights, checked instead of fresh ones
        boolean ownShape; // the example shape is the layer's or the model's own, not --data's
        if (o.has("layer")) {
            if (o.has("data") || o.has("input-shape") || o.has("activation") || o.has("dropout")) {
                throw new UserError("gradcheck: --layer checks one layer on its own example input; --data, --input-shape, "
                        + "--activation and --dropout shape a model");
            }
            String type = o.get("layer").trim().toLowerCase(Locale.ROOT).replace('-', '_');
            spec = LayerExamples.spec(type);
            what = "layer " + spec.layers().getFirst();
            ownShape = true;
        } else {
            // The model and activation train would pick for the data (mlp:2 with tanh for xor).
            TrainCommand.Defaults d = TrainCommand.Defaults.of(o.get("data", "digits"));
            String modelArg = o.get("model", o.has("input-shape") ? "mlp" : d.model());
            String activation = o.get("activation", o.has("input-shape") ? "relu" : d.activation());
            if (!ModelSpec.isPresetName(modelArg)) Loaded.rejectWeightsFile("gradcheck", modelArg, "the run's directory (or its model.json)");
            if (!ModelSpec.isPresetName(modelArg) && Files.isDirectory(Path.of(modelArg))) {
                TrainCommand.refusePresetOptions(o, "gradcheck", modelArg, "is a trained model with its own layers",
                        "leave " + TrainCommand.them(o) + " out");
                Loaded m = Loaded.from("gradcheck", modelArg);
                spec = withShape(m.spec(), o, modelArg);
                trained = m.model().stateDict();
                what = modelArg + " (trained weights)";
                ownShape = !o.has("data") && !o.has("input-shape");
            } else {
                spec = modelSpec(modelArg, o, activation);
                what = modelArg;
                ownShape = !o.has("data") && (o.has("input-shape") || isFile(modelArg) || modelArg.trim().equalsIgnoreCase("lenet"));
            }
        }
        int[] inShape = spec.inputShape();
        int[] outShape = spec.outputShape();

        // The model's generator initialises the weights and is then the dropout layers' own: reseeding it before
        // every forward gives each one the same mask.
        Generator modelGen = new Generator(seed);
        Sequential model = spec.build(modelGen);
        if (trained != null) model.loadStateDict(trained, true);
        model.toDouble();
        Generator gen = new Generator(seed + 1);
        int[] batchShape = new int[inShape.length + 1];
        batchShape[0] = batch;
        System.arraycopy(inShape, 0, batchShape, 1, inShape.length);
        Tensor x = Tensor.randn(gen, DType.FLOAT64, batchShape);
        boolean logits = outShape != null && outShape.length == 1 && outShape[0] >= 2;
        Function<Tensor, Tensor> loss;
        String lossName;
        if (logits) {
            long[] labels = new long[batch];
            for (int i = 0; i < batch; i++) labels[i] = gen.nextInt(outShape[0]);
            Tensor y = Tensor.of(labels, batch);
            loss = out1 -> Functional.crossEntropy(out1, y);
            lossName = "cross-entropy on random labels";
        } else {
            int[] os = new int[(outShape == null ? 0 : outShape.length) + 1];
            os[0] = batch;
            if (outShape != null) System.arraycopy(outShape, 0, os, 1, outShape.length);
            Tensor r = Tensor.randn(gen, DType.FLOAT64, os);
            loss = out1 -> out1.mul(r).sum();
            lossName = "Σ out·R, R ~ N(0, 1)";
        }

        boolean hasDropout = model.namedModules().values().stream().anyMatch(m -> m instanceof Dropout || m instanceof Dropout2d);
        boolean hasBatchNorm = model.namedModules().values().stream().anyMatch(m -> m instanceof BatchNorm);
        if (batch < 2 && model.namedModules().values().stream().anyMatch(m -> m instanceof BatchNorm1d)) {
            throw new UserError("gradcheck: batch norm in training mode needs at least 2 examples per batch (it normalises each "
                    + "feature over the batch); use --batch 2 or more");
        }
        List<String> modes = hasDropout || hasBatchNorm ? List.of("train", "eval") : List.of("train");
        GradCheck.ModuleOptions opts = new GradCheck.ModuleOptions(eps, tolerance, elements, directions, seed);
        List<ModeResult> results = new ArrayList<>();
        long maskSeed = seed + 2;
        for (String mode : modes) {
            if (mode.equals("train")) {
                model.train();
            } else if (trained == null) {
                // Running statistics start at mean 0 and variance 1, which makes evaluation-mode batch norm nearly
                // the identity; a few training batches move them first (a trained model's are its own).
                model.train();
                try (var s = GradMode.noGrad()) {
                    for (int i = 0; i < 3; i++) model.forward(Tensor.randn(gen, DType.FLOAT64, batchShape).mul(1.5).add(0.5));
                }
                model.eval();
            } else {
                model.eval();
            }
            Function<Tensor, Tensor> f = in -> {
                modelGen.reseed(maskSeed);
                return loss.apply(model.forward(in));
            };
            results.add(new ModeResult(mode, GradCheck.checkModule(model, f, x, opts)));
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        PrintStream info = json ? System.err : out;
        String source = ownShape ? " on input " + Shape.str(inShape) : " on " + o.get("data", "digits") + " input " + Shape.str(inShape);
        info.printf(Locale.ROOT, "backprop gradcheck: %s%s (%,d parameters), batch %d; loss %s; float64, eps %s, tolerance %s; "
                        + "up to %d elements + %d directions per parameter; seed %d%n", what, source, model.parameterCount(), batch,
                lossName, num(eps), num(tolerance), elements, directions, seed);
        info.print(table(results));
        boolean passed = results.stream().allMatch(r -> r.result().passed());
        int checks = results.stream().mapToInt(r -> r.result().entries().size()).sum();
        int failed = (int) results.stream().flatMap(r -> r.result().entries().stream()).filter(e -> !e.passed()).count();
        int kinks = results.stream().flatMap(r -> r.result().entries().stream()).mapToInt(GradCheck.Entry::kinks).sum();
        double worst = results.stream().mapToDouble(r -> r.result().maxError()).max().orElse(0);
        info.printf(Locale.ROOT, "gradcheck: %s: worst error %.2e (tolerance %s); %d check%s, %d past a kink; %.1f s%n",
                passed ? "passed" : failed + " of " + checks + " FAILED", worst, num(tolerance), checks, checks == 1 ? "" : "s",
                kinks, seconds);
        if (json) {
            Map<String, Object> r = json(what, spec, batch, lossName, opts, results, passed, worst, seconds);
            r.put("weights", trained != null ? "trained" : "initialised");
            out.println(Json.write(r));
        }
        return passed ? 0 : 1;
    }

    /** A model file: a name ending in .json (which then must exist), or one that exists and is not a preset's name. */
    private static boolean isFile(String modelArg) {
        return modelArg.toLowerCase(Locale.ROOT).endsWith(".json")
                || (!ModelSpec.isPresetName(modelArg) && Files.isRegularFile(Path.of(modelArg)));
    }

    /** The spec of a preset or model file, with its input shape set. */
    static ModelSpec modelSpec(String modelArg, Options o, String activation) {
        boolean file = isFile(modelArg);
        if (file) {
            TrainCommand.refusePresetOptions(o, "gradcheck", modelArg, "names its own layers",
                    "leave " + TrainCommand.them(o) + " out or edit the file");
            Path p = Path.of(modelArg);
            if (!Files.isRegularFile(p)) throw new UserError("gradcheck: --model " + modelArg + ": no such file");
            ModelSpec s = ModelFiles.readSpec(p);   // its errors name the file
            if (s.layers().isEmpty()) throw new UserError("gradcheck: " + modelArg + " has no layers; list them under \"layers\"");
            return withShape(s, o, modelArg);
        }
        String preset = modelArg.trim().toLowerCase(Locale.ROOT);
        // linear has no hidden layer: no activation and no dropout to put anywhere.
        if (preset.equals("linear")) {
            for (String opt : List.of("activation", "dropout")) {
                if (o.has(opt)) System.err.println("note: --" + opt + " has no effect on linear");
            }
        }
        boolean lenetDefault = preset.equals("lenet") && !o.has("data") && !o.has("input-shape");
        int[][] sc = lenetDefault ? new int[][] {{1, 28, 28}, {10}} : shapeAndClasses(o, modelArg);
        double dropout = o.has("dropout") ? o.doubleValue("dropout", 0) : Double.NaN;
        if (o.has("dropout") && !(dropout >= 0 && dropout < 1)) {
            throw new UserError("gradcheck: --dropout is a drop probability in [0, 1), got " + o.get("dropout"));
        }
        return ModelSpec.preset(modelArg, sc[0], sc[1][0], activation, dropout);
    }

    /** A model file's or run's spec with its input shape: its own, which --data or --input-shape must match, or theirs. */
    private static ModelSpec withShape(ModelSpec s, Options o, String modelArg) {
        if (s.inputShape() == null) {
            int[] shape = shapeAndClasses(o, modelArg)[0];
            try {
                return s.withInputShape(shape);
            } catch (IllegalArgumentException e) {
                throw new UserError("gradcheck: " + modelArg + " does not fit the examples " + Shape.str(shape) + ": "
                        + e.getMessage().replaceFirst("^model spec: ", ""));
            }
        }
        if (o.has("data") || o.has("input-shape")) {
            int[] want = shapeAndClasses(o, modelArg)[0];
            if (!java.util.Arrays.equals(want, s.inputShape())) {
                throw new UserError("gradcheck: " + modelArg + " has input_shape " + Shape.str(s.inputShape()) + " but the "
                        + "examples asked for are " + Shape.str(want) + "; leave out --data/--input-shape to use the model's");
            }
        }
        return s;
    }

    /** {example shape, {classes or outputs}} from --input-shape/--classes or from --data. */
    private static int[][] shapeAndClasses(Options o, String modelArg) {
        if (o.has("input-shape")) {
            int[] shape;
            try {
                shape = java.util.Arrays.stream(o.get("input-shape").split(",", -1)).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
            } catch (NumberFormatException e) {
                shape = new int[0];
            }
            if (shape.length == 0 || java.util.Arrays.stream(shape).anyMatch(d -> d < 1)) {
                throw new UserError("gradcheck: --input-shape expects positive sizes separated by commas, e.g. 1,28,28; got '"
                        + o.get("input-shape") + "'");
            }
            int classes = o.intValue("classes", 10);
            if (classes < 1) throw new UserError("gradcheck: --classes must be positive, got " + classes);
            return new int[][] {shape, {classes}};
        }
        LabeledData data = DataSets.load(o.get("data", "digits"), new LoadOptions(null, null, 0.2, 1, false));
        int outputs = data.numClasses() > 0 ? data.numClasses() : data.outputSize();
        return new int[][] {data.inputShape(), {outputs}};
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.3g", v).replaceAll("\\.?0+e", "e").replace("e-0", "e-");
    }

    static String table(List<ModeResult> results) {
        boolean modes = results.size() > 1;
        int nameWidth = 9, shapeWidth = 5;
        for (ModeResult m : results) {
            for (GradCheck.Entry e : m.result().entries()) {
                nameWidth = Math.max(nameWidth, e.name().length());
                shapeWidth = Math.max(shapeWidth, Shape.str(e.shape()).length());
            }
        }
        String fmt = (modes ? "%-6s" : "%s") + "%-" + (nameWidth + 2) + "s%-" + (shapeWidth + 2) + "s%-22s%-12s%s%n";
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, fmt, modes ? "mode" : "", "parameter", "shape", "checked", "worst error", "result"));
        for (ModeResult m : results) {
            for (GradCheck.Entry e : m.result().entries()) {
                String checked = e.elements() == e.numel() ? "all " + e.elements() : e.elements() + " of " + String.format(Locale.ROOT, "%,d", e.numel())
                        + (e.directions() > 0 ? " + " + e.directions() + " dir" : "");
                String result = e.passed() ? "pass" : "FAIL";
                if (e.kinks() > 0) result += " (" + e.kinks() + " past a kink)";
                if (!e.passed()) result += ": " + e.result().failures().getFirst();
                b.append(String.format(Locale.ROOT, fmt, modes ? m.mode() : "", e.name(), Shape.str(e.shape()), checked,
                        String.format(Locale.ROOT, "%.2e", e.maxError()), result));
            }
        }
        return b.toString();
    }

    static Map<String, Object> json(String what, ModelSpec spec, int batch, String loss, GradCheck.ModuleOptions opts,
                                    List<ModeResult> results, boolean passed, double worst, double seconds) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", what);
        r.put("input_shape", spec.inputShape());
        r.put("batch", batch);
        r.put("loss", loss);
        r.put("eps", opts.eps());
        r.put("tolerance", opts.tolerance());
        r.put("elements", opts.elements());
        r.put("directions", opts.directions());
        r.put("seed", opts.seed());
        r.put("passed", passed);
        r.put("max_error", worst);
        r.put("seconds", seconds);
        List<Object> checks = new ArrayList<>();
        for (ModeResult m : results) {
            for (GradCheck.Entry e : m.result().entries()) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("mode", m.mode());
                c.put("parameter", e.name());
                c.put("shape", e.shape());
                c.put("numel", e.numel());
                c.put("elements", e.elements());
                c.put("directions", e.directions());
                c.put("kinks", e.kinks());
                c.put("max_error", e.maxError());
                c.put("worst", e.result().worst());
                c.put("passed", e.passed());
                checks.add(c);
            }
        }
        r.put("checks", checks);
        return r;
    }
}
