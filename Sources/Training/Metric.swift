import JSONCoding
import TensorModule

/// A quality measure computed on each batch's predictions and averaged over examples.
///
/// ```swift
/// Trainer(model: model, loss: .softmaxCrossEntropy(), optimizer: Optimizer(Adam()), metrics: [.accuracy, .topKAccuracy(3)])
/// ```
public enum Metric: Sendable, Equatable, Codable {
    /// Chooses binary, sparse or categorical accuracy from the shapes (one output: binary).
    case accuracy
    /// Fraction of predictions on the right side of `threshold` (0.5 for probabilities; logits use 0).
    case binaryAccuracy(threshold: Double = 0.5)
    /// argmax of predictions equals argmax of one-hot targets.
    case categoricalAccuracy
    /// argmax of predictions equals the integer label.
    case sparseCategoricalAccuracy
    /// The label is among the k largest predictions.
    case topKAccuracy(Int = 5)
    case meanAbsoluteError
    case meanSquaredError

    /// The class each example's predictions choose: the largest output, or, with one output per example (a binary
    /// classifier), class 1 when it is above `threshold` (0.5 for probabilities, 0 for logits).
    ///
    /// ```swift
    /// Metric.predictedClasses(Tensor(rows: [[0.2, 0.7, 0.1], [0.9, 0, 0.1]]))   // [1, 0]
    /// Metric.predictedClasses(Tensor(rows: [[-1], [2]]), threshold: 0)          // [0, 1]
    /// ```
    public static func predictedClasses(_ predictions: Tensor, threshold: Double = 0.5) -> [Int] {
        if predictions.rank == 1 || predictions.shape.last == 1 { return predictions.values.map { $0 > threshold ? 1 : 0 } }
        return predictions.argmax(alongAxis: -1).values.map { Int($0) }
    }

    /// `metrics` with ``accuracy`` added unless one of them already reports an accuracy (for classifiers whose
    /// model file lists no metrics: `neuralkit train` and `evaluate` report accuracy on every classification).
    ///
    /// ```swift
    /// Metric.includingAccuracy([.meanAbsoluteError])   // [.meanAbsoluteError, .accuracy]
    /// ```
    public static func includingAccuracy(_ metrics: [Metric]) -> [Metric] {
        metrics.contains { $0.name == "accuracy" } ? metrics : metrics + [.accuracy]
    }

    /// The log key (`accuracy`, `top3_accuracy`, `mae`, …).
    public var name: String {
        switch self {
        case .accuracy, .binaryAccuracy, .categoricalAccuracy, .sparseCategoricalAccuracy: return "accuracy"
        case .topKAccuracy(let k): return "top\(k)_accuracy"
        case .meanAbsoluteError: return "mae"
        case .meanSquaredError: return "mse"
        }
    }

    /// The sum of per-position scores over the positions `mask` keeps (1 counts, 0 is padding; shaped as the
    /// predictions' leading dimensions, [batch, time] for per-step outputs) and their number: padded positions count
    /// in neither. A nil mask counts every example, as ``total(predictions:targets:fromLogits:)``.
    ///
    /// ```swift
    /// let (hits, count) = Metric.accuracy.total(predictions: logits, targets: labels, fromLogits: true, mask: ids .!= 0)
    /// ```
    public func total(predictions: Tensor, targets: Tensor, fromLogits: Bool, mask: Tensor?) -> (sum: Double, count: Int) {
        guard let mask else { return total(predictions: predictions, targets: targets, fromLogits: fromLogits) }
        require(predictions.shape.starts(with: mask.shape), "\(name): mask \(mask.shape) does not fit predictions \(predictions.shape)")
        let positions = mask.count
        let kept = mask.values.indices.filter { mask[flat: $0] != 0 }
        guard !kept.isEmpty else { return (0, 0) }
        let p = predictions.reshaped(to: [positions, predictions.count / Swift.max(positions, 1)]).gathering(rows: kept)
        let t = targets.reshaped(to: [positions, targets.count / Swift.max(positions, 1)]).gathering(rows: kept)
        // Per-position labels [P, 1] against scores [P, C] are sparse labels; the unmasked rule then decides.
        return total(predictions: p, targets: t.shape[1] == 1 && p.shape[1] > 1 ? t.reshaped(to: [kept.count]) : t, fromLogits: fromLogits)
    }

    /// The sum of per-example scores in this batch and the number of examples, for averaging.
    /// `fromLogits` tells binary accuracy that predictions are logits (threshold 0).
    public func total(predictions: Tensor, targets: Tensor, fromLogits: Bool) -> (sum: Double, count: Int) {
        let n = predictions.shape.first ?? 1
        switch self {
        case .accuracy:
            if predictions.shape.last == 1 || predictions.rank == 1 {
                return Metric.binaryAccuracy(threshold: fromLogits ? 0 : 0.5)
                    .total(predictions: predictions, targets: targets, fromLogits: fromLogits)
            }
            let kind: Metric = targets.shape == predictions.shape ? .categoricalAccuracy : .sparseCategoricalAccuracy
            return kind.total(predictions: predictions, targets: targets, fromLogits: fromLogits)
        case .binaryAccuracy(let threshold):
            let p = predictions.values, t = targets.values
            let hits = zip(p, t).reduce(0) { $0 + (($1.0 > threshold) == ($1.1 > 0.5) ? 1 : 0) }
            return (Double(hits) * Double(n) / Double(Swift.max(p.count, 1)), n)
        case .categoricalAccuracy:
            // Per-step scores [batch, time, classes] count every position.
            let hits = zip(predictions.argmax(alongAxis: -1).values, targets.argmax(alongAxis: -1).values).filter { $0 == $1 }
            return (Double(hits.count), predictions.count / Swift.max(predictions.shape.last ?? 1, 1))
        case .sparseCategoricalAccuracy:
            let hits = zip(predictions.argmax(alongAxis: -1).values, targets.values).filter { $0 == $1 }
            return (Double(hits.count), targets.count)
        case .topKAccuracy(let k):
            let c = predictions.shape.last ?? 1
            let p = predictions.values
            let labels = targets.shape == predictions.shape ? targets.argmax(alongAxis: -1).values : targets.values
            var hits = 0
            for i in 0..<n {
                let row = p[(i * c)..<((i + 1) * c)]
                let label = Int(labels[i])
                guard label >= 0 && label < c else { continue }
                let better = row.filter { $0 > row[i * c + label] }.count
                if better < k { hits += 1 }
            }
            return (Double(hits), n)
        case .meanAbsoluteError:
            let e = (predictions - targets.converted(to: predictions.dtype).reshaped(to: predictions.shape)).abs()
            return (e.mean().scalar * Double(n), n)
        case .meanSquaredError:
            let e = (predictions - targets.converted(to: predictions.dtype).reshaped(to: predictions.shape)).squared()
            return (e.mean().scalar * Double(n), n)
        }
    }
}

// MARK: - JSON

extension Metric {
    /// Every metric by its JSON name; a setting left out takes the case's default.
    public static let registry = Registry<Metric>(family: "metric", [
        .init("accuracy") { _ in .accuracy },
        .init("binaryAccuracy", fields: ["threshold"]) { f throws(ConfigError) in
            try f["threshold"].map { n throws(ConfigError) in .binaryAccuracy(threshold: try n.double()) } ?? .binaryAccuracy()
        },
        .init("categoricalAccuracy") { _ in .categoricalAccuracy },
        .init("sparseCategoricalAccuracy") { _ in .sparseCategoricalAccuracy },
        .init("topKAccuracy", fields: ["k"]) { f throws(ConfigError) in
            try f["k"].map { n throws(ConfigError) in .topKAccuracy(try n.int(minimum: 1)) } ?? .topKAccuracy()
        },
        .init("meanAbsoluteError") { _ in .meanAbsoluteError }, .init("meanSquaredError") { _ in .meanSquaredError },
    ])

    public init(json node: Node) throws(ConfigError) { self = try Metric.registry.decode(node) }

    public var json: JSONValue {
        switch self {
        case .accuracy: return .string("accuracy")
        case .binaryAccuracy(let t): return .object([("type", .string("binaryAccuracy")), ("threshold", .number(t))])
        case .categoricalAccuracy: return .string("categoricalAccuracy")
        case .sparseCategoricalAccuracy: return .string("sparseCategoricalAccuracy")
        case .topKAccuracy(let k): return .object([("type", .string("topKAccuracy")), ("k", .number(Double(k)))])
        case .meanAbsoluteError: return .string("meanAbsoluteError")
        case .meanSquaredError: return .string("meanSquaredError")
        }
    }
}
