/** Data sets and loaders for backprop: in-memory tensors, IDX and CSV files, the embedded UCI digits. */
module dev.backprop.data {
    requires transitive dev.backprop.core;
    exports dev.backprop.data;
}
