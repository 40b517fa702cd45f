package dev.backprop.train;

import dev.backprop.Generator;
import dev.backprop.io.ModelSpec;
import dev.backprop.nn.Init;
import dev.backprop.nn.Sequential;
import dev.backprop.optim.Adam;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientMonitorTest {
    static Sequential deep(String options, String activation, Init.Scheme init, long seed) {
        return ModelSpec.preset("deep-mlp:20x64" + options, new int[] {1, 8, 8}, 10, activation, 0).build(new Generator(seed), init);
    }

    static GradientMonitor run(Sequential m, int epochs, long seed) {
        GradientMonitor mon = new GradientMonitor(10, null);
        History h = Trainer.builder(m, TrainerTest.CE, new Adam(m.parameters(), 1e-3)).train(TrainerTest.DIGITS.train())
                .validation(TrainerTest.DIGITS.test()).epochs(epochs).batchSize(32).generator(new Generator(seed))
                .callback(mon).build().fit();
        System.out.println("acc " + h.last().valAccuracy());
        return mon;
    }

    @Test
    void experiment() {
        for (String[] v : List.of(new String[] {"", "sigmoid", "DEFAULT"}, new String[] {"", "relu", "KAIMING_NORMAL"},
                new String[] {",batch-norm", "sigmoid", "DEFAULT"}, new String[] {",residual", "sigmoid", "DEFAULT"},
                new String[] {",batch-norm", "relu", "DEFAULT"}, new String[] {",residual", "relu", "DEFAULT"}, new String[] {",residual", "relu", "KAIMING_NORMAL"}, new String[] {",batch-norm,residual", "sigmoid", "DEFAULT"}, new String[] {"", "tanh", "DEFAULT"})) {
            GradientMonitor mon = run(deep(v[0], v[1], Init.Scheme.valueOf(v[2]), 1), 5, 1);
            System.out.println(String.join(" ", v));
            for (var e : mon.epochs()) if (e.epoch() == 1 || e.epoch() == mon.epochs().size()) System.out.println(mon.summaryLine(e));
            var last = mon.epochs().getLast();
            System.out.println("maxdead " + last.layers().stream().mapToDouble(l -> l.deadShare()).filter(Double::isFinite).max()
                + " maxsat " + last.layers().stream().mapToDouble(l -> l.saturatedShare()).filter(Double::isFinite).max());
            System.out.println(mon.diagnose().stream().map(f -> f.kind() + "@" + f.layer()).toList());
        }
        assertTrue(true);
    }
}
