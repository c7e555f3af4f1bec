import Testing
import NeuralKit
import Playground

@Suite struct PlaygroundSessionTests {
    @Test func xorTrainsToATestLossBelowOneTenth() throws {
        var c = PlaygroundConfiguration()
        c.dataset = "xor"
        c.hidden = [(8, "tanh"), (8, "tanh")]
        c.optimizer = "adam"
        c.learningRate = 0.03
        let session = try PlaygroundSession(c)
        try session.train(epochs: 150)
        #expect(session.epoch == 150)
        #expect(session.testLoss < 0.1, "test loss \(session.testLoss)")
        let surface = session.decisionSurface(resolution: 20)
        #expect(surface.count == 400 && surface.allSatisfy { $0 >= 0 && $0 <= 1 })
        // XOR: top-left (x1 < 0, x2 > 0) is class 0, top-right class 1
        #expect(surface[20 * 2 + 2] < 0.5 && surface[20 * 2 + 17] > 0.5)
        // a heatmap for every neuron: the 2 inputs, both hidden layers of 8, and the output
        let state = session.state(resolution: 10, neuronResolution: 6)
        guard case .array(let layers)? = state["neurons"] else { Issue.record("no neurons"); return }
        let counts = layers.map { layer -> Int in if case .array(let ns) = layer { return ns.count }; return -1 }
        #expect(counts == [2, 8, 8, 1])
    }

    /// A diverging run (SGD at the largest allowed rate on a regression plane, ReLU) still sends valid JSON:
    /// losses and weights that overflow to infinity or NaN are written as null, as JavaScript's JSON.stringify does.
    @Test func aDivergingSessionsStateIsValidJSON() throws {
        var c = PlaygroundConfiguration()
        c.dataset = "plane"
        c.hidden = [(8, "relu"), (8, "relu")]
        c.optimizer = "sgd"
        c.learningRate = 10
        let session = try PlaygroundSession(c)
        try session.train(epochs: 20)
        #expect(!session.trainLoss.isFinite, "the run did not diverge: loss \(session.trainLoss)")
        let text = session.state(resolution: 4, neuronResolution: 2).compactText
        let parsed = try JSONParser.parse(Array(text.utf8))
        #expect(parsed["trainLoss"] == .null)
    }

    /// Every activation the page offers trains: two hidden layers of it separate the two Gaussians.
    @Test(arguments: PlaygroundConfiguration.activations)
    func everyActivationLearnsTheGaussians(_ activation: String) throws {
        var c = PlaygroundConfiguration()
        c.dataset = "gaussians"
        c.hidden = [(4, activation), (4, activation)]
        c.optimizer = "adam"
        c.learningRate = 0.03
        let session = try PlaygroundSession(c)
        let before = session.testLoss
        try session.train(epochs: 30)
        #expect(session.testLoss < 0.01 && session.testLoss < before / 4, "test loss \(before) → \(session.testLoss)")
    }

    /// The trace of one training point: its last step is that point's loss as `evaluate` gives it, and each weight's
    /// gradient is the one a backward pass of that loss leaves on the weight; training's gradients are untouched.
    @Test func backpropagationOfOnePointMatchesItsBackwardPass() throws {
        var c = PlaygroundConfiguration()
        c.dataset = "spiral3"
        c.hidden = [(4, "tanh"), (3, "gelu")]
        c.batchNorm = true
        c.dropout = 0.2
        let session = try PlaygroundSession(c)
        try session.train(epochs: 3)
        let k = 7
        let before = session.model.namedParameters.map { $0.parameter.gradient?.values }
        let trace = try session.backpropagation(example: k)
        #expect(session.model.namedParameters.map { $0.parameter.gradient?.values } == before)
        let x = session.features(session.train.features.slice(alongAxis: 0, k..<(k + 1)))
        let y = session.train.targets.slice(alongAxis: 0, k..<(k + 1))
        let input = try #require(trace.steps.first { $0.op == "input" })
        #expect(input.value?.values == x.values && input.gradient?.shape == x.shape)
        let loss = try #require(trace.steps.last?.value?.scalar)
        #expect(Swift.abs(loss - (try session.trainer.evaluate(x: x, y: y)["loss"] ?? .nan)) < 1e-6)
        session.model.setTraining(false)
        session.trainer.loss(predictions: session.model(x), targets: y).backward()
        let trained = session.model.namedParameters.filter { $0.parameter.requiresGradient }
        #expect(trained.count == 10)   // 3 dense layers' weights and biases, 2 batch norms' scales and offsets
        for (name, parameter) in trained {
            let step = try #require(trace.steps.first { $0.op == name }, "\(name) is not in the trace")
            let expected = try #require(parameter.gradient).values
            let got = try #require(step.gradient).values
            #expect(zip(got, expected).allSatisfy { Swift.abs($0 - $1) <= 1e-6 * Swift.max(1, Swift.abs($1)) }, "\(name): \(got) vs \(expected)")
        }
        let e = #expect(throws: ConfigError.self) { try session.backpropagation(example: session.train.count) }
        #expect(e?.description == "example: expected a training point between 0 and \(session.train.count - 1), found \(session.train.count)")
    }

    @Test func sessionsAreIsolated() throws {
        var a = PlaygroundConfiguration(), b = PlaygroundConfiguration()
        a.dataset = "gaussians"
        b.dataset = "gaussians"
        let s1 = try PlaygroundSession(a), s2 = try PlaygroundSession(b)
        let before = s2.model.stateDict()
        try s1.train(epochs: 5)
        #expect(s2.model.stateDict().allSatisfy { $0.value == before[$0.key] })
        #expect(s1.model.stateDict().contains { $0.value != before[$0.key] })
        #expect(s2.epoch == 0)
    }

    @Test func multiclassRegressionAndEveryFeature() throws {
        var c = PlaygroundConfiguration()
        c.dataset = "spiral3"
        c.features = PlaygroundConfiguration.Feature.allCases
        c.hidden = [(8, "relu"), (8, "leakyRelu"), (6, "elu"), (4, "softplus"), (4, "sigmoid"), (3, "linear")]
        c.batchNorm = true
        c.dropout = 0.1
        c.regularization = .l2
        c.regularizationRate = 0.001
        c.optimizer = "rmsprop"
        c.schedule = "cosine"
        let s = try PlaygroundSession(c)
        try s.train(epochs: 2)
        #expect(Set(s.decisionSurface(resolution: 8)).isSubset(of: [0, 1, 2]))
        #expect(s.features(s.train.features).shape == [s.train.count, 7])
        var r = PlaygroundConfiguration()
        r.dataset = "plane"
        r.optimizer = "momentum"
        let plane = try PlaygroundSession(r)
        try plane.train(epochs: 20)
        #expect(plane.testLoss < 0.05)
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        let field: String
        let change: @Sendable (inout PlaygroundConfiguration) -> Void
        var testDescription: String { field }
    }

    static let bad: [Bad] = [
        Bad(field: "$.dataset") { $0.dataset = "moons" }, Bad(field: "$.noise") { $0.noise = 0.7 },
        Bad(field: "$.trainRatio") { $0.trainRatio = 0.95 }, Bad(field: "$.pointCount") { $0.pointCount = 5 },
        Bad(field: "$.features") { $0.features = [] }, Bad(field: "$.hidden") { $0.hidden = Array(repeating: (2, "tanh"), count: 7) },
        Bad(field: "$.hidden[0].neurons") { $0.hidden = [(9, "tanh")] },
        Bad(field: "$.hidden[1].activation") { $0.hidden = [(2, "tanh"), (2, "swish")] },
        Bad(field: "$.dropout") { $0.dropout = 1 }, Bad(field: "$.learningRate") { $0.learningRate = 11 },
        Bad(field: "$.optimizer") { $0.optimizer = "lion" }, Bad(field: "$.batchSize") { $0.batchSize = 31 },
        Bad(field: "$.regularizationRate") { $0.regularizationRate = -1 }, Bad(field: "$.schedule") { $0.schedule = "wavy" },
    ]

    @Test(arguments: bad)
    func everyFieldIsValidated(_ row: Bad) {
        var c = PlaygroundConfiguration()
        row.change(&c)
        let error = #expect(throws: ConfigError.self) { try PlaygroundSession(c) }
        #expect(error?.path == row.field, "\(error?.description ?? "none")")
    }
}
