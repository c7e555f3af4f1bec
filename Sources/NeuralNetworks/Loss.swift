import JSONCoding
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
    /// The loss function; `Loss` adds its reduction over the batch.
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
        callAsFunction(predictions: predictions, targets: rawTargets, mask: nil)
    }

    /// The loss over the positions `mask` keeps (1 counts, 0 is padding; its shape is the predictions' leading
    /// dimensions, [batch, time] for a sequence of per-step outputs), as Keras weighs each position by the mask:
    /// the mean divides by the positions that count, not by all of them. Sparse cross-entropy takes per-step
    /// logits [batch, time, classes] with labels [batch, time]. With a nil mask, every position counts.
    ///
    /// ```swift
    /// let loss = Loss.softmaxCrossEntropy()(predictions: logits, targets: labels, mask: ids .!= 0)   // [N, T, C], [N, T]
    /// ```
    public func callAsFunction(predictions: Tensor, targets rawTargets: Tensor, mask: Tensor?) -> Tensor {
        let elementwise = elementwiseLoss(predictions: predictions, targets: rawTargets)
        guard let mask else { return reduce(elementwise) }
        require(elementwise.shape.starts(with: mask.shape),
                "\(name): mask \(mask.shape) does not fit the per-position losses \(elementwise.shape)")
        let weights = mask.converted(to: elementwise.dtype)
            .reshaped(to: mask.shape + Array(repeating: 1, count: elementwise.rank - mask.rank))
        let perPosition = Double(elementwise.shape.dropFirst(mask.rank).reduce(1, *))
        let weighted = elementwise * weights
        switch reduction {
        case .sum: return weighted.sum()
        case .mean: return weighted.sum() / Swift.max(weights.sum().scalar * perPosition, 1)
        case .none:
            guard weighted.rank > 1 else { return weighted }
            let axes = Array(1..<weighted.rank)
            let counts = weights.expanded(to: weighted.shape).sum(alongAxes: axes).clamped(lowerBound: 1, upperBound: .infinity)
            return weighted.sum(alongAxes: axes) / counts
        }
    }

    /// The loss of every element (every position for sparse cross-entropy), before the reduction.
    private func elementwiseLoss(predictions: Tensor, targets rawTargets: Tensor) -> Tensor {
        var targets = rawTargets
        // Integer labels (int32) are read as ids by sparse cross-entropy; every other loss computes with them.
        if kind != .softmaxCrossEntropy, !targets.dtype.isFloatingPoint { targets = targets.converted(to: predictions.dtype) }
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
        case .binaryCrossEntropyWithLogits:
            // Targets that broadcast (e.g. one label for every output) are expanded first, differentiably.
            let expanded = targets.shape == predictions.shape ? targets : targets.expanded(to: predictions.shape)
            elementwise = predictions.sigmoidCrossEntropy(targets: expanded)
        case .softmaxCrossEntropy:
            let labels = targets.dtype == .int32 ? targets.integers.map { Int($0) } : targets.values.map { Int($0) }
            if predictions.rank > 2 {   // per-step logits [batch, time…, classes]: one loss per position
                let classes = predictions.shape.last!
                elementwise = predictions.reshaped(to: [-1, classes]).softmaxCrossEntropy(labels: labels)
                    .reshaped(to: Array(predictions.shape.dropLast()))
            } else {
                elementwise = predictions.softmaxCrossEntropy(labels: labels)
            }
        case .softmaxCrossEntropyWithProbabilities:
            elementwise = -(predictions.logSoftmax() * targets).sum(alongAxes: [-1], keepingDimensions: true)
        case .huber(let delta):
            let e = (predictions - targets).abs()
            let quadratic = e.squared() * 0.5
            let linear = (e - 0.5 * delta) * delta
            elementwise = Tensor.select(e .<= delta, quadratic, linear)
        }
        return elementwise
    }

    private func reduce(_ elementwise: Tensor) -> Tensor {
        switch reduction {
        case .mean: return elementwise.mean()
        case .sum: return elementwise.sum()
        case .none:
            return elementwise.rank <= 1 ? elementwise : elementwise.mean(alongAxes: Array(1..<elementwise.rank))
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

// MARK: - JSON: a name, or an object with a `type`, its settings and a `reduction` (mean, sum or none)

extension Loss {
    /// Every loss by its JSON name.
    public static let registry: Registry<Loss> = {
        func entry(_ name: String, _ extra: Set<String> = [], _ make: @escaping @Sendable (Fields, Reduction) throws(ConfigError) -> Loss)
            -> Registry<Loss>.Entry {
            .init(name, fields: extra.union(["reduction"])) { f throws(ConfigError) in
                var reduction = Reduction.mean
                if let r = f["reduction"] {
                    guard let v = Reduction(rawValue: try r.string()) else { throw r.fail("unknown reduction (expected mean, sum or none)") }
                    reduction = v
                }
                return try make(f, reduction)
            }
        }
        return Registry(family: "loss", [
            entry("meanSquaredError") { _, r in .meanSquaredError(reduction: r) },
            entry("meanAbsoluteError") { _, r in .meanAbsoluteError(reduction: r) },
            entry("binaryCrossEntropy") { _, r in .binaryCrossEntropy(reduction: r) },
            entry("binaryCrossEntropyWithLogits") { _, r in .binaryCrossEntropyWithLogits(reduction: r) },
            entry("softmaxCrossEntropy") { _, r in .softmaxCrossEntropy(reduction: r) },
            entry("softmaxCrossEntropyWithProbabilities") { _, r in .softmaxCrossEntropyWithProbabilities(reduction: r) },
            entry("huber", ["delta"]) { f, r throws(ConfigError) in
                guard let delta = f["delta"] else { return .huber(reduction: r) }
                return .huber(delta: try delta.double(), reduction: r)
            },
        ])
    }()

    public init(json node: Node) throws(ConfigError) { self = try Loss.registry.decode(node) }

    public var json: JSONValue {
        let name: String
        var extra: [(key: String, value: JSONValue)] = []
        switch kind {
        case .meanSquaredError: name = "meanSquaredError"
        case .meanAbsoluteError: name = "meanAbsoluteError"
        case .binaryCrossEntropy: name = "binaryCrossEntropy"
        case .binaryCrossEntropyWithLogits: name = "binaryCrossEntropyWithLogits"
        case .softmaxCrossEntropy: name = "softmaxCrossEntropy"
        case .softmaxCrossEntropyWithProbabilities: name = "softmaxCrossEntropyWithProbabilities"
        case .huber(let d):
            name = "huber"
            extra = [("delta", .number(d))]
        }
        if reduction == .mean && extra.isEmpty { return .string(name) }
        return .object([("type", .string(name))] + extra + [("reduction", .string(reduction.rawValue))])
    }
}
