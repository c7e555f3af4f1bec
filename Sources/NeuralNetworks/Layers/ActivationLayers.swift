import JSONCoding
import TensorModule

/// A layer that applies an ``Activation``; the named subclasses (`ReLU()`, `Tanh()`, …) read like Keras's layers.
///
/// ```swift
/// let model = Sequential([Dense(inputSize: 2, outputSize: 8), LeakyReLU(alpha: 0.1), Dense(inputSize: 8, outputSize: 1)])
/// ```
public class ActivationLayer: Module {
    public let activation: Activation

    public init(_ activation: Activation) {
        self.activation = activation
    }

    public override func callAsFunction(_ input: Tensor) -> Tensor { activation(input) }
    public override var details: String { activation.name }
}

/// The logistic function as a layer.
public final class Sigmoid: ActivationLayer { public init() { super.init(.sigmoid) } }
/// tanh as a layer.
public final class Tanh: ActivationLayer { public init() { super.init(.tanh) } }
/// max(x, 0) as a layer.
public final class ReLU: ActivationLayer { public init() { super.init(.relu) } }
/// x for x > 0, α·x otherwise (the lectures use α = 0.1).
public final class LeakyReLU: ActivationLayer { public init(alpha: Double = Activation.defaultLeakyReluAlpha) { super.init(.leakyRelu(alpha: alpha)) } }
/// x for x > 0, α·(eˣ − 1) otherwise.
public final class ELU: ActivationLayer { public init(alpha: Double = 1) { super.init(.elu(alpha: alpha)) } }
/// log(1 + eˣ) as a layer.
public final class Softplus: ActivationLayer { public init() { super.init(.softplus) } }
/// SELU as a layer: λ·x or λ·α·(eˣ − 1) (pair it with `lecunNormal` weights).
public final class SELU: ActivationLayer { public init() { super.init(.selu) } }
/// GELU as a layer: x·Φ(x), or with `approximate` its tanh form.
public final class GELU: ActivationLayer { public init(approximate: Bool = false) { super.init(.gelu(approximate: approximate)) } }
/// SiLU (swish) as a layer: x·σ(x).
public final class SiLU: ActivationLayer { public init() { super.init(.silu) } }
/// Softsign as a layer: x / (1 + |x|).
public final class Softsign: ActivationLayer { public init() { super.init(.softsign) } }
/// Softmax over the last axis as a layer.
public final class Softmax: ActivationLayer { public init() { super.init(.softmax) } }

/// Leaky ReLU whose slope α is learned: f(x) = max(0, x) + α·min(0, x), with one α per feature (last axis) or
/// one shared α.
///
/// ```swift
/// let prelu = PReLU(featureCount: 16)      // 16 slopes
/// let shared = PReLU(featureCount: nil)    // one slope
/// ```
public final class PReLU: Module {
    public let alpha: Parameter

    /// `featureCount` nil shares one α; `initialAlpha` is 0.25 as in He et al. (2015).
    public static let defaultInitialAlpha = 0.25

    public init(featureCount: Int?, initialAlpha: Double = PReLU.defaultInitialAlpha) {
        alpha = Parameter(Tensor.full([featureCount ?? 1], value: initialAlpha))
    }

    public override func callAsFunction(_ input: Tensor) -> Tensor {
        input.relu() - alpha.value * (-input).relu()
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        let n = alpha.value.shape[0]
        guard n == 1 || inputShape.last == n else {
            throw .shapeMismatch(layer: "PReLU(\(n))", expected: "last dimension \(n)", found: inputShape)
        }
        return inputShape
    }
}

extension ActivationLayer: ConfigurableLayer {
    /// `{"type": "activation", "activation": "relu"}`.
    public struct Configuration: UnaryLayerConfiguration {
        public static let typeName = "activation"
        public static let fieldNames: Set<String> = ["activation"]
        public var activation: Activation

        public init(_ activation: Activation) { self.activation = activation }
        public init(fields f: Fields) throws(ConfigError) { activation = try Activation(json: try f.required("activation")) }
        public var jsonFields: [(String, JSONValue)] { [("activation", activation.json)] }
        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) { (ActivationLayer(activation), input) }
        public var details: String { activation.name }
    }

    public var configuration: any LayerConfiguration { Configuration(activation) }
}

extension PReLU: ConfigurableLayer {
    /// `{"type": "prelu", "shared": false, "initialAlpha": 0.25}`: one slope per feature unless `shared`.
    public struct Configuration: UnaryLayerConfiguration {
        public static let typeName = "prelu"
        public static let fieldNames: Set<String> = ["shared", "initialAlpha"]
        public var shared: Bool
        public var initialAlpha: Double

        public init(shared: Bool = false, initialAlpha: Double = PReLU.defaultInitialAlpha) {
            self.shared = shared
            self.initialAlpha = initialAlpha
        }

        public init(fields f: Fields) throws(ConfigError) {
            self.init(shared: try f.bool("shared", default: false), initialAlpha: try f.double("initialAlpha", default: PReLU.defaultInitialAlpha))
        }

        public var jsonFields: [(String, JSONValue)] { [("shared", .bool(shared)), ("initialAlpha", .number(initialAlpha))] }

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            (PReLU(featureCount: shared ? nil : input.last, initialAlpha: initialAlpha), input)
        }

        public func outputShape(input: [Int]) throws(ConfigError) -> [Int] { input }
        public func parameterCount(input: [Int]) -> Int? { shared ? 1 : input.last ?? 0 }
    }

    /// The initial slope is not recoverable from trained weights: the configuration records the default.
    public var configuration: any LayerConfiguration { Configuration(shared: alpha.value.count == 1) }
}

extension LayerSpec {
    public static func activation(_ activation: Activation) -> LayerSpec { LayerSpec(ActivationLayer.Configuration(activation)) }
}

extension LayerSpec {
    public static func prelu(shared: Bool = false, initialAlpha: Double = PReLU.defaultInitialAlpha) -> LayerSpec {
        LayerSpec(PReLU.Configuration(shared: shared, initialAlpha: initialAlpha))
    }
}
