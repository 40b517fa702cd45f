package dev.backprop.io;

import dev.backprop.Generator;
import dev.backprop.Shape;
import dev.backprop.nn.Activation;
import dev.backprop.nn.AdaptiveAvgPool2d;
import dev.backprop.nn.AvgPool2d;
import dev.backprop.nn.BatchNorm;
import dev.backprop.nn.BatchNorm1d;
import dev.backprop.nn.BatchNorm2d;
import dev.backprop.nn.Conv2d;
import dev.backprop.nn.Dropout;
import dev.backprop.nn.Dropout2d;
import dev.backprop.nn.MaxPool2d;
import dev.backprop.nn.Flatten;
import dev.backprop.nn.Init;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.nn.Residual;
import dev.backprop.nn.Sequential;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A model's architecture as JSON, so that a model can be rebuilt from its files alone ({@link ModelFiles}):
 * <pre>
 * {"format": "backprop-model", "version": 1, "input_shape": [64],
 *  "layers": [{"type": "flatten", "start_dim": 1, "end_dim": -1},
 *             {"type": "linear", "in": 64, "out": 128, "bias": true}, {"type": "relu"},
 *             {"type": "dropout", "p": 0.2}, {"type": "linear", "in": 128, "out": 10, "bias": true}],
 *  "meta": {"dataset": "digits", "classes": ["0", "1", …]}}
 * </pre>
 * The model is a {@link Sequential} of the layers in order, so its state-dict names are {@code "1.weight"},
 * {@code "1.bias"}, … exactly as for the model described. {@code input_shape} is the shape of one example (no
 * batch dimension); it is optional, and when present every layer is checked against the shape that reaches it.
 * {@code meta} is free-form JSON the caller supplies (data set, class names, normalisation mean and std).
 *
 * <h2>Layer types</h2>
 * <table>
 *   <caption>Layer types and their arguments (defaults in parentheses)</caption>
 *   <tr><td>flatten</td><td>start_dim (1), end_dim (−1), counted with the batch dimension as in PyTorch</td></tr>
 *   <tr><td>linear</td><td>in, out (positive integers), bias (true)</td></tr>
 *   <tr><td>relu, sigmoid, tanh, gelu, identity</td><td>none</td></tr>
 *   <tr><td>leaky_relu</td><td>slope (0.01)</td></tr>
 *   <tr><td>softmax, log_softmax</td><td>dim (−1)</td></tr>
 *   <tr><td>dropout</td><td>p (0.5), the drop probability, in [0, 1)</td></tr>
 *   <tr><td>residual</td><td>layers: an array of layers f (any of these types), giving x + f(x) ({@link Residual});
 *       f must keep the shape</td></tr>
 * </table>
 * Each type is one row of the table {@code KINDS} below: the module class, how to read and check its arguments,
 * how to describe an existing module, how to build one, and the shape it outputs. A new layer (convolution, batch
 * norm) is a new row there and nothing else.
 *
 * <p>Instances are immutable; arguments are kept canonical (every argument present, integers as {@code Integer},
 * reals as {@code Double}), so {@code parse(spec.toJson()).equals(spec)}.
 */
public final class ModelSpec {
    /** The value of the "format" field. */
    public static final String FORMAT = "backprop-model";
    /** The version written, and the newest read. */
    public static final int VERSION = 1;

    /** One layer: its type name and its arguments. */
    public record Layer(String type, Map<String, Object> args) {
        public Layer {
            Objects.requireNonNull(type, "type");
            args = Collections.unmodifiableMap(new LinkedHashMap<>(args));
        }

        /** A layer from alternating argument names and values: {@code Layer.of("linear", "in", 4, "out", 2)}. */
        public static Layer of(String type, Object... namesAndValues) {
            if (namesAndValues.length % 2 != 0) throw new IllegalArgumentException("Layer.of: names and values must pair up");
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < namesAndValues.length; i += 2) m.put((String) namesAndValues[i], namesAndValues[i + 1]);
            return new Layer(type, m);
        }

        /** An integer argument. */
        public int intArg(String name) {
            return ((Number) arg(name)).intValue();
        }

        /** A real argument. */
        public double doubleArg(String name) {
            return ((Number) arg(name)).doubleValue();
        }

        /** A boolean argument. */
        public boolean boolArg(String name) {
            return (Boolean) arg(name);
        }

        /** A pair argument (height, width), such as a kernel size. */
        public int[] pairArg(String name) {
            List<?> l = (List<?>) arg(name);
            return new int[] {((Number) l.get(0)).intValue(), ((Number) l.get(1)).intValue()};
        }

        private Object arg(String name) {
            Object v = args.get(name);
            if (v == null) throw new IllegalArgumentException("a " + type + " layer has no argument \"" + name + "\"");
            return v;
        }

        /** A list-of-layers argument (the layers of a residual block). */
        public List<Layer> layersArg(String name) {
            List<Layer> out = new ArrayList<>();
            for (Object o : (List<?>) arg(name)) out.add(toLayer(o));
            return out;
        }

        /** The layer as a JSON object: type first, then the arguments. */
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", type);
            m.putAll(args);
            return m;
        }

        @Override
        public String toString() {
            return Json.write(json());
        }
    }

    // ------------------------------------------------------------------------------------------------ layer table

    /** How a layer type's per-example output shape follows from its input shape; null when it cannot be known. */
    private interface ShapeRule {
        int[] apply(Layer layer, int[] in);
    }

    /**
     * One layer type: its JSON name, its module class, how to read (and check) its arguments, how to describe a
     * module of it, how to build one, and its output shape.
     */
    private record Kind(String type, Class<? extends Module> cls, Consumer<Args> reader,
                        Function<Module, Map<String, Object>> writer, Builder builder, ShapeRule shape) {}

    /** Builds a module from canonical arguments; weights initialised by {@code init} from {@code gen}. */
    private interface Builder {
        Module build(Layer layer, Generator gen, Init.Scheme init);
    }

    private static final ShapeRule SAME = (l, in) -> in;

    /** A parameter-free layer with no arguments that keeps the shape. */
    private static Kind plain(String type, Class<? extends Module> cls, java.util.function.Supplier<Module> make) {
        return new Kind(type, cls, a -> {}, m -> Map.of(), (l, g, i) -> make.get(), SAME);
    }

    private static final List<Kind> KIND_LIST = List.of(
            new Kind("flatten", Flatten.class,
                    a -> {
                        a.integer("start_dim", 1);
                        a.integer("end_dim", -1);
                    },
                    m -> args("start_dim", ((Flatten) m).startDim(), "end_dim", ((Flatten) m).endDim()),
                    (l, g, i) -> new Flatten(l.intArg("start_dim"), l.intArg("end_dim")),
                    ModelSpec::flattenShape),
            new Kind("linear", Linear.class,
                    a -> {
                        a.positiveInt("in");
                        a.positiveInt("out");
                        a.bool("bias", true);
                    },
                    m -> {
                        Linear l = (Linear) m;
                        return args("in", l.inFeatures(), "out", l.outFeatures(), "bias", l.bias() != null);
                    },
                    (l, g, i) -> new Linear(l.intArg("in"), l.intArg("out"), l.boolArg("bias"), i, g),
                    (l, in) -> {
                        int want = l.intArg("in");
                        if (in.length == 0 || in[in.length - 1] != want) {
                            throw new IllegalArgumentException("expects inputs whose last dimension is " + want
                                    + ", but receives shape " + Shape.str(in));
                        }
                        int[] out = in.clone();
                        out[out.length - 1] = l.intArg("out");
                        return out;
                    }),
            plain("relu", Activation.ReLU.class, Activation.ReLU::new),
            new Kind("leaky_relu", Activation.LeakyReLU.class,
                    a -> a.real("slope", 0.01, Double::isFinite, "a finite number"),
                    m -> args("slope", ((Activation.LeakyReLU) m).slope()),
                    (l, g, i) -> new Activation.LeakyReLU(l.doubleArg("slope")),
                    SAME),
            plain("sigmoid", Activation.Sigmoid.class, Activation.Sigmoid::new),
            plain("tanh", Activation.Tanh.class, Activation.Tanh::new),
            plain("gelu", Activation.GELU.class, Activation.GELU::new),
            new Kind("softmax", Activation.Softmax.class,
                    a -> a.integer("dim", -1),
                    m -> args("dim", ((Activation.Softmax) m).dim()),
                    (l, g, i) -> new Activation.Softmax(l.intArg("dim")),
                    ModelSpec::dimShape),
            new Kind("log_softmax", Activation.LogSoftmax.class,
                    a -> a.integer("dim", -1),
                    m -> args("dim", ((Activation.LogSoftmax) m).dim()),
                    (l, g, i) -> new Activation.LogSoftmax(l.intArg("dim")),
                    ModelSpec::dimShape),
            plain("identity", Activation.Identity.class, Activation.Identity::new),
            new Kind("dropout", Dropout.class,
                    a -> a.real("p", 0.5, p -> p >= 0 && p < 1, "a drop probability in [0, 1)"),
                    m -> args("p", ((Dropout) m).p()),
                    (l, g, i) -> new Dropout(l.doubleArg("p"), g),
                    SAME),
            new Kind("conv2d", Conv2d.class,
                    a -> {
                        a.positiveInt("in_channels");
                        a.positiveInt("out_channels");
                        int[] k = a.pair("kernel_size", null, 1);
                        a.pair("stride", new int[] {1, 1}, 1);
                        a.pair("padding", new int[] {0, 0}, 0);
                        a.pair("dilation", new int[] {1, 1}, 1);
                        a.integer("groups", 1);
                        a.bool("bias", true);
                        a.check(k != null, "kernel_size", "missing; expected a positive integer or [height, width]");
                        int groups = (Integer) a.value("groups");
                        a.check(groups >= 1, "groups", "expected a positive integer, got " + groups);
                        a.check((Integer) a.value("in_channels") % groups == 0 && (Integer) a.value("out_channels") % groups == 0,
                                "groups", "in_channels " + a.value("in_channels") + " and out_channels " + a.value("out_channels")
                                        + " must both be divisible by groups " + groups);
                    },
                    m -> {
                        Conv2d c = (Conv2d) m;
                        return args("in_channels", c.inChannels(), "out_channels", c.outChannels(),
                                "kernel_size", pair(c.kernelSize()), "stride", pair(c.stride()), "padding", pair(c.padding()),
                                "dilation", pair(c.dilation()), "groups", c.groups(), "bias", c.hasBias());
                    },
                    (l, g, i) -> new Conv2d(l.intArg("in_channels"), l.intArg("out_channels"), l.pairArg("kernel_size"),
                            l.pairArg("stride"), l.pairArg("padding"), l.pairArg("dilation"), l.intArg("groups"),
                            l.boolArg("bias"), g),
                    (l, in) -> {
                        int c = l.intArg("in_channels");
                        if (in.length != 3 || in[0] != c) {
                            throw new IllegalArgumentException("expects images of shape [" + c + ", height, width], but receives "
                                    + Shape.str(in));
                        }
                        int[] hw = window(l, in, "kernel_size", l.pairArg("stride"), l.pairArg("dilation"));
                        return new int[] {l.intArg("out_channels"), hw[0], hw[1]};
                    }),
            new Kind("max_pool2d", MaxPool2d.class,
                    a -> poolWindow(a, true),
                    m -> {
                        MaxPool2d p = (MaxPool2d) m;
                        return args("kernel_size", pair(p.kernelSize()), "stride", pair(p.stride()), "padding", pair(p.padding()),
                                "dilation", pair(p.dilation()));
                    },
                    (l, g, i) -> new MaxPool2d(l.pairArg("kernel_size"), l.pairArg("stride"), l.pairArg("padding"),
                            l.pairArg("dilation")),
                    (l, in) -> pooled(l, in, l.pairArg("dilation"))),
            new Kind("avg_pool2d", AvgPool2d.class,
                    a -> {
                        poolWindow(a, false);
                        a.bool("count_include_pad", true);
                    },
                    m -> {
                        AvgPool2d p = (AvgPool2d) m;
                        return args("kernel_size", pair(p.kernelSize()), "stride", pair(p.stride()), "padding", pair(p.padding()),
                                "count_include_pad", p.countIncludePad());
                    },
                    (l, g, i) -> new AvgPool2d(l.pairArg("kernel_size"), l.pairArg("stride"), l.pairArg("padding"),
                            l.boolArg("count_include_pad")),
                    (l, in) -> pooled(l, in, new int[] {1, 1})),
            new Kind("adaptive_avg_pool2d", AdaptiveAvgPool2d.class,
                    a -> {
                        int[] o = a.pair("output_size", new int[] {1, 1}, 1);
                        a.check(o != null, "output_size", "expected a positive integer or [height, width]");
                    },
                    m -> args("output_size", pair(((AdaptiveAvgPool2d) m).outputSize())),
                    (l, g, i) -> new AdaptiveAvgPool2d(l.pairArg("output_size")[0], l.pairArg("output_size")[1]),
                    (l, in) -> {
                        if (in.length != 3) {
                            throw new IllegalArgumentException("expects images of shape [channels, height, width], but receives "
                                    + Shape.str(in));
                        }
                        int[] o = l.pairArg("output_size");
                        return new int[] {in[0], o[0], o[1]};
                    }),
            batchNormKind("batch_norm1d", BatchNorm1d.class, 1, BatchNorm1d::new),
            batchNormKind("batch_norm2d", BatchNorm2d.class, 2, BatchNorm2d::new),
            new Kind("dropout2d", Dropout2d.class,
                    a -> a.real("p", 0.5, p -> p >= 0 && p < 1, "a drop probability in [0, 1)"),
                    m -> args("p", ((Dropout2d) m).p()),
                    (l, g, i) -> new Dropout2d(l.doubleArg("p"), g),
                    (l, in) -> {
                        if (in.length != 3) {
                            throw new IllegalArgumentException("drops whole channels of images [channels, height, width], but "
                                    + "receives " + Shape.str(in) + "; use dropout for other shapes");
                        }
                        return in;
                    }),
            new Kind("residual", Residual.class,
                    a -> a.layers("layers"),
                    m -> args("layers", ((Residual) m).layers().stream().map(c -> describe(c, "a residual block's layer").json()).toList()),
                    (l, g, i) -> new Residual(l.layersArg("layers").stream().map(c -> build(c, g, i)).toList()),
                    ModelSpec::residualShape));

    /** A residual block keeps the shape: its layers must map the input shape to itself. */
    private static int[] residualShape(Layer l, int[] in) {
        int[] s = traceLayers(l.layersArg("layers"), in, "", null);
        if (s != null && !Arrays.equals(s, in)) {
            throw new IllegalArgumentException("x + f(x) needs f to keep the shape, but f maps " + Shape.str(in) + " to " + Shape.str(s));
        }
        return in;
    }

    /** A layer from a JSON object (or a Layer given in code), not yet checked. */
    private static Layer toLayer(Object o) {
        if (o instanceof Layer l) return l;
        if (!(o instanceof Map<?, ?> lm) || !(lm.get("type") instanceof String type)) {
            throw new IllegalArgumentException("expected a layer: an object with a \"type\", got " + show(o));
        }
        Map<String, Object> args = new LinkedHashMap<>();
        for (var e : lm.entrySet()) if (!e.getKey().equals("type")) args.put((String) e.getKey(), e.getValue());
        return new Layer(type, args);
    }

    /** The layer's type and arguments checked and made canonical; errors start with {@code path}. */
    private static Layer canonical(Layer l, String path) {
        Kind k = KINDS.get(l.type());
        if (k == null) {
            throw new IllegalArgumentException(path + ".type: unknown layer type \"" + l.type() + "\"; valid: "
                    + String.join(", ", KINDS.keySet()));
        }
        Args a = new Args(l.args(), path);
        k.reader().accept(a);
        return new Layer(k.type(), a.finish(k.type()));
    }

    /** A fresh module for a canonical layer. */
    private static Module build(Layer l, Generator gen, Init.Scheme init) {
        return KINDS.get(l.type()).builder().build(l, gen, init);
    }

    /** The layer describing an existing module; {@code where} names it in the error when it has no layer type. */
    private static Layer describe(Module m, String where) {
        Kind k = BY_CLASS.get(m.getClass());
        if (k == null) {
            throw new IllegalArgumentException("ModelSpec.of: " + where + " is a " + m.getClass().getSimpleName()
                    + " (" + m.describe().replace('\n', ' ') + "), which a model file cannot describe; describable: "
                    + String.join(", ", KINDS.keySet()));
        }
        return new Layer(k.type(), k.writer().apply(m));
    }

    /**
     * Reads a pooling window: kernel_size, stride (default: the kernel size), padding and, for max-pooling, dilation;
     * as in PyTorch the padding may be at most half the (dilated) kernel.
     */
    private static void poolWindow(Args a, boolean dilated) {
        int[] k = a.pair("kernel_size", null, 1);
        a.check(k != null, "kernel_size", "missing; expected a positive integer or [height, width]");
        a.pair("stride", k, 1);
        int[] p = a.pair("padding", new int[] {0, 0}, 0);
        int[] d = dilated ? a.pair("dilation", new int[] {1, 1}, 1) : new int[] {1, 1};
        int[] half = {(d[0] * (k[0] - 1) + 1) / 2, (d[1] * (k[1] - 1) + 1) / 2};
        a.check(p[0] <= half[0] && p[1] <= half[1], "padding", "must be at most half the kernel size: at most "
                + Shape.str(half) + " for a kernel of " + Shape.str(k) + (dilated && (d[0] > 1 || d[1] > 1)
                ? " with dilation " + Shape.str(d) : "") + ", got " + Shape.str(p));
    }

    /** Batch norm over the channels of [C] or [C, L] (1d) or [C, H, W] (2d) examples. */
    private interface BatchNormMaker {
        BatchNorm make(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats);
    }

    private static Kind batchNormKind(String type, Class<? extends BatchNorm> cls, int dims, BatchNormMaker make) {
        return new Kind(type, cls,
                a -> {
                    a.positiveInt("num_features");
                    a.real("eps", 1e-5, e -> e > 0 && Double.isFinite(e), "a positive number");
                    a.realOrNull("momentum", 0.1, m -> m >= 0 && m <= 1, "a number in [0, 1], or null for a cumulative average");
                    a.bool("affine", true);
                    a.bool("track_running_stats", true);
                },
                m -> {
                    BatchNorm b = (BatchNorm) m;
                    return args("num_features", b.numFeatures(), "eps", b.eps(), "momentum", b.momentum(),
                            "affine", b.affine(), "track_running_stats", b.trackRunningStats());
                },
                (l, g, i) -> make.make(l.intArg("num_features"), l.doubleArg("eps"), (Double) l.args().get("momentum"),
                        l.boolArg("affine"), l.boolArg("track_running_stats")),
                (l, in) -> {
                    int c = l.intArg("num_features");
                    boolean rankOk = dims == 1 ? in.length == 1 || in.length == 2 : in.length == 3;
                    if (!rankOk || in[0] != c) {
                        throw new IllegalArgumentException("expects examples of shape "
                                + (dims == 1 ? "[" + c + "] or [" + c + ", length]" : "[" + c + ", height, width]")
                                + ", but receives " + Shape.str(in));
                    }
                    return in;
                });
    }

    private static List<Integer> pair(int[] v) {
        return List.of(v[0], v[1]);
    }

    /** The output height and width of a sliding window (convolution or pooling) over [C, H, W]. */
    private static int[] window(Layer l, int[] in, String kernelKey, int[] stride, int[] dilation) {
        int[] k = l.pairArg(kernelKey);
        int[] p = l.pairArg("padding");
        int[] out = new int[2];
        for (int j = 0; j < 2; j++) {
            long span = (long) dilation[j] * (k[j] - 1) + 1;
            long room = (long) in[1 + j] + 2L * p[j] - span;
            if (room < 0) {
                throw new IllegalArgumentException("a window of " + Shape.str(k) + " (dilation " + Shape.str(dilation)
                        + ", padding " + Shape.str(p) + ") does not fit in an image of " + in[1] + "×" + in[2]
                        + "; use a smaller kernel, more padding, or a larger input");
            }
            out[j] = (int) (room / stride[j] + 1);
        }
        return out;
    }

    private static int[] pooled(Layer l, int[] in, int[] dilation) {
        if (in.length != 3) {
            throw new IllegalArgumentException("expects images of shape [channels, height, width], but receives "
                    + Shape.str(in));
        }
        int[] hw = window(l, in, "kernel_size", l.pairArg("stride"), dilation);
        return new int[] {in[0], hw[0], hw[1]};
    }

    private static final Map<String, Kind> KINDS = KIND_LIST.stream()
            .collect(Collectors.toMap(Kind::type, k -> k, (a, b) -> a, LinkedHashMap::new));
    private static final Map<Class<?>, Kind> BY_CLASS = KIND_LIST.stream()
            .collect(Collectors.toMap(Kind::cls, k -> k));

    /** The layer types a model file can describe, in table order. */
    public static List<String> layerTypes() {
        return List.copyOf(KINDS.keySet());
    }

    private static Map<String, Object> args(Object... namesAndValues) {
        return Layer.of("", namesAndValues).args();
    }

    private static int[] flattenShape(Layer l, int[] in) {
        int rank = in.length + 1;
        int start = Shape.wrapDim("flatten", l.intArg("start_dim"), rank);
        int end = Shape.wrapDim("flatten", l.intArg("end_dim"), rank);
        if (start > end) {
            throw new IllegalArgumentException("start_dim " + l.intArg("start_dim") + " comes after end_dim "
                    + l.intArg("end_dim") + " (inputs of shape " + Shape.str(in) + " after the batch dimension)");
        }
        if (start == 0) return null; // the batch dimension is merged: the per-example shape is no longer known
        long n = 1;
        for (int j = start; j <= end; j++) n *= in[j - 1];
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("flattening " + Shape.str(in) + " gives more than 2^31 - 1 features");
        int[] out = new int[in.length - (end - start)];
        int o = 0;
        for (int j = 1; j < start; j++) out[o++] = in[j - 1];
        out[o++] = (int) n;
        for (int j = end + 1; j < rank; j++) out[o++] = in[j - 1];
        return out;
    }

    private static int[] dimShape(Layer l, int[] in) {
        Shape.wrapDim("dim", l.intArg("dim"), in.length + 1);
        return in;
    }

    // ------------------------------------------------------------------------------------------------ arguments

    /** Reads a layer's arguments from JSON (or from a caller's map), checking each and naming its path on error. */
    private static final class Args {
        private final Map<String, Object> raw;
        private final String path;
        private final Set<String> used = new HashSet<>();
        private final Map<String, Object> out = new LinkedHashMap<>();

        Args(Map<String, Object> raw, String path) {
            this.raw = raw;
            this.path = path;
        }

        private IllegalArgumentException fail(String key, String msg) {
            return new IllegalArgumentException(path + "." + key + ": " + msg);
        }

        private Object take(String key) {
            used.add(key);
            return raw.get(key);
        }

        void positiveInt(String key) {
            Object v = take(key);
            if (v == null) throw fail(key, "missing; expected a positive integer");
            long n = whole(v);
            if (n < 1 || n > Integer.MAX_VALUE) throw fail(key, "expected a positive integer, got " + show(v));
            out.put(key, (int) n);
        }

        void integer(String key, int def) {
            Object v = take(key);
            if (v == null) {
                out.put(key, def);
                return;
            }
            long n = whole(v);
            if (n == Long.MIN_VALUE || n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
                throw fail(key, "expected an integer, got " + show(v));
            }
            out.put(key, (int) n);
        }

        void bool(String key, boolean def) {
            Object v = take(key);
            if (v == null) v = def;
            if (!(v instanceof Boolean b)) throw fail(key, "expected true or false, got " + show(v));
            out.put(key, b);
        }

        void real(String key, double def, java.util.function.DoublePredicate ok, String what) {
            Object v = take(key);
            if (v == null) v = def;
            if (!(v instanceof Number n) || !ok.test(n.doubleValue())) throw fail(key, "expected " + what + ", got " + show(v));
            out.put(key, n.doubleValue());
        }

        /**
         * A (height, width) pair given as one integer (both) or as [height, width], each at least {@code min};
         * {@code def} (may be null) when absent. Returns the value kept.
         */
        int[] pair(String key, int[] def, int min) {
            Object v = take(key);
            if (v == null) {
                if (def != null) out.put(key, ModelSpec.pair(def));
                return def == null ? null : def.clone();
            }
            String want = (min == 0 ? "a non-negative" : "a positive") + " integer or [height, width]";
            int[] r = new int[2];
            if (v instanceof List<?> l) {
                if (l.size() != 2) throw fail(key, "expected " + want + ", got " + show(v));
                for (int j = 0; j < 2; j++) {
                    long n = whole(l.get(j));
                    if (n == Long.MIN_VALUE || n < min || n > Integer.MAX_VALUE) throw fail(key, "expected " + want + ", got " + show(v));
                    r[j] = (int) n;
                }
            } else {
                long n = whole(v);
                if (n == Long.MIN_VALUE || n < min || n > Integer.MAX_VALUE) throw fail(key, "expected " + want + ", got " + show(v));
                r[0] = r[1] = (int) n;
            }
            out.put(key, ModelSpec.pair(r));
            return r;
        }

        /** {@link #real}, where an explicit JSON null is kept as null (absent still means {@code def}). */
        void realOrNull(String key, double def, java.util.function.DoublePredicate ok, String what) {
            if (raw.containsKey(key) && raw.get(key) == null) {
                used.add(key);
                out.put(key, null);
            } else {
                real(key, def, ok, what);
            }
        }

        /** A non-empty array of layers, each checked and made canonical (kept as JSON objects). */
        void layers(String key) {
            Object v = take(key);
            if (!(v instanceof List<?> l) || l.isEmpty()) throw fail(key, "expected a non-empty array of layers, got " + (v == null ? "nothing" : show(v)));
            List<Map<String, Object>> canon = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                String p = path + "." + key + "[" + i + "]";
                Layer layer;
                try {
                    layer = toLayer(l.get(i));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(p + ": " + e.getMessage(), e);
                }
                canon.add(canonical(layer, p).json());
            }
            out.put(key, canon);
        }

        /** A value already read. */
        Object value(String key) {
            return out.get(key);
        }

        /** Fails with {@code msg} about {@code key} unless {@code ok}. */
        void check(boolean ok, String key, String msg) {
            if (!ok) throw fail(key, msg);
        }

        Map<String, Object> finish(String type) {
            for (String k : raw.keySet()) {
                if (!used.contains(k)) {
                    throw fail(k, "unknown argument for a " + type + " layer; valid: "
                            + (out.isEmpty() ? "none" : String.join(", ", out.keySet())));
                }
            }
            return out;
        }

        /** A whole number as a long, or Long.MIN_VALUE when it is not one. */
        private static long whole(Object v) {
            if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
            if (v instanceof Number n) {
                double d = n.doubleValue();
                if (d == Math.rint(d) && Math.abs(d) < 0x1p53) return (long) d;
            }
            return Long.MIN_VALUE;
        }
    }

    private static String show(Object v) {
        if (v instanceof List<?> l) return l.stream().map(ModelSpec::show).collect(Collectors.joining(",", "[", "]"));
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString(d.longValue());
        try {
            return Json.write(v);
        } catch (IllegalArgumentException e) {
            return String.valueOf(v);
        }
    }

    // ------------------------------------------------------------------------------------------------ the spec

    private final int[] inputShape;
    private final List<Layer> layers;
    private final Map<String, Object> meta;
    private final int[] outputShape;

    /**
     * A spec from its parts, checked: every layer's type and arguments (made canonical), and, when
     * {@code inputShape} is given, the shape reaching each layer.
     *
     * @param inputShape the shape of one example (no batch dimension), or null when unknown
     * @param meta       free-form JSON values (maps, lists, strings, numbers, booleans); may be null
     * @throws IllegalArgumentException naming the path of the first problem, e.g. {@code layers[3].out: …}
     */
    public ModelSpec(int[] inputShape, List<Layer> layers, Map<String, Object> meta) {
        this("model spec", inputShape, layers, meta);
    }

    private ModelSpec(String source, int[] inputShape, List<Layer> layers, Map<String, Object> meta) {
        this(source, inputShape, layers, meta, "the input_shape");
    }

    /** {@code firstInput}: what a shape error at layers[0] names as its input, or null to name nothing (given by the caller). */
    private ModelSpec(String source, int[] inputShape, List<Layer> layers, Map<String, Object> meta, String firstInput) {
        String pre = source + ": ";
        if (inputShape != null) {
            if (inputShape.length == 0) throw new IllegalArgumentException(pre + "input_shape: must have at least one dimension");
            for (int i = 0; i < inputShape.length; i++) {
                if (inputShape[i] < 1) {
                    throw new IllegalArgumentException(pre + "input_shape[" + i + "]: expected a positive integer, got "
                            + inputShape[i]);
                }
            }
        }
        this.inputShape = inputShape == null ? null : inputShape.clone();
        List<Layer> canon = new ArrayList<>(layers.size());
        for (int i = 0; i < layers.size(); i++) {
            try {
                canon.add(canonical(layers.get(i), "layers[" + i + "]"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(pre + e.getMessage(), e);
            }
        }
        this.layers = List.copyOf(canon);
        Map<String, Object> m;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> normal = (Map<String, Object>) Json.parse(Json.write(meta == null ? Map.of() : meta));
            m = normal;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(pre + "meta: not JSON values (" + e.getMessage() + ")", e);
        }
        this.meta = Collections.unmodifiableMap(m);
        this.outputShape = trace(pre, firstInput);
    }

    /** Follows the example shape through the layers, checking each; the output shape, or null when unknown. */
    private int[] trace(String pre, String firstInput) {
        return traceLayers(layers, inputShape, pre, firstInput);
    }

    /**
     * The shape after {@code layers} from {@code in} (null once a layer cannot tell); a layer that does not fit is an
     * error naming it, and what fed it: the previous layer's output or {@code firstInput}.
     */
    private static int[] traceLayers(List<Layer> layers, int[] in, String pre, String firstInput) {
        int[] s = in;
        for (int i = 0; i < layers.size() && s != null; i++) {
            Layer l = layers.get(i);
            try {
                s = KINDS.get(l.type()).shape().apply(l, s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(pre + "layers[" + i + "] (" + l.type() + "): " + e.getMessage()
                        + (i > 0 ? " (the output of layers[" + (i - 1) + "])" : firstInput != null ? " (" + firstInput + ")" : ""), e);
            }
        }
        return s;
    }

    /** The shape of one example (no batch dimension), or null when unknown. */
    public int[] inputShape() {
        return inputShape == null ? null : inputShape.clone();
    }

    /** The shape of one output (no batch dimension), or null when the input shape is unknown. */
    public int[] outputShape() {
        return outputShape == null ? null : outputShape.clone();
    }

    /** The layers, in order. */
    public List<Layer> layers() {
        return layers;
    }

    /** The free-form metadata (JSON values: maps, lists, strings, doubles, booleans). */
    public Map<String, Object> meta() {
        return meta;
    }

    /** This spec with another input shape (null: unknown), checked against the layers. */
    public ModelSpec withInputShape(int... inputShape) {
        // The shape comes from the caller (the data), not from an input_shape the user could edit: name no field.
        return new ModelSpec("model spec", inputShape, layers, meta, null);
    }

    /** This spec with other metadata. */
    public ModelSpec withMeta(Map<String, Object> meta) {
        return new ModelSpec(inputShape, layers, meta);
    }

    // ------------------------------------------------------------------------------------------------ describe, build

    /**
     * Describes a model. Its input shape is known ({@code [in]}) when the first layer is a {@link Linear}; otherwise
     * set it with {@link #withInputShape}.
     *
     * @throws IllegalArgumentException when a layer has a type model files cannot describe, naming it
     */
    public static ModelSpec of(Sequential model) {
        List<Layer> out = new ArrayList<>();
        List<Module> mods = model.layers();
        for (int i = 0; i < mods.size(); i++) out.add(describe(mods.get(i), "layer " + i));
        int[] in = !mods.isEmpty() && mods.get(0) instanceof Linear l ? new int[] {l.inFeatures()} : null;
        return new ModelSpec(in, out, Map.of());
    }

    /**
     * Builds the model: a {@link Sequential} of fresh layers, weights initialised from {@code gen} (PyTorch's
     * default scheme) and dropout drawing from it. Its state-dict names match those of the model described.
     */
    public Sequential build(Generator gen) {
        return build(gen, Init.Scheme.DEFAULT);
    }

    /**
     * The model with every linear weight (also inside residual blocks) initialised by {@code init}
     * ({@link Init.Scheme#ZEROS} when they are loaded next; {@link Init.Scheme#KAIMING_NORMAL} for He init).
     */
    public Sequential build(Generator gen, Init.Scheme init) {
        List<Module> mods = new ArrayList<>(layers.size());
        for (Layer l : layers) mods.add(build(l, gen, init));
        return new Sequential(mods);
    }

    // ------------------------------------------------------------------------------------------------ presets

    /** The preset names, with a few words on each, for help texts and errors. */
    public static final String PRESETS = "linear (no hidden layer), mlp (one hidden layer of 128), mlp:H1,H2,… (hidden "
            + "layers of the given sizes, e.g. mlp:256,128), lenet (LeNet-5: two 5×5 convolutions, images of 12×12 or "
            + "more), cnn-bn (two 3×3 convolutions with batch norm), deep-mlp:DEPTHxWIDTH (DEPTH linear layers, the hidden "
            + "ones WIDTH wide; plain deep-mlp is deep-mlp:20x64; add ,batch-norm and/or ,residual, e.g. deep-mlp:20x64,residual)";

    /**
     * Whether {@code name} has the form of a preset ({@code linear}, {@code mlp}, {@code mlp:H1,…}, {@code lenet},
     * {@code cnn-bn}, {@code deep-mlp[:…]}), whatever its numbers: such a name is a preset, never a file.
     */
    public static boolean isPresetName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return List.of("linear", "mlp", "lenet", "cnn-bn", "deep-mlp").contains(n) || n.startsWith("mlp:") || n.startsWith("deep-mlp:");
    }

    /**
     * A ready-made architecture for examples of shape {@code inputShape} and {@code outputs} outputs (classes, or
     * regression targets):
     * <ul>
     *   <li>{@code linear}: one linear layer (softmax or linear regression);</li>
     *   <li>{@code mlp}: one hidden layer of 128;</li>
     *   <li>{@code mlp:256,128}: hidden layers of the given sizes;</li>
     *   <li>{@code lenet}, LeNet-5 as in PyTorch's tutorials, for images [C, H, W] of at least 12×12:
     *       conv5×5(6, padding 2) → act → maxpool2 → conv5×5(16) → act → maxpool2 → FC120 → act → FC84 → act →
     *       FC{@code outputs};</li>
     *   <li>{@code cnn-bn}, for images [C, H, W] of at least 4×4: conv3×3(32, padding 1, no bias) → batch norm → act →
     *       maxpool2 → conv3×3(64, padding 1, no bias) → batch norm → act → maxpool2 → FC128 → act → dropout →
     *       FC{@code outputs} (the convolutions have no bias because batch norm's shift replaces it).</li>
     *   <li>{@code deep-mlp:DxW} (default {@code deep-mlp} = {@code deep-mlp:20x64}), the vanishing-gradient
     *       experiment: D linear layers in all (D ≥ 2), the hidden ones W wide — linear(in→W) → act, then D − 2 times
     *       linear(W→W) → act, then linear(W→{@code outputs}). Options after a comma:
     *       {@code ,batch-norm} puts a batch norm between each hidden linear layer (then without bias) and its
     *       activation; {@code ,residual} wraps each of the D − 2 middle layers as a residual block
     *       x + act(linear(x)) (its batch norm, dropout, inside). E.g. {@code deep-mlp:20x64,batch-norm,residual}.</li>
     * </ul>
     * For the MLPs each hidden layer is linear, then {@code activation} (relu, leaky_relu, sigmoid, tanh, gelu,
     * identity), then dropout with drop probability {@code dropout} when it is above 0; a flatten comes first when
     * the input has more than one dimension. The output layer is linear, with no activation (losses take logits).
     *
     * @param dropout the drop probability; NaN for the preset's own (0.25 for cnn-bn, 0 for the others)
     */
    public static ModelSpec preset(String name, int[] inputShape, int outputs, String activation, double dropout) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        List<Integer> hidden = new ArrayList<>();
        DeepMlp deep = n.equals("deep-mlp") || n.startsWith("deep-mlp:") ? DeepMlp.parse(name, n) : null;
        if (deep != null) {
            // Its layers are built below, after the checks every preset shares.
        } else if (n.equals("mlp")) {
            hidden.add(128);
        } else if (n.startsWith("mlp:")) {
            for (String part : n.substring(4).split(",", -1)) {
                int h;
                try {
                    h = Integer.parseInt(part.trim());
                } catch (NumberFormatException e) {
                    h = 0;
                }
                if (h < 1) {
                    throw new IllegalArgumentException("preset \"" + name + "\": hidden sizes must be positive integers "
                            + "separated by commas, e.g. mlp:256,128");
                }
                hidden.add(h);
            }
        } else if (!n.equals("linear") && !n.equals("lenet") && !n.equals("cnn-bn")) {
            throw new IllegalArgumentException("unknown preset \"" + name + "\"; valid: " + PRESETS);
        }
        if (inputShape == null || inputShape.length == 0) {
            throw new IllegalArgumentException("preset \"" + name + "\": needs the input shape of one example, got "
                    + (inputShape == null ? "none" : "[]"));
        }
        if (outputs < 1) throw new IllegalArgumentException("preset \"" + name + "\": outputs must be positive, got " + outputs);
        if (Double.isNaN(dropout)) dropout = n.equals("cnn-bn") ? 0.25 : 0;
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("preset \"" + name + "\": dropout is a drop probability in [0, 1), got " + dropout);
        }
        for (int d : inputShape) {
            if (d < 1) throw new IllegalArgumentException("preset \"" + name + "\": input shape " + Shape.str(inputShape)
                    + " has a size below 1");
        }
        Module act = Activation.of(activation);
        Kind actKind = BY_CLASS.get(act.getClass());
        Layer actLayer = new Layer(actKind.type(), actKind.writer().apply(act));
        if (n.equals("lenet") || n.equals("cnn-bn")) return convPreset(name, n, inputShape, outputs, actLayer, dropout);
        List<Layer> layers = new ArrayList<>();
        long features = Shape.numel(inputShape);
        if (features > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("preset \"" + name + "\": input shape " + Shape.str(inputShape)
                    + " has more than 2^31 - 1 features");
        }
        if (inputShape.length > 1) layers.add(Layer.of("flatten"));
        if (deep != null) {
            deep.addLayers(layers, (int) features, outputs, actLayer, dropout);
            return new ModelSpec(inputShape, layers, Map.of());
        }
        for (int h : hidden) {
            layers.add(Layer.of("linear", "in", (int) features, "out", h, "bias", true));
            layers.add(actLayer);
            if (dropout > 0) layers.add(Layer.of("dropout", "p", dropout));
            features = h;
        }
        layers.add(Layer.of("linear", "in", (int) features, "out", outputs, "bias", true));
        return new ModelSpec(inputShape, layers, Map.of());
    }

    /** The {@code deep-mlp} preset's options (see {@link #preset}): DEPTH linear layers of WIDTH, and how they are joined. */
    private record DeepMlp(int depth, int width, boolean batchNorm, boolean residual) {
        static DeepMlp parse(String name, String n) {
            String usage = "; expected deep-mlp:DEPTHxWIDTH with optional ,batch-norm and ,residual, e.g. deep-mlp:20x64,residual";
            if (!n.startsWith("deep-mlp:")) return new DeepMlp(20, 64, false, false);
            String[] parts = n.substring(9).split(",", -1);
            String[] dw = parts[0].trim().split("x", -1);
            int depth, width;
            try {
                if (dw.length != 2) throw new NumberFormatException();
                depth = Integer.parseInt(dw[0].trim());
                width = Integer.parseInt(dw[1].trim());
            } catch (NumberFormatException e) {
                // "deep-mlp:20": the x and the width are missing, not out of range.
                throw new IllegalArgumentException("preset \"" + name + "\": " + (dw.length == 1 && dw[0].trim().matches("\\d+")
                        ? "the xWIDTH is missing" : "DEPTH and WIDTH must be whole numbers") + usage + " (plain deep-mlp is 20x64)");
            }
            if (depth < 2 || width < 1) {
                throw new IllegalArgumentException("preset \"" + name + "\": " + (depth < 2 ? "DEPTH (the number of linear layers) "
                        + "must be at least 2, got " + depth : "WIDTH must be positive, got " + width) + usage);
            }
            boolean bn = false, residual = false;
            for (int i = 1; i < parts.length; i++) {
                switch (parts[i].trim()) {
                    case "batch-norm", "bn" -> bn = true;
                    case "residual" -> residual = true;
                    default -> throw new IllegalArgumentException("preset \"" + name + "\": unknown option \"" + parts[i].trim() + "\"" + usage);
                }
            }
            return new DeepMlp(depth, width, bn, residual);
        }

        /** Appends the hidden blocks (each a residual block after the first, with ,residual) and the output layer. */
        void addLayers(List<Layer> layers, int features, int outputs, Layer actLayer, double dropout) {
            for (int i = 0; i < depth - 1; i++) {
                List<Layer> block = new ArrayList<>();
                block.add(Layer.of("linear", "in", i == 0 ? features : width, "out", width, "bias", !batchNorm));
                if (batchNorm) block.add(Layer.of("batch_norm1d", "num_features", width));
                block.add(actLayer);
                if (dropout > 0) block.add(Layer.of("dropout", "p", dropout));
                if (residual && i > 0) layers.add(Layer.of("residual", "layers", block));
                else layers.addAll(block);
            }
            layers.add(Layer.of("linear", "in", width, "out", outputs, "bias", true));
        }
    }

    private static ModelSpec convPreset(String name, String n, int[] in, int outputs, Layer act, double dropout) {
        boolean lenet = n.equals("lenet");
        int min = lenet ? 12 : 4;
        if (in.length != 3 || in[1] < min || in[2] < min) {
            throw new IllegalArgumentException("preset \"" + name + "\": needs images [channels, height, width] of at least "
                    + min + "×" + min + ", got examples of shape " + Shape.str(in) + "; use mlp"
                    + (lenet && in.length == 3 ? " or cnn-bn" : "") + " for these");
        }
        List<Layer> layers = new ArrayList<>();
        int h = in[1], w = in[2];
        if (lenet) {
            layers.add(Layer.of("conv2d", "in_channels", in[0], "out_channels", 6, "kernel_size", 5, "padding", 2));
            layers.add(act);
            layers.add(Layer.of("max_pool2d", "kernel_size", 2));
            h /= 2;
            w /= 2;
            layers.add(Layer.of("conv2d", "in_channels", 6, "out_channels", 16, "kernel_size", 5));
            layers.add(act);
            layers.add(Layer.of("max_pool2d", "kernel_size", 2));
            h = (h - 4) / 2;
            w = (w - 4) / 2;
            layers.add(Layer.of("flatten"));
            int features = 16 * h * w;
            for (int f : new int[] {120, 84}) {
                layers.add(Layer.of("linear", "in", features, "out", f));
                layers.add(act);
                if (dropout > 0) layers.add(Layer.of("dropout", "p", dropout));
                features = f;
            }
            layers.add(Layer.of("linear", "in", features, "out", outputs));
        } else {
            int c = in[0];
            for (int f : new int[] {32, 64}) {
                layers.add(Layer.of("conv2d", "in_channels", c, "out_channels", f, "kernel_size", 3, "padding", 1, "bias", false));
                layers.add(Layer.of("batch_norm2d", "num_features", f));
                layers.add(act);
                layers.add(Layer.of("max_pool2d", "kernel_size", 2));
                c = f;
                h /= 2;
                w /= 2;
            }
            layers.add(Layer.of("flatten"));
            layers.add(Layer.of("linear", "in", c * h * w, "out", 128));
            layers.add(act);
            if (dropout > 0) layers.add(Layer.of("dropout", "p", dropout));
            layers.add(Layer.of("linear", "in", 128, "out", outputs));
        }
        return new ModelSpec(in, layers, Map.of());
    }

    // ------------------------------------------------------------------------------------------------ JSON

    /** The spec as JSON: one line per layer, metadata indented. */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"format\": ").append(Json.write(FORMAT)).append(",\n");
        sb.append("  \"version\": ").append(VERSION).append(",\n");
        if (inputShape != null) sb.append("  \"input_shape\": ").append(Json.write(inputShape)).append(",\n");
        sb.append("  \"layers\": [");
        for (int i = 0; i < layers.size(); i++) {
            sb.append(i == 0 ? "\n" : ",\n").append("    ").append(Json.write(layers.get(i).json()));
        }
        sb.append(layers.isEmpty() ? "]" : "\n  ]");
        if (!meta.isEmpty()) sb.append(",\n  \"meta\": ").append(Json.writePretty(meta).replace("\n", "\n  "));
        return sb.append("\n}\n").toString();
    }

    /**
     * Reads a spec written by {@link #toJson}.
     *
     * @throws IllegalArgumentException of one line naming the JSON path, e.g.
     *                                  {@code model spec: layers[3].out: expected a positive integer, got -1}
     */
    public static ModelSpec parse(String json) {
        return parse(json, "model spec");
    }

    /** {@link #parse(String)} with errors prefixed by {@code source} (a file name). */
    static ModelSpec parse(String json, String source) {
        String pre = source + ": ";
        Object root;
        try {
            root = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(pre + "not valid JSON: " + e.getMessage().replaceFirst("^JSON: ", ""), e);
        }
        if (!(root instanceof Map<?, ?> top)) throw new IllegalArgumentException(pre + "expected a JSON object");
        Set<String> known = Set.of("format", "version", "input_shape", "layers", "meta");
        for (Object k : top.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException(pre + k + ": unknown key; valid: format, version, input_shape, layers, meta");
            }
        }
        Object format = top.get("format");
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException(pre + "format: expected \"" + FORMAT + "\", got "
                    + (format == null ? "nothing" : show(format)) + " (is this a backprop model file?)");
        }
        long version = Args.whole(top.get("version") == null ? "" : top.get("version"));
        if (version < 1) throw new IllegalArgumentException(pre + "version: expected a positive integer, got " + show(top.get("version")));
        if (version > VERSION) {
            throw new IllegalArgumentException(pre + "version: " + version + " is newer than this backprop reads (" + VERSION
                    + "); upgrade backprop");
        }
        int[] inputShape = null;
        Object is = top.get("input_shape");
        if (is != null) {
            if (!(is instanceof List<?> l)) throw new IllegalArgumentException(pre + "input_shape: expected an array of sizes, got " + show(is));
            inputShape = new int[l.size()];
            for (int i = 0; i < l.size(); i++) {
                long d = Args.whole(l.get(i));
                if (d < 1 || d > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException(pre + "input_shape[" + i + "]: expected a positive integer, got " + show(l.get(i)));
                }
                inputShape[i] = (int) d;
            }
        }
        if (!(top.get("layers") instanceof List<?> ls)) {
            throw new IllegalArgumentException(pre + "layers: expected an array of layers, got "
                    + (top.get("layers") == null ? "nothing" : show(top.get("layers"))));
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < ls.size(); i++) {
            String path = "layers[" + i + "]";
            if (!(ls.get(i) instanceof Map<?, ?> lm)) {
                throw new IllegalArgumentException(pre + path + ": expected an object with a \"type\", got " + show(ls.get(i)));
            }
            if (!(lm.get("type") instanceof String type)) {
                throw new IllegalArgumentException(pre + path + ".type: expected a layer type (" + String.join(", ", KINDS.keySet())
                        + "), got " + (lm.get("type") == null ? "nothing" : show(lm.get("type"))));
            }
            Map<String, Object> args = new LinkedHashMap<>();
            for (var e : lm.entrySet()) if (!e.getKey().equals("type")) args.put((String) e.getKey(), e.getValue());
            layers.add(new Layer(type, args));
        }
        Object meta = top.get("meta");
        if (meta != null && !(meta instanceof Map)) throw new IllegalArgumentException(pre + "meta: expected an object, got " + show(meta));
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) meta;
        return new ModelSpec(source, inputShape, layers, m);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec s && Arrays.equals(inputShape, s.inputShape) && layers.equals(s.layers)
                && meta.equals(s.meta);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(inputShape), layers, meta);
    }

    @Override
    public String toString() {
        return toJson();
    }
}
