import TensorModule

/// An activation function, usable as a value (`Dense(…, activation: .relu)`) or as a layer (``ActivationLayer``).
///
/// ```swift
/// let y = Activation.leakyRelu(alpha: 0.1)(x)   // the lecture's max(0.1x, x)
/// ```
public enum Activation: Sendable, Equatable, Codable {
    case identity
    case sigmoid
    case tanh
    case relu
    case leakyRelu(alpha: Double)
    case elu(alpha: Double)
    case softplus
    /// λ·x or λ·α·(eˣ − 1), self-normalizing with `lecunNormal` weights.
    case selu
    /// x·Φ(x), or its tanh approximation.
    case gelu(approximate: Bool)
    /// x·σ(x), also called swish.
    case silu
    /// x / (1 + |x|).
    case softsign
    /// Softmax along the last axis.
    case softmax

    /// The same activation as a fused op's (``Tensor/dense(_:bias:activation:)``, ``Tensor/conv2d(_:bias:strides:padding:dilation:activation:)``), if it is one.
    public var fused: FusedActivation? {
        switch self {
        case .identity: return .identity
        case .relu: return .relu
        case .tanh: return .tanh
        case .sigmoid: return .sigmoid
        default: return nil
        }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .identity: return x
        case .sigmoid: return x.sigmoid()
        case .tanh: return x.tanh()
        case .relu: return x.relu()
        case .leakyRelu(let a): return x.leakyRelu(alpha: a)
        case .elu(let a): return x.elu(alpha: a)
        case .softplus: return x.softplus()
        case .selu: return x.selu()
        case .gelu(let approximate): return x.gelu(approximate: approximate)
        case .silu: return x.silu()
        case .softsign: return x.softsign()
        case .softmax: return x.softmax()
        }
    }

    /// A short name for tables and logs (`relu`, `leakyRelu(0.1)`).
    public var name: String {
        switch self {
        case .identity: return "linear"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .relu: return "relu"
        case .leakyRelu(let a): return "leakyRelu(\(a))"
        case .elu(let a): return "elu(\(a))"
        case .softplus: return "softplus"
        case .selu: return "selu"
        case .gelu(let approximate): return approximate ? "gelu(tanh)" : "gelu"
        case .silu: return "silu"
        case .softsign: return "softsign"
        case .softmax: return "softmax"
        }
    }
}
