import NeuralNetworks
import TensorModule

/// Combines several models' predictions: the mean (regression outputs, probabilities) or a majority vote of
/// class indices. Members are modules, or snapshots (state dicts) of one module.
///
/// ```swift
/// let ensemble = Ensemble(models: [m1, m2, m3], method: .average)
/// let p = ensemble.predict(x)
/// ```
public final class Ensemble {
    /// How the members' outputs are combined.
    public enum Method: Sendable {
        /// The element-wise mean of the members' outputs, after `transform` (e.g. softmax on logits).
        case average
        /// The most frequent argmax class per example (ties go to the lowest class index); outputs class indices [N].
        /// A member with one output per example (a binary classifier) votes for class 1 when its output, after
        /// `transform`, is above 0.5: give `{ $0.sigmoid() }` for logits.
        case vote
    }

    private enum Member {
        case model(Module)
        case snapshot(Module, [String: Tensor])
    }

    private let members: [Member]
    public let method: Method
    /// Applied to each member's output before combining (identity by default).
    public let transform: (Tensor) -> Tensor

    public init(models: [Module], method: Method = .average, transform: @escaping (Tensor) -> Tensor = { $0 }) {
        require(!models.isEmpty, "Ensemble: needs at least one model")
        members = models.map(Member.model)
        self.method = method
        self.transform = transform
    }

    /// An ensemble of weight snapshots of one architecture (snapshot ensembles).
    public init(model: Module, snapshots: [[String: Tensor]], method: Method = .average,
                transform: @escaping (Tensor) -> Tensor = { $0 }) {
        require(!snapshots.isEmpty, "Ensemble: needs at least one snapshot")
        members = snapshots.map { .snapshot(model, $0) }
        self.method = method
        self.transform = transform
    }

    public var count: Int { members.count }

    /// The combined prediction for `x`.
    public func predict(_ x: Tensor, batchSize: Int = 256) throws -> Tensor {
        var outputs: [Tensor] = []
        for member in members {
            switch member {
            case .model(let m):
                outputs.append(transform(m.predict(x, batchSize: batchSize)))
            case .snapshot(let m, let state):
                let saved = m.stateDict()
                do {
                    try m.loadStateDict(state)
                    outputs.append(transform(m.predict(x, batchSize: batchSize)))
                    try m.loadStateDict(saved)
                } catch { throw TrainingError.shapeMismatch(error) }
            }
        }
        switch method {
        case .average:
            return withoutGradient { Tensor.stacking(outputs).mean(alongAxes: [0]) }
        case .vote:
            let votes = outputs.map { Metric.predictedClasses($0) }
            let n = votes[0].count
            let classes = (votes.joined().max() ?? 0) + 1
            let winners = (0..<n).map { i -> Double in
                var counts = [Int](repeating: 0, count: classes)
                for v in votes { counts[v[i]] += 1 }
                return Double(counts.firstIndex(of: counts.max() ?? 0) ?? 0)
            }
            return Tensor([Double](winners), dtype: outputs[0].dtype)
        }
    }
}

/// Snapshot ensembles (Huang et al., 2017): keeps the model's weights at the end of every cycle of a cyclic or
/// warm-restart learning-rate schedule, `cycleLength` epochs long; ``ensemble(method:transform:)`` combines them.
///
/// ```swift
/// let snapshots = SnapshotEnsemble(cycleLength: 10)
/// try trainer.fit(x: x, y: y, epochs: 50, callbacks: [LearningRateScheduler(.cosineWarmRestarts(period: 10, periodFactor: 1, minimum: 0)), snapshots])
/// let ensemble = snapshots.ensemble(of: trainer.model)
/// ```
public final class SnapshotEnsemble: Callback {
    public let cycleLength: Int
    public private(set) var snapshots: [[String: Tensor]] = []

    public init(cycleLength: Int) {
        require(cycleLength > 0, "SnapshotEnsemble: cycleLength must be positive")
        self.cycleLength = cycleLength
    }

    public func onEpochEnd(_ trainer: Trainer, epoch: Int, logs: Logs) {
        if (epoch + 1) % cycleLength == 0 { snapshots.append(trainer.model.stateDict()) }
    }

    /// An ensemble of the snapshots taken so far, evaluated with `model`.
    public func ensemble(of model: Module, method: Ensemble.Method = .average,
                         transform: @escaping (Tensor) -> Tensor = { $0 }) -> Ensemble {
        Ensemble(model: model, snapshots: snapshots, method: method, transform: transform)
    }
}
