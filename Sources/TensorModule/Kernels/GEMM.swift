import CBLAS

/// Matrix products through OpenBLAS (`cblas_sgemm` / `cblas_dgemm`); transposes are passed as flags, never copied.
enum BLAS {
    /// `c = alpha · op(a) · op(b) + beta · c`, row-major, op(a) m×k, op(b) k×n.
    @inline(__always)
    static func gemm<T: TensorScalar>(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                                      a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                      c: UnsafeMutablePointer<T>, ldc: Int, beta: T = 0) {
        let ta = transposeA ? CblasTrans : CblasNoTrans
        let tb = transposeB ? CblasTrans : CblasNoTrans
        if T.self == Float.self {
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                        UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(lda),
                        UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), Int32(ldb), Float(beta),
                        UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
        } else {
            cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                        UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(lda),
                        UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), Int32(ldb), Double(beta),
                        UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
        }
    }
}
