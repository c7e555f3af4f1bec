import JSONCoding
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
        guard inputShape.count >= 2, inputShape.last == inputSize else {
            throw .shapeMismatch(layer: "Dense(\(inputSize)→\(outputSize))", expected: "[batch, …, \(inputSize)]",
                                 found: inputShape)
        }
        return inputShape.dropLast() + [outputSize]
    }

    public override var details: String { activation == .identity ? "" : activation.name }
}

extension Dense: ConfigurableLayer {
    /// `{"type": "dense", "units": 128, "activation": "relu"}`; also `useBias` (true), `weightInitializer`
    /// (glorotUniform), `biasInitializer` (zeros), `weightRegularizer` and `biasRegularizer` (none), as in Keras.
    public struct Configuration: UnaryLayerConfiguration {
        public static let typeName = "dense"
        public static let fieldNames: Set<String> = ["units", "activation", "useBias", "weightInitializer", "biasInitializer",
                                                     "weightRegularizer", "biasRegularizer"]
        public var units: Int
        public var activation: Activation
        public var useBias: Bool
        public var weightInitializer: Initializer
        public var biasInitializer: Initializer
        public var weightRegularizer: Regularizer?
        public var biasRegularizer: Regularizer?

        public init(units: Int, activation: Activation = .identity, useBias: Bool = true, weightInitializer: Initializer = .glorotUniform,
                    biasInitializer: Initializer = .zeros, weightRegularizer: Regularizer? = nil, biasRegularizer: Regularizer? = nil) {
            self.units = units
            self.activation = activation
            self.useBias = useBias
            self.weightInitializer = weightInitializer
            self.biasInitializer = biasInitializer
            self.weightRegularizer = weightRegularizer
            self.biasRegularizer = biasRegularizer
        }

        public init(fields f: Fields) throws(ConfigError) {
            let defaults = Configuration(units: 1)
            func initializer(_ key: String) throws(ConfigError) -> Initializer? { try f[key].map { n throws(ConfigError) in try Initializer(json: n) } }
            func regularizer(_ key: String) throws(ConfigError) -> Regularizer? { try f[key].map { n throws(ConfigError) in try Regularizer(json: n) } }
            self.init(units: try f.required("units").int(minimum: 1), activation: try f.activation("activation"),
                      useBias: try f.bool("useBias", default: defaults.useBias),
                      weightInitializer: try initializer("weightInitializer") ?? defaults.weightInitializer,
                      biasInitializer: try initializer("biasInitializer") ?? defaults.biasInitializer,
                      weightRegularizer: try regularizer("weightRegularizer"), biasRegularizer: try regularizer("biasRegularizer"))
        }

        public var jsonFields: [(String, JSONValue)] {
            let defaults = Configuration(units: units)
            var f: [(String, JSONValue)] = [("units", .number(Double(units))), ("activation", activation.json)]
            if useBias != defaults.useBias { f.append(("useBias", .bool(useBias))) }
            if weightInitializer != defaults.weightInitializer { f.append(("weightInitializer", weightInitializer.json)) }
            if biasInitializer != defaults.biasInitializer { f.append(("biasInitializer", biasInitializer.json)) }
            if let weightRegularizer { f.append(("weightRegularizer", weightRegularizer.json)) }
            if let biasRegularizer { f.append(("biasRegularizer", biasRegularizer.json)) }
            return f
        }

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            (Dense(inputSize: try lastFeatures(input), outputSize: units, activation: activation, useBias: useBias,
                   weightInitializer: weightInitializer, biasInitializer: biasInitializer, weightRegularizer: weightRegularizer,
                   biasRegularizer: biasRegularizer), try outputShape(input: input))
        }

        /// A flat input [features], or sequences [time, features]: the same weights at every step (Keras's Dense on
        /// rank-3 input, time-distributed).
        public func outputShape(input: [Int]) throws(ConfigError) -> [Int] {
            _ = try lastFeatures(input)
            return input.dropLast() + [units]
        }

        func lastFeatures(_ input: [Int]) throws(ConfigError) -> Int {
            guard input.count == 1 || input.count == 2 else {
                throw ConfigError(path: "$", "dense needs [features] or sequences [time, features], found shape \(input) (add a flatten layer)")
            }
            return input[input.count - 1]
        }

        public func parameterCount(input: [Int]) -> Int? {
            MemoryBudget.sum(MemoryBudget.elementCount([(1...2).contains(input.count) ? input[input.count - 1] : 0, units]), useBias ? units : 0)
        }

        public var details: String { "\(units)" + (activation == .identity ? "" : " " + activation.name) }
    }

    /// Initializers are not recoverable from trained weights: the configuration records Keras's defaults.
    public var configuration: any LayerConfiguration {
        Configuration(units: outputSize, activation: activation, useBias: bias != nil, weightRegularizer: weight.regularizer,
                      biasRegularizer: bias?.regularizer)
    }
}

extension LayerSpec {
    /// A Dense layer with Keras's defaults.
    public static func dense(_ units: Int, activation: Activation = .identity) -> LayerSpec {
        LayerSpec(Dense.Configuration(units: units, activation: activation))
    }
}
