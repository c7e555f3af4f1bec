import JSONCoding
import TensorModule

/// The dot product of two vectors per example (Keras's `Dot(axes=-1)`): inputs [batch, …, k] and [batch, …, k]
/// give [batch, …, 1], Σⱼ aⱼ·bⱼ. With `normalize`, the vectors are scaled to unit length first (cosine similarity).
/// The join of a matrix-factorization model: a user's embedding against an item's.
///
/// ```swift
/// let user = SymbolicTensor.input(shape: []), item = SymbolicTensor.input(shape: [])
/// let score = Dot()([Embedding(vocabularySize: 100, dimension: 8)(user), Embedding(vocabularySize: 50, dimension: 8)(item)])   // [1]
/// ```
public final class Dot: MergeLayer {
    /// Whether the vectors are scaled to unit length first (the cosine of their angle).
    public let normalize: Bool

    /// A dot product of two inputs, of unit vectors with `normalize`.
    public init(normalize: Bool = false) { self.normalize = normalize }

    public override func callAsFunction(_ inputs: [Tensor]) -> Tensor {
        require(inputs.count == 2 && inputs[0].shape == inputs[1].shape && inputs[0].rank >= 2,
                "Dot takes two inputs [batch, …, k] of one shape, given \(inputs.map(\.shape))")
        var (a, b) = (inputs[0], inputs[1])
        if normalize {
            a = a / ((a * a).sum(alongAxes: [a.rank - 1], keepingDimensions: true) + 1e-12).sqrt()
            b = b / ((b * b).sum(alongAxes: [b.rank - 1], keepingDimensions: true) + 1e-12).sqrt()
        }
        return (a * b).sum(alongAxes: [a.rank - 1], keepingDimensions: true)
    }

    public override func outputShape(forInputs inputShapes: [[Int]]) throws(ModuleError) -> [Int] {
        guard inputShapes.count == 2 else { throw .inputCount(layer: "Dot", expected: "2", found: inputShapes.count) }
        guard inputShapes[0] == inputShapes[1], inputShapes[0].count >= 2 else {
            throw .shapeMismatch(layer: "Dot", expected: "\(inputShapes[0]) (two vectors of one shape)", found: inputShapes[1])
        }
        return inputShapes[0].dropLast() + [1]
    }

    public override var details: String { normalize ? "normalize" : "" }
}

extension Dot: ConfigurableLayer {
    /// `{"type": "dot"}`; also `normalize` (false).
    public struct Configuration: LayerConfiguration {
        public static let typeName = "dot"
        public static let fieldNames: Set<String> = ["normalize"]
        public var normalize: Bool

        public init(normalize: Bool = false) { self.normalize = normalize }
        public init(fields f: Fields) throws(ConfigError) { self.init(normalize: try f.bool("normalize", default: false)) }
        public var jsonFields: [(String, JSONValue)] { normalize ? [("normalize", .bool(true))] : [] }
        public func build(inputs: [[Int]]) throws(ConfigError) -> (Module, [Int]) { try joining(Dot(normalize: normalize), inputs: inputs) }
        public var details: String { normalize ? "normalize" : "" }
    }

    public var configuration: any LayerConfiguration { Configuration(normalize: normalize) }
}
