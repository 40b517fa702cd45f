/** The backprop command-line tool. */
module dev.backprop.cli {
    requires dev.backprop.core;
    requires dev.backprop.data;
    requires dev.backprop.train;
    requires java.desktop;
    requires java.management;
    exports dev.backprop.cli;
}
