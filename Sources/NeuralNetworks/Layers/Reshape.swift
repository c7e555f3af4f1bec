import JSONCoding
import TensorModule

/// Flattens every dimension after the batch: [N, d1, d2, …] → [N, d1·d2·…].
public final class Flatten: Module {
    public override init() {}

    public override func callAsFunction(_ input: Tensor) -> Tensor {
        input.reshaped(to: [input.shape.first ?? 1, -1])
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        guard let n = inputShape.first else {
            throw .shapeMismatch(layer: "Flatten", expected: "a batch dimension", found: inputShape)
        }
        return [n, inputShape.dropFirst().reduce(1, *)]
    }
}

/// Reshapes each example to `shape` (the batch dimension is kept).
///
/// ```swift
/// let toImage = Reshape([28, 28, 1])   // [N, 784] → [N, 28, 28, 1]
/// ```
public final class Reshape: Module {
    public let shape: [Int]

    public init(_ shape: [Int]) {
        require(shape.allSatisfy { $0 > 0 }, "Reshape: dimensions must be positive, got \(shape)")
        self.shape = shape
    }

    public override func callAsFunction(_ input: Tensor) -> Tensor { input.reshaped(to: [input.shape[0]] + shape) }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        guard let n = inputShape.first, inputShape.dropFirst().reduce(1, *) == shape.reduce(1, *) else {
            throw .shapeMismatch(layer: "Reshape(\(shape))", expected: "\(shape.reduce(1, *)) values per example",
                                 found: inputShape)
        }
        return [n] + shape
    }

    public override var details: String { "\(shape)" }
}

extension Flatten: ConfigurableLayer {
    /// `{"type": "flatten"}`.
    public struct Configuration: UnaryLayerConfiguration, FieldlessLayerConfiguration {
        public static let typeName = "flatten"
        public init() {}
        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) { (Flatten(), [MemoryBudget.elementCount(input) ?? Int.max]) }
    }

    public var configuration: any LayerConfiguration { Configuration() }
}

extension Reshape: ConfigurableLayer {
    /// `{"type": "reshape", "shape": [28, 28, 1]}`: the per-example shape.
    public struct Configuration: UnaryLayerConfiguration {
        public static let typeName = "reshape"
        public static let fieldNames: Set<String> = ["shape"]
        public var shape: [Int]

        public init(_ shape: [Int]) { self.shape = shape }
        public init(fields f: Fields) throws(ConfigError) { shape = try f.required("shape").ints() }
        public var jsonFields: [(String, JSONValue)] { [("shape", JSONValue(shape))] }

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            guard let count = MemoryBudget.elementCount(shape), count == MemoryBudget.elementCount(input) else {
                throw ConfigError(path: "$", "reshape to \(shape) does not fit input shape \(input)")
            }
            return (Reshape(shape), shape)
        }

        public var details: String { "\(shape)" }
    }

    public var configuration: any LayerConfiguration { Configuration(shape) }
}

extension LayerSpec {
    public static var flatten: LayerSpec { LayerSpec(Flatten.Configuration()) }
    public static func reshape(_ shape: [Int]) -> LayerSpec { LayerSpec(Reshape.Configuration(shape)) }
}
