import NeuralNetworks
import TensorModule

/// Gradient clipping applied before the update (a shorthand for ``ClipByValue`` and ``ClipByGlobalNorm``).
public enum GradientClipping: Sendable, Equatable, Codable {
    /// Clamp every gradient element to [−limit, limit].
    case byValue(Double)
    /// Scale all gradients together so their global L2 norm is at most `maxNorm`.
    case byGlobalNorm(Double)
}

/// An optimizer's resumable state: the step count, the base learning rate and every parameter's slots by name.
public struct OptimizerState: Sendable {
    public var step: Int
    public var learningRate: Double
    public var slots: [String: [Tensor]]

    public init(step: Int, learningRate: Double, slots: [String: [Tensor]]) {
        self.step = step
        self.learningRate = learningRate
        self.slots = slots
    }
}

/// Applies an ``OptimizerRule`` to named parameters: schedules the learning rate, passes the gradients through its
/// ``transforms`` (clipping, weight decay, later an all-reduce), and keeps each parameter's state under its name.
/// Weight decay is written once per form: coupled to the gradient as the ``AddWeightDecay`` transform (PyTorch's
/// `weight_decay`), or decoupled as Adam's `weightDecay` (AdamW), inside its one-pass update.
///
/// ```swift
/// let optimizer = Optimizer(Adam(learningRate: 1e-3), schedule: .cosine(totalSteps: 1000, minimum: 0))
/// loss.backward()
/// optimizer.update(model.trainableParameters)
/// ```
public final class Optimizer {
    public var rule: any OptimizerRule {
        didSet { fusedRule = rule as? any FusedOptimizerRule }
    }
    /// `rule` when it has a one-pass form (the dynamic cast is looked up once, not on every update).
    private var fusedRule: (any FusedOptimizerRule)?
    public var schedule: LearningRateSchedule
    /// What happens to the gradients between backward and the rule, in order.
    public var transforms: [any GradientTransform]
    /// Updates applied so far.
    public private(set) var step = 0
    private var slots: [String: [Tensor]] = [:]

    /// `clipping` is added to the end of `transforms`.
    public init(_ rule: any OptimizerRule, schedule: LearningRateSchedule = .constant, transforms: [any GradientTransform] = [],
                clipping: GradientClipping? = nil) {
        self.rule = rule
        fusedRule = rule as? any FusedOptimizerRule
        self.schedule = schedule
        self.transforms = transforms + (clipping.map { [$0.transform] } ?? [])
    }

    /// The base learning rate η, which the schedule scales: the one owner of the rate. It is stored in the rule
    /// (`Adam(learningRate:)` sets it); callbacks that change the rate (``LearningRateScheduler``,
    /// ``ReduceLROnPlateau``), a resumed checkpoint and `--learning-rate` all set it here.
    public var learningRate: Double {
        get { rule.learningRate }
        set { rule.learningRate = newValue }
    }

    /// The learning rate the next update will use: ``learningRate`` scaled by the schedule at this step.
    public var currentLearningRate: Double { schedule.learningRate(base: learningRate, step: step) }

    /// One update of every parameter that has a gradient; clears the gradients afterwards.
    public func update(_ parameters: [(name: String, parameter: Parameter)]) {
        let lr = currentLearningRate
        step += 1
        // The properties are read once, outside the per-parameter loop: at the Playground's scale (six small
        // parameters) the per-parameter bookkeeping costs as much as the arithmetic.
        let (rule, fusedRule, step, keepsState) = (rule, fusedRule, step, rule.stateCount > 0)
        withoutGradient {
            func apply(_ name: String, _ p: Parameter, _ g: Tensor?) {
                guard let g, p.requiresGradient else { return }
                withSlots(name, p, keepsState) { state in
                    if let fusedRule {
                        Optimizer.applyFused(fusedRule, p, g, &state, step, lr)
                    } else {
                        p.assign(rule.update(p.value, gradient: g, state: &state, step: step, learningRate: lr))
                    }
                }
            }
            if !transforms.isEmpty {
                // A transform may need every gradient first (a global norm, an all-reduce).
                let grads = transforms.reduce(parameters.map { $0.parameter.gradient }) { $1.transform($0, of: parameters) }
                for ((name, p), g) in zip(parameters, grads) { apply(name, p, g) }
            } else {
                for (name, p) in parameters { apply(name, p, p.gradient) }
            }
        }
    }

    /// Runs `body` on the parameter's state, updated in place in the dictionary (one lookup, no copy, no
    /// re-insertion; a new parameter's slots start at zero). A rule without state (plain SGD) keeps no entries, as
    /// PyTorch's SGD keeps no momentum buffers.
    private func withSlots(_ name: String, _ p: Parameter, _ keepsState: Bool, _ body: (inout [Tensor]) -> Void) {
        if keepsState {
            body(&slots[name, default: Optimizer.zeroSlots(rule, p)])
        } else {
            var none: [Tensor] = []
            body(&none)
        }
    }

    /// A new parameter's state: `rule.stateCount` zero tensors shaped like it.
    private static func zeroSlots(_ rule: any OptimizerRule, _ p: Parameter) -> [Tensor] {
        (0..<rule.stateCount).map { _ in Tensor.zeros(p.value.shape, dtype: p.value.dtype) }
    }

    /// One pass over the parameter's buffers (in place) instead of a chain of tensor ops.
    private static func applyFused(_ rule: any FusedOptimizerRule, _ p: Parameter, _ g: Tensor, _ state: inout [Tensor],
                                   _ step: Int, _ lr: Double) {
        switch p.value.dtype {
        case .int32: require(false, "Optimizer: parameter of shape \(p.value.shape) is int32; parameters are float")
        case .float32: fused(Float.self, p, g, &state) { rule.fusedUpdate($0, step: step, learningRate: lr) }
        case .float64: fused(Double.self, p, g, &state) { rule.fusedUpdate($0, step: step, learningRate: lr) }
        }
    }

    /// Parameters from this many elements are updated in two halves on the two cores. Lower than elementwise ops'
    /// threshold: each element of Adam reads four values and writes three, so the MLP's 256×128 weight (32K elements,
    /// updated serially while the other core waited) is worth splitting.
    static let splitCount = 1 << 14

    private static func fused<T: TensorScalar>(_: T.Type, _ p: Parameter, _ g: Tensor, _ state: inout [Tensor],
                                               _ body: (FusedBuffers<T>) -> Void) {
        let grad = g.dtype == T.dtype ? g : g.converted(to: T.dtype)
        var pointers: [UnsafeMutablePointer<T>] = []
        for i in state.indices {
            pointers.append(state[i].withUnsafeMutableScalars(as: T.self) { $0.baseAddress! })
        }
        withExtendedLifetime(state) {
            grad.withUnsafeScalars(as: T.self) { gb in
                p.updateInPlace(as: T.self) { pb in
                    let (p0, g0) = (pb.baseAddress!, gb.baseAddress!)
                    // Each element's update depends on that element only: large parameters are split over both cores.
                    Parallel.forChunks(pb.count, minimumCount: Optimizer.splitCount) { lo, hi in
                        let state = lo == 0 ? pointers : pointers.map { $0 + lo }
                        body(FusedBuffers(parameter: p0 + lo, gradient: g0 + lo, state: state, count: hi - lo))
                    }
                }
            }
        }
    }

    /// The state to save in a checkpoint.
    public func state() -> OptimizerState {
        OptimizerState(step: step, learningRate: learningRate, slots: slots)
    }

    /// Restores a state saved by ``state()``.
    public func load(_ state: OptimizerState) {
        step = state.step
        learningRate = state.learningRate
        slots = state.slots
    }
}
