import TensorModule

/// A layer that applies an ``Activation``; the named subclasses (`ReLU()`, `Tanh()`, …) read like Keras's layers.
///
/// ```swift
/// let model = Sequential([Dense(inputSize: 2, outputSize: 8), LeakyReLU(alpha: 0.1), Dense(inputSize: 8, outputSize: 1)])
/// ```
public class ActivationLayer: Module {
    public let activation: Activation

    public init(_ activation: Activation) {
        self.activation = activation
    }

    public override func callAsFunction(_ input: Tensor) -> Tensor { activation(input) }
    public override var details: String { activation.name }
}

/// The logistic function as a layer.
public final class Sigmoid: ActivationLayer { public init() { super.init(.sigmoid) } }
/// tanh as a layer.
public final class Tanh: ActivationLayer { public init() { super.init(.tanh) } }
/// max(x, 0) as a layer.
public final class ReLU: ActivationLayer { public init() { super.init(.relu) } }
/// x for x > 0, α·x otherwise (the lectures use α = 0.1).
public final class LeakyReLU: ActivationLayer { public init(alpha: Double = 0.01) { super.init(.leakyRelu(alpha: alpha)) } }
/// x for x > 0, α·(eˣ − 1) otherwise.
public final class ELU: ActivationLayer { public init(alpha: Double = 1) { super.init(.elu(alpha: alpha)) } }
/// log(1 + eˣ) as a layer.
public final class Softplus: ActivationLayer { public init() { super.init(.softplus) } }
/// SELU as a layer: λ·x or λ·α·(eˣ − 1) (pair it with `lecunNormal` weights).
public final class SELU: ActivationLayer { public init() { super.init(.selu) } }
/// GELU as a layer: x·Φ(x), or with `approximate` its tanh form.
public final class GELU: ActivationLayer { public init(approximate: Bool = false) { super.init(.gelu(approximate: approximate)) } }
/// SiLU (swish) as a layer: x·σ(x).
public final class SiLU: ActivationLayer { public init() { super.init(.silu) } }
/// Softsign as a layer: x / (1 + |x|).
public final class Softsign: ActivationLayer { public init() { super.init(.softsign) } }
/// Softmax over the last axis as a layer.
public final class Softmax: ActivationLayer { public init() { super.init(.softmax) } }

/// Leaky ReLU whose slope α is learned: f(x) = max(0, x) + α·min(0, x), with one α per feature (last axis) or
/// one shared α.
///
/// ```swift
/// let prelu = PReLU(featureCount: 16)      // 16 slopes
/// let shared = PReLU(featureCount: nil)    // one slope
/// ```
public final class PReLU: Module {
    public let alpha: Parameter

    /// `featureCount` nil shares one α; `initialAlpha` is 0.25 as in He et al. (2015).
    public init(featureCount: Int?, initialAlpha: Double = 0.25) {
        alpha = Parameter(Tensor.full([featureCount ?? 1], value: initialAlpha))
    }

    public override func callAsFunction(_ input: Tensor) -> Tensor {
        input.relu() - alpha.value * (-input).relu()
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        let n = alpha.value.shape[0]
        guard n == 1 || inputShape.last == n else {
            throw .shapeMismatch(layer: "PReLU(\(n))", expected: "last dimension \(n)", found: inputShape)
        }
        return inputShape
    }
}
