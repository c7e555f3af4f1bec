// Batch normalization over the last axis as one op: the batch's per-channel statistics, the normalization, scale
// and offset in three passes over the input instead of about ten broadcast ops, reductions and their tensors; the
// pullback is the closed form (two passes), not the chain of those ops' pullbacks.

extension Tensor {
    /// Normalizes each channel (the last axis) with this batch's statistics, then scales and offsets it:
    /// `(x − μ) / √(σ² + epsilon) · scale + offset`, where μ and σ² (biased) are the channel's mean and variance over
    /// all the other axes. Returns the output and the statistics (values without tape nodes, e.g. for a layer's
    /// running averages). Differentiable in `self`, `scale` and `offset`.
    ///
    /// ```swift
    /// let x = Tensor(rows: [[1, 10], [3, 30]])
    /// let (y, mean, variance) = x.batchNormalized(scale: Tensor([1, 1]), offset: Tensor([0, 0]), epsilon: 0)
    /// // y = [[-1, -1], [1, 1]], mean = [2, 20], variance = [1, 100]
    /// ```
    public func batchNormalized(scale: Tensor, offset: Tensor,
                                epsilon: Double) -> (output: Tensor, mean: Tensor, variance: Tensor) {
        validate { () throws(ShapeError) in
            try Shapes.checkSameDType(dtype, scale.dtype, op: "batchNormalized")
            try Shapes.checkSameDType(dtype, offset.dtype, op: "batchNormalized")
            guard rank >= 1, shape[rank - 1] > 0, scale.shape == [shape[rank - 1]], offset.shape == [shape[rank - 1]] else {
                throw ShapeError(op: "batchNormalized", "scale and offset must be [channels] (the input's last axis), got "
                                 + "\(scale.shape) and \(offset.shape) for input \(shape)")
            }
            guard epsilon >= 0 else { throw ShapeError(op: "batchNormalized", "epsilon must be ≥ 0, got \(epsilon)") }
        }
        let c = shape[rank - 1], rows = count / c
        let out = Tensor(uninitialized: shape, dtype: dtype)
        let mean = Tensor(uninitialized: [c], dtype: dtype), variance = Tensor(uninitialized: [c], dtype: dtype)
        // Per channel, in Double: the mean and 1/√(σ² + ε), kept for the pullback.
        var meanD = [Double](repeating: 0, count: c), inverseDeviation = [Double](repeating: 0, count: c)
        switch dtype {
        case .int32: floatOnly()
        case .float32: Tensor.batchNormForward(Float.self, self, scale, offset, out, mean, variance, &meanD, &inverseDeviation, epsilon)
        case .float64: Tensor.batchNormForward(Double.self, self, scale, offset, out, mean, variance, &meanD, &inverseDeviation, epsilon)
        }
        let x = self, needX = requiresGradient, needScale = scale.requiresGradient, needOffset = offset.requiresGradient
        let output = out.recording("batchNormalized", x, scale, offset) { grad in
            let dx = needX ? Tensor(uninitialized: x.shape, dtype: x.dtype) : nil
            let dScale = needScale ? Tensor(uninitialized: [c], dtype: x.dtype) : nil
            let dOffset = needOffset ? Tensor(uninitialized: [c], dtype: x.dtype) : nil
            switch x.dtype {
            case .int32: floatOnly()
            case .float32: Tensor.batchNormBackward(Float.self, x, scale, grad, meanD, inverseDeviation, dx, dScale, dOffset)
            case .float64: Tensor.batchNormBackward(Double.self, x, scale, grad, meanD, inverseDeviation, dx, dScale, dOffset)
            }
            return InputGradients(dx, dScale, dOffset)
        }
        return (output, mean, variance)
    }

    private static func batchNormForward<T: TensorScalar>(_: T.Type, _ x: Tensor, _ scale: Tensor, _ offset: Tensor,
                                                          _ out: Tensor, _ mean: Tensor, _ variance: Tensor,
                                                          _ meanD: inout [Double], _ inverseDeviation: inout [Double],
                                                          _ epsilon: Double) {
        let c = x.shape[x.rank - 1], rows = x.count / c
        var varianceD = [Double](repeating: 0, count: c)
        Kernels.channelMoments(x.pointer(T.self), rows: rows, channels: c, mean: &meanD, variance: &varianceD)
        let (g, m, v) = (scale.pointer(T.self), mean.pointer(T.self), variance.pointer(T.self))
        withUnsafeTemporaryAllocation(of: T.self, capacity: c) { buffer in
            let channelScale = buffer.baseAddress!
            for j in 0..<c {
                inverseDeviation[j] = 1 / (varianceD[j] + epsilon).squareRoot()
                channelScale[j] = T(Double(g[j]) * inverseDeviation[j])
                (m[j], v[j]) = (T(meanD[j]), T(varianceD[j]))
            }
            Kernels.normalize(x.pointer(T.self), out.pointer(T.self), rows: rows, channels: c, mean: m,
                              scale: channelScale, offset: offset.pointer(T.self))
        }
    }

    /// With s = 1/√(σ² + ε), R rows, S₁ = Σ dy and S₂ = Σ dy·(x − μ) per channel: d offset = S₁, d scale = s·S₂, and
    /// dx = γs·dy − γs³·S₂/R · (x − μ) − γs·S₁/R.
    private static func batchNormBackward<T: TensorScalar>(_: T.Type, _ x: Tensor, _ scale: Tensor, _ grad: Tensor,
                                                           _ meanD: [Double], _ inverseDeviation: [Double],
                                                           _ dx: Tensor?, _ dScale: Tensor?, _ dOffset: Tensor?) {
        let c = x.shape[x.rank - 1], rows = x.count / c, n = Double(rows)
        var sums = [Double](repeating: 0, count: 2 * c)   // S₁ per channel, then S₂
        Kernels.normalizationGradientSums(x.pointer(T.self), grad.pointer(T.self), rows: rows, channels: c, mean: meanD,
                                          into: &sums)
        if let dOffset { for j in 0..<c { dOffset.pointer(T.self)[j] = T(sums[j]) } }
        if let dScale { for j in 0..<c { dScale.pointer(T.self)[j] = T(sums[c + j] * inverseDeviation[j]) } }
        guard let dx else { return }
        let g = scale.pointer(T.self)
        withUnsafeTemporaryAllocation(of: T.self, capacity: 4 * c) { buffer in
            let (m, a, b, k) = (buffer.baseAddress!, buffer.baseAddress! + c, buffer.baseAddress! + 2 * c, buffer.baseAddress! + 3 * c)
            for j in 0..<c {
                let s = inverseDeviation[j], gs = Double(g[j]) * s
                m[j] = T(meanD[j])
                a[j] = T(gs)
                b[j] = T(-gs * s * s * sums[c + j] / n)
                k[j] = T(-gs * sums[j] / n)
            }
            Kernels.normalizationInputGradient(x.pointer(T.self), grad.pointer(T.self), dx.pointer(T.self), rows: rows,
                                               channels: c, mean: m, a: a, b: b, k: k)
        }
    }
}
