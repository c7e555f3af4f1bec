import Testing
import NeuralKit
import _TestSupport
import Glibc

@Suite struct LossTests {
    struct Row: CustomTestStringConvertible, @unchecked Sendable {
        let loss: Loss
        let predictions: Tensor
        let targets: Tensor
        /// Per-example losses by hand.
        let perExample: [Double]
        var testDescription: String { loss.name }
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Glibc.exp(-x)) }
    static func lse(_ r: [Double]) -> Double { Glibc.log(r.map { Glibc.exp($0) }.reduce(0, +)) }

    static let p = Tensor(rows: [[0.5, -1], [2, 0.25]], dtype: .float64)
    static let t = Tensor(rows: [[1, 1], [0, 0.5]], dtype: .float64)
    static let probs = Tensor(rows: [[0.9], [0.2], [0.0], [1.0]], dtype: .float64)
    static let binary = Tensor(rows: [[1], [0], [1], [1]], dtype: .float64)

    static let rows: [Row] = [
        Row(loss: .meanSquaredError(), predictions: p, targets: t, perExample: [(0.25 + 4) / 2, (4 + 0.0625) / 2]),
        Row(loss: .meanAbsoluteError(), predictions: p, targets: t, perExample: [(0.5 + 2) / 2, (2 + 0.25) / 2]),
        Row(loss: .huber(delta: 1), predictions: p, targets: t,
            perExample: [(0.5 * 0.25 + (2 - 0.5)) / 2, ((2 - 0.5) + 0.5 * 0.0625) / 2]),
        // −[y log p + (1−y) log(1−p)], p clamped to [1e-7, 1 − 1e-7]
        Row(loss: .binaryCrossEntropy(), predictions: probs, targets: binary,
            perExample: [-Glibc.log(0.9), -Glibc.log(0.8), -Glibc.log(1e-7), -Glibc.log(1 - 1e-7)]),
        Row(loss: .binaryCrossEntropyWithLogits(), predictions: Tensor(rows: [[3], [-2], [0], [40]], dtype: .float64),
            targets: binary,
            perExample: [-Glibc.log(sigmoid(3)), -Glibc.log(1 - sigmoid(-2)), Glibc.log(2.0), Glibc.log1p(Glibc.exp(-40))]),
        // −log softmax(z)[label]
        Row(loss: .softmaxCrossEntropy(), predictions: Tensor(rows: [[1, 2, 3], [1000, 0, -5]], dtype: .float64),
            targets: Tensor([2, 1], dtype: .float64), perExample: [lse([1, 2, 3]) - 3, 1000]),
        Row(loss: .softmaxCrossEntropyWithProbabilities(),
            predictions: Tensor(rows: [[1, 2, 3], [0, 0, 0]], dtype: .float64),
            targets: Tensor(rows: [[0, 0.5, 0.5], [1, 0, 0]], dtype: .float64),
            perExample: [lse([1, 2, 3]) - 2.5, Glibc.log(3.0)]),
    ]

    @Test(arguments: rows)
    func valuesMatchTheFormulaForEachReduction(_ row: Row) {
        let none = Loss(row.loss.kind, reduction: .none)(predictions: row.predictions, targets: row.targets)
        expectClose(none, row.perExample, shape: [row.perExample.count], absolute: 1e-9, relative: 1e-9, "none")
        let mean = row.loss(predictions: row.predictions, targets: row.targets).scalar
        #expect(isClose(mean, row.perExample.reduce(0, +) / Double(row.perExample.count), absolute: 1e-9, relative: 1e-9))
        let sum = Loss(row.loss.kind, reduction: .sum)(predictions: row.predictions, targets: row.targets).scalar
        let elementsPerExample = Double(row.predictions.count / row.perExample.count)
        let expectedSum = row.loss.kind == .softmaxCrossEntropy || row.loss.kind == .softmaxCrossEntropyWithProbabilities
            ? row.perExample.reduce(0, +) : row.perExample.reduce(0, +) * elementsPerExample
        #expect(isClose(sum, expectedSum, absolute: 1e-9, relative: 1e-9))
    }

    @Test(arguments: rows)
    func gradientCheck(_ row: Row) {
        // Keep probabilities inside (0, 1) and logits moderate so finite differences are meaningful.
        let safe = row.loss.kind == .binaryCrossEntropy ? Tensor(rows: [[0.9], [0.2], [0.4], [0.7]], dtype: .float64)
            : (row.predictions.max().scalar > 100 ? row.predictions.clamped(lowerBound: -5, upperBound: 5) : row.predictions)
        let result = checkGradients(of: { row.loss(predictions: $0[0], targets: row.targets) }, at: [safe],
                                    absoluteTolerance: tightGradientTolerance.absolute, relativeTolerance: tightGradientTolerance.relative)
        #expect(result.passed, "\(result)")
    }

    /// Labels [N] against predictions [N, 1] are the same targets, not an [N, N] broadcast.
    @Test func flatTargetsMatchColumnPredictions() {
        let p = Tensor(rows: [[0.3], [-1.2], [2.0]], dtype: .float64)
        for loss in [Loss.binaryCrossEntropyWithLogits(), .meanSquaredError(), .meanAbsoluteError(), .huber()] {
            let flat = loss(predictions: p, targets: Tensor([1, 0, 1], dtype: .float64)).scalar
            let column = loss(predictions: p, targets: Tensor(rows: [[1], [0], [1]], dtype: .float64)).scalar
            #expect(flat == column, "\(loss.name)")
        }
    }

    @Test func bceWithLogitsHasTheRightGradientAtZero() {
        // σ(0) − y = 0.5 − 1
        let g = gradient(at: Tensor(rows: [[0]], dtype: .float64)) {
            Loss.binaryCrossEntropyWithLogits()(predictions: $0, targets: Tensor(rows: [[1]], dtype: .float64))
        }
        #expect(g.values == [-0.5])
        // Both gradients, Float32, at several logits: σ(x) − y and −x, over N = 3 (the mean).
        let (_, grads) = valueWithGradient(at: [Tensor(rows: [[2], [-1], [0.5]]), Tensor(rows: [[1], [0], [0.25]])]) {
            Loss.binaryCrossEntropyWithLogits()(predictions: $0[0], targets: $0[1])
        }
        let expected = [(Self.sigmoid(2) - 1) / 3, Self.sigmoid(-1) / 3, (Self.sigmoid(0.5) - 0.25) / 3]
        #expect(zip(grads[0].values, expected).allSatisfy { Swift.abs($0 - $1) < 1e-6 }, "\(grads[0].values)")
        #expect(zip(grads[1].values, [-2.0 / 3, 1.0 / 3, -0.5 / 3]).allSatisfy { Swift.abs($0 - $1) < 1e-6 }, "\(grads[1].values)")
    }
}
