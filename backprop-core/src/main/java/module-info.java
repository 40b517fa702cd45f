/**
 * backprop-core: n-dimensional tensors, reverse-mode automatic differentiation and the kernels behind them.
 * It has no runtime dependencies.
 */
module dev.backprop.core {
    requires jdk.incubator.vector;

    exports dev.backprop;
    exports dev.backprop.autograd;
    exports dev.backprop.ops;
    exports dev.backprop.kernels;
    exports dev.backprop.io;
    exports dev.backprop.nn;
    exports dev.backprop.optim;
    exports dev.backprop.optim.schedule;
}
