import Foundation
import Testing
import NeuralKit
import _TestSupport

/// README.md's Swift examples, verbatim (`tools/lint.sh` fails when a README block is missing from this file), run
/// and checked against what the README says they print or reach.
@Suite struct ReadmeExamplesTests {
    static let readme: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
    }()

    /// The README's `// …` comment lines right after the line that contains `marker`.
    static func commentLines(after marker: String) -> [String] {
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.contains(marker) }) else { return [] }
        return lines[(start + 1)...].prefix { $0.hasPrefix("// ") }.map { String($0.dropFirst(3)) }
    }

    @Test func perceptronNetworkAndByteImages() throws {
        // README block "The library", first part.
        var w = Tensor([3, -2]); w.requiresGradient = true
        let y = ((w * Tensor([-1, 2])).sum() + 1).sigmoid()   // σ(−6) ≈ 0.0024726
        y.backward()
        print(w.grad!)                                        // σ'(−6)·X

        // A network, trained the Keras way
        let model = Sequential([
            Dense(inputSize: 784, outputSize: 256, activation: .relu),
            Dropout(rate: 0.2),
            Dense(inputSize: 256, outputSize: 10),
        ])
        let trainer = Trainer(model: model, loss: .softmaxCrossEntropy(), optimizer: Optimizer(Adam(learningRate: 1e-3)),
                              metrics: [.accuracy])
        let (train, test) = try BuiltinDatasets.trainTest("fashion-mnist")
        let history = try trainer.fit(x: train.features, y: train.targets, batchSize: 128, epochs: 5, validationSplit: 0.1,
                                      callbacks: [EarlyStopping(patience: 2, restoreBestWeights: true)], verbose: true)
        print(try trainer.evaluate(x: test.features, y: test.targets))

        // What the comments say: σ(−6), and the gradient σ'(−6)·X with X = (−1, 2).
        let s = 1 / (1 + exp(6.0))
        #expect(abs(y.scalar - s) < 1e-6)
        expectClose(try #require(w.grad), [-s * (1 - s), 2 * s * (1 - s)], shape: [2], absolute: 1e-7, relative: 1e-4)
        #expect((1...5).contains(history.epochs.count) && history["val_loss"].count == history.epochs.count)
        let afterFloats = try trainer.evaluate(x: test.features, y: test.targets)
        #expect(try #require(afterFloats["accuracy"]) > 0.85)

        // README block "The library", byte images: the same trainer, five more epochs from bytes.
        let (trainImages, testImages) = try IDXDataset.fashionMNISTImages()   // 47 MB instead of 188 MB for the training set
        try trainer.fit(trainImages, batchSize: 128, epochs: 5)
        print(try trainer.evaluate(testImages))

        let afterBytes = try trainer.evaluate(testImages)
        #expect(try #require(afterBytes["accuracy"]) > 0.86)
    }

    @Test func backpropagationTracePrintsWhatTheReadmeShows() throws {
        var w = Tensor([3, -2]); w.requiresGradient = true
        print(BackpropagationTrace(leaves: ["w": w]) { ((w * Tensor([-1, 2])).sum() + 1).sigmoid() })

        let shown = Self.commentLines(after: "print(BackpropagationTrace(")
        #expect(shown.count == 6, "README's trace has a header and five rows")
        let printed = BackpropagationTrace(leaves: ["w": w]) { ((w * Tensor([-1, 2])).sum() + 1).sigmoid() }.description
        let squeeze = { (line: String) in line.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        let printedLines = printed.split(separator: "\n").map { squeeze(String($0)) }
        #expect(printedLines == shown.map(squeeze))
    }

    @Test func graphModelWithTwoInputs() throws {
        // README block "The library", graphs: the data it trains on, small.
        var g = RandomGenerator(seed: 3)
        let images = Tensor.randomUniform([64, 28, 28, 1], lowerBound: 0, upperBound: 1, using: &g)
        let rows = Tensor.randomNormal([64, 4], using: &g)
        let labels = Tensor(integers: (0..<64).map { Int32($0 % 10) })
        let image = SymbolicTensor.input(shape: [28, 28, 1], name: "image"), table = SymbolicTensor.input(shape: [4], name: "table")
        let c = Conv2D(inputChannels: 1, filters: 16, kernelSize: (3, 3), padding: .same, activation: .relu)(image)
        let r = Add()([c, Conv2D(inputChannels: 16, filters: 16, kernelSize: (3, 3), padding: .same)(c)])   // residual
        let joined = Concatenate()([GlobalAveragePool2D()(r), Dense(inputSize: 4, outputSize: 8, activation: .relu)(table)])
        let model = GraphModel(inputs: [image, table], outputs: [Dense(inputSize: 24, outputSize: 10)(joined)])
        try Trainer(model: model, loss: .softmaxCrossEntropy(), optimizer: Optimizer(Adam()))
            .fit(MultiInputPairs(inputs: [images, rows], y: labels), batchSize: 64, epochs: 5)
        #expect(model.nodes.map(\.name) == ["conv2D", "conv2D_1", "add", "globalAveragePool2D", "dense", "concatenate", "dense_1"])
        #expect(model.predict([images, rows]).shape == [64, 10])
    }

    @Test func characterModelOnAText() throws {
        // README block "The library", sequences.
        // A character model on any UTF-8 text, then a sample from it
        let text = try TextFile.read("/usr/share/common-licenses/GPL-3")
        let (train, test) = try Dataset.languageModel(text: text, name: "GPL-3", length: 100)   // next-character windows
        let characters = train.classNames!.count
        let model = Sequential([
            Embedding(vocabularySize: characters, dimension: 32),
            LSTM(inputSize: 32, units: 128, returnSequences: true),
            Dense(inputSize: 128, outputSize: characters),   // logits at every step
        ])
        let trainer = Trainer(model: model, loss: .softmaxCrossEntropy(), optimizer: Optimizer(Adam(learningRate: 2e-3)))
        try trainer.fit(train, batchSize: 32, epochs: 3)
        print(try trainer.evaluate(test))                    // loss in nats per character
        let generator = TextGenerator(model: model, vectorizer: train.textVectorizer!)
        print(try generator.generate(prompt: "The GNU ", length: 200, temperature: 0.8, seed: 1))
        #expect(try trainer.evaluate(test)["loss"]! < log(Double(characters)))   // better than a uniform guess
        let sample = try generator.generate(prompt: "The GNU ", length: 200, temperature: 0.8, seed: 1)
        #expect(sample.hasPrefix("The GNU ") && sample.count == 208)
    }
}
