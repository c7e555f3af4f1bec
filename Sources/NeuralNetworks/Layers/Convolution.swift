import JSONCoding
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

extension Conv2D: ConfigurableLayer {
    /// `{"type": "conv2d", "filters": 32, "kernelSize": 3}`; also `strides` ([1, 1]), `padding` (valid, same or
    /// [top, bottom, left, right]; default valid), `dilation` ([1, 1]), `activation` (linear) and `useBias` (true).
    /// A size written as one number means [n, n].
    public struct Configuration: UnaryLayerConfiguration {
        public static let typeName = "conv2d"
        public static let fieldNames: Set<String> = ["filters", "kernelSize", "strides", "padding", "dilation", "activation", "useBias"]
        public var filters: Int
        public var kernelSize: [Int]
        public var strides: [Int]
        public var padding: Padding
        public var dilation: [Int]
        public var activation: Activation
        public var useBias: Bool

        public init(filters: Int, kernelSize: [Int], strides: [Int] = [1, 1], padding: Padding = .valid, dilation: [Int] = [1, 1],
                    activation: Activation = .identity, useBias: Bool = true) {
            self.filters = filters
            self.kernelSize = kernelSize
            self.strides = strides
            self.padding = padding
            self.dilation = dilation
            self.activation = activation
            self.useBias = useBias
        }

        public init(fields f: Fields) throws(ConfigError) {
            let d = Configuration(filters: 1, kernelSize: [1, 1])
            guard let kernelSize = try f.pair("kernelSize", default: nil) else { throw f.node.fail("missing field 'kernelSize'") }
            self.init(filters: try f.required("filters").int(minimum: 1), kernelSize: kernelSize,
                      strides: try f.pair("strides", default: d.strides) ?? d.strides, padding: try f.padding("padding"),
                      dilation: try f.pair("dilation", default: d.dilation) ?? d.dilation, activation: try f.activation("activation"),
                      useBias: try f.bool("useBias", default: d.useBias))
        }

        public var jsonFields: [(String, JSONValue)] {
            [("filters", .number(Double(filters))), ("kernelSize", JSONValue(kernelSize)), ("strides", JSONValue(strides)),
             ("padding", JSONValue(padding)), ("dilation", JSONValue(dilation)), ("activation", activation.json), ("useBias", .bool(useBias))]
        }

        private func image(_ input: [Int]) throws(ConfigError) {
            guard input.count == 3 else {
                throw ConfigError(path: "$", "conv2d needs an image input [height, width, channels], found shape \(input) (add a reshape layer)")
            }
        }

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            try image(input)
            let layer = Conv2D(inputChannels: input[2], filters: filters, kernelSize: (kernelSize[0], kernelSize[1]), strides: (strides[0], strides[1]),
                               padding: padding, dilation: (dilation[0], dilation[1]), activation: activation, useBias: useBias)
            return (layer, try shape(of: layer, input: input))
        }

        public func outputShape(input: [Int]) throws(ConfigError) -> [Int] {
            try image(input)
            do {
                let g = try WindowGeometry(input: [1] + input, kernel: (kernelSize[0], kernelSize[1]), stride: (strides[0], strides[1]),
                                           dilation: (dilation[0], dilation[1]), padding: padding, op: "conv2d")
                return [g.outputHeight, g.outputWidth, filters]
            } catch {
                let layer = "Conv2D(\(input[2])→\(filters), \(kernelSize[0])×\(kernelSize[1]))"
                throw ConfigError(path: "$", ModuleError.shapeMismatch(layer: layer, expected: error.message, found: [1] + input).description)
            }
        }

        public func parameterCount(input: [Int]) -> Int? {
            MemoryBudget.sum(MemoryBudget.elementCount([kernelSize[0], kernelSize[1], input.count == 3 ? input[2] : 0, filters]), useBias ? filters : 0)
        }

        public var details: String { "\(filters) \(kernelSize[0])×\(kernelSize[1])" + (activation == .identity ? "" : " " + activation.name) }
    }

    public var configuration: any LayerConfiguration {
        Configuration(filters: filters, kernelSize: [kernelSize.0, kernelSize.1], strides: [strides.0, strides.1], padding: padding,
                      dilation: [dilation.0, dilation.1], activation: activation, useBias: bias != nil)
    }
}

/// Which pooling a ``Pool2DConfiguration`` describes.
public protocol PoolingKind: Sendable {
    static var kind: Pool2D.Kind { get }
    static var typeName: String { get }
}

/// `maxPool2d` in model JSON.
public enum MaxPoolKind: PoolingKind {
    public static var kind: Pool2D.Kind { .max }
    public static var typeName: String { "maxPool2d" }
}

/// `avgPool2d` in model JSON.
public enum AveragePoolKind: PoolingKind {
    public static var kind: Pool2D.Kind { .average }
    public static var typeName: String { "avgPool2d" }
}

/// `{"type": "maxPool2d", "poolSize": 2}` (or `avgPool2d`); `poolSize` defaults to [2, 2], `strides` to the pool
/// size and `padding` to valid.
public struct Pool2DConfiguration<Kind: PoolingKind>: UnaryLayerConfiguration {
    public static var typeName: String { Kind.typeName }
    public static var fieldNames: Set<String> { ["poolSize", "strides", "padding"] }
    public var poolSize: [Int]
    public var strides: [Int]?
    public var padding: Padding

    public init(poolSize: [Int] = [2, 2], strides: [Int]? = nil, padding: Padding = .valid) {
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
    }

    public init(fields f: Fields) throws(ConfigError) {
        let p = try f.pair("poolSize", default: Self().poolSize) ?? Self().poolSize
        self.init(poolSize: p, strides: try f.pair("strides", default: nil), padding: try f.padding("padding"))
    }

    public var jsonFields: [(String, JSONValue)] {
        [("poolSize", JSONValue(poolSize))] + (strides.map { [("strides", JSONValue($0))] } ?? []) + [("padding", JSONValue(padding))]
    }

    public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
        guard input.count == 3 else { throw ConfigError(path: "$", "pooling needs an image input, found shape \(input)") }
        let layer = Pool2D(Kind.kind, poolSize: (poolSize[0], poolSize[1]), strides: strides.map { ($0[0], $0[1]) }, padding: padding)
        return (layer, try shape(of: layer, input: input))
    }

    public var details: String { "\(poolSize[0])×\(poolSize[1])" }
}

extension Pool2D: ConfigurableLayer {
    public var configuration: any LayerConfiguration {
        let size = [poolSize.0, poolSize.1], strides = [strides.0, strides.1]
        return kind == .max ? MaxPool2D.Configuration(poolSize: size, strides: strides, padding: padding)
                            : AvgPool2D.Configuration(poolSize: size, strides: strides, padding: padding)
    }
}

extension MaxPool2D { public typealias Configuration = Pool2DConfiguration<MaxPoolKind> }
extension AvgPool2D { public typealias Configuration = Pool2DConfiguration<AveragePoolKind> }

extension GlobalAveragePool2D: ConfigurableLayer {
    /// `{"type": "globalAveragePool2d"}`.
    public struct Configuration: UnaryLayerConfiguration, FieldlessLayerConfiguration {
        public static let typeName = "globalAveragePool2d"
        public init() {}

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            guard input.count == 3 else { throw ConfigError(path: "$", "globalAveragePool2d needs an image input, found shape \(input)") }
            return (GlobalAveragePool2D(), [input[2]])
        }
    }

    public var configuration: any LayerConfiguration { Configuration() }
}

extension LayerSpec {
    /// A convolution with stride 1 and no dilation.
    public static func conv2d(_ filters: Int, _ kernel: Int, activation: Activation = .identity, padding: Padding = .valid) -> LayerSpec {
        LayerSpec(Conv2D.Configuration(filters: filters, kernelSize: [kernel, kernel], padding: padding, activation: activation))
    }

    public static func maxPool2d(poolSize: [Int] = [2, 2], strides: [Int]? = nil, padding: Padding = .valid) -> LayerSpec {
        LayerSpec(MaxPool2D.Configuration(poolSize: poolSize, strides: strides, padding: padding))
    }
}
