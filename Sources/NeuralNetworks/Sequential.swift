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

    /// Runs the layers in order. A `Conv2D` directly followed by a `MaxPool2D` runs as one op (the same values and
    /// gradients up to rounding; the convolution's full-size output is never stored), as graph compilers fuse them.
    public override func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        var i = 0
        while i < layers.count {
            if let conv = layers[i] as? Conv2D, i + 1 < layers.count, let pool = layers[i + 1] as? Pool2D, pool.kind == .max {
                x = conv(x, maxPooling: MaxPooling(poolSize: pool.poolSize, strides: pool.strides, padding: pool.padding))
                i += 2
            } else {
                x = layers[i](x)
                i += 1
            }
        }
        return x
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        var shape = inputShape
        for layer in layers { shape = try layer.outputShape(for: shape) }
        return shape
    }
}
