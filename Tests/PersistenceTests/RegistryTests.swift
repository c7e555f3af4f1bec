import Testing
import NeuralKit
import _TestSupport

/// A layer defined outside NeuralKit: y = factor·x + shift, with a learned shift per feature.
final class ShiftScale: Module, ConfigurableLayer {
    let shift: Parameter
    let factor: Double

    init(featureCount: Int, factor: Double) {
        shift = Parameter(Tensor.full([featureCount], value: 0.5))
        self.factor = factor
    }

    override func callAsFunction(_ input: Tensor) -> Tensor { input * factor + shift.value }
    override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] { inputShape }

    /// `{"type": "shiftScale", "factor": 2}`; the factor defaults to 2.
    struct Configuration: UnaryLayerConfiguration {
        static let typeName = "shiftScale"
        static let fieldNames: Set<String> = ["factor"]
        var factor: Double
        init(factor: Double) { self.factor = factor }
        init(fields: Fields) throws(ConfigError) { factor = try fields.double("factor", default: 2) }
        var jsonFields: [(String, JSONValue)] { [("factor", .number(factor))] }
        func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            guard let features = input.last else { throw ConfigError(path: "$", "shiftScale needs features") }
            return (ShiftScale(featureCount: features, factor: factor), input)
        }
        func parameterCount(input: [Int]) -> Int? { input.last ?? 0 }
    }

    var configuration: any LayerConfiguration { Configuration(factor: factor) }
}

/// One JSON sample per layer type; a layer type registered without a row here fails `everyLayerHasARow`.
let layerSamples: [String: (input: [Int], json: String)] = [
    "dense": ([4], #"{"type": "dense", "units": 3, "activation": "tanh", "useBias": false, "weightRegularizer": {"type": "l2", "rate": 0.1}}"#),
    "dropout": ([4], #"{"type": "dropout", "rate": 0.25}"#),
    "batchNorm": ([4], #"{"type": "batchNorm"}"#),
    "normalization": ([2], #"{"type": "normalization", "mean": [1, 2], "variance": [3, 4]}"#),
    "activation": ([4], #"{"type": "activation", "activation": {"type": "leakyRelu", "alpha": 0.2}}"#),
    "prelu": ([4], #"{"type": "prelu", "shared": true}"#),
    "maxout": ([4], #"{"type": "maxout", "units": 2, "pieces": 3}"#),
    "flatten": ([2, 3], #"{"type": "flatten"}"#),
    "reshape": ([6], #"{"type": "reshape", "shape": [2, 3]}"#),
    "conv2d": ([5, 5, 2], #"{"type": "conv2d", "filters": 3, "kernelSize": 3, "padding": "same", "strides": 2}"#),
    "maxPool2d": ([4, 4, 1], #"{"type": "maxPool2d"}"#),
    "avgPool2d": ([4, 4, 1], #"{"type": "avgPool2d", "poolSize": 3, "strides": 1, "padding": [1, 1, 1, 1]}"#),
    "globalAveragePool2d": ([4, 4, 3], #"{"type": "globalAveragePool2d"}"#),
    "embedding": ([5], #"{"type": "embedding", "vocabularySize": 10, "dimension": 4, "maskZero": true, "regularizer": {"type": "l2", "rate": 0.01}}"#),
    "dot": ([3, 4], #"{"type": "dot", "normalize": true}"#),
    "globalAveragePool1d": ([5, 4], #"{"type": "globalAveragePool1d"}"#),
    "add": ([4], #"{"type": "add"}"#),
    "multiply": ([4], #"{"type": "multiply"}"#),
    "concatenate": ([4], #"{"type": "concatenate"}"#),
    "layerNormalization": ([3, 4], #"{"type": "layerNormalization"}"#),
    "simpleRNN": ([5, 3], #"{"type": "simpleRNN", "units": 4, "activation": "relu", "returnSequences": true}"#),
    "lstm": ([5, 3], #"{"type": "lstm", "units": 4, "goBackwards": true, "stateful": true, "dropout": 0.2, "recurrentDropout": 0.1}"#),
    "gru": ([5, 3], #"{"type": "gru", "units": 4, "resetAfter": false}"#),
    "masking": ([5, 3], #"{"type": "masking", "maskValue": -1}"#),
    "bidirectional": ([5, 3], #"{"type": "bidirectional", "layer": {"type": "simpleRNN", "units": 4, "returnSequences": true}, "merge": "sum"}"#),
    "shiftScale": ([4], #"{"type": "shiftScale", "factor": 3}"#),
]

@Suite(.serialized) struct RegistryTests {
    init() { LayerSpec.register(ShiftScale.Configuration.self) }

    static func layer(_ json: String) throws -> LayerSpec {
        try LayerSpec(json: Node(value: try JSONParser.parse(Array(json.utf8)), path: "$"))
    }

    @Test func everyLayerHasARow() {
        #expect(Set(LayerSpec.registry.names) == Set(layerSamples.keys))
    }

    /// Each layer reads its sample, writes it back to the same JSON, and builds a layer that describes itself as
    /// that spec, with the parameter count the spec predicts without building.
    @Test(arguments: layerSamples.keys.sorted())
    func layerRoundTrips(_ name: String) throws {
        let (input, text) = try #require(layerSamples[name])
        let spec = try Self.layer(text)
        #expect(spec.typeName == name)
        let again = try Self.layer(spec.json.compactText)
        #expect(again == spec && again.json == spec.json)
        let inputs = ["add", "multiply", "concatenate", "dot"].contains(name) ? [input, input] : [input]
        let (module, output) = try spec.build(inputs: inputs)
        #expect(try spec.outputShape(inputs: inputs) == output)
        #expect(LayerSpec.describing(module)?.typeName == name)
        if !["dense", "prelu"].contains(name) {   // initializers and the initial slope are not recoverable from weights
            #expect(LayerSpec.describing(module) == spec)
        }
        #expect(spec.configuration.parameterCount(inputs: inputs) == module.namedParameters.reduce(0) { $0 + $1.parameter.value.count })
    }

    /// A user's layer, registered from their code, goes through model JSON: read, built, trained, described, written,
    /// read again, given the saved weights, and predicts bitwise the same.
    @Test func aUserLayerRoundTripsThroughModelJSON() throws {
        RandomSeeds.reset(to: 4)
        let text = #"{"input": [3], "layers": [{"type": "dense", "units": 4}, {"type": "shiftScale"}, {"type": "dense", "units": 2}], "loss": "meanSquaredError"}"#
        let spec = try ModelSpec(json: Array(text.utf8))
        let model = try spec.buildSequential()
        #expect((model.layers[1] as? ShiftScale)?.factor == 2)
        #expect(model.namedParameters.map(\.name).contains("layers.1.shift"))
        let x = randomTensor([16, 3], seed: 1, dtype: .float32), y = randomTensor([16, 2], seed: 2, dtype: .float32)
        let trainer = Trainer(model: model, loss: spec.loss, optimizer: Optimizer(SGD(learningRate: 0.1)))
        _ = try trainer.fit(x: x, y: y, batchSize: 4, epochs: 3, verbose: false)
        #expect((model.layers[1] as! ShiftScale).shift.value.values != [0.5, 0.5, 0.5, 0.5])   // it trained

        let described = try #require(ModelSpec.describing(model, input: [3], loss: spec.loss, optimizer: spec.optimizer))
        #expect(described.json.contains(#"{"type":"shiftScale","factor":2}"#))
        let rebuilt = try ModelSpec(json: Array(described.json.utf8)).buildModel()
        try rebuilt.loadStateDict(model.stateDict())
        #expect(rebuilt.predict(x).values == model.predict(x).values)
    }

    /// Each family reads every name it lists, and writes back what it read.
    @Test func everyNameOfEveryFamilyRoundTrips() throws {
        func node(_ name: String, _ fields: String = "") throws -> Node {
            Node(value: try JSONParser.parse(Array((fields.isEmpty ? "\"\(name)\"" : "{\"type\": \"\(name)\", \(fields)}").utf8)), path: "$")
        }
        for name in Activation.registry.names {
            let a = try Activation(json: try node(name))
            #expect(try Activation(json: Node(value: a.json, path: "$")) == a, "\(name)")
        }
        let required = ["constant": #""value": 2"#, "l1": #""rate": 0.1"#, "l2": #""rate": 0.1"#, "elasticNet": #""l1": 0.1, "l2": 0.2"#,
                        "stepDecay": #""factor": 0.5, "stepSize": 3"#, "multiStep": #""milestones": [2, 5], "factor": 0.1"#,
                        "exponential": #""factor": 0.9"#, "inverseTime": #""decayRate": 0.5"#, "cosine": #""totalSteps": 10"#,
                        "cosineWarmRestarts": #""period": 4"#, "triangular": #""maximum": 1, "stepSize": 2"#,
                        "triangular2": #""maximum": 1, "stepSize": 2"#, "warmup": #""steps": 3, "then": "constant""#]
        for name in Initializer.registry.names {
            let i = try Initializer(json: try node(name, required[name] ?? ""))
            #expect(try Initializer(json: Node(value: i.json, path: "$")) == i, "\(name)")
        }
        for name in Regularizer.registry.names {
            let r = try Regularizer(json: try node(name, required[name] ?? ""))
            #expect(try Regularizer(json: Node(value: r.json, path: "$")) == r, "\(name)")
        }
        for name in Loss.registry.names {
            let l = try Loss(json: try node(name))
            #expect(try Loss(json: Node(value: l.json, path: "$")) == l, "\(name)")
        }
        for name in Metric.registry.names {
            let m = try Metric(json: try node(name))
            #expect(try Metric(json: Node(value: m.json, path: "$")) == m, "\(name)")
        }
        for name in LearningRateSchedule.registry.names {
            let s = try LearningRateSchedule(json: try node(name, name == "constant" ? "" : required[name] ?? ""))
            #expect(try LearningRateSchedule(json: Node(value: s.json, path: "$")) == s, "\(name)")
        }
        for name in OptimizerRules.registry.names {
            let rule = try OptimizerRules.registry.decode(try node(name))
            #expect(try OptimizerRules.registry.decode(Node(value: rule.json, path: "$")).json == rule.json, "\(name)")
        }
    }

    /// A default is written once: model JSON, the Swift API, the layer classes and the Playground agree.
    @Test func defaultsAgreeEverywhere() throws {
        let leaky = try Activation(json: Node(value: .string("leakyRelu"), path: "$"))
        #expect(leaky == .leakyRelu() && leaky == .leakyRelu(alpha: 0.01) && LeakyReLU().activation == leaky)
        let session = try PlaygroundSession({ var c = PlaygroundConfiguration(); c.hidden = [(2, "leakyRelu")]; return c }())
        #expect(session.model.layers.contains { ($0 as? ActivationLayer)?.activation == leaky })
        let bn = try Self.layer(#"{"type": "batchNorm"}"#).build(input: [3]).0 as? BatchNorm
        #expect(bn?.momentum == BatchNorm(featureCount: 3).momentum && bn?.epsilon == BatchNorm(featureCount: 3).epsilon)
        let adam = try OptimizerRules.registry.decode(Node(value: .string("adam"), path: "$")) as? Adam
        #expect(adam?.learningRate == Adam().learningRate && adam?.epsilon == Adam().epsilon)
        let rms = try OptimizerRules.registry.decode(Node(value: .string("rmsprop"), path: "$")) as? RMSProp
        #expect(rms?.rho == RMSProp().rho && rms?.epsilon == RMSProp().epsilon)
    }

    @Test func unknownNamesListWhatIsKnown() {
        #expect { _ = try Self.layer(#"{"type": "transformer", "units": 4}"#) } throws: { error in
            let text = (error as? ConfigError)?.description ?? ""
            return text.hasPrefix("$: unknown layer 'transformer' (expected one of: ") && text.contains("layerNormalization")
        }
        #expect { _ = try OptimizerRules.registry.decode(text: "lion", path: "--optimizer") } throws: { error in
            (error as? ConfigError)?.description.hasPrefix("--optimizer: unknown optimizer 'lion' (expected one of: sgd, momentum, adagrad, adadelta, rmsprop, adam, adamw)") == true
        }
    }
}
