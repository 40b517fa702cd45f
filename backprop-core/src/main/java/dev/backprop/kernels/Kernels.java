package dev.backprop.kernels;

import dev.backprop.DType;
import dev.backprop.Tensor;
import dev.backprop.ops.BinaryOp;
import dev.backprop.ops.UnaryOp;

/**
 * The one seam between the ops and the loops that compute them. Every method takes and returns raw tensors
 * (no autograd) and allocates its result contiguous.
 *
 * <p>{@link #REFERENCE} is the plain scalar implementation that defines the right answer; {@link #FAST} is the
 * default, and overrides what has a faster kernel. Tests run both and compare. Switch with {@link #use}.
 */
public interface Kernels {

    /** Elementwise predicates and logic producing bool (except SIGN, which keeps the input type). */
    enum Comparison { EQ, NE, LT, LE, GT, GE, AND, OR, NOT, IS_NAN, IS_FINITE, SIGN }

    /** Reductions over dimensions. */
    enum Reduction { SUM, MAX, MIN, LOGSUMEXP, NORM2 }

    /** The plain reference kernels. */
    Kernels REFERENCE = new ReferenceKernels(new ReferenceGemm());

    /**
     * The default kernels: where the Vector API is there, {@link VectorKernels} (vector loops for the hot float32
     * cases) with {@link VectorGemm}; else the reference loops with {@link BlockedGemm} (see {@link #gemmName()}).
     */
    Kernels FAST = fastKernels();

    /** The kernels in use. */
    static Kernels active() {
        return Holder.active;
    }

    /** Selects the kernels for all threads (tests compare {@link #REFERENCE} and {@link #FAST}). */
    static void use(Kernels k) {
        Holder.active = k;
    }

    /** op(x) elementwise; x must be float32 or float64. */
    Tensor unary(UnaryOp op, Tensor x);

    /** op(a, b) elementwise with broadcasting; float32 with float64 gives float64. */
    Tensor binary(BinaryOp op, Tensor a, Tensor b);

    /** A comparison or logical op, broadcasting; unary ones ignore {@code b}. */
    Tensor compare(Comparison c, Tensor a, Tensor b);

    /** A reduction over the sorted, distinct {@code dims}. */
    Tensor reduce(Reduction r, Tensor x, int[] dims, boolean keepDim);

    /** Index (int64) of the first maximum ({@code max}) or minimum along {@code dim}; NaN counts as the extreme. */
    Tensor argReduce(Tensor x, int dim, boolean keepDim, boolean max);

    /** softmax or log-softmax along {@code dim}; a slice of all −∞ gives 0 (or −∞ for log). */
    Tensor softmax(Tensor x, int dim, boolean log);

    /** Batched matrix product of tensors of rank ≥ 2 with broadcast batch dimensions. */
    Tensor matmul(Tensor a, Tensor b);

    /**
     * x·Wᵀ + b for x (…, in), W (out, in), b (out) or null: a fully connected layer, bias folded into the GEMM;
     * with {@code relu}, max(0, ·) of that, applied to the fresh output in place.
     */
    Tensor linear(Tensor x, Tensor w, Tensor b, boolean relu);

    /**
     * The backward of relu: g where y &gt; 0, else 0, for g and y of one shape (y is relu's input or its output;
     * both are positive at the same places). A NaN in y gives 0. PyTorch calls it {@code threshold_backward}.
     */
    Tensor reluBackward(Tensor g, Tensor y);

    /** A contiguous copy. */
    Tensor contiguous(Tensor x);

    /** A contiguous copy converted to {@code to}. */
    Tensor cast(Tensor x, DType to);

    /** Copies {@code src} (already of dst's shape and type; may be an expanded view) into the elements of dst. */
    void copyInto(Tensor src, Tensor dst);

    /** The matrix-multiply kernel. */
    Gemm gemm();

    /** {@code mask ? a : b} elementwise, broadcasting all three; a and b of the same floating type. */
    Tensor where(Tensor mask, Tensor a, Tensor b);

    /**
     * One Adam step over a contiguous float32 parameter (the update rule of {@code dev.backprop.optim.Adam} and
     * {@code AdamW}): with d = g + l2·p after p ← shrink·p,
     * m ← β₁m + (1−β₁)d, v ← β₂v + (1−β₂)d², v̂ = max(vmax, v) when vmax is given (amsgrad),
     * p ← p − stepSize·m / (√v̂ / bc2Sqrt + ε). m, v and vmax are indexed from 0.
     */
    void adam(float[] p, int po, float[] g, int go, float[] m, float[] v, float[] vmax, int n, double stepSize,
              double bc2Sqrt, double beta1, double beta2, double eps, double l2, double shrink);

    /** Σ a[off + i]² over n floats, accumulated in double (for gradient norms). */
    double sumOfSquares(float[] a, int off, int n);

    /**
     * Σ t² over every element of {@code t}, in double: the active kernel on dense float32 storage (gradients, the
     * common case), a plain loop otherwise. Not finite when an element is not (or a square overflows double).
     */
    static double sumOfSquares(Tensor t) {
        if (t.isContiguous() && t.dtype() == DType.FLOAT32) {
            return active().sumOfSquares(t.storage().floats(), t.storageOffset(), (int) t.numel());
        }
        double s = 0;
        for (double v : t.toDoubleArray()) s += v * v;
        return s;
    }

    /**
     * Which GEMM {@link #FAST} uses, for reports: for example {@code VectorGemm(512-bit, 6x64 tiles)}, or
     * {@code BlockedGemm} and why the Vector API is not used.
     */
    static String gemmName() {
        Gemm g = FAST.gemm();
        if (!(g instanceof BlockedGemm)) {
            return g.toString();
        }
        String why = whyNoVectorGemm();
        return "BlockedGemm (" + (why != null ? why : "VectorGemm failed to load") + ")";
    }

    /**
     * The vector kernels if the {@code jdk.incubator.vector} module is there, else the plain ones. On the
     * module path {@code requires jdk.incubator.vector} brings it; on the class path ({@code java -jar}, or a
     * library user's class path) only {@code --add-modules jdk.incubator.vector} does. The vector classes are loaded by
     * name only after that check, so no Vector API class is touched when the module is absent, and anything
     * that still fails to link falls back silently.
     */
    private static Kernels fastKernels() {
        if (whyNoVectorGemm() == null) {
            try {
                Gemm g = (Gemm) Class.forName("dev.backprop.kernels.VectorGemm").getDeclaredConstructor().newInstance();
                return (Kernels) Class.forName("dev.backprop.kernels.VectorKernels").getDeclaredConstructor(Gemm.class).newInstance(g);
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                // fall back below
            }
        }
        return new ReferenceKernels(new BlockedGemm());
    }

    /** Whether {@link #FAST} runs the Vector-API kernels. */
    static boolean vectorized() {
        return !(FAST.gemm() instanceof BlockedGemm);
    }

    /**
     * Starts compiling the vector GEMM kernels now, on a background daemon thread, while the caller does
     * something else (loads data), until the returned handle is closed: until C2 has compiled them, Vector API
     * code runs hundreds of times slower. Closing stops the warm-up at once (C2 keeps what it has compiled), so
     * it never competes with the work that follows. Does nothing without the vector kernels.
     */
    static WarmUp warmUpInBackground() {
        return warmUpInBackground(false);
    }

    /**
     * {@link #warmUpInBackground()}, and with {@code convolutions} the convolution kernels first (a CNN's steps
     * spend most of their time there; they call the GEMM too).
     */
    static WarmUp warmUpInBackground(boolean convolutions) {
        if (!vectorized()) {
            return () -> {};
        }
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread t = new Thread(() -> {
            try {
                if (convolutions) warmUpConvolution(stop::get);
                Class.forName("dev.backprop.kernels.VectorGemm")
                        .getMethod("warmUp", java.util.function.BooleanSupplier.class)
                        .invoke(null, (java.util.function.BooleanSupplier) stop::get);
                warmUpPoolNorm(stop::get); // poolbn: pooling and batch-norm kernels
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                // Only a head start is lost.
            }
        }, "backprop-warm-up");
        t.setDaemon(true);
        t.start();
        return () -> stop.set(true);
    }

    /** Why VectorGemm cannot run in this JVM, or null if it can. */
    private static String whyNoVectorGemm() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "jdk.incubator.vector absent; run java with --add-modules jdk.incubator.vector";
        }
        if (System.getProperty("java.vm.info", "").contains("interpreted mode")) {
            return "the JIT is off, and Vector API code is slow without it";
        }
        return null;
    }

    /** A background warm-up; closing it stops it. */
    interface WarmUp extends AutoCloseable {
        @Override
        void close();
    }

    /** Holds the active kernels. */
    final class Holder {
        private static volatile Kernels active = FAST;

        private Holder() {}
    }

    // ---- poolbn (begin)

    /**
     * Max-pooling over the last two dimensions of x (rank 3 or 4): out[.., i, j] = max over the window
     * {(i·s₀ − p₀ + a·d₀, j·s₁ − p₁ + b·d₁)}, padding counting as −∞. {@code argmax} (one entry per output
     * element) receives the flat position y·W + z within its plane of the FIRST maximum in row-major window order
     * (PyTorch's CPU rule; NaN counts as the maximum).
     */
    Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, int[] argmax);

    /** Zeros of {@code inShape} with each g element added at its plane's {@code argmax} position. */
    Tensor maxPool2dBackward(Tensor g, int[] argmax, int[] inShape);

    /** Average pooling (PyTorch's divisor rule; ceil_mode false). */
    Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean countIncludePad);

    /** The adjoint of {@link #avgPool2d}: each g element shared out over its window. */
    Tensor avgPool2dBackward(Tensor g, int[] inShape, int[] kernel, int[] stride, int[] padding, boolean countIncludePad);

    /** Adaptive average pooling to oh × ow with PyTorch's bins [⌊i·in/out⌋, ⌈(i+1)·in/out⌉). */
    Tensor adaptiveAvgPool2d(Tensor x, int oh, int ow);

    /** The adjoint of {@link #adaptiveAvgPool2d}. */
    Tensor adaptiveAvgPool2dBackward(Tensor g, int[] inShape);

    /** Per-channel mean and biased variance {mean, var} of x [N, C, ...] over every dimension but 1, in double. */
    double[][] batchNormStats(Tensor x);

    /** (x − mean[c])·invstd[c]·w[c] + b[c] along dimension 1; weight and bias may be null (1 and 0). */
    Tensor batchNormForward(Tensor x, double[] mean, double[] invstd, Tensor weight, Tensor bias);

    /**
     * The input gradient of training-mode batch norm, w·invstd·(g − Σg/M − x̂·Σ(g·x̂)/M) with x̂ = (x − mean)·invstd
     * and M the values per channel; fills {@code sumG} with Σg and {@code sumGXhat} with Σ(g·x̂) per channel (the
     * bias and weight gradients).
     */
    Tensor batchNormBackward(Tensor g, Tensor x, double[] mean, double[] invstd, Tensor weight, double[] sumG, double[] sumGXhat);

    /** Compiles the pooling and batch-norm vector kernels (called by {@link #warmUpInBackground}). */
    static void warmUpPoolNorm(java.util.function.BooleanSupplier stop) {
        Tensor x = Tensor.ones(8, 16, 28, 28);
        int[] two = {2, 2}, zero = {0, 0}, one = {1, 1};
        for (int round = 0; round < 200 && !stop.getAsBoolean(); round++) {
            int[] argmax = new int[8 * 16 * 14 * 14];
            Tensor y = FAST.maxPool2d(x, two, two, zero, one, argmax);
            FAST.maxPool2dBackward(y, argmax, x.shape());
            double[][] st = FAST.batchNormStats(x);
            Tensor z = FAST.batchNormForward(x, st[0], st[1], null, null);
            FAST.batchNormBackward(z, x, st[0], st[1], null, new double[16], new double[16]);
            FAST.binary(new dev.backprop.ops.BinaryOp.Mul(), x, Tensor.ones(8, 16, 1, 1));
            FAST.binary(new dev.backprop.ops.BinaryOp.Add(), x, Tensor.ones(1, 16, 1, 1));
        }
    }
    // ---- poolbn (end)
    // ---- conv (begin)

    /**
     * conv2d(x, W) for x (N, C, H, W) and W (O, C/groups, KH, KW) (see {@link dev.backprop.ops.ConvOp}); float32
     * with float64 gives float64. The reference loops define it; where the kernels' GEMM is not the reference one,
     * float32 runs as im2col + GEMM ({@link GemmConv}).
     */
    default Tensor conv2d(Tensor x, Tensor w, dev.backprop.ops.ConvOp.Params p) {
        ConvGeometry g = ConvGeometry.of(x.shape(), w.shape(), p);
        DType dt = DType.promote(x.dtype(), w.dtype());
        Tensor xc = convOperand(this, x, dt), wc = convOperand(this, w, dt);
        return fastConv(this, dt) ? GemmConv.forward(gemm(), xc, wc, g) : ReferenceConv.forward(xc, wc, g, dt);
    }

    /** The gradient of conv2d with respect to its input, of size (N, C, inH, inW), for gy (N, O, OH, OW) and W. */
    default Tensor conv2dInputGrad(Tensor gy, Tensor w, int inH, int inW, dev.backprop.ops.ConvOp.Params p) {
        int[] ws = w.shape();
        if (gy.dim() != 4 || ws.length != 4) {
            throw new IllegalArgumentException("conv2dInputGrad: gradient " + dev.backprop.Shape.str(gy.shape()) + " and weight "
                    + dev.backprop.Shape.str(ws) + " must both have 4 dimensions");
        }
        ConvGeometry g = ConvGeometry.of(new int[] {gy.size(0), ws[1] * p.groups(), inH, inW}, ws, p);
        checkConvGrad("conv2dInputGrad", gy, g);
        DType dt = DType.promote(gy.dtype(), w.dtype());
        Tensor gc = convOperand(this, gy, dt), wc = convOperand(this, w, dt);
        return fastConv(this, dt) ? GemmConv.inputGrad(gemm(), gc, wc, g) : ReferenceConv.inputGrad(gc, wc, g, dt);
    }

    /** The gradient of conv2d with respect to its weight, of size (O, C/groups, kH, kW), for gy (N, O, OH, OW) and x. */
    default Tensor conv2dWeightGrad(Tensor gy, Tensor x, int kH, int kW, dev.backprop.ops.ConvOp.Params p) {
        if (gy.dim() != 4 || x.dim() != 4) {
            throw new IllegalArgumentException("conv2dWeightGrad: gradient " + dev.backprop.Shape.str(gy.shape()) + " and input "
                    + dev.backprop.Shape.str(x.shape()) + " must both have 4 dimensions");
        }
        ConvGeometry g = ConvGeometry.of(x.shape(), new int[] {gy.size(1), x.size(1) / p.groups(), kH, kW}, p);
        checkConvGrad("conv2dWeightGrad", gy, g);
        DType dt = DType.promote(gy.dtype(), x.dtype());
        Tensor gc = convOperand(this, gy, dt), xc = convOperand(this, x, dt);
        return fastConv(this, dt) ? GemmConv.weightGrad(gemm(), gc, xc, g) : ReferenceConv.weightGrad(gc, xc, g, dt);
    }

    private static boolean fastConv(Kernels k, DType dt) {
        return dt == DType.FLOAT32 && !(k.gemm() instanceof ReferenceGemm);
    }

    private static Tensor convOperand(Kernels k, Tensor t, DType dt) {
        if (!t.dtype().isFloating()) {
            throw new IllegalArgumentException("conv2d: needs float32 or float64 tensors, got " + t.dtype());
        }
        Tensor c = t.dtype() == dt ? t : k.cast(t, dt);
        return c.isContiguous() ? c : k.contiguous(c);
    }

    private static void checkConvGrad(String op, Tensor gy, ConvGeometry g) {
        if (!java.util.Arrays.equals(gy.shape(), g.outShape())) {
            throw new IllegalArgumentException(op + ": gradient " + dev.backprop.Shape.str(gy.shape()) + " does not match the output "
                    + dev.backprop.Shape.str(g.outShape()) + " of the convolution");
        }
    }

    /**
     * Runs the convolution kernels (forward, input and weight gradients; with and without unfolding, strided,
     * grouped; on the shapes of a small CNN) until {@code stop} says so or the JIT has had a few seconds, so
     * that the first training steps of a CNN do not run interpreted Vector API code. Does nothing without the
     * vector kernels.
     */
    static void warmUpConvolution(java.util.function.BooleanSupplier stop) {
        if (!vectorized()) return;
        Kernels k = FAST;
        dev.backprop.ops.ConvOp.Params pad1 = new dev.backprop.ops.ConvOp.Params(new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
        dev.backprop.ops.ConvOp.Params odd = new dev.backprop.ops.ConvOp.Params(new int[] {2, 1}, new int[] {0, 2}, new int[] {1, 2}, 2);
        dev.backprop.ops.ConvOp.Params one = dev.backprop.ops.ConvOp.Params.defaults();
        dev.backprop.ops.ConvOp.Params stride2 = new dev.backprop.ops.ConvOp.Params(new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, 1);
        Tensor[][] shapes = { // cnn-bn's two convolutions, 3×3 with padding 1 (each tap one block copy)
            {Tensor.zeros(8, 1, 28, 28), Tensor.zeros(32, 1, 3, 3)},
            {Tensor.zeros(8, 32, 14, 14), Tensor.zeros(64, 32, 3, 3)},
        };
        long end = System.nanoTime() + 5_000_000_000L;
        while (!stop.getAsBoolean() && System.nanoTime() < end) {
            for (Tensor[] s : shapes) {
                Tensor y = k.conv2d(s[0], s[1], pad1);
                k.conv2dInputGrad(y, s[1], s[0].size(2), s[0].size(3), pad1);
                k.conv2dWeightGrad(y, s[0], 3, 3, pad1);
            }
            Tensor x = Tensor.zeros(2, 4, 9, 7), w = Tensor.zeros(6, 2, 2, 3); // strided, dilated, grouped
            Tensor y = k.conv2d(x, w, odd);
            k.conv2dInputGrad(y, w, 9, 7, odd);
            k.conv2dWeightGrad(y, x, 2, 3, odd);
            Tensor w3 = Tensor.zeros(3, 4, 3, 3); // no padding: rows unfolded one by one
            Tensor y3 = k.conv2d(x, w3, one);
            k.conv2dInputGrad(y3, w3, 9, 7, one);
            k.conv2dWeightGrad(y3, x, 3, 3, one);
            Tensor y4 = k.conv2d(x, w3, stride2); // strided across: columns gathered one by one
            k.conv2dInputGrad(y4, w3, 9, 7, stride2);
            k.conv2dWeightGrad(y4, x, 3, 3, stride2);
            Tensor w1 = Tensor.zeros(5, 4, 1, 1); // 1×1: no unfolding
            Tensor y1 = k.conv2d(x, w1, one);
            k.conv2dInputGrad(y1, w1, 9, 7, one);
            k.conv2dWeightGrad(y1, x, 1, 1, one);
        }
    }
    // ---- conv (end)
}
