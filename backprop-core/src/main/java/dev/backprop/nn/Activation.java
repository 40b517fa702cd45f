package dev.backprop.nn;

import dev.backprop.Tensor;

import java.util.Locale;

/** Parameter-free activation layers, by PyTorch's names. */
public final class Activation {
    private Activation() {}

    /** max(x, 0). */
    public static final class ReLU extends Module {
        public Tensor forward(Tensor x) { return x.relu(); }
    }

    /** x for x &gt; 0, slope·x otherwise (default slope 0.01). */
    public static final class LeakyReLU extends Module {
        private final double slope;
        public LeakyReLU() { this(0.01); }
        public LeakyReLU(double slope) { this.slope = slope; }
        /** The slope for negative inputs. */
        public double slope() { return slope; }
        public Tensor forward(Tensor x) { return x.leakyRelu(slope); }
        public String describe() { return "LeakyReLU(" + slope + ")"; }
    }

    /** σ(x) = 1/(1 + e^(−x)). */
    public static final class Sigmoid extends Module {
        public Tensor forward(Tensor x) { return x.sigmoid(); }
    }

    /** tanh(x). */
    public static final class Tanh extends Module {
        public Tensor forward(Tensor x) { return x.tanh(); }
    }

    /** GELU (exact, erf form). */
    public static final class GELU extends Module {
        public Tensor forward(Tensor x) { return x.gelu(); }
    }

    /** softmax over a dimension (default the last). */
    public static final class Softmax extends Module {
        private final int dim;
        public Softmax() { this(-1); }
        public Softmax(int dim) { this.dim = dim; }
        /** The dimension normalised over. */
        public int dim() { return dim; }
        public Tensor forward(Tensor x) { return x.softmax(dim); }
        public String describe() { return "Softmax(dim=" + dim + ")"; }
    }

    /** log-softmax over a dimension (default the last). */
    public static final class LogSoftmax extends Module {
        private final int dim;
        public LogSoftmax() { this(-1); }
        public LogSoftmax(int dim) { this.dim = dim; }
        /** The dimension normalised over. */
        public int dim() { return dim; }
        public Tensor forward(Tensor x) { return x.logSoftmax(dim); }
        public String describe() { return "LogSoftmax(dim=" + dim + ")"; }
    }

    /** The input unchanged. */
    public static final class Identity extends Module {
        public Tensor forward(Tensor x) { return x; }
    }

    /** The activation layer for a name: relu, leaky-relu, sigmoid, tanh, gelu, identity. */
    public static Module of(String name) {
        return switch (name.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "relu" -> new ReLU();
            case "leaky-relu", "leakyrelu" -> new LeakyReLU();
            case "sigmoid" -> new Sigmoid();
            case "tanh" -> new Tanh();
            case "gelu" -> new GELU();
            case "identity", "linear", "none" -> new Identity();
            default -> throw new IllegalArgumentException("unknown activation \"" + name
                    + "\"; valid: relu, leaky-relu, sigmoid, tanh, gelu, identity");
        };
    }
}
