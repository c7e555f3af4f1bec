import JSONCoding
import TensorModule

/// Two recurrent layers over the same sequences, one forward and one backward, with their outputs merged (Keras's
/// `Bidirectional`). With `returnSequences`, the backward layer's outputs are put back in time order before merging,
/// so step t merges what both directions say at t. A mask reaches both layers, and goes on with the sequences.
/// Initial states, as in Keras, come after the sequences: the forward layer's, then the backward layer's
/// (`[x, h0f, c0f, h0b, c0b]` for LSTMs).
///
/// ```swift
/// let both = Bidirectional(forward: LSTM(inputSize: 8, units: 16, returnSequences: true),
///                          backward: LSTM(inputSize: 8, units: 16, returnSequences: true, goBackwards: true))
/// both(Tensor.zeros([4, 10, 8])).shape   // [4, 10, 32]
/// ```
public final class Bidirectional: Module {
    /// How the two directions' outputs become one.
    public enum Merge: String, Sendable, CaseIterable {
        /// Side by side along the features: 2·units.
        case concatenate
        case sum
        case average
        case multiply
    }

    public let forward: RecurrentLayer
    public let backward: RecurrentLayer
    public let merge: Merge

    public init(forward: RecurrentLayer, backward: RecurrentLayer, merge: Merge = .concatenate) {
        require(!forward.goBackwards && backward.goBackwards, "Bidirectional: the forward layer must read forwards and the backward layer backwards")
        require(forward.units == backward.units && forward.inputSize == backward.inputSize && forward.returnSequences == backward.returnSequences,
                "Bidirectional: the two layers need the same inputSize, units and returnSequences")
        self.forward = forward
        self.backward = backward
        self.merge = merge
    }

    public var returnSequences: Bool { forward.returnSequences }
    public var units: Int { merge == .concatenate ? 2 * forward.units : forward.units }

    public override func callAsFunction(_ input: Tensor) -> Tensor { self([input], masks: [nil]) }

    /// `[x]`, or `[x, forward initial states…, backward initial states…]`.
    public override func callAsFunction(_ inputs: [Tensor]) -> Tensor { self(inputs, masks: inputs.map { _ in nil }) }

    public override func callAsFunction(_ inputs: [Tensor], masks: [Tensor?]) -> Tensor {
        let k = forward.stateCount
        require(inputs.count == 1 || inputs.count == 1 + 2 * k,
                "Bidirectional takes sequences and optionally \(k) initial state\(k == 1 ? "" : "s") per direction, given \(inputs.count) inputs")
        let mask = masks.first ?? nil
        let given = inputs.count > 1
        let f = forward.run(inputs[0], initialStates: given ? Array(inputs[1...k]) : nil, mask: mask).output
        var b = backward.run(inputs[0], initialStates: given ? Array(inputs[(1 + k)...]) : nil, mask: mask).output
        if returnSequences {
            // Back in time order: [N, T, U] → [T, N, U], rows reversed, → [N, T, U].
            let byTime = b.permuted([1, 0, 2])
            b = byTime.gathering(rows: Array((0..<byTime.shape[0]).reversed())).permuted([1, 0, 2])
        }
        switch merge {
        case .concatenate: return Tensor.concatenating([f, b], alongAxis: -1)
        case .sum: return f + b
        case .average: return (f + b) * 0.5
        case .multiply: return f * b
        }
    }

    public override func computeMask(inputs: [Tensor], masks: [Tensor?], output: Tensor) -> Tensor? {
        returnSequences ? masks.first ?? nil : nil
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        var shape = try forward.outputShape(for: inputShape)
        shape[shape.count - 1] = units
        return shape
    }

    public override func outputShape(forInputs inputShapes: [[Int]]) throws(ModuleError) -> [Int] {
        let k = forward.stateCount
        guard inputShapes.count == 1 || inputShapes.count == 1 + 2 * k else {
            throw .inputCount(layer: "Bidirectional", expected: "1 or \(1 + 2 * k)", found: inputShapes.count)
        }
        _ = try forward.outputShape(forInputs: Array(inputShapes.prefix(1 + (inputShapes.count > 1 ? k : 0))))
        if inputShapes.count > 1 { _ = try backward.outputShape(forInputs: [inputShapes[0]] + inputShapes.suffix(k)) }
        return try outputShape(for: inputShapes[0])
    }

    public override var details: String { "\(merge.rawValue) \(forward.details)" }
}

extension Bidirectional: ConfigurableLayer {
    /// `{"type": "bidirectional", "layer": {"type": "lstm", "units": 16}, "merge": "concatenate"}`: the forward layer's
    /// configuration (a recurrent layer), and the merge (concatenate, sum, average or multiply; default concatenate).
    /// The backward layer is the same configuration reading backwards.
    public struct Configuration: UnaryLayerConfiguration {
        public static let typeName = "bidirectional"
        public static let fieldNames: Set<String> = ["layer", "merge"]
        public var layer: LayerSpec
        public var merge: Merge

        public init(layer: LayerSpec, merge: Merge = .concatenate) {
            self.layer = layer
            self.merge = merge
        }

        public init(fields f: Fields) throws(ConfigError) {
            let node = try f.required("layer")
            var merge = Merge.concatenate
            if let m = f["merge"] {
                let name = try m.string()
                guard let value = Merge(rawValue: name) else {
                    throw m.fail("unknown merge '\(name)' (expected one of: \(Merge.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                merge = value
            }
            self.init(layer: try LayerSpec(json: node), merge: merge)
            _ = try directions(path: node.path)
        }

        public var jsonFields: [(String, JSONValue)] { [("layer", layer.json), ("merge", .string(merge.rawValue))] }

        /// The forward and backward layers' specs: the layer as given, and with `goBackwards` true.
        private func directions(path: String = "$") throws(ConfigError) -> (LayerSpec, LayerSpec) {
            guard case .object(let fields) = layer.json, fields.contains(where: { $0.key == "goBackwards" }) else {
                throw ConfigError(path: path, "bidirectional needs a recurrent layer (simpleRNN, lstm, gru), found \(layer.typeName)")
            }
            if case .bool(true)? = layer.json["goBackwards"] {
                throw ConfigError(path: path + ".goBackwards", "the forward layer of a bidirectional layer reads forwards")
            }
            let reversed = JSONValue.object(fields.map { $0.key == "goBackwards" ? ($0.key, .bool(true)) : $0 })
            return (layer, try LayerSpec(json: Node(value: reversed, path: path)))
        }

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            let (f, b) = try directions()
            guard let forward = try f.build(input: input).0 as? RecurrentLayer, let backward = try b.build(input: input).0 as? RecurrentLayer else {
                throw ConfigError(path: "$", "bidirectional needs a recurrent layer, found \(layer.typeName)")
            }
            let module = Bidirectional(forward: forward, backward: backward, merge: merge)
            return (module, try shape(of: module, input: input))
        }

        public func outputShape(input: [Int]) throws(ConfigError) -> [Int] {
            var shape = try layer.outputShape(input: input)
            if merge == .concatenate { shape[shape.count - 1] *= 2 }
            return shape
        }

        public func parameterCount(input: [Int]) -> Int? { MemoryBudget.sum(layer.parameterCount(input: input), layer.parameterCount(input: input)) }
        public var details: String { "\(merge.rawValue) \(layer.typeName) \(layer.details)" }
    }

    public var configuration: any LayerConfiguration {
        let layer = LayerSpec.describing(forward)
        require(layer != nil, "Bidirectional: its \(forward.typeName) layer cannot describe itself (ConfigurableLayer)")
        return Configuration(layer: layer!, merge: merge)
    }
}
