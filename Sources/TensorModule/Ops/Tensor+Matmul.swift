// Matrix products through CBLAS. Transposes are BLAS flags, never materialised copies, in the forward and
// in both pullbacks.

extension Tensor {
    /// The matrix product op(self) · op(other): 2-D × 2-D, batched 3-D × 3-D, or 3-D × 2-D (the right factor shared
    /// by every batch entry). `transposingSelf`/`transposingOther` transpose the last two dimensions for free.
    ///
    /// ```swift
    /// let a = Tensor(rows: [[1, 2], [3, 4]])
    /// a.matmul(a, transposingOther: true)  // a · aᵀ = [[5, 11], [11, 25]]
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
                    // op(B)·Gᵀ per batch entry, as (G·op(B)ᵀ)ᵀ since the 2-D factor cannot lead a batched product.
                    da = g.matmul(b, transposingOther: !tb).permuted([0, 2, 1])
                } else {
                    da = b.matmul(g, transposingSelf: tb, transposingOther: true)
                }
            }
            var db: Tensor? = nil
            if needB {
                if a.rank == 3 && b.rank == 2 {
                    // Shared right factor: the batch entries' contributions add up.
                    db = (tb ? g.matmul(a, transposingSelf: true, transposingOther: ta)
                             : a.matmul(g, transposingSelf: !ta)).sum(alongAxes: [0])
                } else {
                    db = tb ? g.matmul(a, transposingSelf: true, transposingOther: ta) : a.matmul(g, transposingSelf: !ta)
                }
            }
            return InputGradients(da, db)
        }
    }

    private static func gemm(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool, into out: Tensor) {
        keepingAlive(a, b) {
            switch a.dtype {
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
        if ar == 2 || (ar == 3 && br == 2 && !ta) {
            // 2-D, or 3-D × 2-D folded into one large GEMM: (batch·m) × k times k × n.
            let rows = ar == 3 ? a.shape[0] * m : m
            BLAS.gemm(transposeA: ta, transposeB: tb, m: rows, n: n, k: k, a: pa, lda: ca, b: pb, ldb: cb, c: pc, ldc: n)
            return
        }
        let batch = a.shape[0]
        let strideB = br == 3 ? rb * cb : 0
        for i in 0..<batch {
            BLAS.gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: pa + i * ra * ca, lda: ca,
                      b: pb + i * strideB, ldb: cb, c: pc + i * m * n, ldc: n)
        }
    }
}
