import Foundation
import Testing
import NeuralKit
import _TestSupport

let xorX = Tensor(rows: [[0, 0], [0, 1], [1, 0], [1, 1]])
let xorY = Tensor(rows: [[0], [1], [1], [0]])

/// The lectures' toy regression: x = 0.0, 0.5, …, 9.5.
let toyX = Tensor.arange(0, 10, step: 0.5).reshaped(to: [20, 1])
let toyY = Tensor([0.1, 0.4, 0.9, 1.6, 2.2, 2.5, 2.8, 3.5, 3.9, 4.7, 5.1, 5.3, 6.3, 6.5, 6.7, 7.5, 8.1, 8.5, 8.9, 9.5])
    .reshaped(to: [20, 1])

@Suite struct LectureTrainingTests {
    @Test func xorIsLearnedByATanhNetwork() throws {
        let model = Sequential([Dense(inputSize: 2, outputSize: 4, activation: .tanh, seed: 1),
                                Dense(inputSize: 4, outputSize: 1, seed: 2)])
        let trainer = Trainer(model: model, loss: .binaryCrossEntropyWithLogits(), optimizer: Optimizer(Adam(learningRate: 0.05)),
                              metrics: [.accuracy])
        try trainer.fit(x: xorX, y: xorY, batchSize: 4, epochs: 500)
        #expect(try trainer.evaluate(x: xorX, y: xorY)["accuracy"] == 1)
    }

    /// Linear activations give linear boundaries: however deep, such a network cannot separate XOR (at most 3 of 4).
    @Test(arguments: [1, 3])
    func xorDefeatsALinearNetwork(depth: Int) throws {
        var layers: [Module] = (0..<depth).map { Dense(inputSize: $0 == 0 ? 2 : 4, outputSize: 4, seed: UInt64($0)) }
        layers.append(Dense(inputSize: 4, outputSize: 1, seed: 9))
        let trainer = Trainer(model: Sequential(layers), loss: .binaryCrossEntropyWithLogits(),
                              optimizer: Optimizer(Adam(learningRate: 0.05)), metrics: [.accuracy])
        try trainer.fit(x: xorX, y: xorY, batchSize: 4, epochs: 500)
        #expect(try trainer.evaluate(x: xorX, y: xorY)["accuracy"]! <= 0.75)
    }

    /// Full-batch gradient descent on one Dense(1→1) reaches the least-squares line.
    @Test func toyRegressionReachesLeastSquares() throws {
        let layer = Dense(inputSize: 1, outputSize: 1, seed: 3)
        layer.convert(to: .float64)
        let trainer = Trainer(model: layer, loss: .meanSquaredError(), optimizer: Optimizer(SGD(learningRate: 0.02)))
        let history = try trainer.fit(x: toyX.converted(to: .float64), y: toyY.converted(to: .float64), batchSize: 20,
                                      epochs: 3000, shuffle: false)
        #expect(Swift.abs(layer.weight.value.scalar - 0.995789) < 1e-5)
        #expect(Swift.abs(layer.bias!.value.scalar - 0.020000) < 1e-5)
        #expect(Swift.abs(history["loss"].last! - 0.020853) < 1e-5)
    }

    @Test func tooLargeALearningRateMakesTheLossGrow() throws {
        let layer = Dense(inputSize: 1, outputSize: 1, seed: 3)
        let trainer = Trainer(model: layer, loss: .meanSquaredError(), optimizer: Optimizer(SGD(learningRate: 0.1)))
        let losses = try trainer.fit(x: toyX, y: toyY, batchSize: 20, epochs: 10, shuffle: false)["loss"]
        #expect(zip(losses, losses.dropFirst()).allSatisfy { $0 < $1 }, "\(losses)")
    }

    /// "Overfit a tiny set first": a small MLP drives the loss on 2 fixed mini-batches below 1e-3.
    @Test func smallMLPOverfitsTwoMiniBatches() throws {
        var rng = RandomGenerator(seed: 5)
        let x = Tensor.randomNormal([16, 4], using: &rng)
        let y = Tensor.randomNormal([16, 2], using: &rng)
        let model = Sequential([Dense(inputSize: 4, outputSize: 32, activation: .tanh, seed: 1),
                                Dense(inputSize: 32, outputSize: 2, seed: 2)])
        let trainer = Trainer(model: model, loss: .meanSquaredError(), optimizer: Optimizer(Adam(learningRate: 0.01)))
        let history = try trainer.fit(x: x, y: y, batchSize: 8, epochs: 1500, shuffle: false)
        #expect(history["loss"].last! < 1e-3)
    }

    @Test func digitsMLPReaches95PercentOnAHeldOutSplit() throws {
        let (x, y) = try TestData.digits(in: Bundle.module)
        #expect(x.shape == [1797, 64])
        // A fixed shuffle, then the last 20% held out.
        var order = Array(0..<1797)
        var rng = RandomGenerator(seed: 11)
        order.shuffle(using: &rng)
        let xs = x.gathering(rows: order) / 16, ys = y.gathering(rows: order)
        let split = 1797 - 360
        RandomSeeds.reset(to: 1)
        let model = Sequential([Dense(inputSize: 64, outputSize: 64, activation: .relu), Dense(inputSize: 64, outputSize: 10)])
        let trainer = Trainer(model: model, loss: .softmaxCrossEntropy(), optimizer: Optimizer(Adam(learningRate: 0.01)),
                              metrics: [.accuracy])
        try trainer.fit(x: xs.slice(alongAxis: 0, 0..<split), y: ys.slice(alongAxis: 0, 0..<split), batchSize: 32, epochs: 30)
        let test = try trainer.evaluate(x: xs.slice(alongAxis: 0, split..<1797), y: ys.slice(alongAxis: 0, split..<1797))
        #expect(test["accuracy"]! >= 0.95, "\(test)")
    }
}
