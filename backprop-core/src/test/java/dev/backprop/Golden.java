package dev.backprop;

import dev.backprop.io.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The PyTorch golden values written by tools/golden/make_golden.py, read from the test resources. */
final class Golden {
    private Golden() {}

    /** One input of a case. */
    record Input(String kind, int[] shape, List<Object> data, boolean grad) {
        /** The input as a tensor: floats in {@code dtype} (requiring grad when the case says so), indices, masks. */
        Tensor tensor(DType dtype) {
            return switch (kind) {
                case "float" -> {
                    double[] d = doubles(data);
                    Tensor t = Tensor.of(d, shape.length == 0 ? new int[] {1} : shape).reshape(shape).detach();
                    if (dtype == DType.FLOAT32) t = t.toFloat().detach();
                    yield t.requiresGrad(grad);
                }
                case "int64" -> {
                    long[] l = new long[data.size()];
                    for (int i = 0; i < l.length; i++) l[i] = ((Double) data.get(i)).longValue();
                    yield Tensor.of(l, shape.length == 0 ? new int[] {1} : shape).reshape(shape).detach();
                }
                case "bool" -> {
                    boolean[] b = new boolean[data.size()];
                    for (int i = 0; i < b.length; i++) b[i] = (Boolean) data.get(i);
                    yield Tensor.of(b, shape.length == 0 ? new int[] {1} : shape).reshape(shape).detach();
                }
                default -> throw new IllegalStateException("unknown input kind " + kind);
            };
        }
    }

    /** One case in one dtype: inputs, PyTorch's output, the projection weight and the gradients. */
    record Case(String name, DType dtype, List<Input> inputs, int[] outShape, double[] output, double[] weight,
                List<double[]> grads) {
        Tensor[] tensors() {
            return inputs.stream().map(i -> i.tensor(dtype)).toArray(Tensor[]::new);
        }

        @Override
        public String toString() {
            return name + " (" + dtype + ")";
        }
    }

    private static List<Case> cases;

    /** All cases, loaded once. */
    static synchronized List<Case> cases() {
        if (cases == null) cases = load();
        return cases;
    }

    @SuppressWarnings("unchecked")
    private static List<Case> load() {
        String text;
        try (InputStream in = Golden.class.getResourceAsStream("/golden/ops.json")) {
            if (in == null) throw new IllegalStateException("golden/ops.json is missing: run tools/golden/make_golden.py");
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Object> root = (Map<String, Object>) Json.parse(text);
        List<Case> out = new ArrayList<>();
        for (Object o : (List<Object>) root.get("cases")) {
            Map<String, Object> c = (Map<String, Object>) o;
            List<Input> inputs = new ArrayList<>();
            for (Object io : (List<Object>) c.get("inputs")) {
                Map<String, Object> m = (Map<String, Object>) io;
                inputs.add(new Input((String) m.get("kind"), ints((List<Object>) m.get("shape")), (List<Object>) m.get("data"),
                        Boolean.TRUE.equals(m.get("grad"))));
            }
            Map<String, Object> output = (Map<String, Object>) c.get("output");
            List<double[]> grads = new ArrayList<>();
            for (Object g : (List<Object>) c.get("grads")) grads.add(g == null ? null : doubles((List<Object>) g));
            out.add(new Case((String) c.get("name"), "float64".equals(c.get("dtype")) ? DType.FLOAT64 : DType.FLOAT32,
                    inputs, ints((List<Object>) output.get("shape")), doubles((List<Object>) output.get("data")),
                    doubles((List<Object>) c.get("weight")), grads));
        }
        return out;
    }

    static int[] ints(List<Object> l) {
        return l.stream().mapToInt(v -> ((Double) v).intValue()).toArray();
    }

    static double[] doubles(List<Object> l) {
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) d[i] = ((Number) l.get(i)).doubleValue();
        return d;
    }
}
