// Softmax followed by cross-entropy against class labels, as one op: one pass over the logits forward (row maximum,
// log-sum-exp, the label's logit) and one backward (softmax − one-hot), instead of a dozen ops and tensors.

extension Tensor {
    /// Per-example cross-entropy of `softmax(self)` against class `labels`: for logits [N, C], the losses [N, 1],
    /// `logSumExp(zᵢ) − zᵢ[labelᵢ]`, computed without overflow. The gradient is `softmax(zᵢ) − onehot(labelᵢ)`
    /// times the upstream gradient of row i.
    ///
    /// ```swift
    /// Tensor(rows: [[1, 2, 3]]).softmaxCrossEntropy(labels: [2])   // [[0.4076…]] = log(e + e² + e³) − 3
    /// ```
    public func softmaxCrossEntropy(labels: [Int]) -> Tensor {
        require(rank == 2, "softmaxCrossEntropy: logits must be [batch, classes], got \(shape)")
        let (n, classes) = (shape[0], shape[1])
        require(labels.count == n, "softmaxCrossEntropy: \(labels.count) labels for logits \(shape)")
        for l in labels { require(l >= 0 && l < classes, "softmaxCrossEntropy: label \(l) out of range for \(classes) classes") }
        let losses = Tensor(uninitialized: [n, 1], dtype: dtype)
        // The softmax, kept for the pullback.
        let probabilities = Tensor(uninitialized: shape, dtype: dtype)
        withExtendedLifetime(self) {
            switch dtype {
            case .int32: floatOnly()
            case .float32: Tensor.softmaxCrossEntropyForward(pointer(Float.self), labels, n, classes,
                                                             losses.pointer(Float.self), probabilities.pointer(Float.self))
            case .float64: Tensor.softmaxCrossEntropyForward(pointer(Double.self), labels, n, classes,
                                                             losses.pointer(Double.self), probabilities.pointer(Double.self))
            }
        }
        return losses.recording("softmaxCrossEntropy", self) { g in
            let rowGradient = g.shape == [n, 1] ? g : g.broadcastCopy(to: [n, 1])
            let dz = Tensor(uninitialized: [n, classes], dtype: probabilities.dtype)
            Tensor.keepingAlive(rowGradient, probabilities) {
                switch dz.dtype {
                case .int32: floatOnly()
                case .float32: Tensor.softmaxCrossEntropyBackward(rowGradient.pointer(Float.self), probabilities.pointer(Float.self),
                                                                  labels, n, classes, dz.pointer(Float.self))
                case .float64: Tensor.softmaxCrossEntropyBackward(rowGradient.pointer(Double.self), probabilities.pointer(Double.self),
                                                                  labels, n, classes, dz.pointer(Double.self))
                }
            }
            return InputGradients(dz)
        }
    }

    private static func softmaxCrossEntropyForward<T: TensorScalar>(_ z: UnsafePointer<T>, _ labels: [Int], _ n: Int, _ c: Int,
                                                                    _ loss: UnsafeMutablePointer<T>, _ p: UnsafeMutablePointer<T>) {
        for i in 0..<n {
            let row = z + i * c, prob = p + i * c
            var m = -T.infinity
            for j in 0..<c where row[j] > m || row[j].isNaN { m = row[j] }
            // A row of −∞ only is shifted by 0 (−∞ − −∞ would be NaN); NaN and +∞ propagate as NaN.
            let shift = m == -T.infinity ? 0 : m
            var sum: T = 0
            for j in 0..<c {
                let e = T.exp(row[j] - shift)
                prob[j] = e
                sum += e
            }
            for j in 0..<c { prob[j] /= sum }
            loss[i] = shift + T.log(sum) - row[labels[i]]
        }
    }

    private static func softmaxCrossEntropyBackward<T: TensorScalar>(_ g: UnsafePointer<T>, _ p: UnsafePointer<T>, _ labels: [Int],
                                                                     _ n: Int, _ c: Int, _ dz: UnsafeMutablePointer<T>) {
        for i in 0..<n {
            let gi = g[i], prob = p + i * c, out = dz + i * c
            for j in 0..<c { out[j] = gi * prob[j] }
            out[labels[i]] -= gi
        }
    }
}
