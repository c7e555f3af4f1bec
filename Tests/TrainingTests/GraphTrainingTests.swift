import Testing
import NeuralKit
import _TestSupport

@Suite struct GraphTrainingTests {
    /// 4 classes: the image says the low bit (a bright pixel on the left or the right half), the table row the high bit
    /// (the sign of its first value). One input alone can reach at most 50% accuracy.
    static func twoInputData(count: Int, seed: UInt64) -> MultiInputPairs {
        var g = RandomGenerator(seed: seed)
        var pixels: [Double] = [], rows: [Double] = [], labels: [Double] = []
        for _ in 0..<count {
            let low = Int.random(in: 0...1, using: &g), high = Int.random(in: 0...1, using: &g)
            var image = (0..<16).map { _ in Double.random(in: 0...0.2, using: &g) }
            image[Int.random(in: 0..<4, using: &g) * 4 + low * 2 + Int.random(in: 0...1, using: &g)] = 1
            pixels += image
            rows += [(high == 1 ? 1 : -1) * Double.random(in: 0.5...1.5, using: &g), Double.random(in: -1...1, using: &g)]
            labels.append(Double(low + 2 * high))
        }
        return MultiInputPairs(inputs: [Tensor(shape: [count, 4, 4, 1], values: pixels), Tensor(shape: [count, 2], values: rows)],
                               y: Tensor(labels))
    }

    static func twoInputModel() -> GraphModel {
        let image = SymbolicTensor.input(shape: [4, 4, 1], name: "image"), table = SymbolicTensor.input(shape: [2], name: "table")
        let seen = Flatten()(Conv2D(inputChannels: 1, filters: 4, kernelSize: (2, 2), strides: (2, 2), activation: .relu, seed: 1)(image))
        let read = Dense(inputSize: 2, outputSize: 4, activation: .tanh, seed: 2)(table)
        let hidden = Dense(inputSize: 20, outputSize: 16, activation: .relu, seed: 3)(Concatenate()([seen, read]))
        return GraphModel(inputs: [image, table], outputs: [Dense(inputSize: 16, outputSize: 4, seed: 4)(hidden)])
    }

    @Test func twoInputModelLearnsWhatNeedsBothInputs() throws {
        let model = Self.twoInputModel()
        let trainer = Trainer(model: model, loss: .softmaxCrossEntropy(), optimizer: Optimizer(Adam(learningRate: 0.01)),
                              metrics: [.accuracy], seed: 5)
        let history = try trainer.fit(Self.twoInputData(count: 600, seed: 6), batchSize: 32, epochs: 15, validationSplit: 0.2)
        #expect(history.values["val_accuracy"]!.last! > 0.95, "\(history.values["val_accuracy"]!)")
        let test = Self.twoInputData(count: 200, seed: 7)
        let logs = try trainer.evaluate(test)
        #expect(logs["accuracy"]! > 0.95)
        let predictions = try trainer.predict(test)
        #expect(predictions.shape == [200, 4])
        #expect(predictions.values == model.predict(test.inputs).values)
    }

    @Test func graphDataMustMatchTheModelsInputs() throws {
        let trainer = Trainer(model: Self.twoInputModel(), loss: .softmaxCrossEntropy(), optimizer: Optimizer(Adam()))
        let one = Self.twoInputData(count: 8, seed: 1)
        #expect(throws: TrainingError.self) { try trainer.fit(TensorPairs(x: one.inputs[0], y: one.y)) }
        let swapped = MultiInputPairs(inputs: [one.inputs[1], one.inputs[0]], y: one.y)
        #expect { try trainer.fit(swapped) } throws: { "\($0)".contains("Conv2D") }
        trainer.augmentation = ImageAugmentation([.horizontalFlip], imageShape: [4, 4, 1], seed: 1)
        #expect { try trainer.fit(one) } throws: { "\($0)".contains("augmentation takes a model with one input") }
    }

    /// Each of three processes sees its part of every epoch's order; together the parts cover the epoch (one wrapped
    /// position pads 10 examples to 3 × 4), and each epoch's order is a new shuffle, the same in every process.
    @Test func shardsSplitEveryEpochsOrder() throws {
        let data = TensorPairs(x: Tensor(shape: [10, 1], values: (0..<10).map(Double.init)), y: Tensor(integers: Array(0..<10)))
        var epochs: [[[Int32]]] = []   // per rank: each epoch's labels in the order drawn
        for rank in 0..<3 {
            let model = Sequential([Dense(inputSize: 1, outputSize: 1, seed: 1)])
            let trainer = Trainer(model: model, loss: .meanSquaredError(), optimizer: Optimizer(SGD(learningRate: 0)), seed: 9)
            var drawn: [Int32] = []
            let shard = data.shard(rank: rank, count: 3)
            #expect(shard.count == 4)
            let spy = SpySource(base: shard) { drawn += $0.integers }
            try trainer.fit(spy, batchSize: 2, epochs: 2)
            epochs.append([Array(drawn.prefix(4)), Array(drawn.suffix(4))])
        }
        for epoch in 0..<2 {
            let all = epochs.flatMap { $0[epoch] }
            #expect(Set(all) == Set(0..<10) && all.count == 12)
        }
        #expect(epochs[0][0] != epochs[0][1])
        #expect { try Trainer(model: Sequential([Dense(inputSize: 1, outputSize: 1)]), loss: .meanSquaredError(), optimizer: Optimizer(SGD()))
            .fit(data.shard(rank: 0, count: 2), validationSplit: 0.2) } throws: { "\($0)".contains("hold out before sharding") }
        let (training, held) = try data.holdingOut(fraction: 0.2)
        #expect(training.range == 0..<8 && held.range == 8..<10)
    }
}

/// A source that reports the targets of every batch drawn from it (and keeps its base's sharding).
struct SpySource<Base: BatchSource & EpochOrderShard>: BatchSource, EpochOrderShard {
    let base: Base
    let report: (Tensor) -> Void
    init(base: Base, report: @escaping (Tensor) -> Void) {
        self.base = base
        self.report = report
    }
    var count: Int { base.count }
    var exampleShape: [Int] { base.exampleShape }
    var orderCount: Int { base.orderCount }
    func part(of order: [Int]) -> [Int] { base.part(of: order) }
    func batch(_ indices: [Int]) -> (x: Tensor, y: Tensor) {
        let b = base.batch(indices)
        report(b.y)
        return b
    }
}
