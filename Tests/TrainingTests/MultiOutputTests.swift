import Testing
import NeuralKit
import _TestSupport

/// A graph with two outputs trains with one loss per output, as Keras's `compile(loss=[…], loss_weights=[…])`.
@Suite struct MultiOutputTests {
    /// x ∈ [−1, 1]⁴; `kind` is whether x₀ + x₁ > 0 (2 classes), `size` is x₂ − x₃ (a number).
    static func data(count: Int, seed: UInt64) -> MultiInputPairs {
        let x = randomTensor([count, 4], seed: seed, in: -1...1, dtype: .float32)
        let v = x.values
        var kinds: [Double] = [], sizes: [Double] = []
        for i in 0..<count {
            kinds.append(v[4 * i] + v[4 * i + 1] > 0 ? 1 : 0)
            sizes.append(v[4 * i + 2] - v[4 * i + 3])
        }
        return MultiInputPairs(inputs: [x], targets: [Tensor(kinds), Tensor(shape: [count, 1], values: sizes)])
    }

    /// A shared trunk and two heads, named `kind` and `size`.
    static func model(seed: UInt64) -> GraphModel {
        let x = SymbolicTensor.input(shape: [4])
        let trunk = Dense(inputSize: 4, outputSize: 16, activation: .tanh, seed: seed)(x)
        return GraphModel(inputs: [x], outputs: [Dense(inputSize: 16, outputSize: 2, seed: seed + 1)(trunk, name: "kind"),
                                                 Dense(inputSize: 16, outputSize: 1, seed: seed + 2)(trunk, name: "size")])
    }

    static let losses: [Loss] = [.softmaxCrossEntropy(), .meanSquaredError()]

    /// One step's objective is w₀·loss₀ + w₁·loss₁, and its update is SGD on that sum's gradient: the same weights as
    /// the step written out by hand.
    @Test func aStepMinimizesTheWeightedSumOfTheLosses() throws {
        let batch = Self.data(count: 8, seed: 1).trainingBatch(Array(0..<8))
        let model = Self.model(seed: 3), byHand = Self.model(seed: 3)
        let trainer = Trainer(model: model, losses: Self.losses, lossWeights: [1, 0.5], optimizer: Optimizer(SGD(learningRate: 0.1)))
        let step = trainer.trainStep(inputs: batch.inputs, targets: batch.targets)

        let outputs = byHand.outputs(for: batch.inputs)
        let kindLoss = Self.losses[0](predictions: outputs[0], targets: batch.targets[0])
        let sizeLoss = Self.losses[1](predictions: outputs[1], targets: batch.targets[1])
        #expect(step.outputLosses == [kindLoss.scalar, sizeLoss.scalar])
        let objective = kindLoss * 1 + sizeLoss * 0.5
        #expect(step.loss == objective.scalar)
        objective.backward()
        Optimizer(SGD(learningRate: 0.1)).update(byHand.namedParameters)
        #expect(model.stateDict().keys.sorted() == byHand.stateDict().keys.sorted())
        for (name, value) in model.stateDict() { #expect(value.values == byHand.stateDict()[name]!.values, "\(name)") }
    }

    @Test func fitLogsEachOutputAndLearnsBoth() throws {
        let trainer = Trainer(model: Self.model(seed: 5), losses: Self.losses, optimizer: Optimizer(Adam(learningRate: 0.02)),
                              metrics: [.accuracy], seed: 2)
        let history = try trainer.fit(Self.data(count: 512, seed: 6), batchSize: 32, epochs: 30, validationSplit: 0.25)
        for key in ["loss", "kind_loss", "size_loss", "kind_accuracy", "size_accuracy", "val_loss", "val_kind_loss", "val_size_loss",
                    "val_kind_accuracy"] {
            #expect(history.values[key]?.count == 30, "\(key) in \(history.values.keys.sorted())")
        }
        let last = history.values.mapValues { $0.last! }
        #expect(Swift.abs(last["val_loss"]! - (last["val_kind_loss"]! + last["val_size_loss"]!)) < 1e-6)
        let test = Self.data(count: 256, seed: 7)
        let logs = try trainer.evaluate(test)
        #expect(logs["kind_accuracy"]! > 0.95 && logs["size_loss"]! < 0.01, "\(logs)")
        let outputs = try trainer.predictOutputs(test)
        #expect(outputs.map(\.shape) == [[256, 2], [256, 1]])
        #expect { _ = try trainer.predict(test) } throws: { error in
            "\(error)" == "predict: the model has 2 outputs (kind, size): use predictOutputs"
        }
    }

    @Test func lossesAndTargetsMustMatchTheOutputs() {
        let oneLoss = Trainer(model: Self.model(seed: 1), loss: .softmaxCrossEntropy(), optimizer: Optimizer(SGD()))
        #expect { try oneLoss.fit(Self.data(count: 16, seed: 1)) } throws: { error in
            "\(error)" == "fit: the model has 2 outputs (kind, size), the trainer 1 loss and the data 2 targets"
        }
        let twoLosses = Trainer(model: Self.model(seed: 1), losses: Self.losses, optimizer: Optimizer(SGD()))
        let oneTarget = MultiInputPairs(inputs: [Tensor.zeros([4, 4])], y: Tensor.zeros([4]))
        #expect { try twoLosses.evaluate(oneTarget) } throws: { error in
            "\(error)" == "evaluate: the model has 2 outputs (kind, size), the trainer 2 losses and the data 1 target"
        }
    }

    /// Model JSON holds one loss per output and their weights; a trainer built from it trains the two heads.
    @Test func modelJSONHoldsALossPerOutput() throws {
        let text = #"{"inputs": [{"name": "x", "shape": [4]}], "nodes": ["#
            + #"{"name": "trunk", "inputs": ["x"], "layer": {"type": "dense", "units": 16, "activation": "tanh"}},"#
            + #"{"name": "kind", "inputs": ["trunk"], "layer": {"type": "dense", "units": 2}},"#
            + #"{"name": "size", "inputs": ["trunk"], "layer": {"type": "dense", "units": 1}}], "outputs": ["kind", "size"],"#
            + #""loss": ["softmaxCrossEntropy", "meanSquaredError"], "lossWeights": [1, 0.5], "optimizer": {"type": "adam", "learningRate": 0.02}}"#
        let spec = try ModelSpec(json: Array(text.utf8))
        #expect(spec.trainingLosses == Self.losses && spec.lossWeights == [1, 0.5])
        #expect(try ModelSpec(json: Array(spec.json.utf8)).json == spec.json && spec.json.contains(#""lossWeights":[1,0.5]"#))
        RandomSeeds.reset(to: 1)
        let trainer = Trainer(model: try spec.buildModel(), losses: spec.trainingLosses, lossWeights: spec.lossWeights,
                              optimizer: Optimizer(spec.optimizer), metrics: [.accuracy], seed: 1)
        try trainer.fit(Self.data(count: 512, seed: 8), batchSize: 32, epochs: 30)
        let logs = try trainer.evaluate(Self.data(count: 256, seed: 9))
        #expect(logs["kind_accuracy"]! > 0.95 && logs["size_loss"]! < 0.01, "\(logs)")
        #expect(Swift.abs(logs["loss"]! - (logs["kind_loss"]! + 0.5 * logs["size_loss"]!)) < 1e-6)
        // One loss serves every output.
        let one = try ModelSpec(json: Array(text.replacingOccurrences(of: #"["softmaxCrossEntropy", "meanSquaredError"], "lossWeights": [1, 0.5]"#,
                                                                        with: #""meanSquaredError""#).utf8))
        #expect(one.trainingLosses == [.meanSquaredError(), .meanSquaredError()] && one.lossWeights == nil)
        for (bad, message) in [(#"["meanSquaredError", "meanSquaredError", "huber"], "lossWeights": [1, 0.5]"#,
                                "$.loss: 3 losses for 2 outputs (kind, size)"),
                               (#"["softmaxCrossEntropy", "meanSquaredError"], "lossWeights": [1]"#, "$.lossWeights: 1 weights for 2 outputs (kind, size)"),
                               (#"["softmaxCrossEntropy", "meanSquaredError"], "lossWeights": [1, -1]"#, "$.lossWeights[1]: a loss weight must be ≥ 0, found -1.0")] {
            let wrong = text.replacingOccurrences(of: #"["softmaxCrossEntropy", "meanSquaredError"], "lossWeights": [1, 0.5]"#, with: bad)
            #expect { _ = try ModelSpec(json: Array(wrong.utf8)) } throws: { error in (error as? ConfigError)?.description == message }
        }
    }
}
