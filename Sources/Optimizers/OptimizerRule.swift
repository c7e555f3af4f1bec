import TensorModule

/// One optimization algorithm as a pure per-parameter rule: hyperparameters, the state slots it keeps per
/// parameter, and the update that maps (θ, g, state) to the new θ. ``Optimizer`` applies a rule to a model's
/// parameters by name.
///
/// ```swift
/// struct SignSGD: OptimizerRule {
///     var learningRate = 0.01
///     var name: String { "signSGD" }
///     var stateCount: Int { 0 }
///     var formula: String { "θ ← θ − η·sign(g)" }
///     func update(_ p: Tensor, gradient g: Tensor, state: inout [Tensor], step: Int, learningRate: Double) -> Tensor {
///         p - g.sign() * learningRate
///     }
/// }
/// ```
public protocol OptimizerRule: Sendable {
    /// The base learning rate η (schedules scale it).
    var learningRate: Double { get set }
    /// A short name (`adam`).
    var name: String { get }
    /// How many state tensors (each shaped like the parameter, starting at zero) the rule keeps per parameter.
    var stateCount: Int { get }
    /// The update rule in words and symbols, for logs and the Playground.
    var formula: String { get }
    /// The new value of `parameter` after one step; `step` counts updates from 1; `learningRate` is the scheduled η.
    func update(_ parameter: Tensor, gradient: Tensor, state: inout [Tensor], step: Int, learningRate: Double) -> Tensor
}
