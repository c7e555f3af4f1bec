import TensorModule

/// A 2-D convolution over NHWC images: `activation(conv2d(input, kernel) + bias)`, kernel
/// [kernelHeight, kernelWidth, inputChannels, filters] (Glorot-uniform by default, fans include the window).
///
/// ```swift
/// let conv = Conv2D(inputChannels: 1, filters: 32, kernelSize: (3, 3), activation: .relu)
/// conv(Tensor.zeros([8, 28, 28, 1])).shape   // [8, 26, 26, 32]
/// ```
public final class Conv2D: Module {
    public let kernel: Parameter
    public let bias: Parameter?
    public let strides: (Int, Int)
    public let padding: Padding
    public let dilation: (Int, Int)
    public let activation: Activation

    public init(inputChannels: Int, filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                dilation: (Int, Int) = (1, 1), activation: Activation = .identity, useBias: Bool = true,
                kernelInitializer: Initializer = .glorotUniform, kernelRegularizer: Regularizer? = nil, seed: UInt64? = nil) {
        require(inputChannels > 0 && filters > 0 && kernelSize.0 > 0 && kernelSize.1 > 0, "Conv2D: sizes must be positive")
        let seed = seed ?? RandomSeeds.next()
        kernel = Parameter(kernelInitializer.make([kernelSize.0, kernelSize.1, inputChannels, filters], seed: seed),
                           regularizer: kernelRegularizer)
        bias = useBias ? Parameter(Tensor.zeros([filters])) : nil
        self.strides = strides
        self.padding = padding
        self.dilation = dilation
        self.activation = activation
    }

    public var filters: Int { kernel.value.shape[3] }
    public var inputChannels: Int { kernel.value.shape[2] }
    public var kernelSize: (Int, Int) { (kernel.value.shape[0], kernel.value.shape[1]) }

    public override func callAsFunction(_ input: Tensor) -> Tensor {
        // identity, relu, tanh and sigmoid are fused into the convolution (one pass over the output, forward and
        // backward); the others follow it as their own op.
        let fused = activation.fused
        let z = input.conv2d(kernel.value, bias: bias?.value, strides: strides, padding: padding, dilation: dilation,
                             activation: fused ?? .identity)
        return fused == nil ? activation(z) : z
    }

    /// The layer followed by max pooling of its output, as one op when the activation is fused (the same values and
    /// gradients as `MaxPool2D` after the layer, up to rounding, without storing the full-size output). `Sequential` calls this
    /// for a `Conv2D` followed by a `MaxPool2D`.
    ///
    /// ```swift
    /// let conv = Conv2D(inputChannels: 1, filters: 32, kernelSize: (3, 3), activation: .relu)
    /// conv(Tensor.zeros([8, 28, 28, 1]), maxPooling: MaxPooling(poolSize: (2, 2))).shape   // [8, 13, 13, 32]
    /// ```
    public func callAsFunction(_ input: Tensor, maxPooling pooling: MaxPooling) -> Tensor {
        guard let fused = activation.fused else {
            return self(input).maxPool2d(poolSize: pooling.poolSize, strides: pooling.strides, padding: pooling.padding)
        }
        return input.conv2d(kernel.value, bias: bias?.value, strides: strides, padding: padding, dilation: dilation,
                            activation: fused, maxPooling: pooling)
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        let name = "Conv2D(\(inputChannels)→\(filters), \(kernelSize.0)×\(kernelSize.1))"
        guard inputShape.count == 4, inputShape[3] == inputChannels else {
            throw .shapeMismatch(layer: name, expected: "[batch, height, width, \(inputChannels)]", found: inputShape)
        }
        do {
            let g = try WindowGeometry(input: inputShape, kernel: kernelSize, stride: strides, dilation: dilation,
                                       padding: padding, op: "conv2d")
            return [inputShape[0], g.outputHeight, g.outputWidth, filters]
        } catch {
            throw .shapeMismatch(layer: name, expected: error.message, found: inputShape)
        }
    }

    public override var details: String { "\(filters) \(kernelSize.0)×\(kernelSize.1)" + (activation == .identity ? "" : " \(activation.name)") }
}

/// Max or average pooling over NHWC windows (stride defaults to the pool size).
public class Pool2D: Module {
    /// The window's maximum or its mean.
    public enum Kind: Sendable { case max, average }
    public let kind: Kind
    public let poolSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding

    public init(_ kind: Kind, poolSize: (Int, Int), strides: (Int, Int)?, padding: Padding) {
        self.kind = kind
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
    }

    public override func callAsFunction(_ input: Tensor) -> Tensor {
        kind == .max ? input.maxPool2d(poolSize: poolSize, strides: strides, padding: padding)
                     : input.avgPool2d(poolSize: poolSize, strides: strides, padding: padding)
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        do {
            let g = try WindowGeometry(input: inputShape, kernel: poolSize, stride: strides, padding: padding, op: typeName)
            return [inputShape[0], g.outputHeight, g.outputWidth, inputShape[3]]
        } catch {
            throw .shapeMismatch(layer: typeName, expected: error.message, found: inputShape)
        }
    }

    public override var details: String { "\(poolSize.0)×\(poolSize.1)" }
}

/// Max pooling: the largest value of each window.
public final class MaxPool2D: Pool2D {
    public init(poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid) {
        super.init(.max, poolSize: poolSize, strides: strides, padding: padding)
    }
}

/// Average pooling: the mean of each window's pixels inside the image.
public final class AvgPool2D: Pool2D {
    public init(poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid) {
        super.init(.average, poolSize: poolSize, strides: strides, padding: padding)
    }
}

/// The mean over height and width: [N, H, W, C] → [N, C].
public final class GlobalAveragePool2D: Module {
    public override init() {}

    public override func callAsFunction(_ input: Tensor) -> Tensor { input.mean(alongAxes: [1, 2]) }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        guard inputShape.count == 4 else {
            throw .shapeMismatch(layer: "GlobalAveragePool2D", expected: "[batch, height, width, channels]", found: inputShape)
        }
        return [inputShape[0], inputShape[3]]
    }
}
