package dev.backprop.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Fashion-MNIST run, exactly as a user types it, must reach 0.885 test accuracy. It needs the Debian
 * package dataset-fashion-mnist (.ci/run installs it); without it the test is skipped.
 */
class FashionMnistTrainingTest {
    @Test
    void mlpWithAdamReachesTheTarget(@TempDir Path dir) {
        assumeTrue(Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist")), "dataset-fashion-mnist is not installed");
        MainTest.Run r = MainTest.run("train", "--data", "fashion-mnist", "--model", "mlp:256,128", "--optimizer", "adam",
                "--lr", "0.001", "--batch-size", "128", "--epochs", "10", "--out", dir.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> j = r.json();
        assertTrue((Double) j.get("test_accuracy") >= 0.885, "test accuracy " + j.get("test_accuracy"));
        assertEquals(235_146L, ((Double) j.get("parameters")).longValue());
    }
}
