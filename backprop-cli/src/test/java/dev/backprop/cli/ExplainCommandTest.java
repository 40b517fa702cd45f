package dev.backprop.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code backprop explain xor}: its numbers against an independent computation, and its command line. */
class ExplainCommandTest {
    static final double[][] X = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    static final double[] Y = {0, 1, 1, 0};

    /** The loss written out on its own, from the nine numbers θ = (W1₀₀, W1₀₁, W1₁₀, W1₁₁, b1₀, b1₁, W2₀, W2₁, b2). */
    static double loss(double[] t) {
        double sum = 0;
        for (int p = 0; p < 4; p++) {
            double h0 = 1 / (1 + Math.exp(-(t[0] * X[p][0] + t[1] * X[p][1] + t[4])));
            double h1 = 1 / (1 + Math.exp(-(t[2] * X[p][0] + t[3] * X[p][1] + t[5])));
            double out = 1 / (1 + Math.exp(-(t[6] * h0 + t[7] * h1 + t[8])));
            sum += (out - Y[p]) * (out - Y[p]);
        }
        return sum / 4;
    }

    static double[] theta(ExplainCommand.Weights w) {
        return new double[] {w.w1()[0][0], w.w1()[0][1], w.w1()[1][0], w.w1()[1][1], w.b1()[0], w.b1()[1], w.w2()[0], w.w2()[1], w.b2()};
    }

    @Test
    void theFactorsAgreeWithAHandComputationAndWithCentralDifferences() {
        ExplainCommand.Weights w = new ExplainCommand.Weights(new double[][] {{0.5, -0.25}, {0.75, 1.0}}, new double[] {0.1, -0.2},
                new double[] {1.5, -2.0}, 0.3);
        ExplainCommand.Step s = ExplainCommand.step(1, w, 0.5);
        double[] t = theta(w);
        assertEquals(loss(t), s.loss(), 1e-15);
        // By hand for the point (0, 0): z1 = b1, so h = σ(0.1), σ(−0.2); z2 = 1.5·h0 − 2·h1 + 0.3.
        double h0 = 1 / (1 + Math.exp(-0.1)), h1 = 1 / (1 + Math.exp(0.2));
        double yHat = 1 / (1 + Math.exp(-(1.5 * h0 - 2 * h1 + 0.3)));
        assertEquals(0.1, s.z1()[0][0], 0);
        assertEquals(yHat, s.yHat()[0], 1e-15);
        double delta2 = 2 * (yHat - 0) / 4 * yHat * (1 - yHat);
        assertEquals(delta2, s.delta2()[0], 1e-15);
        assertEquals(delta2 * -2.0 * h1 * (1 - h1), s.delta1()[0][1], 1e-15);
        // Every gradient against central differences of the loss above (nothing shared with the command's code).
        double[] grad = {s.gradW1()[0][0], s.gradW1()[0][1], s.gradW1()[1][0], s.gradW1()[1][1], s.gradB1()[0], s.gradB1()[1],
                s.gradW2()[0], s.gradW2()[1], s.gradB2()};
        for (int i = 0; i < 9; i++) {
            double[] up = t.clone(), down = t.clone();
            up[i] += 1e-6;
            down[i] -= 1e-6;
            assertEquals((loss(up) - loss(down)) / 2e-6, grad[i], 1e-9, "parameter " + i);
        }
        // The update is θ − η·∇L.
        double[] after = theta(s.after());
        for (int i = 0; i < 9; i++) assertEquals(t[i] - 0.5 * grad[i], after[i], 1e-15, "parameter " + i);
        assertTrue(ExplainCommand.autogradDifference(s) < 1e-15, "backprop's autograd gives the same gradients");
    }

    @Test
    void laterStepsContinueFromTheUpdatedWeightsAndTheLossFalls() {
        ExplainCommand.Step first = ExplainCommand.run(1, 1.0, 1), second = ExplainCommand.run(2, 1.0, 1);
        assertEquals(theta(first.after())[8], theta(second.before())[8], 0);
        assertTrue(ExplainCommand.run(3000, 1.0, 1).loss() < first.loss() / 5, "training lowers the loss");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theCommandPrintsEveryFactorAndJson() {
        MainTest.Run r = MainTest.run("explain", "xor", "--step", "3", "--json");
        assertEquals(0, r.status(), r.err());
        for (String s : List.of("δ2 = ∂L/∂ŷ·ŷ(1 − ŷ)", "δ1[j] = δ2·W2[j]·h[j](1 − h[j])", "∂L/∂W1[1][0] = Σ δ1[1]·x[0]", "step 3",
                "autograd")) {
            assertTrue(r.err().contains(s), s + " in:\n" + r.err());
        }
        Map<String, Object> j = r.json();
        assertEquals(3.0, ((Number) j.get("step")).doubleValue());
        assertEquals(4, ((List<Object>) j.get("points")).size());
        assertTrue(((Number) j.get("autograd_max_difference")).doubleValue() < 1e-12);
        assertEquals(ExplainCommand.run(3, 1.0, 1).loss(), ((Number) j.get("loss")).doubleValue(), 1e-15);
        String help = MainTest.run("explain", "--help").out();
        assertTrue(help.contains("--step"));
        assertTrue(help.contains("docs/article-errata.md"));
        assertTrue(java.nio.file.Files.exists(java.nio.file.Path.of("../docs/article-errata.md")), "the page explain links to exists");
        AugmentCommandTest.oneLineError("give the network to explain: xor", "explain");
        AugmentCommandTest.oneLineError("explain: unknown network 'and' (the one there is: xor)", "explain", "and");
        AugmentCommandTest.oneLineError("explain: unexpected argument 'extra'", "explain", "xor", "extra");
        AugmentCommandTest.oneLineError("--step must be between 1", "explain", "xor", "--step", "0");
        AugmentCommandTest.oneLineError("--lr must be a positive number", "explain", "xor", "--lr", "-1");
    }

    /**
     * Ordinary values keep six decimals (the docs quote them); a gradient that has all but vanished and a weight that
     * has diverged switch to scientific notation instead of printing +0.000000 or hundreds of digits.
     */
    @Test
    void extremeNumbersPrintInScientificNotation() {
        assertEquals("+0.123457", ExplainCommand.f(0.1234567));
        assertEquals("-12.500000", ExplainCommand.f(-12.5));
        assertEquals("+0.000000", ExplainCommand.f(0));
        assertEquals("+1.234568e-07", ExplainCommand.f(1.2345678e-7));
        assertEquals("-1.000000e+308", ExplainCommand.f(-1e308));
        assertEquals("1.0", ExplainCommand.eta(1.0));
        assertEquals("1e308", ExplainCommand.eta(1e308));
        assertEquals("2.5e-5", ExplainCommand.eta(2.5e-5));
        MainTest.Run huge = MainTest.run("explain", "xor", "--lr", "1e308", "--step", "3");
        assertEquals(0, huge.status(), huge.err());
        assertTrue(huge.out().contains("η = 1e308; step 3"), huge.out());
        assertTrue(huge.out().lines().allMatch(l -> l.length() < 250), "no line of hundreds of digits:\n" + huge.out());
        MainTest.Run late = MainTest.run("explain", "xor", "--step", "1000000");
        assertEquals(0, late.status(), late.err());
        String grads = late.out().substring(late.out().indexOf("gradients (summed"));
        assertFalse(grads.contains("= +0.000000 ") || grads.contains("= -0.000000 "), "gradients print their digits:\n" + grads);
        assertTrue(MainTest.run("explain", "--help").out().contains("up to 1,000,000"), "the help states the --step limit");
    }

    /**
     * docs/article-errata.md quotes explain's output for step 1 and step 10,000 and says the NumPy listing agrees with
     * it: every quoted line must still be what the command prints, so the page cannot drift from the code.
     */
    @Test
    void theErrataPageQuotesTheRealOutput() throws Exception {
        List<String> page = java.nio.file.Files.readAllLines(java.nio.file.Path.of("../docs/article-errata.md"));
        String step1 = MainTest.run("explain", "xor").out();
        String step10000 = MainTest.run("explain", "xor", "--step", "10000").out();
        int quoted = 0;
        String command = null;
        for (String line : page) {
            if (line.startsWith("$ ")) {
                command = line;
                continue;
            }
            if (line.startsWith("```")) command = null;
            if (command == null || line.isBlank() || line.strip().equals("...")) continue;
            if (command.equals("$ ./backprop explain xor") && !line.startsWith("backprop's autograd")) {
                assertTrue(step1.contains(line), "explain xor no longer prints: " + line);
                quoted++;
            } else if (command.equals("$ ./backprop explain xor --step 10000")) {
                assertTrue(step10000.contains(line), "explain xor --step 10000 no longer prints: " + line);
                quoted++;
            }
        }
        assertTrue(quoted >= 10, "the page quotes explain's output (" + quoted + " lines found)");
    }
}
