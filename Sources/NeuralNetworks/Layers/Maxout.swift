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

    public init(inputSize: Int, outputSize: Int, pieceCount: Int = 2, weightInitializer: Initializer = .glorotUniform,
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
