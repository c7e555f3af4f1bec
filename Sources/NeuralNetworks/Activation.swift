import JSONCoding
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
    /// max(αx, x); α defaults to ``defaultLeakyReluAlpha``.
    case leakyRelu(alpha: Double = Activation.defaultLeakyReluAlpha)
    /// x, or α(eˣ − 1) below zero.
    case elu(alpha: Double = 1)
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

// MARK: - JSON: a name (`"relu"`) or an object with a `type` and its settings (`{"type": "leakyRelu", "alpha": 0.1}`)

extension Activation {
    /// Leaky ReLU's slope below zero when none is given: PyTorch's 0.01 (model JSON, the CLI and the Playground all
    /// take it from here).
    public static let defaultLeakyReluAlpha = 0.01

    /// Every activation by its JSON name; model JSON and the Playground's menus read it.
    public static let registry = Registry<Activation>(family: "activation", [
        .init("linear") { _ in .identity }, .init("identity", isListed: false) { _ in .identity },
        .init("sigmoid") { _ in .sigmoid }, .init("tanh") { _ in .tanh }, .init("relu") { _ in .relu },
        .init("leakyRelu", fields: ["alpha"]) { f throws(ConfigError) in .leakyRelu(alpha: try f.double("alpha", default: defaultLeakyReluAlpha)) },
        .init("elu", fields: ["alpha"]) { f throws(ConfigError) in .elu(alpha: try f.double("alpha", default: 1)) },
        .init("softplus") { _ in .softplus }, .init("selu") { _ in .selu },
        .init("gelu", fields: ["approximate"]) { f throws(ConfigError) in .gelu(approximate: try f.bool("approximate", default: false)) },
        .init("silu") { _ in .silu }, .init("swish", isListed: false) { _ in .silu },   // Keras's name for the same function
        .init("softsign") { _ in .softsign }, .init("softmax") { _ in .softmax },
    ])

    public init(json node: Node) throws(ConfigError) { self = try Activation.registry.decode(node) }

    /// Its JSON form: the name alone when it has no settings.
    public var json: JSONValue {
        switch self {
        case .identity: return .string("linear")
        case .leakyRelu(let a): return .object([("type", .string("leakyRelu")), ("alpha", .number(a))])
        case .elu(let a): return .object([("type", .string("elu")), ("alpha", .number(a))])
        case .gelu(true): return .object([("type", .string("gelu")), ("approximate", .bool(true))])
        default: return .string(name)
        }
    }
}
