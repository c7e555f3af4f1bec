// Matrix products through CBLAS. Transposes are BLAS flags, never materialised copies, in the forward and
// in both pullbacks.

extension Tensor {
    /// The matrix product op(self) · op(other) over the last two dimensions, as `numpy.matmul`: the dimensions before
    /// them are batch dimensions and broadcast (a 2-D factor is shared by every batch entry; [2, 1, 3, 4] times
    /// [5, 4, 6] gives [2, 5, 3, 6]). `transposingSelf`/`transposingOther` transpose the last two dimensions: BLAS
    /// flags, never copies. The gradient of a broadcast factor is summed over the entries that shared it.
    ///
    /// ```swift
    /// let a = Tensor(rows: [[1, 2], [3, 4]])
    /// a.matmul(a, transposingOther: true)  // a · aᵀ = [[5, 11], [11, 25]]
    /// let scores = queries.matmul(keys, transposingOther: true)   // [batch, heads, time, time]
    /// ```
    public func matmul(_ other: Tensor, transposingSelf ta: Bool = false, transposingOther tb: Bool = false) -> Tensor {
        let a = self, b = other
        let outShape = validate { () throws(ShapeError) -> [Int] in
            try Shapes.checkSameDType(a.dtype, b.dtype, op: "matmul")
            return try Shapes.matmul(a.shape, b.shape, transposeA: ta, transposeB: tb)
        }
        let out = Tensor(uninitialized: outShape, dtype: dtype)
        Tensor.gemm(a, b, ta, tb, into: out)
        let needA = a.requiresGradient, needB = b.requiresGradient
        return out.recording("matmul", a, b) { g in
            // C = op(A)·op(B): d op(A) = G·op(B)ᵀ and d op(B) = op(A)ᵀ·G, transposed back when op transposed.
            var da: Tensor? = nil
            if needA {
                if !ta {
                    da = g.matmul(b, transposingOther: !tb)
                } else if b.rank == 2 && a.rank == 3 {
                    // op(B)·Gᵀ per batch entry, as (G·op(B)ᵀ)ᵀ: one folded GEMM rather than one per entry.
                    da = g.matmul(b, transposingOther: !tb).permuted([0, 2, 1])
                } else {
                    da = b.matmul(g, transposingSelf: tb, transposingOther: true)
                }
            }
            var db: Tensor? = nil
            if needB {
                // A shared (broadcast) factor's batch entries add up: the engine sums them back to its shape.
                db = tb ? g.matmul(a, transposingSelf: true, transposingOther: ta) : a.matmul(g, transposingSelf: !ta)
            }
            return InputGradients(da, db)
        }
    }

    private static func gemm(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool, into out: Tensor) {
        keepingAlive(a, b) {
            switch a.dtype {
            case .int32: floatOnly()
            case .float32: gemmTyped(Float.self, a, b, ta, tb, out)
            case .float64: gemmTyped(Double.self, a, b, ta, tb, out)
            }
        }
    }

    private static func gemmTyped<T: TensorScalar>(_: T.Type, _ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool,
                                                   _ out: Tensor) {
        let ar = a.rank, br = b.rank
        let (ra, ca) = (a.shape[ar - 2], a.shape[ar - 1])
        let (rb, cb) = (b.shape[br - 2], b.shape[br - 1])
        let m = ta ? ca : ra, k = ta ? ra : ca, n = tb ? rb : cb
        let pa = a.pointer(T.self), pb = b.pointer(T.self), pc = out.pointer(T.self)
        if m == 0 || n == 0 { return }
        if k == 0 {
            pc.initialize(repeating: 0, count: out.count)
            return
        }
        let batchShape = Array(out.shape.dropLast(2))
        let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
        if ar == 2 && br == 2 {
            BLAS.gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: pa, lda: ca, b: pb, ldb: cb, c: pc, ldc: n)
            return
        }
        if !ta && aBatch == batchShape && bBatch.allSatisfy({ $0 == 1 }) {
            // One right factor shared by every entry: the batch folds into one large GEMM, (batch·m) × k times k × n.
            let rows = a.count / ca
            BLAS.gemm(transposeA: ta, transposeB: tb, m: rows, n: n, k: k, a: pa, lda: ca, b: pb, ldb: cb, c: pc, ldc: n)
            return
        }
        // One GEMM per batch entry; a broadcast factor's entry is reused (stride 0 along its size-1 dimensions).
        let strideA = batchStrides(aBatch, in: batchShape, matrix: ra * ca)
        let strideB = batchStrides(bBatch, in: batchShape, matrix: rb * cb)
        let entries = batchShape.reduce(1, *)
        var index = [Int](repeating: 0, count: batchShape.count)
        var offsetA = 0, offsetB = 0
        for e in 0..<entries {
            BLAS.gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: pa + offsetA, lda: ca, b: pb + offsetB, ldb: cb,
                      c: pc + e * m * n, ldc: n)
            // The next batch index, last dimension fastest, with both factors' offsets following it.
            var d = batchShape.count - 1
            while d >= 0 {
                index[d] += 1
                offsetA += strideA[d]
                offsetB += strideB[d]
                if index[d] < batchShape[d] { break }
                offsetA -= strideA[d] * batchShape[d]
                offsetB -= strideB[d] * batchShape[d]
                index[d] = 0
                d -= 1
            }
        }
    }

    /// The element stride of each batch dimension of `batch` (a factor's leading dimensions, right-aligned with the
    /// broadcast `shape`) in units of whole `matrix`-element matrices: 0 where the factor is broadcast.
    private static func batchStrides(_ batch: [Int], in shape: [Int], matrix: Int) -> [Int] {
        var strides = [Int](repeating: 0, count: shape.count)
        var step = matrix
        for d in (0..<shape.count).reversed() {
            let own = d - (shape.count - batch.count)
            guard own >= 0 else { break }
            if batch[own] != 1 { strides[d] = step }
            step *= batch[own]
        }
        return strides
    }
}
