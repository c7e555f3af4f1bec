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

    public init(featureCount: Int, momentum: Double = 0.99, epsilon: Double = 1e-3) {
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
