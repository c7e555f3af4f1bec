import Testing
import NeuralKit
import _TestSupport

final class Block: Module {
    let first = Dense(inputSize: 2, outputSize: 3, seed: 1)
    let heads: [Module] = [Dense(inputSize: 3, outputSize: 1, seed: 2), PReLU(featureCount: 1)]
    let scale = Parameter(Tensor([2]))
    let optionalLayer: Dense? = Dense(inputSize: 1, outputSize: 1, useBias: false, seed: 3)
    let missing: Dense? = nil

    override func callAsFunction(_ input: Tensor) -> Tensor {
        optionalLayer!(heads[1](heads[0](first(input)))) * scale.value
    }
}

@Suite struct ModuleTests {
    @Test func parametersAreFoundByReflectionAndNamedByPath() {
        let names = Block().namedParameters.map(\.name)
        #expect(names == ["first.weight", "first.bias", "heads.0.weight", "heads.0.bias", "heads.1.alpha", "scale",
                          "optionalLayer.weight"])
        #expect(Block().parameterCount == 6 + 3 + 3 + 1 + 1 + 1 + 1)
    }

    @Test func freezingStopsGradientsAndUpdates() {
        let b = Block()
        b.first.freeze()
        #expect(b.trainableParameters.map(\.name).allSatisfy { !$0.hasPrefix("first.") })
        let before = b.first.weight.value
        let optimizer = Optimizer(SGD(learningRate: 0.1))
        b(Tensor.ones([4, 2])).sum().backward()
        optimizer.update(b.trainableParameters)
        #expect(b.first.weight.value == before)
        #expect(b.first.weight.gradient == nil)
        b.unfreeze()
        #expect(b.trainableParameters.count == 7)
    }

    @Test func trainingModeReachesEveryModule() {
        let model = Sequential([Dense(inputSize: 2, outputSize: 2), Dropout(rate: 0.5)])
        model.setTraining(false)
        #expect(model.layers.allSatisfy { !$0.isTraining })
    }

    @Test func stateDictRoundTripsAndRejectsMismatches() throws {
        let a = Block(), b = Block()
        b.scale.assign(Tensor([5]))
        try a.loadStateDict(b.stateDict())
        #expect(a.scale.value.values == [5])
        var state = b.stateDict()
        state["scale"] = Tensor([1, 2])
        #expect(throws: ModuleError.self) { try a.loadStateDict(state) }
        state["scale"] = nil
        #expect(throws: ModuleError.stateMismatch("missing parameter 'scale'")) { try a.loadStateDict(state) }
    }

    @Test func summaryListsLayersShapesAndCounts() throws {
        let model = Sequential([Dense(inputSize: 784, outputSize: 256, activation: .relu), Dropout(rate: 0.2),
                                Dense(inputSize: 256, outputSize: 10), BatchNorm(featureCount: 10)])
        let text = try model.summary(inputShape: [1, 784])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[2].hasPrefix("0 Dense (relu)") && lines[2].contains("(None, 256)") && lines[2].hasSuffix("200960"))
        #expect(lines[3].contains("Dropout") && lines[3].hasSuffix(" 0"))
        #expect(lines[5].contains("BatchNorm") && lines[5].hasSuffix("40"))
        // 784·256 + 256 = 200960; 256·10 + 10 = 2570; BatchNorm γ, β (trainable) + running mean, variance = 40
        #expect(text.contains("Total params: 203570"))
        #expect(text.contains("Trainable params: 203550"))
        #expect(text.contains("Non-trainable params: 20"))
    }

    @Test func predictBatchesWithoutRecording() {
        let model = Sequential([Dense(inputSize: 3, outputSize: 2, seed: 1)])
        let x = randomTensor([10, 3], seed: 1, dtype: .float32)
        let whole = model.predict(x, batchSize: 100), batched = model.predict(x, batchSize: 3)
        #expect(!whole.requiresGradient)
        expectClose(batched, whole.values)
    }

    @Test func regularizationPenaltiesAddUp() {
        let d = Dense(inputSize: 2, outputSize: 1, weightRegularizer: .l2(0.5), biasRegularizer: .l1(2), seed: 1)
        d.weight.assign(Tensor(rows: [[1], [-2]]))
        d.bias!.assign(Tensor([-3]))
        // 0.5·(1 + 4) + 2·3
        #expect(d.regularizationPenalty()?.scalar == 8.5)
        #expect(Regularizer.elasticNet(l1: 1, l2: 1).penalty(Tensor([1, -2])).scalar == 3 + 5)
    }

    @Test func seedsMakeModelsReproducible() {
        RandomSeeds.reset(to: 7)
        let a = Dense(inputSize: 4, outputSize: 4)
        RandomSeeds.reset(to: 7)
        let b = Dense(inputSize: 4, outputSize: 4)
        #expect(a.weight.value == b.weight.value)
        let c = Dense(inputSize: 4, outputSize: 4)
        #expect(c.weight.value != b.weight.value)
    }
}
