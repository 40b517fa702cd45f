package dev.backprop.nn;

import dev.backprop.DType;
import dev.backprop.GradMode;
import dev.backprop.Shape;
import dev.backprop.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A building block of a network: it owns named parameters, buffers (state that is saved but not trained, such as
 * batch-norm statistics) and child modules, and maps an input tensor to an output in {@link #forward}.
 *
 * <p>Names are dotted paths, as in PyTorch: a {@link Sequential}'s third layer's weight is {@code "2.weight"}.
 * {@link #train()} and {@link #eval()} switch the mode of the whole tree (dropout and batch norm behave
 * differently).
 */
public abstract class Module {
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;
    private final List<ForwardHook> forwardHooks = new ArrayList<>(0);

    /** The module's computation. */
    public abstract Tensor forward(Tensor input);

    // ------------------------------------------------------------------------------------------------ forward hooks

    /**
     * Something that watches a module's forward pass (PyTorch's forward hook): it sees the module, its input and
     * its output. Unlike PyTorch's it cannot replace the output: it observes only (a monitor, a debugger).
     */
    @FunctionalInterface
    public interface ForwardHook {
        void hook(Module module, Tensor input, Tensor output);
    }

    /** Returned by {@link #registerForwardHook}: {@link #remove()} unregisters the hook (again: nothing happens). */
    public interface HookHandle extends AutoCloseable {
        void remove();

        /** The same as {@link #remove()}, for try-with-resources. */
        @Override
        default void close() {
            remove();
        }
    }

    /**
     * Registers a hook that {@link #call} runs after each forward pass of this module, in registration order.
     *
     * <p>Hooks run in {@link #call}, as PyTorch runs them in {@code __call__}: {@link Sequential} (and the other
     * containers here) call their children through it, and so does the trainer for the model, so a hook on any
     * module of a model built from containers runs. Code that calls {@link #forward} directly bypasses them. This
     * was the least invasive place: no layer's {@code forward} changes, and a module without hooks pays one
     * emptiness check.
     */
    public HookHandle registerForwardHook(ForwardHook hook) {
        java.util.Objects.requireNonNull(hook, "hook");
        forwardHooks.add(hook);
        return () -> forwardHooks.removeIf(h -> h == hook);
    }

    /** Whether any forward hook is registered on this module (containers then run it unfused). */
    public boolean hasForwardHooks() {
        return !forwardHooks.isEmpty();
    }

    /** {@link #forward}, then the forward hooks: how containers run their children (PyTorch's {@code module(x)}). */
    public final Tensor call(Tensor input) {
        Tensor out = forward(input);
        if (!forwardHooks.isEmpty()) for (ForwardHook h : List.copyOf(forwardHooks)) h.hook(this, input, out);
        return out;
    }

    /** Registers (or replaces) a parameter under {@code name}; returns it. */
    protected Parameter registerParameter(String name, Tensor value) {
        checkName(name);
        Parameter p = value instanceof Parameter q ? q : new Parameter(value);
        params.put(name, p);
        return p;
    }

    /** Registers (or replaces) a buffer, saved in the state dict but not trained; returns it. */
    protected Tensor registerBuffer(String name, Tensor value) {
        checkName(name);
        buffers.put(name, value.detach());
        return buffers.get(name);
    }

    /** Registers a child module under {@code name}; returns it. */
    protected <M extends Module> M registerModule(String name, M child) {
        checkName(name);
        children.put(name, child);
        return child;
    }

    private static void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("module member names must be non-empty and contain no '.': \"" + name + "\"");
        }
    }

    /** This module's own buffer by name (subclasses update running statistics through it). */
    protected Tensor buffer(String name) {
        return buffers.get(name);
    }

    /** The direct children, by name. */
    public Map<String, Module> namedChildren() {
        return Collections.unmodifiableMap(children);
    }

    /**
     * This module and every descendant by dotted path, in pre-order (a module before its children), as PyTorch's
     * {@code named_modules}: the model itself is {@code ""}, a Sequential's third layer {@code "2"}, a layer inside
     * it {@code "2.0"}. A parameter {@code "2.0.weight"} belongs to the module {@code "2.0"}.
     */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String name, Map<String, Module> out) {
        out.put(name, this);
        for (var e : children.entrySet()) e.getValue().collectModules(name.isEmpty() ? e.getKey() : name + "." + e.getKey(), out);
    }

    /** Every parameter of this module and its descendants by dotted name, each once (shared ones under their first name). */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        collectParams("", out, seen);
        return out;
    }

    private void collectParams(String prefix, Map<String, Parameter> out, Set<Tensor> seen) {
        for (var e : params.entrySet()) if (seen.add(e.getValue())) out.put(prefix + e.getKey(), e.getValue());
        for (var e : children.entrySet()) e.getValue().collectParams(prefix + e.getKey() + ".", out, seen);
    }

    /** Every parameter, each once. */
    public List<Parameter> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Every buffer by dotted name. */
    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectBuffers("", out);
        return out;
    }

    private void collectBuffers(String prefix, Map<String, Tensor> out) {
        for (var e : buffers.entrySet()) out.put(prefix + e.getKey(), e.getValue());
        for (var e : children.entrySet()) e.getValue().collectBuffers(prefix + e.getKey() + ".", out);
    }

    /** The number of trainable scalars. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.numel();
        return n;
    }

    /**
     * Parameters and buffers by dotted name: what a model file holds. The tensors share storage with the module.
     * PyTorch's order: each module's own parameters, then its own buffers, then its children's entries in turn
     * (so a BatchNorm's {@code weight, bias, running_mean, running_var, num_batches_tracked} stay together).
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out, Set<Tensor> seen) {
        for (var e : params.entrySet()) if (seen.add(e.getValue())) out.put(prefix + e.getKey(), e.getValue().detach());
        for (var e : buffers.entrySet()) out.put(prefix + e.getKey(), e.getValue());
        for (var e : children.entrySet()) e.getValue().collectState(prefix + e.getKey() + ".", out, seen);
    }

    /** What {@link #loadStateDict} found: names the module has that the file lacks, and the other way round. */
    public record LoadResult(List<String> missing, List<String> unexpected) {
        public boolean clean() {
            return missing.isEmpty() && unexpected.isEmpty();
        }
    }

    /**
     * Copies values from {@code state} into this module's parameters and buffers, by name. Strict loading fails,
     * changing nothing, when a name is missing or unexpected; non-strict loading copies what matches and reports
     * the rest. A shape mismatch fails either way, naming the entry and both shapes.
     */
    public LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>(new TreeSet<>(own.keySet()).stream().filter(k -> !state.containsKey(k)).toList());
        List<String> unexpected = new ArrayList<>(new TreeSet<>(state.keySet()).stream().filter(k -> !own.containsKey(k)).toList());
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src != null && !Arrays.equals(src.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("loadStateDict: \"" + e.getKey() + "\" has shape " + Shape.str(src.shape())
                        + " in the file but " + Shape.str(e.getValue().shape()) + " in the model");
            }
        }
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            StringBuilder sb = new StringBuilder("loadStateDict: the file does not match the model (strict):");
            if (!missing.isEmpty()) sb.append(" missing ").append(missing);
            if (!unexpected.isEmpty()) sb.append(missing.isEmpty() ? "" : ";").append(" unexpected ").append(unexpected);
            throw new IllegalArgumentException(sb.toString());
        }
        try (var scope = GradMode.noGrad()) {
            for (var e : own.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src != null) e.getValue().copy_(src);
            }
        }
        return new LoadResult(List.copyOf(missing), List.copyOf(unexpected));
    }

    /**
     * Converts every floating parameter and buffer of the tree to {@code dtype}, in place (PyTorch's
     * {@code module.to(torch.float64)}); returns this. Parameters and buffers stay the same objects — the layers
     * hold them in fields — and take converted copies of their values ({@link Tensor#setData}): float32 → float64
     * is exact, float64 → float32 rounds to nearest. Non-floating buffers (batch norm's int64
     * {@code num_batches_tracked}) keep their type. A parameter's gradient, when there is one, is converted too, as
     * PyTorch does. Shared parameters are converted once.
     *
     * <p>Make the change before training: an optimizer's state (Adam's moments, momentum buffers) made before it
     * keeps the old type, so create the optimizer after converting (an optimizer that has not stepped yet is fine:
     * it holds the same parameter objects). Tensors taken from the model before (a {@link #stateDict()}, views of
     * a weight) keep the old values; a graph recorded before cannot run backward.
     *
     * @throws IllegalArgumentException for a type that is not float32 or float64
     */
    public Module to(DType dtype) {
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException("Module.to: parameters convert to float32 or float64, not " + dtype);
        }
        try (var scope = GradMode.noGrad()) {
            for (Parameter p : parameters()) {
                if (p.dtype() != dtype) p.setData(p.toType(dtype));
                Tensor g = p.grad();
                if (g != null && g.dtype() != dtype) p.setGrad(g.toType(dtype).detach());
            }
            for (Tensor b : namedBuffers().values()) {
                if (b.dtype().isFloating() && b.dtype() != dtype) b.setData(b.toType(dtype));
            }
        }
        return this;
    }

    /** {@link #to to(FLOAT64)}: PyTorch's {@code module.double()} ({@code double} is a keyword in Java). */
    public Module toDouble() {
        return to(DType.FLOAT64);
    }

    /** {@link #to to(FLOAT32)}: PyTorch's {@code module.float()}. */
    public Module toFloat() {
        return to(DType.FLOAT32);
    }

    /** Training mode for the whole tree (dropout active, batch norm uses batch statistics). Returns this. */
    public Module train() {
        setTraining(true);
        return this;
    }

    /** Evaluation mode for the whole tree. Returns this. */
    public Module eval() {
        setTraining(false);
        return this;
    }

    private void setTraining(boolean on) {
        training = on;
        for (Module m : children.values()) m.setTraining(on);
    }

    /** Whether the module is in training mode. */
    public boolean isTraining() {
        return training;
    }

    /** Clears the gradient of every parameter. */
    public void zeroGrad() {
        for (Parameter p : parameters()) p.zeroGrad();
    }

    /** A short description of this module alone, e.g. {@code Linear(784 -> 256)}. */
    public String describe() {
        return getClass().getSimpleName() + "()";
    }

    /** An indented tree of the modules, as PyTorch prints them. */
    @Override
    public String toString() {
        if (children.isEmpty()) return describe();
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append("(\n");
        for (var e : children.entrySet()) {
            String inner = e.getValue().toString().replace("\n", "\n  ");
            sb.append("  (").append(e.getKey()).append("): ").append(inner).append('\n');
        }
        return sb.append(')').toString();
    }
}
