package dev.backprop.data;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs where the Debian package dataset-fashion-mnist is installed (CI installs it); skipped elsewhere. */
class FashionMnistTest {

    @Test
    void loadsTrainAndTestSets() {
        assumeTrue(Files.isDirectory(Path.of(DataSets.FASHION_MNIST_DIR))
                        && System.getProperty("backprop.fashion-mnist") == null && System.getenv("BACKPROP_FASHION_MNIST") == null,
                "dataset-fashion-mnist is not installed");
        long t0 = System.nanoTime();
        LabeledData d = DataSets.load("fashion-mnist");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("fashion-mnist loaded in " + ms + " ms");
        assertEquals(60000, d.train().size());
        assertEquals(10000, d.test().size());
        assertArrayEquals(new int[] {1, 28, 28}, d.inputShape());
        assertArrayEquals(new int[] {1, 28, 28}, d.train().sampleShape());
        assertEquals(DataSets.FASHION_MNIST_CLASSES, d.classNames());
        assertEquals("Ankle boot", d.classNames().get(9));
        // Fashion-MNIST is balanced: 6000 training and 1000 test images per class
        for (int c : d.train().classCounts()) assertEquals(6000, c);
        for (int c : d.test().classCounts()) assertEquals(1000, c);
        // the first training image is an ankle boot (label 9), as in every copy of the data set
        assertEquals(9, d.train().label(0));
        float[] x = d.test().features().toFloatArray();
        float min = 1, max = 0;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(0f, min);
        assertEquals(1f, max);
        assertTrue(ms < 10_000, "loading took " + ms + " ms");
    }
}
