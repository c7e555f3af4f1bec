import TensorModule

/// Layers applied one after another.
///
/// ```swift
/// let model = Sequential([
///     Dense(inputSize: 2, outputSize: 4, activation: .tanh),
///     Dense(inputSize: 4, outputSize: 1),
/// ])
/// let y = model(Tensor.zeros([8, 2]))  // shape [8, 1]
/// ```
public final class Sequential: Module {
    public let layers: [Module]

    public init(_ layers: [Module]) {
        self.layers = layers
    }

    public override func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        for layer in layers { x = layer(x) }
        return x
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        var shape = inputShape
        for layer in layers { shape = try layer.outputShape(for: shape) }
        return shape
    }
}
