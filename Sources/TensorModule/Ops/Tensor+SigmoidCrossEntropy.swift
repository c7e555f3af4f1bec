// Sigmoid followed by binary cross-entropy, on logits, as one op: max(x, 0) − x·y + log(1 + e^−|x|) forward and
// σ(x) − y backward, one pass each. Its own rule also matters for correctness: the composite's rule would be wrong
// at x = 0, where relu and |x| have kinks that cancel mathematically.

extension Tensor {
    /// Elementwise binary cross-entropy of `sigmoid(self)` against `targets` (same shape and type; values in
    /// [0, 1]), computed from the logits without overflow. Gradients: `σ(x) − y` for the logits, `−x` for targets.
    ///
    /// ```swift
    /// Tensor([0, 3]).sigmoidCrossEntropy(targets: Tensor([1, 1]))   // [log 2, log(1 + e⁻³)]
    /// ```
    public func sigmoidCrossEntropy(targets: Tensor) -> Tensor {
        validate { () throws(ShapeError) in
            try Shapes.checkSameDType(dtype, targets.dtype, op: "sigmoidCrossEntropy")
            guard shape == targets.shape else {
                throw ShapeError(op: "sigmoidCrossEntropy", "logits \(shape) and targets \(targets.shape) differ")
            }
        }
        let x = self, y = targets
        let value = Tensor(uninitialized: shape, dtype: dtype)
        // The operands are arguments (or captured by the pullback) and `value` is used below: alive for the kernels.
        switch dtype {
        case .int32: floatOnly()
        case .float32: Tensor.sigmoidCrossEntropyForward(x.pointer(Float.self), y.pointer(Float.self), value.pointer(Float.self), count)
        case .float64: Tensor.sigmoidCrossEntropyForward(x.pointer(Double.self), y.pointer(Double.self), value.pointer(Double.self), count)
        }
        let targetsNeedGradient = y.requiresGradient
        // The engine hands the pullback a gradient shaped like the result, which is the logits' shape.
        return value.recording("sigmoidCrossEntropy", x, y) { g in
            let dx = Tensor(uninitialized: x.shape, dtype: x.dtype)
            switch x.dtype {
            case .int32: floatOnly()
            case .float32: Tensor.sigmoidCrossEntropyBackward(g.pointer(Float.self), x.pointer(Float.self),
                                                              y.pointer(Float.self), dx.pointer(Float.self), x.count)
            case .float64: Tensor.sigmoidCrossEntropyBackward(g.pointer(Double.self), x.pointer(Double.self),
                                                              y.pointer(Double.self), dx.pointer(Double.self), x.count)
            }
            return InputGradients(dx, targetsNeedGradient ? g * -x : nil)
        }
    }

    private static func sigmoidCrossEntropyForward<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>,
                                                                    _ out: UnsafeMutablePointer<T>, _ n: Int) {
        for i in 0..<n { out[i] = Swift.max(x[i], 0) - x[i] * y[i] + T.log1p(T.exp(-Swift.abs(x[i]))) }
    }

    private static func sigmoidCrossEntropyBackward<T: TensorScalar>(_ g: UnsafePointer<T>, _ x: UnsafePointer<T>,
                                                                     _ y: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                                                     _ n: Int) {
        for i in 0..<n { dx[i] = g[i] * (Kernels.sigmoid(x[i]) - y[i]) }
    }
}
