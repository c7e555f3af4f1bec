import TensorModule

/// Stops training when `monitor` has not improved by more than `minDelta` for `patience` epochs; optionally puts
/// back the weights of the best epoch.
///
/// ```swift
/// EarlyStopping(monitor: "val_loss", patience: 5, restoreBestWeights: true)
/// ```
public final class EarlyStopping: StatefulCallback {
    public let monitor: String
    public let minDelta: Double
    public let patience: Int
    public let mode: MonitorMode
    public let restoreBestWeights: Bool
    public private(set) var best: Double
    public private(set) var bestEpoch: Int?
    public private(set) var stoppedEpoch: Int?
    private var wait = 0
    private var bestWeights: [String: Tensor]?

    public init(monitor: String = "val_loss", minDelta: Double = 0, patience: Int = 0, mode: MonitorMode? = nil,
                restoreBestWeights: Bool = false) {
        self.monitor = monitor
        self.minDelta = Swift.abs(minDelta)
        self.patience = patience
        self.mode = mode ?? .automatic(for: monitor)
        self.restoreBestWeights = restoreBestWeights
        best = self.mode.worst
    }

    public func onTrainBegin(_ trainer: Trainer, logs: Logs) {
        best = mode.worst
        wait = 0
        bestEpoch = nil
        stoppedEpoch = nil
        bestWeights = nil
    }

    public let stateName = "early_stopping"

    /// The best value, its epoch, the epochs waited, the epoch it stopped (−1: none) and the best weights.
    public func state() -> CallbackState {
        CallbackState(numbers: ["best": best, "best_epoch": Double(bestEpoch ?? -1), "wait": Double(wait),
                                "stopped_epoch": Double(stoppedEpoch ?? -1)],
                      tensors: bestWeights ?? [:])
    }

    /// Goes on from a saved state; a run that had already stopped stays stopped (and still restores its best
    /// weights at the end).
    public func restore(_ state: CallbackState, trainer: Trainer) throws {
        func epoch(_ key: String) -> Int? { state.numbers[key].flatMap { $0 >= 0 ? Int(exactly: $0) : nil } }
        guard let b = state.numbers["best"], let w = state.numbers["wait"].flatMap({ Int(exactly: $0) }) else {
            throw TrainingError.invalidArgument("EarlyStopping: the saved state lacks its best value or wait count")
        }
        best = b
        wait = w
        bestEpoch = epoch("best_epoch")
        stoppedEpoch = epoch("stopped_epoch")
        bestWeights = state.tensors.isEmpty ? nil : state.tensors
        if stoppedEpoch != nil { trainer.stopTraining = true }
    }

    public func onEpochEnd(_ trainer: Trainer, epoch: Int, logs: Logs) throws {
        guard let value = logs[monitor] else {
            throw TrainingError.invalidArgument("EarlyStopping: '\(monitor)' is not logged (have: \(logs.keys.sorted()))")
        }
        if mode.isImprovement(value, over: best, minDelta: minDelta) {
            best = value
            bestEpoch = epoch
            wait = 0
            if restoreBestWeights { bestWeights = trainer.model.stateDict() }
        } else {
            wait += 1
            if wait > patience {
                stoppedEpoch = epoch
                trainer.stopTraining = true
            }
        }
    }

    public func onTrainEnd(_ trainer: Trainer, logs: Logs) throws {
        if restoreBestWeights, let w = bestWeights {
            do { try trainer.model.loadStateDict(w) } catch { throw TrainingError.shapeMismatch(error) }
        }
    }
}

/// Keeps the model's weights whenever `monitor` improves (or every epoch), in memory and through an optional
/// `save` hook (e.g. writing a checkpoint file).
///
/// ```swift
/// let checkpoint = ModelCheckpoint(monitor: "val_accuracy", saveBestOnly: true) { weights, epoch in
///     try save(weights, to: "best.safetensors")
/// }
/// ```
public final class ModelCheckpoint: Callback {
    public let monitor: String
    public let saveBestOnly: Bool
    public let mode: MonitorMode
    public private(set) var best: Double
    /// The weights last kept and their epoch.
    public private(set) var weights: [String: Tensor]?
    public private(set) var epoch: Int?
    private let save: (([String: Tensor], Int) throws -> Void)?

    /// `initialBest` carries the best value over from an earlier, resumed run.
    public init(monitor: String = "val_loss", saveBestOnly: Bool = true, mode: MonitorMode? = nil, initialBest: Double? = nil,
                save: (([String: Tensor], Int) throws -> Void)? = nil) {
        self.monitor = monitor
        self.saveBestOnly = saveBestOnly
        self.mode = mode ?? .automatic(for: monitor)
        self.save = save
        best = initialBest ?? self.mode.worst
    }

    public func onEpochEnd(_ trainer: Trainer, epoch: Int, logs: Logs) throws {
        if saveBestOnly {
            guard let value = logs[monitor] else {
                throw TrainingError.invalidArgument("ModelCheckpoint: '\(monitor)' is not logged")
            }
            guard mode.isImprovement(value, over: best, minDelta: 0) else { return }
            best = value
        }
        let w = trainer.model.stateDict()
        weights = w
        self.epoch = epoch
        try save?(w, epoch)
    }
}

/// Stops training as soon as the loss becomes NaN or infinite.
public final class TerminateOnNaN: Callback {
    public private(set) var terminatedAtBatch: Int?
    public init() {}

    public func onBatchEnd(_ trainer: Trainer, batch: Int, logs: Logs) {
        if let l = logs["loss"], !l.isFinite {
            terminatedAtBatch = batch
            trainer.stopTraining = true
        }
    }
}
