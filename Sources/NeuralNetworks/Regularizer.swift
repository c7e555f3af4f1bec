import JSONCoding
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

// MARK: - JSON

extension Regularizer {
    /// Every regularizer by its JSON name; a rate has no default.
    public static let registry = Registry<Regularizer>(family: "regularizer", [
        .init("l1", fields: ["rate"]) { f throws(ConfigError) in .l1(try f.required("rate").double()) },
        .init("l2", fields: ["rate"]) { f throws(ConfigError) in .l2(try f.required("rate").double()) },
        .init("elasticNet", fields: ["l1", "l2"]) { f throws(ConfigError) in
            .elasticNet(l1: try f.required("l1").double(), l2: try f.required("l2").double())
        },
    ])

    public init(json node: Node) throws(ConfigError) { self = try Regularizer.registry.decode(node) }

    public var json: JSONValue {
        switch self {
        case .l1(let r): return .object([("type", .string("l1")), ("rate", .number(r))])
        case .l2(let r): return .object([("type", .string("l2")), ("rate", .number(r))])
        case let .elasticNet(a, b): return .object([("type", .string("elasticNet")), ("l1", .number(a)), ("l2", .number(b))])
        }
    }
}
