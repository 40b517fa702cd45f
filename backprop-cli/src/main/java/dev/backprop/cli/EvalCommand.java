package dev.backprop.cli;

import dev.backprop.Shape;
import dev.backprop.data.DataSets;
import dev.backprop.data.LabeledData;
import dev.backprop.data.LoadOptions;
import dev.backprop.io.Json;
import dev.backprop.train.Evaluation;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.backprop.cli.Options.Opt;

/** {@code backprop eval MODEL}: loss, accuracy and confusion matrix of a saved model on a data set's test part. */
final class EvalCommand implements Main.Command {
    static final List<Opt> OPTIONS = List.of(
            Opt.value("data", "NAME", "data set to evaluate on (its test part)", "the one the model was trained on"),
            Opt.value("label", "COLUMN", "label column of a CSV file", "as for train"),
            Opt.value("batch-size", "N", "examples per forward pass", "512"),
            Opt.flag("json", "print one JSON object with the results as the last line"),
            Opt.flag("verbose", "stack traces on errors"),
            Opt.flag("help", "show this help"));

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "evaluate a saved model: loss, accuracy, confusion matrix";
    }

    @Override
    public int run(String[] args, PrintStream out) {
        Options o = Options.parse("eval", OPTIONS, args);
        if (o.has("help")) {
            out.print(Options.help("backprop eval MODEL [options]", "Evaluates a saved model (a training run's --out "
                    + "directory or its model.json) on the test part of a data set.", OPTIONS));
            return 0;
        }
        if (o.positional().size() != 1) throw new UserError("eval: give one MODEL (a directory or model.json); see backprop eval --help");
        Loaded m = Loaded.from("eval", o.positional().getFirst());
        String dataName = o.get("data", m.source());
        if (dataName == null) throw new UserError("eval: the model does not say which data it was trained on; pass --data");
        // The same label column, task and split seed as training, so a CSV's test rows are the ones held out then.
        LabeledData data = DataSets.load(dataName, new LoadOptions(o.get("label", m.labelColumn()), m.task(), 0.2, m.splitSeed(), false));
        if (Shape.numel(data.inputShape()) != Shape.numel(m.spec().inputShape())) {
            throw new UserError("eval: the model expects input " + Shape.str(m.spec().inputShape()) + " but " + data.name()
                    + " has " + Shape.str(data.inputShape()));
        }
        if (m.objective().classes() != data.numClasses()) {
            throw new UserError("eval: the model predicts " + m.objective().classes() + " classes but " + data.name() + " has "
                    + data.numClasses());
        }
        if (m.classes() != null && data.classNames() != null && !m.classes().equals(data.classNames())) {
            throw new UserError("eval: the model's classes " + brief(m.classes()) + " differ from " + data.name() + "'s "
                    + brief(data.classNames()));
        }
        if (m.normalization() != null) data = data.normalize(m.normalization());
        int batch = o.intValue("batch-size", 512);
        if (batch < 1) throw new UserError("eval: --batch-size must be at least 1");
        if (data.test().size() == 0) throw new UserError("eval: " + data.name() + " has no test examples");
        Evaluation ev = Evaluation.of(m.model(), m.objective(), data.test(), batch);
        if (!Double.isFinite(ev.loss())) {
            throw new IllegalStateException("eval: the model's loss on " + data.name() + " is " + ev.loss() + "; its weights or the "
                    + "data hold values it cannot handle");
        }
        PrintStream info = o.has("json") ? System.err : out;
        info.printf(Locale.ROOT, "%s on %s (test, %d examples): loss %.4f%s%n", o.positional().getFirst(), data.name(),
                ev.examples(), ev.loss(), Double.isNaN(ev.accuracy()) ? "" : String.format(Locale.ROOT, ", accuracy %.4f", ev.accuracy()));
        if (ev.confusion() != null) info.print(confusionText(ev.confusion(), m.classes()));
        if (o.has("json")) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", o.positional().getFirst());
            r.put("data", data.name());
            r.put("examples", ev.examples());
            r.put("loss", ev.loss());
            r.put("accuracy", TrainCommand.nanToNull(ev.accuracy()));
            if (ev.confusion() != null) {
                List<Object> rows = new ArrayList<>();
                for (long[] row : ev.confusion()) {
                    List<Object> l = new ArrayList<>();
                    for (long v : row) l.add(v);
                    rows.add(l);
                }
                r.put("confusion", rows);
                r.put("classes", m.classes());
            }
            out.println(Json.write(r));
        }
        return 0;
    }

    private static String brief(List<String> names) {
        return names.size() <= 6 ? names.toString() : names.subList(0, 5) + " and " + (names.size() - 5) + " more";
    }

    static String confusionText(long[][] m, List<String> names) {
        StringBuilder sb = new StringBuilder("confusion matrix (rows: true class, columns: predicted):\n");
        int w = 6;
        for (long[] row : m) for (long v : row) w = Math.max(w, String.valueOf(v).length() + 1);
        sb.append(" ".repeat(14));
        for (int j = 0; j < m.length; j++) sb.append(String.format(Locale.ROOT, "%" + w + "s", j));
        sb.append('\n');
        for (int i = 0; i < m.length; i++) {
            String name = names != null && i < names.size() ? names.get(i) : String.valueOf(i);
            if (name.equals(String.valueOf(i))) name = "";
            sb.append(String.format(Locale.ROOT, "%2d %-11s", i, name.length() > 11 ? name.substring(0, 11) : name));
            for (long v : m[i]) sb.append(String.format(Locale.ROOT, "%" + w + "d", v));
            sb.append('\n');
        }
        return sb.toString();
    }
}
