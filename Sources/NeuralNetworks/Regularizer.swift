import TensorModule

/// A weight penalty added to the training loss (Keras's definitions: L1 is λ·Σ|w|, L2 is λ·Σw²).
///
/// ```swift
/// let dense = Dense(inputSize: 4, outputSize: 2, weightRegularizer: .l2(1e-4))
/// ```
public enum Regularizer: Sendable, Equatable, Codable {
    case l1(Double)
    case l2(Double)
    case elasticNet(l1: Double, l2: Double)

    /// The penalty for `weight`, a scalar tensor (differentiable).
    public func penalty(_ weight: Tensor) -> Tensor {
        switch self {
        case .l1(let a): return weight.abs().sum() * a
        case .l2(let b): return weight.squared().sum() * b
        case .elasticNet(let a, let b): return weight.abs().sum() * a + weight.squared().sum() * b
        }
    }
}
