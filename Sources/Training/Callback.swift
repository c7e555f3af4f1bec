import TensorModule

/// Hooks into `fit`, called in Keras's order: train begin → (epoch begin → (batch begin → batch end)* → epoch end)*
/// → train end. Every method has an empty default, so a callback implements only what it needs. A callback stops
/// training by setting ``Trainer/stopTraining``.
///
/// ```swift
/// final class PrintLoss: Callback {
///     func onEpochEnd(_ trainer: Trainer, epoch: Int, logs: Logs) { print(epoch, logs["loss"] ?? .nan) }
/// }
/// ```
public protocol Callback: AnyObject {
    func onTrainBegin(_ trainer: Trainer, logs: Logs) throws
    func onTrainEnd(_ trainer: Trainer, logs: Logs) throws
    func onEpochBegin(_ trainer: Trainer, epoch: Int, logs: Logs) throws
    func onEpochEnd(_ trainer: Trainer, epoch: Int, logs: Logs) throws
    func onBatchBegin(_ trainer: Trainer, batch: Int, logs: Logs) throws
    func onBatchEnd(_ trainer: Trainer, batch: Int, logs: Logs) throws
}

extension Callback {
    public func onTrainBegin(_ trainer: Trainer, logs: Logs) throws {}
    public func onTrainEnd(_ trainer: Trainer, logs: Logs) throws {}
    public func onEpochBegin(_ trainer: Trainer, epoch: Int, logs: Logs) throws {}
    public func onEpochEnd(_ trainer: Trainer, epoch: Int, logs: Logs) throws {}
    public func onBatchBegin(_ trainer: Trainer, batch: Int, logs: Logs) throws {}
    public func onBatchEnd(_ trainer: Trainer, batch: Int, logs: Logs) throws {}
}

/// What a ``StatefulCallback`` keeps across a checkpoint: numbers (stored bit for bit) and tensors.
public struct CallbackState: Sendable, Equatable {
    public var numbers: [String: Double]
    public var tensors: [String: Tensor]

    public init(numbers: [String: Double] = [:], tensors: [String: Tensor] = [:]) {
        self.numbers = numbers
        self.tensors = tensors
    }
}

/// A callback whose state a checkpoint keeps (as Keras's `BackupAndRestore` does for its callbacks), so a resumed
/// run goes on as an uninterrupted one would: ``EarlyStopping``'s best value, weights and patience count,
/// ``ReduceLROnPlateau``'s. `fit` gives a restored state back right after the callback's `onTrainBegin`.
///
/// ```swift
/// final class CountEpochs: StatefulCallback {
///     var count = 0.0
///     let stateName = "count_epochs"
///     func onEpochEnd(_ trainer: Trainer, epoch: Int, logs: Logs) { count += 1 }
///     func state() -> CallbackState { CallbackState(numbers: ["count": count]) }
///     func restore(_ state: CallbackState, trainer: Trainer) { count = state.numbers["count"] ?? 0 }
/// }
/// ```
public protocol StatefulCallback: Callback {
    /// The name the state is saved under (`early_stopping`).
    var stateName: String { get }
    /// The state now.
    func state() -> CallbackState
    /// Puts back a saved state, after `onTrainBegin` of a `fit` that resumes.
    func restore(_ state: CallbackState, trainer: Trainer) throws
}

/// Whether a monitored quantity improves by going down (losses, errors) or up (accuracies).
public enum MonitorMode: Sendable {
    case min, max

    /// `max` for names containing "acc", otherwise `min` (Keras's `auto`).
    public static func automatic(for monitor: String) -> MonitorMode { monitor.contains("acc") ? .max : .min }

    func isImprovement(_ value: Double, over best: Double, minDelta: Double) -> Bool {
        switch self {
        case .min: return value < best - minDelta
        case .max: return value > best + minDelta
        }
    }

    var worst: Double { self == .min ? .infinity : -.infinity }
}
