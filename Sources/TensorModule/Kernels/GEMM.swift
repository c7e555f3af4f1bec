import CBLAS
import Glibc

/// Matrix products through OpenBLAS (`cblas_sgemm` / `cblas_dgemm`); transposes are passed as flags, never copied.
///
/// OpenBLAS runs single-threaded and NeuralKit splits large products over the two cores itself: with OpenBLAS's own
/// threads, its idle worker spun in `sched_yield` on the second core after every product (≈ 25% of the CNN's samples)
/// and slowed every loop NeuralKit split there.
enum BLAS {
    /// Products of at least this many multiply-adds (m·n·k) are split over both cores.
    static let splitThreshold = 1 << 20

    /// One OpenBLAS thread from the first product on. Lowering the count leaves OpenBLAS's worker threads alive and
    /// polling with `sched_yield` (≈ 19% of the tiny benchmark's samples, and steps/s swung between 18k and 31k
    /// depending on where the scheduler put them), so they are also shut down, through OpenBLAS's own
    /// `blas_thread_shutdown_` (its fork handler; looked up at run time, as cblas.h does not declare it).
    private static let singleThreaded: Void = {
        openblas_set_num_threads(1)
        if let shutdown = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") {
            typealias Shutdown = @convention(c) () -> Int32
            _ = unsafeBitCast(shutdown, to: Shutdown.self)()
        }
    }()

    /// `c = op(a) · op(b) + beta · c`, row-major, op(a) m×k, op(b) k×n; split in two halves of C's rows
    /// (or columns, when C is wider than tall) when large.
    @inline(__always)
    static func gemm<T: TensorScalar>(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                                      a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                      c: UnsafeMutablePointer<T>, ldc: Int, beta: T = 0) {
        if m * n * k < splitThreshold || (m < 32 && n < 32) {
            serialGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                       c: c, ldc: ldc, beta: beta)
            return
        }
        let (pa, pb, pc) = (UncheckedSendable(a), UncheckedSendable(b), UncheckedSendable(c))
        if m >= n {
            // Rows of C come from rows of op(A): row r of op(A) starts at a + r·lda, or at a + r when transposed.
            let half = (m / 2 + 7) & ~7
            Parallel.both { i in
                let (r0, rows) = i == 0 ? (0, half) : (half, m - half)
                serialGemm(transposeA: transposeA, transposeB: transposeB, m: rows, n: n, k: k,
                           a: pa.value + (transposeA ? r0 : r0 * lda), lda: lda, b: pb.value, ldb: ldb,
                           c: pc.value + r0 * ldc, ldc: ldc, beta: beta)
            }
        } else {
            // Columns of C come from columns of op(B): column j starts at b + j, or at b + j·ldb when transposed.
            let half = (n / 2 + 15) & ~15
            Parallel.both { i in
                let (c0, cols) = i == 0 ? (0, half) : (half, n - half)
                serialGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: cols, k: k,
                           a: pa.value, lda: lda, b: pb.value + (transposeB ? c0 * ldb : c0), ldb: ldb,
                           c: pc.value + c0, ldc: ldc, beta: beta)
            }
        }
    }

    /// One OpenBLAS call on the calling thread.
    @inline(__always)
    static func serialGemm<T: TensorScalar>(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                                            a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                            c: UnsafeMutablePointer<T>, ldc: Int, beta: T = 0) {
        _ = singleThreaded
        if m == 0 || n == 0 { return }
        if m * n * k <= 4096 {
            smallGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                      c: c, ldc: ldc, beta: beta)
            return
        }
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

    /// Plain loops for products of at most 4096 multiply-adds (the Playground's 10 × 8 · 8 × 8): OpenBLAS's call
    /// overhead (argument checks, packing) cost more than the arithmetic there. Each element of C is accumulated in
    /// a register, Float eight columns at a time (`SIMD8`: a compiler-vectorised loop needs 32 columns before it
    /// leaves its scalar remainder loop).
    static func smallGemm<T: TensorScalar>(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                                           a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                           c: UnsafeMutablePointer<T>, ldc: Int, beta: T) {
        if transposeB && n >= 8 && m > 1 && T.self == Float.self {
            // Rows of op(B) would be gathered from columns of B for every row of C: transpose B once instead
            // (k·n ≤ 4096 elements, on the stack). The pullback of x·w takes this path for dx = dy·wᵀ.
            withUnsafeTemporaryAllocation(of: T.self, capacity: k * n) { bt in
                let t = bt.baseAddress!
                for p in 0..<k { for j in 0..<n { t[p * n + j] = b[j * ldb + p] } }
                smallGemm(transposeA: transposeA, transposeB: false, m: m, n: n, k: k, a: a, lda: lda, b: t, ldb: n,
                          c: c, ldc: ldc, beta: beta)
            }
            return
        }
        // op(A)[i, p] = a[i·aRow + p·aColumn], op(B)[p, j] = b[p·bRow + j·bColumn].
        let (aRow, aColumn) = transposeA ? (1, lda) : (lda, 1)
        let (bRow, bColumn) = transposeB ? (1, ldb) : (ldb, 1)
        for i in 0..<m {
            let ai = a + i * aRow, row = c + i * ldc
            var j = 0
            if T.self == Float.self {
                let (af, bf, rf) = (ai.floats, b.floats, row.floats)
                while j + 8 <= n {
                    var sum = SIMD8<Float>()
                    for p in 0..<k {
                        let bp = bf + p * bRow + j * bColumn
                        let bv: SIMD8<Float> = bColumn == 1 ? bp.loadVector()
                            : SIMD8(bp[0], bp[bColumn], bp[2 * bColumn], bp[3 * bColumn], bp[4 * bColumn],
                                    bp[5 * bColumn], bp[6 * bColumn], bp[7 * bColumn])
                        sum += af[p * aColumn] * bv
                    }
                    let out = rf + j
                    out.storeVector(beta == 0 ? sum : sum + Float(beta) * out.loadVector())
                    j += 8
                }
            }
            while j < n {
                var sum: T = 0
                for p in 0..<k { sum += ai[p * aColumn] * b[p * bRow + j * bColumn] }
                row[j] = beta == 0 ? sum : sum + beta * row[j]
                j += 1
            }
        }
    }
}
