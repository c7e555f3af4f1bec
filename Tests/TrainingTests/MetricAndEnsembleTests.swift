import Testing
import NeuralKit
import _TestSupport

@Suite struct MetricTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let metric: Metric
        let predictions: Tensor
        let targets: Tensor
        var fromLogits = false
        let expected: Double
        var testDescription: String { "\(metric)" }
    }

    static let logits = Tensor(rows: [[2, 1, 0], [0, 3, 1], [1, 0, 5], [4, 5, 3]])
    static let rows: [Row] = [
        Row(metric: .accuracy, predictions: logits, targets: Tensor([0, 1, 1, 0]), expected: 0.5),
        Row(metric: .sparseCategoricalAccuracy, predictions: logits, targets: Tensor([0, 1, 2, 1]), expected: 1),
        Row(metric: .categoricalAccuracy, predictions: logits, targets: Tensor.oneHot([0, 2, 2, 1], classCount: 3), expected: 0.75),
        Row(metric: .accuracy, predictions: logits, targets: Tensor.oneHot([1, 1, 2, 0], classCount: 3), expected: 0.5),
        // label ranks: row 0 label 2 is 3rd; row 1 label 2 is 2nd; row 2 label 0 is 2nd; row 3 label 2 is 3rd
        Row(metric: .topKAccuracy(2), predictions: logits, targets: Tensor([2, 2, 0, 2]), expected: 0.5),
        Row(metric: .accuracy, predictions: Tensor(rows: [[0.9], [0.2], [0.6]]), targets: Tensor(rows: [[1], [1], [0]]),
            expected: 1.0 / 3),
        Row(metric: .accuracy, predictions: Tensor(rows: [[0.3], [-0.2], [-1]]), targets: Tensor(rows: [[1], [1], [0]]),
            fromLogits: true, expected: 2.0 / 3),
        // Per-step scores [batch 2, time 2, classes 3] count every position: 3 of 4 right.
        Row(metric: .accuracy, predictions: logits.reshaped(to: [2, 2, 3]), targets: Tensor(shape: [2, 2], integers: [0, 1, 2, 0]),
            expected: 0.75),
        Row(metric: .categoricalAccuracy, predictions: logits.reshaped(to: [2, 2, 3]),
            targets: Tensor.oneHot([0, 0, 2, 1], classCount: 3).reshaped(to: [2, 2, 3]), expected: 0.75),
        Row(metric: .meanAbsoluteError, predictions: Tensor(rows: [[1], [2]]), targets: Tensor(rows: [[0], [4]]), expected: 1.5),
        Row(metric: .meanSquaredError, predictions: Tensor(rows: [[1], [2]]), targets: Tensor(rows: [[0], [4]]), expected: 2.5),
    ]

    /// The chosen class: argmax, or one output per example against the threshold.
    @Test func predictedClassesByArgmaxOrThreshold() {
        #expect(Metric.predictedClasses(Tensor(rows: [[0.2, 0.7, 0.1], [0.9, 0, 0.1]])) == [1, 0])
        #expect(Metric.predictedClasses(Tensor(rows: [[-1], [2], [0.3]]), threshold: 0) == [0, 1, 1])
        #expect(Metric.predictedClasses(Tensor(rows: [[-1], [2], [0.3]])) == [0, 1, 0])
        #expect(Metric.predictedClasses(Tensor([0.6, 0.4])) == [1, 0])
    }

    @Test func includingAccuracyAddsItOnce() {
        #expect(Metric.includingAccuracy([.meanAbsoluteError]) == [.meanAbsoluteError, .accuracy])
        #expect(Metric.includingAccuracy([.binaryAccuracy(threshold: 0)]) == [.binaryAccuracy(threshold: 0)])
        #expect(Metric.includingAccuracy([]) == [.accuracy])
    }

    @Test(arguments: rows)
    func metricValues(_ row: Row) {
        let (sum, count) = row.metric.total(predictions: row.predictions, targets: row.targets, fromLogits: row.fromLogits)
        #expect(Swift.abs(sum / Double(count) - row.expected) < 1e-12)
    }
}

final class Constant: Module {
    let output: Tensor
    init(_ output: Tensor) { self.output = output }
    override func callAsFunction(_ input: Tensor) -> Tensor { output }
}

@Suite struct EnsembleTests {
    @Test func averageAndVote() throws {
        let a = Constant(Tensor(rows: [[0.9, 0.1], [0.2, 0.8]]))
        let b = Constant(Tensor(rows: [[0.6, 0.4], [0.7, 0.3]]))
        let c = Constant(Tensor(rows: [[0.0, 1.0], [0.4, 0.6]]))
        let x = Tensor.zeros([2, 1])
        expectClose(try Ensemble(models: [a, b], method: .average).predict(x), [0.75, 0.25, 0.45, 0.55])
        #expect(try Ensemble(models: [a, b, c], method: .vote).predict(x).values == [0, 1])
        // One output per example: each member votes for class 1 above 0.5 (here after a sigmoid of logits).
        let logits = [Constant(Tensor(rows: [[2], [-1]])), Constant(Tensor(rows: [[0.5], [-3]])), Constant(Tensor(rows: [[-4], [0.2]]))]
        #expect(try Ensemble(models: logits, method: .vote, transform: { $0.sigmoid() }).predict(x).values == [1, 0])
    }

    @Test func snapshotEnsembleAveragesSnapshots() throws {
        let (x, y) = (Tensor(rows: [[1], [2]]), Tensor(rows: [[2], [4]]))
        let layer = Dense(inputSize: 1, outputSize: 1, seed: 1)
        let snapshots = SnapshotEnsemble(cycleLength: 2)
        let t = Trainer(model: layer, loss: .meanSquaredError(), optimizer: Optimizer(SGD(learningRate: 0.05)))
        try t.fit(x: x, y: y, batchSize: 2, epochs: 6, callbacks: [snapshots])
        #expect(snapshots.snapshots.count == 3)
        let ensemble = snapshots.ensemble(of: layer)
        var expected = Tensor.zeros([2, 1])
        let current = layer.stateDict()
        for s in snapshots.snapshots {
            try layer.loadStateDict(s)
            expected = expected + layer.predict(x) / 3
        }
        try layer.loadStateDict(current)
        expectClose(try ensemble.predict(x), expected.values)
        #expect(layer.stateDict()["weight"] == current["weight"])
    }
}
