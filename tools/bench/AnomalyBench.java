import dev.backprop.*;
import dev.backprop.data.*;
import dev.backprop.nn.*;
import dev.backprop.optim.*;
import dev.backprop.train.*;
import java.util.*;


/**
 * The cost of anomaly detection: the digits MLP (64-128-10, Adam, batch 32), one epoch at a time, with and without
 * {@code Anomaly.detect()}, interleaved in one JVM (so load and JIT state hit both alike); prints the median and best
 * samples/s of each. Needs the jar (mvn -B -ntp -q -DskipTests package):
 *   java --add-modules jdk.incubator.vector -cp backprop-cli/target/backprop.jar tools/bench/AnomalyBench.java [rounds]
 */
public class AnomalyBench {
    public static void main(String[] a) {
        int rounds = Integer.parseInt(a.length > 0 ? a[0] : "20");
        LabeledData d = DataSets.digits();
        d = d.normalize(Normalization.fit(d.train(), Normalization.Mode.PER_FEATURE));
        Generator g = new Generator(1);
        Sequential m = new Sequential(new Flatten(), new Linear(64, 128, true, Init.Scheme.DEFAULT, g), new Activation.ReLU(),
                new Linear(128, 10, true, Init.Scheme.DEFAULT, g));
        Objective ce = Objective.of("cross-entropy", 10, 10, 0);
        Adam opt = new Adam(m.parameters(), 1e-3);
        Trainer t = Trainer.builder(m, ce, opt).train(d.train()).epochs(1).batchSize(32).generator(new Generator(2)).build();
        int n = t.trainSize();
        for (int i = 0; i < 6; i++) { run(t, i % 2 == 0); }
        List<Double> off = new ArrayList<>(), on = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            boolean first = r % 2 == 0;
            for (boolean detect : new boolean[] {first, !first}) {
                double s = run(t, detect);
                (detect ? on : off).add(n / s);
            }
        }
        Collections.sort(off); Collections.sort(on);
        System.out.printf(Locale.ROOT, "examples/epoch %d; off median %.0f samples/s (max %.0f); on median %.0f (max %.0f); ratio of medians %.3f%n",
                n, off.get(off.size() / 2), off.getLast(), on.get(on.size() / 2), on.getLast(), on.get(on.size() / 2) / off.get(off.size() / 2));
    }

    static double run(Trainer t, boolean detect) {
        long s = System.nanoTime();
        try (var scope = detect ? Anomaly.detect() : null) { t.fit(); }
        return (System.nanoTime() - s) / 1e9;
    }
}
