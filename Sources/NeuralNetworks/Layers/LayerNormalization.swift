import JSONCoding
import TensorModule

/// Layer normalization (Ba et al., 2016), Keras's `LayerNormalization`: each position is standardized over its own
/// features (the last axis), then scaled and shifted per feature:
///
///     μ = mean(x), σ² = mean((x − μ)²) over the last axis;  y = γ·(x − μ)/√(σ² + ε) + β
///
/// Unlike ``BatchNorm`` it has no batch statistics: training and inference compute the same thing, and a sequence's
/// steps are normalized one by one (it keeps a padding mask). ε is Keras's 1e-3 (PyTorch's `nn.LayerNorm` uses 1e-5);
/// γ starts at 1 and β at 0.
///
/// ```swift
/// let norm = LayerNormalization(featureCount: 16)
/// let y = norm(Tensor.randomNormal([4, 10, 16], seed: 1))   // each of the 40 positions: mean 0, variance ≈ 1
/// ```
public final class LayerNormalization: Module {
    /// Keras's ε (model JSON takes it from here too).
    public static let defaultEpsilon = 1e-3

    /// The scale γ [features].
    public let gamma: Parameter
    /// The offset β [features].
    public let beta: Parameter
    public let epsilon: Double

    public init(featureCount: Int, epsilon: Double = LayerNormalization.defaultEpsilon) {
        require(featureCount > 0, "LayerNormalization: featureCount must be positive, got \(featureCount)")
        require(epsilon >= 0 && epsilon.isFinite, "LayerNormalization: epsilon must be a finite number ≥ 0, got \(epsilon)")
        gamma = Parameter(Tensor.ones([featureCount]))
        beta = Parameter(Tensor.zeros([featureCount]))
        self.epsilon = epsilon
    }

    public var featureCount: Int { gamma.value.shape[0] }

    public override func callAsFunction(_ input: Tensor) -> Tensor {
        let last = input.rank - 1
        let centered = input - input.mean(alongAxes: [last], keepingDimensions: true)
        let variance = centered.squared().mean(alongAxes: [last], keepingDimensions: true)
        return centered / (variance + epsilon).sqrt() * gamma.value + beta.value
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        guard inputShape.count >= 2, inputShape.last == featureCount else {
            throw .shapeMismatch(layer: "LayerNormalization(\(featureCount))", expected: "last dimension \(featureCount)", found: inputShape)
        }
        return inputShape
    }
}

extension LayerNormalization: ConfigurableLayer {
    /// `{"type": "layerNormalization", "epsilon": 0.001}`; ε is optional (``defaultEpsilon``).
    public struct Configuration: UnaryLayerConfiguration {
        public static let typeName = "layerNormalization"
        public static let fieldNames: Set<String> = ["epsilon"]
        public var epsilon: Double

        public init(epsilon: Double = LayerNormalization.defaultEpsilon) { self.epsilon = epsilon }

        public init(fields f: Fields) throws(ConfigError) {
            let e = try f.double("epsilon", default: LayerNormalization.defaultEpsilon)
            guard e >= 0 else { throw f["epsilon"]!.fail("epsilon must be ≥ 0, found \(e)") }
            self.init(epsilon: e)
        }

        public var jsonFields: [(String, JSONValue)] { [("epsilon", .number(epsilon))] }

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            guard let features = input.last else { throw ConfigError(path: "$", "layerNormalization needs an input with features") }
            return (LayerNormalization(featureCount: features, epsilon: epsilon), input)
        }

        public func outputShape(input: [Int]) throws(ConfigError) -> [Int] { input }
        /// γ and β.
        public func parameterCount(input: [Int]) -> Int? { 2 * (input.last ?? 0) }
    }

    public var configuration: any LayerConfiguration { Configuration(epsilon: epsilon) }
}
