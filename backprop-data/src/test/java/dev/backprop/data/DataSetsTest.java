package dev.backprop.data;

import dev.backprop.DType;
import dev.backprop.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSetsTest {
    @TempDir
    Path dir;

    @Test
    void xorIsFourPointsWithClassAndFloatTargets() {
        LabeledData x = DataSets.load("xor");
        assertSame(x.train(), x.test());
        assertArrayEquals(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, x.train().features().toFloatArray());
        assertArrayEquals(new long[] {0, 1, 1, 0}, x.train().labels());
        assertEquals(List.of("0", "1"), x.classNames());
        assertEquals(2, x.outputSize());

        LabeledData f = x.withFloatTargets();
        Tensor y = f.train().targets();
        assertEquals(DType.FLOAT32, y.dtype());
        assertArrayEquals(new int[] {4, 1}, y.shape());
        assertArrayEquals(new float[] {0, 1, 1, 0}, y.toFloatArray());
        assertEquals(Task.REGRESSION, f.task());
        assertEquals(1, f.outputSize());
        assertSame(f.train(), f.test());
        assertArrayEquals(new float[] {0, 1, 1, 0},
                DataSets.load("XOR", LoadOptions.defaults().floatTargets(true)).test().targets().toFloatArray());
        Batch b = DataLoader.inOrder(f.train(), 4).iterator().next();
        assertArrayEquals(new int[] {4, 1}, b.y().shape());
    }

    @Test
    void unknownNamesListTheValidOnes() {
        DataException e = assertThrows(DataException.class, () -> DataSets.load("cifar"));
        assertEquals("unknown data set 'cifar': use one of digits, fashion-mnist, mnist, xor, a directory of IDX files, "
                + "or a .csv file", e.getMessage());
        e = assertThrows(DataException.class, () -> DataSets.load(dir.resolve("nope.csv").toString()));
        assertTrue(e.getMessage().endsWith("nope.csv: no such file or directory"), e.getMessage());
        assertThrows(DataException.class, () -> DataSets.load(" "));
    }

    @Test
    void missingMnistSaysHowToGetIt() {
        System.setProperty("backprop.mnist", dir.resolve("no-mnist-here").toString());
        try {
            DataException e = assertThrows(DataException.class, () -> DataSets.load("mnist"));
            assertTrue(e.getMessage().startsWith("mnist: not found in " + dir.resolve("no-mnist-here")), e.getMessage());
            assertTrue(e.getMessage().contains("BACKPROP_MNIST"), e.getMessage());
        } finally {
            System.clearProperty("backprop.mnist");
        }
    }

    @Test
    void missingFashionMnistSaysHowToGetIt() {
        System.setProperty("backprop.fashion-mnist", dir.resolve("none").toString());
        try {
            DataException e = assertThrows(DataException.class, () -> DataSets.load("fashion-mnist"));
            assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
            assertTrue(e.getMessage().contains("pass a directory holding the four IDX files"), e.getMessage());
            assertTrue(e instanceof IllegalArgumentException);
        } finally {
            System.clearProperty("backprop.fashion-mnist");
        }
    }

    @Test
    void tensorDatasetFromTensorsValidates() {
        TensorDataset d = new TensorDataset(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2), Tensor.of(new long[] {0, 2, 1}));
        assertEquals(3, d.numClasses());
        assertEquals(Task.CLASSIFICATION, d.task());
        Sample s = d.get(1);
        assertArrayEquals(new float[] {3, 4}, s.x().toFloatArray());
        assertEquals(0, s.y().dim());
        assertEquals(2.0, s.y().item());
        TensorDataset r = new TensorDataset(Tensor.of(new float[] {1, 2}, 2, 1), Tensor.of(new float[] {7, 8}));
        assertArrayEquals(new int[] {2, 1}, r.targets().shape(), "1-D float targets become (N, 1)");
        DataException e = assertThrows(DataException.class,
                () -> new TensorDataset(Tensor.of(new float[] {1, 2}, 2, 1), Tensor.of(new long[] {0, 5}), 3));
        assertEquals("TensorDataset: label 5 at index 1 is out of range for 3 classes", e.getMessage());
        assertThrows(DataException.class, () -> new TensorDataset(Tensor.of(new float[] {1, 2}, 2, 1), Tensor.of(new long[] {0})));
        TensorDataset oneHot = d.withOneHotTargets();
        assertArrayEquals(new float[] {1, 0, 0, 0, 0, 1, 0, 1, 0}, oneHot.targets().toFloatArray());
        assertThrows(IndexOutOfBoundsException.class, () -> d.get(3));
    }

    @Test
    void tasksParse() {
        assertEquals(Task.REGRESSION, Task.parse("Regression"));
        assertEquals(Task.CLASSIFICATION, Task.parse("classification"));
        assertThrows(DataException.class, () -> Task.parse("clustering"));
    }
}
