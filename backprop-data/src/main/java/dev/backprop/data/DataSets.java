package dev.backprop.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;

/**
 * The data sets backprop knows by name, and loading from files.
 *
 * <h2>Names ({@link #load(String)})</h2>
 * <ul>
 *   <li>{@code digits} — embedded in the jar, always available: the UCI optical handwritten digits, 1,797 images
 *       of 8×8 pixels with 17 grey levels, scaled to [0, 1] (÷16), input [1, 8, 8], classes "0".."9". See
 *       {@link #digits()} for the credit and the fixed train/test split.</li>
 *   <li>{@code fashion-mnist} — Zalando's Fashion-MNIST, 60,000 + 10,000 images of 28×28, input [1, 28, 28], from
 *       the Debian package {@code dataset-fashion-mnist} ({@value #FASHION_MNIST_DIR}), or the directory in the
 *       system property {@code backprop.fashion-mnist} or the environment variable {@code BACKPROP_FASHION_MNIST}.</li>
 *   <li>{@code mnist} — LeCun's MNIST digits, from the directory in the system property {@code backprop.mnist} or
 *       the environment variable {@code BACKPROP_MNIST}, else {@value #MNIST_DIR}.</li>
 *   <li>{@code xor} — the four points of XOR, train = test.</li>
 *   <li>a directory holding the four IDX files {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 *       {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte} (each plain or {@code .gz}; the
 *       {@code train-images.idx3-ubyte} spelling also works): its own train and test parts;</li>
 *   <li>a {@code .csv} (or {@code .csv.gz}) file: tabular data read by {@link Csv}, split into train and test by
 *       {@link LoadOptions#testFraction()} and {@link LoadOptions#seed()} (stratified for classification).</li>
 * </ul>
 * A name wins over a file of the same name in the working directory. Every failure is a one-line
 * {@link DataException} that says what to do.
 */
public final class DataSets {
    /** The built-in names. */
    public static final List<String> NAMES = List.of("digits", "fashion-mnist", "mnist", "xor");

    /** Where the Debian package {@code dataset-fashion-mnist} installs Fashion-MNIST. */
    public static final String FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";
    /** Where MNIST is looked for when neither {@code backprop.mnist} nor {@code BACKPROP_MNIST} is set. */
    public static final String MNIST_DIR = "/usr/share/datasets/mnist";

    /** The Fashion-MNIST class names, index = label. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Class names "0".."9". */
    public static final List<String> DIGIT_CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** The credit the embedded digits data set requires (CC BY 4.0). */
    public static final String DIGITS_CREDIT = "Optical Recognition of Handwritten Digits: E. Alpaydin, C. Kaynak (1998), "
            + "UCI Machine Learning Repository, https://doi.org/10.24432/C50P49, licensed CC BY 4.0";

    /** The seed of the digits train/test split. */
    public static final long DIGITS_SPLIT_SEED = 0;
    /** The fraction of each digit class held out as the digits test set. */
    public static final double DIGITS_TEST_FRACTION = 0.2;

    private static final String[] IDX_FILES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte"};

    private DataSets() {}

    /** Loads a data set by name, directory or CSV file with default options. */
    public static LabeledData load(String spec) {
        return load(spec, LoadOptions.defaults());
    }

    /** Loads a data set by name, directory or CSV file. */
    public static LabeledData load(String spec, LoadOptions options) {
        LabeledData d = resolve(spec, options == null ? LoadOptions.defaults() : options);
        return options != null && options.floatTargets() ? d.withFloatTargets() : d;
    }

    private static LabeledData resolve(String spec, LoadOptions options) {
        if (spec == null || spec.isBlank()) throw new DataException("no data set given: " + choices());
        String key = spec.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        switch (key) {
            case "digits":
                return digits();
            case "fashion-mnist", "fashionmnist":
                return fashionMnist();
            case "mnist":
                return mnist();
            case "xor":
                return xor();
            default:
                break;
        }
        Path p = Path.of(spec.trim());
        if (Files.isDirectory(p)) return idxDirectory(p, name(p), null);
        String lower = p.toString().toLowerCase(Locale.ROOT);
        boolean csv = lower.endsWith(".csv") || lower.endsWith(".csv.gz");
        if (Files.isRegularFile(p)) {
            if (csv) return csv(p, options);
            throw new DataException(spec + ": not a data set: " + choices());
        }
        if (csv || spec.contains("/") || spec.contains(java.io.File.separator)) {
            throw new DataException(spec + ": no such file or directory");
        }
        throw new DataException("unknown data set '" + spec + "': " + choices());
    }

    private static String choices() {
        return "use one of " + String.join(", ", NAMES) + ", a directory of IDX files, or a .csv file";
    }

    // ------------------------------------------------------------------------------------------------ digits

    /**
     * The UCI optical handwritten digits, embedded in the jar (57 KB): 1,797 images of 8×8 pixels, input
     * [1, 8, 8], pixel values 0..16 scaled to [0, 1] by dividing by 16, classes "0".."9".
     *
     * <p>Split, the same on every machine and JDK: stratified, for each digit in ascending order the examples of
     * that digit (in file order) are shuffled by backprop's {@link dev.backprop.Generator} seeded with
     * {@value #DIGITS_SPLIT_SEED} and the first round(20% of them) are the test set ({@link Split#stratified}):
     * 1,438 train and 359 test examples, both in file order.
     *
     * <p>Credit: the test part of "Optical Recognition of Handwritten Digits" by E. Alpaydin and C. Kaynak (1998),
     * UCI Machine Learning Repository, https://doi.org/10.24432/C50P49, licensed CC BY 4.0
     * (https://creativecommons.org/licenses/by/4.0/). The pixels are scaled; the data is otherwise unchanged.
     */
    public static LabeledData digits() {
        TensorDataset all = digitsAll();
        Split split = Split.stratified(all, DIGITS_TEST_FRACTION, DIGITS_SPLIT_SEED);
        return new LabeledData("digits", split.train(), split.validation(), new int[] {1, 8, 8}, DIGIT_CLASSES,
                Task.CLASSIFICATION);
    }

    /** All 1,797 digits in file order, before the train/test split. */
    public static TensorDataset digitsAll() {
        InputStream raw = DataSets.class.getResourceAsStream("digits.csv.gz");
        if (raw == null) throw new IllegalStateException("digits.csv.gz is missing from the backprop-data jar");
        float[] x = new float[1797 * 64];
        long[] y = new long[1797];
        int n = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.US_ASCII))) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                String[] f = line.split(",");
                if (f.length != 65 || n == y.length) throw new IllegalStateException("digits.csv.gz:" + lineNo + ": corrupt");
                for (int j = 0; j < 64; j++) x[n * 64 + j] = Integer.parseInt(f[j].trim()) / 16f;
                y[n++] = Integer.parseInt(f[64].trim());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the embedded digits", e);
        }
        if (n != y.length) throw new IllegalStateException("digits.csv.gz: " + n + " rows, expected 1797");
        return TensorDataset.classification(x, new int[] {1, 8, 8}, y, 10);
    }

    // ------------------------------------------------------------------------------------------------ xor

    /**
     * XOR: (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0; input [2], classes "0" and "1", train and test the same four
     * points. For the classic 2-2-1 sigmoid network trained with MSE use {@link LabeledData#withFloatTargets()}
     * (targets (4, 1) float32).
     */
    public static LabeledData xor() {
        TensorDataset d = TensorDataset.classification(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, new int[] {2},
                new long[] {0, 1, 1, 0}, 2);
        return new LabeledData("xor", d, d, new int[] {2}, List.of("0", "1"), Task.CLASSIFICATION);
    }

    // ------------------------------------------------------------------------------------------------ IDX

    /** Fashion-MNIST from {@code backprop.fashion-mnist} / {@code BACKPROP_FASHION_MNIST} or {@value #FASHION_MNIST_DIR}. */
    public static LabeledData fashionMnist() {
        Path dir = configured("backprop.fashion-mnist", "BACKPROP_FASHION_MNIST", FASHION_MNIST_DIR);
        if (!Files.isDirectory(dir)) {
            throw new DataException("fashion-mnist: not found in " + dir + "; install it with `apt-get install "
                    + "dataset-fashion-mnist`, or pass a directory holding the four IDX files (" + String.join(", ", IDX_FILES)
                    + ", plain or .gz)");
        }
        return idxDirectory(dir, "fashion-mnist", FASHION_MNIST_CLASSES);
    }

    /** MNIST from {@code backprop.mnist} / {@code BACKPROP_MNIST} or {@value #MNIST_DIR}. */
    public static LabeledData mnist() {
        Path dir = configured("backprop.mnist", "BACKPROP_MNIST", MNIST_DIR);
        if (!Files.isDirectory(dir)) {
            throw new DataException("mnist: not found in " + dir + "; put the four MNIST IDX files (" + String.join(", ", IDX_FILES)
                    + ", plain or .gz) in a directory and set BACKPROP_MNIST (or -Dbackprop.mnist) to it, or pass the "
                    + "directory itself as the data set");
        }
        return idxDirectory(dir, "mnist", DIGIT_CLASSES);
    }

    private static Path configured(String property, String env, String fallback) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) v = System.getenv(env);
        if (v == null || v.isBlank()) v = fallback;
        return Path.of(v);
    }

    /**
     * A directory holding the four IDX files of MNIST's layout. {@code classNames} null: Fashion-MNIST's names if
     * the directory's name contains "fashion", else "0".."(max label)". The train and test files are read in
     * parallel.
     */
    public static LabeledData idxDirectory(Path dir, String name, List<String> classNames) {
        Path[] files = new Path[4];
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            files[i] = findIdx(dir, IDX_FILES[i]);
            if (files[i] == null) missing.add(IDX_FILES[i]);
        }
        if (!missing.isEmpty()) {
            throw new DataException(dir + ": missing " + String.join(", ", missing) + " (plain or .gz); a directory of IDX "
                    + "files needs " + String.join(", ", IDX_FILES));
        }
        List<String> names = classNames;
        if (names == null && name(dir).toLowerCase(Locale.ROOT).contains("fashion")) names = FASHION_MNIST_CLASSES;
        int classes = names == null ? -1 : names.size();

        AtomicReference<Object> testResult = new AtomicReference<>();
        Thread testReader = Thread.ofPlatform().name("idx-test-reader").start(() -> {
            try {
                testResult.set(Idx.dataset(Idx.read(files[2], Idx.IMAGES_MAGIC, "IDX images"),
                        Idx.read(files[3], Idx.LABELS_MAGIC, "IDX labels"), classes));
            } catch (RuntimeException | Error e) {
                testResult.set(e);
            }
        });
        TensorDataset train;
        try {
            train = Idx.dataset(Idx.read(files[0], Idx.IMAGES_MAGIC, "IDX images"),
                    Idx.read(files[1], Idx.LABELS_MAGIC, "IDX labels"), classes);
        } finally {
            joinUninterruptibly(testReader);
        }
        Object t = testResult.get();
        if (t instanceof RuntimeException e) throw e;
        if (t instanceof Error e) throw e;
        TensorDataset test = (TensorDataset) t;
        if (!java.util.Arrays.equals(train.sampleShape(), test.sampleShape())) {
            throw new DataException(dir + ": train images are " + dims(train) + " but test images are " + dims(test));
        }
        if (names == null) {
            int k = Math.max(train.numClasses(), test.numClasses());
            List<String> gen = new ArrayList<>(k);
            for (int i = 0; i < k; i++) gen.add(Integer.toString(i));
            names = gen;
            train = TensorDataset.classification(train.rawFeatures(), train.sampleShape(), train.labels(), k);
            test = TensorDataset.classification(test.rawFeatures(), test.sampleShape(), test.labels(), k);
        }
        return new LabeledData(name, train, test, train.sampleShape(), names, Task.CLASSIFICATION);
    }

    private static String dims(TensorDataset d) {
        int[] s = d.sampleShape();
        return s[1] + "×" + s[2];
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static Path findIdx(Path dir, String base) {
        String dotted = base.replace("-idx", ".idx");
        for (String n : new String[] {base, base + ".gz", dotted, dotted + ".gz"}) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ CSV

    /**
     * A CSV file ({@link Csv}) split into train and test: {@link LoadOptions#testFraction()} of the rows, chosen
     * with {@link LoadOptions#seed()}, stratified by class for classification ({@link Split}). With a test fraction
     * of 0 the test part is empty.
     */
    public static LabeledData csv(Path file, LoadOptions options) {
        LoadOptions o = options == null ? LoadOptions.defaults() : options;
        Csv.Table table = Csv.read(file, o.labelColumn(), o.task());
        TensorDataset all = table.data();
        Split split = Split.auto(all, o.testFraction(), o.seed());
        String n = name(file);
        n = n.replaceFirst("(?i)\\.csv(\\.gz)?$", "");
        return new LabeledData(n, split.train(), split.validation(), all.sampleShape(), table.classNames(), table.task());
    }

    private static String name(Path p) {
        Path f = p.toAbsolutePath().normalize().getFileName();
        return f == null ? p.toString() : f.toString();
    }
}
