package dev.backprop.optim;

import dev.backprop.DType;
import dev.backprop.Tensor;
import dev.backprop.io.Json;
import dev.backprop.optim.schedule.CosineAnnealingLR;
import dev.backprop.optim.schedule.ExponentialLR;
import dev.backprop.optim.schedule.LRScheduler;
import dev.backprop.optim.schedule.LinearLR;
import dev.backprop.optim.schedule.MultiStepLR;
import dev.backprop.optim.schedule.ReduceLROnPlateau;
import dev.backprop.optim.schedule.StepLR;
import dev.backprop.optim.schedule.WarmupCosine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The PyTorch golden values written by tools/golden/make_optim_golden.py (optimizer trajectories and lr
 * schedules), read from the test resources, and the code that builds the same optimizers and schedules here.
 */
final class OptimGolden {
    private OptimGolden() {}

    /** A parameter of the golden loss L = Σ a⊙p² + b⊙p³: its shape, start value and coefficients. */
    record Param(String name, int[] shape, double[] init, double[] a, double[] b) {
        Tensor fresh(DType dtype) {
            Tensor t = Tensor.of(init, shape);
            if (dtype == DType.FLOAT32) t = t.toFloat().detach();
            return t.requiresGrad(true);
        }

        /** Σ a⊙p² + b⊙p³ for this parameter, with backprop's autograd. */
        Tensor loss(Tensor p) {
            Tensor ta = Tensor.of(a, shape).toType(p.dtype());
            Tensor tb = Tensor.of(b, shape).toType(p.dtype());
            return p.square().mul(ta).sum().add(p.pow(3).mul(tb).sum());
        }
    }

    /** A parameter group: parameter names and, where given, its own lr and weight decay. */
    record Group(List<String> params, Double lr, Double weightDecay) {}

    /** One optimizer configuration and PyTorch's parameters after each step. */
    record OptCase(String name, String optimizer, Map<String, Object> options, List<Group> groups,
                   List<Map<String, double[]>> trajectory) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** One schedule configuration and PyTorch's group lrs after construction and after each step. */
    record ScheduleCase(String name, String scheduler, Map<String, Object> options, double[][] lrs) {
        @Override
        public String toString() {
            return name;
        }
    }

    record Data(int steps, List<Param> params, List<OptCase> optimizers, double[] baseLrs, double[] metrics,
                List<ScheduleCase> schedules) {}

    private static Data data;

    static synchronized Data data() {
        if (data == null) data = load();
        return data;
    }

    @SuppressWarnings("unchecked")
    private static Data load() {
        String text;
        try (InputStream in = OptimGolden.class.getResourceAsStream("/golden/optim.json")) {
            if (in == null) throw new IllegalStateException("golden/optim.json is missing: run tools/golden/make_optim_golden.py");
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Object> root = (Map<String, Object>) Json.parse(text);
        List<Param> params = new ArrayList<>();
        for (Object o : (List<Object>) root.get("params")) {
            Map<String, Object> m = (Map<String, Object>) o;
            params.add(new Param((String) m.get("name"), ints(m.get("shape")), doubles(m.get("init")), doubles(m.get("a")),
                    doubles(m.get("b"))));
        }
        List<OptCase> opts = new ArrayList<>();
        for (Object o : (List<Object>) root.get("optimizers")) {
            Map<String, Object> m = (Map<String, Object>) o;
            List<Group> groups = new ArrayList<>();
            for (Object go : (List<Object>) m.get("groups")) {
                Map<String, Object> g = (Map<String, Object>) go;
                groups.add(new Group((List<String>) (List<?>) g.get("params"), (Double) g.get("lr"),
                        (Double) g.get("weight_decay")));
            }
            List<Map<String, double[]>> traj = new ArrayList<>();
            for (Object so : (List<Object>) m.get("trajectory")) {
                Map<String, double[]> step = new LinkedHashMap<>();
                for (var e : ((Map<String, Object>) so).entrySet()) step.put(e.getKey(), doubles(e.getValue()));
                traj.add(step);
            }
            opts.add(new OptCase((String) m.get("name"), (String) m.get("optimizer"), (Map<String, Object>) m.get("options"),
                    groups, traj));
        }
        List<ScheduleCase> scheds = new ArrayList<>();
        for (Object o : (List<Object>) root.get("schedules")) {
            Map<String, Object> m = (Map<String, Object>) o;
            List<Object> rows = (List<Object>) m.get("lrs");
            double[][] lrs = new double[rows.size()][];
            for (int i = 0; i < lrs.length; i++) lrs[i] = doubles(rows.get(i));
            scheds.add(new ScheduleCase((String) m.get("name"), (String) m.get("scheduler"),
                    (Map<String, Object>) m.get("options"), lrs));
        }
        return new Data(((Double) root.get("steps")).intValue(), params, opts, doubles(root.get("schedule_base_lrs")),
                doubles(root.get("metrics")), scheds);
    }

    @SuppressWarnings("unchecked")
    static double[] doubles(Object list) {
        List<Object> l = (List<Object>) list;
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) d[i] = (Double) l.get(i);
        return d;
    }

    static int[] ints(Object list) {
        double[] d = doubles(list);
        int[] out = new int[d.length];
        for (int i = 0; i < d.length; i++) out[i] = (int) d[i];
        return out;
    }

    // ------------------------------------------------------------------------------------------------ builders

    /** The optimizer PyTorch ran for {@code c}, over {@code params} (by name), built with backprop's API. */
    static Optimizer build(OptCase c, Map<String, Tensor> params) {
        Map<String, Object> o = c.options();
        List<Tensor> first = c.groups().getFirst().params().stream().map(params::get).toList();
        Double lr = (Double) o.get("lr");
        Optimizer opt = switch (c.optimizer()) {
            case "SGD" -> {
                SGD s = new SGD(first, lr);
                if (o.containsKey("momentum")) s.momentum(num(o, "momentum"));
                if (o.containsKey("dampening")) s.dampening(num(o, "dampening"));
                if (o.containsKey("nesterov")) s.nesterov((Boolean) o.get("nesterov"));
                yield s;
            }
            case "Adagrad" -> {
                Adagrad a = lr == null ? new Adagrad(first) : new Adagrad(first, lr);
                if (o.containsKey("lr_decay")) a.lrDecay(num(o, "lr_decay"));
                if (o.containsKey("initial_accumulator_value")) a.initialAccumulatorValue(num(o, "initial_accumulator_value"));
                if (o.containsKey("eps")) a.eps(num(o, "eps"));
                yield a;
            }
            case "RMSprop" -> {
                RMSprop r = lr == null ? new RMSprop(first) : new RMSprop(first, lr);
                if (o.containsKey("alpha")) r.alpha(num(o, "alpha"));
                if (o.containsKey("eps")) r.eps(num(o, "eps"));
                if (o.containsKey("momentum")) r.momentum(num(o, "momentum"));
                if (o.containsKey("centered")) r.centered((Boolean) o.get("centered"));
                yield r;
            }
            case "Adam" -> {
                Adam a = lr == null ? new Adam(first) : new Adam(first, lr);
                if (o.containsKey("betas")) a.betas(OptimGolden.doubles(o.get("betas"))[0], OptimGolden.doubles(o.get("betas"))[1]);
                if (o.containsKey("eps")) a.eps(num(o, "eps"));
                if (o.containsKey("amsgrad")) a.amsgrad((Boolean) o.get("amsgrad"));
                yield a;
            }
            case "AdamW" -> {
                AdamW a = lr == null ? new AdamW(first) : new AdamW(first, lr);
                if (o.containsKey("betas")) a.betas(OptimGolden.doubles(o.get("betas"))[0], OptimGolden.doubles(o.get("betas"))[1]);
                if (o.containsKey("eps")) a.eps(num(o, "eps"));
                if (o.containsKey("amsgrad")) a.amsgrad((Boolean) o.get("amsgrad"));
                yield a;
            }
            default -> throw new IllegalStateException("unknown optimizer " + c.optimizer());
        };
        if (o.containsKey("weight_decay")) opt.weightDecay(num(o, "weight_decay"));
        Group g0 = c.groups().getFirst();
        if (g0.lr() != null) opt.paramGroups().getFirst().setLr(g0.lr());
        if (g0.weightDecay() != null) opt.paramGroups().getFirst().setWeightDecay(g0.weightDecay());
        for (Group g : c.groups().subList(1, c.groups().size())) {
            opt.addParamGroup(g.params().stream().map(params::get).toList(),
                    g.lr() != null ? g.lr() : opt.lr(),
                    g.weightDecay() != null ? g.weightDecay() : opt.defaultWeightDecay());
        }
        return opt;
    }

    private static double num(Map<String, Object> o, String key) {
        return (Double) o.get(key);
    }

    /** The schedule PyTorch ran for {@code c}. */
    static LRScheduler build(ScheduleCase c, Optimizer opt) {
        Map<String, Object> o = c.options();
        return switch (c.scheduler()) {
            case "StepLR" -> o.containsKey("gamma") ? new StepLR(opt, integer(o, "step_size"), num(o, "gamma"))
                    : new StepLR(opt, integer(o, "step_size"));
            case "MultiStepLR" -> o.containsKey("gamma") ? new MultiStepLR(opt, ints(o.get("milestones")), num(o, "gamma"))
                    : new MultiStepLR(opt, ints(o.get("milestones")));
            case "ExponentialLR" -> new ExponentialLR(opt, num(o, "gamma"));
            case "LinearLR" -> o.isEmpty() ? new LinearLR(opt)
                    : new LinearLR(opt, num(o, "start_factor"), num(o, "end_factor"), integer(o, "total_iters"));
            case "CosineAnnealingLR" -> o.containsKey("eta_min") ? new CosineAnnealingLR(opt, integer(o, "T_max"), num(o, "eta_min"))
                    : new CosineAnnealingLR(opt, integer(o, "T_max"));
            case "WarmupCosine" -> new WarmupCosine(opt, integer(o, "warmup_steps"), integer(o, "total_steps"),
                    num(o, "eta_min"), num(o, "warmup_start_factor"));
            case "ReduceLROnPlateau" -> {
                ReduceLROnPlateau r = new ReduceLROnPlateau(opt);
                if ("max".equals(o.get("mode"))) r.mode(ReduceLROnPlateau.Mode.MAX);
                if ("abs".equals(o.get("threshold_mode"))) r.thresholdMode(ReduceLROnPlateau.ThresholdMode.ABS);
                if (o.containsKey("factor")) r.factor(num(o, "factor"));
                if (o.containsKey("patience")) r.patience(integer(o, "patience"));
                if (o.containsKey("threshold")) r.threshold(num(o, "threshold"));
                if (o.containsKey("cooldown")) r.cooldown(integer(o, "cooldown"));
                if (o.containsKey("min_lr")) r.minLr(num(o, "min_lr"));
                yield r;
            }
            default -> throw new IllegalStateException("unknown scheduler " + c.scheduler());
        };
    }

    private static int integer(Map<String, Object> o, String key) {
        return ((Double) o.get(key)).intValue();
    }
}
