import Optimizers
import TensorModule

/// Sets the optimizer's learning rate at the start of each epoch from a schedule over epochs (Keras's
/// `LearningRateScheduler`): `lr(epoch) = schedule.learningRate(base: initial, step: epoch)`.
///
/// ```swift
/// LearningRateScheduler(.stepDecay(factor: 0.5, stepSize: 10))   // halve every 10 epochs
/// ```
public final class LearningRateScheduler: StatefulCallback {
    public let schedule: LearningRateSchedule
    private var base: Double?

    public init(_ schedule: LearningRateSchedule) {
        self.schedule = schedule
    }

    public func onTrainBegin(_ trainer: Trainer, logs: Logs) {
        if base == nil { base = trainer.optimizer.learningRate }
    }

    public let stateName = "learning_rate_scheduler"

    /// The base rate the schedule scales (the rate when training first began).
    public func state() -> CallbackState { CallbackState(numbers: base.map { ["base": $0] } ?? [:]) }

    public func restore(_ state: CallbackState, trainer: Trainer) {
        if let b = state.numbers["base"] { base = b }
    }

    public func onEpochBegin(_ trainer: Trainer, epoch: Int, logs: Logs) {
        trainer.optimizer.learningRate = schedule.learningRate(base: base ?? trainer.optimizer.learningRate, step: epoch)
    }
}

/// Multiplies the learning rate by `factor` when `monitor` has not improved for `patience` epochs.
///
/// ```swift
/// ReduceLROnPlateau(monitor: "val_loss", factor: 0.5, patience: 3, minimumLearningRate: 1e-5)
/// ```
public final class ReduceLROnPlateau: StatefulCallback {
    public let monitor: String
    public let factor: Double
    public let patience: Int
    public let minDelta: Double
    public let cooldown: Int
    public let minimumLearningRate: Double
    public let mode: MonitorMode
    private var best: Double
    private var wait = 0
    private var cooldownLeft = 0

    public init(monitor: String = "val_loss", factor: Double = 0.1, patience: Int = 10, minDelta: Double = 1e-4,
                cooldown: Int = 0, minimumLearningRate: Double = 0, mode: MonitorMode? = nil) {
        require(factor > 0 && factor < 1, "ReduceLROnPlateau: factor must be in (0, 1), got \(factor)")
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.minDelta = minDelta
        self.cooldown = cooldown
        self.minimumLearningRate = minimumLearningRate
        self.mode = mode ?? .automatic(for: monitor)
        best = self.mode.worst
    }

    public let stateName = "reduce_lr_on_plateau"

    /// The best value, the epochs waited and the cooldown left (the learning rate itself is the optimizer's state).
    public func state() -> CallbackState {
        CallbackState(numbers: ["best": best, "wait": Double(wait), "cooldown_left": Double(cooldownLeft)])
    }

    public func restore(_ state: CallbackState, trainer: Trainer) throws {
        guard let b = state.numbers["best"], let w = state.numbers["wait"].flatMap({ Int(exactly: $0) }),
              let c = state.numbers["cooldown_left"].flatMap({ Int(exactly: $0) }) else {
            throw TrainingError.invalidArgument("ReduceLROnPlateau: the saved state is incomplete")
        }
        best = b
        wait = w
        cooldownLeft = c
    }

    public func onEpochEnd(_ trainer: Trainer, epoch: Int, logs: Logs) throws {
        guard let value = logs[monitor] else {
            throw TrainingError.invalidArgument("ReduceLROnPlateau: '\(monitor)' is not logged")
        }
        if cooldownLeft > 0 { cooldownLeft -= 1 }
        if mode.isImprovement(value, over: best, minDelta: minDelta) {
            best = value
            wait = 0
        } else if cooldownLeft == 0 {
            wait += 1
            if wait >= patience {
                let lr = trainer.optimizer.learningRate
                trainer.optimizer.learningRate = Swift.max(lr * factor, minimumLearningRate)
                cooldownLeft = cooldown
                wait = 0
            }
        }
    }
}
