package dev.backprop.optim;

import dev.backprop.DType;
import dev.backprop.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Replays every optimizer configuration of tools/golden/make_optim_golden.py: the same parameters, the same loss
 * L = Σ a⊙p² + b⊙p³ differentiated by backprop's autograd, the same optimizer built with backprop's API, and
 * compares the parameters after each of the 10 steps with PyTorch's (float64: 1e-10; float32 against the float64
 * trajectory: 1e-5).
 */
class OptimizerGoldenTest {
    static final double TOL64 = 1e-10;
    static final double TOL32 = 1e-5;
    private static double worst64;
    private static double worst32;
    private static String worstCase = "";

    @TestFactory
    Stream<DynamicTest> float64TrajectoriesMatchPyTorch() {
        return OptimGolden.data().optimizers().stream()
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> replay(c, DType.FLOAT64, TOL64)));
    }

    @TestFactory
    Stream<DynamicTest> float32TrajectoriesFollowPyTorch() {
        return OptimGolden.data().optimizers().stream()
                .map(c -> DynamicTest.dynamicTest(c.name() + " (float32)", () -> replay(c, DType.FLOAT32, TOL32)));
    }

    @Test
    void everyOptimizerAndVariantIsCovered() {
        var names = OptimGolden.data().optimizers().stream().map(OptimGolden.OptCase::name).toList();
        for (String want : new String[] {"sgd", "sgd_momentum", "sgd_dampening", "sgd_nesterov", "sgd_weight_decay",
                "sgd_groups", "adagrad_defaults", "adagrad_all", "adagrad_groups", "rmsprop_defaults", "rmsprop_centered",
                "rmsprop_momentum", "rmsprop_all", "rmsprop_groups", "adam_defaults", "adam_weight_decay", "adam_amsgrad",
                "adam_groups", "adamw_defaults", "adamw_amsgrad", "adamw_groups"}) {
            assertTrue(names.contains(want), "golden file lacks " + want + "; rerun tools/golden/make_optim_golden.py");
        }
        assertEquals(10, OptimGolden.data().steps());
    }

    private static void replay(OptimGolden.OptCase c, DType dtype, double tol) {
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (OptimGolden.Param p : OptimGolden.data().params()) params.put(p.name(), p.fresh(dtype));
        Optimizer opt = OptimGolden.build(c, params);
        for (int step = 0; step < c.trajectory().size(); step++) {
            opt.zeroGrad();
            Tensor loss = null;
            for (OptimGolden.Param p : OptimGolden.data().params()) {
                Tensor l = p.loss(params.get(p.name()));
                loss = loss == null ? l : loss.add(l);
            }
            loss.backward();
            opt.step();
            for (var e : c.trajectory().get(step).entrySet()) {
                double[] want = e.getValue();
                double[] got = params.get(e.getKey()).toDoubleArray();
                for (int i = 0; i < want.length; i++) {
                    double err = Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i]));
                    record(err, c.name(), dtype);
                    if (!(err <= tol)) {
                        fail(c.name() + " " + dtype + ": step " + (step + 1) + ", " + e.getKey() + "[" + i + "] = " + got[i]
                                + ", PyTorch " + want[i] + " (error " + err + " > " + tol + ")");
                    }
                }
            }
        }
        assertEquals(c.trajectory().size(), opt.stepCount());
    }

    private static synchronized void record(double err, String name, DType dtype) {
        if (dtype == DType.FLOAT32) {
            worst32 = Math.max(worst32, err);
        } else if (err > worst64) {
            worst64 = err;
            worstCase = name;
        }
    }

    @AfterAll
    static void report() {
        System.out.printf("optimizer golden: largest float64 error vs PyTorch %.3g (%s); float32 run vs float64 "
                + "PyTorch %.3g%n", worst64, worstCase, worst32);
    }
}
