import JSONCoding
import NeuralNetworks
import Optimizers
import TensorModule
import Training

/// A whole training setup as JSON: input shape, layers, loss, optimizer, schedule and metrics. `neuralkit` trains
/// models described by such a file and saves one beside every trained model. The layers form a stack (`"input"`,
/// `"layers"`: a ``Sequential``) or a graph (`"inputs"`, `"nodes"`, `"outputs"`: a ``GraphModel``, see ``GraphSpec``).
///
/// ```json
/// {"input": [784],
///  "layers": [{"type": "dense", "units": 256, "activation": "relu"}, {"type": "dense", "units": 10}],
///  "loss": "softmaxCrossEntropy", "optimizer": {"type": "adam", "learningRate": 0.001}, "metrics": ["accuracy"]}
/// ```
public struct ModelSpec: Sendable {
    /// The shape of one example (of a graph's first input).
    public var input: [Int]
    /// The shape of one example of each model input: a graph's inputs, or [``input``].
    public var inputShapes: [[Int]] { graph?.inputs.map(\.shape) ?? [input] }
    /// The layers of a stack (empty for a graph).
    public var layers: [LayerSpec]
    /// The layers of a graph model, or nil for a stack.
    public var graph: GraphSpec?
    /// One loss per model output, or one for every output (`"loss"`: a loss, or a list of them as Keras's
    /// `compile(loss=[…])`).
    public var losses: [Loss]
    /// Each output's weight in the training objective (`"lossWeights"`; nil: 1 each).
    public var lossWeights: [Double]?
    /// The loss of a model with one output (the first loss).
    public var loss: Loss {
        get { losses[0] }
        set { losses[0] = newValue }
    }
    public var optimizer: any OptimizerRule
    public var schedule: LearningRateSchedule
    public var metrics: [Metric]

    public init(input: [Int], layers: [LayerSpec], loss: Loss, optimizer: any OptimizerRule = Adam(),
                schedule: LearningRateSchedule = .constant, metrics: [Metric] = []) {
        self.input = input
        self.layers = layers
        self.graph = nil
        self.losses = [loss]
        self.optimizer = optimizer
        self.schedule = schedule
        self.metrics = metrics
    }

    /// A graph model's training setup.
    public init(graph: GraphSpec, loss: Loss, optimizer: any OptimizerRule = Adam(), schedule: LearningRateSchedule = .constant,
                metrics: [Metric] = []) {
        self.init(graph: graph, losses: [loss], optimizer: optimizer, schedule: schedule, metrics: metrics)
    }

    /// A graph model's training setup with one loss per output and their weights.
    public init(graph: GraphSpec, losses: [Loss], lossWeights: [Double]? = nil, optimizer: any OptimizerRule = Adam(),
                schedule: LearningRateSchedule = .constant, metrics: [Metric] = []) {
        require(!losses.isEmpty, "ModelSpec: needs a loss")
        self.input = graph.inputs.first?.shape ?? []
        self.layers = []
        self.graph = graph
        self.losses = losses
        self.lossWeights = lossWeights
        self.optimizer = optimizer
        self.schedule = schedule
        self.metrics = metrics
    }

    static let fields: Set<String> = ["input", "layers", "loss", "optimizer", "schedule", "metrics"]
    static let graphFields: Set<String> = GraphSpec.fields.union(["loss", "lossWeights", "optimizer", "schedule", "metrics"])

    /// The number of model outputs.
    public var outputCount: Int { graph?.outputs.count ?? 1 }

    /// One loss per output, as `Trainer(model:losses:lossWeights:…)` takes them: a single loss serves every output.
    public var trainingLosses: [Loss] { losses.count == 1 ? Array(repeating: losses[0], count: outputCount) : losses }

    /// Parses a spec, naming the JSON path of any problem.
    public init(json bytes: [UInt8]) throws(ConfigError) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw ConfigError(path: "$", "invalid JSON at \(error)") }
        let root = Node(value: value, path: "$")
        let isGraph = try root.object()["nodes"] != nil
        let f = try root.object(allowed: isGraph ? ModelSpec.graphFields : ModelSpec.fields)
        if isGraph {
            let graph = try GraphSpec(json: f, in: root)
            self.graph = graph
            input = graph.inputs.first?.shape ?? []
            layers = []
        } else {
            graph = nil
            input = try f.required("input", in: root).ints()
            guard !input.isEmpty else { throw f["input"]!.fail("input shape must have at least one dimension") }
            var layers: [LayerSpec] = []
            for l in try f.required("layers", in: root).array() { layers.append(try LayerSpec(json: l)) }
            self.layers = layers
        }
        let lossNode = try f.required("loss", in: root)
        if case .array = lossNode.value {
            var losses: [Loss] = []
            for item in try lossNode.array() { losses.append(try Loss(json: item)) }
            guard !losses.isEmpty else { throw lossNode.fail("expected a loss or a list of losses, one per output") }
            self.losses = losses
        } else {
            losses = [try Loss(json: lossNode)]
        }
        let outputs = graph?.outputs ?? ["the output"]
        if losses.count != 1 && losses.count != outputs.count {
            throw lossNode.fail("\(losses.count) losses for \(outputs.count) output\(outputs.count == 1 ? "" : "s") (\(outputs.joined(separator: ", ")))")
        }
        if let node = f["lossWeights"] {
            var weights: [Double] = []
            for item in try node.array() {
                let w = try item.double()
                guard w >= 0 else { throw item.fail("a loss weight must be ≥ 0, found \(w)") }
                weights.append(w)
            }
            guard weights.count == outputs.count else {
                throw node.fail("\(weights.count) weights for \(outputs.count) output\(outputs.count == 1 ? "" : "s") (\(outputs.joined(separator: ", ")))")
            }
            lossWeights = weights
        } else {
            lossWeights = nil
        }
        optimizer = try f["optimizer"].map { n throws(ConfigError) in try OptimizerRules.registry.decode(n) } ?? Adam()
        schedule = try f["schedule"].map { n throws(ConfigError) in try LearningRateSchedule(json: n) } ?? .constant
        var metrics: [Metric] = []
        for m in try f["metrics"]?.array() ?? [] { metrics.append(try Metric(json: m)) }
        self.metrics = metrics
        _ = try layerShapes()   // shapes must fit, and the model must fit in memory: checked without building it
    }

    /// Whether a model input goes straight into an `embedding` layer: the model reads int32 token ids, not float
    /// features (the command line's readers give float features only).
    ///
    /// ```swift
    /// try ModelSpec(json: Array(#"{"input": [6], "layers": [{"type": "embedding", "vocabularySize": 8, "dimension": 4}], "loss": "meanSquaredError"}"#.utf8)).readsTokenIds   // true
    /// ```
    public var readsTokenIds: Bool {
        guard let graph else {
            return layers.first?.configuration is Embedding.Configuration
        }
        let inputs = Set(graph.inputs.map(\.name))
        return graph.nodes.contains { node in
            guard case .spec(let spec) = node.layer, spec.configuration is Embedding.Configuration else { return false }
            return node.inputs.contains(where: inputs.contains)
        }
    }

    /// The spec as compact JSON text.
    public var json: String {
        let architecture: [(String, JSONValue)] = graph?.jsonFields
            ?? [("input", .array(input.map { .number(Double($0)) })), ("layers", .array(layers.map(\.json)))]
        var fields = architecture
        fields.append(("loss", losses.count == 1 ? losses[0].json : .array(losses.map(\.json))))
        if let lossWeights { fields.append(("lossWeights", .array(lossWeights.map { .number($0) }))) }
        fields += [("optimizer", optimizer.json), ("schedule", schedule.json), ("metrics", .array(metrics.map(\.json)))]
        return JSONValue.object(fields.map { ($0.0, $0.1) }).compactText
    }

    /// Each layer's per-example output shape and parameter count, from the spec alone (nothing of the model's size is
    /// allocated). Throws, naming the layer, when a shape does not fit, or when an example or the whole model's
    /// parameters while training would not fit in the memory this process may use (``MemoryBudget``).
    public func layerShapes() throws(ConfigError) -> [(output: [Int], parameters: Int, trainable: Int)] {
        if let graph { return try graph.nodeShapes(path: "$", bytesPerParameter: optimizer.trainingBytesPerParameter).map { ($0.output, $0.parameters, $0.trainable) } }
        if let problem = MemoryBudget.exampleProblem(shape: input) { throw ConfigError(path: "$.input", problem) }
        var shape = input
        var rows: [(output: [Int], parameters: Int, trainable: Int)] = []
        var parameters: Int? = 0
        for (i, l) in layers.enumerated() {
            do throws(ConfigError) {
                let count = l.parameterCount(input: shape)
                parameters = MemoryBudget.sum(parameters, count)
                if let problem = MemoryBudget.parameterProblem(parameters: parameters, bytesPerParameter: optimizer.trainingBytesPerParameter) {
                    throw ConfigError(path: "$", "\(l.typeName) on input \(shape): \(problem)")
                }
                let out = try l.outputShape(input: shape)
                if let problem = MemoryBudget.exampleProblem(shape: out) { throw ConfigError(path: "$", "\(l.typeName) output: \(problem)") }
                rows.append((out, count ?? 0, l.trainableParameterCount(input: shape) ?? 0))
                shape = out
            } catch {
                throw ConfigError(path: "$.layers[\(i)]", error.message)
            }
        }
        return rows
    }

    /// The layers as a model (weights freshly initialized from the global seed sequence).
    /// Sizes are checked before anything is allocated (``layerShapes()``): an example, and the parameters while
    /// training, must fit in the memory this process may use (``MemoryBudget``).
    public func buildModel() throws(ConfigError) -> Module {
        if let graph { return try graph.buildModel(path: "$", bytesPerParameter: optimizer.trainingBytesPerParameter) }
        return try buildSequential()
    }

    /// The layers of a stack as a ``Sequential``; a graph is refused (``buildModel()`` builds either).
    public func buildSequential() throws(ConfigError) -> Sequential {
        guard graph == nil else { throw ConfigError(path: "$.nodes", "this model is a graph, not a stack of layers") }
        _ = try layerShapes()
        var shape = input
        var modules: [Module] = []
        for (i, l) in layers.enumerated() {
            do throws(ConfigError) {
                let (m, out) = try l.build(input: shape)
                modules.append(m)
                shape = out
            } catch {
                throw ConfigError(path: "$.layers[\(i)]", error.message)
            }
        }
        return Sequential(modules)
    }

    /// A Keras-like table of the layers, their output shapes and parameter counts, from the spec alone: a model too
    /// large to build here is still summarized, at once.
    ///
    /// ```swift
    /// print(try ModelSpec(json: Array(text.utf8)).summary())
    /// ```
    public func summary() throws(ConfigError) -> String {
        if let graph { return try graph.summary(path: "$", bytesPerParameter: optimizer.trainingBytesPerParameter) }
        let shapes = try layerShapes()
        let rows = zip(layers, shapes).enumerated().map { i, pair in
            let (l, s) = pair
            return ("\(i) \(l.typeName)" + (l.details.isEmpty ? "" : " (\(l.details))"), Module.batchShapeText(s.output), "\(s.parameters)")
        }
        return Module.summaryTable(rows: rows, total: shapes.reduce(0) { $0 + $1.parameters },
                                   trainable: shapes.reduce(0) { $0 + $1.trainable })
    }

    /// The spec of a built model (layers NeuralKit knows) with the given training settings: a ``Sequential``'s
    /// layers for examples of shape `input`, or a ``GraphModel``'s graph (which knows its input shapes).
    public static func describing(_ model: Module, input: [Int], loss: Loss, optimizer: any OptimizerRule,
                                  schedule: LearningRateSchedule = .constant, metrics: [Metric] = []) -> ModelSpec? {
        if let graph = model as? GraphModel {
            return GraphSpec.describing(graph).map {
                ModelSpec(graph: $0, loss: loss, optimizer: optimizer, schedule: schedule, metrics: metrics)
            }
        }
        guard let model = model as? Sequential else { return nil }
        var layers: [LayerSpec] = []
        for m in model.layers {
            guard let l = LayerSpec.describing(m) else { return nil }
            layers.append(l)
        }
        return ModelSpec(input: input, layers: layers, loss: loss, optimizer: optimizer, schedule: schedule, metrics: metrics)
    }
}
