import Foundation
import Testing
import NeuralKit
import _TestSupport

@Suite struct MaskTests {
    /// Four sequences of lengths 5, 3, 1 and 4 (ids 1…9), padded with 0 to length 5.
    static let sequences: [[Int32]] = [[3, 7, 1, 9, 2], [4, 4, 8], [6], [2, 9, 5, 1]]
    static let labels: [Int32] = [2, 0, 1, 2]

    static func padded(_ rows: [[Int32]], to length: Int) -> Tensor {
        Tensor(shape: [rows.count, length], integers: rows.flatMap { $0 + Array(repeating: 0, count: length - $0.count) })
    }

    /// Embedding(maskZero) → masked global average pooling → Dense, as a graph model, in Float64.
    static func model() -> GraphModel {
        let ids = SymbolicTensor.input(shape: [5], name: "ids")
        let vectors = Embedding(vocabularySize: 10, dimension: 4, maskZero: true, initializer: .uniform(lowerBound: -1, upperBound: 1), seed: 1)(ids)
        let logits = Dense(inputSize: 4, outputSize: 3, activation: .identity, seed: 2)(GlobalAveragePooling1D()(vectors))
        let model = GraphModel(inputs: [ids], outputs: [logits])
        model.convert(to: .float64)
        return model
    }

    static func gradients(_ model: Module) -> [Double] { model.parameters.flatMap { $0.gradient?.values ?? [] } }

    /// The issue's must-show: the padded batch's loss and gradients equal the mean of each unpadded sequence's, run
    /// alone, to 1e-12.
    @Test func paddedBatchEqualsTheUnpaddedSequencesOneByOne() throws {
        let model = Self.model()
        let loss = Loss.softmaxCrossEntropy()
        let (logits, mask) = model.maskedCall([Self.padded(Self.sequences, to: 5)], masks: [nil])
        #expect(mask == nil)   // pooling consumed the padding mask
        let batchLoss = loss(predictions: logits, targets: Tensor(integers: Self.labels))
        batchLoss.backward()
        let batchGradients = Self.gradients(model)
        #expect(batchGradients.count == 40 + 12 + 3 && batchGradients.contains { $0 != 0 })

        var oneByOne = 0.0, summed = [Double](repeating: 0, count: batchGradients.count)
        for (sequence, label) in zip(Self.sequences, Self.labels) {
            model.zeroGradients()
            let value = loss(predictions: Self.run(model, sequence), targets: Tensor(integers: [label]))
            value.backward()
            oneByOne += value.scalar / Double(Self.sequences.count)
            for (i, g) in Self.gradients(model).enumerated() { summed[i] += g / Double(Self.sequences.count) }
        }
        #expect(Swift.abs(batchLoss.scalar - oneByOne) < 1e-12, "\(batchLoss.scalar) vs \(oneByOne)")
        let worst = zip(batchGradients, summed).map { Swift.abs($0 - $1) }.max()!
        #expect(worst < 1e-12, "largest gradient difference \(worst)")
    }

    /// The same layers on one unpadded sequence [1, length] (no mask anywhere).
    static func run(_ model: GraphModel, _ sequence: [Int32]) -> Tensor {
        let x = Tensor(shape: [1, sequence.count], integers: sequence)
        return model.layers[2](model.layers[1](model.layers[0](x)))
    }

    @Test func maskedPoolingAveragesOnlyWhatCountsAndChecksItsGradient() {
        let x = randomTensor([3, 4, 2], seed: 5)
        let mask = Tensor(shape: [3, 4], integers: [1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0])
        let pooled = GlobalAveragePooling1D()([x], masks: [mask])
        expectClose(pooled.slice(alongAxis: 0, 0..<1), x.slice(alongAxis: 0, 0..<1).slice(alongAxis: 1, 0..<2).mean(alongAxes: [1]).values)
        expectClose(pooled.slice(alongAxis: 0, 1..<2), x.slice(alongAxis: 0, 1..<2).mean(alongAxes: [1]).values)
        #expect(pooled.slice(alongAxis: 0, 2..<3).values == [0, 0])   // fully masked: zeros, not NaN
        let result = checkGradients(of: { GlobalAveragePooling1D()([$0[0]], masks: [mask]) }, at: [x],
                                    absoluteTolerance: tightGradientTolerance.absolute, relativeTolerance: tightGradientTolerance.relative)
        #expect(result.passed, "\(result)")
    }

    /// Per-step outputs: Embedding(maskZero) → Dense on every step. The loss is the mean over unpadded steps and the
    /// accuracy counts unpadded steps only: labels at padded steps change neither.
    @Test func paddingMaskReachesTheLossAndTheMetrics() throws {
        let model = Sequential([Embedding(vocabularySize: 10, dimension: 3, maskZero: true, seed: 3), Dense(inputSize: 3, outputSize: 4, seed: 4)])
        let ids = Self.padded(Self.sequences, to: 5)
        let (logits, mask) = model.maskedCall([ids], masks: [nil])
        #expect(logits.shape == [4, 5, 4] && mask?.integers == ids.integers.map { $0 != 0 ? 1 : 0 })
        let steps = [2, 1, 0, 3, 1, 0, 2, 3, 0, 0, 1, 0, 0, 0, 0, 2, 2, 1, 0, 0] as [Int32]
        var garbage = steps
        for (i, id) in ids.integers.enumerated() where id == 0 { garbage[i] = 3 - steps[i] }
        let trainer = Trainer(model: model, loss: .softmaxCrossEntropy(), optimizer: Optimizer(SGD()), metrics: [.accuracy])
        let logs = try trainer.evaluate(x: ids, y: Tensor(shape: [4, 5], integers: steps))
        #expect(logs == (try trainer.evaluate(x: ids, y: Tensor(shape: [4, 5], integers: garbage))))
        // By hand over the 13 unpadded steps.
        let rows = logits.reshaped(to: [20, 4]).values, kept = ids.integers.indices.filter { ids.integers[$0] != 0 }
        var lossSum = 0.0, hits = 0
        for i in kept {
            let row = Array(rows[(i * 4)..<(i * 4 + 4)]), m = row.max()!
            let partition: Double = row.map { Foundation.exp($0 - m) }.reduce(0, +)
            lossSum += Foundation.log(partition) + m - row[Int(steps[i])]
            if row.firstIndex(of: m) == Int(steps[i]) { hits += 1 }
        }
        #expect(kept.count == 13)
        #expect(Swift.abs(logs["loss"]! - lossSum / 13) < 1e-6, "\(logs["loss"]!) vs \(lossSum / 13)")
        #expect(logs["accuracy"] == Double(hits) / 13)
    }

    @Test func masksFollowTheLayersThatKeepTheirPositions() {
        let ids = Tensor(shape: [2, 3], integers: [1, 2, 0, 3, 0, 0])
        let embed = Embedding(vocabularySize: 4, dimension: 2, maskZero: true, seed: 1)
        let (vectors, mask) = embed.maskedCall([ids], masks: [nil])
        #expect(mask?.integers == [1, 1, 0, 1, 0, 0])
        #expect(Dense(inputSize: 2, outputSize: 5, seed: 2).maskedCall([vectors], masks: [mask]).mask == mask)   // per step
        #expect(Flatten().maskedCall([vectors], masks: [mask]).mask == nil)   // the steps are gone
        let other = Tensor(shape: [2, 3], integers: [1, 0, 1, 1, 1, 0])
        #expect(Add().maskedCall([vectors, vectors], masks: [mask, other]).mask?.integers == [1, 0, 0, 1, 0, 0])
        #expect(Embedding(vocabularySize: 4, dimension: 2, seed: 1).maskedCall([ids], masks: [nil]).mask == nil)
    }
}
