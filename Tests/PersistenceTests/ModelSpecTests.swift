import Testing
import NeuralKit
import _TestSupport

@Suite struct ModelSpecTests {
    /// Every layer, activation, initializer, regularizer, loss, optimizer, schedule and metric, in one spec.
    static let everything = """
    {"input": [4],
     "layers": [
       {"type": "dense", "units": 6, "activation": {"type": "leakyRelu", "alpha": 0.1}, "useBias": false,
        "weightInitializer": {"type": "uniform", "lowerBound": -0.1, "upperBound": 0.1},
        "biasInitializer": {"type": "constant", "value": 0.5}, "weightRegularizer": {"type": "elasticNet", "l1": 0.01, "l2": 0.02},
        "biasRegularizer": {"type": "l1", "rate": 0.001}},
       {"type": "dense", "units": 6, "activation": "tanh", "weightInitializer": "heNormal", "weightRegularizer": {"type": "l2", "rate": 0.1}},
       {"type": "dense", "units": 6, "activation": {"type": "elu", "alpha": 1.5}, "weightInitializer": {"type": "normal", "standardDeviation": 0.2}},
       {"type": "dense", "units": 6, "activation": "sigmoid", "weightInitializer": "glorotNormal"},
       {"type": "dense", "units": 6, "activation": "softplus", "weightInitializer": "heUniform"},
       {"type": "dense", "units": 6, "activation": "linear", "weightInitializer": "lecunNormal", "biasInitializer": "ones"},
       {"type": "dense", "units": 6, "activation": "softmax", "weightInitializer": "zeros"},
       {"type": "batchNorm", "momentum": 0.9, "epsilon": 0.00001},
       {"type": "dropout", "rate": 0.25},
       {"type": "activation", "activation": "relu"},
       {"type": "prelu", "shared": true, "initialAlpha": 0.2},
       {"type": "maxout", "units": 4, "pieces": 3},
       {"type": "reshape", "shape": [2, 2]},
       {"type": "flatten"},
       {"type": "dense", "units": 3}
     ],
     "loss": {"type": "huber", "delta": 2, "reduction": "sum"},
     "optimizer": {"type": "adam", "learningRate": 0.01, "amsgrad": true},
     "schedule": {"type": "warmup", "steps": 10, "startFactor": 0.1, "then": {"type": "cosine", "totalSteps": 100, "minimum": 0}},
     "metrics": ["accuracy", {"type": "topKAccuracy", "k": 2}, "meanAbsoluteError"]}
    """

    @Test func everythingRoundTripsThroughJSON() throws {
        let spec = try ModelSpec(json: Array(Self.everything.utf8))
        #expect(spec.layers.count == 15)
        // What was read is what the text says, field by field (not only what writing it back gives).
        #expect(spec.input == [4])
        #expect(spec.layers[0] == LayerSpec(Dense.Configuration(units: 6, activation: .leakyRelu(alpha: 0.1), useBias: false,
                                         weightInitializer: .uniform(lowerBound: -0.1, upperBound: 0.1), biasInitializer: .constant(0.5),
                                         weightRegularizer: .elasticNet(l1: 0.01, l2: 0.02), biasRegularizer: .l1(0.001))))
        #expect(spec.layers[1] == LayerSpec(Dense.Configuration(units: 6, activation: .tanh, useBias: true, weightInitializer: .heNormal, biasInitializer: .zeros,
                                         weightRegularizer: .l2(0.1))))
        #expect(spec.layers[2] == LayerSpec(Dense.Configuration(units: 6, activation: .elu(alpha: 1.5), useBias: true, weightInitializer: .normal(standardDeviation: 0.2),
                                         biasInitializer: .zeros)))
        #expect(spec.layers[5] == LayerSpec(Dense.Configuration(units: 6, activation: .identity, useBias: true, weightInitializer: .lecunNormal, biasInitializer: .ones)))
        #expect(Array(spec.layers[7...11]) == [.batchNorm(momentum: 0.9, epsilon: 0.00001), .dropout(rate: 0.25), .activation(.relu),
                                               .prelu(shared: true, initialAlpha: 0.2), .maxout(units: 4, pieces: 3)])
        #expect(spec.loss == .huber(delta: 2, reduction: .sum))
        #expect(String(describing: spec.optimizer) == String(describing: Adam(learningRate: 0.01, amsgrad: true)))
        #expect(spec.schedule == .warmup(steps: 10, startFactor: 0.1, then: .cosine(totalSteps: 100, minimum: 0)))
        #expect(spec.metrics == [.accuracy, .topKAccuracy(2), .meanAbsoluteError])
        let again = try ModelSpec(json: Array(spec.json.utf8))
        #expect(again.json == spec.json)
        #expect(again.layers == spec.layers && again.loss == spec.loss && again.schedule == spec.schedule && again.metrics == spec.metrics)
        let model = try spec.buildModel()
        #expect(model(Tensor.zeros([5, 4])).shape == [5, 3])
        #expect(try model.outputShape(for: [5, 4]) == [5, 3])
    }

    @Test func convolutionalLayersRoundTrip() throws {
        let text = """
        {"input": [64], "layers": [{"type": "reshape", "shape": [8, 8, 1]}, {"type": "normalization"},
          {"type": "conv2d", "filters": 4, "kernelSize": 3, "padding": "same", "activation": "relu"},
          {"type": "maxPool2d"},
          {"type": "conv2d", "filters": 6, "kernelSize": [2, 3], "strides": [1, 2], "dilation": 1, "padding": [1, 0, 1, 1], "useBias": false},
          {"type": "avgPool2d", "poolSize": 2, "strides": 1, "padding": "same"},
          {"type": "globalAveragePool2d"}, {"type": "dense", "units": 10}],
         "loss": "softmaxCrossEntropy"}
        """
        let spec = try ModelSpec(json: Array(text.utf8))
        #expect(try ModelSpec(json: Array(spec.json.utf8)).layers == spec.layers)
        let model = try spec.buildModel()
        #expect(model(Tensor.zeros([2, 64])).shape == [2, 10])
        let described = try #require(ModelSpec.describing(model, input: [64], loss: spec.loss, optimizer: spec.optimizer))
        #expect(described.layers == spec.layers)
        let bad = #"{"input": [64], "layers": [{"type": "conv2d", "filters": 4, "kernelSize": 3}], "loss": "huber"}"#
        let e = #expect(throws: ConfigError.self) { try ModelSpec(json: Array(bad.utf8)) }
        #expect(e?.description.contains("conv2d needs an image input") == true)
    }

    /// Each optimizer's JSON reads as the rule it names, with the rule's own defaults for what it leaves out, and
    /// writes back to the same rule.
    @Test(arguments: [
        (#"{"type": "sgd", "learningRate": 0.1, "momentum": 0.9, "nesterov": true}"#, SGD(learningRate: 0.1, momentum: 0.9, nesterov: true) as any OptimizerRule),
        (#"{"type": "adagrad"}"#, Adagrad()), (#"{"type": "adadelta", "rho": 0.95}"#, Adadelta(rho: 0.95)),
        (#""rmsprop""#, RMSProp(learningRate: 0.01, rho: 0.99, epsilon: 1e-8)),
        (#"{"type": "adamw", "weightDecay": 0.05}"#, AdamW(weightDecay: 0.05)), (#""adamw""#, AdamW(weightDecay: 0.01)),
    ])
    func everyOptimizerRoundTrips(_ optimizer: String, expected: any OptimizerRule) throws {
        let text = #"{"input": [2], "layers": [{"type": "dense", "units": 1}], "loss": "meanSquaredError", "optimizer": "# + optimizer + "}"
        let spec = try ModelSpec(json: Array(text.utf8))
        #expect(String(describing: spec.optimizer) == String(describing: expected))
        let again = try ModelSpec(json: Array(spec.json.utf8))
        #expect(String(describing: again.optimizer) == String(describing: expected))
    }

    /// Each activation's JSON, the value it reads as, and the JSON it writes back (Keras's "swish" reads as SiLU).
    @Test(arguments: [
        (#""selu""#, Activation.selu, #""selu""#), (#""gelu""#, .gelu(approximate: false), #""gelu""#),
        (#"{"type": "gelu", "approximate": true}"#, .gelu(approximate: true), #"{"type":"gelu","approximate":true}"#),
        (#""silu""#, .silu, #""silu""#), (#""swish""#, .silu, #""silu""#), (#""softsign""#, .softsign, #""softsign""#),
        (#"{"type": "elu", "alpha": 1.5}"#, .elu(alpha: 1.5), #"{"type":"elu","alpha":1.5}"#),
    ])
    func everyActivationRoundTrips(_ json: String, _ activation: Activation, _ written: String) throws {
        let text = #"{"input": [2], "layers": [{"type": "activation", "activation": "# + json + #"}], "loss": "meanSquaredError"}"#
        let spec = try ModelSpec(json: Array(text.utf8))
        #expect(spec.layers == [.activation(activation)])
        let compact = spec.json.filter { !$0.isWhitespace }
        #expect(compact.contains(#""activation":"# + written), "\(spec.json)")
        #expect(try ModelSpec(json: Array(spec.json.utf8)).layers == spec.layers)
        let x = Tensor(rows: [[0.5, -2]])
        #expect(try spec.buildModel()(x).values == activation(x).values)
    }

    /// A normalization given its statistics (one for every feature, or one per feature) keeps them: it reads,
    /// builds, describes itself and writes back with them, and adapting the model leaves it as it is.
    @Test func normalizationWithGivenStatisticsKeepsThem() throws {
        let text = #"{"input": [2], "layers": [{"type": "normalization", "mean": 0.5, "variance": [4]}, "#
            + #"{"type": "normalization"}], "loss": "meanSquaredError"}"#
        let spec = try ModelSpec(json: Array(text.utf8))
        #expect(spec.layers == [.normalization(mean: [0.5], variance: [4]), .normalization])
        let model = try spec.buildSequential()
        let x = Tensor(rows: [[2.5, -1.5], [0.5, 4.5]])
        model.adaptNormalizations(to: x)
        let fixed = try #require(model.layers[0] as? Normalization), adapted = try #require(model.layers[1] as? Normalization)
        #expect(!fixed.isAdaptable && adapted.isAdaptable)
        expectClose(fixed.mean.value, [0.5, 0.5])
        expectClose(fixed.variance.value, [4, 4])
        expectClose(fixed(x), [1, -1, 0, 2])
        expectClose(adapted.mean.value, [0.5, 0.5])   // of the fixed layer's output
        let described = try #require(ModelSpec.describing(model, input: [2], loss: spec.loss, optimizer: spec.optimizer))
        #expect(described.layers == [.normalization(mean: [0.5, 0.5], variance: [4, 4]), .normalization])
        let again = try ModelSpec(json: Array(described.json.utf8))
        #expect(again.layers == described.layers)
    }

    /// A spec built in code, not read from JSON, gets the same checks when it builds: a thrown error, not a trap.
    @Test(arguments: [([0.0], [-1.0], "variance needs finite values ≥ 0"), ([Double.nan], [1.0], "mean needs finite values"),
                      ([0.0, 1, 2], [1.0], "mean has 3 values for 2 features")])
    func normalizationStatisticsGivenInCodeAreChecked(mean: [Double], variance: [Double], error: String) {
        let spec = ModelSpec(input: [2], layers: [.normalization(mean: mean, variance: variance)], loss: .meanSquaredError())
        #expect { _ = try spec.buildModel() } throws: { "\($0)".contains(error) }
    }

    @Test func aBuiltModelDescribesItself() throws {
        let spec = try ModelSpec(json: Array(Self.everything.utf8))
        let model = try spec.buildModel()
        let described = try #require(ModelSpec.describing(model, input: [4], loss: spec.loss, optimizer: spec.optimizer))
        #expect(described.layers.count == spec.layers.count)
        #expect(described.layers[9] == .activation(.relu))
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        let json: String
        let error: String
        var testDescription: String { error }
    }

    static let base = #""input": [3], "loss": "meanSquaredError""#
    static let bad: [Bad] = [
        Bad(json: "{" + base + #", "layers": [{"type": "dense", "units": 2, "activation": "relux"}]}"#,
            error: "$.layers[0].activation: unknown activation 'relux'"),
        Bad(json: "{" + base + #", "layers": [{"type": "dense"}]}"#, error: "$.layers[0]: missing field 'units'"),
        Bad(json: "{" + base + #", "layers": [{"type": "dense", "units": "two"}]}"#,
            error: "$.layers[0].units: expected an integer, found the string \"two\""),
        Bad(json: "{" + base + #", "layers": [{"type": "dense", "units": 0}]}"#, error: "$.layers[0].units: expected an integer ≥ 1"),
        Bad(json: "{" + base + #", "layers": [{"type": "conv9"}]}"#, error: "$.layers[0]: unknown layer 'conv9'"),
        Bad(json: "{" + base + #", "layers": [{"type": "dropout", "rate": 1.5}]}"#, error: "$.layers[0].rate: rate must be in [0, 1)"),
        Bad(json: "{" + base + #", "layers": [{"type": "batchNorm", "epsilon": -0.001}]}"#,
            error: "$.layers[0].epsilon: epsilon must be a finite number ≥ 0, found -0.001"),
        Bad(json: "{" + base + #", "layers": [{"type": "normalization", "mean": 0.5}]}"#,
            error: "$.layers[0]: normalization needs both mean and variance, or neither"),
        Bad(json: "{" + base + #", "layers": [{"type": "normalization", "mean": 0, "variance": [1, -1, 1]}]}"#,
            error: "$.layers[0].variance: variances must be ≥ 0, found -1.0"),
        Bad(json: "{" + base + #", "layers": [{"type": "normalization", "mean": [], "variance": 1}]}"#,
            error: "$.layers[0].mean: expected a number or a non-empty array of numbers"),
        Bad(json: "{" + base + #", "layers": [{"type": "normalization", "mean": [0, 1], "variance": 1}]}"#,
            error: "$.layers[0]: normalization mean has 2 values for 3 features (give 1 or 3)"),
        Bad(json: "{" + base + #", "layers": [{"type": "dense", "units": 2, "color": 1}]}"#,
            error: "$.layers[0].color: unknown field for layer 'dense'"),
        Bad(json: "{" + base + #", "layers": [], "optimizer": {"type": "adam", "learningRate": -1}}"#,
            error: "$.optimizer.learningRate: expected a non-negative number"),
        Bad(json: "{" + base + #", "layers": [], "optimizer": "lion"}"#, error: "$.optimizer: unknown optimizer 'lion'"),
        Bad(json: "{" + base + #", "layers": [], "schedule": {"type": "cosine"}}"#, error: "$.schedule: missing field 'totalSteps'"),
        Bad(json: "{" + base + #", "layers": [], "metrics": [42]}"#, error: "$.metrics[0]: expected a metric name or object"),
        Bad(json: #"{"input": [3], "layers": []}"#, error: "$: missing field 'loss'"),
        Bad(json: #"{"input": [3], "layers": [], "loss": "mse2"}"#, error: "$.loss: unknown loss 'mse2'"),
        Bad(json: #"{"input": [3], "layers": {}, "loss": "huber"}"#, error: "$.layers: expected an array, found an object"),
        Bad(json: #"{"input": [3], "layers": [], "loss": "huber", "extra": 1}"#, error: "$.extra: unknown field"),
        Bad(json: #"{"input": [4, 3, 2], "layers": [{"type": "dense", "units": 2}], "loss": "huber"}"#,
            error: "$.layers[0]: dense needs [features] or sequences [time, features], found shape [4, 3, 2]"),
        // Sizes beyond any machine's memory are refused before anything is allocated; counts that overflow Int too.
        Bad(json: #"{"input": [1000000000, 1000000000, 1000000000], "layers": [{"type": "flatten"}], "loss": "huber"}"#,
            error: "$.input: an example of shape [1000000000, 1000000000, 1000000000] holds more values than this machine's"),
        Bad(json: "{" + base + #", "layers": [{"type": "dense", "units": 100000000000000}]}"#,
            error: "$.layers[0]: dense on input [3]: the model needs 400000000000000 parameters: 5820.8 TiB for its weights"),
        Bad(json: #"{"input": [100000], "layers": [{"type": "dense", "units": 999999999999999}], "loss": "huber"}"#,
            error: "$.layers[0]: dense on input [100000]: the model needs more parameters than can be counted"),
        Bad(json: #"{"input": [10, 10, 1], "layers": [{"type": "conv2d", "filters": 1, "kernelSize": [100000, 1], "#
            + #""dilation": [100000000000000, 1]}], "loss": "huber"}"#,
            error: "$.layers[0]: Conv2D(1→1, 100000×1): expected input window (100000, 1) with dilation (100000000000000, 1) is larger"),
        Bad(json: "{" + base + #", "layers": [{"type": "reshape", "shape": [100000000000000, 100000000000000]}]}"#,
            error: "$.layers[0]: reshape to [100000000000000, 100000000000000] does not fit input shape [3]"),
        Bad(json: #"{"input": [3], "layers": [], "loss": "huber""#, error: "$: invalid JSON at offset"),
        Bad(json: "[]", error: "$: expected an object, found an array"),
    ]

    @Test(arguments: bad)
    func errorsNameTheJSONPath(_ row: Bad) {
        let error = #expect(throws: ConfigError.self) { try ModelSpec(json: Array(row.json.utf8)) }
        #expect(error?.description.hasPrefix(row.error) == true, "\(error?.description ?? "no error")")
    }
}
