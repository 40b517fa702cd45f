package dev.backprop;

import dev.backprop.ops.Op;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every op of the sealed {@link Op} hierarchy must be exercised by some catalog case, which makes it
 * gradient-checked (GradCheckTest) and matched against PyTorch (GoldenTest). Coverage is read off the graphs
 * the cases actually build, so the catalog cannot claim an op it does not run.
 */
class OpCoverageTest {
    static Set<String> allOps() {
        Set<String> out = new TreeSet<>();
        ArrayDeque<Class<?>> todo = new ArrayDeque<>();
        todo.add(Op.class);
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            Class<?>[] sub = c.getPermittedSubclasses();
            if (sub == null) out.add(c.getName());
            else for (Class<?> s : sub) todo.add(s);
        }
        return out;
    }

    static Set<String> covered() {
        Set<String> seen = new TreeSet<>();
        for (Golden.Case c : Golden.cases()) {
            if (c.dtype() != DType.FLOAT64) continue;
            Tensor out = OpCatalog.CASES.get(c.name()).fn().apply(c.tensors());
            ArrayDeque<Node> todo = new ArrayDeque<>();
            if (out.gradFn() != null) todo.add(out.gradFn());
            Set<Node> visited = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            while (!todo.isEmpty()) {
                Node n = todo.pop();
                if (!visited.add(n)) continue;
                seen.add(n.op().getClass().getName());
                for (Tensor in : n.inputs()) if (in.gradFn() != null) todo.add(in.gradFn());
            }
        }
        return seen;
    }

    @Test
    void everyOpIsInTheCatalog() {
        Set<String> missing = new TreeSet<>(allOps());
        missing.removeAll(covered());
        assertEquals(Set.of(), missing, "ops that no catalog case exercises (add a case to OpCatalog and make_golden.py)");
    }

    @Test
    void theHierarchyIsWalked() {
        assertTrue(allOps().size() >= 30, "expected the full op hierarchy, got " + allOps());
    }
}
