import JSONCoding
import TensorModule

/// The plain recurrent layer (Keras's `SimpleRNN`, PyTorch's `nn.RNN`): at each step
///
///     hₜ = activation(xₜ·W + b + hₜ₋₁·U)
///
/// with kernel W [features, units] (Glorot uniform), recurrent kernel U [units, units] (orthogonal) and bias b (zeros),
/// as Keras initializes them. PyTorch's `weight_ih_l0` is Wᵀ, `weight_hh_l0` is Uᵀ, and b = `bias_ih_l0` + `bias_hh_l0`.
/// See ``RecurrentLayer`` for sequences, initial states, `goBackwards` and masks.
///
/// ```swift
/// let rnn = SimpleRNN(inputSize: 8, units: 16)
/// rnn(Tensor.zeros([4, 10, 8])).shape   // [4, 16]: the last step's output
/// ```
public final class SimpleRNN: RecurrentLayer {
    public let kernel: Parameter
    public let recurrentKernel: Parameter
    public let bias: Parameter?
    public let activation: Activation

    public init(inputSize: Int, units: Int, activation: Activation = .tanh, useBias: Bool = true, returnSequences: Bool = false,
                goBackwards: Bool = false, seed: UInt64? = nil) {
        let seed = seed ?? RandomSeeds.next()
        kernel = Parameter(Initializer.glorotUniform.make([inputSize, units], seed: seed))
        recurrentKernel = Parameter(Initializer.orthogonal().make([units, units], seed: seed &+ 1))
        bias = useBias ? Parameter(Tensor.zeros([units])) : nil
        self.activation = activation
        super.init(inputSize: inputSize, units: units, returnSequences: returnSequences, goBackwards: goBackwards, seed: seed &+ 2)
    }


    public override func projectInputs(_ x: Tensor) -> Tensor { x.dense(kernel.value, bias: bias?.value) }

    public override func step(_ projected: Tensor, states: [Tensor], recurrent: Tensor) -> [Tensor] {
        [activation(projected + recurrent.matmul(recurrentKernel.value))]
    }
}

extension SimpleRNN: ConfigurableLayer {
    /// `{"type": "simpleRNN", "units": 32}`; also `activation` (tanh), `useBias` (true), `returnSequences` and
    /// `goBackwards` (false), and the ``RecurrentSwitches``.
    public struct Configuration: RecurrentLayerConfiguration {
        public static let typeName = "simpleRNN"
        public static let fieldNames = Set<String>(["units", "activation", "useBias", "returnSequences", "goBackwards"]).union(RecurrentSwitches.fieldNames)
        public var units: Int
        public var activation: Activation
        public var useBias: Bool
        public var returnSequences: Bool
        public var goBackwards: Bool
        /// `stateful`, `dropout`, `recurrentDropout`.
        public var switches = RecurrentSwitches()

        public init(units: Int, activation: Activation = .tanh, useBias: Bool = true, returnSequences: Bool = false, goBackwards: Bool = false) {
            self.units = units
            self.activation = activation
            self.useBias = useBias
            self.returnSequences = returnSequences
            self.goBackwards = goBackwards
        }

        public init(fields f: Fields) throws(ConfigError) {
            let d = Configuration(units: 1)
            self.init(units: try f.required("units").int(minimum: 1),
                      activation: try f["activation"].map { n throws(ConfigError) in try Activation(json: n) } ?? d.activation,
                      useBias: try f.bool("useBias", default: d.useBias), returnSequences: try f.bool("returnSequences", default: d.returnSequences),
                      goBackwards: try f.bool("goBackwards", default: d.goBackwards))
            switches = try RecurrentSwitches(fields: f)
        }

        public var jsonFields: [(String, JSONValue)] {
            [("units", .number(Double(units))), ("activation", activation.json), ("useBias", .bool(useBias)),
             ("returnSequences", .bool(returnSequences)), ("goBackwards", .bool(goBackwards))] + switches.jsonFields
        }

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            (switches.applied(to: SimpleRNN(inputSize: try sequenceFeatures(input), units: units, activation: activation, useBias: useBias,
                       returnSequences: returnSequences, goBackwards: goBackwards)), try outputShape(input: input))
        }

        public func parameterCount(input: [Int]) -> Int? {
            let f = input.count == 2 ? input[1] : 0
            return MemoryBudget.sum(MemoryBudget.elementCount([f + units, units]), useBias ? units : 0)
        }

    }

    public var configuration: any LayerConfiguration {
        var c = Configuration(units: units, activation: activation, useBias: bias != nil, returnSequences: returnSequences, goBackwards: goBackwards)
        c.switches = RecurrentSwitches(of: self)
        return c
    }
}

/// The configuration of a recurrent layer: its units, and whether it gives every step's output.
public protocol RecurrentLayerConfiguration: UnaryLayerConfiguration {
    var units: Int { get }
    var returnSequences: Bool { get }
}

extension RecurrentLayerConfiguration {
    /// The features of a per-example sequence input [time, features], or an error saying this layer needs one.
    public func sequenceFeatures(_ input: [Int]) throws(ConfigError) -> Int {
        guard input.count == 2 else {
            throw ConfigError(path: "$", "\(Self.typeName) needs a sequence input [time, features], found shape \(input)")
        }
        return input[1]
    }

    public func outputShape(input: [Int]) throws(ConfigError) -> [Int] {
        _ = try sequenceFeatures(input)
        return returnSequences ? [input[0], units] : [units]
    }

    public var details: String { "\(units)" + (returnSequences ? " sequences" : "") }
}

/// The switches every recurrent layer's configuration shares, under Keras's names: `stateful` (false), `dropout` and
/// `recurrentDropout` (0). A model file writes them only when they differ from these defaults.
///
/// ```swift
/// var lstm = LSTM.Configuration(units: 64)
/// lstm.switches = RecurrentSwitches(dropout: 0.2, recurrentDropout: 0.1)
/// ```
public struct RecurrentSwitches: Sendable, Equatable {
    /// ``RecurrentLayer/stateful``.
    public var stateful: Bool
    /// ``RecurrentLayer/dropout``.
    public var dropout: Double
    /// ``RecurrentLayer/recurrentDropout``.
    public var recurrentDropout: Double

    public init(stateful: Bool = false, dropout: Double = 0, recurrentDropout: Double = 0) {
        self.stateful = stateful
        self.dropout = dropout
        self.recurrentDropout = recurrentDropout
    }

    /// The JSON fields these switches read.
    public static let fieldNames: Set<String> = ["stateful", "dropout", "recurrentDropout"]

    /// Reads the switches from a layer's JSON fields; a rate outside [0, 1) names its path.
    public init(fields f: Fields) throws(ConfigError) {
        func rate(_ key: String) throws(ConfigError) -> Double {
            let r = try f.double(key, default: 0)
            guard (0..<1).contains(r) else { throw f[key]!.fail("\(key) must be in [0, 1), found \(r)") }
            return r
        }
        self.init(stateful: try f.bool("stateful", default: false), dropout: try rate("dropout"), recurrentDropout: try rate("recurrentDropout"))
    }

    /// The switches that differ from the defaults, as JSON fields.
    public var jsonFields: [(String, JSONValue)] {
        (stateful ? [("stateful", .bool(true))] : []) + (dropout > 0 ? [("dropout", .number(dropout))] : [])
            + (recurrentDropout > 0 ? [("recurrentDropout", .number(recurrentDropout))] : [])
    }

    /// The switches `layer` has.
    public init(of layer: RecurrentLayer) {
        self.init(stateful: layer.stateful, dropout: layer.dropout, recurrentDropout: layer.recurrentDropout)
    }

    /// `layer`, switched so.
    public func applied<L: RecurrentLayer>(to layer: L) -> L {
        layer.stateful = stateful
        layer.dropout = dropout
        layer.recurrentDropout = recurrentDropout
        return layer
    }
}
