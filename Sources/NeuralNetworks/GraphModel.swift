import TensorModule

/// A model whose layers form a graph (Keras's functional `Model`): several inputs and outputs, branches joined by
/// ``Add``, ``Concatenate`` or ``Multiply``, residual connections, and shared layers (one layer called twice keeps one
/// set of weights, and its gradient sums both uses). ``Sequential`` stays the simple case; `Trainer` takes either.
///
/// Build it by calling layers on placeholders:
///
/// ```swift
/// let x = SymbolicTensor.input(shape: [28, 28, 1])
/// let c = Conv2D(inputChannels: 1, filters: 8, kernelSize: (3, 3), padding: .same, activation: .relu)(x)
/// let r = Add()([c, Conv2D(inputChannels: 8, filters: 8, kernelSize: (3, 3), padding: .same)(c)])   // residual
/// let y = Dense(inputSize: 8, outputSize: 10)(GlobalAveragePool2D()(r))
/// let model = GraphModel(inputs: [x], outputs: [y])
/// let logits = model(Tensor.zeros([4, 28, 28, 1]))   // [4, 10]
/// ```
///
/// Parameters are named by the layer's place in ``layers`` (`layers.2.kernel`), layers in the order of their first
/// call, as ``Sequential`` names them.
public final class GraphModel: Module {
    /// One layer call: its name, the layer (an index into ``layers``), and what it reads, as slots: `0..<inputCount`
    /// are the model's inputs, `inputCount + k` is node `k`'s output. Nodes come in an order where every node reads
    /// only earlier slots.
    public struct Node: Sendable, Equatable {
        public let name: String
        public let layer: Int
        public let inputs: [Int]
        /// The per-example output shape.
        public let shape: [Int]
    }

    /// Each distinct layer once, in the order of its first call.
    public let layers: [Module]
    /// The inputs' names (given, or `input`, `input_1`, …).
    public let inputNames: [String]
    /// The inputs' per-example shapes.
    public let inputShapes: [[Int]]
    /// The layer calls, in an order that computes each node after what it reads.
    public let nodes: [Node]
    /// The slots returned, in order.
    public let outputSlots: [Int]
    /// For each slot, the last node that reads it (nodes.count for outputs): a value is released after it.
    private let _lastUse: [Int]

    /// The number of inputs.
    public var inputCount: Int { inputNames.count }

    /// The name of every slot: the inputs', then the nodes'.
    public var slotNames: [String] { inputNames + nodes.map(\.name) }

    /// The model from the placeholders of its inputs to those of its outputs. A graph that does not connect (an
    /// output depending on a placeholder that is not among `inputs`), or two nodes with one name, stop with a message.
    public convenience init(inputs: [SymbolicTensor], outputs: [SymbolicTensor]) {
        // Post-order walk from the outputs: every node after what it reads.
        var order: [SymbolicTensor.Origin] = [], visited = Set<ObjectIdentifier>()
        func visit(_ o: SymbolicTensor.Origin) {
            guard visited.insert(ObjectIdentifier(o)).inserted else { return }
            for i in o.inputs { visit(i) }
            if o.layer != nil { order.append(o) }
        }
        for o in outputs { visit(o.origin) }
        let inputIDs = inputs.map { ObjectIdentifier($0.origin) }
        func problem(_ message: String) -> Never {
            require(false, ModuleError.invalidGraph(message).description)
            fatalError()
        }
        for o in visited.subtracting(order.map { ObjectIdentifier($0) }) where !inputIDs.contains(o) {
            problem("an output depends on an input placeholder that is not among the model's inputs")
        }
        for o in inputs where o.origin.layer != nil {
            problem("input '\(o.name ?? "?")' is a layer's output, not a placeholder made by SymbolicTensor.input")
        }
        var names = Naming(reserving: inputs.compactMap(\.name) + order.compactMap(\.name))
        let inputNames = inputs.map { names.take($0.name, base: "input") }
        var layers: [Module] = [], layerIndex: [ObjectIdentifier: Int] = [:]
        var slot: [ObjectIdentifier: Int] = Dictionary(zip(inputIDs, inputIDs.indices), uniquingKeysWith: { a, _ in a })
        var described: [(name: String, layer: Int, inputs: [Int])] = []
        for o in order {
            let layer = o.layer!
            let id = ObjectIdentifier(layer)
            if layerIndex[id] == nil {
                layerIndex[id] = layers.count
                layers.append(layer)
            }
            let typeName = layer.typeName
            let base = typeName.prefix(1).lowercased() + typeName.dropFirst()
            described.append((names.take(o.name, base: base), layerIndex[id]!, o.inputs.map { slot[ObjectIdentifier($0)]! }))
            slot[ObjectIdentifier(o)] = inputs.count + described.count - 1
        }
        if let repeated = names.repeated { problem("two nodes are named '\(repeated)'") }
        do {
            try self.init(inputNames: inputNames, inputShapes: inputs.map(\.shape), layers: layers, nodes: described,
                          outputs: outputs.map { slot[ObjectIdentifier($0.origin)]! })
        } catch {
            problem(error.description)
        }
    }

    /// The model from its parts, checked: each node's layer index, its inputs (earlier slots only), and the shapes
    /// flowing through (a layer that cannot take its inputs' shapes is named). Model files are read this way.
    public init(inputNames: [String], inputShapes: [[Int]], layers: [Module], nodes: [(name: String, layer: Int, inputs: [Int])],
                outputs: [Int]) throws(ModuleError) {
        guard !inputNames.isEmpty, inputNames.count == inputShapes.count else {
            throw .invalidGraph("needs at least one input, each with a shape")
        }
        guard !outputs.isEmpty else { throw .invalidGraph("needs at least one output") }
        var shapes = inputShapes, built: [Node] = []
        for (k, n) in nodes.enumerated() {
            guard layers.indices.contains(n.layer) else { throw .invalidGraph("node '\(n.name)' names layer \(n.layer) of \(layers.count)") }
            guard !n.inputs.isEmpty, n.inputs.allSatisfy({ $0 >= 0 && $0 < inputShapes.count + k }) else {
                throw .invalidGraph("node '\(n.name)' must read inputs or earlier nodes")
            }
            let shape = Array(try layers[n.layer].outputShape(forInputs: n.inputs.map { [1] + shapes[$0] }).dropFirst())
            shapes.append(shape)
            built.append(Node(name: n.name, layer: n.layer, inputs: n.inputs, shape: shape))
        }
        guard outputs.allSatisfy({ shapes.indices.contains($0) }) else { throw .invalidGraph("an output names no input or node") }
        var lastUse = Array(repeating: -1, count: shapes.count)
        for (k, n) in built.enumerated() { for i in n.inputs { lastUse[i] = k } }
        for o in outputs { lastUse[o] = built.count }
        self.layers = layers
        self.inputNames = inputNames
        self.inputShapes = inputShapes
        self.nodes = built
        self.outputSlots = outputs
        _lastUse = lastUse
    }

    /// The per-example shapes of the outputs.
    public var outputShapes: [[Int]] { outputSlots.map { $0 < inputCount ? inputShapes[$0] : nodes[$0 - inputCount].shape } }

    /// The outputs for `inputs` (one tensor per model input, batch first). Each intermediate value is released
    /// after its last reader.
    public func outputs(for inputs: [Tensor]) -> [Tensor] {
        require(inputs.count == inputCount, "GraphModel takes \(inputCount) input\(inputCount == 1 ? "" : "s"), given \(inputs.count)")
        // A layer that makes a mask changes what later layers compute: carry it.
        if makesMask { return outputs(for: inputs, masks: inputs.map { _ in nil }).map(\.output) }
        let slots = run(inputs, nodesBefore: nodes.count, release: true).values
        return outputSlots.map { slots[$0]! }
    }

    public override func callAsFunction(_ input: Tensor) -> Tensor { self([input]) }

    public override func callAsFunction(_ inputs: [Tensor]) -> Tensor {
        require(outputSlots.count == 1, "GraphModel has \(outputSlots.count) outputs: call outputs(for:)")
        return outputs(for: inputs)[0]
    }

    /// The batch shapes of every slot (inputs, then nodes) for inputs of `inputShapes` (batch first).
    public func slotShapes(forInputs inputShapes: [[Int]]) throws(ModuleError) -> [[Int]] {
        guard inputShapes.count == inputCount else {
            throw .inputCount(layer: "GraphModel", expected: "\(inputCount)", found: inputShapes.count)
        }
        var shapes = inputShapes
        for node in nodes { shapes.append(try layers[node.layer].outputShape(forInputs: node.inputs.map { shapes[$0] })) }
        return shapes
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        try outputShape(forInputs: [inputShape])
    }

    public override func outputShape(forInputs inputShapes: [[Int]]) throws(ModuleError) -> [Int] {
        guard outputSlots.count == 1 else { throw .invalidGraph("has \(outputSlots.count) outputs, not one") }
        return try slotShapes(forInputs: inputShapes)[outputSlots[0]]
    }

    /// Adapts every ``Normalization`` layer (but those given their statistics) to what reaches it when the model
    /// reads `batches` (one array of input tensors per batch), in inference mode and without gradients: as
    /// ``Sequential/adaptNormalizations(toBatches:)``.
    public func adaptNormalizations(toBatches batches: some Collection<[Tensor]>) {
        guard !batches.isEmpty, layers.contains(where: { ($0 as? Normalization)?.isAdaptable == true }) else { return }
        let wasTraining = isTraining
        setTraining(false)
        defer { setTraining(wasTraining) }
        withoutGradient {
            var adapted = Set<Int>()
            for (k, node) in nodes.enumerated() {
                guard let normalization = layers[node.layer] as? Normalization, normalization.isAdaptable,
                      adapted.insert(node.layer).inserted else { continue }
                let source = node.inputs[0]
                normalization.adapt(to: batches.lazy.map { inputs in self.run(inputs, nodesBefore: k, release: false).values[source]! })
            }
        }
    }

    /// The slots' values for `inputs` after running the nodes before `end`; with `release`, each value but the
    /// outputs is dropped after its last reader. Masks are carried (each layer's ``Module/maskedCall(_:masks:)``)
    /// when some are given or a layer makes one; otherwise `masks` comes back nil.
    private func run(_ inputs: [Tensor], masks inputMasks: [Tensor?]? = nil, nodesBefore end: Int,
                     release: Bool) -> (values: [Tensor?], masks: [Tensor?]?) {
        var slots: [Tensor?] = inputs + Array(repeating: nil, count: end)
        let carry = inputMasks?.contains { $0 != nil } == true || layers.contains(where: \.makesMask)
        var masks: [Tensor?]? = carry ? (inputMasks ?? Array(repeating: nil, count: inputCount)) + Array(repeating: nil, count: end) : nil
        for (k, node) in nodes[..<end].enumerated() {
            let args = node.inputs.map { slots[$0]! }
            let layer = layers[node.layer]
            if masks != nil {
                let (output, mask) = layer.maskedCall(args, masks: node.inputs.map { masks![$0] })
                slots[inputCount + k] = output
                masks![inputCount + k] = mask
            } else {
                slots[inputCount + k] = args.count == 1 ? layer(args[0]) : layer(args)
            }
            if release { for i in node.inputs where _lastUse[i] == k { slots[i] = nil } }
        }
        return (slots, masks)
    }

    /// The outputs and their masks for `inputs` and their masks (nil where none): padding masks made by an
    /// ``Embedding`` with `maskZero` reach the outputs, and through them the loss and the metrics.
    public func outputs(for inputs: [Tensor], masks: [Tensor?]) -> [(output: Tensor, mask: Tensor?)] {
        require(inputs.count == inputCount && masks.count == inputCount,
                "GraphModel takes \(inputCount) input\(inputCount == 1 ? "" : "s") and masks, given \(inputs.count) and \(masks.count)")
        let (values, carried) = run(inputs, masks: masks, nodesBefore: nodes.count, release: true)
        return outputSlots.map { (values[$0]!, carried?[$0] ?? nil) }
    }

    public override var makesMask: Bool { layers.contains(where: \.makesMask) }

    public override func maskedCall(_ inputs: [Tensor], masks: [Tensor?]) -> (output: Tensor, mask: Tensor?) {
        require(outputSlots.count == 1, "GraphModel has \(outputSlots.count) outputs: call outputs(for:masks:)")
        let out = outputs(for: inputs, masks: masks)[0]
        return (out.output, out.mask)
    }

    public override func callAsFunction(_ inputs: [Tensor], masks: [Tensor?]) -> Tensor { maskedCall(inputs, masks: masks).output }
}

/// Unique names: given names are kept (the first one given twice is remembered), a missing one becomes `base`,
/// `base_1`, … skipping every given name.
private struct Naming {
    private var used = Set<String>()
    private var next: [String: Int] = [:]
    private(set) var repeated: String?

    init(reserving given: [String]) {
        for name in given where !used.insert(name).inserted { repeated = repeated ?? name }
    }

    mutating func take(_ given: String?, base: String) -> String {
        if let given { return given }
        var k = next[base, default: 0]
        var name = k == 0 ? base : "\(base)_\(k)"
        while used.contains(name) {
            k += 1
            name = "\(base)_\(k)"
        }
        next[base] = k + 1
        used.insert(name)
        return name
    }
}

extension GraphModel {
    /// A Keras-like table of the graph: each input and node with its output shape, its parameter count (a shared
    /// layer's on its first call, 0 after) and the nodes it reads.
    ///
    /// ```swift
    /// print(try model.summary(inputShapes: [[1, 28, 28, 1], [1, 4]]))
    /// ```
    public func summary(inputShapes batchShapes: [[Int]]) throws(ModuleError) -> String {
        let shapes = try slotShapes(forInputs: batchShapes)
        let names = slotNames
        var rows = inputNames.indices.map { ("\(names[$0]) (Input)", Module.batchShapeText(Array(shapes[$0].dropFirst())), "0") }
        var connections = Array(repeating: "", count: inputCount)
        var counted = Set<Int>()
        for (k, node) in nodes.enumerated() {
            let layer = layers[node.layer]
            let type = layer.details.isEmpty ? layer.typeName : "\(layer.typeName) \(layer.details)"
            let count = counted.insert(node.layer).inserted ? layer.parameterCount : 0
            rows.append(("\(node.name) (\(type))", Module.batchShapeText(Array(shapes[inputCount + k].dropFirst())), "\(count)"))
            connections.append(node.inputs.map { names[$0] }.joined(separator: ", "))
        }
        let trainable = parameters.filter(\.isTrainable).reduce(0) { $0 + $1.value.count }
        return Module.summaryTable(rows: rows, total: parameterCount, trainable: trainable, connections: connections)
    }
}
