package dev.backprop.cli;

import dev.backprop.Anomaly;
import dev.backprop.Generator;
import dev.backprop.data.Csv;
import dev.backprop.data.DataSets;
import dev.backprop.data.LabeledData;
import dev.backprop.data.LoadOptions;
import dev.backprop.data.Normalization;
import dev.backprop.data.Split;
import dev.backprop.data.Task;
import dev.backprop.data.TensorDataset;
import dev.backprop.io.Json;
import dev.backprop.io.ModelFiles;
import dev.backprop.io.ModelSpec;
import dev.backprop.kernels.Kernels;
import dev.backprop.kernels.Parallel;
import dev.backprop.nn.Init;
import dev.backprop.nn.Conv2d;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.nn.Sequential;
import dev.backprop.optim.Adagrad;
import dev.backprop.optim.Adam;
import dev.backprop.optim.AdamW;
import dev.backprop.optim.Optimizer;
import dev.backprop.optim.RMSprop;
import dev.backprop.optim.SGD;
import dev.backprop.optim.schedule.CosineAnnealingLR;
import dev.backprop.optim.schedule.ExponentialLR;
import dev.backprop.optim.schedule.LRScheduler;
import dev.backprop.optim.schedule.LinearLR;
import dev.backprop.optim.schedule.MultiStepLR;
import dev.backprop.optim.schedule.ReduceLROnPlateau;
import dev.backprop.optim.schedule.StepLR;
import dev.backprop.optim.schedule.WarmupCosine;
import dev.backprop.train.Callback;
import dev.backprop.train.EarlyStopping;
import dev.backprop.train.Evaluation;
import dev.backprop.train.GradientMonitor;
import dev.backprop.train.TrainingException;
import dev.backprop.train.History;
import dev.backprop.train.HtmlReport;
import dev.backprop.train.ModelSummary;
import dev.backprop.train.Objective;
import dev.backprop.train.Progress;
import dev.backprop.train.Trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.backprop.cli.Options.Opt;

/** {@code backprop train}: trains a network on a data set and writes the model files and a report. */
final class TrainCommand implements Main.Command {
    static final List<String> OPTIMIZERS = List.of("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw");
    static final List<String> SCHEDULES = List.of("auto", "none", "step", "multistep", "exponential", "cosine", "warmup-cosine",
            "linear-warmup", "plateau");
    static final List<String> NORMALIZE = List.of("auto", "global", "per-feature", "none");

    static final List<Opt> OPTIONS = List.of(
            Opt.value("data", "NAME", "digits, fashion-mnist, mnist, xor, a directory of IDX files, or a .csv file", "digits"),
            Opt.value("model", "SPEC", "a preset: " + ModelSpec.PRESETS + "; or a JSON model file", "per data set"),
            Opt.value("activation", "NAME", "relu, leaky-relu, sigmoid, tanh, gelu, identity", "relu; tanh for xor"),
            Opt.value("init", "NAME", "default (PyTorch's uniform), xavier-uniform, xavier-normal, kaiming-uniform, kaiming-normal, zeros (every unit the same: to see why not)", "default"),
            Opt.value("loss", "NAME", Objective.NAMES, "cross-entropy; mse for regression"),
            Opt.value("optimizer", "NAME", String.join(", ", OPTIMIZERS), "adam; sgd for xor"),
            Opt.value("lr", "X", "learning rate", "the optimizer's: sgd 0.1 (xor 1.0), adagrad 0.01, others 0.001"),
            Opt.value("momentum", "X", "momentum for momentum and nesterov", "0.9"),
            Opt.value("weight-decay", "X", "weight decay (L2 in the gradient; decoupled for adamw)", "0; adamw 0.01"),
            Opt.value("schedule", "NAME", String.join(", ", SCHEDULES), "auto: cosine for a CNN, none for an MLP"),
            Opt.value("epochs", "N", "passes over the training data", "per data set"),
            Opt.value("batch-size", "N", "examples per step", "per data set"),
            Opt.value("dropout", "P", "drop probability after each hidden layer", "0; cnn-bn 0.25"),
            Opt.value("label-smoothing", "X", "label smoothing for cross-entropy", "0"),
            Opt.value("clip-norm", "X", "clip the global gradient norm to X", "off"),
            Opt.value("clip-value", "X", "clamp each gradient element to [-X, X]", "off"),
            Opt.value("l1", "X", "add X·Σ|w| over weight matrices to the loss", "0"),
            Opt.value("l2", "X", "add X·Σw² over weight matrices to the loss", "0"),
            Opt.value("early-stop", "N", "stop after N epochs without improvement; restore the best weights", "off"),
            Opt.value("val-split", "F", "fraction of the training data held out for validation", "0.1 with --early-stop or plateau, else 0"),
            Opt.value("normalize", "MODE", String.join(", ", NORMALIZE), "auto: per-feature for an MLP, global for a CNN or with --augment, none for xor"),
            Opt.optionalValue("augment", "LIST", "augment training images on the fly (never the test set), a new random version "
                    + "of each image every epoch: a comma-separated list of crop[:PADDING], flip[:P], translate[:FRACTION], "
                    + "rotate[:DEGREES], erase[:P]. Plain --augment: crop:1,flip for fashion-mnist (clothes mirror well; padding 2 underfits cnn-bn); "
                    + "crop:2 for other images of 16 pixels or more (no flip: a mirrored digit is another shape); rotate:10 for "
                    + "smaller ones such as the 8×8 digits (one pixel is an eighth of them). Uses global normalisation "
                    + "(a per-pixel one does not commute with shifts) and fills uncovered pixels with the background", "off"),
            Opt.value("label", "COLUMN", "label column of a CSV file", "label/target/class, else the last"),
            Opt.value("task", "NAME", "classification or regression (CSV)", "inferred"),
            Opt.value("seed", "N", "seed for initialisation, shuffling, dropout and the validation split", "1"),
            Opt.value("threads", "N", "worker threads", String.valueOf(Runtime.getRuntime().availableProcessors())),
            Opt.value("out", "DIR", "where the model files and report go", "runs/<data>-<model>"),
            Opt.flag("detect-anomaly", "stop at the first op, forward or backward, that makes a NaN or Inf, and name it, its "
                    + "input shapes and statistics and its layer (slower)"),
            // --- gradient-flow monitor (issue 6) ---
            Opt.optionalValue("monitor", "N", "watch the gradient flow: per layer and epoch the gradient norm, the "
                    + "update/weight ratio and dead or saturated activations (measured every N steps, default 10); flags "
                    + "vanishing and exploding gradients with what to do; adds it to the report and --json", "off"),
            Opt.flag("json", "print one JSON object with the results as the last line"),
            Opt.flag("verbose", "stack traces on errors"),
            Opt.flag("help", "show this help"));

    /** Defaults that suit a data set. */
    record Defaults(String model, int epochs, int batchSize, String optimizer, String activation, double sgdLr) {
        static Defaults of(String data) {
            String key = data.trim().toLowerCase(Locale.ROOT).replace('_', '-');
            return switch (key.equals("fashionmnist") ? "fashion-mnist" : key) {
                case "digits" -> new Defaults("mlp:128", 30, 32, "adam", "relu", 0.1);
                case "fashion-mnist", "mnist" -> new Defaults("mlp:256,128", 10, 128, "adam", "relu", 0.1);
                // Four points, full batch: the classic 2-2-1 network needs a large step to leave its plateau.
                case "xor" -> new Defaults("mlp:2", 2000, 4, "sgd", "tanh", 1.0);
                default -> new Defaults("mlp:64", 30, 32, "adam", "relu", 0.1);
            };
        }
    }

    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "train a network; write model files (safetensors + JSON) and an HTML report";
    }

    @Override
    public int run(String[] args, PrintStream out) {
        Options o = Options.parse("train", OPTIONS, args);
        if (o.has("help")) {
            out.print(Options.help("backprop train [options]", "Trains a network and reports its test accuracy. With no "
                    + "options: an MLP on the embedded UCI digits.", OPTIONS));
            return 0;
        }
        if (!o.positional().isEmpty()) {
            String arg = o.positional().getFirst();
            // "--monitor 5": the interval is optional, so it only binds with "=" and 5 is left over.
            boolean interval = o.bare("monitor") && arg.matches("\\d+");
            throw new UserError("train: unexpected argument '" + arg + "'" + (interval ? "; to sample every " + arg
                    + " steps write --monitor=" + arg : ""));
        }
        boolean json = o.has("json");

        String dataName = o.get("data", "digits");
        Defaults d = Defaults.of(dataName);
        String optName = o.choice("optimizer", d.optimizer(), OPTIMIZERS);
        String scheduleArg = o.choice("schedule", "auto", SCHEDULES);
        String normalize = o.choice("normalize", "auto", NORMALIZE);
        int epochs = positive(o, "epochs", d.epochs());
        int batch = positive(o, "batch-size", d.batchSize());
        long seed = o.longValue("seed", 1);
        int threads = positive(o, "threads", Runtime.getRuntime().availableProcessors());
        if (threads > 256) throw new UserError("train: --threads " + threads + " is too many; use at most 256 (this machine has "
                + Runtime.getRuntime().availableProcessors() + " cores)");
        double labelSmoothing = o.doubleValue("label-smoothing", 0);
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new UserError("train: --label-smoothing must be in [0, 1), got " + o.get("label-smoothing"));
        }
        double clipNorm = clip(o, "clip-norm"), clipValue = clip(o, "clip-value");
        // NaN: the preset's own (0.25 in cnn-bn, as the architecture has; 0 elsewhere).
        double dropout = o.has("dropout") ? o.doubleValue("dropout", 0) : Double.NaN;
        if (o.has("dropout") && !(dropout >= 0 && dropout < 1)) throw new UserError("train: --dropout is a drop probability in [0, 1), got " + dropout);
        int earlyStopArg = o.intValue("early-stop", 0);
        // A validation split is taken only when something decides on it (early stopping, a plateau schedule) or
        // when asked; otherwise the whole training set trains and the curves follow the test set, as in PyTorch's
        // tutorials — a held-out set that nothing is chosen on.
        boolean decides = earlyStopArg > 0 || "plateau".equals(scheduleArg);
        double valSplit = o.doubleValue("val-split", decides ? 0.1 : 0);
        if (!(valSplit >= 0 && valSplit < 1)) throw new UserError("train: --val-split must be in [0, 1), got " + valSplit);
        int earlyStop = earlyStopArg;
        if (earlyStop < 0) throw new UserError("train: --early-stop must be a positive number of epochs");
        String activation = o.get("activation", d.activation());
        Init.Scheme init = Init.Scheme.parse(o.get("init", "default"));
        Parallel.setThreads(threads);

        if (o.has("model")) {
            Path weights = Path.of(o.get("model"));
            Loaded.rejectWeightsFile("train", o.get("model"), "the run's model.json"
                    + (weights.getParent() == null ? "" : " (" + weights.resolveSibling(ModelFiles.SPEC) + ")")
                    + " to train its architecture again");
        }

        // Data: load, split off validation, normalise with training statistics only.
        if ((o.has("label") || o.has("task")) && !isCsv(dataName)) {
            throw new UserError("train: --" + (o.has("label") ? "label" : "task") + " applies to a .csv file; " + dataName
                    + " has its labels and task built in");
        }
        Task task = o.has("task") ? Task.parse(o.get("task")) : null;
        LabeledData data;
        // The GEMM kernels compile on the idle core while the data loads (reading is one stream per file).
        try (Kernels.WarmUp warming = Kernels.warmUpInBackground(looksConvolutional(o.get("model", d.model())))) {
            data = DataSets.load(dataName, new LoadOptions(o.get("label"), task, 0.2, seed, false));
        }
        Csv.Table csvTable = isCsv(dataName) ? Csv.read(Path.of(dataName), o.get("label"), task) : null;
        int classes = data.numClasses();
        if (data.test().size() == 0) {
            throw new UserError("train: " + data.name() + " has too few rows (" + data.train().size() + ") to hold out a test set; "
                    + "use a larger file");
        }
        Objective objective = Objective.of(o.get("loss", classes > 0 ? "cross-entropy" : "mse"), classes,
                data.outputSize(), labelSmoothing);
        String modelArg = o.get("model", d.model());
        // Built before normalising (it needs only the data's shapes), because the model decides the default.
        if (modelArg.toLowerCase(Locale.ROOT).endsWith(".json")) {
            refusePresetOptions(o, "train", modelArg, "names its own layers", "edit the " + (o.has("dropout") && o.has("activation")
                    ? "dropout p and the activation layers" : o.has("dropout") ? "dropout p" : "activation layers") + " in the file instead");
        }
        if (Files.isDirectory(Path.of(modelArg))) {
            throw new UserError("train: --model " + modelArg + " is a directory; to train its architecture again, give "
                    + Path.of(modelArg).resolve(ModelFiles.SPEC));
        }
        ModelSpec spec = modelSpec(modelArg, data, objective, activation, dropout);
        boolean convolutional = isConvolutional(spec);
        // A CNN learns fast and then overfits at a constant rate: annealing the rate to 0 over the run (cosine, as in
        // torchvision's and timm's recipes) gave 0.927 on Fashion-MNIST in 10 epochs where a constant 1e-3 gave 0.919.
        String schedule = !scheduleArg.equals("auto") ? scheduleArg : convolutional ? "cosine" : "none";
        Augmentation augment = o.has("augment") ? Augmentation.parse(o.get("augment"), dataName, data.name(), data.inputShape()) : null;
        if (augment != null && normalize.equals("per-feature")) {
            throw new UserError("train: --normalize per-feature does not work with --augment (each pixel's own mean and std do not "
                    + "move with a shifted or rotated image); use --normalize global, the default with --augment");
        }
        Normalization norm = switch (normalize) {
            case "none" -> null;
            case "global" -> Normalization.fit(data.train(), Normalization.Mode.GLOBAL);
            case "per-feature" -> Normalization.fit(data.train(), Normalization.Mode.PER_FEATURE);
            // Standardising each input feature (each pixel) with the training set's statistics: on Fashion-MNIST it
            // gave 0.888-0.891 test accuracy over three seeds where one global mean and std gave 0.880-0.889.
            // A convolutional net sees images, whose pixels must stay comparable with their neighbours: one mean and
            // std for all of them (per channel, as torchvision's Normalize), which is also what translations and crops
            // of augmentation commute with.
            default -> data.name().equals("xor") ? null
                    : Normalization.fit(data.train(), convolutional || augment != null ? Normalization.Mode.GLOBAL
                    : Normalization.Mode.PER_FEATURE);
        };
        if (norm != null) data = data.normalizeInPlace(norm);
        // Pixels that a crop, shift or rotation uncovers get the background, raw 0, as normalised: (0 − mean) / std.
        dev.backprop.data.Transform augmentation = augment == null ? null
                : augment.build(norm == null ? 0f : -norm.mean()[0] / norm.std()[0]);
        TensorDataset train = data.train(), validation = null;
        String curve = "val";
        if (valSplit > 0 && train.size() >= 20) {
            Split split = Split.auto(train, valSplit, seed);
            train = split.train();
            validation = split.validation();
        } else if (decides) {
            String which = earlyStopArg > 0 && "plateau".equals(scheduleArg) ? "--early-stop and --schedule plateau need"
                    : earlyStopArg > 0 ? "--early-stop needs" : "--schedule plateau needs";
            throw new UserError("train: " + which + " a validation set, and "
                    + (valSplit > 0 ? "the training set (" + train.size() + " examples) is too small to split" : "--val-split is 0; use --val-split 0.1"));
        } else if (valSplit > 0) {
            // Nothing decides on the validation curve here, so training on every example is still useful; but the
            // user asked for a split and must not think one was made.
            System.err.println("backprop: note: --val-split " + o.get("val-split") + " ignored: " + train.size()
                    + " training examples are too few to hold some out (20 or more needed)");
        }
        if (train.isClassification() && train.size() > 0) {
            // One class to learn: the loss falls to 0 by predicting it, and the model is useless on anything else.
            int[] counts = train.classCounts();
            int present = 0, only = 0;
            for (int c = 0; c < counts.length; c++) {
                if (counts[c] > 0) {
                    present++;
                    only = c;
                }
            }
            if (present == 1) {
                String label = data.classNames() != null && only < data.classNames().size() ? data.classNames().get(only) : String.valueOf(only);
                System.err.println("backprop: note: every training label is '" + label + "': the model can only learn that class");
            }
        }
        if (validation == null && data.test() != data.train()) {
            validation = data.test();
            curve = "test";
        }

        // Model.
        Generator gen = new Generator(seed);
        int outputs = spec.outputShape().length == 0 ? 1 : spec.outputShape()[spec.outputShape().length - 1];
        if (outputs != objective.outputs()) {
            throw new UserError("train: the model ends with " + outputs + " outputs but " + objective.name() + " on "
                    + data.name() + " needs " + objective.outputs());
        }
        if (!spec.layers().isEmpty() && spec.layers().getLast().type().equals("softmax") && objective.classes() > 0) {
            System.err.println("backprop: warning: the model ends with softmax, but " + objective.name()
                    + " expects raw scores (logits); remove the softmax layer");
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("data", data.name());
        // What eval and predict need to see the data as training did: where it came from and how it was read.
        meta.put("data_source", source(dataName));
        meta.put("split_seed", seed);
        if (csvTable != null) {
            meta.put("label_column", csvTable.labelColumn());
            meta.put("features", new ArrayList<>(csvTable.featureNames()));
        }
        if (data.classNames() != null) meta.put("classes", new ArrayList<>(data.classNames()));
        meta.put("loss", objective.name());
        meta.put("task", data.task().toString());
        if (norm != null) meta.put("normalization", norm.toMap());
        if (augment != null) meta.put("augmentation", augment.toMap(augmentation, seed));
        spec = spec.withMeta(meta);
        Sequential model = spec.build(gen.split());
        if (init != Init.Scheme.DEFAULT) {
            Generator ig = gen.split();
            for (Module m : model.namedModules().values()) { // every layer, also those inside residual blocks
                if (m instanceof Linear l) Init.apply(init, l.weight(), l.bias(), ig);
                if (m instanceof Conv2d c) Init.apply(init, c.weight(), c.bias(), ig);
            }
        }

        // Batch norm in training mode normalises each feature over the batch: one example has no spread to normalise
        // by (PyTorch refuses it, "expected more than 1 value per channel"). A batch size of 1 cannot work at all; a
        // last batch of one example is skipped, as PyTorch's drop_last would (the shuffle picks another each epoch).
        boolean batchNorm = model.namedModules().values().stream().anyMatch(m -> m instanceof dev.backprop.nn.BatchNorm1d);
        boolean dropLonely = batchNorm && train.size() % batch == 1;
        if (batchNorm && batch == 1) {
            throw new UserError("train: batch norm needs at least 2 examples per batch (it normalises each feature over "
                    + "the batch); pick --batch-size 2 or more");
        }
        if (dropLonely && train.size() == 1) {
            throw new UserError("train: batch norm needs at least 2 training examples per batch, and there is 1; use more data");
        }
        Optimizer opt = optimizer(optName, model, o, d.sgdLr());
        LRScheduler sched = scheduler(schedule, opt, epochs);
        String modelName = modelArg.endsWith(".json") ? Path.of(modelArg).getFileName().toString().replace(".json", "") : modelArg;
        Path outDir = Path.of(o.get("out", "runs/" + safe(data.name()) + "-" + safe(modelName)));
        // A path that is a file is refused before any work; the directory itself is made only after every option
        // has been checked, so a refused run leaves nothing behind.
        checkOut(outDir);

        Trainer.Builder tb = Trainer.builder(model, objective, opt).train(train).validation(validation, curve).epochs(epochs)
                .batchSize(batch).generator(gen.split()).scheduler(sched).clipNorm(clipNorm)
                .clipValue(clipValue).l1(nonNegative(o, "l1")).l2(nonNegative(o, "l2"))
                .dropLast(dropLonely).callback(json ? new Progress(System.err, System.err, false) : Progress.auto(out));
        // When the first step ends (wall clock, to compare with the JVM's start): `backprop bench` reads it.
        long[] firstStepMillis = {-1};
        tb.callback(new Callback() {
            @Override
            public void onBatchEnd(Trainer t, int epoch, int step, int batchSize, double loss) {
                if (firstStepMillis[0] < 0) firstStepMillis[0] = System.currentTimeMillis();
            }
        });
        if (augmentation != null) tb.augment(augmentation, seed);
        EarlyStopping early = earlyStop > 0 ? new EarlyStopping(earlyStop) : null;
        if (early != null) tb.callback(early);
        // --- gradient-flow monitor (issue 6) ---
        GradientMonitor monitor = null;
        if (o.has("monitor")) {
            int every = o.bare("monitor") ? 10 : o.intValue("monitor", 10);
            if (every < 1) throw new UserError("train: --monitor=N samples every N steps; N must be at least 1, got " + every);
            monitor = new GradientMonitor(every, json ? System.err : out);
            tb.callback(monitor);
        }
        // --- end monitor ---
        Trainer trainer = tb.build();

        PrintStream info = json ? System.err : out;
        info.printf(Locale.ROOT, "backprop train: %s%s; model %s (%,d parameters); %s lr %.3g%s; %d epoch%s of batch %d;%s seed %d; %d threads%n",
                data.describe(), curve.equals("val") && validation != null ? " (" + validation.size() + " of the train examples held out for validation)" : "",
                modelName, model.parameterCount(), optName, opt.lr(), schedule.equals("none") ? "" : " " + schedule, epochs, epochs == 1 ? "" : "s", batch,
                augment == null ? "" : " augment " + augment.list() + ";", seed, threads);
        if (monitor != null && monitor.every() > trainer.stepsPerEpoch()) {
            info.println("note: --monitor=" + monitor.every() + " is more than the " + trainer.stepsPerEpoch()
                    + (trainer.stepsPerEpoch() == 1 ? " step" : " steps") + " of an "
                    + "epoch: update ratios and activations are measured on each epoch's first step only");
        }
        if (dropLonely) info.println("note: the last batch of 1 example is skipped each epoch (a different one each time: the "
                + "order is shuffled): batch norm needs 2");
        boolean outCreated = !Files.exists(outDir);
        prepareOut(outDir);
        double lr0 = opt.lr(); // the schedule moves opt.lr()
        long start = System.nanoTime();
        History history;
        // --detect-anomaly: every op's output and gradient is checked (see Anomaly); a failed run leaves no files.
        if (o.has("detect-anomaly")) info.println("anomaly detection on: every op's output and gradient is checked for NaN/Inf (slower)");
        try (var _ = o.has("detect-anomaly") ? Anomaly.detect() : null) {
            history = trainer.fit();
        } catch (RuntimeException e) {
            if (e instanceof TrainingException && monitor != null) printMonitor(monitor, json ? System.err : out, Double.NaN); // what it saw before the break
            throw failed(e, outDir, outCreated);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (monitor != null) printMonitor(monitor, info, seconds);
        boolean images = isImage(spec.inputShape()) && objective.classes() > 0;
        Evaluation test = Evaluation.of(model, objective, data.test(), 512, images ? MISTAKES_SHOWN : 0);

        ModelFiles.save(outDir, model, spec);
        Path report = outDir.resolve("report.html");
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("data", data.describe());
        settings.put("model", modelArg);
        settings.put("activation", activation);
        settings.put("init", init.name().toLowerCase(Locale.ROOT));
        settings.put("loss", objective.name());
        settings.put("optimizer", opt.describe());
        settings.put("schedule", sched == null ? "none" : sched.describe());
        settings.put("epochs", epochs + " (" + history.stopReason() + ")");
        settings.put("batch size", String.valueOf(batch));
        settings.put("validation", validation == null ? "none" : curve.equals("test") ? "none: the curves follow the test set"
                : valSplit + " of the training data (" + validation.size() + " examples)");
        settings.put("normalization", norm == null ? "none" : norm.toString());
        settings.put("augmentation", augmentation == null ? "none" : augmentation.toString());
        settings.put("dropout", String.valueOf(spec.layers().stream().filter(l -> l.type().startsWith("dropout"))
                .mapToDouble(l -> l.doubleArg("p")).findFirst().orElse(0)));
        for (String k : List.of("clip-norm", "clip-value", "l1", "l2", "label-smoothing", "early-stop")) {
            if (o.has(k)) settings.put(k, o.get(k));
        }
        settings.put("seed", String.valueOf(seed));
        settings.put("threads", String.valueOf(threads));
        settings.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        ModelSummary summary = ModelSummary.of(model, spec.inputShape());
        HtmlReport.write(report, new HtmlReport.Content("backprop: " + modelName + " on " + data.name(), history, curve, test,
                data.classNames(), summary, settings, images ? pictures(test, data, norm) : List.of(), monitor));

        double samplesPerSecond = history.epochs().stream().mapToDouble(e -> e.samplesPerSecond()).average().orElse(0);
        info.printf(Locale.ROOT, "test: loss %.4f%s (%d examples); %s; %.1f s, %,.0f samples/s%n", test.loss(),
                Double.isNaN(test.accuracy()) ? "" : String.format(Locale.ROOT, ", accuracy %.4f", test.accuracy()),
                test.examples(), history.stopReason() + (history.restoredEpoch() > 0 ? ", weights of epoch " + history.restoredEpoch() : ""),
                seconds, samplesPerSecond);
        info.println("model:  " + outDir.resolve(ModelFiles.SPEC) + " (+ " + ModelFiles.WEIGHTS + ")");
        info.println("report: " + report);
        if (json) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("data", data.name());
            r.put("model", modelName);
            r.put("epochs", history.epochs().size());
            r.put("train_loss", history.last().trainLoss());
            r.put("train_accuracy", nanToNull(history.last().trainAccuracy()));
            if (curve.equals("val") && validation != null) {
                r.put("val_loss", nanToNull(history.last().valLoss()));
                r.put("val_accuracy", nanToNull(history.last().valAccuracy()));
            }
            if (history.restoredEpoch() > 0) r.put("restored_epoch", history.restoredEpoch());
            r.put("test_loss", test.loss());
            r.put("test_accuracy", nanToNull(test.accuracy()));
            r.put("seconds", seconds);
            r.put("samples_per_second", samplesPerSecond);
            // Seconds from the JVM's start to the end of the first training step (start-up, loading, first step).
            r.put("first_step_seconds", firstStepMillis[0] < 0 ? null
                    : (firstStepMillis[0] - ManagementFactory.getRuntimeMXBean().getStartTime()) / 1e3);
            r.put("parameters", model.parameterCount());
            r.put("optimizer", optName);
            r.put("lr", lr0);
            r.put("schedule", schedule);
            r.put("seed", seed);
            r.put("threads", threads);
            r.put("augmentation", augment == null ? null : augment.list());
            r.put("stopped", history.stopReason());
            r.put("model_file", outDir.resolve(ModelFiles.SPEC).toString());
            r.put("weights_file", outDir.resolve(ModelFiles.WEIGHTS).toString());
            r.put("report_file", report.toString());
            if (monitor != null) r.put("monitor", monitor.toJson());
            out.println(Json.write(r));
        }
        return 0;
    }

    /** A training that stopped: removes the output directory if this run made it and it is still empty; returns e. */
    static RuntimeException failed(RuntimeException e, Path outDir, boolean outCreated) {
        if (outCreated) {
            try (var files = Files.list(outDir)) {
                if (files.findAny().isEmpty()) Files.delete(outDir);
            } catch (IOException ignored) {
                // Best effort: an empty directory left behind is harmless.
            }
        }
        return e;
    }

    /** The monitor's last epoch per layer, its flags with what to do (or that it found none), and its own cost. */
    static void printMonitor(GradientMonitor monitor, PrintStream to, double trainingSeconds) {
        if (!monitor.epochs().isEmpty()) {
            GradientMonitor.EpochReport last = monitor.epochs().getLast();
            to.println("gradient flow, epoch " + last.epoch() + ":");
            to.print(GradientMonitor.table(last));
        }
        List<GradientMonitor.Flag> flags = monitor.diagnose();
        if (flags.isEmpty()) to.println("monitor: no vanishing or exploding gradients, dead ReLUs or saturated units found");
        for (GradientMonitor.Flag f : flags) to.println("monitor: " + f.message() + "\n  suggestion: " + f.suggestion());
        if (!Double.isNaN(trainingSeconds)) {
            to.printf(Locale.ROOT, "monitor: its own work took %.2f s of the %.1f s of training (%.1f%%)%n", monitor.seconds(),
                    trainingSeconds, 100 * monitor.seconds() / trainingSeconds);
        }
    }

    static boolean isCsv(String data) {
        String l = data.toLowerCase(Locale.ROOT);
        return (l.endsWith(".csv") || l.endsWith(".csv.gz")) && Files.isRegularFile(Path.of(data));
    }

    /** The data argument as eval should find it again: built-in names as they are, files and directories absolute. */
    static String source(String data) {
        Path p = Path.of(data);
        return Files.exists(p) ? p.toAbsolutePath().normalize().toString() : data;
    }

    /** Refuses an --out that is a file before any work, so it fails at once and not after the training. */
    static void checkOut(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserError("train: --out " + dir + " is a file, not a directory; choose another path");
        }
    }

    /** Creates the output directory (checked by {@link #checkOut} before the work began). */
    static void prepareOut(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException | UnsupportedOperationException e) {
            throw new UserError("train: cannot create the output directory " + dir + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); choose another --out");
        }
        if (!Files.isWritable(dir)) throw new UserError("train: the output directory " + dir + " is not writable; choose another --out");
    }

    static Object nanToNull(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private static int positive(Options o, String name, int fallback) {
        int v = o.intValue(name, fallback);
        if (v < 1) throw new UserError("train: --" + name + " must be at least 1, got " + v);
        return v;
    }

    private static double nonNegative(Options o, String name) {
        double v = o.doubleValue(name, 0);
        if (v < 0) throw new UserError("train: --" + name + " must be ≥ 0, got " + v);
        return v;
    }

    /** A clipping bound: positive when given (0 would clip every gradient to nothing); 0, off, when left out. */
    private static double clip(Options o, String name) {
        if (!o.has(name)) return 0;
        double v = o.doubleValue(name, 0);
        if (!(v > 0 && Double.isFinite(v))) {
            throw new UserError("train: --" + name + " must be a positive number, got " + o.get(name)
                    + "; leave the option out for no clipping");
        }
        return v;
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]+", "-").replaceAll("^-+|-+$", "");
    }

    /**
     * Refuses --dropout and --activation, which shape a preset, for a model with layers of its own ({@code why});
     * names only the options given ("--dropout shapes a preset, but …; " + fix). Nothing happens without them.
     */
    static void refusePresetOptions(Options o, String command, String model, String why, String fix) {
        if (!o.has("dropout") && !o.has("activation")) return;
        String given = o.has("dropout") && o.has("activation") ? "--dropout and --activation shape"
                : (o.has("dropout") ? "--dropout" : "--activation") + " shapes";
        throw new UserError(command + ": " + given + " a preset, but " + model + " " + why + "; " + fix);
    }

    /** "them" when both preset options are given, else "it". */
    static String them(Options o) {
        return o.has("dropout") && o.has("activation") ? "them" : "it";
    }

    static ModelSpec modelSpec(String arg, LabeledData data, Objective objective, String activation, double dropout) {
        if (arg.toLowerCase(Locale.ROOT).endsWith(".json")) {
            Path p = Path.of(arg);
            if (!Files.isRegularFile(p)) throw new UserError("train: --model " + arg + ": no such file");
            ModelSpec s = ModelFiles.readSpec(p);   // its errors name the file
            if (s.layers().isEmpty()) throw new UserError("train: " + arg + " has no layers; list them under \"layers\"");
            String shape = dev.backprop.Shape.str(data.inputShape());
            boolean flattens = s.layers().getFirst().type().equals("flatten");
            String mlpHint = data.inputShape().length > 1 && !flattens ? " (an MLP begins with a flatten layer)" : "";
            if (s.inputShape() == null) {
                // input_shape is optional: the data set gives it, and the layers are traced (checked) from it.
                try {
                    return s.withInputShape(data.inputShape());
                } catch (IllegalArgumentException e) {
                    throw new UserError("train: " + arg + " does not fit " + data.name() + " examples " + shape + ": "
                            + e.getMessage().replaceFirst("^model spec: ", "") + mlpHint);
                }
            }
            if (!java.util.Arrays.equals(s.inputShape(), data.inputShape())) {
                throw new UserError("train: " + arg + " has input_shape " + dev.backprop.Shape.str(s.inputShape()) + " but "
                        + data.name() + " examples are " + shape + "; set input_shape to " + shape + " or leave it out"
                        + mlpHint);
            }
            return s;
        }
        ModelSpec s = ModelSpec.preset(arg, data.inputShape(), objective.outputs(), activation, dropout);
        if (objective.sigmoidOutput()) {
            List<ModelSpec.Layer> layers = new ArrayList<>(s.layers());
            layers.add(ModelSpec.Layer.of("sigmoid"));
            s = new ModelSpec(s.inputShape(), layers, s.meta());
        }
        return s;
    }

    static Optimizer optimizer(String name, Module model, Options o, double sgdLr) {
        var params = model.parameters();
        if (o.has("lr") && !(o.doubleValue("lr", 0) > 0)) throw new UserError("train: --lr must be positive, got " + o.get("lr"));
        double wd = o.doubleValue("weight-decay", name.equals("adamw") ? 0.01 : 0);
        if (!(wd >= 0 && Double.isFinite(wd))) throw new UserError("train: --weight-decay must be a number ≥ 0, got " + o.get("weight-decay"));
        double momentum = o.doubleValue("momentum", 0.9);
        if (o.has("momentum") && !(momentum >= 0 && momentum < 1)) {
            throw new UserError("train: --momentum must be in [0, 1) (each step keeps that share of the last one; 1 or more "
                    + "makes the steps grow without bound), got " + o.get("momentum"));
        }
        Optimizer opt = switch (name) {
            case "sgd" -> new SGD(params, o.doubleValue("lr", sgdLr));
            case "momentum" -> new SGD(params, o.doubleValue("lr", sgdLr)).momentum(momentum);
            case "nesterov" -> new SGD(params, o.doubleValue("lr", sgdLr)).momentum(momentum).nesterov(true);
            case "adagrad" -> new Adagrad(params, o.doubleValue("lr", 0.01));
            case "rmsprop" -> new RMSprop(params, o.doubleValue("lr", 0.001));
            case "adam" -> new Adam(params, o.doubleValue("lr", 0.001));
            case "adamw" -> new AdamW(params, o.doubleValue("lr", 0.001));
            default -> throw new UserError("train: unknown optimizer " + name + "; choose one of: " + String.join(", ", OPTIMIZERS));
        };
        if (!(opt.lr() > 0)) throw new UserError("train: --lr must be positive, got " + opt.lr());
        opt.weightDecay(wd);
        return opt;
    }

    static LRScheduler scheduler(String name, Optimizer opt, int epochs) {
        return switch (name) {
            case "none" -> null;
            case "step" -> new StepLR(opt, Math.max(1, epochs / 3), 0.1);
            case "multistep" -> new MultiStepLR(opt, new int[] {Math.max(1, epochs / 2), Math.max(2, epochs * 3 / 4)}, 0.1);
            case "exponential" -> new ExponentialLR(opt, 0.95);
            case "cosine" -> new CosineAnnealingLR(opt, epochs);
            case "warmup-cosine" -> new WarmupCosine(opt, Math.max(1, epochs / 10), epochs, 0, 0.1);
            case "linear-warmup" -> new LinearLR(opt, 0.1, 1.0, Math.max(1, epochs / 10));
            case "plateau" -> new ReduceLROnPlateau(opt).factor(0.1).patience(2);
            default -> throw new UserError("train: unknown schedule " + name);
        };
    }

    /** A guess, before the data is loaded, that {@code --model} names a CNN (so its kernels warm up meanwhile). */
    static boolean looksConvolutional(String modelArg) {
        String m = modelArg.trim().toLowerCase(Locale.ROOT);
        if (m.equals("lenet") || m.equals("cnn-bn")) return true;
        try {
            return m.endsWith(".json") && isConvolutional(ModelSpec.parse(Files.readString(Path.of(modelArg), StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            return false; // reported properly when the model is read
        }
    }

    /** Whether the model has a convolution (its input is an image, not a vector of features). */
    static boolean isConvolutional(ModelSpec spec) {
        return spec.layers().stream().anyMatch(l -> l.type().startsWith("conv"));
    }

    /** How many misclassified test images the report shows. */
    static final int MISTAKES_SHOWN = 36;

    /** Whether examples of this shape are images: C×H×W with 1 or 3 channels. */
    static boolean isImage(int[] shape) {
        return shape != null && shape.length == 3 && (shape[0] == 1 || shape[0] == 3) && shape[1] >= 4 && shape[2] >= 4;
    }

    /** The report's pictures of the misclassified test examples, as they were before normalisation. */
    static List<HtmlReport.Picture> pictures(Evaluation test, LabeledData data, Normalization norm) {
        List<HtmlReport.Picture> out = new ArrayList<>();
        int[] shape = data.test().sampleShape();
        List<String> names = data.classNames();
        for (Evaluation.Mistake m : test.mistakes()) {
            float[] x = data.test().get(m.index()).x().toFloatArray();
            if (norm != null) x = norm.invert(x);
            String caption = label(names, m.label()) + " → " + label(names, m.predicted())
                    + String.format(Locale.ROOT, " (%.2f)", m.probability());
            out.add(new HtmlReport.Picture(x, shape[0], shape[1], shape[2], caption));
        }
        return out;
    }

    private static String label(List<String> names, int i) {
        return names != null && i < names.size() ? names.get(i) : String.valueOf(i);
    }
}
