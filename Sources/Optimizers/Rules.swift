import JSONCoding
import TensorModule

/// Stochastic gradient descent with optional momentum (the lecture's v ← λv − η∇C, θ ← θ + v) and Nesterov's look-ahead.
/// Plain gradient descent is SGD on the full batch.
///
/// ```swift
/// let rule = SGD(learningRate: 0.1, momentum: 0.9, nesterov: true)
/// ```
public struct SGD: OptimizerRule {
    public var learningRate: Double
    public var momentum: Double
    public var nesterov: Bool

    public init(learningRate: Double = 0.01, momentum: Double = 0, nesterov: Bool = false) {
        require(learningRate >= 0 && momentum >= 0 && momentum < 1, "SGD: need η ≥ 0 and 0 ≤ momentum < 1")
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
    }

    /// `sgd` in JSON; a field left out takes the default of ``init(learningRate:momentum:nesterov:)``.
    static let registryEntry = Registry<any OptimizerRule>.Entry("sgd", fields: ["learningRate", "momentum", "nesterov"]) { f throws(ConfigError) in
        let z = SGD()
        return SGD(learningRate: try f.nonNegative("learningRate", default: z.learningRate), momentum: try f.fraction("momentum", default: z.momentum),
                   nesterov: try f.bool("nesterov", default: z.nesterov))
    }

    /// `momentum` in JSON: SGD whose momentum defaults to 0.9 (the usual heavy-ball setting; written back as `sgd`).
    static let momentumRegistryEntry = Registry<any OptimizerRule>.Entry("momentum", fields: ["learningRate", "momentum", "nesterov"]) {
        f throws(ConfigError) in
        let z = SGD()
        return SGD(learningRate: try f.nonNegative("learningRate", default: z.learningRate), momentum: try f.fraction("momentum", default: 0.9),
                   nesterov: try f.bool("nesterov", default: z.nesterov))
    }

    public var json: JSONValue {
        .object([("type", .string("sgd")), ("learningRate", .number(learningRate)), ("momentum", .number(momentum)), ("nesterov", .bool(nesterov))])
    }

    public var name: String { momentum == 0 ? "sgd" : (nesterov ? "nesterov" : "momentum") }
    public var stateCount: Int { momentum == 0 ? 0 : 1 }
    public var formula: String {
        if momentum == 0 { return "θ ← θ − η·g" }
        return nesterov ? "v ← μv − η·g;  θ ← θ + μv − η·g" : "v ← μv − η·g;  θ ← θ + v"
    }

    public func update(_ p: Tensor, gradient g: Tensor, state: inout [Tensor], step: Int, learningRate lr: Double) -> Tensor {
        if momentum == 0 { return p - g * lr }
        state[0] = state[0] * momentum - g * lr
        return nesterov ? p + state[0] * momentum - g * lr : p + state[0]
    }
}

/// Adagrad: divides by the root of the sum of all past squared gradients, so often-updated weights slow down.
///
/// ```swift
/// let rule = Adagrad(learningRate: 0.1)
/// ```
public struct Adagrad: OptimizerRule {
    public var learningRate: Double
    public var epsilon: Double

    public init(learningRate: Double = 0.01, epsilon: Double = 1e-10) {
        self.learningRate = learningRate
        self.epsilon = epsilon
    }

    static let registryEntry = Registry<any OptimizerRule>.Entry("adagrad", fields: ["learningRate", "epsilon"]) { f throws(ConfigError) in
        let z = Adagrad()
        return Adagrad(learningRate: try f.nonNegative("learningRate", default: z.learningRate), epsilon: try f.nonNegative("epsilon", default: z.epsilon))
    }

    public var json: JSONValue {
        .object([("type", .string("adagrad")), ("learningRate", .number(learningRate)), ("epsilon", .number(epsilon))])
    }

    public var name: String { "adagrad" }
    public var stateCount: Int { 1 }
    public var formula: String { "G ← G + g²;  θ ← θ − η·g / (√G + ε)" }

    public func update(_ p: Tensor, gradient g: Tensor, state: inout [Tensor], step: Int, learningRate lr: Double) -> Tensor {
        state[0] = state[0] + g.squared()
        return p - g * lr / (state[0].sqrt() + epsilon)
    }
}

/// Adadelta: a step size from the ratio of running RMS of past updates to running RMS of gradients.
public struct Adadelta: OptimizerRule {
    public var learningRate: Double
    public var rho: Double
    public var epsilon: Double

    public init(learningRate: Double = 1, rho: Double = 0.9, epsilon: Double = 1e-6) {
        self.learningRate = learningRate
        self.rho = rho
        self.epsilon = epsilon
    }

    static let registryEntry = Registry<any OptimizerRule>.Entry("adadelta", fields: ["learningRate", "rho", "epsilon"]) { f throws(ConfigError) in
        let z = Adadelta()
        return Adadelta(learningRate: try f.nonNegative("learningRate", default: z.learningRate), rho: try f.nonNegative("rho", default: z.rho),
                        epsilon: try f.nonNegative("epsilon", default: z.epsilon))
    }

    public var json: JSONValue {
        .object([("type", .string("adadelta")), ("learningRate", .number(learningRate)), ("rho", .number(rho)), ("epsilon", .number(epsilon))])
    }

    public var name: String { "adadelta" }
    public var stateCount: Int { 2 }
    public var formula: String {
        "E[g²] ← ρE[g²] + (1−ρ)g²;  Δ ← −√(E[Δ²]+ε)/√(E[g²]+ε)·g;  E[Δ²] ← ρE[Δ²] + (1−ρ)Δ²;  θ ← θ + η·Δ"
    }

    public func update(_ p: Tensor, gradient g: Tensor, state: inout [Tensor], step: Int, learningRate lr: Double) -> Tensor {
        state[0] = state[0] * rho + g.squared() * (1 - rho)
        let delta = -((state[1] + epsilon).sqrt() / (state[0] + epsilon).sqrt()) * g
        state[1] = state[1] * rho + delta.squared() * (1 - rho)
        return p + delta * lr
    }
}

/// RMSProp: divides by the root of a running average of squared gradients. The rule and the defaults are PyTorch's
/// `torch.optim.RMSprop` (lr 0.01, alpha 0.99, eps 1e-8, ε added after the square root), so `RMSProp()` takes the
/// steps PyTorch takes. For Keras's `RMSprop()` (ε inside the root, learning rate 0.001, ρ 0.9) the steps differ
/// when gradients are near √ε.
///
/// ```swift
/// let rule = RMSProp()                                // PyTorch's defaults
/// let slower = RMSProp(learningRate: 0.001, rho: 0.9)
/// ```
public struct RMSProp: OptimizerRule {
    public var learningRate: Double
    public var rho: Double
    public var epsilon: Double

    public init(learningRate: Double = 0.01, rho: Double = 0.99, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.rho = rho
        self.epsilon = epsilon
    }

    static let registryEntry = Registry<any OptimizerRule>.Entry("rmsprop", fields: ["learningRate", "rho", "epsilon"]) { f throws(ConfigError) in
        let z = RMSProp()
        return RMSProp(learningRate: try f.nonNegative("learningRate", default: z.learningRate), rho: try f.nonNegative("rho", default: z.rho),
                       epsilon: try f.nonNegative("epsilon", default: z.epsilon))
    }

    public var json: JSONValue {
        .object([("type", .string("rmsprop")), ("learningRate", .number(learningRate)), ("rho", .number(rho)), ("epsilon", .number(epsilon))])
    }

    public var name: String { "rmsprop" }
    public var stateCount: Int { 1 }
    public var formula: String { "E[g²] ← ρE[g²] + (1−ρ)g²;  θ ← θ − η·g / (√E[g²] + ε)" }

    public func update(_ p: Tensor, gradient g: Tensor, state: inout [Tensor], step: Int, learningRate lr: Double) -> Tensor {
        state[0] = state[0] * rho + g.squared() * (1 - rho)
        return p - g * lr / (state[0].sqrt() + epsilon)
    }
}

/// Adam: bias-corrected running averages of the gradient and its square; AMSGrad keeps the largest second moment.
///
/// ```swift
/// let rule = Adam(learningRate: 1e-3)
/// ```
public struct Adam: OptimizerRule {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var amsgrad: Bool
    /// Decoupled weight decay λ (AdamW): θ ← θ − ηλθ before the Adam step; 0 for plain Adam.
    public var weightDecay: Double

    public init(learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                amsgrad: Bool = false, weightDecay: Double = 0) {
        require((0..<1).contains(beta1) && (0..<1).contains(beta2), "Adam: betas must be in [0, 1)")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.weightDecay = weightDecay
    }

    /// `adam` and `adamw` in JSON: the same fields, with the defaults of ``init(learningRate:beta1:beta2:epsilon:amsgrad:weightDecay:)``
    /// and of ``AdamW(learningRate:beta1:beta2:epsilon:weightDecay:amsgrad:)``.
    static let registryEntry = entry("adam", defaults: Adam())
    static let adamWRegistryEntry = entry("adamw", defaults: AdamW())

    private static func entry(_ name: String, defaults z: Adam) -> Registry<any OptimizerRule>.Entry {
        .init(name, fields: ["learningRate", "beta1", "beta2", "epsilon", "amsgrad", "weightDecay"]) { f throws(ConfigError) in
            Adam(learningRate: try f.nonNegative("learningRate", default: z.learningRate), beta1: try f.fraction("beta1", default: z.beta1),
                 beta2: try f.fraction("beta2", default: z.beta2), epsilon: try f.nonNegative("epsilon", default: z.epsilon),
                 amsgrad: try f.bool("amsgrad", default: z.amsgrad), weightDecay: try f.nonNegative("weightDecay", default: z.weightDecay))
        }
    }

    public var json: JSONValue {
        .object([("type", .string(weightDecay > 0 ? "adamw" : "adam")), ("learningRate", .number(learningRate)), ("beta1", .number(beta1)),
                 ("beta2", .number(beta2)), ("epsilon", .number(epsilon)), ("amsgrad", .bool(amsgrad)), ("weightDecay", .number(weightDecay))])
    }

    public var name: String { weightDecay > 0 ? "adamw" : (amsgrad ? "amsgrad" : "adam") }
    public var stateCount: Int { amsgrad ? 3 : 2 }
    public var formula: String {
        (weightDecay > 0 ? "θ ← θ − ηλθ;  " : "")
            + "m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  "
            + (amsgrad ? "v̂max ← max(v̂max, v);  θ ← θ − η·m̂ / (√(v̂max/(1−β₂ᵗ)) + ε)"
                       : "θ ← θ − η·m̂ / (√v̂ + ε),  m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)")
    }

    public func update(_ p: Tensor, gradient g: Tensor, state: inout [Tensor], step t: Int, learningRate lr: Double) -> Tensor {
        let decayed = weightDecay > 0 ? p * (1 - lr * weightDecay) : p
        state[0] = state[0] * beta1 + g * (1 - beta1)
        state[1] = state[1] * beta2 + g.squared() * (1 - beta2)
        let mHat = state[0] / (1 - Foundation.pow(beta1, Double(t)))
        var second = state[1]
        if amsgrad {
            state[2] = state[2].maximum(state[1])
            second = state[2]
        }
        let vHat = second / (1 - Foundation.pow(beta2, Double(t)))
        return decayed - mHat * lr / (vHat.sqrt() + epsilon)
    }
}

/// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, λ = 0.01 by default.
public func AdamW(learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                  weightDecay: Double = 0.01, amsgrad: Bool = false) -> Adam {
    Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad, weightDecay: weightDecay)
}

import Foundation
