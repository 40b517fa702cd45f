package dev.backprop.cli;

import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.Tensor;
import dev.backprop.data.Batch;
import dev.backprop.data.DataSets;
import dev.backprop.data.LabeledData;
import dev.backprop.data.Normalization;
import dev.backprop.data.Split;
import dev.backprop.data.Transform;
import dev.backprop.data.Transforms;
import dev.backprop.nn.Activation;
import dev.backprop.nn.BatchNorm1d;
import dev.backprop.nn.BatchNorm2d;
import dev.backprop.nn.Conv2d;
import dev.backprop.nn.Dropout;
import dev.backprop.nn.Flatten;
import dev.backprop.nn.Functional;
import dev.backprop.nn.Init;
import dev.backprop.nn.Linear;
import dev.backprop.nn.MaxPool2d;
import dev.backprop.nn.Sequential;
import dev.backprop.optim.Adam;
import dev.backprop.optim.Optimizer;
import dev.backprop.optim.Penalty;
import dev.backprop.optim.SGD;
import dev.backprop.optim.schedule.CosineAnnealingLR;
import dev.backprop.train.EarlyStopping;
import dev.backprop.train.GradientMonitor;
import dev.backprop.train.History;
import dev.backprop.train.Objective;
import dev.backprop.train.Trainer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Java snippets of {@code docs/*.md}: each {@code ```java} block of a page appears, word for word up to
 * white space, in one of the methods below, which compile against the real API and run with an assertion on what
 * the page says the snippet shows.
 */
class DocsSnippetsTest {
    @Test
    void everyJavaBlockOfThePagesIsInThisFile() throws IOException {
        Path root = DocsCommandsTest.root();
        String self = squeeze(Files.readString(root.resolve("backprop-cli/src/test/java/dev/backprop/cli/DocsSnippetsTest.java"),
                StandardCharsets.UTF_8));
        List<Path> pages;
        try (Stream<Path> s = Files.list(root.resolve("docs"))) {
            pages = s.filter(p -> p.toString().endsWith(".md")).sorted().toList();
        }
        int blocks = 0;
        List<String> missing = new ArrayList<>();
        for (Path page : pages) {
            StringBuilder block = null;
            for (String line : Files.readAllLines(page, StandardCharsets.UTF_8)) {
                if (block == null && line.strip().equals("```java")) {
                    block = new StringBuilder();
                } else if (block != null && line.strip().equals("```")) {
                    blocks++;
                    if (!self.contains(squeeze(block.toString()))) missing.add(root.relativize(page) + ":\n" + block);
                    block = null;
                } else if (block != null) {
                    block.append(line).append('\n');
                }
            }
        }
        assertTrue(blocks >= 8, "the pages have Java snippets: " + blocks);
        if (!missing.isEmpty()) fail("snippets not in DocsSnippetsTest (copy them into a test here):\n" + String.join("\n", missing));
    }

    @Test
    void theReadmesFirstLookCompilesWithItsImportsAndCanNameModule(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        String readme = Files.readString(DocsCommandsTest.root().resolve("README.md"), StandardCharsets.UTF_8);
        int from = readme.indexOf("```java\n", readme.indexOf("## A first look at the API")) + 8;
        String block = readme.substring(from, readme.indexOf("```", from));
        StringBuilder imports = new StringBuilder(), body = new StringBuilder();
        for (String line : block.lines().toList()) (line.startsWith("import ") ? imports : body).append(line).append('\n');
        // A reader's next line often names a layer's type: with dev.backprop.nn.* alone, Module clashes with java.lang's.
        String source = imports + "class Snippet { void run() {\n" + body + "Module named = model;\n} }\n";
        Path file = dir.resolve("Snippet.java");
        Files.writeString(file, source);
        // javac as a process: the tests run as a named module that does not read java.compiler.
        String classPath = String.join(java.io.File.pathSeparator, Stream.of(System.getProperty("jdk.module.path"),
                System.getProperty("java.class.path")).filter(p -> p != null && !p.isEmpty()).toList());
        Process javac = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "javac").toString(), "-d",
                dir.toString(), "-proc:none", "-cp", classPath, file.toString()).redirectErrorStream(true).start();
        String errors = new String(javac.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            assertEquals(0, javac.waitFor(), errors + "\n" + source);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(e);
        }
    }

    /** All runs of white space as one space. */
    static String squeeze(String s) {
        return s.strip().replaceAll("\\s+", " ");
    }

    @Test
    void chainRule() {
        Tensor x = Tensor.scalar(DType.FLOAT64, 0.5).requiresGrad(true);
        Tensor y = x.mul(3).add(1).sigmoid();          // y = σ(3x + 1)
        y.backward();                                 // dy/dx = σ'(3x + 1)·3 = y(1 − y)·3
        System.out.println(x.grad().item() + " " + y.item() * (1 - y.item()) * 3);
        assertEquals(y.item() * (1 - y.item()) * 3, x.grad().item(), 1e-15);
        assertEquals(0.2103111496353242, x.grad().item(), 1e-15);
    }

    @Test
    void trainingStep() {
        LabeledData digits = DataSets.load("digits");
        Batch batch = digits.train().batch(new int[] {0, 1, 2, 3});
        Generator gen = new Generator(1);
        Sequential model = new Sequential(new Flatten(),
                new Linear(64, 128, true, Init.Scheme.DEFAULT, gen), new Activation.ReLU(),
                new Linear(128, 10, true, Init.Scheme.DEFAULT, gen));
        Optimizer opt = new Adam(model.parameters(), 1e-3);

        opt.zeroGrad();
        Tensor logits = model.forward(batch.x());                 // forward: computes and records the graph
        Tensor loss = Functional.crossEntropy(logits, batch.y());
        loss.backward();                                          // backward: ∂loss/∂p into p.grad() for every parameter
        opt.step();                                               // p ← p − update(p.grad())

        for (var p : model.parameters()) assertArrayEquals(p.shape(), p.grad().shape());
        assertTrue(loss.item() > 0);
    }

    @Test
    void activationDerivatives() {
        Tensor z = Tensor.of(new double[] {-2, 0, 2}, 3).requiresGrad(true);
        z.sigmoid().sum().backward();
        // z.grad() = σ(z)(1 − σ(z)) = [0.104994, 0.25, 0.104994]
        assertArrayEquals(new double[] {0.10499358540350652, 0.25, 0.10499358540350652}, z.grad().toDoubleArray(), 1e-15);
    }

    @Test
    void crossEntropyGradientIsPMinusY() {
        Tensor logits = Tensor.of(new double[] {2, 1, 0.1}, 1, 3).requiresGrad(true);
        Tensor target = Tensor.of(new long[] {0}, 1);
        Functional.crossEntropy(logits, target).backward();
        // logits.grad() = softmax(logits) − onehot(0) = [0.659 − 1, 0.242, 0.099] = [−0.341, 0.242, 0.099]
        double[] p = logits.detach().softmax(1).toDoubleArray();
        assertArrayEquals(new double[] {p[0] - 1, p[1], p[2]}, logits.grad().toDoubleArray(), 1e-12);
        assertEquals(-0.341, logits.grad().toDoubleArray()[0], 5e-4);
    }

    @Test
    void optimizersAndSchedule() {
        LabeledData digits = DataSets.load("digits");
        digits = digits.normalize(Normalization.fit(digits.train(), Normalization.Mode.PER_FEATURE));
        Generator gen = new Generator(1);
        Sequential model = new Sequential(new Flatten(),
                new Linear(64, 128, true, Init.Scheme.DEFAULT, gen), new Activation.ReLU(),
                new Linear(128, 10, true, Init.Scheme.DEFAULT, gen));
        SGD opt = new SGD(model.parameters(), 0.1).momentum(0.9).nesterov(true);
        Objective objective = Objective.of("cross-entropy", 10, 1, 0);
        Trainer trainer = Trainer.builder(model, objective, opt)
                .train(digits.train()).epochs(5).batchSize(32).generator(gen)
                .scheduler(new CosineAnnealingLR(opt, 5))
                .build();
        History history = trainer.fit();
        assertTrue(history.last().trainLoss() < history.epochs().getFirst().trainLoss());
    }

    @Test
    void gradientMonitor() {
        LabeledData digits = DataSets.load("digits");
        digits = digits.normalize(Normalization.fit(digits.train(), Normalization.Mode.PER_FEATURE));
        Generator gen = new Generator(1);
        List<dev.backprop.nn.Module> layers = new ArrayList<>(List.of(new Flatten()));
        for (int i = 0; i < 19; i++) {
            layers.add(new Linear(64, 64, true, Init.Scheme.DEFAULT, gen));
            layers.add(new Activation.Sigmoid());
        }
        layers.add(new Linear(64, 10, true, Init.Scheme.DEFAULT, gen));
        Sequential model = new Sequential(layers);
        Objective objective = Objective.of("cross-entropy", 10, 1, 0);
        Optimizer optimizer = new Adam(model.parameters(), 1e-3);
        // vanishing-exploding.md
        GradientMonitor monitor = new GradientMonitor();            // update ratios and activations every 10th step
        Trainer trainer = Trainer.builder(model, objective, optimizer)
                .train(digits.train()).epochs(30).batchSize(32).generator(gen)
                .callback(monitor)
                .build();
        trainer.fit();
        for (GradientMonitor.Flag f : monitor.diagnose()) System.out.println(f.message() + " — " + f.suggestion());
        assertTrue(monitor.diagnose().stream().anyMatch(f -> f.kind().equals("vanishing")), "the 20-layer sigmoid net vanishes");
    }

    @Test
    void earlyStopping() {
        LabeledData digits = DataSets.load("digits");
        Generator gen = new Generator(1);
        Sequential model = new Sequential(new Flatten(), new Linear(64, 10, true, Init.Scheme.DEFAULT, gen));
        Optimizer opt = new Adam(model.parameters(), 1e-3);
        Split split = Split.stratified(digits.train(), 0.1, 1);   // hold out 10% of the training set
        EarlyStopping stop = new EarlyStopping(5);                 // patience 5; restores the best weights at the end
        Trainer trainer = Trainer.builder(model, Objective.of("cross-entropy", 10, 1, 0), opt)
                .train(split.train()).validation(split.validation()).epochs(200).batchSize(32).generator(gen)
                .callback(stop)
                .build();
        History history = trainer.fit();
        System.out.println(history.stopReason() + "; best epoch " + stop.bestEpoch());
        assertTrue(stop.bestEpoch() >= 1);
        assertTrue(history.epochs().size() <= 200);
    }

    @Test
    void initialisation() {
        Generator gen = new Generator(1);
        Linear he = new Linear(256, 256, true, Init.Scheme.KAIMING_NORMAL, gen);   // N(0, 2/fan_in) for ReLU
        Linear zeros = new Linear(256, 256, true, Init.Scheme.ZEROS, gen);         // every unit the same: never do this
        double std = Math.sqrt(he.weight().square().mean().item());
        assertEquals(Math.sqrt(2.0 / 256), std, 0.005);
        assertEquals(0, zeros.weight().abs().sum().item());
    }

    @Test
    void batchNormAndDropout() {
        Generator gen = new Generator(1);
        Sequential model = new Sequential(new Flatten(),
                new Linear(64, 64, false, Init.Scheme.DEFAULT, gen), new BatchNorm1d(64), new Activation.Sigmoid(),
                new Dropout(0.5, gen),
                new Linear(64, 10, true, Init.Scheme.DEFAULT, gen));
        model.train();   // batch statistics, dropout on
        model.eval();    // running statistics, dropout off: the same input gives the same output
        Tensor x = Tensor.randn(gen, 4, 1, 8, 8);
        assertArrayEquals(model.forward(x).toFloatArray(), model.forward(x).toFloatArray());
    }

    @Test
    void penalties() {
        Generator gen = new Generator(1);
        Sequential model = new Sequential(new Flatten(), new Linear(64, 10, true, Init.Scheme.DEFAULT, gen));
        Tensor x = Tensor.randn(gen, 4, 1, 8, 8);
        Tensor y = Tensor.of(new long[] {0, 1, 2, 3}, 4);
        double lambda = 1e-3;
        Tensor dataLoss = Functional.crossEntropy(model.forward(x), y);
        Tensor loss = dataLoss.add(Penalty.l2(model.parameters()).mul(lambda));   // + λ·Σw²
        loss.backward();                                                          // adds 2λ·w to each gradient
        assertTrue(loss.item() > dataLoss.item());
    }

    @Test
    void augmentation() {
        Transform t = Transforms.compose(Transforms.randomRotation(10), Transforms.randomErasing());
        LabeledData digits = DataSets.load("digits");
        Generator gen = new Generator(1);
        Sequential model = new Sequential(new Flatten(), new Linear(64, 10, true, Init.Scheme.DEFAULT, gen));
        Trainer trainer = Trainer.builder(model, Objective.of("cross-entropy", 10, 1, 0), new Adam(model.parameters(), 1e-3))
                .train(digits.train()).epochs(1).batchSize(32).generator(gen)
                .augment(t, 1)                                    // a new random version of each image every epoch
                .build();
        assertEquals(1, trainer.fit().epochs().size());
    }

    @Test
    void cnn() {
        Generator gen = new Generator(1);
        Sequential cnn = new Sequential(
                new Conv2d(1, 32, 3, gen), new BatchNorm2d(32), new Activation.ReLU(), new MaxPool2d(2),   // [N, 32, 13, 13]
                new Flatten(), new Linear(32 * 13 * 13, 10, true, Init.Scheme.DEFAULT, gen));
        Tensor images = Tensor.randn(gen, 8, 1, 28, 28);
        Tensor logits = cnn.forward(images);                                                        // [8, 10]
        assertArrayEquals(new int[] {8, 10}, logits.shape());
    }
}
