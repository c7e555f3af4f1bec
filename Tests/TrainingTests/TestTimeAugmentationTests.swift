import Testing
import NeuralKit
import _TestSupport

final class Doubler: Module {
    override func callAsFunction(_ input: Tensor) -> Tensor { input * 2 }
}

@Suite struct TestTimeAugmentationTests {
    @Test func averagesThePredictionsOfEveryView() {
        let x = Tensor(rows: [[1, 2], [3, 4]])
        // views x, x + 1, −x: predictions 2x, 2x + 2, −2x average to (2x + 2) / 3
        let p = Doubler().predict(x, testTimeAugmentation: [{ $0 }, { $0 + 1 }, { -$0 }])
        expectClose(p, x.values.map { (2 * $0 + 2) / 3 })
        let probs = Doubler().predict(x, testTimeAugmentation: [{ $0 }, { $0 * 0 }]) { $0.softmax() }
        let a = Tensor(rows: [[2, 4], [6, 8]]).softmax().values
        expectClose(probs, zip(a, [0.5, 0.5, 0.5, 0.5]).map { ($0 + $1) / 2 })
    }

    @Test func augmentationRunsInTrainingOnly() throws {
        final class Counter: BatchAugmentation {
            var calls = 0
            var generator = RandomGenerator(seed: 1)
            func callAsFunction(_ batch: Tensor) -> Tensor { calls += 1; return batch }
        }
        let counter = Counter()
        let t = Trainer(model: Dense(inputSize: 2, outputSize: 1, seed: 1), loss: .meanSquaredError(), optimizer: Optimizer(SGD()))
        t.augmentation = counter
        let x = Tensor(rows: [[1, 2], [3, 4], [5, 6]]), y = Tensor(rows: [[1], [2], [3]])
        try t.fit(x: x, y: y, batchSize: 2, epochs: 2, validationSplit: 0.34)
        #expect(counter.calls == 2)   // one training batch per epoch
        _ = try t.evaluate(x: x, y: y)
        _ = t.predict(x: x)
        #expect(counter.calls == 2)
    }
}
