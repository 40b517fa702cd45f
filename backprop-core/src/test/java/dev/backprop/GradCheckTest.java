package dev.backprop;

import dev.backprop.autograd.GradCheck;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every catalog case gradient-checked in float64 at the golden inputs (which keep clear of kinks). */
class GradCheckTest {
    @TestFactory
    Stream<DynamicTest> everyCaseMatchesCentralDifferences() {
        return Golden.cases().stream().filter(c -> c.dtype() == DType.FLOAT64).map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            OpCatalog.Case k = OpCatalog.CASES.get(c.name());
            GradCheck.Result r = GradCheck.check(k.fn(), k.eps(), k.tolerance(), c.tensors());
            r.orThrow();
            assertTrue(r.checked() > 0, "nothing was checked");
        }));
    }
}
