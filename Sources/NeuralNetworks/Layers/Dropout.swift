import JSONCoding
import TensorModule

/// Inverted dropout: in training, zeroes each element with probability `rate` and scales the survivors by
/// 1 / (1 − rate); at inference it is the identity.
///
/// The lecture's version keeps activations unscaled in training and multiplies the weights by (1 − p) at test time.
/// Both give every unit the same expected input at test time as in training; scaling during training instead leaves
/// the trained weights usable as they are, so inference needs no change.
///
/// ```swift
/// let drop = Dropout(rate: 0.5, seed: 1)
/// ```
public final class Dropout: Module, RandomStateHolder {
    public let rate: Double
    /// The generator the masks come from (set it to replay the same masks).
    public var generator: RandomGenerator

    public init(rate: Double, seed: UInt64? = nil) {
        require(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1), got \(rate)")
        self.rate = rate
        generator = RandomGenerator(seed: seed ?? RandomSeeds.next())
    }

    public override func callAsFunction(_ input: Tensor) -> Tensor {
        guard isTraining, rate > 0 else { return input }
        let keep = Tensor.randomUniform(input.shape, dtype: input.dtype, using: &generator) .>= rate
        return input * keep * (1 / (1 - rate))
    }

    public override var details: String { "rate \(rate)" }
}

extension Dropout: ConfigurableLayer {
    /// `{"type": "dropout", "rate": 0.5}`: the rate has no default.
    public struct Configuration: UnaryLayerConfiguration {
        public static let typeName = "dropout"
        public static let fieldNames: Set<String> = ["rate"]
        public var rate: Double

        public init(rate: Double) { self.rate = rate }

        public init(fields f: Fields) throws(ConfigError) {
            let rate = try f.required("rate").double()
            guard rate >= 0 && rate < 1 else { throw f["rate"]!.fail("rate must be in [0, 1), found \(rate)") }
            self.init(rate: rate)
        }

        public var jsonFields: [(String, JSONValue)] { [("rate", .number(rate))] }
        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) { (Dropout(rate: rate), input) }
        public var details: String { "rate \(rate)" }
    }

    public var configuration: any LayerConfiguration { Configuration(rate: rate) }
}

extension LayerSpec {
    public static func dropout(rate: Double) -> LayerSpec { LayerSpec(Dropout.Configuration(rate: rate)) }
}
