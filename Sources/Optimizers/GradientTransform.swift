import NeuralNetworks
import TensorModule

/// A step between `backward()` and the optimizer's rule that sees every gradient of an update together
/// (Optimisers.jl's `OptimiserChain` is the anchor): clip them by their global norm, add weight decay, and, for
/// training over several processes, all-reduce them. An ``Optimizer`` applies its ``Optimizer/transforms`` in order.
///
/// ```swift
/// let optimizer = Optimizer(SGD(learningRate: 0.1), transforms: [AddWeightDecay(rate: 1e-4), ClipByGlobalNorm(maxNorm: 1)])
/// ```
public protocol GradientTransform {
    /// The gradients to use instead of `gradients` (one per parameter, nil where a parameter has none).
    func transform(_ gradients: [Tensor?], of parameters: [(name: String, parameter: Parameter)]) -> [Tensor?]
}

/// Scales all gradients together so that their global L2 norm is at most `maxNorm` (PyTorch's
/// `clip_grad_norm_`, Keras's `global_clipnorm`); gradients within the bound are left as they are.
///
/// ```swift
/// ClipByGlobalNorm(maxNorm: 1)   // g ← g · min(1, 1 / ‖(g₁, g₂, …)‖)
/// ```
public struct ClipByGlobalNorm: GradientTransform, Sendable {
    public var maxNorm: Double

    public init(maxNorm: Double) {
        require(maxNorm > 0, "ClipByGlobalNorm: maxNorm must be positive, got \(maxNorm)")
        self.maxNorm = maxNorm
    }

    public func transform(_ gradients: [Tensor?], of parameters: [(name: String, parameter: Parameter)]) -> [Tensor?] {
        let norm = gradients.compactMap { $0?.squared().sum().scalar }.reduce(0, +).squareRoot()
        guard norm > maxNorm else { return gradients }
        let scale = maxNorm / norm
        return gradients.map { $0.map { $0 * scale } }
    }
}

/// Clamps every gradient element to [−limit, limit] (Keras's `clipvalue`).
public struct ClipByValue: GradientTransform, Sendable {
    public var limit: Double

    public init(limit: Double) {
        require(limit > 0, "ClipByValue: limit must be positive, got \(limit)")
        self.limit = limit
    }

    public func transform(_ gradients: [Tensor?], of parameters: [(name: String, parameter: Parameter)]) -> [Tensor?] {
        gradients.map { $0?.clamped(lowerBound: -limit, upperBound: limit) }
    }
}

/// Adds `rate` × the parameter to its gradient: L2 weight decay coupled to the rule, as PyTorch's `weight_decay` in
/// SGD and Adam and Optimisers.jl's `WeightDecay` (for Adam's decoupled form, AdamW, use `Adam(weightDecay:)`).
///
/// ```swift
/// AddWeightDecay(rate: 1e-4)   // g ← g + 1e-4 · θ
/// ```
public struct AddWeightDecay: GradientTransform, Sendable {
    public var rate: Double

    public init(rate: Double) {
        require(rate >= 0, "AddWeightDecay: rate must be ≥ 0, got \(rate)")
        self.rate = rate
    }

    public func transform(_ gradients: [Tensor?], of parameters: [(name: String, parameter: Parameter)]) -> [Tensor?] {
        zip(gradients, parameters).map { g, p in g.map { $0 + p.parameter.value * rate } }
    }
}

extension GradientClipping {
    /// The transform that clips this way.
    public var transform: any GradientTransform {
        switch self {
        case .byValue(let limit): return ClipByValue(limit: limit)
        case .byGlobalNorm(let maxNorm): return ClipByGlobalNorm(maxNorm: maxNorm)
        }
    }
}
