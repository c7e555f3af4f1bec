import JSONCoding
import NeuralNetworks
import TensorModule

/// The layers of a graph model in a ``ModelSpec``: named inputs, nodes that each call a layer on named inputs or
/// earlier nodes, and the names of the outputs. A node either describes its layer, or calls the layer of an earlier
/// node again (`"sameLayerAs"`: a shared layer, one set of weights).
///
/// ```json
/// {"inputs": [{"name": "x", "shape": [16]}],
///  "nodes": [{"name": "h", "inputs": ["x"], "layer": {"type": "dense", "units": 16, "activation": "relu"}},
///            {"name": "sum", "inputs": ["x", "h"], "layer": {"type": "add"}},
///            {"name": "logits", "inputs": ["sum"], "layer": {"type": "dense", "units": 3}}],
///  "outputs": ["logits"], "loss": "softmaxCrossEntropy"}
/// ```
public struct GraphSpec: Equatable, Sendable {
    /// A model input: its name and the shape of one example.
    public struct Input: Equatable, Sendable {
        public var name: String
        public var shape: [Int]

        public init(name: String, shape: [Int]) {
            self.name = name
            self.shape = shape
        }
    }

    /// One layer call.
    public struct NodeSpec: Equatable, Sendable {
        /// The layer a node calls: described here, or the one an earlier node called.
        public enum Layer: Equatable, Sendable {
            case spec(LayerSpec)
            case sameLayerAs(String)
        }

        public var name: String
        public var layer: Layer
        /// The names of the inputs or earlier nodes it reads.
        public var inputs: [String]

        public init(name: String, layer: Layer, inputs: [String]) {
            self.name = name
            self.layer = layer
            self.inputs = inputs
        }
    }

    public var inputs: [Input]
    public var nodes: [NodeSpec]
    public var outputs: [String]

    public init(inputs: [Input], nodes: [NodeSpec], outputs: [String]) {
        self.inputs = inputs
        self.nodes = nodes
        self.outputs = outputs
    }

    /// Each node's per-example output shape, parameter counts (a shared layer's on its first call only), and
    /// the slots it reads (inputs first, then nodes), from the spec alone. Throws, naming the node's JSON path,
    /// when a name is unknown or repeated, a shape does not fit, or the parameters would not fit in memory.
    func nodeShapes(path: String, bytesPerParameter: Int) throws(ConfigError) -> [(output: [Int], parameters: Int, trainable: Int, inputs: [Int])] {
        guard !inputs.isEmpty else { throw ConfigError(path: path + ".inputs", "a graph model needs at least one input") }
        var slot: [String: Int] = [:], shapes: [[Int]] = []
        for (i, input) in inputs.enumerated() {
            guard !input.shape.isEmpty else { throw ConfigError(path: "\(path).inputs[\(i)].shape", "input shape must have at least one dimension") }
            if let problem = MemoryBudget.exampleProblem(shape: input.shape) { throw ConfigError(path: "\(path).inputs[\(i)]", problem) }
            guard slot.updateValue(shapes.count, forKey: input.name) == nil else {
                throw ConfigError(path: "\(path).inputs[\(i)].name", "the name '\(input.name)' is used twice")
            }
            shapes.append(input.shape)
        }
        var rows: [(output: [Int], parameters: Int, trainable: Int, inputs: [Int])] = []
        var firstCall: [String: (spec: LayerSpec, inputs: [[Int]])] = [:]
        var parameters: Int? = 0
        for (k, node) in nodes.enumerated() {
            let here = "\(path).nodes[\(k)]"
            var reads: [Int] = []
            for name in node.inputs {
                guard let s = slot[name] else {
                    throw ConfigError(path: here + ".inputs", "'\(name)' is not an input or an earlier node")
                }
                reads.append(s)
            }
            guard !reads.isEmpty else { throw ConfigError(path: here + ".inputs", "a node reads at least one input or node") }
            let inputShapes = reads.map { shapes[$0] }
            let spec: LayerSpec, count: Int, trainable: Int
            switch node.layer {
            case .spec(let s):
                spec = s
                count = inputShapes.count == 1 ? s.parameterCount(input: inputShapes[0]) ?? Int.max : 0
                trainable = inputShapes.count == 1 ? s.trainableParameterCount(input: inputShapes[0]) ?? 0 : 0
                parameters = MemoryBudget.sum(parameters, count)
                if let problem = MemoryBudget.parameterProblem(parameters: parameters, bytesPerParameter: bytesPerParameter) {
                    throw ConfigError(path: here, "\(s.typeName) on input \(inputShapes[0]): \(problem)")
                }
            case .sameLayerAs(let other):
                guard let first = firstCall[other] else {
                    throw ConfigError(path: here + ".sameLayerAs", "'\(other)' is not an earlier node with a layer of its own")
                }
                guard first.inputs == inputShapes else {
                    throw ConfigError(path: here + ".inputs", "the shared layer of '\(other)' was called on \(first.inputs), "
                                      + "here on \(inputShapes)")
                }
                (spec, count, trainable) = (first.spec, 0, 0)
            }
            let out: [Int]
            do throws(ConfigError) { out = try spec.outputShape(inputs: inputShapes) } catch {
                throw ConfigError(path: here, error.message)
            }
            if let problem = MemoryBudget.exampleProblem(shape: out) { throw ConfigError(path: here, "\(spec.typeName) output: \(problem)") }
            guard slot.updateValue(shapes.count, forKey: node.name) == nil else {
                throw ConfigError(path: here + ".name", "the name '\(node.name)' is used twice")
            }
            if case .spec(let s) = node.layer { firstCall[node.name] = (s, inputShapes) }
            shapes.append(out)
            rows.append((out, count, trainable, reads))
        }
        guard !outputs.isEmpty else { throw ConfigError(path: path + ".outputs", "a graph model needs at least one output") }
        for (i, name) in outputs.enumerated() where slot[name] == nil {
            throw ConfigError(path: "\(path).outputs[\(i)]", "'\(name)' is not an input or a node")
        }
        return rows
    }

    /// The model (weights freshly initialized from the global seed sequence), after ``nodeShapes(path:bytesPerParameter:)``'s checks.
    func buildModel(path: String, bytesPerParameter: Int) throws(ConfigError) -> GraphModel {
        let rows = try nodeShapes(path: path, bytesPerParameter: bytesPerParameter)
        let slotNames = inputs.map(\.name) + nodes.map(\.name)
        var layers: [Module] = [], layerOfNode: [String: Int] = [:]
        var described: [(name: String, layer: Int, inputs: [Int])] = []
        for (k, node) in nodes.enumerated() {
            let layer: Int
            switch node.layer {
            case .spec(let s):
                do throws(ConfigError) {
                    layers.append(try s.build(inputs: rows[k].inputs.map { i in i < inputs.count ? inputs[i].shape : rows[i - inputs.count].output }).0)
                } catch {
                    throw ConfigError(path: "\(path).nodes[\(k)]", error.message)
                }
                layer = layers.count - 1
            case .sameLayerAs(let other): layer = layerOfNode[other]!
            }
            layerOfNode[node.name] = layer
            described.append((node.name, layer, rows[k].inputs))
        }
        do {
            return try GraphModel(inputNames: inputs.map(\.name), inputShapes: inputs.map(\.shape), layers: layers, nodes: described,
                                  outputs: outputs.map { slotNames.firstIndex(of: $0)! })
        } catch {
            throw ConfigError(path: path, error.description)
        }
    }

    /// A Keras-like table of the graph from the spec alone: each input and node, its output shape, its parameter
    /// count and the nodes it reads.
    func summary(path: String, bytesPerParameter: Int) throws(ConfigError) -> String {
        let rows = try nodeShapes(path: path, bytesPerParameter: bytesPerParameter)
        let names = inputs.map(\.name) + nodes.map(\.name)
        var table = inputs.map { ("\($0.name) (input)", Module.batchShapeText($0.shape), "0") }
        var connections = Array(repeating: "", count: inputs.count)
        for (node, row) in zip(nodes, rows) {
            let type: String
            switch node.layer {
            case .spec(let s): type = s.typeName + (s.details.isEmpty ? "" : " \(s.details)")
            case .sameLayerAs(let other): type = "shares \(other)"
            }
            table.append(("\(node.name) (\(type))", Module.batchShapeText(row.output), "\(row.parameters)"))
            connections.append(row.inputs.map { names[$0] }.joined(separator: ", "))
        }
        return Module.summaryTable(rows: table, total: rows.reduce(0) { $0 + $1.parameters },
                                   trainable: rows.reduce(0) { $0 + $1.trainable }, connections: connections)
    }

    /// The spec of a built graph model whose layers NeuralKit knows.
    public static func describing(_ model: GraphModel) -> GraphSpec? {
        var inputs: [Input] = []
        for (name, shape) in zip(model.inputNames, model.inputShapes) { inputs.append(Input(name: name, shape: shape)) }
        var nodes: [NodeSpec] = [], firstNode: [Int: String] = [:]
        let names = model.slotNames
        for node in model.nodes {
            let layer: NodeSpec.Layer
            if let first = firstNode[node.layer] { layer = .sameLayerAs(first) } else {
                guard let spec = LayerSpec.describing(model.layers[node.layer]) else { return nil }
                layer = .spec(spec)
                firstNode[node.layer] = node.name
            }
            nodes.append(NodeSpec(name: node.name, layer: layer, inputs: node.inputs.map { names[$0] }))
        }
        return GraphSpec(inputs: inputs, nodes: nodes, outputs: model.outputSlots.map { names[$0] })
    }

    static let fields: Set<String> = ["inputs", "nodes", "outputs"]

    init(json f: [String: Node], in root: Node) throws(ConfigError) {
        var inputs: [Input] = []
        for node in try f.required("inputs", in: root).array() {
            let g = try node.object(allowed: ["name", "shape"])
            inputs.append(Input(name: try g.required("name", in: node).string(), shape: try g.required("shape", in: node).ints()))
        }
        var nodes: [NodeSpec] = []
        for node in try f.required("nodes", in: root).array() {
            let g = try node.object(allowed: ["name", "inputs", "layer", "sameLayerAs"])
            var reads: [String] = []
            for r in try g.required("inputs", in: node).array() { reads.append(try r.string()) }
            let layer: NodeSpec.Layer
            switch (g["layer"], g["sameLayerAs"]) {
            case (let spec?, nil): layer = .spec(try LayerSpec(json: spec))
            case (nil, let other?): layer = .sameLayerAs(try other.string())
            default: throw node.fail("a node needs \"layer\" (its own) or \"sameLayerAs\" (an earlier node's), not both")
            }
            nodes.append(NodeSpec(name: try g.required("name", in: node).string(), layer: layer, inputs: reads))
        }
        var outputs: [String] = []
        for o in try f.required("outputs", in: root).array() { outputs.append(try o.string()) }
        self.init(inputs: inputs, nodes: nodes, outputs: outputs)
    }

    var jsonFields: [(String, JSONValue)] {
        func strings(_ xs: [String]) -> JSONValue { .array(xs.map { .string($0) }) }
        return [
            ("inputs", .array(inputs.map { .object([("name", .string($0.name)), ("shape", .array($0.shape.map { .number(Double($0)) }))]) })),
            ("nodes", .array(nodes.map { node in
                let layer: (String, JSONValue) = switch node.layer {
                case .spec(let s): ("layer", s.json)
                case .sameLayerAs(let other): ("sameLayerAs", .string(other))
                }
                return .object([("name", .string(node.name)), ("inputs", strings(node.inputs)), layer])
            })),
            ("outputs", strings(outputs)),
        ]
    }
}

