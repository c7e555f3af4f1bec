import TensorModule

/// A fully connected layer: `activation(input · weight + bias)`, weight [inputSize, outputSize].
///
/// ```swift
/// let layer = Dense(inputSize: 784, outputSize: 128, activation: .relu)
/// let h = layer(Tensor.zeros([32, 784]))  // [32, 128]
/// ```
public final class Dense: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public let activation: Activation

    public init(inputSize: Int, outputSize: Int, activation: Activation = .identity, useBias: Bool = true,
                weightInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
                weightRegularizer: Regularizer? = nil, biasRegularizer: Regularizer? = nil, seed: UInt64? = nil) {
        require(inputSize > 0 && outputSize > 0, "Dense: sizes must be positive, got \(inputSize)→\(outputSize)")
        let seed = seed ?? RandomSeeds.next()
        weight = Parameter(weightInitializer.make([inputSize, outputSize], seed: seed), regularizer: weightRegularizer)
        bias = useBias ? Parameter(biasInitializer.make([outputSize], seed: seed &+ 1), regularizer: biasRegularizer) : nil
        self.activation = activation
    }

    public var inputSize: Int { weight.value.shape[0] }
    public var outputSize: Int { weight.value.shape[1] }

    public override func callAsFunction(_ input: Tensor) -> Tensor {
        // One op for matmul, bias and (identity, relu, tanh, sigmoid) activation; others follow as their own op.
        let fused = activation.fused
        let z = input.dense(weight.value, bias: bias?.value, activation: fused ?? .identity)
        return fused == nil ? activation(z) : z
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        guard (2...3).contains(inputShape.count), inputShape.last == inputSize else {
            throw .shapeMismatch(layer: "Dense(\(inputSize)→\(outputSize))", expected: "[batch, \(inputSize)]",
                                 found: inputShape)
        }
        return inputShape.dropLast() + [outputSize]
    }

    public override var details: String { activation == .identity ? "" : activation.name }
}
