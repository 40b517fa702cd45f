package dev.backprop.nn;

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

    @Override
    public Tensor forward(Tensor x) {
        for (Module m : layers) x = m.forward(x);
        return x;
    }
}
