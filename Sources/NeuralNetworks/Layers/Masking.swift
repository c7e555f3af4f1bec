import JSONCoding
import TensorModule

/// Marks padded steps of float sequences (Keras's `Masking`): a step [batch, time, features] whose features all equal
/// `maskValue` is padding. The values pass through unchanged; the mask (1 at the steps that count) reaches the layers
/// after it, the loss and the metrics, as an ``Embedding`` with `maskZero` does for ids.
///
/// ```swift
/// let model = Sequential([Masking(), LSTM(inputSize: 12, units: 32), Dense(inputSize: 32, outputSize: 9)])
/// ```
public final class Masking: Module {
    public let maskValue: Double

    public init(maskValue: Double = 0) { self.maskValue = maskValue }

    public override func callAsFunction(_ input: Tensor) -> Tensor { input }

    public override var makesMask: Bool { true }

    /// 1 where any feature differs from `maskValue`, over the input's leading dimensions: int32 [batch, time].
    public override func computeMask(inputs: [Tensor], masks: [Tensor?], output: Tensor) -> Tensor? {
        let x = inputs[0]
        return ((x .!= maskValue).converted(to: x.dtype).sum(alongAxes: [x.rank - 1]) .> 0).converted(to: .int32)
    }

    public override var details: String { maskValue == 0 ? "" : "value \(maskValue)" }
}

extension Masking: ConfigurableLayer {
    /// `{"type": "masking", "maskValue": 0}`; the value is optional (0).
    public struct Configuration: UnaryLayerConfiguration {
        public static let typeName = "masking"
        public static let fieldNames: Set<String> = ["maskValue"]
        public var maskValue: Double

        public init(maskValue: Double = 0) { self.maskValue = maskValue }
        public init(fields f: Fields) throws(ConfigError) { self.init(maskValue: try f.double("maskValue", default: 0)) }
        public var jsonFields: [(String, JSONValue)] { [("maskValue", .number(maskValue))] }
        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) { (Masking(maskValue: maskValue), input) }
        public func outputShape(input: [Int]) throws(ConfigError) -> [Int] { input }
    }

    public var configuration: any LayerConfiguration { Configuration(maskValue: maskValue) }
}
