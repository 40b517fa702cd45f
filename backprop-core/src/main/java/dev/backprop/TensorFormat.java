package dev.backprop;

import java.util.Locale;

/** Renders tensors the way PyTorch prints them: nested brackets, aligned columns, long dimensions elided. */
final class TensorFormat {
    private static final int EDGE = 3;
    private static final int SUMMARIZE_ABOVE = 1000;

    private TensorFormat() {}

    static String format(Tensor t) {
        int[] shape = t.shape();
        boolean summarize = t.numel() > SUMMARIZE_ABOVE;
        Tensor c = t.detach();
        DType dt = t.dtype();
        boolean sci = false;
        if (dt.isFloating() && t.numel() > 0) {
            double maxAbs = 0, minAbs = Double.POSITIVE_INFINITY;
            for (double v : sample(c)) {
                if (!Double.isFinite(v)) continue;
                double a = Math.abs(v);
                maxAbs = Math.max(maxAbs, a);
                if (a > 0) minAbs = Math.min(minAbs, a);
            }
            sci = maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs != Double.POSITIVE_INFINITY);
        }
        StringBuilder sb = new StringBuilder("tensor(");
        int indent = "tensor(".length();
        render(sb, c, new int[0], shape, dt, sci, summarize, indent);
        if (shape.length != 1 || summarize) sb.append(", shape=").append(Shape.str(shape));
        if (dt != DType.FLOAT32) sb.append(", dtype=").append(dt);
        if (t.gradFn() != null) sb.append(", gradFn=").append(t.gradFn().name());
        else if (t.requiresGrad()) sb.append(", requiresGrad=true");
        return sb.append(')').toString();
    }

    private static double[] sample(Tensor t) {
        if (t.numel() <= SUMMARIZE_ABOVE) return t.toDoubleArray();
        return t.reshape(-1).narrow(0, 0, SUMMARIZE_ABOVE).toDoubleArray();
    }

    private static void render(StringBuilder sb, Tensor t, int[] prefix, int[] shape, DType dt, boolean sci,
                               boolean summarize, int indent) {
        int depth = prefix.length;
        if (depth == shape.length) {
            sb.append(value(t.getDouble(prefix), dt, sci));
            return;
        }
        sb.append('[');
        int n = shape[depth];
        for (int i = 0; i < n; i++) {
            if (summarize && n > 2 * EDGE && i == EDGE) {
                sb.append("...");
                i = n - EDGE - 1;
                sb.append(depth == shape.length - 1 ? ", " : ",\n" + " ".repeat(indent + depth + 1));
                continue;
            }
            int[] p = java.util.Arrays.copyOf(prefix, depth + 1);
            p[depth] = i;
            render(sb, t, p, shape, dt, sci, summarize, indent);
            if (i < n - 1) {
                if (depth == shape.length - 1) sb.append(", ");
                else sb.append(",").append("\n".repeat(shape.length - depth - 1)).append(" ".repeat(indent + depth + 1));
            }
        }
        sb.append(']');
    }

    private static String value(double v, DType dt, boolean sci) {
        return switch (dt) {
            case BOOL -> v != 0 ? "true" : "false";
            case INT64 -> Long.toString((long) v);
            default -> {
                if (Double.isNaN(v)) yield "nan";
                if (Double.isInfinite(v)) yield v > 0 ? "inf" : "-inf";
                yield sci ? String.format(Locale.ROOT, "%.4e", v) : String.format(Locale.ROOT, "%.4f", v);
            }
        };
    }
}
