import JSONCoding
import TensorModule

/// The mean over time of sequences [batch, time, features] → [batch, features] (Keras's `GlobalAveragePooling1D`).
/// Given a mask [batch, time] (from an ``Embedding`` with `maskZero`), only the positions that count are averaged,
/// so a padded sequence pools to what the unpadded one gives; a fully masked sequence pools to zeros, not NaN. The
/// output has no mask.
///
/// ```swift
/// let pooled = GlobalAveragePooling1D()([vectors], masks: [ids .!= 0])   // [batch, features]
/// ```
public final class GlobalAveragePooling1D: Module {
    public override init() {}

    public override func callAsFunction(_ input: Tensor) -> Tensor { input.mean(alongAxes: [1]) }

    public override func callAsFunction(_ inputs: [Tensor], masks: [Tensor?]) -> Tensor {
        require(inputs.count == 1, "GlobalAveragePooling1D takes one input, given \(inputs.count)")
        let x = inputs[0]
        guard let mask = masks.first ?? nil else { return self(x) }
        require(mask.shape == Array(x.shape.prefix(2)), "GlobalAveragePooling1D: mask \(mask.shape) does not fit input \(x.shape)")
        let weights = mask.converted(to: x.dtype).reshaped(to: mask.shape + [1])
        // Σₜ mₜ·xₜ / max(Σₜ mₜ, 1): the count is at least 1 so that a sequence with nothing to count pools to 0.
        let counts = weights.sum(alongAxes: [1]).clamped(lowerBound: 1, upperBound: .infinity)
        return (x * weights).sum(alongAxes: [1]) / counts
    }

    public override func computeMask(inputs: [Tensor], masks: [Tensor?], output: Tensor) -> Tensor? { nil }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        guard inputShape.count == 3 else {
            throw .shapeMismatch(layer: "GlobalAveragePooling1D", expected: "[batch, time, features]", found: inputShape)
        }
        return [inputShape[0], inputShape[2]]
    }
}

extension GlobalAveragePooling1D: ConfigurableLayer {
    /// `{"type": "globalAveragePool1d"}`.
    public struct Configuration: UnaryLayerConfiguration, FieldlessLayerConfiguration {
        public static let typeName = "globalAveragePool1d"
        public init() {}

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            guard input.count == 2 else { throw ConfigError(path: "$", "globalAveragePool1d needs a sequence input [time, features], found shape \(input)") }
            return (GlobalAveragePooling1D(), [input[1]])
        }
    }

    public var configuration: any LayerConfiguration { Configuration() }
}

extension LayerSpec {
    public static var globalAveragePool1d: LayerSpec { LayerSpec(GlobalAveragePooling1D.Configuration()) }
}
