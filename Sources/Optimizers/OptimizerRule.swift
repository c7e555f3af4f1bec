import JSONCoding
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
    /// Its JSON form, which ``OptimizerRules/registry`` reads back (default: its name and learning rate).
    var json: JSONValue { get }
}

extension OptimizerRule {
    /// Bytes one Float32 parameter takes while training with this rule: its value, its gradient and the rule's
    /// ``stateCount`` slots (16 for Adam's two moments, 8 for plain SGD).
    public var trainingBytesPerParameter: Int { 4 * (2 + stateCount) }

    public var json: JSONValue { .object([("type", .string(name)), ("learningRate", .number(learningRate))]) }
}

/// The optimizer rules by JSON name: model JSON and `neuralkit train --optimizer` read them here. Each rule declares
/// its entry (name, fields, defaults) beside its definition; a rule of your own joins with
/// `OptimizerRules.registry.register(…)`.
///
/// ```swift
/// let rule = try OptimizerRules.registry.decode(text: "adam", path: "--optimizer")
/// ```
public enum OptimizerRules {
    public static let registry = Registry<any OptimizerRule>(family: "optimizer", [
        SGD.registryEntry, SGD.momentumRegistryEntry, Adagrad.registryEntry, Adadelta.registryEntry, RMSProp.registryEntry, Adam.registryEntry,
        Adam.adamWRegistryEntry,
    ])
}

extension Fields {
    /// The non-negative number in `key` (a learning rate, a decay, an ε), or `fallback` when it is left out.
    func nonNegative(_ key: String, default fallback: Double) throws(ConfigError) -> Double {
        guard let n = self[key] else { return fallback }
        let x = try n.double()
        guard x >= 0 else { throw n.fail("expected a non-negative number, found \(x)") }
        return x
    }

    /// A fraction in [0, 1) in `key` (a momentum, a β), or `fallback` when it is left out.
    func fraction(_ key: String, default fallback: Double) throws(ConfigError) -> Double {
        let x = try nonNegative(key, default: fallback)
        guard x < 1 else { throw self[key]!.fail("\(key) must be below 1") }
        return x
    }
}
