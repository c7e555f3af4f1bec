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
