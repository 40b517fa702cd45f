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
        if (!vectorized()) {
            return () -> {};
        }
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread t = new Thread(() -> {
            try {
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
}
