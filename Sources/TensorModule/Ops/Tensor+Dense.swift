// A fully connected layer's whole computation as one op: activation(x · w + b). One output tensor and one tape
// node instead of three (matmul, broadcast add, activation); the pullback is two GEMMs and a column sum.

extension Tensor {
    /// `activation(self · weight + bias)` for `self` [..., inputSize], `weight` [inputSize, outputSize] (Keras's
    /// kernel layout) and `bias` [outputSize]: output [..., outputSize]. The same values as
    /// `(matmul(weight) + bias)` followed by the activation, in one op.
    ///
    /// ```swift
    /// let x = Tensor(rows: [[1, 2]]), w = Tensor(rows: [[1, -1], [1, -1]])
    /// x.dense(w, bias: Tensor([0.5, 0.5]), activation: .relu)   // [[3.5, 0.0]]
    /// ```
    public func dense(_ weight: Tensor, bias: Tensor? = nil, activation: FusedActivation = .identity) -> Tensor {
        validate { () throws(ShapeError) in
            try Shapes.checkSameDType(dtype, weight.dtype, op: "dense")
            guard weight.rank == 2, rank >= 1, shape[rank - 1] == weight.shape[0] else {
                throw ShapeError(op: "dense", "input \(shape) does not match weight \(weight.shape) (expects [..., \(weight.rank == 2 ? weight.shape[0] : 0)])")
            }
            if let bias {
                try Shapes.checkSameDType(dtype, bias.dtype, op: "dense")
                guard bias.shape == [weight.shape[1]] else {
                    throw ShapeError(op: "dense", "bias must be [\(weight.shape[1])], got \(bias.shape) (weight \(weight.shape))")
                }
            }
        }
        let (k, n) = (weight.shape[0], weight.shape[1])
        let rows = k == 0 ? 0 : count / k
        var outShape = shape
        outShape[rank - 1] = n
        let out = Tensor(uninitialized: outShape, dtype: dtype)
        // The operands are this call's arguments and `out` is used below, so their buffers outlive the kernels.
        switch dtype {
        case .int32: floatOnly()
        case .float32: Tensor.denseForward(pointer(Float.self), weight.pointer(Float.self), bias?.pointer(Float.self),
                                           out.pointer(Float.self), rows, k, n, activation)
        case .float64: Tensor.denseForward(pointer(Double.self), weight.pointer(Double.self), bias?.pointer(Double.self),
                                           out.pointer(Double.self), rows, k, n, activation)
        }
        let x = self, needX = requiresGradient, needW = weight.requiresGradient, needB = bias?.requiresGradient ?? false
        let hasBias = bias != nil
        return out.recording("dense", x, weight, bias) { grad in
            let dz = activation == .identity ? grad : Tensor(uninitialized: out.shape, dtype: out.dtype)
            let dx = needX ? Tensor(uninitialized: x.shape, dtype: x.dtype) : nil
            let dw = needW ? Tensor(uninitialized: weight.shape, dtype: x.dtype) : nil
            let db = needB ? Tensor.zeros([n], dtype: x.dtype) : nil
            // Tensors passed as arguments stay alive for the call; no extra references are taken per step.
            switch x.dtype {
            case .int32: floatOnly()
            case .float32: Tensor.denseBackward(Float.self, x, weight, grad, out, dz, dx, dw, db, rows, k, n, activation)
            case .float64: Tensor.denseBackward(Double.self, x, weight, grad, out, dz, dx, dw, db, rows, k, n, activation)
            }
            return hasBias ? InputGradients(dx, dw, db) : InputGradients(dx, dw)
        }
    }

    private static func denseForward<T: TensorScalar>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ b: UnsafePointer<T>?,
                                                      _ y: UnsafeMutablePointer<T>, _ rows: Int, _ k: Int, _ n: Int,
                                                      _ activation: FusedActivation) {
        if k == 0 {
            y.initialize(repeating: 0, count: rows * n)
        } else {
            BLAS.gemm(transposeA: false, transposeB: false, m: rows, n: n, k: k, a: x, lda: k, b: w, ldb: n, c: y, ldc: n)
        }
        Kernels.addBiasAndActivate(y, b, rows: rows, columns: n, activation)
    }

    private static func denseBackward<T: TensorScalar>(_: T.Type, _ x: Tensor, _ w: Tensor, _ grad: Tensor, _ out: Tensor,
                                                       _ dz: Tensor, _ dx: Tensor?, _ dw: Tensor?, _ db: Tensor?,
                                                       _ rows: Int, _ k: Int, _ n: Int, _ activation: FusedActivation) {
        let pz = dz.pointer(T.self)
        if activation != .identity {
            Kernels.activationGradient(grad.pointer(T.self), out.pointer(T.self), pz, rows * n, activation)
        }
        if let dx {
            if n == 0 { dx.pointer(T.self).initialize(repeating: 0, count: rows * k) } else {
                BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: k, k: n, a: pz, lda: n, b: w.pointer(T.self),
                          ldb: n, c: dx.pointer(T.self), ldc: k)
            }
        }
        if let dw {
            if rows == 0 { dw.pointer(T.self).initialize(repeating: 0, count: k * n) } else {
                BLAS.gemm(transposeA: true, transposeB: false, m: k, n: n, k: rows, a: x.pointer(T.self), lda: k, b: pz,
                          ldb: n, c: dw.pointer(T.self), ldc: n)
            }
        }
        if let db { Kernels.addColumnSums(pz, rows: rows, columns: n, into: db.pointer(T.self)) }
    }
}
