/** The training loop, callbacks, metrics and HTML reports. */
module dev.backprop.train {
    requires transitive dev.backprop.core;
    requires transitive dev.backprop.data;
    exports dev.backprop.train;
}
