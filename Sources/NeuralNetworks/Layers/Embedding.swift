import JSONCoding
import TensorModule

/// A table of learned vectors, one per id: int32 ids [batch, …] become vectors [batch, …, dimension] (Keras's
/// `Embedding`, PyTorch's `nn.Embedding`). The table starts uniform in [−0.05, 0.05], as in Keras.
///
/// With `maskZero`, id 0 is padding: the layer makes a mask (1 where the id is not 0) that later layers, the loss and
/// the metrics read, so padded positions count nowhere. Id 0 still has a row (the vocabulary keeps its size), as in
/// Keras.
///
/// ```swift
/// let embed = Embedding(vocabularySize: 1000, dimension: 16, maskZero: true)
/// let vectors = embed(Tensor(shape: [2, 3], integers: [5, 9, 0, 7, 0, 0]))   // [2, 3, 16]
/// ```
public final class Embedding: Module {
    /// The table [vocabularySize, dimension].
    public let weight: Parameter
    public let maskZero: Bool

    /// `regularizer` penalizes the table (Keras's `embeddings_regularizer`): an L2 penalty is the usual weight
    /// decay of a matrix-factorization model's factors.
    public init(vocabularySize: Int, dimension: Int, maskZero: Bool = false,
                initializer: Initializer = .uniform(lowerBound: -0.05, upperBound: 0.05), regularizer: Regularizer? = nil, seed: UInt64? = nil) {
        require(vocabularySize > 0 && dimension > 0, "Embedding: sizes must be positive, got \(vocabularySize)×\(dimension)")
        weight = Parameter(initializer.make([vocabularySize, dimension], seed: seed ?? RandomSeeds.next()), regularizer: regularizer)
        self.maskZero = maskZero
    }

    public var vocabularySize: Int { weight.value.shape[0] }
    public var dimension: Int { weight.value.shape[1] }

    public override var details: String { "\(vocabularySize)×\(dimension)" + (maskZero ? " maskZero" : "") }

    /// The rows of the table for `input`'s int32 ids; an id outside the vocabulary, or float ids, stop with a message.
    public override func callAsFunction(_ input: Tensor) -> Tensor { weight.value.gathering(ids: input) }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        guard inputShape.count >= 1 else {
            throw .shapeMismatch(layer: "Embedding(\(vocabularySize)×\(dimension))", expected: "ids [batch, …]", found: inputShape)
        }
        return inputShape + [dimension]
    }

    public override var makesMask: Bool { maskZero }

    /// With `maskZero`, 1 where the id is not 0 (shape of the ids); otherwise the incoming mask, if any.
    public override func computeMask(inputs: [Tensor], masks: [Tensor?], output: Tensor) -> Tensor? {
        maskZero ? inputs[0] .!= 0 : masks.first ?? nil
    }
}

extension Embedding: ConfigurableLayer {
    /// `{"type": "embedding", "vocabularySize": 1000, "dimension": 16, "maskZero": false}`; also `regularizer` (none).
    public struct Configuration: UnaryLayerConfiguration {
        public static let typeName = "embedding"
        public static let fieldNames: Set<String> = ["vocabularySize", "dimension", "maskZero", "regularizer"]
        public var vocabularySize: Int
        public var dimension: Int
        public var maskZero: Bool
        public var regularizer: Regularizer?

        public init(vocabularySize: Int, dimension: Int, maskZero: Bool = false, regularizer: Regularizer? = nil) {
            self.vocabularySize = vocabularySize
            self.dimension = dimension
            self.maskZero = maskZero
            self.regularizer = regularizer
        }

        public init(fields f: Fields) throws(ConfigError) {
            self.init(vocabularySize: try f.required("vocabularySize").int(minimum: 1), dimension: try f.required("dimension").int(minimum: 1),
                      maskZero: try f.bool("maskZero", default: false),
                      regularizer: try f["regularizer"].map { n throws(ConfigError) in try Regularizer(json: n) })
        }

        public var jsonFields: [(String, JSONValue)] {
            [("vocabularySize", .number(Double(vocabularySize))), ("dimension", .number(Double(dimension))), ("maskZero", .bool(maskZero))]
                + (regularizer.map { [("regularizer", $0.json)] } ?? [])
        }

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            (Embedding(vocabularySize: vocabularySize, dimension: dimension, maskZero: maskZero, regularizer: regularizer), input + [dimension])
        }

        public func outputShape(input: [Int]) throws(ConfigError) -> [Int] { input + [dimension] }
        public func parameterCount(input: [Int]) -> Int? { MemoryBudget.elementCount([vocabularySize, dimension]) }
        public var details: String { "\(vocabularySize)×\(dimension)" + (maskZero ? " maskZero" : "") }
    }

    public var configuration: any LayerConfiguration {
        Configuration(vocabularySize: vocabularySize, dimension: dimension, maskZero: maskZero, regularizer: weight.regularizer)
    }
}

extension LayerSpec {
    public static func embedding(vocabularySize: Int, dimension: Int, maskZero: Bool = false, regularizer: Regularizer? = nil) -> LayerSpec {
        LayerSpec(Embedding.Configuration(vocabularySize: vocabularySize, dimension: dimension, maskZero: maskZero, regularizer: regularizer))
    }
}
