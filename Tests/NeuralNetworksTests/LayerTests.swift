import Testing
import NeuralKit
import _TestSupport

/// One row per layer: how to build it, an input shape, the expected output shape and parameters.
struct LayerCase: CustomTestStringConvertible, @unchecked Sendable {
    let name: String
    let make: () -> Module
    let input: [Int]
    let output: [Int]
    /// Expected (name, element count) of every parameter, in order.
    let parameters: [(String, Int)]
    var domain: ClosedRange<Double> = -2...2
    var gap: Double = 0
    var prepare: (Module) -> Void = { _ in }
    var testDescription: String { name }
}

let layerTable: [LayerCase] = [
    LayerCase(name: "Dense", make: { Dense(inputSize: 3, outputSize: 4, seed: 1) }, input: [5, 3], output: [5, 4],
              parameters: [("weight", 12), ("bias", 4)]),
    LayerCase(name: "Dense tanh no bias", make: { Dense(inputSize: 3, outputSize: 2, activation: .tanh, useBias: false, seed: 2) },
              input: [4, 3], output: [4, 2], parameters: [("weight", 6)]),
    LayerCase(name: "Dense 3-D input", make: { Dense(inputSize: 3, outputSize: 2, activation: .sigmoid, seed: 3) },
              input: [2, 4, 3], output: [2, 4, 2], parameters: [("weight", 6), ("bias", 2)]),
    LayerCase(name: "Sigmoid", make: { Sigmoid() }, input: [3, 4], output: [3, 4], parameters: []),
    LayerCase(name: "Tanh", make: { Tanh() }, input: [3, 4], output: [3, 4], parameters: []),
    LayerCase(name: "ReLU", make: { ReLU() }, input: [3, 4], output: [3, 4], parameters: [], gap: 0.1),
    LayerCase(name: "LeakyReLU", make: { LeakyReLU(alpha: 0.1) }, input: [3, 4], output: [3, 4], parameters: [], gap: 0.1),
    LayerCase(name: "ELU", make: { ELU(alpha: 1.2) }, input: [3, 4], output: [3, 4], parameters: [], gap: 0.1),
    LayerCase(name: "Softplus", make: { Softplus() }, input: [3, 4], output: [3, 4], parameters: []),
    LayerCase(name: "Softmax", make: { Softmax() }, input: [3, 4], output: [3, 4], parameters: []),
    LayerCase(name: "PReLU per feature", make: { PReLU(featureCount: 4) }, input: [3, 4], output: [3, 4],
              parameters: [("alpha", 4)], gap: 0.1),
    LayerCase(name: "PReLU shared", make: { PReLU(featureCount: nil) }, input: [3, 4], output: [3, 4],
              parameters: [("alpha", 1)], gap: 0.1),
    LayerCase(name: "Maxout", make: { Maxout(inputSize: 3, outputSize: 2, pieceCount: 3, seed: 4) }, input: [5, 3],
              output: [5, 2], parameters: [("weight", 18), ("bias", 6)]),
    LayerCase(name: "Dropout (fixed mask)", make: { Dropout(rate: 0.4, seed: 9) }, input: [4, 5], output: [4, 5],
              parameters: [], prepare: { ($0 as! Dropout).generator = RandomGenerator(seed: 9) }),
    LayerCase(name: "BatchNorm (training)", make: { BatchNorm(featureCount: 3) }, input: [6, 3], output: [6, 3],
              parameters: [("gamma", 3), ("beta", 3), ("runningMean", 3), ("runningVariance", 3)]),
    LayerCase(name: "BatchNorm images", make: { BatchNorm(featureCount: 2, momentum: 0.9, epsilon: 1e-5) },
              input: [2, 3, 3, 2], output: [2, 3, 3, 2],
              parameters: [("gamma", 2), ("beta", 2), ("runningMean", 2), ("runningVariance", 2)]),
    LayerCase(name: "Normalization (adapted)", make: {
        let n = Normalization(featureCount: 2)
        n.adapt(to: [randomTensor([7, 2], seed: 21, in: -3...5)])
        return n
    }, input: [2, 3, 3, 2], output: [2, 3, 3, 2], parameters: [("mean", 2), ("variance", 2)]),
    LayerCase(name: "Flatten", make: { Flatten() }, input: [2, 3, 4], output: [2, 12], parameters: []),
    LayerCase(name: "Reshape", make: { Reshape([2, 6]) }, input: [3, 12], output: [3, 2, 6], parameters: []),
    LayerCase(name: "Conv2D", make: { Conv2D(inputChannels: 2, filters: 3, kernelSize: (3, 2), activation: .tanh, seed: 7) },
              input: [2, 5, 4, 2], output: [2, 3, 3, 3], parameters: [("kernel", 36), ("bias", 3)]),
    LayerCase(name: "Conv2D strided same", make: {
        Conv2D(inputChannels: 1, filters: 2, kernelSize: (3, 3), strides: (2, 2), padding: .same, useBias: false, seed: 8)
    }, input: [1, 5, 5, 1], output: [1, 3, 3, 2], parameters: [("kernel", 18)]),
    LayerCase(name: "MaxPool2D", make: { MaxPool2D() }, input: [2, 4, 4, 3], output: [2, 2, 2, 3], parameters: []),
    LayerCase(name: "AvgPool2D", make: { AvgPool2D(poolSize: (3, 3), strides: (1, 1), padding: .same) }, input: [1, 4, 4, 2],
              output: [1, 4, 4, 2], parameters: []),
    LayerCase(name: "GlobalAveragePool2D", make: { GlobalAveragePool2D() }, input: [2, 3, 4, 5], output: [2, 5], parameters: []),
    // Conv2D + MaxPool2D run as one op inside Sequential (fused relu), or as two when the activation is not fused (ELU).
    LayerCase(name: "Sequential conv + max pool", make: {
        Sequential([Conv2D(inputChannels: 2, filters: 3, kernelSize: (3, 3), activation: .relu, seed: 15), MaxPool2D(),
                    Conv2D(inputChannels: 3, filters: 2, kernelSize: (2, 2), padding: .same, activation: .elu(alpha: 1), seed: 16),
                    MaxPool2D(poolSize: (2, 2), padding: .same)])
    }, input: [2, 7, 8, 2], output: [2, 1, 2, 2],
    parameters: [("layers.0.kernel", 54), ("layers.0.bias", 3), ("layers.2.kernel", 24), ("layers.2.bias", 2)]),
    LayerCase(name: "Sequential", make: {
        Sequential([Dense(inputSize: 3, outputSize: 4, activation: .relu, seed: 5), Dropout(rate: 0),
                    Dense(inputSize: 4, outputSize: 2, seed: 6)])
    }, input: [5, 3], output: [5, 2],
    parameters: [("layers.0.weight", 12), ("layers.0.bias", 4), ("layers.2.weight", 8), ("layers.2.bias", 2)]),
]

@Suite struct LayerTests {
    @Test(arguments: layerTable)
    func shapesAndParameters(_ row: LayerCase) throws {
        let layer = row.make()
        #expect(try layer.outputShape(for: row.input) == row.output)
        let y = layer(randomTensor(row.input, seed: 1, dtype: .float32))
        #expect(y.shape == row.output)
        let named = layer.namedParameters
        #expect(named.map(\.name) == row.parameters.map(\.0))
        #expect(named.map(\.parameter.value.count) == row.parameters.map(\.1))
    }

    @Test(arguments: layerTable)
    func gradientCheckInputsAndParameters(_ row: LayerCase) {
        let layer = row.make()
        let x = randomTensor(row.input, seed: 3, in: row.domain, awayFromZero: row.gap)
        let result = checkGradients(of: layer, at: x, absoluteTolerance: tightGradientTolerance.absolute,
                                    relativeTolerance: tightGradientTolerance.relative) { row.prepare(layer) }
        #expect(result.passed, "\(result)")
        let expected = row.input.reduce(1, *) + layer.namedParameters.filter { $0.parameter.requiresGradient }
            .reduce(0) { $0 + $1.parameter.value.count }
        #expect(result.checkedCount == expected)
    }

    /// Dense and Conv2D give activation(z + bias) for every activation, whether fused into their op
    /// (identity, relu, tanh, sigmoid: `Activation.fused`) or applied afterwards as its own op.
    @Test(arguments: [Activation.identity, .relu, .tanh, .sigmoid, .leakyRelu(alpha: 0.1), .elu(alpha: 1), .softplus, .softmax,
                      .selu, .gelu(approximate: false), .gelu(approximate: true), .silu, .softsign])
    func layersApplyTheirActivation(_ activation: Activation) {
        #expect((activation.fused != nil) == [.identity, .relu, .tanh, .sigmoid].contains(activation))
        let dense = Dense(inputSize: 3, outputSize: 4, activation: activation, seed: 11)
        let x = randomTensor([5, 3], seed: 12, dtype: .float32)
        let z = x.matmul(dense.weight.value) + dense.bias!.value
        expectClose(dense(x), activation(z).values, absolute: 1e-5)
        let conv = Conv2D(inputChannels: 2, filters: 3, kernelSize: (2, 2), activation: activation, seed: 13)
        let image = randomTensor([2, 4, 3, 2], seed: 14, dtype: .float32)
        let zc = image.conv2d(conv.kernel.value) + conv.bias!.value
        expectClose(conv(image), activation(zc).values, absolute: 1e-5)
    }

    /// Sequential runs a Conv2D followed by a MaxPool2D as one op: the same output and gradients as the layers
    /// called one by one.
    @Test func sequentialFusesConvolutionAndMaxPoolingWithoutChangingResults() {
        let conv = Conv2D(inputChannels: 3, filters: 32, kernelSize: (3, 3), activation: .relu, seed: 17), pool = MaxPool2D()
        let model = Sequential([conv, pool, Flatten()])
        let x = randomTensor([4, 10, 9, 3], seed: 18, dtype: .float32)
        let fused = model(x)
        fused.sum().backward()
        let fusedGradient = conv.kernel.value.grad!.values
        model.zeroGradients()
        let separate = Flatten()(pool(conv(x)))
        separate.sum().backward()
        #expect(fused.shape == [4, 4 * 3 * 32])
        #expect(fused.values == separate.values)
        #expect(fusedGradient == conv.kernel.value.grad!.values)
    }

    @Test func shapeMismatchNamesTheLayer() {
        let model = Sequential([Dense(inputSize: 4, outputSize: 3), Dense(inputSize: 5, outputSize: 1)])
        #expect(throws: ModuleError.shapeMismatch(layer: "Dense(5→1)", expected: "[batch, …, 5]", found: [1, 3])) {
            try model.checkInput(shape: [1, 4])
        }
        let error = #expect(throws: ModuleError.self) { try model.checkInput(shape: [1, 7]) }
        #expect(error?.description == "Dense(4→3): expected input [batch, …, 4], found shape [1, 7]")
    }

    @Test func dropoutChangesTrainingOutputsButNotInference() {
        let drop = Dropout(rate: 0.5, seed: 1)
        let x = Tensor.ones([100, 100])
        let trained = drop(x).values
        #expect(trained.contains(0) && trained.contains(2))
        #expect(Swift.abs(trained.reduce(0, +) / 10_000 - 1) < 0.05)  // inverted scaling keeps the mean
        drop.setTraining(false)
        #expect(drop(x).values == x.values)
    }

    @Test func batchNormUsesRunningAveragesAtInference() {
        let bn = BatchNorm(featureCount: 2, momentum: 0.5, epsilon: 0)
        let x = Tensor(rows: [[1, 10], [3, 30]])
        let y = bn(x)
        // batch mean [2, 20], biased variance [1, 100]: normalized to ±1
        expectClose(y, [-1, -1, 1, 1], absolute: 1e-5)
        // running = 0.5·init + 0.5·batch; unbiased variance [2, 200]
        expectClose(bn.runningMean.value, [1, 10])
        expectClose(bn.runningVariance.value, [1.5, 100.5])
        bn.setTraining(false)
        expectClose(bn(Tensor(rows: [[1, 10]])), [0, 0], absolute: 1e-6)
    }

    @Test func normalizationStandardizesEachChannel() {
        let norm = Normalization(featureCount: 2)
        expectClose(norm(Tensor(rows: [[1, 10]])), [1, 10])   // mean 0, variance 1 until adapted
        norm.adapt(to: [Tensor(rows: [[1, 10], [3, 30]])])
        // mean [2, 20], biased variance [1, 100]
        expectClose(norm.mean.value, [2, 20])
        expectClose(norm.variance.value, [1, 100])
        expectClose(norm(Tensor(rows: [[1, 10], [3, 30], [4, 0]])), [-1, -1, 1, 1, 2, -2], absolute: 1e-6)
        #expect(norm.trainableParameters.isEmpty)
        // A constant feature is centred, not divided by zero.
        norm.adapt(to: [Tensor(rows: [[5, 1], [5, 3]])])
        expectClose(norm(Tensor(rows: [[5, 2]])), [0, 0], absolute: 1e-6)
    }

    /// Batches of any sizes give the statistics of all their rows at once: a two-pass Float64 reference.
    @Test func normalizationAdaptsOverBatches() {
        let batches = [randomTensor([5, 3], seed: 31, in: 100...101), randomTensor([1, 3], seed: 32, in: 99...103),
                       randomTensor([11, 3], seed: 33, in: 100...100.5)]
        let norm = Normalization(featureCount: 3)
        norm.adapt(to: batches)
        let values: [Double] = batches.flatMap(\.values), n = Double(values.count / 3)
        var mean = [0.0, 0, 0], variance = [0.0, 0, 0]
        for (i, v) in values.enumerated() { mean[i % 3] += v / n }
        for (i, v) in values.enumerated() { variance[i % 3] += (v - mean[i % 3]) * (v - mean[i % 3]) / n }
        expectClose(norm.mean.value, mean, relative: 1e-6)
        expectClose(norm.variance.value, variance, relative: 1e-4)
    }

    /// Sequential adapts each normalization to what reaches it, in inference mode, batch by batch.
    @Test func sequentialAdaptsNormalizationsToTheirInputs() {
        let dense = Dense(inputSize: 3, outputSize: 4, activation: .tanh, seed: 41)
        let model = Sequential([dense, Dropout(rate: 0.5, seed: 1), Normalization(featureCount: 4)])
        let x = randomTensor([10, 3], seed: 42, dtype: .float32)
        model.adaptNormalizations(to: x, batchSize: 3)
        #expect(model.isTraining)
        let norm = model.layers[2] as! Normalization
        let h = dense(x)   // dropout is off while adapting
        expectClose(norm.mean.value, h.mean(alongAxes: [0]).values, absolute: 1e-6)
        expectClose(norm.variance.value, h.variance(alongAxes: [0]).values, absolute: 1e-6)
        model.setTraining(false)
        let y = model(x)
        expectClose(y.mean(alongAxes: [0]), [0, 0, 0, 0], absolute: 1e-5)
        expectClose(y.variance(alongAxes: [0]), [1, 1, 1, 1], absolute: 1e-4)
    }

    @Test func maxoutTakesTheLargestPiece() {
        let m = Maxout(inputSize: 1, outputSize: 1, pieceCount: 2, seed: 1)
        m.weight.assign(Tensor(rows: [[1, -1]]))   // pieces x and −x: maxout = |x|
        expectClose(m(Tensor(rows: [[-3], [2]])), [3, 2])
    }

    @Test func preluLearnsItsSlope() {
        let p = PReLU(featureCount: nil, initialAlpha: 0.25)
        expectClose(p(Tensor([-4, 2]).reshaped(to: [2, 1])), [-1, 2])
    }
}
