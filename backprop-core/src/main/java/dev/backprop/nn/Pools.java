package dev.backprop.nn;

import java.math.BigDecimal;
import java.util.Arrays;

/** Small helpers shared by the pooling and normalisation modules: argument pairs and PyTorch-style printing. */
final class Pools {
    private Pools() {}

    /** (height, width) from one or two values. */
    static int[] pair(int[] v) {
        if (v == null || (v.length != 1 && v.length != 2)) {
            throw new IllegalArgumentException("expected 1 or 2 values (height, width), got " + (v == null ? "null" : Arrays.toString(v)));
        }
        return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
    }

    /** As PyTorch prints it: {@code 2} for a module built from an int, else {@code (2, 3)}. */
    static String str(int[] v, boolean square) {
        return square && v[0] == v[1] ? Integer.toString(v[0]) : "(" + v[0] + ", " + v[1] + ")";
    }

    /** A double as Python's repr writes it: 0.1, 1.0, 1e-05, 0.001. */
    static String py(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (v == 0) return (1 / v < 0) ? "-0.0" : "0.0";
        BigDecimal bd = new BigDecimal(Double.toString(v)).stripTrailingZeros();
        String digits = bd.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - bd.scale();
        String sign = v < 0 ? "-" : "";
        if (exp < -4 || exp >= 16) {
            String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        String plain = bd.abs().toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }
}
