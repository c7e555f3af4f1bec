import Datasets
import Glibc
import NeuralNetworks
import Optimizers
import Persistence
import TensorModule
import Training

/// The values a search tries: a learning rate drawn log-uniformly from a range (random search) or from a list, and
/// lists of batch sizes, hidden widths, depths, dropout rates and L2 rates.
///
/// ```swift
/// var space = SearchSpace()
/// space.learningRate = .logUniform(1e-5, 1)    // 10^U(−5, 0)
/// space.widths = [32, 64, 128]
/// ```
public struct SearchSpace: Sendable {
    /// Learning rates to try: drawn log-uniformly between two bounds, or taken from a list.
    public enum Rates: Sendable, Equatable {
        case logUniform(Double, Double)
        case list([Double])
    }

    public var learningRate: Rates = .logUniform(1e-4, 1e-1)
    public var batchSizes = [32]
    public var widths = [64]
    public var depths = [1]
    public var dropouts = [0.0]
    public var l2 = [0.0]

    public init() {}
}

/// One trial's settings and outcome.
public struct Trial: Sendable {
    public var learningRate: Double
    public var batchSize: Int
    public var width: Int
    public var depth: Int
    public var dropout: Double
    public var l2: Double
    /// The best validation loss over the trial's epochs, and the validation metric at that epoch.
    public var validationLoss = Double.nan
    public var validationMetric: Double?
    public var seconds = 0.0

    /// The trial as a model specification (Adam, the trial's learning rate), for training on `data` with
    /// `validationSplit` held out.
    public func spec(for data: Dataset, validationSplit: Double = 0) -> ModelSpec {
        var layers: [LayerSpec] = data.exampleShape.count > 1 ? [.flatten] : []
        for _ in 0..<depth {
            layers.append(LayerSpec(Dense.Configuration(units: width, activation: .relu, weightRegularizer: l2 > 0 ? .l2(l2) : nil)))
            if dropout > 0 { layers.append(.dropout(rate: dropout)) }
        }
        return data.presetSpec(hidden: layers, optimizer: Adam(learningRate: learningRate), validationSplit: validationSplit)
    }
}

/// Grid and random search over a ``SearchSpace``: each trial is a short fit with a validation split; results come
/// back ranked by validation loss, best first.
///
/// ```swift
/// let ranked = try HyperparameterSearch.run(on: train, space: space, strategy: .random(trials: 20), epochs: 5)
/// print(HyperparameterSearch.table(ranked))
/// ```
public enum HyperparameterSearch {
    /// How trials are chosen from the search space.
    public enum Strategy: Sendable, Equatable {
        /// Every combination (learning rates must be a list).
        case grid
        /// `trials` independent draws.
        case random(trials: Int)
    }

    /// The trials a strategy produces, before running them.
    public static func trials(_ space: SearchSpace, strategy: Strategy, seed: UInt64) throws(TrainingError) -> [Trial] {
        switch strategy {
        case .grid:
            guard case .list(let rates) = space.learningRate else {
                throw .invalidArgument("grid search needs a list of learning rates, not a range")
            }
            var out: [Trial] = []
            for lr in rates { for b in space.batchSizes { for w in space.widths { for d in space.depths {
                for p in space.dropouts { for r in space.l2 {
                    out.append(Trial(learningRate: lr, batchSize: b, width: w, depth: d, dropout: p, l2: r))
                } }
            } } } }
            return out
        case .random(let n):
            guard n > 0 else { throw .invalidArgument("random search needs at least one trial") }
            var rng = RandomGenerator(seed: seed)
            func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
            return (0..<n).map { _ in
                let lr: Double
                switch space.learningRate {
                case let .logUniform(lo, hi): lr = exp(log(lo) + (log(hi) - log(lo)) * rng.nextUniform())
                case .list(let xs): lr = pick(xs)
                }
                return Trial(learningRate: lr, batchSize: pick(space.batchSizes), width: pick(space.widths), depth: pick(space.depths),
                             dropout: pick(space.dropouts), l2: pick(space.l2))
            }
        }
    }

    /// Runs every trial on `data` (held-out fraction `validationSplit`) and returns them ranked.
    public static func run(on data: Dataset, space: SearchSpace, strategy: Strategy, epochs: Int, validationSplit: Double = 0.2,
                           seed: UInt64 = 0, log: (String) -> Void = { _ in }) throws -> [Trial] {
        guard !space.batchSizes.isEmpty, !space.widths.isEmpty, !space.depths.isEmpty, !space.dropouts.isEmpty, !space.l2.isEmpty else {
            throw TrainingError.invalidArgument("every search dimension needs at least one value")
        }
        var done: [Trial] = []
        let all = try trials(space, strategy: strategy, seed: seed)
        // Every trial's model and batch must fit in memory before the first trial trains.
        for trial in all {
            do {
                let spec = trial.spec(for: data, validationSplit: validationSplit)
                try TrainingRun.checkBatchMemory(try spec.buildModel(), inputs: spec.inputShapes, batchSize: Swift.min(trial.batchSize, data.count),
                                                 training: true, source: "--batch-sizes")
            } catch {
                throw TrainingError.invalidArgument("trial with batch \(trial.batchSize), width \(trial.width), depth \(trial.depth): \(error)")
            }
        }
        for (i, var trial) in all.enumerated() {
            var t = timespec()
            clock_gettime(CLOCK_MONOTONIC, &t)
            let start = Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
            RandomSeeds.reset(to: seed &+ UInt64(i))
            let spec = trial.spec(for: data, validationSplit: validationSplit)
            let model = try spec.buildModel()
            let trainer = Trainer(model: model, losses: spec.trainingLosses, lossWeights: spec.lossWeights, optimizer: Optimizer(spec.optimizer),
                                  metrics: spec.metrics, seed: seed)
            let h = try trainer.fit(x: data.features, y: data.targets, batchSize: trial.batchSize, epochs: epochs,
                                    validationSplit: validationSplit)
            let losses = h["val_loss"].map { $0.isFinite ? $0 : .infinity }
            if let best = losses.indices.min(by: { losses[$0] < losses[$1] }) {
                trial.validationLoss = losses[best]
                let metric = spec.metrics.first.map { "val_" + $0.name }
                trial.validationMetric = metric.flatMap { h[$0].indices.contains(best) ? h[$0][best] : nil }
            }
            clock_gettime(CLOCK_MONOTONIC, &t)
            trial.seconds = Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9 - start
            log("trial \(i + 1)/\(all.count): " + describe(trial))
            done.append(trial)
        }
        return done.sorted { ($0.validationLoss.isNaN ? .infinity : $0.validationLoss) < ($1.validationLoss.isNaN ? .infinity : $1.validationLoss) }
    }

    static func describe(_ t: Trial) -> String {
        "lr \(fmt(t.learningRate)) batch \(t.batchSize) width \(t.width) depth \(t.depth) dropout \(t.dropout) l2 \(t.l2)"
            + " → val_loss \(ProgressBar.fourDigits(t.validationLoss))" + (t.validationMetric.map { " metric \(ProgressBar.fourDigits($0))" } ?? "")
    }

    static func fmt(_ x: Double) -> String {
        let e = Int((log10(Swift.abs(x))).rounded(.down))
        let m = (x / pow(10, Double(e)) * 1000).rounded() / 1000
        return "\(m)e\(e)"
    }

    /// A ranked text table.
    public static func table(_ ranked: [Trial]) -> String {
        var lines = ["rank  learning_rate  batch  width  depth  dropout  l2        val_loss  val_metric"]
        for (i, t) in ranked.enumerated() {
            let cells = ["\(i + 1)", fmt(t.learningRate), "\(t.batchSize)", "\(t.width)", "\(t.depth)", "\(t.dropout)", "\(t.l2)",
                         ProgressBar.fourDigits(t.validationLoss), t.validationMetric.map(ProgressBar.fourDigits) ?? "-"]
            let widths = [6, 15, 7, 7, 7, 9, 10, 10, 10]
            lines.append(zip(cells, widths).map { $0.padding(toLength: Swift.max($1, $0.count + 1), withPad: " ", startingAt: 0) }.joined())
        }
        return lines.joined(separator: "\n")
    }

    /// The ranked results as CSV.
    public static func csv(_ ranked: [Trial]) -> String {
        (["rank,learning_rate,batch_size,width,depth,dropout,l2,val_loss,val_metric,seconds"] + ranked.enumerated().map { i, t in
            "\(i + 1),\(t.learningRate),\(t.batchSize),\(t.width),\(t.depth),\(t.dropout),\(t.l2),\(t.validationLoss),"
                + "\(t.validationMetric.map { "\($0)" } ?? ""),\(t.seconds)"
        }).joined(separator: "\n") + "\n"
    }
}

import Foundation
