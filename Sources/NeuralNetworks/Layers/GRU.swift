import JSONCoding
import TensorModule

/// Gated recurrent unit (Cho et al., 2014), Keras's `GRU`: with the input part x̂ = xₜ·W + b split into the gates
/// z, r, h (Keras's order) and U likewise,
///
///     z = σ(x̂_z + hₜ₋₁·U_z + b̂_z),   r = σ(x̂_r + hₜ₋₁·U_r + b̂_r)
///     `resetAfter` (Keras's default, and PyTorch's form):  h̃ = tanh(x̂_h + r ⊙ (hₜ₋₁·U_h + b̂_h))
///     otherwise (the 2014 paper's):                        h̃ = tanh(x̂_h + (r ⊙ hₜ₋₁)·U_h)
///     hₜ = z ⊙ hₜ₋₁ + (1 − z) ⊙ h̃
///
/// Kernel W [features, 3·units] (Glorot uniform), recurrent kernel U [units, 3·units] (orthogonal); with `resetAfter`
/// the bias is [2, 3·units] (row 0 is b, row 1 the recurrent bias b̂, Keras's layout), otherwise [3·units]. PyTorch's
/// `nn.GRU` orders its gates r, z, n: W = `weight_ih_l0`ᵀ and U = `weight_hh_l0`ᵀ with their blocks reordered to z, r, h;
/// rows 0 and 1 of the bias are `bias_ih_l0` and `bias_hh_l0`, reordered the same way.
/// See ``RecurrentLayer`` for sequences, initial states, `goBackwards` and masks.
///
/// ```swift
/// let gru = GRU(inputSize: 12, units: 32)
/// gru(Tensor.zeros([4, 20, 12])).shape   // [4, 32]
/// ```
public final class GRU: RecurrentLayer {
    public let kernel: Parameter
    public let recurrentKernel: Parameter
    public let bias: Parameter?
    public let resetAfter: Bool

    public init(inputSize: Int, units: Int, useBias: Bool = true, resetAfter: Bool = true, returnSequences: Bool = false,
                goBackwards: Bool = false, seed: UInt64? = nil) {
        let seed = seed ?? RandomSeeds.next()
        kernel = Parameter(Initializer.glorotUniform.make([inputSize, 3 * units], seed: seed))
        recurrentKernel = Parameter(Initializer.orthogonal().make([units, 3 * units], seed: seed &+ 1))
        bias = useBias ? Parameter(Tensor.zeros(resetAfter ? [2, 3 * units] : [3 * units])) : nil
        self.resetAfter = resetAfter
        super.init(inputSize: inputSize, units: units, returnSequences: returnSequences, goBackwards: goBackwards, seed: seed &+ 2)
    }


    /// Row `k` of a `resetAfter` bias, or the whole bias otherwise (row 0 only).
    private func biasRow(_ k: Int) -> Tensor? {
        guard let b = bias?.value else { return nil }
        return resetAfter ? b.slice(alongAxis: 0, k..<(k + 1)).reshaped(to: [3 * units]) : (k == 0 ? b : nil)
    }

    public override func projectInputs(_ x: Tensor) -> Tensor { x.dense(kernel.value, bias: biasRow(0)) }

    /// PyTorch orders r, z, n; this layer z, r, h.
    public override var pyTorchGateOrder: [Int] { [1, 0, 2] }

    /// PyTorch's `nn.GRU` resets after the product.
    public override var hasPyTorchForm: Bool { resetAfter }

    public override func step(_ projected: Tensor, states: [Tensor], recurrent: Tensor) -> [Tensor] {
        let (h, hr, u) = (states[0], recurrent, units)
        func part(_ t: Tensor, _ k: Int) -> Tensor { t.slice(alongAxis: 1, (k * u)..<((k + 1) * u)) }
        let candidate: Tensor, z: Tensor
        if resetAfter {
            let inner = hr.dense(recurrentKernel.value, bias: biasRow(1))
            z = (part(projected, 0) + part(inner, 0)).sigmoid()
            let r = (part(projected, 1) + part(inner, 1)).sigmoid()
            candidate = (part(projected, 2) + r * part(inner, 2)).tanh()
        } else {
            let zr = hr.matmul(recurrentKernel.value.slice(alongAxis: 1, 0..<(2 * u)))
            z = (part(projected, 0) + part(zr, 0)).sigmoid()
            let r = (part(projected, 1) + part(zr, 1)).sigmoid()
            candidate = (part(projected, 2) + (r * hr).matmul(part(recurrentKernel.value, 2))).tanh()
        }
        return [z * h + (1 - z) * candidate]
    }
}

extension GRU: ConfigurableLayer {
    /// `{"type": "gru", "units": 32}`; also `useBias` (true), `resetAfter` (true, Keras's default), `returnSequences`
    /// and `goBackwards` (false), and the ``RecurrentSwitches``.
    public struct Configuration: RecurrentLayerConfiguration {
        public static let typeName = "gru"
        public static let fieldNames = Set<String>(["units", "useBias", "resetAfter", "returnSequences", "goBackwards"]).union(RecurrentSwitches.fieldNames)
        public var units: Int
        public var useBias: Bool
        public var resetAfter: Bool
        public var returnSequences: Bool
        public var goBackwards: Bool
        /// `stateful`, `dropout`, `recurrentDropout`.
        public var switches = RecurrentSwitches()

        public init(units: Int, useBias: Bool = true, resetAfter: Bool = true, returnSequences: Bool = false, goBackwards: Bool = false) {
            self.units = units
            self.useBias = useBias
            self.resetAfter = resetAfter
            self.returnSequences = returnSequences
            self.goBackwards = goBackwards
        }

        public init(fields f: Fields) throws(ConfigError) {
            let d = Configuration(units: 1)
            self.init(units: try f.required("units").int(minimum: 1), useBias: try f.bool("useBias", default: d.useBias),
                      resetAfter: try f.bool("resetAfter", default: d.resetAfter),
                      returnSequences: try f.bool("returnSequences", default: d.returnSequences),
                      goBackwards: try f.bool("goBackwards", default: d.goBackwards))
            switches = try RecurrentSwitches(fields: f)
        }

        public var jsonFields: [(String, JSONValue)] {
            [("units", .number(Double(units))), ("useBias", .bool(useBias)), ("resetAfter", .bool(resetAfter)),
             ("returnSequences", .bool(returnSequences)), ("goBackwards", .bool(goBackwards))] + switches.jsonFields
        }

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            (switches.applied(to: GRU(inputSize: try sequenceFeatures(input), units: units, useBias: useBias, resetAfter: resetAfter,
                                      returnSequences: returnSequences, goBackwards: goBackwards)), try outputShape(input: input))
        }

        public func parameterCount(input: [Int]) -> Int? {
            MemoryBudget.sum(MemoryBudget.elementCount([(input.count == 2 ? input[1] : 0) + units, 3 * units]),
                             useBias ? (resetAfter ? 6 : 3) * units : 0)
        }

    }

    public var configuration: any LayerConfiguration {
        var c = Configuration(units: units, useBias: bias != nil, resetAfter: resetAfter, returnSequences: returnSequences, goBackwards: goBackwards)
        c.switches = RecurrentSwitches(of: self)
        return c
    }
}
