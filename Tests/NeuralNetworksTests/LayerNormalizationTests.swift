import Testing
import NeuralKit
import _TestSupport

/// LayerNormalization against its closed form computed element by element in Float64, its gradients against
/// finite differences, and its model JSON (Keras's ε = 1e-3 by default).
@Suite struct LayerNormalizationTests {
    /// y = γ·(x − μ)/√(σ² + ε) + β with μ and the biased σ² over the last axis of each position.
    static func reference(_ x: [Double], shape: [Int], gamma: [Double], beta: [Double], epsilon: Double) -> [Double] {
        let f = shape.last!
        var y = x
        for row in stride(from: 0, to: x.count, by: f) {
            let slice = x[row..<(row + f)]
            let mean = slice.reduce(0, +) / Double(f)
            let variance = slice.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(f)
            for j in 0..<f { y[row + j] = gamma[j] * (x[row + j] - mean) / (variance + epsilon).squareRoot() + beta[j] }
        }
        return y
    }

    @Test(arguments: [([2, 5], 1e-3), ([2, 3, 4], 1e-3), ([3, 4], 0.5)])
    func matchesTheClosedForm(_ shape: [Int], _ epsilon: Double) {
        let norm = LayerNormalization(featureCount: shape.last!, epsilon: epsilon)
        norm.convert(to: .float64)
        let gamma = randomTensor([shape.last!], seed: 4, in: 0.5...2), beta = randomTensor([shape.last!], seed: 5)
        norm.gamma.assign(gamma)
        norm.beta.assign(beta)
        let x = randomTensor(shape, seed: 6, in: -3...3)
        expectClose(norm(x), Self.reference(x.values, shape: shape, gamma: gamma.values, beta: beta.values, epsilon: epsilon), shape: shape,
                    absolute: 1e-13, relative: 1e-13)
    }

    /// The lecture-style check by hand: [1, 2, 3, 4] has mean 2.5 and variance 1.25.
    @Test func aRowByHand() {
        let norm = LayerNormalization(featureCount: 4)
        norm.convert(to: .float64)
        let y = norm(Tensor(shape: [1, 4], values: [1, 2, 3, 4], dtype: .float64))
        expectClose(y, [-1.5, -0.5, 0.5, 1.5].map { $0 / (1.25 + 1e-3).squareRoot() }, shape: [1, 4], absolute: 1e-15, relative: 1e-15)
    }

    @Test(arguments: [[4, 3], [2, 3, 5]])
    func gradientsOfInputsAndParameters(_ shape: [Int]) {
        let norm = LayerNormalization(featureCount: shape.last!, epsilon: 1e-3)
        norm.gamma.assign(randomTensor([shape.last!], seed: 7, in: 0.5...2))
        norm.beta.assign(randomTensor([shape.last!], seed: 8))
        let result = checkGradients(of: norm, at: randomTensor(shape, seed: 9), absoluteTolerance: tightGradientTolerance.absolute,
                                    relativeTolerance: tightGradientTolerance.relative)
        #expect(result.passed, "\(result)")
        #expect(result.checkedCount == shape.reduce(1, *) + 2 * shape.last!)
    }

    @Test func keepsAPaddingMaskAndNormalizesEachStepAlone() {
        let ids = Tensor(shape: [2, 3], integers: [4, 2, 0, 1, 0, 0])
        let model = Sequential([Embedding(vocabularySize: 5, dimension: 4, maskZero: true, seed: 1), LayerNormalization(featureCount: 4)])
        let (y, mask) = model.maskedCall([ids], masks: [nil])
        #expect(mask?.shape == [2, 3] && mask.map { $0.integers } == [1, 1, 0, 1, 0, 0])
        // Step by step: the first sequence's first step equals the same id normalized alone.
        let alone = model(Tensor(shape: [1, 1], integers: [4]))
        #expect(Array(y.values.prefix(4)) == alone.values)
    }

    @Test func modelJSONTakesKerasEpsilonAndRoundTrips() throws {
        let text = #"{"input": [6, 8], "layers": [{"type": "layerNormalization"}, {"type": "layerNormalization", "epsilon": 1e-5}], "loss": "meanSquaredError"}"#
        let spec = try ModelSpec(json: Array(text.utf8))
        let layers = try #require(try spec.buildModel() as? Sequential).layers.compactMap { $0 as? LayerNormalization }
        #expect(layers.map(\.epsilon) == [1e-3, 1e-5] && LayerNormalization.defaultEpsilon == 1e-3)
        #expect(try spec.layerShapes().map(\.parameters) == [16, 16])
        #expect(try ModelSpec(json: Array(spec.json.utf8)).json == spec.json)
        #expect(spec.json.contains(#"{"type":"layerNormalization","epsilon":0.001}"#))
        let bad = #"{"input": [6], "layers": [{"type": "layerNormalization", "epsilon": -1}], "loss": "meanSquaredError"}"#
        #expect { _ = try ModelSpec(json: Array(bad.utf8)) } throws: { error in
            (error as? ConfigError)?.description == "$.layers[0].epsilon: epsilon must be ≥ 0, found -1.0"
        }
    }
}
