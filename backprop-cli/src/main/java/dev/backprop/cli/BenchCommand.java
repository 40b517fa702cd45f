package dev.backprop.cli;

import dev.backprop.Generator;
import dev.backprop.data.DataException;
import dev.backprop.data.DataSets;
import dev.backprop.data.LabeledData;
import dev.backprop.data.LoadOptions;
import dev.backprop.data.Normalization;
import dev.backprop.data.TensorDataset;
import dev.backprop.io.Json;
import dev.backprop.kernels.Gemm;
import dev.backprop.kernels.Kernels;
import dev.backprop.kernels.Parallel;
import dev.backprop.nn.Sequential;
import dev.backprop.optim.Adam;
import dev.backprop.train.Objective;
import dev.backprop.train.Trainer;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.backprop.cli.Options.Opt;

/**
 * {@code backprop bench}: how fast backprop is on this machine, measured side by side with the references in one
 * run (the machine may be noisy, so figures from different runs do not compare well):
 * <ol>
 *   <li>GEMM: float32 GFLOPS of {@code Kernels.active().gemm()} on raw arrays, on square sizes and on the shapes of
 *       the MLP's forward and backward products, beside numpy's matmul (OpenBLAS) in a Python process;</li>
 *   <li>training: samples/s of the MLP 784-256-128-10 on Fashion-MNIST through the real {@link Trainer}, beside
 *       PyTorch on the same model, data, batch, optimizer and threads;</li>
 *   <li>start-up: seconds from JVM start to the first training step of a fresh {@code backprop train}.</li>
 *   <li>passes: the backward pass's time ÷ the forward pass's for an MLP and two CNNs ({@link PassTiming}).</li>
 * </ol>
 * The Python programs are resources of this jar, written to a temporary file when run.
 */
final class BenchCommand implements Main.Command {
    static final List<String> SECTIONS = List.of("gemm", "train", "cnn", "startup", "passes");

    static final List<Opt> OPTIONS = List.of(
            Opt.value("threads", "N", "worker threads for backprop, and for OpenBLAS and PyTorch",
                    String.valueOf(Runtime.getRuntime().availableProcessors())),
            Opt.value("python", "PATH", "a Python with numpy for the GEMM comparison", "python3"),
            Opt.value("torch-python", "PATH", "a Python with torch for the training comparison", "none: no PyTorch figures"),
            Opt.value("steps", "N", "timed training steps per repeat, at most one epoch", "MLP: one epoch (469 steps); CNN: 100"),
            Opt.value("only", "LIST", "sections to run, comma-separated: " + String.join(", ", SECTIONS), "all"),
            Opt.flag("skip-gemm", "skip the GEMM section"),
            Opt.flag("skip-train", "skip the MLP training section"),
            Opt.flag("skip-cnn", "skip the CNN training section"),
            Opt.flag("skip-startup", "skip the start-up section"),
            Opt.flag("quick", "few, short repeats and small shapes (a smoke test; figures are rough)"),
            Opt.flag("json", "print one JSON object with every figure as the last line"),
            Opt.flag("verbose", "stack traces on errors"),
            Opt.flag("help", "show this help"));

    /** A GEMM shape: C (m×n) = op(A) (m×k) · op(B) (k×n). */
    record Shape(String name, String what, int m, int n, int k, boolean transA, boolean transB) {
        String dims() {
            return m + "×" + k + "·" + k + "×" + n;
        }

        Map<String, Object> toMap() {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", name);
            r.put("m", m);
            r.put("n", n);
            r.put("k", k);
            r.put("trans_a", transA);
            r.put("trans_b", transB);
            return r;
        }
    }

    static final List<Shape> SQUARES = List.of(square(256), square(512), square(1024), square(2048));

    /**
     * The MLP's products at batch 128, written with W as in×out: the first layer's X·W and its backward products
     * Xᵀ·G (the weight gradient) and G·Wᵀ (the input gradient), and the same for the 10-class output layer.
     * (backprop's Linear keeps W as out×in, PyTorch's layout, so its own calls have these sizes with other
     * transpose flags.)
     */
    static final List<Shape> MLP = List.of(
            new Shape("fc1 X·W", "784→256 forward", 128, 256, 784, false, false),
            new Shape("fc1 Xᵀ·G", "784→256 weight grad (transA)", 784, 256, 128, true, false),
            new Shape("fc1 G·Wᵀ", "784→256 input grad (transB)", 128, 784, 256, false, true),
            new Shape("out X·W", "128→10 forward", 128, 10, 128, false, false),
            new Shape("out Xᵀ·G", "128→10 weight grad (transA)", 128, 10, 128, true, false),
            new Shape("out G·Wᵀ", "128→10 input grad (transB)", 128, 128, 10, false, true));

    static Shape square(int s) {
        return new Shape(s + "³", "square", s, s, s, false, false);
    }

    /** How long things run: full, or --quick. */
    record Plan(double gemmTarget, int gemmRepeats, double gemmWarmup, double globalWarmup, int trainRepeats,
                double trainWarmup, int warmupSteps, int startupRuns) {
        static final Plan FULL = new Plan(0.3, 5, 0.2, 1.5, 3, 2.0, 50, 3);
        static final Plan QUICK = new Plan(0.02, 3, 0.02, 0.1, 1, 0.0, 5, 1);
    }

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "measure GEMM, training and start-up speed beside numpy/OpenBLAS and PyTorch";
    }

    @Override
    public int run(String[] args, PrintStream out) {
        Options o = Options.parse("bench", OPTIONS, args);
        if (o.has("help")) {
            out.print(Options.help("backprop bench [options]", "Measures backprop on this machine, side by side with the "
                    + "references in the same run: float32 GEMM GFLOPS\nbeside numpy (OpenBLAS), training samples/s of the "
                    + "MLP 784-256-128-10 and of the CNN cnn-bn on Fashion-MNIST (batch 128, Adam 1e-3)\nbeside PyTorch on the "
                    + "same models, the time from JVM start to the first training step, and (passes) the backward pass's time ÷ the "
                    + "forward pass's\nfor an MLP and two CNNs. Progress goes to stderr.", OPTIONS));
            return 0;
        }
        if (!o.positional().isEmpty()) throw new UserError("bench: unexpected argument '" + o.positional().getFirst() + "'");
        Set<String> sections = new LinkedHashSet<>(SECTIONS);
        if (o.has("only")) {
            sections.clear();
            for (String s : o.get("only").split(",")) {
                String t = s.trim().toLowerCase(Locale.ROOT);
                if (t.isEmpty()) continue;
                if (!SECTIONS.contains(t)) {
                    throw new UserError("bench: --only '" + s.trim() + "' is not a section; choose from: " + String.join(", ", SECTIONS));
                }
                sections.add(t);
            }
        }
        for (String s : SECTIONS) if (o.has("skip-" + s)) sections.remove(s);
        int threads = o.intValue("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) throw new UserError("bench: --threads must be at least 1, got " + threads);
        int steps = o.intValue("steps", 0);
        if (o.has("steps") && steps < 1) throw new UserError("bench: --steps must be at least 1, got " + steps);
        boolean quick = o.has("quick");
        boolean json = o.has("json");
        String python = o.get("python", "python3");
        String torchPython = o.get("torch-python");
        int previousThreads = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            return bench(sections, threads, steps, quick ? Plan.QUICK : Plan.FULL, quick, json, python, torchPython, out);
        } finally {
            Parallel.setThreads(previousThreads);
        }
    }

    private int bench(Set<String> sections, int threads, int steps, Plan plan, boolean quick, boolean json, String python,
                      String torchPython, PrintStream out) {
        PrintStream progress = System.err;

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("machine", machine(threads));
        List<String> notes = new ArrayList<>();
        Map<String, Object> machine = cast(result.get("machine"));
        double loadStart = loadAverage();
        if (loadStart >= 0) machine.put("load_average_start", loadStart);
        // How busy the CPUs are right now (others' work: this process is idle while it samples).
        double busy = cpuBusy(300);
        if (busy >= 0) machine.put("cpu_busy_start", busy);
        out.printf(Locale.ROOT, "backprop bench: %s; %s cores, %s; Java %s; %s%s%n", machine.get("cpu"), machine.get("cores"),
                threads(threads), machine.get("java"), machine.get("date"),
                busy >= 0 ? String.format(Locale.ROOT, "; CPUs %.0f%% busy before the start", 100 * busy) : "");
        int cores = Runtime.getRuntime().availableProcessors();
        if (busy > 0.25) {
            notes.add(String.format(Locale.ROOT, "other work was running when the bench started (the CPUs were %.0f%% busy; load "
                    + "average %.2f on %d cores): the figures are unreliable, the ratios too (OpenBLAS and PyTorch, whose threads "
                    + "wait for each other, slow down far more than backprop when cores are taken); rerun on an idle machine",
                    100 * busy, loadStart, cores));
        }

        if (sections.contains("gemm")) result.put("gemm", gemm(plan, quick, threads, python, out, progress, notes));
        if (sections.contains("train")) result.put("train", train(Workload.MLP, plan, quick, steps, threads, torchPython, out, progress, notes));
        if (sections.contains("cnn")) result.put("cnn", train(Workload.CNN, plan, quick, steps, threads, torchPython, out, progress, notes));
        if (sections.contains("startup")) result.put("startup", startup(plan, threads, out, progress, notes));
        // backward ÷ forward time (docs/time-complexity.md); random inputs, so no data set is needed
        if (sections.contains("passes")) {
            result.put("passes", PassTiming.run(128, quick ? 3 : 20, quick ? 0 : plan.trainWarmup(), threads, out, progress));
        }
        if (sections.isEmpty()) notes.add("no section selected");
        double loadEnd = loadAverage();
        if (loadEnd >= 0) machine.put("load_average_end", loadEnd);
        // This bench keeps about `threads` threads busy; a 1-minute load well above that means others joined in.
        if (!sections.isEmpty() && busy <= 0.25 && loadEnd > threads + 1) {
            notes.add(String.format(Locale.ROOT, "other work started during the bench (1-minute load average %.2f at the end, "
                    + "with %d threads of this bench): the figures are unreliable, the ratios too; the per-repeat figures in "
                    + "--json show the spread; rerun on an idle machine", loadEnd, threads));
        }
        if (!notes.isEmpty()) {
            out.println();
            for (String n : notes) out.println("note: " + n);
        }
        result.put("notes", notes);
        if (json) out.println(Json.write(result));
        return 0;
    }

    // ------------------------------------------------------------------------------------------------ machine

    static Map<String, Object> machine(int threads) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("threads", threads);
        m.put("java", Runtime.version().toString());
        m.put("jvm", System.getProperty("java.vm.name"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("vector_api", ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        m.put("date", ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        return m;
    }

    /** The share of CPU time (all CPUs) not idle over the next {@code millis} ms, from /proc/stat; -1 where there is none. */
    static double cpuBusy(long millis) {
        try {
            long[] a = cpuTimes();
            Thread.sleep(millis);
            long[] b = cpuTimes();
            long total = b[0] - a[0], idle = b[1] - a[1];
            return total <= 0 ? -1 : Math.max(0, Math.min(1, (double) (total - idle) / total));
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Total and idle (idle + iowait) jiffies of all CPUs. */
    private static long[] cpuTimes() throws IOException {
        String line = Files.readAllLines(Path.of("/proc/stat")).getFirst();
        String[] f = line.trim().split("\\s+");
        if (!f[0].equals("cpu") || f.length < 6) throw new IOException("unexpected /proc/stat");
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) total += Long.parseLong(f[i]); // user..steal, not guest
        return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
    }

    /** The 1-minute load average from /proc/loadavg, or -1 where there is none. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst()
                    .orElse(System.getProperty("os.arch"));
        } catch (IOException | UncheckedIOException e) {
            return System.getProperty("os.arch");
        }
    }

    /**
     * The name of the GEMM in use: {@code Kernels.gemmName()} (which describes {@link Kernels#FAST}'s) where that
     * exists and FAST is active, else the class name. (Looked up by reflection: it is newer than this command.)
     */
    static String gemmName() {
        if (Kernels.active() != Kernels.FAST) return Kernels.active().gemm().getClass().getSimpleName();
        try {
            Object n = Kernels.class.getMethod("gemmName").invoke(null);
            if (n != null) return n.toString();
        } catch (ReflectiveOperationException | RuntimeException e) {
            // an older core without gemmName()
        }
        return Kernels.active().gemm().getClass().getSimpleName();
    }

    // ------------------------------------------------------------------------------------------------ GEMM

    Map<String, Object> gemm(Plan plan, boolean quick, int threads, String python, PrintStream out, PrintStream progress,
                             List<String> notes) {
        List<Shape> shapes = new ArrayList<>(quick ? SQUARES.subList(0, 2) : SQUARES);
        shapes.addAll(MLP);
        Gemm gemm = Kernels.active().gemm();
        String kernel = gemmName();
        progress.printf(Locale.ROOT, "bench: GEMM (%s, %s): warming up%n", kernel, threads(threads));
        Map<Shape, float[][]> data = new LinkedHashMap<>();
        Random rnd = new Random(1);
        for (Shape s : shapes) {
            float[][] abc = {new float[s.m() * s.k()], new float[s.k() * s.n()], new float[s.m() * s.n()]};
            for (int i = 0; i < 2; i++) for (int j = 0; j < abc[i].length; j++) abc[i][j] = rnd.nextFloat() * 2 - 1;
            data.put(s, abc);
        }
        // Warm every shape's path up together first, so the JIT has compiled the kernels' branches at the top tier.
        long until = System.nanoTime() + (long) (plan.globalWarmup() * 1e9);
        do {
            for (Shape s : shapes) if ((long) s.m() * s.n() * s.k() <= 1L << 30) call(gemm, s, data.get(s));
        } while (System.nanoTime() < until);

        // Shape by shape, backprop and then numpy (one short Python process per shape), so that both see the same
        // load on a busy machine.
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Object> numpy = null;
        boolean tryNumpy = true;
        for (Shape s : shapes) {
            progress.printf(Locale.ROOT, "bench: GEMM %s (%s): backprop%n", s.name(), s.dims());
            double[] rates = timeGemm(gemm, s, data.get(s), plan);
            Map<String, Object> r = new LinkedHashMap<>(s.toMap());
            r.put("what", s.what());
            r.put("gflops", median(rates));
            r.put("all_gflops", rates);
            rows.add(r);
            if (!tryNumpy) continue;
            progress.printf(Locale.ROOT, "bench: GEMM %s (%s): numpy (%s)%n", s.name(), s.dims(), python);
            Map<String, Object> cfg = new LinkedHashMap<>();
            cfg.put("shapes", List.of(s.toMap()));
            cfg.put("target_seconds", plan.gemmTarget());
            cfg.put("repeats", plan.gemmRepeats());
            cfg.put("warmup_seconds", plan.gemmWarmup());
            PyResult py = runPython(python, "gemm_numpy.py", cfg, threads, true, 900);
            if (py.json() != null && py.json().get("error") == null && py.json().get("results") instanceof List<?> list
                    && !list.isEmpty() && cast(list.getFirst()) instanceof Map<?, ?> pr && pr.get("gflops") instanceof Number np) {
                if (numpy == null) numpy = py.json();
                r.put("numpy_gflops", np.doubleValue());
                r.put("numpy_all_gflops", pr.get("all_gflops"));
                r.put("ratio", median(rates) / np.doubleValue());
            } else {
                tryNumpy = false;
                notes.add(numpy == null ? "numpy not found: " + py.problem("numpy") + "; pass --python PATH to a Python "
                        + "with numpy for the OpenBLAS comparison" : "numpy failed on " + s.name() + ": " + py.problem("numpy"));
            }
        }
        data.clear();

        String numpyLabel = "numpy";
        if (numpy != null) {
            Map<String, Object> blas = numpy.get("blas") instanceof Map<?, ?> b ? cast(b) : Map.of();
            numpyLabel = String.format(Locale.ROOT, "numpy %s, %s %s%s", numpy.get("numpy"), blas.getOrDefault("name", "BLAS"),
                    blas.getOrDefault("version", ""), blas.get("core") == null ? "" : " (" + blas.get("core") + ")");
        }
        out.println();
        out.printf(Locale.ROOT, "GEMM, float32 GFLOPS (median of %d repeats of ~%.2g s after warm-up), %s%n",
                plan.gemmRepeats(), plan.gemmTarget(), threads(threads));
        out.printf(Locale.ROOT, "  backprop: %s%n  reference: %s%n", kernel, numpy == null ? "none (numpy not found)" : numpyLabel);
        out.printf(Locale.ROOT, "  %-10s %-20s %-30s %10s %10s %8s%n", "shape", "m×k·k×n", "", "backprop", "numpy", "ratio");
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> r = rows.get(i);
            Shape s = shapes.get(i);
            out.printf(Locale.ROOT, "  %-10s %-20s %-30s %10.1f %10s %8s%n", s.name(), s.dims(), s.what(),
                    ((Number) r.get("gflops")).doubleValue(), fmt(r.get("numpy_gflops"), "%.1f"), fmt(r.get("ratio"), "%.2f×"));
        }

        Map<String, Object> g = new LinkedHashMap<>();
        g.put("kernel", kernel);
        g.put("kernel_class", gemm.getClass().getName());
        g.put("threads", threads);
        g.put("repeats", plan.gemmRepeats());
        g.put("target_seconds", plan.gemmTarget());
        g.put("shapes", rows);
        if (numpy != null) {
            Map<String, Object> n = new LinkedHashMap<>(numpy);
            n.remove("results");
            g.put("numpy", n);
        }
        return g;
    }

    private static void call(Gemm gemm, Shape s, float[][] abc) {
        gemm.sgemm(s.transA(), s.transB(), s.m(), s.n(), s.k(), abc[0], 0, s.transA() ? s.m() : s.k(), abc[1], 0,
                s.transB() ? s.k() : s.n(), abc[2], 0, s.n(), false);
    }

    /** GFLOPS of each repeat: warm-up, then repeats of as many calls as fill the target time. */
    static double[] timeGemm(Gemm gemm, Shape s, float[][] abc, Plan plan) {
        int calls = 0;
        long t0 = System.nanoTime(), elapsed;
        do {
            call(gemm, s, abc);
            calls++;
            elapsed = System.nanoTime() - t0;
        } while (calls < 3 || elapsed < plan.gemmWarmup() * 1e9);
        int iters = (int) Math.max(1, Math.round(plan.gemmTarget() * 1e9 / ((double) elapsed / calls)));
        double flops = 2.0 * s.m() * s.n() * s.k() * iters;
        double[] rates = new double[plan.gemmRepeats()];
        for (int r = 0; r < rates.length; r++) {
            long start = System.nanoTime();
            for (int i = 0; i < iters; i++) call(gemm, s, abc);
            rates[r] = flops / Math.max(1, System.nanoTime() - start);
        }
        return rates;
    }

    // ------------------------------------------------------------------------------------------------ training

    /**
     * A training workload of the bench: the preset `backprop train` would build, how the data is normalised, a
     * name for the table, and how many timed steps a repeat has unless --steps says otherwise (0: one epoch).
     */
    record Workload(String section, String preset, String title, String description, Normalization.Mode normalization,
                    int defaultSteps) {
        static final Workload MLP = new Workload("train", "mlp:256,128", "MLP 784-256-128-10 (ReLU)", "mlp 784-256-128-10 relu",
                Normalization.Mode.PER_FEATURE, 0);
        // An epoch of the CNN takes about 20 s here; 100 steps (12,800 examples) measure it well enough.
        static final Workload CNN = new Workload("cnn", "cnn-bn", "CNN cnn-bn (conv32-BN-ReLU-pool, conv64-BN-ReLU-pool, FC128, FC10)",
                "cnn-bn", Normalization.Mode.GLOBAL, 100);
    }

    Map<String, Object> train(Workload w, Plan plan, boolean quick, int stepsArg, int threads, String torchPython, PrintStream out,
                              PrintStream progress, List<String> notes) {
        int batch = 128;
        double lr = 1e-3;
        long seed = 1;
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("data", "fashion-mnist");
        t.put("model", w.description());
        t.put("batch", batch);
        t.put("optimizer", "adam");
        t.put("lr", lr);
        t.put("threads", threads);
        out.println();
        LabeledData data;
        progress.printf(Locale.ROOT, "bench: training %s: loading Fashion-MNIST%n", w.section());
        try {
            data = DataSets.load("fashion-mnist", new LoadOptions(null, null, 0.2, seed, false));
        } catch (DataException e) {
            String msg = "training skipped: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist, or set "
                    + "BACKPROP_FASHION_MNIST to a directory of its IDX files): " + e.getMessage();
            notes.add(msg);
            out.println("Training: skipped, Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
            t.put("skipped", msg);
            return t;
        }
        // The same preparation and model as `backprop train --data fashion-mnist`.
        data = data.normalize(Normalization.fit(data.train(), w.normalization()));
        TensorDataset all = data.train();
        int steps = stepsArg > 0 ? stepsArg : quick ? 10 : w.defaultSteps() > 0 ? w.defaultSteps() : (all.size() + batch - 1) / batch;
        TensorDataset timed = subset(all, Math.min(all.size(), steps * batch));
        TensorDataset warm = subset(all, Math.min(all.size(), plan.warmupSteps() * batch));
        int timedSteps = (timed.size() + batch - 1) / batch;
        Objective objective = Objective.of("cross-entropy", data.numClasses(), data.outputSize(), 0);
        Generator gen = new Generator(seed);
        Sequential model = TrainCommand.modelSpec(w.preset(), data, objective, "relu", Double.NaN).build(gen.split());
        Adam opt = new Adam(model.parameters(), lr);
        Generator shuffle = gen.split();

        progress.printf(Locale.ROOT, "bench: training %s, backprop: warm-up (%d repeats of %d steps follow)%n", w.section(), plan.trainRepeats(), timedSteps);
        // Warm-up for at least the planned time, and then until a pass of it leaves the JIT quiet (under 10 ms of
        // compilation), at most 10 s more: methods still compiling in the first timed repeat cost it half to
        // four fifths of its speed (seen here: 26-76k samples/s, then 136-181k).
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        boolean canWatch = jit != null && jit.isCompilationTimeMonitoringSupported();
        long until = System.nanoTime() + (long) (plan.trainWarmup() * 1e9);
        long latest = until + (quick ? 0 : 10_000_000_000L);
        long compiled = canWatch ? jit.getTotalCompilationTime() : 0;
        boolean quiet = false;
        do {
            Trainer.builder(model, objective, opt).train(warm).epochs(1).batchSize(batch).generator(shuffle).build().fit();
            if (canWatch) {
                long now = jit.getTotalCompilationTime();
                quiet = now - compiled < 10;
                compiled = now;
            }
        } while (System.nanoTime() < until || (canWatch && !quiet && System.nanoTime() < latest));
        // Repeat by repeat, backprop and then PyTorch (one process per repeat: it loads the data and warms up
        // itself), so that both see the same load on a busy machine.
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("data_dir", fashionMnistDir().toString());
        cfg.put("batch", batch);
        cfg.put("lr", lr);
        cfg.put("threads", threads);
        cfg.put("steps", timedSteps);
        cfg.put("repeats", 1);
        cfg.put("warmup_steps", plan.warmupSteps());
        cfg.put("warmup_seconds", plan.trainWarmup());
        cfg.put("seed", seed);
        cfg.put("hidden", List.of(256, 128));
        cfg.put("model", w.section().equals("cnn") ? "cnn-bn" : "mlp");
        if (torchPython == null) {
            notes.add("no PyTorch figures: pass --torch-python PATH (a Python with torch) to train the same MLP in PyTorch");
        }
        boolean tryTorch = torchPython != null;
        Map<String, Object> torch = null;
        double[] rates = new double[plan.trainRepeats()];
        List<Double> torchRates = new ArrayList<>();
        for (int r = 0; r < rates.length; r++) {
            progress.printf(Locale.ROOT, "bench: training %s, backprop, repeat %d/%d%n", w.section(), r + 1, rates.length);
            Trainer trainer = Trainer.builder(model, objective, opt).train(timed).epochs(1).batchSize(batch).generator(shuffle).build();
            long start = System.nanoTime();
            trainer.fit();
            rates[r] = timed.size() / ((System.nanoTime() - start) / 1e9);
            if (!tryTorch) continue;
            progress.printf(Locale.ROOT, "bench: training %s, PyTorch (%s), repeat %d/%d%n", w.section(), torchPython, r + 1, rates.length);
            PyResult py = runPython(torchPython, "train_torch.py", cfg, threads, false, 1800);
            if (py.json() != null && py.json().get("error") == null && py.json().get("samples_per_second") instanceof Number n) {
                if (torch == null) torch = py.json();
                torchRates.add(n.doubleValue());
            } else {
                tryTorch = false;
                notes.add("PyTorch not measured: " + py.problem("torch"));
            }
        }
        double ours = median(rates);
        t.put("steps", timedSteps);
        t.put("examples", timed.size());
        t.put("repeats", rates.length);
        t.put("samples_per_second", ours);
        t.put("all_samples_per_second", rates);
        double theirs = Double.NaN;
        if (torch != null) {
            theirs = median(torchRates.stream().mapToDouble(Double::doubleValue).toArray());
            t.put("torch_samples_per_second", theirs);
            t.put("torch_all_samples_per_second", new ArrayList<>(torchRates));
            t.put("ratio", ours / theirs);
            Map<String, Object> info = new LinkedHashMap<>(torch);
            info.remove("samples_per_second");
            info.remove("all_samples_per_second");
            t.put("torch", info);
        }

        out.printf(Locale.ROOT, "Training: %s on Fashion-MNIST, batch %d, Adam lr %s, %s; "
                + "samples/s over %d steps, median of %d repeats after warm-up%n", w.title(), batch, String.valueOf(lr), threads(threads), timedSteps, rates.length);
        out.printf(Locale.ROOT, "  %-28s %12.0f%n", "backprop (Trainer)", ours);
        if (torch != null) {
            out.printf(Locale.ROOT, "  %-28s %12.0f%n", "PyTorch " + torch.get("torch"), theirs);
            out.printf(Locale.ROOT, "  %-28s %12.2f×%n", "ratio backprop/PyTorch", (Double) t.get("ratio"));
        }
        return t;
    }

    static TensorDataset subset(TensorDataset d, int n) {
        if (n >= d.size()) return d;
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        return d.subset(idx);
    }

    /** Where Fashion-MNIST is read from: as {@link DataSets#fashionMnist()} looks for it. */
    static Path fashionMnistDir() {
        String v = System.getProperty("backprop.fashion-mnist");
        if (v == null || v.isBlank()) v = System.getenv("BACKPROP_FASHION_MNIST");
        if (v == null || v.isBlank()) v = DataSets.FASHION_MNIST_DIR;
        return Path.of(v);
    }

    // ------------------------------------------------------------------------------------------------ start-up

    List<Map<String, Object>> startup(Plan plan, int threads, PrintStream out, PrintStream progress, List<String> notes) {
        List<String> jvm = jvmCommand();
        List<Map<String, Object>> rows = new ArrayList<>();
        out.println();
        out.printf(Locale.ROOT, "Start-up: JVM start to the end of the first training step of `backprop train --epochs 1`, "
                + "median of %d fresh JVMs%n", plan.startupRuns());
        if (jvm == null) {
            notes.add("start-up skipped: the java binary of this process is unknown");
            return rows;
        }
        List<String> datasets = new ArrayList<>(List.of("digits"));
        if (Files.isDirectory(fashionMnistDir())) datasets.add("fashion-mnist");
        else notes.add("start-up on Fashion-MNIST skipped: not installed (apt-get install dataset-fashion-mnist)");
        for (String dataName : datasets) {
            double[] first = new double[plan.startupRuns()];
            double[] total = new double[plan.startupRuns()];
            String problem = null;
            for (int r = 0; r < first.length && problem == null; r++) {
                progress.printf(Locale.ROOT, "bench: start-up %s, launch %d/%d%n", dataName, r + 1, first.length);
                Path dir = null;
                try {
                    dir = Files.createTempDirectory("backprop-bench-");
                    List<String> cmd = new ArrayList<>(jvm);
                    cmd.addAll(List.of("dev.backprop.cli.Main", "train", "--epochs", "1", "--json", "--threads",
                            String.valueOf(threads), "--out", dir.resolve("run").toString()));
                    if (!dataName.equals("digits")) cmd.addAll(List.of("--data", dataName));
                    Path err = dir.resolve("stderr.txt");
                    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullFile()));
                    long t0 = System.nanoTime();
                    Process p = pb.start();
                    String stdout = readAll(p.getInputStream());
                    if (!p.waitFor(600, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                        problem = "timed out";
                        break;
                    }
                    total[r] = (System.nanoTime() - t0) / 1e9;
                    Map<String, Object> j = lastJson(stdout);
                    if (p.exitValue() != 0 || j == null || !(j.get("first_step_seconds") instanceof Number n)) {
                        problem = p.exitValue() != 0 ? "exit status " + p.exitValue() + ": " + lastLine(Files.readString(err))
                                : "no first_step_seconds in its JSON output";
                        break;
                    }
                    first[r] = n.doubleValue();
                } catch (IOException e) {
                    problem = e.getMessage();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    problem = "interrupted";
                } finally {
                    deleteTree(dir);
                }
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("data", dataName);
            if (problem != null) {
                notes.add("start-up on " + dataName + " failed: " + problem);
                row.put("error", problem);
                out.printf(Locale.ROOT, "  %-16s failed: %s%n", dataName, problem);
            } else {
                row.put("first_step_seconds", median(first));
                row.put("all_first_step_seconds", first);
                row.put("process_seconds", median(total));
                out.printf(Locale.ROOT, "  %-16s %6.2f s to the first step (whole process: %.2f s)%n", dataName, median(first), median(total));
            }
            rows.add(row);
        }
        out.println("  command: " + String.join(" ", jvm) + " dev.backprop.cli.Main train --epochs 1 --json ...");
        return rows;
    }

    /** java, its -X options, --add-modules jdk.incubator.vector if this JVM has it, and -cp: a JVM like this one. */
    static List<String> jvmCommand() {
        String java = ProcessHandle.current().info().command().orElse(null);
        if (java == null) return null;
        List<String> cmd = new ArrayList<>(List.of(java));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-X") && !a.startsWith("-Xrun") && !a.startsWith("-Xdebug") && !a.startsWith("-Xlog")) cmd.add(a);
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return cmd;
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    // ------------------------------------------------------------------------------------------------ Python

    /** A Python run: its JSON line (null if none), or why there is none. */
    record PyResult(Map<String, Object> json, String failure) {
        String problem(String what) {
            if (json != null && json.get("error") != null) return json.get("error").toString();
            return failure == null ? "no " + what + " results" : failure;
        }
    }

    /**
     * Runs a resource script with the config as its argument; OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS) are the
     * thread count. For numpy, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from that process's environment, so
     * OpenBLAS picks its kernels for this CPU as it would for a user.
     */
    static PyResult runPython(String python, String script, Map<String, Object> cfg, int threads, boolean forNumpy, long timeoutSeconds) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("backprop-bench-py-");
            Path file = dir.resolve(script);
            try (InputStream in = BenchCommand.class.getResourceAsStream("bench/" + script)) {
                if (in == null) return new PyResult(null, "bench/" + script + " is missing from the backprop jar");
                Files.copy(in, file);
            }
            ProcessBuilder pb = new ProcessBuilder(python, file.toString(), Json.write(cfg));
            Map<String, String> env = pb.environment();
            if (forNumpy) {
                env.remove("OPENBLAS_CORETYPE");
                env.remove("OPENBLAS_L2_SIZE");
            }
            env.put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
            env.put("OMP_NUM_THREADS", String.valueOf(threads));
            Path err = dir.resolve("stderr.txt");
            pb.redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullFile()));
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                return new PyResult(null, "cannot run '" + python + "' (" + rootMessage(e) + ")");
            }
            String stdout = readAll(p.getInputStream());
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new PyResult(null, python + " " + script + " timed out");
            }
            Map<String, Object> j = lastJson(stdout);
            if (j == null) {
                String e = lastLine(Files.readString(err));
                return new PyResult(null, "'" + python + "' exited with status " + p.exitValue() + (e.isEmpty() ? "" : ": " + e));
            }
            return new PyResult(j, null);
        } catch (IOException e) {
            return new PyResult(null, rootMessage(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new PyResult(null, "interrupted");
        } finally {
            deleteTree(dir);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage() == null ? t.toString() : t.getMessage().trim();
    }

    private static String readAll(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.getLast().trim();
    }

    /** The last line of the output that parses as a JSON object, or null. */
    static Map<String, Object> lastJson(String stdout) {
        List<String> lines = stdout.lines().toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i).trim();
            if (!l.startsWith("{")) continue;
            try {
                if (Json.parse(l) instanceof Map<?, ?> m) return cast(m);
            } catch (IllegalArgumentException e) {
                // not JSON; keep looking
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    @SuppressWarnings("unchecked")
    static <T> T cast(Object o) {
        return (T) o;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static String fmt(Object v, String format) {
        return v instanceof Number n ? String.format(Locale.ROOT, format, n.doubleValue()) : "-";
    }

    private static void deleteTree(Path dir) {
        if (dir == null) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a temporary file left behind is harmless
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // likewise
        }
    }

    /** "1 thread", "2 threads". */
    static String threads(int n) {
        return n + (n == 1 ? " thread" : " threads");
    }
}
