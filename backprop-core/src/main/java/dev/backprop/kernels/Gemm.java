package dev.backprop.kernels;

/**
 * General matrix multiply, row-major, BLAS-style: {@code C = op(A) · op(B)} (or {@code C += ...} when
 * {@code accumulate}), where op(X) is X or Xᵀ.
 *
 * <p>Layout: with {@code transA == false}, A is M×K and element (i, p) lives at {@code a[aOff + i*lda + p]};
 * with {@code transA == true}, A is stored K×M and op(A)(i, p) = {@code a[aOff + p*lda + i]}. Likewise for B
 * (K×N, or N×K stored when {@code transB}). C is M×N with row stride {@code ldc}.
 *
 * <p>Two implementations sit behind this seam: {@link ReferenceGemm}, the plain triple loop that defines the
 * answer, and {@link BlockedGemm}, the cache-blocked, multithreaded one used by default. Tests compare them.
 */
public interface Gemm {
    void sgemm(boolean transA, boolean transB, int m, int n, int k,
               float[] a, int aOff, int lda,
               float[] b, int bOff, int ldb,
               float[] c, int cOff, int ldc, boolean accumulate);

    void dgemm(boolean transA, boolean transB, int m, int n, int k,
               double[] a, int aOff, int lda,
               double[] b, int bOff, int ldb,
               double[] c, int cOff, int ldc, boolean accumulate);
}
