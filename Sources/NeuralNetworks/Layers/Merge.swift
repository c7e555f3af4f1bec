import JSONCoding
import TensorModule

/// The shape two or more broadcasting inputs give together, or an error naming the layer and the shapes.
private func broadcastShape(_ shapes: [[Int]], layer: String) throws(ModuleError) -> [Int] {
    guard shapes.count >= 2 else { throw .inputCount(layer: layer, expected: "2 or more", found: shapes.count) }
    var shape = shapes[0]
    for s in shapes.dropFirst() {
        do { shape = try Shapes.broadcast(shape, s, op: layer) } catch {
            throw .shapeMismatch(layer: layer, expected: "shapes that broadcast together", found: s)
        }
    }
    return shape
}

/// The base of layers that join two or more tensors into one: called on one tensor, they stop with a message.
open class MergeLayer: Module {
    public override init() {}

    public override func callAsFunction(_ input: Tensor) -> Tensor {
        require(false, "\(typeName) takes two or more inputs, given 1")
        return input
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        throw .inputCount(layer: typeName, expected: "2 or more", found: 1)
    }
}

/// Sums two or more tensors elementwise, broadcasting as numpy does: the join of a residual connection
/// (Keras's `Add`, which needs equal shapes; a broadcast input's gradient is summed back to its shape).
///
/// ```swift
/// let x = SymbolicTensor.input(shape: [16])
/// let y = Add()([x, Dense(inputSize: 16, outputSize: 16)(x)])   // x + f(x)
/// ```
public final class Add: MergeLayer {
    public override init() {}

    public override func callAsFunction(_ inputs: [Tensor]) -> Tensor {
        require(inputs.count >= 2, "Add takes two or more inputs, given \(inputs.count)")
        return inputs.dropFirst().reduce(inputs[0], +)
    }

    public override func outputShape(forInputs inputShapes: [[Int]]) throws(ModuleError) -> [Int] {
        try broadcastShape(inputShapes, layer: "Add")
    }
}

/// Multiplies two or more tensors elementwise, broadcasting as numpy does (Keras's `Multiply`): a gate, or
/// features scaled by weights computed from another input.
///
/// ```swift
/// let features = SymbolicTensor.input(shape: [8]), gate = SymbolicTensor.input(shape: [1])
/// let gated = Multiply()([features, gate])   // [8] per example
/// ```
public final class Multiply: MergeLayer {
    public override init() {}

    public override func callAsFunction(_ inputs: [Tensor]) -> Tensor {
        require(inputs.count >= 2, "Multiply takes two or more inputs, given \(inputs.count)")
        return inputs.dropFirst().reduce(inputs[0], *)
    }

    public override func outputShape(forInputs inputShapes: [[Int]]) throws(ModuleError) -> [Int] {
        try broadcastShape(inputShapes, layer: "Multiply")
    }
}

/// Joins two or more tensors along `axis` (the last by default; the batch axis 0 cannot be joined), Keras's
/// `Concatenate`: the join of two branches, such as an image's features and a table's.
///
/// ```swift
/// let image = SymbolicTensor.input(shape: [32]), table = SymbolicTensor.input(shape: [4])
/// let joined = Concatenate()([image, table])   // [36] per example
/// ```
public final class Concatenate: MergeLayer {
    /// The axis joined, counted with the batch axis (negative counts from the end).
    public let axis: Int

    public init(axis: Int = -1) {
        self.axis = axis
        super.init()
    }

    public override var details: String { axis == -1 ? "" : "axis \(axis)" }

    public override func callAsFunction(_ inputs: [Tensor]) -> Tensor {
        require(inputs.count >= 2, "Concatenate takes two or more inputs, given \(inputs.count)")
        return Tensor.concatenating(inputs, alongAxis: axis)
    }

    public override func outputShape(forInputs inputShapes: [[Int]]) throws(ModuleError) -> [Int] {
        guard inputShapes.count >= 2 else { throw .inputCount(layer: "Concatenate", expected: "2 or more", found: inputShapes.count) }
        let first = inputShapes[0]
        let a = axis < 0 ? axis + first.count : axis
        guard a >= 1 && a < first.count else {
            throw .shapeMismatch(layer: "Concatenate(axis: \(axis))", expected: "an axis after the batch axis", found: first)
        }
        var out = first
        for s in inputShapes.dropFirst() {
            var x = s, y = first
            if x.count == y.count { x[a] = 0; y[a] = 0 }
            guard x == y else {
                throw .shapeMismatch(layer: "Concatenate(axis: \(axis))", expected: "\(first) but along axis \(a)", found: s)
            }
            out[a] += s[a]
        }
        return out
    }
}

extension LayerConfiguration {
    /// `layer`, a join, with its per-example output shape for its inputs' per-example shapes.
    func joining(_ layer: Module, inputs: [[Int]]) throws(ConfigError) -> (Module, [Int]) {
        guard inputs.count >= 2 else {
            throw ConfigError(path: "$", "\(Self.typeName) joins two or more inputs, given \(inputs.count) (a graph model's node can give it more)")
        }
        do { return (layer, Array(try layer.outputShape(forInputs: inputs.map { [1] + $0 }).dropFirst())) } catch {
            throw ConfigError(path: "$", error.description)
        }
    }
}

extension Add: ConfigurableLayer {
    /// `{"type": "add"}`.
    public struct Configuration: FieldlessLayerConfiguration {
        public static let typeName = "add"
        public init() {}
        public func build(inputs: [[Int]]) throws(ConfigError) -> (Module, [Int]) { try joining(Add(), inputs: inputs) }
    }

    public var configuration: any LayerConfiguration { Configuration() }
}

extension Multiply: ConfigurableLayer {
    /// `{"type": "multiply"}`.
    public struct Configuration: FieldlessLayerConfiguration {
        public static let typeName = "multiply"
        public init() {}
        public func build(inputs: [[Int]]) throws(ConfigError) -> (Module, [Int]) { try joining(Multiply(), inputs: inputs) }
    }

    public var configuration: any LayerConfiguration { Configuration() }
}

extension Concatenate: ConfigurableLayer {
    /// `{"type": "concatenate", "axis": -1}`; the axis is optional (the last).
    public struct Configuration: LayerConfiguration {
        public static let typeName = "concatenate"
        public static let fieldNames: Set<String> = ["axis"]
        public var axis: Int

        public init(axis: Int = -1) { self.axis = axis }

        public init(fields f: Fields) throws(ConfigError) {
            let axis = try f.int("axis", default: -1)
            guard axis != 0 else { throw f["axis"]!.fail("the batch axis 0 cannot be joined") }
            self.init(axis: axis)
        }

        public var jsonFields: [(String, JSONValue)] { axis == -1 ? [] : [("axis", .number(Double(axis)))] }
        public func build(inputs: [[Int]]) throws(ConfigError) -> (Module, [Int]) { try joining(Concatenate(axis: axis), inputs: inputs) }
        public var details: String { axis == -1 ? "" : "axis \(axis)" }
    }

    public var configuration: any LayerConfiguration { Configuration(axis: axis) }
}

extension LayerSpec {
    public static var add: LayerSpec { LayerSpec(Add.Configuration()) }
    public static var multiply: LayerSpec { LayerSpec(Multiply.Configuration()) }
    public static func concatenate(axis: Int = -1) -> LayerSpec { LayerSpec(Concatenate.Configuration(axis: axis)) }
}
