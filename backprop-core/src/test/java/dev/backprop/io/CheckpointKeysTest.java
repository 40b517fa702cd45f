package dev.backprop.io;

import dev.backprop.DType;
import dev.backprop.Generator;
import dev.backprop.Tensor;
import dev.backprop.nn.Activation;
import dev.backprop.nn.Init;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CHECKPOINT-KEYS (../shared/cases/README.md): a model with fc.weight (10×5) and fc.bias (10) loads a checkpoint
 * strictly or not; extra, missing, prefixed and mis-shaped names are reported by name, and a failed load changes
 * nothing. Every case goes through a real safetensors file, the way checkpoints are loaded. The kind is covered for
 * buffers, nested names and Sequential's numbered names too.
 */
class CheckpointKeysTest {
    @TempDir
    Path dir;

    /** The model of the case: one child "fc" = Linear(5, 10). */
    static final class Net extends Module {
        final Linear fc;

        Net(long seed) {
            fc = registerModule("fc", new Linear(5, 10, true, Init.Scheme.DEFAULT, new Generator(seed)));
        }

        @Override
        public Tensor forward(Tensor x) {
            return fc.forward(x);
        }
    }

    /** A module with a buffer and a nested child: names "scale", "inner.fc.weight", "inner.fc.bias". */
    static final class WithBuffer extends Module {
        WithBuffer(long seed) {
            registerBuffer("scale", Tensor.full(seed, 3));
            registerModule("inner", new Net(seed));
        }

        @Override
        public Tensor forward(Tensor x) {
            return x;
        }
    }

    /** The state dict through a file: written by Safetensors, read back. */
    private Map<String, Tensor> viaFile(Map<String, Tensor> state) {
        Path f = dir.resolve("ckpt.safetensors");
        Safetensors.write(f, state, Map.of("format", "backprop"));
        return Safetensors.read(f);
    }

    private static Map<String, float[]> snapshot(Module m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    private static void assertUnchanged(Map<String, float[]> before, Module m) {
        Map<String, float[]> now = snapshot(m);
        assertEquals(before.keySet(), now.keySet());
        before.forEach((k, v) -> assertArrayEquals(v, now.get(k), k + " changed by a failed load"));
    }

    private static void assertOneLine(String m) {
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void extraKeyStrictNamesItAndChangesNothing() {
        Net src = new Net(1), dst = new Net(2);
        Map<String, Tensor> state = new LinkedHashMap<>(src.stateDict());
        state.put("fc.weight.extra", Tensor.ones(10, 5));
        Map<String, Tensor> file = viaFile(state);
        Map<String, float[]> before = snapshot(dst);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dst.loadStateDict(file, true));
        assertTrue(e.getMessage().contains("unexpected [fc.weight.extra]"), e.getMessage());
        assertFalse(e.getMessage().contains("missing"), e.getMessage());
        assertOneLine(e.getMessage());
        assertUnchanged(before, dst);

        Module.LoadResult r = dst.loadStateDict(file, false);
        assertEquals(List.of("fc.weight.extra"), r.unexpected());
        assertEquals(List.of(), r.missing());
        assertArrayEquals(src.fc.weight().toFloatArray(), dst.fc.weight().toFloatArray(), "the matching names loaded");
    }

    @Test
    void missingBiasStrictFailsNonStrictLoadsTheRest() {
        Net src = new Net(1), dst = new Net(2);
        Map<String, Tensor> state = new LinkedHashMap<>(src.stateDict());
        state.remove("fc.bias");
        Map<String, Tensor> file = viaFile(state);
        Map<String, float[]> before = snapshot(dst);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dst.loadStateDict(file, true));
        assertTrue(e.getMessage().contains("missing [fc.bias]"), e.getMessage());
        assertFalse(e.getMessage().contains("unexpected"), e.getMessage());
        assertOneLine(e.getMessage());
        assertUnchanged(before, dst);

        Module.LoadResult r = dst.loadStateDict(file, false);
        assertEquals(List.of("fc.bias"), r.missing());
        assertEquals(List.of(), r.unexpected());
        assertFalse(r.clean());
        assertArrayEquals(src.fc.weight().toFloatArray(), dst.fc.weight().toFloatArray(), "fc.weight loaded");
        assertArrayEquals(before.get("fc.bias"), dst.fc.bias().toFloatArray(), "fc.bias untouched");
    }

    @Test
    void modulePrefixListsBothSides() {
        Net src = new Net(1), dst = new Net(2);
        Map<String, Tensor> state = new LinkedHashMap<>();
        src.stateDict().forEach((k, v) -> state.put("module." + k, v));
        Map<String, Tensor> file = viaFile(state);
        Map<String, float[]> before = snapshot(dst);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dst.loadStateDict(file, true));
        String m = e.getMessage();
        assertTrue(m.contains("missing [fc.bias, fc.weight]"), m);
        assertTrue(m.contains("unexpected [module.fc.bias, module.fc.weight]"), m);
        assertOneLine(m);
        assertUnchanged(before, dst);

        Module.LoadResult r = dst.loadStateDict(file, false);
        assertEquals(List.of("fc.bias", "fc.weight"), r.missing());
        assertEquals(List.of("module.fc.bias", "module.fc.weight"), r.unexpected());
        assertUnchanged(before, dst);
    }

    @Test
    void shapeMismatchNamesTheKeyAndBothShapesEitherWay() {
        Net dst = new Net(2);
        Map<String, Tensor> state = new LinkedHashMap<>(new Net(1).stateDict());
        state.put("fc.weight", Tensor.ones(5, 10));
        Map<String, Tensor> file = viaFile(state);
        Map<String, float[]> before = snapshot(dst);
        for (boolean strict : new boolean[] {true, false}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dst.loadStateDict(file, strict));
            String m = e.getMessage();
            assertTrue(m.contains("fc.weight") && m.contains("[5, 10]") && m.contains("[10, 5]"), m);
            assertOneLine(m);
            assertUnchanged(before, dst);
        }
    }

    @Test
    void strictFailureIsAllOrNothingEvenWhenMostNamesMatch() {
        // fc.weight matches and comes first; the load still fails as a whole.
        Net src = new Net(1), dst = new Net(2);
        Map<String, Tensor> state = new LinkedHashMap<>(src.stateDict());
        state.put("zzz.extra", Tensor.zeros(1));
        Map<String, Tensor> file = viaFile(state);
        Map<String, float[]> before = snapshot(dst);
        assertThrows(IllegalArgumentException.class, () -> dst.loadStateDict(file, true));
        assertUnchanged(before, dst);
    }

    @Test
    void cleanLoadThroughAFileCopiesEveryValueAndConvertsFloat64() {
        Net src = new Net(1), dst = new Net(2);
        Map<String, Tensor> state = new LinkedHashMap<>();
        src.stateDict().forEach((k, v) -> state.put(k, v.toType(DType.FLOAT64)));
        Module.LoadResult r = dst.loadStateDict(viaFile(state), true);
        assertTrue(r.clean());
        assertArrayEquals(src.fc.weight().toFloatArray(), dst.fc.weight().toFloatArray());
        assertArrayEquals(src.fc.bias().toFloatArray(), dst.fc.bias().toFloatArray());
        assertEquals(DType.FLOAT32, dst.fc.weight().dtype(), "the model keeps its type");
    }

    @Test
    void buffersAndNestedNamesAreCheckedTheSameWay() {
        WithBuffer src = new WithBuffer(4), dst = new WithBuffer(5);
        // PyTorch's order: the module's own parameters and buffers, then its children's entries.
        assertEquals(List.of("scale", "inner.fc.weight", "inner.fc.bias"), List.copyOf(src.stateDict().keySet()));
        Map<String, Tensor> state = new LinkedHashMap<>(src.stateDict());
        state.remove("scale");
        Map<String, Tensor> file = viaFile(state);
        Map<String, float[]> before = snapshot(dst);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dst.loadStateDict(file, true));
        assertTrue(e.getMessage().contains("missing [scale]"), e.getMessage());
        assertUnchanged(before, dst);
        Module.LoadResult r = dst.loadStateDict(file, false);
        assertEquals(List.of("scale"), r.missing());
        assertArrayEquals(new float[] {5, 5, 5}, dst.stateDict().get("scale").toFloatArray(), "the buffer is untouched");

        Map<String, Tensor> full = viaFile(src.stateDict());
        assertTrue(dst.loadStateDict(full, true).clean());
        assertArrayEquals(new float[] {4, 4, 4}, dst.stateDict().get("scale").toFloatArray(), "the buffer loads");
    }

    @Test
    void sequentialNumberedNamesAndAnOffByOneLayer() {
        // A checkpoint of Linear, ReLU, Linear ("0.*", "2.*") loaded into a model with an extra layer in front.
        Generator g = new Generator(3);
        Sequential src = new Sequential(new Linear(4, 3, true, Init.Scheme.DEFAULT, g), new Activation.ReLU(),
                new Linear(3, 2, true, Init.Scheme.DEFAULT, g));
        Sequential dst = new Sequential(new Activation.Identity(), new Linear(4, 3, true, Init.Scheme.DEFAULT, g),
                new Activation.ReLU(), new Linear(3, 2, true, Init.Scheme.DEFAULT, g));
        Map<String, Tensor> file = viaFile(src.stateDict());
        Map<String, float[]> before = snapshot(dst);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dst.loadStateDict(file, true));
        String m = e.getMessage();
        assertTrue(m.contains("missing [1.bias, 1.weight, 3.bias, 3.weight]"), m);
        assertTrue(m.contains("unexpected [0.bias, 0.weight, 2.bias, 2.weight]"), m);
        assertUnchanged(before, dst);
    }
}
