package dev.backprop.nn;

import dev.backprop.Anomaly;
import dev.backprop.Tensor;

import java.util.ArrayList;
import java.util.List;

/** Modules applied one after another; children are named "0", "1", … as in PyTorch. */
public final class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();

    public Sequential(Module... modules) {
        for (Module m : modules) add(m);
    }

    public Sequential(List<? extends Module> modules) {
        for (Module m : modules) add(m);
    }

    /** Appends a module; returns this. */
    public Sequential add(Module m) {
        registerModule(Integer.toString(layers.size()), m);
        layers.add(m);
        return this;
    }

    /** The layers in order. */
    public List<Module> layers() {
        return List.copyOf(layers);
    }

    /**
     * Each layer's output feeds the next. A {@link Linear} directly followed by a {@link Activation.ReLU} runs as
     * one fused op ({@link Functional#linearRelu}): the same values and gradients, in fewer passes — unless either
     * has a forward hook, which must see its own output. Each layer runs through {@link Module#call}, so hooks run.
     * Under {@link Anomaly#detect()} each layer is labelled, so a NaN is traced to "layer 2 (Linear(128 -> 10))".
     */
    @Override
    public Tensor forward(Tensor x) {
        for (int i = 0; i < layers.size(); i++) {
            Module m = layers.get(i);
            try (var _ = Anomaly.isEnabled() ? Anomaly.layer(i, m::describe) : null) {
                if (m instanceof Linear lin && i + 1 < layers.size() && layers.get(i + 1) instanceof Activation.ReLU r
                        && !lin.hasForwardHooks() && !r.hasForwardHooks()) {
                    x = lin.forwardRelu(x);
                    i++;
                } else {
                    x = m.call(x);
                }
            }
        }
        return x;
    }
}
