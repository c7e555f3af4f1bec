import JSONCoding
import TensorModule

/// Maxout (Goodfellow et al., 2013): `pieceCount` affine maps per output unit, and the unit outputs their maximum.
/// It learns a convex piecewise-linear activation; with 2 pieces it can represent ReLU and leaky ReLU.
///
/// ```swift
/// let layer = Maxout(inputSize: 10, outputSize: 4, pieceCount: 3)  // weight [10, 12], output [batch, 4]
/// ```
public final class Maxout: Module {
    public let weight: Parameter
    public let bias: Parameter
    public let pieceCount: Int

    public static let defaultPieceCount = 2

    public init(inputSize: Int, outputSize: Int, pieceCount: Int = Maxout.defaultPieceCount, weightInitializer: Initializer = .glorotUniform,
                seed: UInt64? = nil) {
        require(inputSize > 0 && outputSize > 0 && pieceCount > 0, "Maxout: sizes and pieceCount must be positive")
        let seed = seed ?? RandomSeeds.next()
        weight = Parameter(weightInitializer.make([inputSize, outputSize * pieceCount], fanIn: inputSize,
                                                  fanOut: outputSize, seed: seed))
        bias = Parameter(Tensor.zeros([outputSize * pieceCount]))
        self.pieceCount = pieceCount
    }

    public var inputSize: Int { weight.value.shape[0] }
    public var outputSize: Int { weight.value.shape[1] / pieceCount }

    public override func callAsFunction(_ input: Tensor) -> Tensor {
        let z = input.matmul(weight.value) + bias.value
        return z.reshaped(to: [-1, outputSize, pieceCount]).max(alongAxes: [2])
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        guard inputShape.count == 2, inputShape.last == inputSize else {
            throw .shapeMismatch(layer: "Maxout(\(inputSize)→\(outputSize)×\(pieceCount))",
                                 expected: "[batch, \(inputSize)]", found: inputShape)
        }
        return [inputShape[0], outputSize]
    }

    public override var details: String { "\(pieceCount) pieces" }
}

extension Maxout: ConfigurableLayer {
    /// `{"type": "maxout", "units": 64, "pieces": 2}`; `pieces` is optional (``defaultPieceCount``).
    public struct Configuration: UnaryLayerConfiguration {
        public static let typeName = "maxout"
        public static let fieldNames: Set<String> = ["units", "pieces"]
        public var units: Int
        public var pieces: Int

        public init(units: Int, pieces: Int = Maxout.defaultPieceCount) {
            self.units = units
            self.pieces = pieces
        }

        public init(fields f: Fields) throws(ConfigError) {
            self.init(units: try f.required("units").int(minimum: 1), pieces: try f.int("pieces", minimum: 1, default: Maxout.defaultPieceCount))
        }

        public var jsonFields: [(String, JSONValue)] { [("units", .number(Double(units))), ("pieces", .number(Double(pieces)))] }

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            (Maxout(inputSize: try features(input), outputSize: units, pieceCount: pieces), [units])
        }

        public func outputShape(input: [Int]) throws(ConfigError) -> [Int] {
            _ = try features(input)
            return [units]
        }

        public func parameterCount(input: [Int]) -> Int? { MemoryBudget.elementCount([(input.count == 1 ? input[0] : 0) + 1, units, pieces]) }
        public var details: String { "\(units)×\(pieces)" }
    }

    public var configuration: any LayerConfiguration { Configuration(units: outputSize, pieces: pieceCount) }
}

extension LayerSpec {
    public static func maxout(units: Int, pieces: Int = Maxout.defaultPieceCount) -> LayerSpec {
        LayerSpec(Maxout.Configuration(units: units, pieces: pieces))
    }
}
