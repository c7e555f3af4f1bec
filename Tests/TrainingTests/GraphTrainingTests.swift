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
}
