import JSONCoding
import Datasets
import FileIO
import NeuralNetworks
import Optimizers
import Persistence
import TensorModule
import Training

/// Everything the Playground page lets a learner choose, validated field by field.
public struct PlaygroundConfiguration: Sendable, Equatable {
    /// An input feature computed from the point (x₁, x₂), as the Playground's feature column lists them.
    public enum Feature: String, CaseIterable, Sendable { case x1, x2, x1Squared, x2Squared, x1TimesX2, sinX1, sinX2 }
    /// The weight penalty added to the loss.
    public enum Regularization: String, Sendable { case none, l1, l2 }

    public var dataset = "circle"
    public var noise = 0.0
    /// Fraction of the points used for training, 0.1–0.9.
    public var trainRatio = 0.5
    public var pointCount = 500
    public var seed: UInt64 = 0
    public var features: [Feature] = [.x1, .x2]
    /// Hidden layers: neurons (1–8) and activation name each; 0–6 layers.
    public var hidden: [(neurons: Int, activation: String)] = [(4, "tanh"), (2, "tanh")]
    public var dropout = 0.0
    public var batchNorm = false
    public var learningRate = 0.03
    public var optimizer = "sgd"
    public var batchSize = 10
    public var regularization = Regularization.none
    public var regularizationRate = 0.0
    public var schedule = "constant"
    /// Uploaded points (x1, x2, label) replacing the generated dataset; labels that are small non-negative
    /// integers make a classification problem, others regression.
    public var points: [[Double]]?

    public static let maximumPoints = 2000

    public init() {}

    public static func == (a: Self, b: Self) -> Bool {
        a.dataset == b.dataset && a.noise == b.noise && a.trainRatio == b.trainRatio && a.pointCount == b.pointCount
            && a.seed == b.seed && a.features == b.features && a.hidden.map(\.neurons) == b.hidden.map(\.neurons)
            && a.hidden.map(\.activation) == b.hidden.map(\.activation) && a.dropout == b.dropout && a.batchNorm == b.batchNorm
            && a.learningRate == b.learningRate && a.optimizer == b.optimizer && a.batchSize == b.batchSize
            && a.regularization == b.regularization && a.regularizationRate == b.regularizationRate && a.schedule == b.schedule
    }

    /// The hidden layers' activations the page offers: every activation model JSON knows, with its defaults.
    public static var activations: [String] { Activation.registry.names }
    /// The optimizers the page offers: every rule model JSON knows, with its defaults and the page's learning rate.
    public static var optimizers: [String] { OptimizerRules.registry.names }
    /// The schedules the page offers (names in ``LearningRateSchedule/registry``), with settings for its horizon of
    /// 1000 epochs (``schedule(stepsPerEpoch:)``).
    public static let schedules = ["constant", "inverseSquareRoot", "stepDecay", "cosine"]

    /// The chosen schedule, from its registry entry with the page's settings.
    func schedule(stepsPerEpoch steps: Int) throws(ConfigError) -> LearningRateSchedule {
        let settings: [(String, JSONValue)] = switch schedule {
        case "stepDecay": [("factor", .number(0.5)), ("stepSize", .number(Double(100 * steps)))]
        case "cosine": [("totalSteps", .number(Double(1000 * steps)))]
        default: []
        }
        return try LearningRateSchedule(json: Node(value: .object([("type", .string(schedule))] + settings.map { ($0.0, $0.1) }), path: "$.schedule"))
    }

    /// Checks every field; the error names the field and the allowed values.
    public func validate() throws(ConfigError) {
        func check(_ ok: Bool, _ field: String, _ message: String) throws(ConfigError) {
            if !ok { throw ConfigError(path: "$." + field, message) }
        }
        try check(Playground2D.Kind(rawValue: dataset) != nil, "dataset",
                  "unknown dataset '\(dataset)' (expected one of: \(Playground2D.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        try check((0...0.5).contains(noise), "noise", "must be between 0 and 0.5, found \(noise)")
        try check((0.1...0.9).contains(trainRatio), "trainRatio", "must be between 0.1 and 0.9, found \(trainRatio)")
        try check((10...2000).contains(pointCount), "pointCount", "must be between 10 and 2000, found \(pointCount)")
        try check(!features.isEmpty, "features", "select at least one input feature")
        try check(hidden.count <= 6, "hidden", "at most 6 hidden layers, found \(hidden.count)")
        for (i, layer) in hidden.enumerated() {
            try check((1...8).contains(layer.neurons), "hidden[\(i)].neurons", "must be between 1 and 8, found \(layer.neurons)")
            try check(Self.activations.contains(layer.activation), "hidden[\(i)].activation",
                      "unknown activation '\(layer.activation)' (expected one of: \(Self.activations.joined(separator: ", ")))")
        }
        try check((0..<1).contains(dropout), "dropout", "must be in [0, 1), found \(dropout)")
        try check(learningRate >= 0.00001 && learningRate <= 10, "learningRate", "must be between 0.00001 and 10, found \(learningRate)")
        try check(Self.optimizers.contains(optimizer), "optimizer",
                  "unknown optimizer '\(optimizer)' (expected one of: \(Self.optimizers.joined(separator: ", ")))")
        try check((1...30).contains(batchSize), "batchSize", "must be between 1 and 30, found \(batchSize)")
        try check(regularizationRate >= 0 && regularizationRate <= 10, "regularizationRate", "must be between 0 and 10, found \(regularizationRate)")
        try check(Self.schedules.contains(schedule), "schedule",
                  "unknown schedule '\(schedule)' (expected one of: \(Self.schedules.joined(separator: ", ")))")
        if let points {
            try check((4...Self.maximumPoints).contains(points.count), "points", "need 4 to \(Self.maximumPoints) points, found \(points.count)")
            for (i, p) in points.enumerated() {
                try check(p.count == 3 && p.allSatisfy(\.isFinite), "points[\(i)]", "expected [x1, x2, label] with finite numbers")
            }
        }
    }

    /// The uploaded points as a dataset: classification when every label is an integer in 0..<10.
    func uploadedDataset() -> Dataset? {
        guard let points else { return nil }
        let labels = points.map { $0[2] }
        let x = Tensor(shape: [points.count, 2], values: points.flatMap { $0.prefix(2) })
        if labels.allSatisfy({ $0 == $0.rounded() && $0 >= 0 && $0 < 10 }) {
            let classes = Int(labels.max() ?? 0) + 1
            return Dataset(name: "upload", features: x, targets: Tensor(labels), classNames: (0..<Swift.max(classes, 2)).map(String.init))
        }
        return Dataset(name: "upload", features: x, targets: Tensor(shape: [labels.count, 1], values: labels))
    }
}

/// One Playground session: its data, the network built from a ``PlaygroundConfiguration``, training one epoch at a
/// time, and views of the state (losses, weights, the decision surface). The server holds one per browser tab.
///
/// ```swift
/// var config = PlaygroundConfiguration(); config.dataset = "xor"
/// let session = try PlaygroundSession(config)
/// try session.train(epochs: 100)
/// session.testLoss
/// ```
public final class PlaygroundSession {
    public let configuration: PlaygroundConfiguration
    public let train: Dataset
    public let test: Dataset
    public let model: Sequential
    public let trainer: Trainer
    public private(set) var epoch = 0
    let kind: Playground2D.Kind
    public let isRegression: Bool
    let classCount: Int

    public init(_ config: PlaygroundConfiguration) throws {
        try config.validate()
        configuration = config
        kind = Playground2D.Kind(rawValue: config.dataset)!
        let all = config.uploadedDataset() ?? Playground2D.make(kind, count: config.pointCount, noise: config.noise, seed: config.seed)
        isRegression = !all.isClassification
        classCount = all.outputCount
        let split = all.split(testFraction: 1 - config.trainRatio, seed: config.seed)
        train = split.train
        test = split.test
        RandomSeeds.reset(to: config.seed)
        var layers: [Module] = []
        var width = config.features.count
        for layer in config.hidden {
            let regularizer: Regularizer? = switch config.regularization {
            case .none: nil
            case .l1: .l1(config.regularizationRate)
            case .l2: .l2(config.regularizationRate)
            }
            layers.append(Dense(inputSize: width, outputSize: layer.neurons, weightRegularizer: regularizer))
            if config.batchNorm { layers.append(BatchNorm(featureCount: layer.neurons)) }
            layers.append(ActivationLayer(try Activation(json: Node(value: .string(layer.activation), path: "$.hidden"))))
            if config.dropout > 0 { layers.append(Dropout(rate: config.dropout)) }
            width = layer.neurons
        }
        let outputs = isRegression ? 1 : (classCount > 2 ? classCount : 1)
        layers.append(Dense(inputSize: width, outputSize: outputs))
        model = Sequential(layers)
        let loss: Loss = isRegression ? .meanSquaredError() : (outputs == 1 ? .binaryCrossEntropyWithLogits() : .softmaxCrossEntropy())
        let rule = try OptimizerRules.registry.decode(Node(value: .object([("type", .string(config.optimizer)),
                                                                           ("learningRate", .number(config.learningRate))]), path: "$.optimizer"))
        let schedule = try config.schedule(stepsPerEpoch: Trainer.batchCount(examples: train.count, batchSize: config.batchSize))
        trainer = Trainer(model: model, loss: loss, optimizer: Optimizer(rule, schedule: schedule),
                          metrics: isRegression ? [] : [.accuracy], seed: config.seed)
    }

    /// The chosen input features of 2-D points [N, 2].
    public func features(_ points: Tensor) -> Tensor {
        let x1 = points.slice(alongAxis: 1, 0..<1), x2 = points.slice(alongAxis: 1, 1..<2)
        let columns: [Tensor] = configuration.features.map { f in
            switch f {
            case .x1: return x1
            case .x2: return x2
            case .x1Squared: return x1.squared()
            case .x2Squared: return x2.squared()
            case .x1TimesX2: return x1 * x2
            case .sinX1: return x1.sin()
            case .sinX2: return x2.sin()
            }
        }
        return Tensor.concatenating(columns, alongAxis: 1)
    }

    /// The test loss after each `train(epochs:)` call (the page's second curve).
    public private(set) var testLossHistory: [Double] = []

    /// Trains `epochs` passes over the training points.
    public func train(epochs: Int) throws {
        try trainer.fit(x: features(train.features), y: train.targets, batchSize: configuration.batchSize, epochs: epochs)
        epoch += epochs
        testLossHistory.append(testLoss)
    }

    /// Loads weights exported by ``export()`` (same network shape), e.g. to continue from a saved model.
    public func importWeights(_ bytes: [UInt8]) throws {
        let state = try Safetensors(bytes: bytes, source: "upload").tensors()
        do { try model.loadStateDict(state) } catch { throw ConfigError(path: "$.weights", error.description) }
    }

    public var trainLoss: Double { (try? trainer.evaluate(x: features(train.features), y: train.targets)["loss"]) ?? .nan }
    public var testLoss: Double { (try? trainer.evaluate(x: features(test.features), y: test.targets)["loss"]) ?? .nan }

    /// The network's output over an n×n grid of [−6, 6]² (row-major from the top-left), as probabilities for
    /// binary classification, the winning class for multiclass, values for regression.
    public func decisionSurface(resolution n: Int = 40) -> [Double] {
        var points: [Double] = []
        for row in 0..<n {
            for col in 0..<n {
                points += [-6 + 12 * (Double(col) + 0.5) / Double(n), 6 - 12 * (Double(row) + 0.5) / Double(n)]
            }
        }
        let y = model.predict(features(Tensor(shape: [n * n, 2], values: points)))
        if isRegression { return y.values }
        if y.shape.last == 1 { return y.sigmoid().values }
        return y.argmax(alongAxis: -1).values
    }
}
