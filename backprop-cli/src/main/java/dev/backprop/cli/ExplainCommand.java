package dev.backprop.cli;

import dev.backprop.Generator;
import dev.backprop.Tensor;
import dev.backprop.io.Json;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.backprop.cli.Options.Opt;

/**
 * {@code backprop explain xor}: the classic 2-2-1 sigmoid network trained on XOR with full-batch gradient descent,
 * and one chosen step shown factor by factor — every forward value, the loss, every factor of the chain rule going
 * backward, each gradient and each update — beside the formula it came from, so a reader can redo it by hand.
 *
 * <p>The network: h = σ(W1·x + b1) with W1 2×2, b1 2; ŷ = σ(W2·h + b2) with W2 1×2, b2 1. The loss is PyTorch's
 * {@code MSELoss} over the four points, L = (1/4)·Σₙ (ŷₙ − yₙ)². The factors, per point n:
 * <pre>
 *   ∂L/∂ŷₙ   = 2(ŷₙ − yₙ)/4
 *   δ2ₙ      = ∂L/∂z2ₙ = ∂L/∂ŷₙ · ŷₙ(1 − ŷₙ)                 (σ'(z) = σ(z)(1 − σ(z)))
 *   ∂L/∂W2ⱼ  = Σₙ δ2ₙ·hₙⱼ        ∂L/∂b2 = Σₙ δ2ₙ
 *   δ1ₙⱼ     = δ2ₙ·W2ⱼ · hₙⱼ(1 − hₙⱼ)
 *   ∂L/∂W1ⱼₖ = Σₙ δ1ₙⱼ·xₙₖ       ∂L/∂b1ⱼ = Σₙ δ1ₙⱼ
 *   W ← W − η·∂L/∂W               (every weight and bias)
 * </pre>
 * The factors are computed by hand here, in plain double arithmetic, and the command checks them against
 * backprop's own autograd on the same numbers (float64), printing the largest difference.
 */
final class ExplainCommand implements Main.Command {
    static final List<Opt> OPTIONS = List.of(
            Opt.value("step", "N", "the gradient-descent step to show, 1 = the first, up to 1,000,000", "1"),
            Opt.value("lr", "X", "learning rate η", "1.0"),
            Opt.value("seed", "N", "seed of the initial weights (U(±1/√2), PyTorch's default for 2 inputs)", "1"),
            Opt.flag("json", "print one JSON object with every number as the last line"),
            Opt.flag("verbose", "stack traces on errors"),
            Opt.flag("help", "show this help"));

    static final double[][] X = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    static final double[] Y = {0, 1, 1, 0};

    @Override
    public String name() {
        return "explain";
    }

    @Override
    public String summary() {
        return "show backpropagation step by step (explain xor)";
    }

    /** The weights: W1[j][k], b1[j], W2[j], b2. */
    record Weights(double[][] w1, double[] b1, double[] w2, double b2) {
        static Weights init(long seed) {
            Generator g = new Generator(seed);
            double bound = 1 / Math.sqrt(2);
            double[][] w1 = new double[2][2];
            double[] b1 = new double[2], w2 = new double[2];
            for (double[] row : w1) for (int k = 0; k < 2; k++) row[k] = uniform(g, bound);
            for (int j = 0; j < 2; j++) b1[j] = uniform(g, bound);
            for (int j = 0; j < 2; j++) w2[j] = uniform(g, bound);
            return new Weights(w1, b1, w2, uniform(g, bound));
        }

        private static double uniform(Generator g, double bound) {
            return (2 * g.nextDouble() - 1) * bound;
        }
    }

    /** Everything about one step: the forward values, the loss, the chain-rule factors, gradients and new weights. */
    record Step(int step, double lr, Weights before, double[][] z1, double[][] h, double[] z2, double[] yHat, double loss,
                double[] dLdyHat, double[] delta2, double[] gradW2, double gradB2, double[][] delta1, double[][] gradW1,
                double[] gradB1, Weights after) {}

    /** One full-batch step of gradient descent from {@code w}, every factor kept. */
    static Step step(int n, Weights w, double lr) {
        int m = X.length;
        double[][] z1 = new double[m][2], h = new double[m][2], delta1 = new double[m][2];
        double[] z2 = new double[m], yHat = new double[m], dLdyHat = new double[m], delta2 = new double[m];
        double loss = 0;
        for (int p = 0; p < m; p++) {
            for (int j = 0; j < 2; j++) {
                z1[p][j] = w.w1()[j][0] * X[p][0] + w.w1()[j][1] * X[p][1] + w.b1()[j];
                h[p][j] = sigmoid(z1[p][j]);
            }
            z2[p] = w.w2()[0] * h[p][0] + w.w2()[1] * h[p][1] + w.b2();
            yHat[p] = sigmoid(z2[p]);
            loss += (yHat[p] - Y[p]) * (yHat[p] - Y[p]) / m;
            dLdyHat[p] = 2 * (yHat[p] - Y[p]) / m;
            delta2[p] = dLdyHat[p] * yHat[p] * (1 - yHat[p]);
            for (int j = 0; j < 2; j++) delta1[p][j] = delta2[p] * w.w2()[j] * h[p][j] * (1 - h[p][j]);
        }
        double[] gradW2 = new double[2], gradB1 = new double[2];
        double[][] gradW1 = new double[2][2];
        double gradB2 = 0;
        for (int p = 0; p < m; p++) {
            gradB2 += delta2[p];
            for (int j = 0; j < 2; j++) {
                gradW2[j] += delta2[p] * h[p][j];
                gradB1[j] += delta1[p][j];
                for (int k = 0; k < 2; k++) gradW1[j][k] += delta1[p][j] * X[p][k];
            }
        }
        double[][] w1 = new double[2][2];
        double[] b1 = new double[2], w2 = new double[2];
        for (int j = 0; j < 2; j++) {
            for (int k = 0; k < 2; k++) w1[j][k] = w.w1()[j][k] - lr * gradW1[j][k];
            b1[j] = w.b1()[j] - lr * gradB1[j];
            w2[j] = w.w2()[j] - lr * gradW2[j];
        }
        return new Step(n, lr, w, z1, h, z2, yHat, loss, dLdyHat, delta2, gradW2, gradB2, delta1, gradW1, gradB1,
                new Weights(w1, b1, w2, w.b2() - lr * gradB2));
    }

    /** The step {@code n} (1-based) of training from the seeded weights. */
    static Step run(int n, double lr, long seed) {
        Weights w = Weights.init(seed);
        Step s = null;
        for (int i = 1; i <= n; i++) {
            s = step(i, w, lr);
            w = s.after();
        }
        return s;
    }

    private static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    /** The largest difference between the hand-computed gradients and backprop's autograd on the same weights. */
    static double autogradDifference(Step s) {
        Weights w = s.before();
        Tensor x = Tensor.of(new double[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2);
        Tensor y = Tensor.of(Y.clone(), 4, 1);
        Tensor w1 = Tensor.of(new double[] {w.w1()[0][0], w.w1()[0][1], w.w1()[1][0], w.w1()[1][1]}, 2, 2).requiresGrad(true);
        Tensor b1 = Tensor.of(w.b1().clone(), 2).requiresGrad(true);
        Tensor w2 = Tensor.of(w.w2().clone(), 1, 2).requiresGrad(true);
        Tensor b2 = Tensor.of(new double[] {w.b2()}, 1).requiresGrad(true);
        Tensor h = x.matmul(w1.t()).add(b1).sigmoid();
        Tensor out = h.matmul(w2.t()).add(b2).sigmoid();
        Tensor loss = out.sub(y).square().mean();
        loss.backward();
        double d = Math.abs(loss.item() - s.loss());
        double[] g1 = w1.grad().toDoubleArray(), gb1 = b1.grad().toDoubleArray(), g2 = w2.grad().toDoubleArray();
        for (int j = 0; j < 2; j++) {
            for (int k = 0; k < 2; k++) d = Math.max(d, Math.abs(g1[2 * j + k] - s.gradW1()[j][k]));
            d = Math.max(d, Math.abs(gb1[j] - s.gradB1()[j]));
            d = Math.max(d, Math.abs(g2[j] - s.gradW2()[j]));
        }
        return Math.max(d, Math.abs(b2.grad().item() - s.gradB2()));
    }

    @Override
    public int run(String[] args, PrintStream out) {
        Options o = Options.parse("explain", OPTIONS, args);
        if (o.has("help")) {
            out.print(Options.help("backprop explain xor [options]", "Trains the classic 2-2-1 sigmoid network on XOR "
                    + "(full batch, MSE, gradient descent) and prints one step\nfactor by factor: the forward values, the "
                    + "loss, each factor of the chain rule, each gradient and update,\nbeside its formula. The numbers "
                    + "are checked against backprop's autograd.\nWhat the article's listing and derivative table got wrong, "
                    + "and the working NumPy version:\ndocs/article-errata.md", OPTIONS));
            return 0;
        }
        if (o.positional().isEmpty()) throw new UserError("explain: give the network to explain: xor (backprop explain xor --step 1)");
        if (!o.positional().getFirst().equalsIgnoreCase("xor")) {
            throw new UserError("explain: unknown network '" + o.positional().getFirst() + "' (the one there is: xor)");
        }
        if (o.positional().size() > 1) throw new UserError("explain: unexpected argument '" + o.positional().get(1) + "'");
        int step = o.intValue("step", 1, 1, 1_000_000);
        double lr = o.doubleValue("lr", 1.0);
        if (!(lr > 0)) throw new UserError("explain: --lr must be a positive number, got " + o.get("lr"));
        Step s = run(step, lr, o.longValue("seed", 1));
        double diff = autogradDifference(s);
        PrintStream info = o.has("json") ? System.err : out;
        info.print(text(s, diff));
        if (o.has("json")) out.println(Json.write(json(s, diff)));
        return 0;
    }

    /**
     * A number to six decimals, as a reader redoes it by hand; scientific with seven significant digits below 1e-4 or
     * from 1e6 on, where six decimals would print a gradient that has vanished as +0.000000 or a diverged weight as
     * hundreds of digits.
     */
    static String f(double v) {
        // -0.0 (a product that underflowed with a negative sign) prints as +0.000000 like +0.0: the sign of a zero
        // means nothing to a reader redoing the step by hand.
        if (v == 0) v = 0.0;
        double a = Math.abs(v);
        boolean sci = Double.isFinite(v) && v != 0 && (a < 1e-4 || a >= 1e6);
        return String.format(Locale.ROOT, sci ? "%+.6e" : "%+.6f", v);
    }

    /** The learning rate as given (1.0, 0.5), without Java's E notation for very large or small ones (1e308, 1e-5). */
    static String eta(double lr) {
        return Double.toString(lr).replace("E", "e").replace(".0e", "e");
    }

    static String text(Step s, double diff) {
        StringBuilder b = new StringBuilder();
        Weights w = s.before();
        b.append(String.format(Locale.ROOT, "XOR, network 2-2-1, sigmoid everywhere, L = (1/4)·Σ(ŷ − y)², gradient descent "
                + "η = %s; step %d%n%n", eta(s.lr()), s.step()));
        b.append("weights before the step\n");
        for (int j = 0; j < 2; j++) {
            b.append(String.format(Locale.ROOT, "  W1[%d] = [%s, %s]   b1[%d] = %s%n", j, f(w.w1()[j][0]), f(w.w1()[j][1]), j, f(w.b1()[j])));
        }
        b.append(String.format(Locale.ROOT, "  W2    = [%s, %s]   b2    = %s%n%n", f(w.w2()[0]), f(w.w2()[1]), f(w.b2())));
        b.append("forward, per point: z1 = W1·x + b1, h = σ(z1), z2 = W2·h + b2, ŷ = σ(z2)\n");
        for (int p = 0; p < X.length; p++) {
            b.append(String.format(Locale.ROOT, "  x = (%.0f, %.0f), y = %.0f:  z1 = [%s, %s]  h = [%s, %s]  z2 = %s  ŷ = %s%n",
                    X[p][0], X[p][1], Y[p], f(s.z1()[p][0]), f(s.z1()[p][1]), f(s.h()[p][0]), f(s.h()[p][1]), f(s.z2()[p]),
                    f(s.yHat()[p])));
        }
        b.append(String.format(Locale.ROOT, "loss L = (1/4)·Σ(ŷ − y)² = %s%n%n", f(s.loss())));
        b.append("backward, per point (the chain rule, one factor at a time)\n");
        for (int p = 0; p < X.length; p++) {
            b.append(String.format(Locale.ROOT, "  x = (%.0f, %.0f):  ∂L/∂ŷ = 2(ŷ − y)/4 = %s;  δ2 = ∂L/∂ŷ·ŷ(1 − ŷ) = %s;  "
                    + "δ1[j] = δ2·W2[j]·h[j](1 − h[j]) = [%s, %s]%n", X[p][0], X[p][1], f(s.dLdyHat()[p]), f(s.delta2()[p]),
                    f(s.delta1()[p][0]), f(s.delta1()[p][1])));
        }
        b.append("\ngradients (summed over the four points) and updates W ← W − η·∂L/∂W\n");
        for (int j = 0; j < 2; j++) {
            b.append(String.format(Locale.ROOT, "  ∂L/∂W2[%d] = Σ δ2·h[%d]      = %s   W2[%d]: %s → %s%n", j, j, f(s.gradW2()[j]), j,
                    f(w.w2()[j]), f(s.after().w2()[j])));
        }
        b.append(String.format(Locale.ROOT, "  ∂L/∂b2    = Σ δ2           = %s   b2:    %s → %s%n", f(s.gradB2()), f(w.b2()),
                f(s.after().b2())));
        for (int j = 0; j < 2; j++) {
            for (int k = 0; k < 2; k++) {
                b.append(String.format(Locale.ROOT, "  ∂L/∂W1[%d][%d] = Σ δ1[%d]·x[%d] = %s   W1[%d][%d]: %s → %s%n", j, k, j, k,
                        f(s.gradW1()[j][k]), j, k, f(w.w1()[j][k]), f(s.after().w1()[j][k])));
            }
            b.append(String.format(Locale.ROOT, "  ∂L/∂b1[%d] = Σ δ1[%d]        = %s   b1[%d]: %s → %s%n", j, j, f(s.gradB1()[j]), j,
                    f(w.b1()[j]), f(s.after().b1()[j])));
        }
        b.append(String.format(Locale.ROOT, "%nbackprop's autograd on the same weights: largest difference from the factors "
                + "above %.1e%n", diff));
        return b.toString();
    }

    static Map<String, Object> json(Step s, double diff) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("network", "xor 2-2-1 sigmoid, mse");
        r.put("step", s.step());
        r.put("lr", s.lr());
        r.put("weights_before", weights(s.before()));
        List<Object> points = new ArrayList<>();
        for (int p = 0; p < X.length; p++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("x", X[p]);
            m.put("y", Y[p]);
            m.put("z1", s.z1()[p]);
            m.put("h", s.h()[p]);
            m.put("z2", s.z2()[p]);
            m.put("y_hat", s.yHat()[p]);
            m.put("dL_dy_hat", s.dLdyHat()[p]);
            m.put("delta2", s.delta2()[p]);
            m.put("delta1", s.delta1()[p]);
            points.add(m);
        }
        r.put("points", points);
        r.put("loss", s.loss());
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("W1", List.of(s.gradW1()));   // rows: JSON writes each double[] as an array
        g.put("b1", s.gradB1());
        g.put("W2", s.gradW2());
        g.put("b2", s.gradB2());
        r.put("gradients", g);
        r.put("weights_after", weights(s.after()));
        r.put("autograd_max_difference", diff);
        return r;
    }

    private static Map<String, Object> weights(Weights w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("W1", List.of(w.w1()));
        m.put("b1", w.b1());
        m.put("W2", w.w2());
        m.put("b2", w.b2());
        return m;
    }
}
