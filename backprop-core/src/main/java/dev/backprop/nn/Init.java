package dev.backprop.nn;

import dev.backprop.Generator;
import dev.backprop.GradMode;
import dev.backprop.Tensor;

import java.util.Locale;

/**
 * Weight initialisation, in place, with PyTorch's formulas ({@code torch.nn.init}). fan_in and fan_out of a
 * weight of shape (out, in, k…) are in·k… and out·k….
 *
 * <ul>
 *   <li>uniform U(a, b), normal N(mean, std²), constant, zeros;</li>
 *   <li>Xavier/Glorot: uniform bound gain·√(6/(fan_in + fan_out)), normal std gain·√(2/(fan_in + fan_out));</li>
 *   <li>He/Kaiming: std = gain/√fan, gain = √2 for ReLU; uniform bound √3·std.</li>
 * </ul>
 * Every function takes the generator to draw from; the default one is {@link Generator#defaultGenerator()}.
 */
public final class Init {
    private Init() {}

    /** The named schemes a layer can be built with. */
    public enum Scheme {
        /** PyTorch's Linear/Conv default: U(−1/√fan_in, 1/√fan_in) for weights and biases (the classic choice). */
        DEFAULT,
        XAVIER_UNIFORM, XAVIER_NORMAL, KAIMING_UNIFORM, KAIMING_NORMAL, ZEROS;

        /** Parses "xavier-uniform", "kaiming_normal", "he", "glorot", ... */
        public static Scheme parse(String s) {
            String k = s.toLowerCase(Locale.ROOT).replace('-', '_');
            return switch (k) {
                case "default", "uniform", "classic" -> DEFAULT;
                case "xavier", "glorot", "xavier_uniform", "glorot_uniform" -> XAVIER_UNIFORM;
                case "xavier_normal", "glorot_normal" -> XAVIER_NORMAL;
                case "he", "kaiming", "kaiming_uniform", "he_uniform" -> KAIMING_UNIFORM;
                case "kaiming_normal", "he_normal" -> KAIMING_NORMAL;
                case "zeros", "zero" -> ZEROS;
                default -> throw new IllegalArgumentException("unknown init \"" + s + "\"; valid: default, xavier-uniform, "
                        + "xavier-normal, kaiming-uniform, kaiming-normal, zeros");
            };
        }
    }

    /** fan_in and fan_out of a weight shaped (out, in, k…). */
    public static int[] fans(Tensor w) {
        int[] s = w.shape();
        if (s.length < 2) throw new IllegalArgumentException("fan in/out need a weight with at least 2 dimensions, got " + s.length);
        int receptive = 1;
        for (int i = 2; i < s.length; i++) receptive *= s[i];
        return new int[] {s[1] * receptive, s[0] * receptive};
    }

    private static Tensor fill(Tensor t, java.util.function.DoubleSupplier draw) {
        double[] v = new double[(int) t.numel()];
        for (int i = 0; i < v.length; i++) v[i] = draw.getAsDouble();
        try (var s = GradMode.noGrad()) {
            t.copy_(Tensor.of(v, t.dim() == 0 ? new int[] {1} : t.shape()).reshape(t.shape()));
        }
        return t;
    }

    /** U(a, b) in place. */
    public static Tensor uniform_(Tensor t, double a, double b, Generator g) {
        return fill(t, () -> a + (b - a) * g.nextDouble());
    }

    /** N(mean, std²) in place. */
    public static Tensor normal_(Tensor t, double mean, double std, Generator g) {
        return fill(t, () -> mean + std * g.nextGaussian());
    }

    /** A constant in place. */
    public static Tensor constant_(Tensor t, double value) {
        try (var s = GradMode.noGrad()) {
            return t.fill_(value);
        }
    }

    /** Zeros in place. */
    public static Tensor zeros_(Tensor t) {
        return constant_(t, 0);
    }

    /** Xavier/Glorot uniform: U(−a, a), a = gain·√(6/(fan_in + fan_out)). */
    public static Tensor xavierUniform_(Tensor t, double gain, Generator g) {
        int[] f = fans(t);
        double a = gain * Math.sqrt(6.0 / (f[0] + f[1]));
        return uniform_(t, -a, a, g);
    }

    /** Xavier/Glorot normal: N(0, std²), std = gain·√(2/(fan_in + fan_out)). */
    public static Tensor xavierNormal_(Tensor t, double gain, Generator g) {
        int[] f = fans(t);
        return normal_(t, 0, gain * Math.sqrt(2.0 / (f[0] + f[1])), g);
    }

    /** The gain PyTorch recommends for a nonlinearity: √2 for relu, 5/3 for tanh, √(2/(1+a²)) for leaky relu. */
    public static double gain(String nonlinearity, double negativeSlope) {
        return switch (nonlinearity) {
            case "linear", "sigmoid", "identity" -> 1;
            case "tanh" -> 5.0 / 3;
            case "relu" -> Math.sqrt(2);
            case "leaky_relu" -> Math.sqrt(2 / (1 + negativeSlope * negativeSlope));
            case "selu" -> 0.75;
            default -> throw new IllegalArgumentException("unknown nonlinearity " + nonlinearity);
        };
    }

    /** He/Kaiming uniform over fan_in (or fan_out): U(−b, b), b = gain·√(3/fan). */
    public static Tensor kaimingUniform_(Tensor t, double a, boolean fanOut, String nonlinearity, Generator g) {
        int[] f = fans(t);
        double std = gain(nonlinearity, a) / Math.sqrt(fanOut ? f[1] : f[0]);
        double bound = Math.sqrt(3) * std;
        return uniform_(t, -bound, bound, g);
    }

    /** He/Kaiming normal over fan_in (or fan_out): N(0, std²), std = gain/√fan. */
    public static Tensor kaimingNormal_(Tensor t, double a, boolean fanOut, String nonlinearity, Generator g) {
        int[] f = fans(t);
        return normal_(t, 0, gain(nonlinearity, a) / Math.sqrt(fanOut ? f[1] : f[0]), g);
    }

    /** Initialises a layer's weight (and bias, may be null) by scheme; biases are U(±1/√fan_in) or zeros. */
    public static void apply(Scheme scheme, Tensor weight, Tensor bias, Generator g) {
        int fanIn = fans(weight)[0];
        double bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
        switch (scheme) {
            // PyTorch: kaiming_uniform(a=√5) on the weight, which is exactly U(±1/√fan_in).
            case DEFAULT -> uniform_(weight, -bound, bound, g);
            case XAVIER_UNIFORM -> xavierUniform_(weight, 1, g);
            case XAVIER_NORMAL -> xavierNormal_(weight, 1, g);
            case KAIMING_UNIFORM -> kaimingUniform_(weight, 0, false, "relu", g);
            case KAIMING_NORMAL -> kaimingNormal_(weight, 0, false, "relu", g);
            case ZEROS -> zeros_(weight);
        }
        if (bias != null) {
            if (scheme == Scheme.DEFAULT) uniform_(bias, -bound, bound, g);
            else zeros_(bias);
        }
    }
}
