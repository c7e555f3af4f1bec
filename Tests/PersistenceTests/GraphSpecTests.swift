import Foundation
import Testing
import NeuralKit
import _TestSupport

@Suite struct GraphSpecTests {
    /// The repository's ResNet model file (two residual blocks of conv-BN-ReLU-conv-BN + Add).
    static let resnetPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/models/fashion-resnet.json").standardized.path

    @Test func resnetFileParsesBuildsAndRoundTrips() throws {
        let spec = try ModelSpec(json: AtomicFile.read(Self.resnetPath))
        let graph = try #require(spec.graph)
        #expect(graph.inputs == [GraphSpec.Input(name: "pixels", shape: [784])])
        #expect(graph.nodes.count == 23 && graph.outputs == ["logits"])
        #expect(graph.nodes[11] == GraphSpec.NodeSpec(name: "block1_add", layer: .spec(.add), inputs: ["pool1", "block1_bn2"]))
        #expect(spec.input == [784] && spec.layers.isEmpty)
        let again = try ModelSpec(json: Array(spec.json.utf8))
        #expect(again.graph == spec.graph && again.json == spec.json)
        let model = try #require(try spec.buildModel() as? GraphModel)
        #expect(model.nodes.map(\.name) == graph.nodes.map(\.name))
        #expect(try model.outputShape(for: [2, 784]) == [2, 10])
        // The spec's table (nothing allocated) and the built model's agree on every count.
        let fromSpec = try spec.summary(), fromModel = try model.summary(inputShapes: [[1, 784]])
        #expect(fromSpec.contains("block1_add (add)") && fromSpec.contains("pool1, block1_bn2"))
        #expect(fromSpec.split(separator: "\n").suffix(3) == fromModel.split(separator: "\n").suffix(3))
        #expect(fromModel.contains("Total params: \(model.parameterCount)"))
        // A built model describes itself as the same graph.
        #expect(GraphSpec.describing(model) == graph)
        // Saved and reloaded (a fresh build from the JSON, then the weights), it predicts bitwise the same.
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        model.adaptNormalizations(to: randomTensor([8, 784], seed: 2, in: 0...1, dtype: .float32))
        var file = Safetensors()
        file.set(model.stateDict())
        try file.write(to: tmp.file("resnet.safetensors"))
        let reloaded = try ModelSpec(json: Array(spec.json.utf8)).buildModel()
        try reloaded.loadStateDict(try Safetensors(contentsOf: tmp.file("resnet.safetensors")).tensors())
        let x = randomTensor([3, 784], seed: 3, in: 0...1, dtype: .float32)
        #expect(reloaded.predict(x).values == model.predict(x).values)
    }

    /// The same ResNet built in Swift, node by node, describes itself as the model file's graph.
    @Test func resnetBuiltInSwiftIsTheModelFilesGraph() throws {
        let spec = try ModelSpec(json: AtomicFile.read(Self.resnetPath))
        func convBN(_ x: SymbolicTensor, _ name: String) -> SymbolicTensor {
            let conv = Conv2D(inputChannels: x.shape[2], filters: 48, kernelSize: (3, 3), padding: .same)(x, name: name)
            return BatchNorm(featureCount: 48)(conv, name: name.replacingOccurrences(of: "conv", with: "bn"))
        }
        func block(_ x: SymbolicTensor, _ k: Int) -> SymbolicTensor {
            let h = ActivationLayer(.relu)(convBN(x, "block\(k)_conv1"), name: "block\(k)_relu")
            let sum = Add()([x, convBN(h, "block\(k)_conv2")], name: "block\(k)_add")
            return ActivationLayer(.relu)(sum, name: "block\(k)_out")
        }
        let pixels = SymbolicTensor.input(shape: [784], name: "pixels")
        let scaled = Normalization(featureCount: 1)(Reshape([28, 28, 1])(pixels, name: "image"), name: "scaled")
        let stem = ActivationLayer(.relu)(BatchNorm(featureCount: 48)(Conv2D(inputChannels: 1, filters: 48, kernelSize: (3, 3),
                                                                             padding: .same)(scaled, name: "stem"), name: "stem_bn"), name: "stem_relu")
        let pool1 = MaxPool2D()(stem, name: "pool1")
        let pool2 = MaxPool2D()(block(pool1, 1), name: "pool2")
        let features = Flatten()(block(pool2, 2), name: "features")
        let model = GraphModel(inputs: [pixels], outputs: [Dense(inputSize: 7 * 7 * 48, outputSize: 10)(features, name: "logits")])
        #expect(GraphSpec.describing(model) == spec.graph)
        #expect(model.parameterCount == (try spec.layerShapes().reduce(0) { $0 + $1.parameters }))
    }

    /// A two-input model made in Swift (image branch + table branch, joined by Concatenate) is described, written as
    /// JSON, read back, built again, given the saved weights, and predicts bitwise the same.
    @Test func twoInputModelRoundTripsThroughJSONAndSafetensors() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        RandomSeeds.reset(to: 3)
        let image = SymbolicTensor.input(shape: [6, 6, 1], name: "image"), table = SymbolicTensor.input(shape: [3], name: "table")
        let imageFeatures = Flatten()(MaxPool2D()(Conv2D(inputChannels: 1, filters: 4, kernelSize: (3, 3), padding: .same,
                                                         activation: .relu)(image)))
        let tableFeatures = Dense(inputSize: 3, outputSize: 5, activation: .tanh)(table)
        let joined = Concatenate()([imageFeatures, tableFeatures], name: "joined")
        let model = GraphModel(inputs: [image, table], outputs: [Dense(inputSize: 41, outputSize: 2)(joined, name: "logits")])
        let spec = try #require(ModelSpec.describing(model, input: [], loss: .softmaxCrossEntropy(), optimizer: Adam()))
        let path = tmp.file("weights.safetensors")
        var file = Safetensors()
        file.set(model.stateDict())
        try file.write(to: path)

        let loaded = try ModelSpec(json: Array(spec.json.utf8))
        #expect(loaded.graph?.inputs.map(\.name) == ["image", "table"])
        let rebuilt = try loaded.buildModel()
        try rebuilt.loadStateDict(try Safetensors(contentsOf: path).tensors())
        let xs = [randomTensor([7, 6, 6, 1], seed: 1, dtype: .float32), randomTensor([7, 3], seed: 2, dtype: .float32)]
        #expect(rebuilt.predict(xs).values == model.predict(xs).values)
        #expect(rebuilt.predict(xs).shape == [7, 2])
    }

    @Test func sharedLayerIsWrittenOnceAndReadAsOne() throws {
        let text = #"{"inputs": [{"name": "a", "shape": [3]}, {"name": "b", "shape": [3]}], "nodes": ["#
            + #"{"name": "ea", "inputs": ["a"], "layer": {"type": "dense", "units": 2}},"#
            + #"{"name": "eb", "inputs": ["b"], "sameLayerAs": "ea"},"#
            + #"{"name": "m", "inputs": ["ea", "eb"], "layer": {"type": "multiply"}}], "outputs": ["m"], "loss": "meanSquaredError"}"#
        let spec = try ModelSpec(json: Array(text.utf8))
        let model = try #require(try spec.buildModel() as? GraphModel)
        #expect(model.layers.count == 2 && model.nodes.map(\.layer) == [0, 0, 1])
        #expect(model.namedParameters.map(\.name) == ["layers.0.weight", "layers.0.bias"])
        #expect(try spec.layerShapes().map(\.parameters) == [8, 0, 0])
        #expect(GraphSpec.describing(model) == spec.graph)
        #expect(try ModelSpec(json: Array(spec.json.utf8)).json == spec.json)
    }

    /// Each mistake in a graph file names its JSON path and cause, and nothing is built.
    @Test(arguments: [
        (#""nodes": [{"name": "h", "inputs": ["y"], "layer": {"type": "flatten"}}], "outputs": ["h"]"#,
         "$.nodes[0].inputs: 'y' is not an input or an earlier node"),
        (#""nodes": [{"name": "x", "inputs": ["x"], "layer": {"type": "flatten"}}], "outputs": ["x"]"#,
         "$.nodes[0].name: the name 'x' is used twice"),
        (#""nodes": [{"name": "h", "inputs": ["x"], "layer": {"type": "flatten"}}], "outputs": ["z"]"#,
         "$.outputs[0]: 'z' is not an input or a node"),
        (#""nodes": [{"name": "h", "inputs": ["x"], "sameLayerAs": "g"}], "outputs": ["h"]"#,
         "$.nodes[0].sameLayerAs: 'g' is not an earlier node with a layer of its own"),
        (#""nodes": [{"name": "h", "inputs": ["x"]}], "outputs": ["h"]"#,
         #"$.nodes[0]: a node needs "layer" (its own) or "sameLayerAs" (an earlier node's), not both"#),
        (#""nodes": [{"name": "h", "inputs": ["x", "x"], "layer": {"type": "dense", "units": 2}}], "outputs": ["h"]"#,
         "$.nodes[0]: dense takes one input, given 2"),
        (#""nodes": [{"name": "h", "inputs": ["x"], "layer": {"type": "add"}}], "outputs": ["h"]"#,
         "$.nodes[0]: add joins two or more inputs, given 1 (a graph model's node can give it more)"),
        (#""nodes": [{"name": "h", "inputs": ["x"], "layer": {"type": "dense", "units": 2}}, "#
         + #"{"name": "s", "inputs": ["x", "h"], "layer": {"type": "add"}}], "outputs": ["s"]"#,
         "$.nodes[1]: Add: expected input shapes that broadcast together, found shape [1, 2]"),
        (#""nodes": [{"name": "h", "inputs": ["x"], "layer": {"type": "dense", "units": 2}}, "#
         + #"{"name": "g", "inputs": ["h"], "sameLayerAs": "h"}], "outputs": ["g"]"#,
         "$.nodes[1].inputs: the shared layer of 'h' was called on [[4]], here on [[2]]"),
        (#""nodes": [{"name": "h", "inputs": ["x"], "layer": {"type": "concatenate", "axis": 0}}], "outputs": ["h"]"#,
         "$.nodes[0].layer.axis: the batch axis 0 cannot be joined"),
        (#""nodes": [], "outputs": []"#, "$.outputs: a graph model needs at least one output"),
    ])
    func graphMistakesNameTheirPath(nodes: String, expected: String) {
        let text = #"{"inputs": [{"name": "x", "shape": [4]}], "# + nodes + #", "loss": "meanSquaredError"}"#
        #expect { _ = try ModelSpec(json: Array(text.utf8)) } throws: { error in
            (error as? ConfigError)?.description == expected
        }
    }

    @Test func joiningLayersInAStackAreRefused() {
        let text = #"{"input": [4], "layers": [{"type": "add"}], "loss": "meanSquaredError"}"#
        #expect { _ = try ModelSpec(json: Array(text.utf8)) } throws: { error in
            (error as? ConfigError)?.description == #"$.layers[0]: add joins two or more inputs, given 1 (a graph model's node can give it more)"#
        }
    }

    /// Padded id sequences in model JSON: Embedding(maskZero) → masked average pooling → Dense trains with fit on
    /// sequences whose class is whether token 1 appears; the spec round-trips.
    @Test func maskedSequenceModelFromJSONTrains() throws {
        let text = #"{"input": [6], "layers": [{"type": "embedding", "vocabularySize": 8, "dimension": 4, "maskZero": true}, "#
            + #"{"type": "globalAveragePool1d"}, {"type": "dense", "units": 2}], "loss": "softmaxCrossEntropy", "#
            + #""optimizer": {"type": "adam", "learningRate": 0.05}, "metrics": ["accuracy"]}"#
        let spec = try ModelSpec(json: Array(text.utf8))
        #expect(spec.layers[0] == .embedding(vocabularySize: 8, dimension: 4, maskZero: true) && spec.layers[1] == .globalAveragePool1d)
        #expect(spec.readsTokenIds)
        let graphIds = #"{"inputs": [{"name": "ids", "shape": [6]}], "nodes": [{"name": "e", "inputs": ["ids"], "#
            + #""layer": {"type": "embedding", "vocabularySize": 8, "dimension": 4}}], "outputs": ["e"], "loss": "meanSquaredError"}"#
        #expect(try ModelSpec(json: Array(graphIds.utf8)).readsTokenIds)
        #expect(try !ModelSpec(json: AtomicFile.read(Self.resnetPath)).readsTokenIds)
        #expect(try ModelSpec(json: Array(spec.json.utf8)).json == spec.json)
        #expect(try spec.layerShapes().map(\.output) == [[6, 4], [4], [2]])
        #expect(try spec.layerShapes().map(\.parameters) == [32, 0, 10])
        RandomSeeds.reset(to: 1)
        let model = try spec.buildModel()
        var g = RandomGenerator(seed: 4)
        var ids: [Int32] = [], labels: [Int32] = []
        for _ in 0..<300 {
            let length = Int.random(in: 1...6, using: &g)
            let row = (0..<length).map { _ in Int32.random(in: 2...7, using: &g) }
            let label = Int32.random(in: 0...1, using: &g)
            var tokens = row
            if label == 1 { tokens[Int.random(in: 0..<length, using: &g)] = 1 }
            ids += tokens + Array(repeating: 0, count: 6 - length)
            labels.append(label)
        }
        let trainer = Trainer(model: model, loss: spec.loss, optimizer: Optimizer(spec.optimizer), metrics: spec.metrics, seed: 2)
        try trainer.fit(x: Tensor(shape: [300, 6], integers: ids), y: Tensor(integers: labels), batchSize: 32, epochs: 30)
        let logs = try trainer.evaluate(x: Tensor(shape: [300, 6], integers: ids), y: Tensor(integers: labels))
        #expect(logs["accuracy"]! > 0.95, "\(logs)")
        #expect(ModelSpec.describing(model, input: [6], loss: spec.loss, optimizer: spec.optimizer)?.layers == spec.layers)
    }
}
