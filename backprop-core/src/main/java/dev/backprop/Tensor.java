package dev.backprop;

import dev.backprop.ops.Op;
import dev.backprop.kernels.Kernels;
import dev.backprop.ops.BinaryOp;
import dev.backprop.ops.IndexOp;
import dev.backprop.ops.MatMulOp;
import dev.backprop.ops.MovementOp;
import dev.backprop.ops.ReduceOp;
import dev.backprop.ops.SoftmaxOp;
import dev.backprop.ops.UnaryOp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array of float32, float64, int64 or bool values that records, when asked, how it was computed,
 * so that gradients can flow back through it (reverse-mode automatic differentiation).
 *
 * <h2>Layout</h2>
 * A tensor is a view of a {@link Storage}: a shape, strides and an offset over a flat row-major array. Reshaping a
 * contiguous tensor, transposing, permuting, slicing, squeezing and expanding return views that share the storage
 * (no copy); {@link #contiguous()} and {@link #clone()} copy.
 *
 * <h2>Autograd</h2>
 * PyTorch semantics. Mark leaves with {@link #requiresGrad(boolean)}; every op on a tensor that requires grad
 * records a {@link Node}; {@link #backward()} on a scalar fills {@link #grad()} of each leaf with ∂L/∂leaf, adding
 * to what is there. Use {@link GradMode#noGrad()} for evaluation. Elementwise ops broadcast with NumPy rules.
 *
 * <h2>In-place changes</h2>
 * The methods ending in {@code _} change the tensor in place and record nothing. They are refused on a tensor that
 * requires grad while grad mode is on (do them under {@link GradMode#noGrad()}, as optimizers do); any in-place
 * change that reaches a tensor saved for backward is detected when backward runs, which then fails with a
 * message instead of returning a wrong gradient.
 *
 * <h2>Errors</h2>
 * Shape errors name the op and the shapes. Element counts are computed in {@code long}.
 */
public class Tensor {
    // Not final: setData may point a leaf at new elements (Module.to converting parameters in place).
    private Storage storage;
    private int offset;
    private final int[] shape;
    private int[] strides;

    // Graph state, owned by Backprop (same package).
    boolean requiresGrad;
    Node gradFn;
    Tensor grad;
    boolean retainsGrad;

    private Tensor(Storage storage, int offset, int[] shape, int[] strides) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
    }

    /** A new leaf viewing the same elements as {@code data} (for {@link dev.backprop.nn.Parameter}). */
    protected Tensor(Tensor data) {
        this(data.storage, data.offset, data.shape, data.strides);
    }

    // ------------------------------------------------------------------------------------------------ creation

    /**
     * A view of {@code storage} with the given offset, shape and strides (PyTorch's {@code as_strided}). Every
     * addressed element must lie inside the storage.
     */
    public static Tensor fromStorage(Storage storage, int offset, int[] shape, int[] strides) {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("fromStorage: shape " + Shape.str(shape) + " and strides "
                    + Shape.str(strides) + " differ in rank");
        }
        Shape.checked("fromStorage", shape);
        long lo = offset, hi = offset;
        boolean empty = false;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) empty = true;
            long span = (long) (shape[i] - 1) * strides[i];
            if (span < 0) lo += span;
            else hi += span;
        }
        if (!empty && (lo < 0 || hi >= storage.length())) {
            throw new IllegalArgumentException("fromStorage: shape " + Shape.str(shape) + ", strides "
                    + Shape.str(strides) + " and offset " + offset + " reach outside a storage of "
                    + storage.length() + " elements");
        }
        return new Tensor(storage, offset, shape.clone(), strides.clone());
    }

    /** A new zero-filled contiguous tensor. */
    public static Tensor zeros(DType dtype, int... shape) {
        int[] s = Shape.checked("zeros", shape);
        return new Tensor(Storage.allocate(dtype, Shape.numel(s)), 0, s, Shape.contiguousStrides(s));
    }

    /** A new float32 tensor of zeros. */
    public static Tensor zeros(int... shape) {
        return zeros(DType.FLOAT32, shape);
    }

    /** A new tensor of ones. */
    public static Tensor ones(DType dtype, int... shape) {
        return full(dtype, 1, shape);
    }

    /** A new float32 tensor of ones. */
    public static Tensor ones(int... shape) {
        return ones(DType.FLOAT32, shape);
    }

    /** A new tensor filled with {@code value}. */
    public static Tensor full(DType dtype, double value, int... shape) {
        Tensor t = zeros(dtype, shape);
        if (value != 0) t.storage.fill(0, t.storage.length(), value);
        return t;
    }

    /** A new float32 tensor filled with {@code value}. */
    public static Tensor full(double value, int... shape) {
        return full(DType.FLOAT32, value, shape);
    }

    /** Zeros with this tensor's shape and type. */
    public Tensor zerosLike() {
        return zeros(dtype(), shape);
    }

    /** Ones with this tensor's shape and type. */
    public Tensor onesLike() {
        return ones(dtype(), shape);
    }

    /** A 0-dimensional float32 tensor. */
    public static Tensor scalar(double value) {
        return scalar(DType.FLOAT32, value);
    }

    /** A 0-dimensional tensor of the given type. */
    public static Tensor scalar(DType dtype, double value) {
        return full(dtype, value);
    }

    /** A float32 tensor from Java values (copied). With no shape, a 1-D tensor of {@code data.length}. */
    public static Tensor of(float[] data, int... shape) {
        int[] s = dataShape("of", data.length, shape);
        return new Tensor(Storage.wrap(data.clone()), 0, s, Shape.contiguousStrides(s));
    }

    /** A float64 tensor from Java values (copied). With no shape, a 1-D tensor of {@code data.length}. */
    public static Tensor of(double[] data, int... shape) {
        int[] s = dataShape("of", data.length, shape);
        return new Tensor(Storage.wrap(data.clone()), 0, s, Shape.contiguousStrides(s));
    }

    /** An int64 tensor (indices) from Java values (copied). */
    public static Tensor of(long[] data, int... shape) {
        int[] s = dataShape("of", data.length, shape);
        return new Tensor(Storage.wrap(data.clone()), 0, s, Shape.contiguousStrides(s));
    }

    /** An int64 tensor (indices) from Java ints. */
    public static Tensor of(int[] data, int... shape) {
        long[] l = new long[data.length];
        for (int i = 0; i < data.length; i++) l[i] = data[i];
        int[] s = dataShape("of", data.length, shape);
        return new Tensor(Storage.wrap(l), 0, s, Shape.contiguousStrides(s));
    }

    /** A bool tensor (a mask) from Java values (copied). */
    public static Tensor of(boolean[] data, int... shape) {
        int[] s = dataShape("of", data.length, shape);
        return new Tensor(Storage.wrap(data.clone()), 0, s, Shape.contiguousStrides(s));
    }

    private static int[] dataShape(String op, int n, int[] shape) {
        if (shape.length == 0) return new int[] {n};
        int[] s = Shape.infer(op, new int[] {n}, Shape.checked(op, shape));
        return s;
    }

    /** int64 values 0, 1, ..., end-1 (PyTorch's {@code arange(end)}). */
    public static Tensor arange(int end) {
        return arange(0, end);
    }

    /** int64 values start, start+1, ..., end-1. */
    public static Tensor arange(int start, int end) {
        long[] v = new long[Math.max(0, end - start)];
        for (int i = 0; i < v.length; i++) v[i] = start + i;
        return of(v);
    }

    /** float32 values start, start+step, ... below end (above, for a negative step). */
    public static Tensor arange(double start, double end, double step) {
        if (step == 0 || Double.isNaN(step)) throw new IllegalArgumentException("arange: step must be non-zero, got " + step);
        long n = (long) Math.max(0, Math.ceil((end - start) / step));
        if (n > Storage.MAX_ELEMENTS) throw new IllegalArgumentException("arange: " + n + " elements is too many");
        float[] v = new float[(int) n];
        for (int i = 0; i < n; i++) v[i] = (float) (start + i * step);
        return new Tensor(Storage.wrap(v), 0, new int[] {(int) n}, new int[] {1});
    }

    /** The n×n float32 identity matrix. */
    public static Tensor eye(int n) {
        return eye(DType.FLOAT32, n, n);
    }

    /** An n×m matrix with ones on the diagonal. */
    public static Tensor eye(DType dtype, int n, int m) {
        Tensor t = zeros(dtype, n, m);
        for (int i = 0; i < Math.min(n, m); i++) t.storage.setDouble(i * m + i, 1);
        return t;
    }

    /** Uniform values in [0, 1), float32. */
    public static Tensor rand(Generator gen, int... shape) {
        return rand(gen, DType.FLOAT32, shape);
    }

    /** Uniform values in [0, 1). */
    public static Tensor rand(Generator gen, DType dtype, int... shape) {
        Tensor t = zeros(floating("rand", dtype), shape);
        for (int i = 0; i < t.storage.length(); i++) t.storage.setDouble(i, gen.nextDouble());
        return t;
    }

    /** Standard normal values N(0, 1), float32. */
    public static Tensor randn(Generator gen, int... shape) {
        return randn(gen, DType.FLOAT32, shape);
    }

    /** Standard normal values N(0, 1). */
    public static Tensor randn(Generator gen, DType dtype, int... shape) {
        Tensor t = zeros(floating("randn", dtype), shape);
        for (int i = 0; i < t.storage.length(); i++) t.storage.setDouble(i, gen.nextGaussian());
        return t;
    }

    private static DType floating(String op, DType dtype) {
        if (!dtype.isFloating()) throw new IllegalArgumentException(op + ": needs float32 or float64, got " + dtype);
        return dtype;
    }

    // ------------------------------------------------------------------------------------------------ metadata

    /** The sizes of the dimensions (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** The size of dimension {@code dim} (negative counts from the end). */
    public int size(int dim) {
        return shape[Shape.wrapDim("size", dim, shape.length)];
    }

    /** The number of dimensions (0 for a scalar). */
    public int dim() {
        return shape.length;
    }

    /** The number of elements, as a long. */
    public long numel() {
        return Shape.numel(shape);
    }

    public DType dtype() {
        return storage.dtype();
    }

    /** Element strides of each dimension (a copy). */
    public int[] stride() {
        return strides.clone();
    }

    /** Index of this tensor's first element in its storage. */
    public int storageOffset() {
        return offset;
    }

    /** The storage this tensor views. */
    public Storage storage() {
        return storage;
    }

    /** True when the elements are laid out row-major without gaps, so the storage can be read linearly. */
    public boolean isContiguous() {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------ autograd

    /** Marks this tensor as a leaf whose gradient is wanted (PyTorch's {@code requires_grad_}); returns this. */
    public Tensor requiresGrad(boolean on) {
        if (on && !dtype().isFloating()) {
            throw new IllegalArgumentException("requiresGrad: only float32 and float64 tensors can require grad, this one is "
                    + dtype());
        }
        if (gradFn != null && !on) {
            throw new IllegalStateException("requiresGrad(false) on a tensor computed in the graph; use detach() instead");
        }
        requiresGrad = on;
        return this;
    }

    /** Whether gradients flow to or through this tensor. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** True for tensors not computed by a recorded op (user-created, or detached). */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** The node that computed this tensor, or null for a leaf. */
    public Node gradFn() {
        return gradFn;
    }

    /** The accumulated gradient ∂L/∂this, or null if none has been computed (or it was zeroed). */
    public Tensor grad() {
        return grad;
    }

    /** Replaces the accumulated gradient (null clears it). */
    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape, shape)) {
            throw new IllegalArgumentException("setGrad: gradient shape " + Shape.str(g.shape) + " differs from tensor shape "
                    + Shape.str(shape));
        }
        grad = g;
    }

    /** Clears the gradient (sets it to null, as PyTorch's {@code zero_grad(set_to_none=True)}, its default). */
    public void zeroGrad() {
        grad = null;
    }

    /** Keeps this non-leaf tensor's gradient in {@link #grad()} after backward. */
    public Tensor retainGrad() {
        if (!requiresGrad) throw new IllegalStateException("retainGrad on a tensor that does not require grad");
        retainsGrad = true;
        return this;
    }

    /** Backward from this scalar: ∂this/∂leaf is added into each leaf's {@link #grad()}. */
    public void backward() {
        Backprop.backward(this, null, false);
    }

    /** Backward with the given ∂L/∂this (for a non-scalar tensor). */
    public void backward(Tensor gradient) {
        Backprop.backward(this, gradient, false);
    }

    /** Backward that also records the gradient computation, so gradients can be differentiated again. */
    public void backward(Tensor gradient, boolean createGraph) {
        Backprop.backward(this, gradient, createGraph);
    }

    /**
     * Backward with PyTorch's options: {@code retainGraph} keeps the graph for another pass (without it a second
     * pass through the same nodes is an error), {@code createGraph} records the backward computation. A null
     * gradient means ones for a scalar.
     */
    public void backward(Tensor gradient, boolean retainGraph, boolean createGraph) {
        Backprop.backward(this, gradient, retainGraph, createGraph);
    }

    // ---- setData (begin)
    /**
     * Makes this leaf hold {@code source}'s elements, in place: it views {@code source}'s storage (sharing it, no
     * copy), with its offset, strides and element type, and stays the same object (PyTorch's
     * {@code tensor.data = source}). It is how {@link dev.backprop.nn.Module#to} converts parameters and buffers
     * while the layers keep their references to them; most code never needs it.
     *
     * <ul>
     *   <li>Only a leaf, only the same shape; the type may change between float32 and float64 (or stay).</li>
     *   <li>On a tensor that requires grad, only under {@link GradMode#noGrad()} (as every in-place change).</li>
     *   <li>{@link #grad()} is left as it is (the caller converts it when the type changes).</li>
     *   <li>A graph recorded earlier that saved this tensor can no longer run backward: the new storage's version
     *       is set past the old one, so backward fails with the in-place message instead of mixing old and new
     *       values. Views taken earlier (including {@link #detach()}) keep the old elements.</li>
     * </ul>
     */
    public Tensor setData(Tensor source) {
        checkInPlace("setData", source);
        if (gradFn != null) {
            throw new IllegalStateException("setData: only a leaf tensor can take new data; this one was computed by "
                    + gradFn.name());
        }
        if (!Arrays.equals(source.shape, shape)) {
            throw new IllegalArgumentException("setData: the new data has shape " + Shape.str(source.shape)
                    + " but the tensor has shape " + Shape.str(shape));
        }
        if (requiresGrad && !source.dtype().isFloating()) {
            throw new IllegalArgumentException("setData: a tensor that requires grad needs float32 or float64 data, got "
                    + source.dtype());
        }
        if (source.storage != storage) {
            source.storage.versionPast(storage.version());
        }
        storage = source.storage;
        offset = source.offset;
        strides = source.strides.clone();
        return this;
    }
    // ---- setData (end)

    /** A tensor sharing this one's storage but cut off from the graph (no gradient flows through it). */
    public Tensor detach() {
        return new Tensor(storage, offset, shape, strides);
    }

    /** A new view object of the same elements (used by the engine when a forward returns its input). */
    Tensor aliasView() {
        return new Tensor(storage, offset, shape, strides);
    }

    // ------------------------------------------------------------------------------------------------ elementwise

    private Tensor unary(UnaryOp op) {
        return Backprop.apply(op, this);
    }

    private Tensor binary(BinaryOp op, Tensor other) {
        return Backprop.apply(op, this, other);
    }

    /** A 0-d tensor of this tensor's type holding {@code c}, to combine with it. */
    private Tensor constant(double c) {
        return scalar(dtype().isFloating() ? dtype() : DType.FLOAT32, c);
    }

    /** this + other, broadcasting. */
    public Tensor add(Tensor other) {
        return binary(new BinaryOp.Add(), other);
    }

    /** this + c. */
    public Tensor add(double c) {
        return add(constant(c));
    }

    /** this − other, broadcasting. */
    public Tensor sub(Tensor other) {
        return binary(new BinaryOp.Sub(), other);
    }

    /** this − c. */
    public Tensor sub(double c) {
        return sub(constant(c));
    }

    /** c − this. */
    public Tensor rsub(double c) {
        return constant(c).sub(this);
    }

    /** this · other elementwise, broadcasting. */
    public Tensor mul(Tensor other) {
        return binary(new BinaryOp.Mul(), other);
    }

    /** this · c. */
    public Tensor mul(double c) {
        return mul(constant(c));
    }

    /** this / other elementwise, broadcasting. */
    public Tensor div(Tensor other) {
        return binary(new BinaryOp.Div(), other);
    }

    /** this / c. */
    public Tensor div(double c) {
        return div(constant(c));
    }

    /** this ^ other elementwise, broadcasting. */
    public Tensor pow(Tensor exponent) {
        return binary(new BinaryOp.Pow(), exponent);
    }

    /** this ^ p. */
    public Tensor pow(double p) {
        return unary(new UnaryOp.PowScalar(p));
    }

    /** this². */
    public Tensor square() {
        return pow(2);
    }

    /** The larger of this and other, elementwise (ties split the gradient evenly, as PyTorch). */
    public Tensor maximum(Tensor other) {
        return binary(new BinaryOp.Maximum(), other);
    }

    /** The smaller of this and other, elementwise (ties split the gradient evenly, as PyTorch). */
    public Tensor minimum(Tensor other) {
        return binary(new BinaryOp.Minimum(), other);
    }

    /** −this. */
    public Tensor neg() {
        return unary(new UnaryOp.Neg());
    }

    /** eˣ. */
    public Tensor exp() {
        return unary(new UnaryOp.Exp());
    }

    /** Natural logarithm (−∞ at 0, NaN below). */
    public Tensor log() {
        return unary(new UnaryOp.Log());
    }

    /** Square root. */
    public Tensor sqrt() {
        return unary(new UnaryOp.Sqrt());
    }

    /** |x|; its gradient at 0 is 0. */
    public Tensor abs() {
        return unary(new UnaryOp.Abs());
    }

    /** The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt. */
    public Tensor erf() {
        return unary(new UnaryOp.Erf());
    }

    /** Clamps into [min, max] (either may be infinite); the gradient passes where min ≤ x ≤ max. */
    public Tensor clamp(double min, double max) {
        if (min > max) throw new IllegalArgumentException("clamp: min " + min + " is greater than max " + max);
        return unary(new UnaryOp.Clamp(min, max));
    }

    /** max(x, min). */
    public Tensor clampMin(double min) {
        return clamp(min, Double.POSITIVE_INFINITY);
    }

    /** min(x, max). */
    public Tensor clampMax(double max) {
        return clamp(Double.NEGATIVE_INFINITY, max);
    }

    /** Elementwise choice: {@code mask ? a : b}, broadcasting all three. The mask takes no gradient. */
    public static Tensor where(Tensor mask, Tensor a, Tensor b) {
        if (mask.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("where: the mask must be a bool tensor (from a comparison such as gt), got "
                    + mask.dtype());
        }
        return Backprop.apply(new IndexOp.Where(mask.detach()), a, b);
    }

    /** The sign of each element (−1, 0 or 1) as a constant: it takes no gradient. */
    public Tensor sign() {
        return Kernels.active().compare(Kernels.Comparison.SIGN, this, this);
    }

    // ------------------------------------------------------------------------------------------------ activations

    /** max(x, 0); its derivative at 0 is taken as 0. */
    public Tensor relu() {
        return unary(new UnaryOp.Relu());
    }

    /** x for x &gt; 0, slope·x otherwise (PyTorch's default slope is 0.01). */
    public Tensor leakyRelu(double slope) {
        return unary(new UnaryOp.LeakyRelu(slope));
    }

    /** σ(x) = 1 / (1 + e^(−x)), computed without overflow at either end. */
    public Tensor sigmoid() {
        return unary(new UnaryOp.Sigmoid());
    }

    /** tanh(x). */
    public Tensor tanh() {
        return unary(new UnaryOp.Tanh());
    }

    /** GELU, exact form x·Φ(x) = x·½(1 + erf(x/√2)) (PyTorch's default). */
    public Tensor gelu() {
        return unary(new UnaryOp.Gelu(false));
    }

    /** GELU; {@code tanhApproximation} uses ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
    public Tensor gelu(boolean tanhApproximation) {
        return unary(new UnaryOp.Gelu(tanhApproximation));
    }

    /** softplus(x) = ln(1 + eˣ) (β = 1, linear above 20, as PyTorch). */
    public Tensor softplus() {
        return softplus(1, 20);
    }

    /** softplus(x) = (1/β)·ln(1 + e^(βx)), and x itself where βx &gt; threshold. */
    public Tensor softplus(double beta, double threshold) {
        return unary(new UnaryOp.Softplus(beta, threshold));
    }

    /**
     * softmax along {@code dim}: e^(xᵢ − max) / Σⱼ e^(xⱼ − max). A slice whose entries are all −∞ (fully masked)
     * gives zeros rather than NaN.
     */
    public Tensor softmax(int dim) {
        return Backprop.apply(new SoftmaxOp.Softmax(Shape.wrapDim("softmax", dim, dim())), this);
    }

    /** log-softmax along {@code dim}: xᵢ − max − ln Σⱼ e^(xⱼ − max), stable for any input. */
    public Tensor logSoftmax(int dim) {
        return Backprop.apply(new SoftmaxOp.LogSoftmax(Shape.wrapDim("logSoftmax", dim, dim())), this);
    }

    // ------------------------------------------------------------------------------------------------ comparisons

    /** this == other elementwise, as a bool tensor (no gradient). */
    public Tensor eq(Tensor other) {
        return Kernels.active().compare(Kernels.Comparison.EQ, this, other);
    }

    /** this != other, as bool. */
    public Tensor ne(Tensor other) {
        return Kernels.active().compare(Kernels.Comparison.NE, this, other);
    }

    /** this &lt; other, as bool. */
    public Tensor lt(Tensor other) {
        return Kernels.active().compare(Kernels.Comparison.LT, this, other);
    }

    /** this ≤ other, as bool. */
    public Tensor le(Tensor other) {
        return Kernels.active().compare(Kernels.Comparison.LE, this, other);
    }

    /** this &gt; other, as bool. */
    public Tensor gt(Tensor other) {
        return Kernels.active().compare(Kernels.Comparison.GT, this, other);
    }

    /** this ≥ other, as bool. */
    public Tensor ge(Tensor other) {
        return Kernels.active().compare(Kernels.Comparison.GE, this, other);
    }

    public Tensor eq(double c) {
        return eq(constant(c));
    }

    public Tensor ne(double c) {
        return ne(constant(c));
    }

    public Tensor lt(double c) {
        return lt(constant(c));
    }

    public Tensor le(double c) {
        return le(constant(c));
    }

    public Tensor gt(double c) {
        return gt(constant(c));
    }

    public Tensor ge(double c) {
        return ge(constant(c));
    }

    /** Logical and of two bool tensors. */
    public Tensor and(Tensor other) {
        return Kernels.active().compare(Kernels.Comparison.AND, this, other);
    }

    /** Logical or of two bool tensors. */
    public Tensor or(Tensor other) {
        return Kernels.active().compare(Kernels.Comparison.OR, this, other);
    }

    /** Logical not of a bool tensor. */
    public Tensor not() {
        return Kernels.active().compare(Kernels.Comparison.NOT, this, this);
    }

    /** True where the value is NaN. */
    public Tensor isNan() {
        return Kernels.active().compare(Kernels.Comparison.IS_NAN, this, this);
    }

    /** True where the value is finite (not NaN or ±∞). */
    public Tensor isFinite() {
        return Kernels.active().compare(Kernels.Comparison.IS_FINITE, this, this);
    }

    /**
     * Histogram of the values into {@code bins} equal bins over [min, max] (PyTorch's {@code histc}); values outside
     * are ignored, max falls in the last bin. Bin indices are computed in double, so they do not wrap for large
     * counts. Returns float64 counts; no gradient.
     */
    public Tensor histc(int bins, double min, double max) {
        if (bins <= 0) throw new IllegalArgumentException("histc: bins must be positive, got " + bins);
        if (!(max > min)) throw new IllegalArgumentException("histc: max (" + max + ") must exceed min (" + min + ")");
        double[] counts = new double[bins];
        double[] v = toDoubleArray();
        for (double x : v) {
            if (!(x >= min && x <= max)) continue;
            long b = (long) ((x - min) / (max - min) * bins);
            counts[(int) Math.min(b, bins - 1)]++;
        }
        return of(counts);
    }

    // ------------------------------------------------------------------------------------------------ reductions

    private int[] reduceDims(String op, int... dims) {
        if (dims.length == 0) {
            int[] all = new int[shape.length];
            for (int i = 0; i < all.length; i++) all[i] = i;
            return all;
        }
        boolean[] seen = new boolean[Math.max(shape.length, 1)];
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            int d = Shape.wrapDim(op, dims[i], shape.length);
            if (seen[d]) throw new IllegalArgumentException(op + ": dimension " + d + " appears twice in " + Arrays.toString(dims));
            seen[d] = true;
            out[i] = d;
        }
        if (shape.length == 0) return new int[0];
        Arrays.sort(out);
        return out;
    }

    /** The sum of all elements, as a 0-d tensor (accumulated in double). */
    public Tensor sum() {
        return sum(new int[0], false);
    }

    /** The sum over {@code dim}. */
    public Tensor sum(int dim, boolean keepDim) {
        return sum(new int[] {dim}, keepDim);
    }

    /** The sum over the given dimensions (all when empty). */
    public Tensor sum(int[] dims, boolean keepDim) {
        return Backprop.apply(new ReduceOp.Sum(reduceDims("sum", dims), keepDim), this);
    }

    /** The mean of all elements. */
    public Tensor mean() {
        return mean(new int[0], false);
    }

    /** The mean over {@code dim}. */
    public Tensor mean(int dim, boolean keepDim) {
        return mean(new int[] {dim}, keepDim);
    }

    /** The mean over the given dimensions (all when empty). */
    public Tensor mean(int[] dims, boolean keepDim) {
        int[] d = reduceDims("mean", dims);
        return sum(d, keepDim).div(count(d));
    }

    private long count(int[] dims) {
        long n = 1;
        for (int d : dims) n *= shape[d];
        return n;
    }

    /** The unbiased variance (n − 1 in the denominator) of all elements, as PyTorch's default. */
    public Tensor var() {
        return var(new int[0], 1, false);
    }

    /**
     * The variance over {@code dims}: Σ(x − mean)² / (n − correction). correction 1 is the unbiased (Bessel)
     * estimate, 0 the biased one.
     */
    public Tensor var(int[] dims, int correction, boolean keepDim) {
        int[] d = reduceDims("var", dims);
        Tensor centred = sub(mean(d, true));
        return centred.mul(centred).sum(d, keepDim).div(Math.max(0, count(d) - correction));
    }

    /** The standard deviation, √var. */
    public Tensor std(int[] dims, int correction, boolean keepDim) {
        return var(dims, correction, keepDim).sqrt();
    }

    /** The largest element (0-d); ties share the gradient evenly. */
    public Tensor max() {
        return amax();
    }

    /** The smallest element (0-d); ties share the gradient evenly. */
    public Tensor min() {
        return amin();
    }

    /** The largest values over the given dimensions (all when none given), keeping none of them. */
    public Tensor amax(int... dims) {
        return amax(dims, false);
    }

    /** The largest values over {@code dims}; tied maxima share the gradient evenly. */
    public Tensor amax(int[] dims, boolean keepDim) {
        return Backprop.apply(new ReduceOp.Amax(reduceDims("amax", dims), keepDim), this);
    }

    /** The smallest values over the given dimensions (all when none given). */
    public Tensor amin(int... dims) {
        return amin(dims, false);
    }

    /** The smallest values over {@code dims}; tied minima share the gradient evenly. */
    public Tensor amin(int[] dims, boolean keepDim) {
        return Backprop.apply(new ReduceOp.Amin(reduceDims("amin", dims), keepDim), this);
    }

    /** Values and their positions, as returned by {@link #max(int, boolean)}. */
    public record ValuesIndices(Tensor values, Tensor indices) {}

    /** The maximum over {@code dim} and its (first) index; the values carry the gradient. */
    public ValuesIndices max(int dim, boolean keepDim) {
        return new ValuesIndices(amax(new int[] {dim}, keepDim), argmax(dim, keepDim));
    }

    /** The minimum over {@code dim} and its (first) index; the values carry the gradient. */
    public ValuesIndices min(int dim, boolean keepDim) {
        return new ValuesIndices(amin(new int[] {dim}, keepDim), argmin(dim, keepDim));
    }

    /** Index of the largest element of the flattened tensor (first on ties), int64. */
    public Tensor argmax() {
        return reshape(-1).argmax(0, false);
    }

    /** Index of the largest element along {@code dim} (first on ties), int64. */
    public Tensor argmax(int dim, boolean keepDim) {
        return Kernels.active().argReduce(this, Shape.wrapDim("argmax", dim, dim()), keepDim, true);
    }

    /** Index of the smallest element along {@code dim} (first on ties), int64. */
    public Tensor argmin(int dim, boolean keepDim) {
        return Kernels.active().argReduce(this, Shape.wrapDim("argmin", dim, dim()), keepDim, false);
    }

    /** ln Σ eˣ over all elements, stable (the max is subtracted first). */
    public Tensor logsumexp() {
        return logsumexp(new int[0], false);
    }

    /** ln Σ eˣ over {@code dims}, stable; a slice of all −∞ gives −∞. */
    public Tensor logsumexp(int[] dims, boolean keepDim) {
        return Backprop.apply(new ReduceOp.LogSumExp(reduceDims("logsumexp", dims), keepDim), this);
    }

    /** The Euclidean norm ‖x‖₂ of all elements; its gradient at 0 is 0. */
    public Tensor norm() {
        return norm(2, new int[0], false);
    }

    /** The p-norm of all elements, for p = 1, 2 or ∞. */
    public Tensor norm(double p) {
        return norm(p, new int[0], false);
    }

    /**
     * The p-norm over {@code dims}: p = 2 is computed as m·√Σ(x/m)² with m = max|x| so that tiny and huge values
     * neither underflow nor overflow; p = 1 is Σ|x|; p = ∞ is max|x|.
     */
    public Tensor norm(double p, int[] dims, boolean keepDim) {
        int[] d = reduceDims("norm", dims);
        if (p == 2) return Backprop.apply(new ReduceOp.Norm(d, keepDim), this);
        if (p == 1) return abs().sum(d, keepDim);
        if (p == Double.POSITIVE_INFINITY) return abs().amax(d, keepDim);
        throw new IllegalArgumentException("norm: p must be 1, 2 or infinity, got " + p);
    }

    // ------------------------------------------------------------------------------------------------ linear algebra

    /**
     * Matrix product with PyTorch's rules: 1-D·1-D is a dot product; a 1-D left operand is a row vector and a 1-D
     * right operand a column vector (the added dimension is removed again); otherwise the last two dimensions are
     * multiplied, (…, m, k)·(…, k, n) → (…, m, n), and the leading (batch) dimensions broadcast.
     */
    public Tensor matmul(Tensor other) {
        if (dim() == 0 || other.dim() == 0) {
            throw new IllegalArgumentException("matmul: both operands need at least one dimension, got shapes "
                    + Shape.str(shape) + " and " + Shape.str(other.shape));
        }
        if (dim() == 1 && other.dim() == 1) {
            if (shape[0] != other.shape[0]) {
                throw new IllegalArgumentException("matmul: dot product of vectors of different sizes, shapes "
                        + Shape.str(shape) + " and " + Shape.str(other.shape));
            }
            return unsqueeze(0).matmul(other.unsqueeze(1)).reshape();
        }
        if (dim() == 1) return unsqueeze(0).matmul(other).squeeze(-2);
        if (other.dim() == 1) return matmul(other.unsqueeze(1)).squeeze(-1);
        return Backprop.apply(new MatMulOp.MatMul(), this, other);
    }

    /** The last two dimensions swapped (PyTorch's {@code mT}). */
    public Tensor mT() {
        return transpose(-2, -1);
    }

    /** Transpose of a matrix (or a vector, unchanged). */
    public Tensor t() {
        if (dim() > 2) throw new IllegalArgumentException("t: expects at most 2 dimensions, got shape " + Shape.str(shape)
                + "; use transpose(d0, d1) or mT()");
        return dim() < 2 ? aliasIfNoGrad() : transpose(0, 1);
    }

    private Tensor aliasIfNoGrad() {
        return Backprop.apply(new MovementOp.Reshape(shape), this);
    }

    // ------------------------------------------------------------------------------------------------ shape

    /** The same elements in a new shape (one size may be −1); a view when the layout allows, else a copy. */
    public Tensor reshape(int... newShape) {
        int[] s = Shape.infer("reshape", shape, newShape);
        return Backprop.apply(new MovementOp.Reshape(s), this);
    }

    /** Like {@link #reshape} but never copies: fails when the layout does not allow a view. */
    public Tensor view(int... newShape) {
        int[] s = Shape.infer("view", shape, newShape);
        if (viewStrides(s) == null) {
            throw new IllegalArgumentException("view: a tensor of shape " + Shape.str(shape) + " and strides "
                    + Shape.str(strides) + " cannot be viewed as " + Shape.str(s) + "; use reshape() (which copies)");
        }
        return reshape(s);
    }

    /** Strides that view this tensor as {@code newShape} without copying, or null when only a copy can do it. */
    public int[] viewStrides(int[] newShape) {
        if (isContiguous()) return Shape.contiguousStrides(newShape);
        // Old dims that are laid out as one contiguous run ("chunk") can be regrouped freely; a view exists when
        // every run of new dims multiplies out to exactly one chunk (the rule of PyTorch's computeStride).
        int[] out = new int[newShape.length];
        int vd = newShape.length - 1;
        long chunkBase = strides[shape.length - 1];
        long tensorCount = 1, viewCount = 1;
        for (int td = shape.length - 1; td >= 0; td--) {
            tensorCount *= shape[td];
            boolean chunkEnds = td == 0 || (shape[td - 1] != 1 && strides[td - 1] != tensorCount * chunkBase);
            if (!chunkEnds) continue;
            while (vd >= 0 && (viewCount < tensorCount || newShape[vd] == 1)) {
                out[vd] = (int) (viewCount * chunkBase);
                viewCount *= newShape[vd];
                vd--;
            }
            if (viewCount != tensorCount) return null;
            if (td > 0) {
                chunkBase = strides[td - 1];
                tensorCount = 1;
                viewCount = 1;
            }
        }
        return vd == -1 ? out : null;
    }

    /** Makes a view with the given layout over the same storage (internal to ops). */
    public Tensor asStrided(int[] newShape, int[] newStrides, int newOffset) {
        return new Tensor(storage, newOffset, newShape.clone(), newStrides.clone());
    }

    /** All dimensions flattened into one. */
    public Tensor flatten() {
        return reshape(-1);
    }

    /** Dimensions {@code start..end} (inclusive) flattened into one. */
    public Tensor flatten(int start, int end) {
        if (dim() == 0) return reshape(1);
        int s = Shape.wrapDim("flatten", start, dim()), e = Shape.wrapDim("flatten", end, dim());
        if (s > e) throw new IllegalArgumentException("flatten: start " + start + " is after end " + end);
        int[] ns = new int[dim() - (e - s)];
        int k = 0;
        for (int i = 0; i < s; i++) ns[k++] = shape[i];
        long m = 1;
        for (int i = s; i <= e; i++) m *= shape[i];
        ns[k++] = (int) m;
        for (int i = e + 1; i < dim(); i++) ns[k++] = shape[i];
        return reshape(ns);
    }

    /** The dimensions reordered: output dim i is input dim {@code dims[i]}. A view. */
    public Tensor permute(int... dims) {
        if (dims.length != dim()) {
            throw new IllegalArgumentException("permute: " + Arrays.toString(dims) + " has " + dims.length
                    + " dimensions but the tensor has shape " + Shape.str(shape));
        }
        int[] d = new int[dims.length];
        boolean[] seen = new boolean[dims.length];
        for (int i = 0; i < dims.length; i++) {
            d[i] = Shape.wrapDim("permute", dims[i], dim());
            if (seen[d[i]]) throw new IllegalArgumentException("permute: dimension repeated in " + Arrays.toString(dims));
            seen[d[i]] = true;
        }
        return Backprop.apply(new MovementOp.Permute(d), this);
    }

    /** Dimensions d0 and d1 swapped. A view. */
    public Tensor transpose(int d0, int d1) {
        int a = Shape.wrapDim("transpose", d0, dim()), b = Shape.wrapDim("transpose", d1, dim());
        int[] p = new int[dim()];
        for (int i = 0; i < p.length; i++) p[i] = i;
        p[a] = b;
        p[b] = a;
        return permute(p);
    }

    /** All size-1 dimensions removed. */
    public Tensor squeeze() {
        int[] ns = Arrays.stream(shape).filter(s -> s != 1).toArray();
        return reshape(ns);
    }

    /** Dimension {@code dim} removed if its size is 1 (unchanged otherwise, as PyTorch). */
    public Tensor squeeze(int dim) {
        if (dim() == 0) return reshape();
        int d = Shape.wrapDim("squeeze", dim, dim());
        if (shape[d] != 1) return reshape(shape);
        int[] ns = new int[dim() - 1];
        for (int i = 0, k = 0; i < dim(); i++) if (i != d) ns[k++] = shape[i];
        return reshape(ns);
    }

    /** A size-1 dimension inserted at {@code dim} (which may be {@code dim()}, or negative). */
    public Tensor unsqueeze(int dim) {
        int d = Shape.wrapDim("unsqueeze", dim, dim() + 1);
        int[] ns = new int[dim() + 1];
        for (int i = 0, k = 0; i < ns.length; i++) ns[i] = i == d ? 1 : shape[k++];
        return reshape(ns);
    }

    /**
     * This tensor repeated along size-1 (or new leading) dimensions to {@code newShape}, without copying (stride
     * 0). −1 keeps a size.
     */
    public Tensor expand(int... newShape) {
        if (newShape.length < dim()) {
            throw new IllegalArgumentException("expand: cannot expand shape " + Shape.str(shape) + " to fewer dimensions "
                    + Shape.str(newShape));
        }
        int[] s = newShape.clone();
        int lead = s.length - dim();
        for (int i = 0; i < s.length; i++) {
            int have = i < lead ? 1 : shape[i - lead];
            if (s[i] == -1) {
                if (i < lead) throw new IllegalArgumentException("expand: -1 is not allowed for a new leading dimension");
                s[i] = have;
            }
            if (have != s[i] && have != 1) {
                throw new IllegalArgumentException("expand: cannot expand shape " + Shape.str(shape) + " to "
                        + Shape.str(newShape) + " (dimension " + i + " has size " + have + ", not 1)");
            }
        }
        return Backprop.apply(new MovementOp.Expand(s), this);
    }

    /** Same as {@link #expand}, by its NumPy name. */
    public Tensor broadcastTo(int... newShape) {
        Shape.broadcast("broadcastTo", shape, newShape);
        return expand(newShape);
    }

    /** Expanded to {@code other}'s shape. */
    public Tensor expandAs(Tensor other) {
        return expand(other.shape);
    }

    /** Elements {@code start, start+step, ...} below {@code end} along {@code dim} (Python's {@code start:end:step}). */
    public Tensor slice(int dim, int start, int end, int step) {
        int d = Shape.wrapDim("slice", dim, dim());
        if (step <= 0) throw new IllegalArgumentException("slice: step must be positive, got " + step);
        int n = shape[d];
        int s = start < 0 ? Math.max(0, start + n) : Math.min(start, n);
        int e = end < 0 ? Math.max(0, end + n) : Math.min(end, n);
        if (e < s) e = s;
        return Backprop.apply(new MovementOp.Slice(d, s, e, step), this);
    }

    /** {@code length} elements from {@code start} along {@code dim}. A view. */
    public Tensor narrow(int dim, int start, int length) {
        int d = Shape.wrapDim("narrow", dim, dim());
        int st = start < 0 ? start + shape[d] : start;
        if (st < 0 || length < 0 || (long) st + length > shape[d]) {
            throw new IllegalArgumentException("narrow: start " + start + " and length " + length
                    + " do not fit dimension " + d + " of size " + shape[d] + " (shape " + Shape.str(shape) + ")");
        }
        return Backprop.apply(new MovementOp.Slice(d, st, st + length, 1), this);
    }

    /** The slice at {@code index} along {@code dim}, with that dimension removed. A view. */
    public Tensor select(int dim, int index) {
        int d = Shape.wrapDim("select", dim, dim());
        int i = index < 0 ? index + shape[d] : index;
        if (i < 0 || i >= shape[d]) {
            throw new IllegalArgumentException("select: index " + index + " is out of range for dimension " + d
                    + " of size " + shape[d] + " (shape " + Shape.str(shape) + ")");
        }
        return narrow(d, i, 1).squeeze(d);
    }

    /** Indexes the leading dimensions: {@code get(i, j)} is {@code select(0, i).select(0, j)}. */
    public Tensor get(int... index) {
        if (index.length > dim()) {
            throw new IllegalArgumentException("get: " + index.length + " indices for a tensor of shape " + Shape.str(shape));
        }
        Tensor t = this;
        for (int i : index) t = t.select(0, i);
        return t;
    }

    /**
     * Values picked along {@code dim} by an int64 index of the same rank: out[i][j] = x[index[i][j]][j] for dim 0.
     * The output has the index's shape; repeated indices add their gradients.
     */
    public Tensor gather(int dim, Tensor index) {
        int d = Shape.wrapDim("gather", dim, dim());
        IndexOp.checkGather("gather", this.shape, d, index);
        return Backprop.apply(new IndexOp.Gather(d, index.detach()), this);
    }

    /**
     * {@code this} plus {@code src} added at the positions {@code index} gives along {@code dim} (PyTorch's
     * {@code scatter_add}, out of place): out[index[i][j]][j] += src[i][j] for dim 0.
     */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
        int d = Shape.wrapDim("scatterAdd", dim, dim());
        IndexOp.checkGather("scatterAdd", this.shape, d, index);
        if (!Arrays.equals(index.shape, src.shape)) {
            throw new IllegalArgumentException("scatterAdd: index shape " + Shape.str(index.shape) + " and src shape "
                    + Shape.str(src.shape) + " must match");
        }
        return add(Backprop.apply(new IndexOp.ScatterAdd(d, index.detach(), shape), src));
    }

    /** The entries at the given int64 positions along {@code dim} (1-D index); repeated rows add their gradients. */
    public Tensor indexSelect(int dim, Tensor index) {
        int d = Shape.wrapDim("indexSelect", dim, dim());
        IndexOp.checkIndex("indexSelect", index, shape.length == 0 ? 1 : shape[d]);
        return Backprop.apply(new IndexOp.IndexSelect(d, index.detach()), this);
    }

    /** {@code this} plus the rows of {@code src} added at positions {@code index} along {@code dim}. */
    public Tensor indexAdd(int dim, Tensor index, Tensor src) {
        int d = Shape.wrapDim("indexAdd", dim, dim());
        IndexOp.checkIndex("indexAdd", index, shape[d]);
        return add(Backprop.apply(new IndexOp.IndexAdd(d, index.detach(), shape[d]), src));
    }

    /** Tensors joined along an existing dimension; all other sizes must match. */
    public static Tensor cat(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) throw new IllegalArgumentException("cat: needs at least one tensor");
        Tensor first = tensors.getFirst();
        int d = Shape.wrapDim("cat", dim, first.dim());
        for (Tensor t : tensors) {
            if (t.dim() != first.dim()) {
                throw new IllegalArgumentException("cat: all tensors need the same rank, got shapes " + Shape.str(first.shape)
                        + " and " + Shape.str(t.shape));
            }
            for (int i = 0; i < t.dim(); i++) {
                if (i != d && t.shape[i] != first.shape[i]) {
                    throw new IllegalArgumentException("cat: shapes " + Shape.str(first.shape) + " and " + Shape.str(t.shape)
                            + " differ in dimension " + i + " (only dimension " + d + " may differ)");
                }
            }
            if (t.dtype() != first.dtype()) {
                throw new IllegalArgumentException("cat: all tensors need the same dtype, got " + first.dtype() + " and " + t.dtype());
            }
        }
        return Backprop.apply(new MovementOp.Cat(d), tensors.toArray(new Tensor[0]));
    }

    /** Tensors of equal shape joined along a new dimension. */
    public static Tensor stack(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) throw new IllegalArgumentException("stack: needs at least one tensor");
        int d = Shape.wrapDim("stack", dim, tensors.getFirst().dim() + 1);
        List<Tensor> expanded = new ArrayList<>();
        for (Tensor t : tensors) {
            if (!Arrays.equals(t.shape, tensors.getFirst().shape)) {
                throw new IllegalArgumentException("stack: all tensors need the same shape, got " + Shape.str(tensors.getFirst().shape)
                        + " and " + Shape.str(t.shape));
            }
            expanded.add(t.unsqueeze(d));
        }
        return cat(expanded, d);
    }

    /** Pieces of {@code splitSize} along {@code dim} (the last may be smaller). Views. */
    public List<Tensor> split(int splitSize, int dim) {
        if (splitSize <= 0) throw new IllegalArgumentException("split: size must be positive, got " + splitSize);
        int d = Shape.wrapDim("split", dim, dim());
        List<Tensor> out = new ArrayList<>();
        for (int s = 0; s < shape[d]; s += splitSize) out.add(narrow(d, s, Math.min(splitSize, shape[d] - s)));
        return out;
    }

    /** Pieces of the given sizes along {@code dim}; the sizes must add up to the dimension. */
    public List<Tensor> split(int[] sizes, int dim) {
        int d = Shape.wrapDim("split", dim, dim());
        if (Arrays.stream(sizes).asLongStream().sum() != shape[d]) {
            throw new IllegalArgumentException("split: sizes " + Arrays.toString(sizes) + " do not add up to dimension " + d
                    + " of size " + shape[d]);
        }
        List<Tensor> out = new ArrayList<>();
        int s = 0;
        for (int len : sizes) {
            out.add(narrow(d, s, len));
            s += len;
        }
        return out;
    }

    /** {@code chunks} nearly equal pieces along {@code dim}. */
    public List<Tensor> chunk(int chunks, int dim) {
        int d = Shape.wrapDim("chunk", dim, dim());
        if (chunks <= 0) throw new IllegalArgumentException("chunk: count must be positive, got " + chunks);
        return split(Math.max(1, (shape[d] + chunks - 1) / chunks), d);
    }

    /**
     * Constant padding, PyTorch's order: {@code pads} holds (before, after) pairs starting from the last
     * dimension, e.g. {@code {1, 1, 2, 2}} pads the last dimension by 1 and the one before by 2 on each side.
     */
    public Tensor pad(int[] pads, double value) {
        if (pads.length % 2 != 0 || pads.length / 2 > dim()) {
            throw new IllegalArgumentException("pad: needs (before, after) pairs for at most " + dim()
                    + " dimensions, got " + Arrays.toString(pads));
        }
        for (int p : pads) {
            if (p < 0) throw new IllegalArgumentException("pad: negative padding " + Arrays.toString(pads)
                    + " is not supported; use narrow to crop");
        }
        return Backprop.apply(new MovementOp.Pad(pads.clone(), value), this);
    }

    /** A contiguous tensor with the same values: this one if already contiguous, else a copy. */
    public Tensor contiguous() {
        return isContiguous() ? this : Backprop.apply(new MovementOp.Contiguous(), this);
    }

    /** A copy with its own storage (gradients flow through it). */
    @Override
    public Tensor clone() {
        return Backprop.apply(new MovementOp.Contiguous(), this);
    }

    /** The values converted to another type (gradients flow between float32 and float64). */
    public Tensor toType(DType type) {
        if (type == dtype()) return this;
        return Backprop.apply(new MovementOp.Cast(type), this);
    }

    /** As float32. */
    public Tensor toFloat() {
        return toType(DType.FLOAT32);
    }

    /** As float64. */
    public Tensor toDouble() {
        return toType(DType.FLOAT64);
    }

    // ------------------------------------------------------------------------------------------------ in place

    private void checkInPlace(String op, Tensor source) {
        if (GradMode.isEnabled()) {
            if (requiresGrad) {
                throw new IllegalStateException(op + ": in-place change of a tensor that requires grad while grad mode "
                        + "is on; " + (gradFn == null ? "wrap it in GradMode.noGrad() (as optimizers do)"
                        : "use the out-of-place form instead"));
            }
            if (source != null && source.requiresGrad) {
                throw new IllegalStateException(op + ": the source requires grad, but in-place ops record no graph; use the "
                        + "out-of-place form, or detach() the source");
            }
        }
    }

    private Tensor assign(String op, Tensor value) {
        Tensor v = value.toType(dtype()).detach();
        if (!Arrays.equals(v.shape, shape)) {
            Shape.broadcast(op, v.shape, shape);
            v = v.expand(shape);
        }
        Kernels.active().copyInto(v, this);
        storage.bumpVersion();
        return this;
    }

    /** Sets every element to {@code value}, in place. */
    public Tensor fill_(double value) {
        checkInPlace("fill_", null);
        return assign("fill_", scalar(dtype(), value));
    }

    /** Sets every element to zero, in place. */
    public Tensor zero_() {
        return fill_(0);
    }

    /** Copies {@code src} (broadcast to this shape, converted to this type) into this tensor, in place. */
    public Tensor copy_(Tensor src) {
        checkInPlace("copy_", src);
        try (var scope = GradMode.noGrad()) {
            return assign("copy_", src);
        }
    }

    /** this += other, in place. */
    public Tensor add_(Tensor other) {
        checkInPlace("add_", other);
        try (var scope = GradMode.noGrad()) {
            return assign("add_", add(other));
        }
    }

    /** this += alpha · other, in place. */
    public Tensor add_(Tensor other, double alpha) {
        checkInPlace("add_", other);
        try (var scope = GradMode.noGrad()) {
            return assign("add_", add(other.mul(alpha)));
        }
    }

    /** this −= other, in place. */
    public Tensor sub_(Tensor other) {
        checkInPlace("sub_", other);
        try (var scope = GradMode.noGrad()) {
            return assign("sub_", sub(other));
        }
    }

    /** this ·= other, in place. */
    public Tensor mul_(Tensor other) {
        checkInPlace("mul_", other);
        try (var scope = GradMode.noGrad()) {
            return assign("mul_", mul(other));
        }
    }

    /** this ·= c, in place. */
    public Tensor mul_(double c) {
        return mul_(constant(c));
    }

    /** this /= other, in place. */
    public Tensor div_(Tensor other) {
        checkInPlace("div_", other);
        try (var scope = GradMode.noGrad()) {
            return assign("div_", div(other));
        }
    }

    /** Sets one element, in place: {@code set(2.0, i, j)}. */
    public Tensor set(double value, int... index) {
        if (index.length != dim()) {
            throw new IllegalArgumentException("set: " + index.length + " indices for a tensor of shape " + Shape.str(shape));
        }
        checkInPlace("set", null);
        storage.setDouble(elementIndex("set", index), value);
        storage.bumpVersion();
        return this;
    }

    private int elementIndex(String op, int[] index) {
        long pos = offset;
        for (int i = 0; i < index.length; i++) {
            int ix = index[i] < 0 ? index[i] + shape[i] : index[i];
            if (ix < 0 || ix >= shape[i]) {
                throw new IllegalArgumentException(op + ": index " + index[i] + " is out of range for dimension " + i
                        + " of size " + shape[i] + " (shape " + Shape.str(shape) + ")");
            }
            pos += (long) ix * strides[i];
        }
        return (int) pos;
    }

    // ------------------------------------------------------------------------------------------------ values out

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalStateException("item: only a one-element tensor has an item, this one has shape " + Shape.str(shape));
        }
        return storage.getDouble(offset);
    }

    /** One element by its index in each dimension. */
    public double getDouble(int... index) {
        if (index.length != dim()) {
            throw new IllegalArgumentException("getDouble: " + index.length + " indices for a tensor of shape " + Shape.str(shape));
        }
        return storage.getDouble(elementIndex("getDouble", index));
    }

    /** The elements in row-major order as floats (a copy). */
    public float[] toFloatArray() {
        Tensor c = rawContiguous(DType.FLOAT32);
        return Arrays.copyOfRange(c.storage.floats(), c.offset, c.offset + (int) numel());
    }

    /** The elements in row-major order as doubles (a copy). */
    public double[] toDoubleArray() {
        Tensor c = rawContiguous(DType.FLOAT64);
        return Arrays.copyOfRange(c.storage.doubles(), c.offset, c.offset + (int) numel());
    }

    /** The elements in row-major order as longs (floats truncated; a copy). */
    public long[] toLongArray() {
        Tensor c = rawContiguous(DType.INT64);
        return Arrays.copyOfRange(c.storage.longs(), c.offset, c.offset + (int) numel());
    }

    /** The elements of a bool tensor in row-major order (a copy). */
    public boolean[] toBooleanArray() {
        Tensor c = rawContiguous(DType.BOOL);
        return Arrays.copyOfRange(c.storage.bools(), c.offset, c.offset + (int) numel());
    }

    private Tensor rawContiguous(DType type) {
        Tensor t = this;
        if (type != dtype()) t = Kernels.active().cast(t, type);
        return t.isContiguous() ? t : Kernels.active().contiguous(t);
    }

    /** The number of true elements of a bool tensor (or non-zero ones of any other). */
    public long countNonzero() {
        long n = 0;
        for (double v : toDoubleArray()) if (v != 0) n++;
        return n;
    }

    @Override
    public String toString() {
        return TensorFormat.format(this);
    }
}
