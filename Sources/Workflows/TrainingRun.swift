import JSONCoding
import Datasets
import FileIO
import Foundation
import NeuralNetworks
import Optimizers
import Persistence
import TensorModule
import Training

/// The outcome of a training run, as `neuralkit train --json` prints it.
public struct RunSummary: Sendable {
    public var dataset: String
    public var model: String
    public var epochs: Int
    public var testLoss: Double
    public var testAccuracy: Double?
    public var testMAE: Double?
    public var seconds: Double
    public var outputDirectory: String
    public var confusionMatrix: [[Int]]?
    /// For a forecasting series: the test months' errors in the series' units, the model's and seasonal naive's.
    public var forecast: ForecastErrors?
    public var note: String?

    public var json: String {
        var fields: [(key: String, value: JSONValue)] = [
            ("dataset", .string(dataset)), ("model", .string(model)), ("epochs", .number(Double(epochs))),
            ("test_loss", .number(testLoss)),
        ]
        if let a = testAccuracy { fields.append(("test_accuracy", .number(a))) }
        if let m = testMAE { fields.append(("test_mae", .number(m))) }
        if let f = forecast {
            fields += [("forecast_mae", .number(f.mae)), ("forecast_mape", .number(f.mape)),
                       ("seasonal_naive_mae", .number(f.naiveMAE)), ("seasonal_naive_mape", .number(f.naiveMAPE))]
        }
        fields += [("seconds", .number((seconds * 1000).rounded() / 1000)), ("output_dir", .string(outputDirectory))]
        if let note { fields.append(("note", .string(note))) }
        return JSONValue.object(fields).compactText
    }
}

/// A forecast's test errors next to the seasonal-naive baseline's (same month last year): mean absolute error in the
/// series' units, and mean absolute percentage error in %.
public struct ForecastErrors: Sendable {
    public var mae, mape, naiveMAE, naiveMAPE: Double

    /// The errors of the model's `predictions` (log ratios, [test months, 1]) for `windows`' test months.
    public init(predictions: Tensor, windows: ForecastWindows) {
        (mae, mape) = windows.testErrors(forecasts: windows.values(fromLogRatios: predictions.values))
        (naiveMAE, naiveMAPE) = windows.testErrors(forecasts: windows.seasonalNaive())
    }
}

/// One `neuralkit train`: loads the data, builds the model, trains with checkpoints after every epoch (resumable),
/// evaluates on the test split and writes the outputs: `model.json`, `final.safetensors`, `best.safetensors`,
/// `latest/previous.ckpt.safetensors`, `history.csv`, `curves.svg`.
///
/// Everything that comes from outside is checked before the output directory is touched; a failure later removes
/// the files this run created (a resumed run keeps its checkpoints).
public enum TrainingRun {
    public static func run(_ given: RunConfiguration, log: (String) -> Void = { print($0) }) throws -> RunSummary {
        let start = Date()
        var config = given
        let (train, test, scaler) = try loadData(config)
        config.model = config.model(for: train)
        do { _ = try train.holdingOut(fraction: config.validationSplit) } catch {   // as fit holds them out
            throw DataError(file: train.name, "\(error.message) (--validation-split; give more examples, or --validation-split 0)")
        }
        let spec = try modelSpec(config, train: train)
        RandomSeeds.reset(to: config.seed)
        let model = try spec.buildModel()
        try checkFits(train, spec: spec, model: model, source: { if case .specFile(let path) = config.model { path } else { "--model" } }(),
                      training: true)
        try checkBatchMemory(model, inputs: spec.inputShapes, batchSize: Swift.min(config.batchSize, train.count), training: true,
                             source: "--batch-size \(config.batchSize)")
        train.adaptNormalizations(of: model, validationSplit: config.validationSplit)
        let optimizer = Optimizer(spec.optimizer, schedule: spec.schedule)
        let trainer = Trainer(model: model, losses: spec.trainingLosses, lossWeights: spec.lossWeights, optimizer: optimizer,
                              metrics: spec.metrics, seed: config.seed &+ 1)
        if !config.augmentation.isEmpty {
            trainer.augmentation = ImageAugmentation(config.augmentation, imageShape: try imageShape(of: train, for: "--augment"),
                                                     seed: config.seed &+ 2)
        }
        let hash = configurationHash(config, spec)
        let out = config.outputDirectory
        let store = CheckpointStore(directory: out)
        var note: String?
        // One run at a time in a directory: a second one stops here, before it reads or writes anything in it.
        let createdDirectory = try makeDirectory(out)
        let lock: DirectoryLock
        do { lock = try DirectoryLock(directory: out) } catch {
            if createdDirectory { try? FileManager.default.removeItem(atPath: out) }
            throw error
        }
        defer { lock.release() }
        let stale = AtomicFile.removeStaleTemporaries(in: out)
        if !stale.isEmpty { log("Removed \(stale.count) temporary file\(stale.count == 1 ? "" : "s") that an interrupted run left in \(out)") }
        var written: [String] = []
        do {
            if config.resume {
                let (checkpoint, fallback) = try store.loadLatest()
                guard checkpoint.configurationHash == hash else {
                    throw DataError(file: store.latestPath, "the checkpoint was written for a different configuration; run without --resume or use another --output")
                }
                try checkpoint.restore(into: trainer)
                note = fallback
                if let fallback { log(fallback) }
                let done = trainer.epochsCompleted
                if done >= config.epochs {
                    // As Keras's fit with initial_epoch ≥ epochs: nothing trains. The outputs are still (re)written from
                    // the checkpoint, which also completes a run stopped between its last checkpoint and its final files.
                    let nothing = "\(config.outputDirectory) already holds \(done) epoch\(done == 1 ? "" : "s"), so --epochs "
                        + "\(config.epochs) leaves nothing to train (give --epochs above \(done) to train longer)"
                    log(nothing)
                    note = [note, nothing].compactMap { $0 }.joined(separator: "; ")
                } else {
                    log("Resuming after epoch \(done) of \(config.epochs)")
                }
            }
            let specPath = out + "/model.json"
            try AtomicFile.write(spec.json + "\n", to: specPath)
            written.append(specPath)
            if let vectorizer = train.textVectorizer {
                try AtomicFile.write(vectorizer.json.compactText + "\n", to: out + "/" + TextGenerator.vectorizerFile)
                written.append(out + "/" + TextGenerator.vectorizerFile)
            }
            log("Training \(config.modelName) on \(train.name): \(train.count) examples, \(test.count) test; output in \(out)")
            var callbacks: [Callback] = []
            let monitor = config.validationSplit > 0 ? "val_loss" : "loss"
            let earlier = trainer.history[monitor].filter(\.isFinite).min()
            let best = ModelCheckpoint(monitor: monitor, saveBestOnly: true, initialBest: earlier) { weights, _ in
                try save(weights, scaler: scaler, to: out + "/best.safetensors")
            }
            callbacks.append(best)
            var earlyStopping: EarlyStopping?
            if let patience = config.earlyStoppingPatience {
                earlyStopping = EarlyStopping(monitor: monitor, patience: patience, restoreBestWeights: true)
                callbacks.append(earlyStopping!)
            }
            let divergence = TerminateOnNaN()   // a run whose loss overflows stops at once, and says so
            callbacks.append(divergence)
            // Last, so that each checkpoint holds the other callbacks' states after the epoch they have just seen.
            callbacks.append(CheckpointSaver(store: store, hash: hash, everyBatches: config.checkpointEveryBatches))
            let remaining = Swift.max(0, config.epochs - trainer.epochsCompleted)
            try trainer.fit(source(train), batchSize: config.batchSize, epochs: remaining, validationSplit: config.validationSplit,
                            callbacks: callbacks, verbose: config.verbose)
            if let stopping = earlyStopping, let best = stopping.bestEpoch {
                let stopped = stopping.stoppedEpoch.map { "stopped after epoch \($0 + 1) with no improvement for \(stopping.patience + 1); " } ?? ""
                log("Early stopping: \(stopped)kept the weights of epoch \(best + 1), the best \(monitor) "
                    + "(\(ProgressBar.fourDigits(stopping.best))), in final.safetensors")
            }
            if let batch = divergence.terminatedAtBatch {
                let stop = "Stopped in epoch \(trainer.epochsCompleted), batch \(batch + 1): the loss became NaN or infinite "
                    + "(training diverged; a lower --learning-rate usually helps)"
                log(stop)
                note = [note, stop].compactMap { $0 }.joined(separator: "; ")
            }
            written += [out + "/best.safetensors", out + "/final.safetensors", out + "/history.csv", out + "/curves.svg"]
            try save(model.stateDict(), scaler: scaler, to: out + "/final.safetensors")
            try AtomicFile.write(historyCSV(trainer.history), to: out + "/history.csv")
            let metricKey = spec.metrics.first?.name
            try AtomicFile.write(LearningCurves.svg(trainer.history, metric: metricKey), to: out + "/curves.svg")

            if let warning = batchNormWarning(model, steps: trainer.optimizer.step) { log(warning) }
            // One pass over the test set gives the loss, the metrics and the confusion matrix. A classification run
            // reports its accuracy even when the model file asks for no metrics.
            if train.isClassification { trainer.metrics = Metric.includingAccuracy(trainer.metrics) }
            let predictions = test.idColumnCounts == nil ? trainer.predict(x: test.features) : try trainer.predictOutputs(source(test))[0]
            let results = trainer.evaluate(predictions: predictions, targets: test.targets)
            var summary = RunSummary(dataset: train.name, model: config.modelName, epochs: trainer.epochsCompleted,
                                     testLoss: results["loss"] ?? .nan, testAccuracy: results["accuracy"], testMAE: results["mae"],
                                     seconds: Date().timeIntervalSince(start), outputDirectory: out, note: note)
            if let windows = test.forecast { summary.forecast = ForecastErrors(predictions: predictions, windows: windows) }
            if train.isClassification && test.targets.rank == 1 {
                summary.confusionMatrix = confusionMatrix(predictions, test.targets, classes: train.outputCount,
                                                          threshold: trainer.lossTakesLogits ? 0 : 0.5)
            }
            report(summary, history: trainer.history, metric: metricKey, classes: train.classNames, log: log)
            return summary
        } catch {
            if createdDirectory {
                try? FileManager.default.removeItem(atPath: out)
            } else if !config.resume {
                for f in written { try? FileManager.default.removeItem(atPath: f) }
                for f in [store.latestPath, store.previousPath] { try? FileManager.default.removeItem(atPath: f) }
            }
            throw error
        }
    }

    static func configurationHash(_ c: RunConfiguration, _ spec: ModelSpec) -> String {
        let text = "\(spec.json)|\(c.data)|\(c.batchSize)|\(c.validationSplit)|\(c.seed)|\(c.augmentation)"
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }

    /// Creates `path` (and parents) unless it exists; true when it was created.
    public static func makeDirectory(_ path: String) throws -> Bool {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw DataError(file: path, "exists and is not a directory") }
            return false
        }
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw DataError(file: path, "cannot create the output directory: \(error.localizedDescription)")
        }
        return true
    }

    /// Weights (and the feature scaler, if any) as safetensors.
    static func save(_ weights: [String: Tensor], scaler: FeatureScaler?, to path: String) throws {
        var file = Safetensors()
        file.set(weights)
        if let scaler {
            file.set(scaler.offset, named: "scaler.offset")
            file.set(scaler.scale, named: "scaler.scale")
        }
        file.metadata = [("format", "neuralkit-weights-1")]
        try file.write(to: path)
    }

    static func historyCSV(_ h: History) -> String {
        let keys = h.keys
        var lines = [(["epoch"] + keys).joined(separator: ",")]
        for (i, e) in h.epochs.enumerated() {
            lines.append(([String(e + 1)] + keys.map { k in i < h[k].count ? (h[k][i].isNaN ? "nan" : "\(h[k][i])") : "" }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A warning when a batch normalization's running statistics, which evaluation uses, still weigh their starting
    /// values (mean 0, variance 1) by more than 5% after `steps` updates (momentumˢᵗᵉᵖˢ): Keras's momentum 0.99 needs
    /// 300 steps, which a small dataset reaches only after many epochs, and until then the test accuracy can be
    /// near chance while the training accuracy is high. nil when there is nothing to warn about.
    ///
    /// ```swift
    /// TrainingRun.batchNormWarning(Sequential([BatchNorm(featureCount: 4)]), steps: 10)   // "warning: … 90% …"
    /// ```
    public static func batchNormWarning(_ model: Module, steps: Int) -> String? {
        func momenta(_ m: Module) -> [Double] { ((m as? BatchNorm).map { [$0.momentum] } ?? []) + m.children.flatMap { momenta($0.module) } }
        guard let momentum = momenta(model).max() else { return nil }
        let kept = pow(momentum, Double(steps))
        guard kept > 0.05 else { return nil }
        return "warning: after \(steps) training steps, batch normalization's running statistics (used to evaluate) still hold "
            + "\(Int((kept * 100).rounded()))% of their starting values at momentum \(momentum); train for more steps, or lower "
            + "the momentum (e.g. \"momentum\": 0.9 in a model file)"
    }

    /// Counts of examples by true class (rows) and predicted class (columns). Predictions with one value per example
    /// (a sigmoid unit, or its logit) predict class 1 above `threshold`; wider ones predict their largest output.
    ///
    /// ```swift
    /// TrainingRun.confusionMatrix(Tensor(rows: [[-1], [2], [0.3]]), Tensor([0, 1, 0]), classes: 2, threshold: 0)
    /// // [[1, 1], [0, 1]]
    /// ```
    public static func confusionMatrix(_ predictions: Tensor, _ labels: Tensor, classes: Int, threshold: Double = 0.5) -> [[Int]] {
        var m = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (pi, t) in zip(Metric.predictedClasses(predictions, threshold: threshold), labels.values) {
            let ti = Int(t)
            if pi < classes && ti < classes && ti >= 0 { m[ti][pi] += 1 }
        }
        return m
    }

    static func report(_ s: RunSummary, history: History, metric: String?, classes: [String]?, log: (String) -> Void) {
        var line = "Test loss \(ProgressBar.fourDigits(s.testLoss))"
        if let a = s.testAccuracy { line += ", test accuracy \(ProgressBar.fourDigits(a))" }
        if let m = s.testMAE { line += ", test MAE \(ProgressBar.fourDigits(m))" }
        log(line)
        if let f = s.forecast {
            log(String(format: "Forecast of the test months: MAE %.1f, MAPE %.1f%% (seasonal naive, the same month a year earlier: "
                       + "MAE %.1f, MAPE %.1f%%)", f.mae, f.mape, f.naiveMAE, f.naiveMAPE))
        }
        if let m = s.confusionMatrix {
            log("Confusion matrix (rows: true class, columns: predicted):")
            let width = Swift.max(5, (m.flatMap { $0 }.max() ?? 0).description.count + 1)
            for (i, row) in m.enumerated() {
                let name = (classes?[i] ?? "\(i)").prefix(12)
                log(String(name).padding(toLength: 13, withPad: " ", startingAt: 0)
                    + row.map { String(repeating: " ", count: width - "\($0)".count) + "\($0)" }.joined())
            }
        }
        if let metric, history["val_" + metric].contains(where: \.isFinite) {
            log("val_\(metric) by epoch: \(LearningCurves.sparkline(history["val_" + metric]))")
        }
    }
}

extension RunConfiguration {
    var modelName: String {
        switch model {
        case .preset(let p): return p
        case .specFile(let path): return path
        case .automatic: return "automatic"
        }
    }
}

/// Saves a resumable checkpoint after every epoch and, if `everyBatches` > 0, every that many batches inside one.
public final class CheckpointSaver: Callback {
    let store: CheckpointStore
    let hash: String
    let everyBatches: Int

    public init(store: CheckpointStore, hash: String, everyBatches: Int = 0) {
        self.store = store
        self.hash = hash
        self.everyBatches = everyBatches
    }

    public func onBatchEnd(_ trainer: Trainer, batch: Int, logs: Logs) throws {
        guard everyBatches > 0, (batch + 1) % everyBatches == 0 else { return }
        try store.save(Checkpoint(trainer: trainer, configurationHash: hash))
    }

    public func onEpochEnd(_ trainer: Trainer, epoch: Int, logs: Logs) throws {
        try store.save(Checkpoint(trainer: trainer, configurationHash: hash))
    }
}
