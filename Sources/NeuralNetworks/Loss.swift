import TensorModule

/// How a loss combines per-element values.
public enum Reduction: String, Sendable, Codable {
    /// The mean over every element (per-example losses averaged over the batch).
    case mean
    /// The sum over every element.
    case sum
    /// One loss per example: shape [batch].
    case none
}

/// A loss function of predictions and targets (both batch first).
///
/// ```swift
/// let loss = Loss.softmaxCrossEntropy()            // logits [N, C], integer labels [N]
/// let value = loss(predictions: logits, targets: labels)
/// ```
public struct Loss: Sendable, Equatable, Codable {
    public enum Kind: Sendable, Equatable, Codable {
        case meanSquaredError
        case meanAbsoluteError
        /// Binary cross-entropy on probabilities p ∈ [0, 1]; p is clamped to [1e-7, 1 − 1e-7] so 0 and 1 stay finite.
        case binaryCrossEntropy
        /// Binary cross-entropy on logits x: max(x, 0) − x·y + log(1 + e^−|x|).
        case binaryCrossEntropyWithLogits
        /// Categorical cross-entropy on logits [N, C] with integer class labels [N] (stored as numbers).
        case softmaxCrossEntropy
        /// Categorical cross-entropy on logits [N, C] with one-hot or probability targets [N, C].
        case softmaxCrossEntropyWithProbabilities
        /// Huber loss: ½e² for |e| ≤ δ, δ(|e| − ½δ) beyond.
        case huber(delta: Double)
    }

    public let kind: Kind
    public let reduction: Reduction

    public init(_ kind: Kind, reduction: Reduction = .mean) {
        self.kind = kind
        self.reduction = reduction
    }

    public static func meanSquaredError(reduction: Reduction = .mean) -> Loss { Loss(.meanSquaredError, reduction: reduction) }
    public static func meanAbsoluteError(reduction: Reduction = .mean) -> Loss { Loss(.meanAbsoluteError, reduction: reduction) }
    public static func binaryCrossEntropy(reduction: Reduction = .mean) -> Loss { Loss(.binaryCrossEntropy, reduction: reduction) }
    public static func binaryCrossEntropyWithLogits(reduction: Reduction = .mean) -> Loss {
        Loss(.binaryCrossEntropyWithLogits, reduction: reduction)
    }
    public static func softmaxCrossEntropy(reduction: Reduction = .mean) -> Loss { Loss(.softmaxCrossEntropy, reduction: reduction) }
    public static func softmaxCrossEntropyWithProbabilities(reduction: Reduction = .mean) -> Loss {
        Loss(.softmaxCrossEntropyWithProbabilities, reduction: reduction)
    }
    public static func huber(delta: Double = 1, reduction: Reduction = .mean) -> Loss { Loss(.huber(delta: delta), reduction: reduction) }

    /// The loss of `predictions` against `targets`. Elementwise losses take targets of the predictions' shape; targets
    /// with the same number of elements in another shape (labels [N] for predictions [N, 1]) are reshaped first,
    /// as Keras does, instead of broadcasting to [N, N].
    public func callAsFunction(predictions: Tensor, targets rawTargets: Tensor) -> Tensor {
        var targets = rawTargets
        if kind != .softmaxCrossEntropy, targets.shape != predictions.shape, targets.count == predictions.count {
            targets = targets.reshaped(to: predictions.shape)
        }
        let elementwise: Tensor
        switch kind {
        case .meanSquaredError: elementwise = (predictions - targets).squared()
        case .meanAbsoluteError: elementwise = (predictions - targets).abs()
        case .binaryCrossEntropy:
            let p = predictions.clamped(lowerBound: 1e-7, upperBound: 1 - 1e-7)
            elementwise = -(targets * p.log() + (1 - targets) * (1 - p).log())
        case .binaryCrossEntropyWithLogits: elementwise = Loss.bceWithLogits(predictions, targets)
        case .softmaxCrossEntropy:
            precondition(predictions.rank == 2, "softmaxCrossEntropy: logits must be [batch, classes], got \(predictions.shape)")
            elementwise = predictions.softmaxCrossEntropy(labels: targets.values.map { Int($0) })
        case .softmaxCrossEntropyWithProbabilities:
            elementwise = -(predictions.logSoftmax() * targets).sum(alongAxes: [-1], keepingDimensions: true)
        case .huber(let delta):
            let e = (predictions - targets).abs()
            let quadratic = e.squared() * 0.5
            let linear = (e - 0.5 * delta) * delta
            elementwise = Tensor.select(e .<= delta, quadratic, linear)
        }
        switch reduction {
        case .mean: return elementwise.mean()
        case .sum: return elementwise.sum()
        case .none:
            return elementwise.rank <= 1 ? elementwise : elementwise.mean(alongAxes: Array(1..<elementwise.rank))
        }
    }

    /// max(x, 0) − x·y + log(1 + e^−|x|) with its own pullback σ(x) − y: the composite's rule would be wrong at
    /// x = 0, where relu and |x| have kinks that cancel mathematically. One pass forward and one backward when
    /// logits and targets have the same shape and type (the usual case), tensor ops otherwise.
    static func bceWithLogits(_ x: Tensor, _ y: Tensor) -> Tensor {
        guard x.shape == y.shape, x.dtype == y.dtype else {
            let value = withoutGradient { x.relu() - x * y + (-x.abs()).softplus() }
            return value.recorded("binaryCrossEntropyWithLogits", inputs: [x, y]) { g in [g * (x.sigmoid() - y), g * -x] }
        }
        let value = x.dtype == .float32 ? bceValues(Float.self, x, y) : bceValues(Double.self, x, y)
        let targetsNeedGradient = y.requiresGradient
        return value.recorded("binaryCrossEntropyWithLogits", inputs: [x, y]) { g in
            let gradient = x.dtype == .float32 ? bceGradient(Float.self, g, x, y) : bceGradient(Double.self, g, x, y)
            return [gradient, targetsNeedGradient ? g * -x : nil]
        }
    }

    private static func bceValues<T: TensorScalar>(_: T.Type, _ x: Tensor, _ y: Tensor) -> Tensor {
        x.withUnsafeScalars(as: T.self) { xs in
            y.withUnsafeScalars(as: T.self) { ys in
                Tensor.filling(x.shape, as: T.self) { out in
                    for i in 0..<out.count {
                        let xi = xs[i]
                        out[i] = Swift.max(xi, 0) - xi * ys[i] + T.log1p(T.exp(-Swift.abs(xi)))
                    }
                }
            }
        }
    }

    /// g · (σ(x) − y), with g broadcast from whatever shape the engine hands down.
    private static func bceGradient<T: TensorScalar>(_: T.Type, _ g: Tensor, _ x: Tensor, _ y: Tensor) -> Tensor {
        guard g.shape == x.shape else { return g * (x.sigmoid() - y) }
        return g.withUnsafeScalars(as: T.self) { gs in
            x.withUnsafeScalars(as: T.self) { xs in
                y.withUnsafeScalars(as: T.self) { ys in
                    Tensor.filling(x.shape, as: T.self) { out in
                        for i in 0..<out.count {
                            let xi = xs[i]
                            // σ(x) without overflow: e^x / (1 + e^x) for negative x.
                            let sigma = xi >= 0 ? 1 / (1 + T.exp(-xi)) : T.exp(xi) / (1 + T.exp(xi))
                            out[i] = gs[i] * (sigma - ys[i])
                        }
                    }
                }
            }
        }
    }

    /// The name used in logs and configuration files.
    public var name: String {
        switch kind {
        case .meanSquaredError: return "mse"
        case .meanAbsoluteError: return "mae"
        case .binaryCrossEntropy: return "binary_crossentropy"
        case .binaryCrossEntropyWithLogits: return "binary_crossentropy_logits"
        case .softmaxCrossEntropy: return "sparse_categorical_crossentropy_logits"
        case .softmaxCrossEntropyWithProbabilities: return "categorical_crossentropy_logits"
        case .huber: return "huber"
        }
    }
}
