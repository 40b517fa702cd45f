package dev.backprop;

import dev.backprop.ops.Op;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The autograd engine: it records ops into a dynamic graph ({@link #apply}) and runs reverse-mode
 * differentiation over it ({@link #backward}, {@link #grad}).
 *
 * <p>Only the engine knows the topological order, accumulation and broadcasting:
 * <ul>
 *   <li>nodes run in reverse topological order, so a node sees the complete gradient of its output;</li>
 *   <li>a tensor used several times receives the sum of the gradients from each use ({@code +=});</li>
 *   <li>a gradient in a broadcast shape is summed back to its input's shape, here and nowhere else;</li>
 *   <li>inputs that require no gradient are skipped; tensors are identified by identity, never by value.</li>
 * </ul>
 * Leaf tensors accumulate into {@link Tensor#grad()} across calls; gradients of intermediate tensors live only
 * for one pass (unless {@link Tensor#retainGrad()} asked to keep them).
 *
 * <p>This class sits in the package of {@link Tensor} (rather than beside {@link Op}) so that a tensor's graph
 * fields stay private to the engine.
 */
public final class Backprop {
    private Backprop() {}

    /**
     * Applies {@code op} to {@code inputs}: computes the output and, when grad mode is on and any input requires
     * a gradient, records the node that backward will run.
     */
    public static Tensor apply(Op op, Tensor... inputs) {
        Tensor out;
        boolean check = Anomaly.checking();   // false unless an anomaly-detection scope is open: one read
        try (var scope = GradMode.noGrad()) {
            out = check ? Anomaly.forward(op, inputs) : op.forward(inputs);
        }
        for (Tensor in : inputs) {
            if (out == in) {
                out = in.aliasView();
                break;
            }
        }
        if (GradMode.isEnabled() && anyRequiresGrad(inputs)) {
            Node node = new Node(op, inputs.clone());
            node.output = out;
            node.outputVersion = out.storage().version();
            if (check) node.site = Anomaly.creationSite();
            out.gradFn = node;
            out.requiresGrad = true;
        }
        return out;
    }

    private static boolean anyRequiresGrad(Tensor[] inputs) {
        for (Tensor t : inputs) {
            if (t.requiresGrad) return true;
        }
        return false;
    }

    /**
     * Runs backward from {@code root} with incoming gradient {@code gradient} (ones for a scalar root when null),
     * accumulating into the {@code grad} of every leaf that requires one.
     *
     * @param retainGraph keep the graph usable for another backward pass; without it, as in PyTorch, a second pass
     *                    through the same nodes is an error (it would silently add the gradients again)
     * @param createGraph record the backward computation itself, so the gradients can be differentiated again
     */
    public static void backward(Tensor root, Tensor gradient, boolean retainGraph, boolean createGraph) {
        run(root, gradient, retainGraph, createGraph, null);
    }

    /** {@link #backward(Tensor, Tensor, boolean, boolean)} retaining the graph only when creating one (PyTorch's default). */
    public static void backward(Tensor root, Tensor gradient, boolean createGraph) {
        run(root, gradient, createGraph, createGraph, null);
    }

    /**
     * The gradients of {@code output} with respect to {@code inputs} (PyTorch's {@code torch.autograd.grad}),
     * without touching any tensor's {@code grad}. An input that {@code output} does not depend on gets zeros.
     */
    public static Tensor[] grad(Tensor output, Tensor[] inputs, Tensor gradOutput, boolean createGraph) {
        return grad(output, inputs, gradOutput, createGraph, createGraph);
    }

    /** {@link #grad(Tensor, Tensor[], Tensor, boolean)} choosing whether the graph stays usable for another pass. */
    public static Tensor[] grad(Tensor output, Tensor[] inputs, Tensor gradOutput, boolean retainGraph, boolean createGraph) {
        Map<Tensor, Tensor> captured = new IdentityHashMap<>();
        for (Tensor t : inputs) {
            if (!t.requiresGrad) {
                throw new IllegalArgumentException("grad: an input (shape " + Shape.str(t.shape())
                        + ") does not require grad; call requiresGrad(true) on it before computing the output");
            }
            captured.put(t, null);
        }
        run(output, gradOutput, retainGraph, createGraph, captured);
        Tensor[] out = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor g = captured.get(inputs[i]);
            out[i] = g != null ? g : Tensor.zeros(inputs[i].dtype(), inputs[i].shape());
        }
        return out;
    }

    private static void run(Tensor root, Tensor gradient, boolean retainGraph, boolean createGraph, Map<Tensor, Tensor> capture) {
        if (!root.requiresGrad) {
            throw new IllegalStateException("backward: this tensor (shape " + Shape.str(root.shape())
                    + ") does not require grad: no input of it had requiresGrad(true), or it was computed under "
                    + "GradMode.noGrad()");
        }
        if (gradient == null) {
            if (root.numel() != 1) {
                throw new IllegalArgumentException("backward: a gradient can be implied only for a scalar output, but "
                        + "this one has shape " + Shape.str(root.shape()) + "; reduce it first (e.g. sum()) or pass "
                        + "backward(gradient)");
            }
            gradient = Tensor.ones(root.dtype(), root.shape());
        } else if (!java.util.Arrays.equals(gradient.shape(), root.shape())) {
            throw new IllegalArgumentException("backward: the gradient has shape " + Shape.str(gradient.shape())
                    + " but the tensor has shape " + Shape.str(root.shape()) + "; they must match");
        } else if (gradient.dtype() != root.dtype()) {
            gradient = gradient.toType(root.dtype());
        }

        // Storages already handed to a leaf (or owned by the caller's gradient): a leaf's grad is user-visible and
        // may be changed in place, so it must not share one of these; fresh gradients are handed over without a copy.
        Set<Storage> handed = Collections.newSetFromMap(new IdentityHashMap<>());
        handed.add(gradient.storage());
        // Under anomaly detection each backward rule's result is checked here; the ops inside the rules are not.
        boolean check = Anomaly.checking();
        try (var scope = createGraph ? GradMode.enableGrad() : GradMode.noGrad(); var _ = check ? Anomaly.quiet() : null) {
            if (!createGraph) gradient = gradient.detach();
            if (root.gradFn == null) {
                deliver(root, gradient, capture, handed);
                return;
            }
            List<Node> order = topologicalOrder(root.gradFn);
            for (Node n : order) {
                if (n.released) {
                    throw new IllegalStateException("backward: the graph through " + n.op.name() + " was already used by an "
                            + "earlier backward pass, which released it; pass retainGraph = true to the first pass "
                            + "(backward(gradient, true, false)) to go through it twice, or recompute the forward pass");
                }
            }
            if (!retainGraph) for (Node n : order) n.released = true;
            Map<Node, Tensor> pending = new IdentityHashMap<>();
            pending.put(root.gradFn, gradient);
            for (int k = order.size() - 1; k >= 0; k--) {
                Node node = order.get(k);
                Tensor g = pending.remove(node);
                if (g == null) continue;
                Tensor produced = node.output;
                if (produced.retainsGrad || (capture != null && capture.containsKey(produced))) {
                    deliver(produced, g, capture, handed);
                }
                node.checkSavedVersions();
                if (check) Anomaly.checkIncoming(node, g, k == order.size() - 1);
                Tensor[] grads = node.op.backward(g, node.inputs, produced);
                for (int i = 0; i < node.inputs.length; i++) {
                    Tensor in = node.inputs[i];
                    if (!in.requiresGrad || grads[i] == null) continue;
                    Tensor gi = sumTo(node.op, grads[i], in);
                    if (check) Anomaly.checkBackward(node, g, i, gi);
                    if (in.gradFn == null) {
                        deliver(in, gi, capture, handed);
                    } else {
                        pending.merge(in.gradFn, gi, Tensor::add);
                    }
                }
            }
        }
    }

    /** Hands a finished gradient to a leaf (or retained/captured tensor). */
    private static void deliver(Tensor t, Tensor g, Map<Tensor, Tensor> capture, Set<Storage> handed) {
        if (capture != null) {
            if (capture.containsKey(t)) capture.merge(t, g, (old, add) -> old == null ? add : old.add(add));
            return;
        }
        if (t.gradFn != null && !t.retainsGrad) return;
        if (t.grad != null) {
            t.grad = t.grad.add(g);
        } else if (!g.isContiguous() || g.storageOffset() != 0 || g.storage().length() != g.numel() || !handed.add(g.storage())) {
            // A view (an expanded sum gradient), or storage another tensor already owns (add's backward hands the
            // same g to both inputs): the leaf gets its own copy.
            t.grad = g.clone();
        } else {
            t.grad = g;
        }
        handed.add(t.grad.storage());
    }

    /** Sums a gradient in a broadcast shape back to the shape of its input. */
    private static Tensor sumTo(Op op, Tensor g, Tensor input) {
        if (g.dtype() != input.dtype()) g = g.toType(input.dtype());
        int[] target = input.shape();
        int[] have = g.shape();
        if (java.util.Arrays.equals(have, target)) return g;
        int lead = have.length - target.length;
        if (lead < 0) throw badGrad(op, g, input);
        List<Integer> dims = new ArrayList<>();
        for (int i = 0; i < have.length; i++) {
            if (i < lead) dims.add(i);
            else if (target[i - lead] == 1 && have[i] != 1) dims.add(i);
            else if (target[i - lead] != have[i]) throw badGrad(op, g, input);
        }
        int[] d = dims.stream().mapToInt(Integer::intValue).toArray();
        Tensor s = d.length == 0 ? g : g.sum(d, true);
        return s.reshape(target);
    }

    private static IllegalStateException badGrad(Op op, Tensor g, Tensor input) {
        return new IllegalStateException("internal error: backward of " + op.name() + " returned a gradient of shape "
                + Shape.str(g.shape()) + " for an input of shape " + Shape.str(input.shape()));
    }

    /** Nodes reachable from {@code root}, each after all nodes it depends on (iterative, so deep graphs are fine). */
    private static List<Node> topologicalOrder(Node root) {
        List<Node> order = new ArrayList<>();
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        seen.add(root);
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Node node = (Node) top[0];
            int next = (Integer) top[1];
            if (next < node.inputs.length) {
                top[1] = next + 1;
                Tensor in = node.inputs[next];
                Node child = in.gradFn;
                if (in.requiresGrad && child != null && seen.add(child)) stack.push(new Object[] {child, 0});
            } else {
                stack.pop();
                order.add(node);
            }
        }
        return order;
    }
}
