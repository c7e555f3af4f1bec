import JSONCoding
import TensorModule

/// Long short-term memory (Hochreiter & Schmidhuber, 1997), Keras's `LSTM` and PyTorch's `nn.LSTM`: at each step,
/// with z = xₜ·W + b + hₜ₋₁·U split into four gates in the order i, f, g, o (both libraries' order),
///
///     i = σ(z_i),  f = σ(z_f),  g = tanh(z_g),  o = σ(z_o)
///     cₜ = f ⊙ cₜ₋₁ + i ⊙ g,   hₜ = o ⊙ tanh(cₜ)
///
/// The output is h; the states are h and c. Kernel W [features, 4·units] (Glorot uniform), recurrent kernel
/// U [units, 4·units] (orthogonal), bias b [4·units] (zeros, with the forget gate's part at 1: `unitForgetBias`), as
/// Keras initializes them. From PyTorch: W = `weight_ih_l0`ᵀ, U = `weight_hh_l0`ᵀ, b = `bias_ih_l0` + `bias_hh_l0`.
/// See ``RecurrentLayer`` for sequences, initial states (`[x, h0, c0]`), `goBackwards` and masks.
///
/// ```swift
/// let lstm = LSTM(inputSize: 64, units: 256, returnSequences: true)
/// lstm(Tensor.zeros([8, 100, 64])).shape   // [8, 100, 256]
/// ```
public final class LSTM: RecurrentLayer {
    public let kernel: Parameter
    public let recurrentKernel: Parameter
    public let bias: Parameter?

    public init(inputSize: Int, units: Int, useBias: Bool = true, unitForgetBias: Bool = true, returnSequences: Bool = false,
                goBackwards: Bool = false, seed: UInt64? = nil) {
        let seed = seed ?? RandomSeeds.next()
        kernel = Parameter(Initializer.glorotUniform.make([inputSize, 4 * units], seed: seed))
        recurrentKernel = Parameter(Initializer.orthogonal().make([units, 4 * units], seed: seed &+ 1))
        bias = useBias ? Parameter(Tensor((0..<(4 * units)).map { unitForgetBias && $0 / units == 1 ? 1 : 0 })) : nil
        super.init(inputSize: inputSize, units: units, returnSequences: returnSequences, goBackwards: goBackwards, seed: seed &+ 2)
    }

    public override var stateCount: Int { 2 }

    /// i, f, g, o in both libraries.
    public override var pyTorchGateOrder: [Int] { [0, 1, 2, 3] }

    public override func projectInputs(_ x: Tensor) -> Tensor { x.dense(kernel.value, bias: bias?.value) }

    /// The recurrence as one op (``Tensor/lstmRecurrence(projected:recurrentKernel:h0:c0:mask:backwards:)``); ``step(_:states:recurrent:)``
    /// is the same cell op by op, which a ``BackpropagationTrace`` shows.
    public override func runFused(_ projected: Tensor, states: [Tensor], keep: Tensor?) -> (output: Tensor, states: [Tensor])? {
        let (n, steps) = (projected.shape[0], projected.shape[1])
        let hc = Tensor.lstmRecurrence(projected: projected, recurrentKernel: recurrentKernel.value, h0: states[0], c0: states[1],
                                       mask: keep, backwards: goBackwards)
        let last = hc.slice(alongAxis: 1, (steps - 1)..<steps).reshaped(to: [n, 2 * units])
        let final = [last.slice(alongAxis: 1, 0..<units), last.slice(alongAxis: 1, units..<(2 * units))]
        guard returnSequences else { return (final[0], final) }
        let outputs = hc.slice(alongAxis: 2, 0..<units)
        // A skipped step outputs zeros (its state carries on).
        return (keep.map { outputs * inRunOrder($0).reshaped(to: [n, steps, 1]) } ?? outputs, final)
    }

    public override func step(_ projected: Tensor, states: [Tensor], recurrent: Tensor) -> [Tensor] {
        let z = projected + recurrent.matmul(recurrentKernel.value)
        func gate(_ k: Int) -> Tensor { z.slice(alongAxis: 1, (k * units)..<((k + 1) * units)) }
        let c = gate(1).sigmoid() * states[1] + gate(0).sigmoid() * gate(2).tanh()
        return [gate(3).sigmoid() * c.tanh(), c]
    }
}

extension LSTM: ConfigurableLayer {
    /// `{"type": "lstm", "units": 256}`; also `useBias` (true), `returnSequences` and `goBackwards` (false), and the
    /// ``RecurrentSwitches``.
    /// `unitForgetBias` only sets the initial bias, so a saved model does not record it.
    public struct Configuration: RecurrentLayerConfiguration {
        public static let typeName = "lstm"
        public static let fieldNames = Set<String>(["units", "useBias", "returnSequences", "goBackwards"]).union(RecurrentSwitches.fieldNames)
        public var units: Int
        public var useBias: Bool
        public var returnSequences: Bool
        public var goBackwards: Bool
        /// `stateful`, `dropout`, `recurrentDropout`.
        public var switches = RecurrentSwitches()

        public init(units: Int, useBias: Bool = true, returnSequences: Bool = false, goBackwards: Bool = false) {
            self.units = units
            self.useBias = useBias
            self.returnSequences = returnSequences
            self.goBackwards = goBackwards
        }

        public init(fields f: Fields) throws(ConfigError) {
            let d = Configuration(units: 1)
            self.init(units: try f.required("units").int(minimum: 1), useBias: try f.bool("useBias", default: d.useBias),
                      returnSequences: try f.bool("returnSequences", default: d.returnSequences),
                      goBackwards: try f.bool("goBackwards", default: d.goBackwards))
            switches = try RecurrentSwitches(fields: f)
        }

        public var jsonFields: [(String, JSONValue)] {
            [("units", .number(Double(units))), ("useBias", .bool(useBias)), ("returnSequences", .bool(returnSequences)),
             ("goBackwards", .bool(goBackwards))] + switches.jsonFields
        }

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            (switches.applied(to: LSTM(inputSize: try sequenceFeatures(input), units: units, useBias: useBias, returnSequences: returnSequences,
                                       goBackwards: goBackwards)),
             try outputShape(input: input))
        }

        public func parameterCount(input: [Int]) -> Int? {
            MemoryBudget.sum(MemoryBudget.elementCount([(input.count == 2 ? input[1] : 0) + units, 4 * units]), useBias ? 4 * units : 0)
        }

    }

    public var configuration: any LayerConfiguration {
        var c = Configuration(units: units, useBias: bias != nil, returnSequences: returnSequences, goBackwards: goBackwards)
        c.switches = RecurrentSwitches(of: self)
        return c
    }
}
