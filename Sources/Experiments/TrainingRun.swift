import Datasets
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
    public var note: String?

    public var json: String {
        var fields: [(key: String, value: JSONValue)] = [
            ("dataset", .string(dataset)), ("model", .string(model)), ("epochs", .number(Double(epochs))),
            ("test_loss", .number(testLoss)),
        ]
        if let a = testAccuracy { fields.append(("test_accuracy", .number(a))) }
        if let m = testMAE { fields.append(("test_mae", .number(m))) }
        fields += [("seconds", .number((seconds * 1000).rounded() / 1000)), ("output_dir", .string(outputDirectory))]
        return JSONValue.object(fields).compactText
    }
}

/// One `neuralkit train`: loads the data, builds the model, trains with checkpoints after every epoch (resumable),
/// evaluates on the test split and writes the outputs: `model.json`, `final.safetensors`, `best.safetensors`,
/// `latest/previous.ckpt.safetensors`, `history.csv`, `curves.svg`.
///
/// Everything that comes from outside is checked before the output directory is touched; a failure later removes
/// the files this run created (a resumed run keeps its checkpoints).
public enum TrainingRun {
    public static func run(_ config: RunConfiguration, log: (String) -> Void = { print($0) }) throws -> RunSummary {
        let start = Date()
        let (train, test, scaler) = try loadData(config)
        let spec = try modelSpec(config, train: train)
        RandomSeeds.reset(to: config.seed)
        let model = try spec.buildModel()
        try checkFits(train, spec: spec, model: model, source: { if case .specFile(let path) = config.model { path } else { "--model" } }())
        let optimizer = Optimizer(spec.optimizer, schedule: spec.schedule)
        let trainer = Trainer(model: model, loss: spec.loss, optimizer: optimizer, metrics: spec.metrics, seed: config.seed &+ 1)
        let hash = configurationHash(config, spec)
        let out = config.outputDirectory
        let store = CheckpointStore(directory: out)
        var note: String?
        if config.resume {
            let (checkpoint, fallback) = try store.loadLatest()
            guard checkpoint.configurationHash == hash else {
                throw DataError(file: store.latestPath, "the checkpoint was written for a different configuration; run without --resume or use another --output")
            }
            try checkpoint.restore(into: trainer)
            note = fallback
            if let fallback { log(fallback) }
            log("Resuming after epoch \(trainer.epochsCompleted) of \(config.epochs)")
        }
        let createdDirectory = try makeDirectory(out)
        var written: [String] = []
        do {
            let specPath = out + "/model.json"
            try AtomicFile.write(spec.json + "\n", to: specPath)
            written.append(specPath)
            log("Training \(config.modelName) on \(train.name): \(train.count) examples, \(test.count) test; output in \(out)")
            var callbacks: [Callback] = [CheckpointSaver(store: store, hash: hash, everyBatches: config.checkpointEveryBatches)]
            let monitor = config.validationSplit > 0 ? "val_loss" : "loss"
            let earlier = trainer.history[monitor].filter(\.isFinite).min()
            let best = ModelCheckpoint(monitor: monitor, saveBestOnly: true, initialBest: earlier) { weights, _ in
                try save(weights, scaler: scaler, to: out + "/best.safetensors")
            }
            callbacks.append(best)
            if let patience = config.earlyStoppingPatience {
                callbacks.append(EarlyStopping(monitor: monitor, patience: patience, restoreBestWeights: true))
            }
            if !config.augmentation.isEmpty {
                let image = try imageShape(of: train, for: "--augment")
                let augment = ImageAugmentation(config.augmentation, imageShape: image, seed: config.seed &+ 2)
                trainer.augmentation = { augment($0) }
            }
            let remaining = Swift.max(0, config.epochs - trainer.epochsCompleted)
            try trainer.fit(x: train.features, y: train.targets, batchSize: config.batchSize, epochs: remaining,
                            validationSplit: config.validationSplit, callbacks: callbacks, verbose: config.verbose)
            written += [out + "/best.safetensors", out + "/final.safetensors", out + "/history.csv", out + "/curves.svg"]
            try save(model.stateDict(), scaler: scaler, to: out + "/final.safetensors")
            try AtomicFile.write(historyCSV(trainer.history), to: out + "/history.csv")
            let metricKey = spec.metrics.first?.name
            try AtomicFile.write(LearningCurves.svg(trainer.history, metric: metricKey), to: out + "/curves.svg")

            let results = try trainer.evaluate(x: test.features, y: test.targets)
            var summary = RunSummary(dataset: train.name, model: config.modelName, epochs: trainer.epochsCompleted,
                                     testLoss: results["loss"] ?? .nan, testAccuracy: results["accuracy"], testMAE: results["mae"],
                                     seconds: Date().timeIntervalSince(start), outputDirectory: out, note: note)
            if train.isClassification {
                summary.confusionMatrix = confusionMatrix(trainer.predict(x: test.features), test.targets, classes: train.outputCount)
            }
            report(summary, history: trainer.history, metric: metricKey, classes: train.classNames, log: log)
            return summary
        } catch {
            if !config.resume {
                for f in written { try? FileManager.default.removeItem(atPath: f) }
                for f in [store.latestPath, store.previousPath] { try? FileManager.default.removeItem(atPath: f) }
                if createdDirectory { try? FileManager.default.removeItem(atPath: out) }
            }
            throw error
        }
    }

    /// The datasets and (for tabular data) a standardization fitted on the training split.
    /// `standardize: false` leaves tabular features raw (for a saved model that carries its own scaler).
    public static func loadData(_ c: RunConfiguration, standardize: Bool = true) throws -> (Dataset, Dataset, FeatureScaler?) {
        var (train, test): (Dataset, Dataset)
        switch c.data {
        case .builtin(let name):
            (train, test) = try BuiltinDatasets.trainTest(name, seed: c.seed)
        case let .csv(path, label):
            let all = try CSVReader.read(path, label: label)
            guard all.count >= 5 else { throw DataError(file: path, "needs at least 5 examples, found \(all.count)") }
            (train, test) = all.split(testFraction: 0.2, seed: c.seed, stratified: all.isClassification)
        case let .npy(featuresPath, labelsPath):
            let x = try NPYArray(contentsOf: featuresPath), y = try NPYArray(contentsOf: labelsPath)
            guard x.shape.first == y.shape.first, x.shape.count >= 2 else {
                throw DataError(file: labelsPath, "\(y.shape.first ?? 0) labels for features of shape \(x.shape) in \(featuresPath)")
            }
            let labels = y.tensor()
            let values = labels.values
            let integral = values.allSatisfy { $0 == $0.rounded() }
            if y.kind != .float, let bad = values.firstIndex(where: { $0 < 0 }) {
                throw DataError(file: labelsPath, location: "element \(bad)", "class label \(Int(values[bad])) is negative")
            }
            let all: Dataset
            if integral && y.shape.count == 1 && values.allSatisfy({ $0 >= 0 }) {
                let classes = Int(labels.max().scalar) + 1
                guard classes <= 10_000 else { throw DataError(file: labelsPath, "label \(classes - 1) is too large for a class index") }
                all = Dataset(name: featuresPath, features: x.tensor(), targets: labels, classNames: (0..<classes).map(String.init))
            } else {
                all = Dataset(name: featuresPath, features: x.tensor(), targets: labels.reshaped(to: [x.shape[0], -1]))
            }
            (train, test) = all.split(testFraction: 0.2, seed: c.seed, stratified: all.isClassification)
        case let .idx(images, labels):
            let (x, y) = try IDXDataset.load(images: images, labels: labels, classCount: 256, flatten: false)
            let classes = Int(y.max().scalar) + 1
            let example = Array(x.shape.dropFirst())
            let image = example.count == 2 ? example + [1] : example.count == 3 ? example : nil
            let all = Dataset(name: images, features: x.reshaped(to: [x.shape[0], -1]), targets: y,
                              classNames: (0..<classes).map(String.init), imageShape: image)
            (train, test) = all.split(testFraction: 0.2, seed: c.seed, stratified: true)
        }
        guard train.count > 0, test.count > 0 else { throw DataError(file: train.name, "not enough examples to split") }
        let imageLike = train.name == "fashion-mnist" || train.name == "digits" || { if case .idx = c.data { return true }; return false }()
        guard !imageLike, standardize else { return (train, test, nil) }
        let scaler = FeatureScaler.standardization(fittedOn: train.features)
        train.features = scaler.apply(train.features)
        test.features = scaler.apply(test.features)
        return (train, test, scaler)
    }

    static func modelSpec(_ c: RunConfiguration, train: Dataset) throws -> ModelSpec {
        var spec: ModelSpec
        switch c.model {
        case .specFile(let path):
            let bytes = try AtomicFile.read(path, limit: 16 << 20)
            do { spec = try ModelSpec(json: bytes) } catch { throw DataError(file: path, error.description) }
        case .preset(let name):
            let flat = train.exampleShape.reduce(1, *)
            var layers: [LayerSpec] = train.exampleShape.count > 1 ? [.flatten] : []
            switch name {
            case "linear": break
            case "mlp": layers += [.dense(256, activation: .relu), .dense(128, activation: .relu)]
            case "cnn", "cnn-strong":
                let image = try imageShape(of: train, for: "--model \(name)")
                layers = [.reshape(image)] + (name == "cnn" ? cnnLayers : strongCNNLayers)
            default:
                throw DataError(file: "--model", "unknown preset '\(name)' (available: \(RunConfiguration.presets.joined(separator: ", ")))")
            }
            layers.append(.dense(train.outputCount))
            _ = flat
            spec = ModelSpec(input: train.exampleShape, layers: layers,
                             loss: train.isClassification ? .softmaxCrossEntropy() : .meanSquaredError(),
                             optimizer: Adam(learningRate: 1e-3),
                             metrics: train.isClassification ? [.accuracy] : [.meanAbsoluteError])
        }
        if let name = c.optimizer {
            spec.optimizer = try decodeOptimizer(name)
        }
        if let lr = c.learningRate {
            guard lr > 0, lr.isFinite else { throw DataError(file: "--learning-rate", "must be a positive number, found \(lr)") }
            spec.optimizer.learningRate = lr
        }
        if let s = c.schedule {
            spec.schedule = try decodeSchedule(s, totalSteps: c.epochs * ((train.count + c.batchSize - 1) / c.batchSize))
        }
        return spec
    }

    /// Checks that `data` fits `model`, built from `spec`, before any tensor math runs (a misfit there would stop the program):
    /// the examples have the model's input shape, and the model's output fits the targets its loss compares it
    /// with — logits for at least as many classes as the labels name (softmax cross-entropy, which needs class
    /// labels), or outputs the targets reshape or broadcast to. `source` names the model in the error.
    ///
    /// ```swift
    /// try TrainingRun.checkFits(test, spec: trained.spec, model: trained.model, source: "run/model.json")
    /// ```
    public static func checkFits(_ data: Dataset, spec: ModelSpec, model: Module, source: String) throws {
        guard data.exampleShape == spec.input else {
            throw DataError(file: source, "input \(spec.input) does not match the data's example shape \(data.exampleShape)")
        }
        let output: [Int]
        do { output = Array(try model.outputShape(for: [1] + spec.input).dropFirst()) } catch {
            throw DataError(file: source, error.description)
        }
        let targets = Array(data.targets.shape.dropFirst())
        let outputCount = output.reduce(1, *), targetCount = targets.reduce(1, *)
        switch spec.loss.kind {
        case .softmaxCrossEntropy:
            guard let classes = data.classNames?.count else {
                throw DataError(file: source, "loss \(spec.loss.name) needs class labels; \(data.name) has regression targets")
            }
            guard output.count == 1, output[0] >= classes else {
                throw DataError(file: source, "the model's output \(output) cannot score \(data.name)'s \(classes) classes with loss "
                                + "\(spec.loss.name): it needs [\(classes)]")
            }
        default:
            // Equal counts are reshaped; otherwise the loss broadcasts [batch] + output against [batch] + targets, which
            // holds for every batch size only dimension by dimension (logits-BCE expands the targets to the output).
            let expandsOnly = spec.loss.kind == .binaryCrossEntropyWithLogits
            let fits = outputCount == targetCount || output.count == targets.count
                && zip(output, targets).allSatisfy { o, t in o == t || t == 1 || (o == 1 && !expandsOnly) }
            guard fits else {
                throw DataError(file: source, "the model's output \(output) does not fit \(data.name)'s targets \(targets) "
                                + "with loss \(spec.loss.name)")
            }
        }
    }

    /// Conv 32 3×3 ReLU → MaxPool 2 → Conv 64 3×3 ReLU → MaxPool 2 → Dense 128 ReLU (→ Dense classes).
    static let cnnLayers: [LayerSpec] = [
        .conv2d(32, 3, activation: .relu), .maxPool2d(poolSize: [2, 2], strides: [2, 2], padding: .valid),
        .conv2d(64, 3, activation: .relu), .maxPool2d(poolSize: [2, 2], strides: [2, 2], padding: .valid),
        .flatten, .dense(128, activation: .relu),
    ]

    /// The stronger preset: same-padded convolutions with batch norm, dropout after each block and in the head.
    static let strongCNNLayers: [LayerSpec] = [
        .conv2d(32, 3, padding: .same), .batchNorm(momentum: 0.99, epsilon: 1e-3), .activation(.relu),
        .maxPool2d(poolSize: [2, 2], strides: [2, 2], padding: .valid),
        .conv2d(64, 3, padding: .same), .batchNorm(momentum: 0.99, epsilon: 1e-3), .activation(.relu),
        .maxPool2d(poolSize: [2, 2], strides: [2, 2], padding: .valid), .dropout(rate: 0.25),
        .flatten, .dense(128, activation: .relu), .dropout(rate: 0.5),
    ]

    /// Parses `--augment`: comma-separated `translate=PIXELS`, `rotate=DEGREES`, `zoom=MIN:MAX`, `flip`,
    /// `noise=STD`, `cutout=SIZE`.
    public static func augmentation(_ text: String) throws -> [ImageTransform] {
        var out: [ImageTransform] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            let value = parts.count == 2 ? parts[1] : nil
            func number() throws -> Double {
                guard let v = value.flatMap(Double.init), v >= 0, v.isFinite else {
                    throw DataError(file: "--augment", "'\(item)' needs a non-negative number")
                }
                return v
            }
            switch parts[0] {
            case "translate": out.append(.translation(maxPixels: Int(try number())))
            case "rotate": out.append(.rotation(maxDegrees: try number()))
            case "noise": out.append(.gaussianNoise(standardDeviation: try number()))
            case "cutout": out.append(.cutout(size: Int(try number())))
            case "flip": out.append(.horizontalFlip)
            case "zoom":
                let r = (value ?? "").split(separator: ":").compactMap { Double($0) }
                guard r.count == 2, r[0] > 0, r[1] >= r[0] else { throw DataError(file: "--augment", "zoom needs MIN:MAX, e.g. zoom=0.9:1.1") }
                out.append(.zoom(minimum: r[0], maximum: r[1]))
            default:
                throw DataError(file: "--augment", "unknown transform '\(parts[0])' (translate, rotate, zoom, flip, noise, cutout)")
            }
        }
        return out
    }

    /// Parses `--tta`: comma-separated `flip` (the mirrored images) and `translate=PIXELS` (the four shifts by that
    /// many pixels), views added to the original images for test-time augmentation. `data`'s examples must be
    /// images (``Dataset/imageShape``).
    ///
    /// ```swift
    /// let views = try TrainingRun.testTimeViews("flip,translate=1", for: digits)   // the original and 5 views
    /// ```
    public static func testTimeViews(_ text: String, for data: Dataset) throws -> [(Tensor) -> Tensor] {
        let image = try imageShape(of: data, for: "--tta")
        var views: [(Tensor) -> Tensor] = [{ $0 }]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            switch parts[0] {
            case "flip" where parts.count == 1:
                views.append { ImageAugmentation.view(of: $0, imageShape: image, flip: true) }
            case "translate":
                guard parts.count == 2, let d = Int(parts[1]), d > 0, d < Swift.min(image[0], image[1]) else {
                    throw DataError(file: "--tta", "'\(item)' needs a pixel count from 1 to \(Swift.min(image[0], image[1]) - 1)")
                }
                for shift in [(d, 0), (-d, 0), (0, d), (0, -d)] {
                    views.append { ImageAugmentation.view(of: $0, imageShape: image, shift: shift) }
                }
            default:
                throw DataError(file: "--tta", "unknown view '\(item)' (flip, translate=PIXELS)")
            }
        }
        return views
    }

    /// The examples' image shape [H, W, C] (``Dataset/imageShape``), for `option`, which needs images.
    static func imageShape(of data: Dataset, for option: String) throws -> [Int] {
        guard let image = data.imageShape else {
            throw DataError(file: option, "needs image examples; \(data.name)'s are table rows of shape \(data.exampleShape)")
        }
        return image
    }

    static func decodeOptimizer(_ text: String) throws -> any OptimizerRule {
        let json = text.hasPrefix("{") ? text : "\"\(text)\""
        let wrapped = #"{"input":[1],"layers":[],"loss":"meanSquaredError","optimizer":"# + json + "}"
        do { return try ModelSpec(json: Array(wrapped.utf8)).optimizer } catch {
            throw DataError(file: "--optimizer", error.message)
        }
    }

    static func decodeSchedule(_ text: String, totalSteps: Int) throws -> LearningRateSchedule {
        let named: [String: String] = [
            "cosine": #"{"type":"cosine","totalSteps":\#(totalSteps)}"#,
            "inverse-sqrt": #""inverseSquareRoot""#,
        ]
        let json = named[text] ?? (text.hasPrefix("{") ? text : "\"\(text)\"")
        let wrapped = #"{"input":[1],"layers":[],"loss":"meanSquaredError","schedule":"# + json + "}"
        do { return try ModelSpec(json: Array(wrapped.utf8)).schedule } catch {
            throw DataError(file: "--schedule", error.message)
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
            lines.append(([String(e + 1)] + keys.map { k in i < h[k].count ? "\(h[k][i])" : "" }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Rows are true classes, columns predicted classes.
    public static func confusionMatrix(_ predictions: Tensor, _ labels: Tensor, classes: Int) -> [[Int]] {
        var m = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (p, t) in zip(predictions.argmax(alongAxis: -1).values, labels.values) {
            let (pi, ti) = (Int(p), Int(t))
            if pi < classes && ti < classes && ti >= 0 { m[ti][pi] += 1 }
        }
        return m
    }

    static func report(_ s: RunSummary, history: History, metric: String?, classes: [String]?, log: (String) -> Void) {
        var line = "Test loss \(ProgressBar.fourDigits(s.testLoss))"
        if let a = s.testAccuracy { line += ", test accuracy \(ProgressBar.fourDigits(a))" }
        if let m = s.testMAE { line += ", test MAE \(ProgressBar.fourDigits(m))" }
        log(line)
        if let m = s.confusionMatrix {
            log("Confusion matrix (rows: true class, columns: predicted):")
            let width = Swift.max(5, (m.flatMap { $0 }.max() ?? 0).description.count + 1)
            for (i, row) in m.enumerated() {
                let name = (classes?[i] ?? "\(i)").prefix(12)
                log(String(name).padding(toLength: 13, withPad: " ", startingAt: 0)
                    + row.map { String(repeating: " ", count: width - "\($0)".count) + "\($0)" }.joined())
            }
        }
        if let metric, !history["val_" + metric].isEmpty {
            log("val_\(metric) by epoch: \(LearningCurves.sparkline(history["val_" + metric]))")
        }
    }
}

extension RunConfiguration {
    var modelName: String {
        switch model {
        case .preset(let p): return p
        case .specFile(let path): return path
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
