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
