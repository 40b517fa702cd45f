package dev.backprop.optim;

import dev.backprop.DType;
import dev.backprop.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fused loops against a plain tensor-op implementation of each rule written here, from the textbook form of
 * the formulas: random parameters and random gradients (some elements zero, some negative, one parameter that
 * skips a step), several steps, float64 (1e-12), float32 (1e-5), contiguous, at a storage offset, and
 * non-contiguous (the copy-update-copy-back path).
 */
class FusedReferenceTest {
    /** One rule in tensor ops: returns the new parameter value, keeping its state in {@code s}. */
    interface Rule {
        Tensor apply(Tensor p, Tensor g, Map<String, Tensor> s, long t, double lr, double wd);
    }

    record Config(String name, Function<List<Tensor>, Optimizer> make, double lr, double wd, Rule rule) {}

    static Tensor sgd(Tensor p, Tensor g, Map<String, Tensor> s, double lr, double wd, double mu, double damp, boolean nest) {
        Tensor d = wd != 0 ? g.add(p.mul(wd)) : g;
        if (mu != 0) {
            Tensor b = s.get("b");
            b = b == null ? d : b.mul(mu).add(d.mul(1 - damp));
            s.put("b", b);
            d = nest ? d.add(b.mul(mu)) : b;
        }
        return p.sub(d.mul(lr));
    }

    static Tensor adagrad(Tensor p, Tensor g, Map<String, Tensor> s, long t, double lr, double wd, double decay,
                          double init, double eps) {
        Tensor d = g.add(p.mul(wd));
        Tensor sum = s.getOrDefault("sum", p.zerosLike().add(init)).add(d.square());
        s.put("sum", sum);
        double clr = lr / (1 + (t - 1) * decay);
        return p.sub(d.div(sum.sqrt().add(eps)).mul(clr));
    }

    static Tensor rmsprop(Tensor p, Tensor g, Map<String, Tensor> s, double lr, double wd, double alpha, double eps,
                          double mu, boolean centered) {
        Tensor d = g.add(p.mul(wd));
        Tensor v = s.getOrDefault("v", p.zerosLike()).mul(alpha).add(d.square().mul(1 - alpha));
        s.put("v", v);
        Tensor avg;
        if (centered) {
            Tensor m = s.getOrDefault("m", p.zerosLike()).mul(alpha).add(d.mul(1 - alpha));
            s.put("m", m);
            avg = v.sub(m.square()).sqrt().add(eps);
        } else {
            avg = v.sqrt().add(eps);
        }
        if (mu > 0) {
            Tensor b = s.getOrDefault("b", p.zerosLike()).mul(mu).add(d.div(avg));
            s.put("b", b);
            return p.sub(b.mul(lr));
        }
        return p.sub(d.div(avg).mul(lr));
    }

    static Tensor adam(Tensor p, Tensor g, Map<String, Tensor> s, long t, double lr, double wd, boolean decoupled,
                       double b1, double b2, double eps, boolean amsgrad) {
        Tensor d = g;
        if (decoupled) p = p.mul(1 - lr * wd);
        else d = g.add(p.mul(wd));
        Tensor m = s.getOrDefault("m", p.zerosLike()).mul(b1).add(d.mul(1 - b1));
        Tensor v = s.getOrDefault("v", p.zerosLike()).mul(b2).add(d.square().mul(1 - b2));
        s.put("m", m);
        s.put("v", v);
        Tensor vHat = v;
        if (amsgrad) {
            vHat = s.getOrDefault("max", p.zerosLike()).maximum(v);
            s.put("max", vHat);
        }
        Tensor mHat = m.div(1 - Math.pow(b1, t));
        Tensor denom = vHat.div(1 - Math.pow(b2, t)).sqrt().add(eps);
        return p.sub(mHat.div(denom).mul(lr));
    }

    static List<Config> configs() {
        List<Config> c = new ArrayList<>();
        c.add(new Config("SGD", p -> new SGD(p, 0.1), 0.1, 0, (p, g, s, t, lr, wd) -> sgd(p, g, s, lr, wd, 0, 0, false)));
        c.add(new Config("SGD momentum dampening wd", p -> new SGD(p, 0.05).momentum(0.9).dampening(0.3).weightDecay(0.01),
                0.05, 0.01, (p, g, s, t, lr, wd) -> sgd(p, g, s, lr, wd, 0.9, 0.3, false)));
        c.add(new Config("SGD nesterov", p -> new SGD(p, 0.05).momentum(0.8).nesterov(true), 0.05, 0,
                (p, g, s, t, lr, wd) -> sgd(p, g, s, lr, wd, 0.8, 0, true)));
        c.add(new Config("Adagrad", p -> new Adagrad(p, 0.1).lrDecay(0.05).initialAccumulatorValue(0.2).weightDecay(0.1)
                .eps(1e-6), 0.1, 0.1, (p, g, s, t, lr, wd) -> adagrad(p, g, s, t, lr, wd, 0.05, 0.2, 1e-6)));
        c.add(new Config("RMSprop", p -> new RMSprop(p), 0.01, 0,
                (p, g, s, t, lr, wd) -> rmsprop(p, g, s, lr, wd, 0.99, 1e-8, 0, false)));
        c.add(new Config("RMSprop centered momentum wd", p -> new RMSprop(p, 0.02).alpha(0.9).momentum(0.7).centered(true)
                .weightDecay(0.05).eps(1e-6), 0.02, 0.05, (p, g, s, t, lr, wd) -> rmsprop(p, g, s, lr, wd, 0.9, 1e-6, 0.7, true)));
        c.add(new Config("Adam wd", p -> new Adam(p, 0.05).weightDecay(0.1), 0.05, 0.1,
                (p, g, s, t, lr, wd) -> adam(p, g, s, t, lr, wd, false, 0.9, 0.999, 1e-8, false)));
        c.add(new Config("Adam amsgrad betas", p -> new Adam(p, 0.05).betas(0.3, 0.9).amsgrad(true).eps(1e-6), 0.05, 0,
                (p, g, s, t, lr, wd) -> adam(p, g, s, t, lr, wd, false, 0.3, 0.9, 1e-6, true)));
        c.add(new Config("AdamW", p -> new AdamW(p, 0.05).weightDecay(0.1), 0.05, 0.1,
                (p, g, s, t, lr, wd) -> adam(p, g, s, t, lr, wd, true, 0.9, 0.999, 1e-8, false)));
        c.add(new Config("AdamW amsgrad", p -> new AdamW(p, 0.05).amsgrad(true), 0.05, 0.01,
                (p, g, s, t, lr, wd) -> adam(p, g, s, t, lr, wd, true, 0.9, 0.999, 1e-8, true)));
        return c;
    }

    enum Layout { CONTIGUOUS, OFFSET, TRANSPOSED }

    @TestFactory
    Stream<DynamicTest> fusedLoopsAgreeWithTheTensorOpReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Config c : configs()) {
            for (DType dtype : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                for (Layout layout : Layout.values()) {
                    tests.add(DynamicTest.dynamicTest(c.name() + " " + dtype + " " + layout, () -> run(c, dtype, layout)));
                }
            }
        }
        return tests.stream();
    }

    /** A 3×5 leaf in the given layout holding {@code values} (row-major). */
    private static Tensor leaf(double[] values, DType dtype, Layout layout) {
        return switch (layout) {
            case CONTIGUOUS -> Tensor.of(values, 3, 5).toType(dtype).detach().requiresGrad(true);
            case OFFSET -> {
                double[] big = new double[values.length + 7];
                System.arraycopy(values, 0, big, 4, values.length);
                yield Tensor.of(big).toType(dtype).detach().narrow(0, 4, values.length).reshape(3, 5).detach()
                        .requiresGrad(true);
            }
            case TRANSPOSED -> {
                double[] tr = new double[15];
                for (int i = 0; i < 3; i++) for (int j = 0; j < 5; j++) tr[j * 3 + i] = values[i * 5 + j];
                yield Tensor.of(tr, 5, 3).toType(dtype).detach().t().detach().requiresGrad(true);
            }
        };
    }

    private static void run(Config c, DType dtype, Layout layout) {
        Random rnd = new Random(42 + c.name().hashCode());
        double[] w0 = new double[15];
        double[] v0 = new double[7];
        for (int i = 0; i < w0.length; i++) w0[i] = rnd.nextGaussian();
        for (int i = 0; i < v0.length; i++) v0[i] = rnd.nextGaussian();
        w0[3] = 0;
        Tensor w = leaf(w0, dtype, layout);
        Tensor v = Tensor.of(v0).toType(dtype).detach().requiresGrad(true);
        if (layout == Layout.TRANSPOSED && w.isContiguous()) fail("the transposed leaf should not be contiguous");
        if (layout == Layout.OFFSET && w.storageOffset() == 0) fail("the offset leaf should start at an offset");
        Optimizer opt = c.make().apply(List.of(w, v));
        // The reference works in float64 on its own copies.
        Tensor rw = Tensor.of(w0, 3, 5);
        Tensor rv = Tensor.of(v0);
        Map<String, Tensor> sw = new HashMap<>();
        Map<String, Tensor> sv = new HashMap<>();
        long tv = 0;
        double tol = dtype == DType.FLOAT64 ? 1e-12 : 1e-5;
        for (int t = 1; t <= 6; t++) {
            double[] gw = new double[15];
            double[] gv = new double[7];
            for (int i = 0; i < gw.length; i++) gw[i] = i % 4 == 1 ? 0 : rnd.nextGaussian();
            for (int i = 0; i < gv.length; i++) gv[i] = 3 * rnd.nextGaussian();
            boolean vSkips = t == 3;                        // v has no gradient at step 3: neither moves nor counts
            w.setGrad(Tensor.of(gw, 3, 5).toType(dtype).detach());
            v.setGrad(vSkips ? null : Tensor.of(gv).toType(dtype).detach());
            opt.step();
            Tensor gwRef = Tensor.of(gw, 3, 5);
            Tensor gvRef = Tensor.of(gv);
            if (dtype == DType.FLOAT32) {                   // the reference sees the same rounded inputs
                gwRef = gwRef.toFloat().toDouble();
                gvRef = gvRef.toFloat().toDouble();
            }
            rw = c.rule().apply(rw, gwRef, sw, t, c.lr(), c.wd());
            if (!vSkips) rv = c.rule().apply(rv, gvRef, sv, ++tv, c.lr(), c.wd());
            compare(c.name() + " step " + t + " w", rw, w, tol);
            compare(c.name() + " step " + t + " v", rv, v, tol);
        }
        assertEquals(6, opt.state(w).step());
        assertEquals(5, opt.state(v).step());
    }

    private static void compare(String what, Tensor want, Tensor got, double tol) {
        double[] a = want.toDoubleArray();
        double[] b = got.toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            double err = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i]));
            if (!(err <= tol)) fail(what + "[" + i + "]: fused " + b[i] + ", reference " + a[i] + " (error " + err + ")");
        }
    }
}
