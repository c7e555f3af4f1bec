import JSONCoding
import TensorModule

/// Batch normalization over the last axis (features; channels in NHWC images).
///
/// Training: y = γ·(x − μ_B)/√(σ²_B + ε) + β with the batch's mean and (biased) variance, and the running averages
/// move as `running = momentum·running + (1 − momentum)·batch` (Keras's convention, unbiased variance as in PyTorch).
/// Inference: the running averages replace the batch statistics.
///
/// ```swift
/// let bn = BatchNorm(featureCount: 64, momentum: 0.99, epsilon: 1e-3)
/// ```
public final class BatchNorm: Module {
    public let gamma: Parameter
    public let beta: Parameter
    public let runningMean: Parameter
    public let runningVariance: Parameter
    public let momentum: Double
    public let epsilon: Double

    /// Keras's defaults: momentum 0.99, ε 1e-3 (model JSON takes them from here too).
    public static let defaultMomentum = 0.99, defaultEpsilon = 1e-3

    public init(featureCount: Int, momentum: Double = BatchNorm.defaultMomentum, epsilon: Double = BatchNorm.defaultEpsilon) {
        require(featureCount > 0, "BatchNorm: featureCount must be positive")
        require(momentum >= 0 && momentum <= 1, "BatchNorm: momentum must be in [0, 1], got \(momentum)")
        require(epsilon >= 0 && epsilon.isFinite, "BatchNorm: epsilon must be a finite number ≥ 0, got \(epsilon)")
        gamma = Parameter(Tensor.ones([featureCount]))
        beta = Parameter(Tensor.zeros([featureCount]))
        runningMean = Parameter(Tensor.zeros([featureCount]), isTrainable: false)
        runningVariance = Parameter(Tensor.ones([featureCount]), isTrainable: false)
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public override func callAsFunction(_ input: Tensor) -> Tensor {
        if isTraining {
            let (output, mean, variance) = input.batchNormalized(scale: gamma.value, offset: beta.value, epsilon: epsilon)
            withoutGradient {
                let n = Double(input.count / Swift.max(input.shape.last ?? 1, 1))
                let unbiased = variance * (n / Swift.max(n - 1, 1))
                runningMean.assign(runningMean.value * momentum + mean * (1 - momentum))
                runningVariance.assign(runningVariance.value * momentum + unbiased * (1 - momentum))
            }
            return output
        }
        // The running statistics folded into one scale and offset per channel: two passes over the input.
        let scale = gamma.value / (runningVariance.value + epsilon).sqrt()
        return input * scale + (beta.value - runningMean.value * scale)
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        let n = gamma.value.shape[0]
        guard inputShape.count >= 2, inputShape.last == n else {
            throw .shapeMismatch(layer: "BatchNorm(\(n))", expected: "last dimension \(n)", found: inputShape)
        }
        return inputShape
    }
}

extension BatchNorm: ConfigurableLayer {
    /// `{"type": "batchNorm", "momentum": 0.99, "epsilon": 0.001}`, both optional (``defaultMomentum``, ``defaultEpsilon``).
    public struct Configuration: UnaryLayerConfiguration {
        public static let typeName = "batchNorm"
        public static let fieldNames: Set<String> = ["momentum", "epsilon"]
        public var momentum: Double
        public var epsilon: Double

        public init(momentum: Double = BatchNorm.defaultMomentum, epsilon: Double = BatchNorm.defaultEpsilon) {
            self.momentum = momentum
            self.epsilon = epsilon
        }

        public init(fields f: Fields) throws(ConfigError) {
            let m = try f.double("momentum", default: BatchNorm.defaultMomentum)
            guard (0...1).contains(m) else { throw f["momentum"]!.fail("momentum must be in [0, 1]") }
            let e = try f.double("epsilon", default: BatchNorm.defaultEpsilon)
            guard e >= 0 && e.isFinite else { throw f["epsilon"]!.fail("epsilon must be a finite number ≥ 0, found \(e)") }
            self.init(momentum: m, epsilon: e)
        }

        public var jsonFields: [(String, JSONValue)] { [("momentum", .number(momentum)), ("epsilon", .number(epsilon))] }

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            guard let last = input.last else { throw ConfigError(path: "$", "batchNorm needs an input with features") }
            return (BatchNorm(featureCount: last, momentum: momentum, epsilon: epsilon), input)
        }

        public func outputShape(input: [Int]) throws(ConfigError) -> [Int] { input }
        /// γ, β and the two running statistics.
        public func parameterCount(input: [Int]) -> Int? { 4 * (input.last ?? 0) }
        public func trainableParameterCount(input: [Int]) -> Int? { 2 * (input.last ?? 0) }
    }

    public var configuration: any LayerConfiguration { Configuration(momentum: momentum, epsilon: epsilon) }
}

extension LayerSpec {
    public static func batchNorm(momentum: Double = BatchNorm.defaultMomentum, epsilon: Double = BatchNorm.defaultEpsilon) -> LayerSpec {
        LayerSpec(BatchNorm.Configuration(momentum: momentum, epsilon: epsilon))
    }
}
