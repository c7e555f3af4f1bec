import TensorModule

/// The loop every recurrent layer shares (``SimpleRNN``, ``LSTM``, ``GRU``), Keras's `RNN`: sequences
/// [batch, time, features] are read step by step, carrying a state (the output h, and for an LSTM the cell c).
///
/// - The input projection x·W + b is one product for every step at once; each step then adds the recurrent part.
/// - `returnSequences` gives every step's output [batch, time, units], otherwise the last one [batch, units].
/// - `goBackwards` reads the steps from last to first (the outputs come in that order, as in Keras).
/// - Initial states are extra inputs: `layer([x, h0])`, or `[x, h0, c0]` for an LSTM; zeros by default.
/// - A mask [batch, time] (from ``Embedding`` with `maskZero`) skips padded steps: such a step carries the previous
///   state forward and outputs zeros, so a padded sequence ends in the state its unpadded steps give, and a fully
///   masked one in its initial state. With `returnSequences` the mask goes on to the next layer.
///
/// - `stateful` (Keras's switch): each batch starts from the final states of the batch before (row i continues row i's
///   sequence), until ``resetStates()``; a batch of another size stops with a message. Gradients do not flow back
///   into earlier batches.
/// - `dropout` and `recurrentDropout` (training only, Keras's): one mask per sequence, the same at every step, on the
///   inputs and on the h that enters the recurrent product. With `recurrentDropout`, training runs the cell op by op.
///
/// A subclass says what one step does (``step(_:states:recurrent:)``) and how many states it carries.
open class RecurrentLayer: Module, RandomStateHolder {
    public let units: Int
    /// The features each step reads.
    public let inputSize: Int
    public let returnSequences: Bool
    public let goBackwards: Bool
    /// Whether each call starts from the previous call's final states.
    public var stateful = false
    /// The fraction of input features dropped in training, in [0, 1).
    public var dropout = 0.0 {
        didSet { require((0..<1).contains(dropout), "\(typeName): dropout must be in [0, 1), got \(dropout)") }
    }
    /// The fraction of the recurrent state's units dropped from the recurrent product in training, in [0, 1).
    public var recurrentDropout = 0.0 {
        didSet { require((0..<1).contains(recurrentDropout), "\(typeName): recurrentDropout must be in [0, 1), got \(recurrentDropout)") }
    }
    /// The generator the dropout masks come from (saved with a checkpoint).
    public var generator: RandomGenerator
    /// A stateful layer's final states of the last call.
    public private(set) var carriedStates: [Tensor]?

    /// `seed` seeds the dropout masks' generator.
    public init(inputSize: Int, units: Int, returnSequences: Bool, goBackwards: Bool, seed: UInt64) {
        require(inputSize > 0 && units > 0, "\(Self.self): inputSize and units must be positive, got \(inputSize) and \(units)")
        self.inputSize = inputSize
        self.units = units
        self.returnSequences = returnSequences
        self.goBackwards = goBackwards
        generator = RandomGenerator(seed: seed)
    }

    /// How many state tensors [batch, units] a step carries; the first is the output h.
    open var stateCount: Int { 1 }

    /// The input projection of every step at once: [batch·time, features] → [batch·time, gates·units]. A subclass
    /// must override it and ``step(_:states:recurrent:)`` (Swift has no abstract methods; the defaults stop with a message).
    open func projectInputs(_ x: Tensor) -> Tensor { fatalError("\(typeName) must project its inputs") }

    /// One step: this step's projected input [batch, gates·units] and the states → the new states. `recurrent` is the h
    /// that enters the recurrent product: `states[0]`, or with recurrent dropout its masked copy.
    open func step(_ projected: Tensor, states: [Tensor], recurrent: Tensor) -> [Tensor] { fatalError("\(typeName) must define a step") }

    /// Forgets a stateful layer's carried states: the next call starts from zeros (or the initial states it is given).
    public func resetStates() { carriedStates = nil }

    /// A dropout mask of `shape` (one per sequence: no time axis, or a time axis of 1), kept units scaled by
    /// 1 / (1 − rate).
    private func dropoutMask(_ rate: Double, _ shape: [Int], dtype: DType) -> Tensor {
        (Tensor.randomUniform(shape, dtype: dtype, using: &generator) .>= rate) * (1 / (1 - rate))
    }

    /// The whole recurrence as one fused op, when the layer has one (``LSTM``): `projected` [batch, time, gates·units],
    /// `keep` the mask as 1/0 in the sequences' dtype. nil (the default) runs ``step(_:states:recurrent:)`` step by step.
    open func runFused(_ projected: Tensor, states: [Tensor], keep: Tensor?) -> (output: Tensor, states: [Tensor])? { nil }

    /// `keep` [batch, time] in the order the steps run (reversed along time for `goBackwards`).
    func inRunOrder(_ keep: Tensor) -> Tensor {
        guard goBackwards else { return keep }
        let (n, steps) = (keep.shape[0], keep.shape[1])
        let v = keep.values
        return Tensor(shape: [n, steps], values: (0..<(n * steps)).map { v[$0 / steps * steps + steps - 1 - $0 % steps] }, dtype: keep.dtype)
    }

    /// The outputs and the final states for sequences `x` [batch, time, features], starting from `initialStates`
    /// (zeros when nil), skipping the steps `mask` [batch, time] marks 0. With `returnState`, Keras's layer returns
    /// these final states after its output; here they are the second part of the result.
    ///
    /// ```swift
    /// let lstm = LSTM(inputSize: 8, units: 16, returnSequences: true)
    /// let (outputs, states) = lstm.run(x)   // [N, T, 16]; h and c, [N, 16] each
    /// ```
    public func run(_ x: Tensor, initialStates: [Tensor]? = nil, mask: Tensor? = nil) -> (output: Tensor, states: [Tensor]) {
        require(x.rank == 3 && x.shape[2] == inputSize,
                "\(typeName): input \(x.shape) is not sequences [batch, time, \(inputSize)]")
        let (n, steps) = (x.shape[0], x.shape[1])
        var states = initialStates ?? Array(repeating: Tensor.zeros([n, units], dtype: x.dtype), count: stateCount)
        require(states.count == stateCount && states.allSatisfy { $0.shape == [n, units] },
                "\(typeName): initial states \(states.map(\.shape)) are not \(stateCount) of [\(n), \(units)]")
        var keep: Tensor?
        if let mask {
            require(mask.shape == [n, steps], "\(typeName): mask \(mask.shape) does not fit sequences \(x.shape)")
            keep = mask.converted(to: x.dtype)
        }
        let dropping = isTraining && dropout > 0
        let input = dropping ? x * dropoutMask(dropout, [n, 1, inputSize], dtype: x.dtype) : x
        let recurrentMask = isTraining && recurrentDropout > 0 ? dropoutMask(recurrentDropout, [n, units], dtype: x.dtype) : nil
        let projected = projectInputs(input.reshaped(to: [n * steps, inputSize]))
        let gates = projected.shape[1]
        let byStep = projected.reshaped(to: [n, steps, gates])
        // One op for the whole recurrence where the layer has one, except while a trace records every op.
        if steps > 0, recurrentMask == nil, !GradientMode.isTracing, let fused = runFused(byStep, states: states, keep: keep) { return fused }
        var outputs: [Tensor] = []
        for t in goBackwards ? Array((0..<steps).reversed()) : Array(0..<steps) {
            let next = step(byStep.slice(alongAxis: 1, t..<(t + 1)).reshaped(to: [n, gates]), states: states,
                            recurrent: recurrentMask.map { states[0] * $0 } ?? states[0])
            if let keep {
                // m·new + (1 − m)·old: a padded step keeps the state, and outputs zeros.
                let m = keep.slice(alongAxis: 1, t..<(t + 1))
                states = zip(next, states).map { new, old in m * new + (1 - m) * old }
                if returnSequences { outputs.append(m * next[0]) }
            } else {
                states = next
                if returnSequences { outputs.append(next[0]) }
            }
        }
        return (returnSequences ? Tensor.stacking(outputs, alongAxis: 1) : states[0], states)
    }

    public override func callAsFunction(_ input: Tensor) -> Tensor { self([input], masks: [nil]) }

    /// `[x]`, or `[x, initial states…]`.
    public override func callAsFunction(_ inputs: [Tensor]) -> Tensor { self(inputs, masks: inputs.map { _ in nil }) }

    public override func callAsFunction(_ inputs: [Tensor], masks: [Tensor?]) -> Tensor {
        require(inputs.count == 1 || inputs.count == 1 + stateCount,
                "\(typeName) takes sequences and optionally \(stateCount) initial state\(stateCount == 1 ? "" : "s"), given \(inputs.count) inputs")
        var initial = inputs.count > 1 ? Array(inputs.dropFirst()) : nil
        if stateful, initial == nil, let carried = carriedStates {
            let (previous, now) = (carried[0].shape[0], inputs[0].shape.first ?? 0)
            require(previous == now, "\(typeName): a stateful layer got a batch of \(now) sequences after batches of \(previous); "
                    + "keep the batch size (every batch full) or call resetStates() first")
            initial = carried
        }
        let (output, states) = run(inputs[0], initialStates: initial, mask: masks.first ?? nil)
        if stateful { carriedStates = states.map(\.detached) }
        return output
    }

    /// The sequences' mask goes on with the sequences (`returnSequences`); a last output has none.
    public override func computeMask(inputs: [Tensor], masks: [Tensor?], output: Tensor) -> Tensor? {
        returnSequences ? masks.first ?? nil : nil
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        guard inputShape.count == 3, inputShape[2] == inputSize else {
            throw .shapeMismatch(layer: "\(typeName)(\(inputSize)→\(units))", expected: "[batch, time, \(inputSize)]", found: inputShape)
        }
        return returnSequences ? [inputShape[0], inputShape[1], units] : [inputShape[0], units]
    }

    public override func outputShape(forInputs inputShapes: [[Int]]) throws(ModuleError) -> [Int] {
        guard inputShapes.count == 1 || inputShapes.count == 1 + stateCount else {
            throw .inputCount(layer: typeName, expected: "1 or \(1 + stateCount)", found: inputShapes.count)
        }
        let out = try outputShape(for: inputShapes[0])
        for s in inputShapes.dropFirst() where s != [inputShapes[0][0], units] {
            throw .shapeMismatch(layer: "\(typeName) initial state", expected: "[batch, \(units)]", found: s)
        }
        return out
    }

    public override var details: String { "\(units)" + (returnSequences ? " sequences" : "") + (goBackwards ? " backwards" : "") }

    // MARK: - Weights from PyTorch and Keras

    /// Where this layer's gate blocks sit in PyTorch's weights: block k of ours is PyTorch's block
    /// `pyTorchGateOrder[k]`. The same order by default (SimpleRNN's one block, LSTM's i, f, g, o).
    open var pyTorchGateOrder: [Int] { [0] }

    /// Whether PyTorch has this layer's equations (a GRU that resets before the product has none).
    open var hasPyTorchForm: Bool { true }

    /// Sets the weights from a PyTorch `nn.RNN`/`nn.LSTM`/`nn.GRU` state dict (one layer; `suffix` "_reverse" picks a
    /// bidirectional module's backward direction): W = `weight_ih_l0`ᵀ and U = `weight_hh_l0`ᵀ, gate blocks in this
    /// layer's order (``pyTorchGateOrder``); PyTorch's two biases are summed, or kept as the two rows of a GRU's
    /// `resetAfter` bias. Throws naming a missing or misshapen tensor.
    ///
    /// ```swift
    /// try lstm.loadPyTorch(try Safetensors(contentsOf: "lstm.safetensors").tensors())
    /// ```
    public func loadPyTorch(_ state: [String: Tensor], suffix: String = "") throws(ModuleError) {
        func named(_ name: String) throws(ModuleError) -> Tensor {
            guard let t = state[name + "_l0" + suffix] else { throw .stateMismatch("\(typeName): the state dict has no \(name)_l0\(suffix)") }
            return t
        }
        guard hasPyTorchForm else { throw .stateMismatch("\(typeName): PyTorch has no layer with these equations") }
        let (kernel, recurrent, bias) = try recurrentParameters()
        try Self.assign(kernel, reordered(try named("weight_ih").transposed(), axis: 1), "\(typeName) weight_ih_l0\(suffix)ᵀ")
        try Self.assign(recurrent, reordered(try named("weight_hh").transposed(), axis: 1), "\(typeName) weight_hh_l0\(suffix)ᵀ")
        guard let bias else { return }
        let (input, hidden) = (reordered(try named("bias_ih"), axis: 0), reordered(try named("bias_hh"), axis: 0))
        guard input.shape == hidden.shape, input.dtype == hidden.dtype else {
            throw .shapeMismatch(layer: "\(typeName) bias_hh_l0\(suffix)", expected: "\(input.shape) like bias_ih_l0\(suffix)", found: hidden.shape)
        }
        try Self.assign(bias, bias.value.rank == 2 ? Tensor.stacking([input, hidden]) : input + hidden, "\(typeName) bias_ih_l0\(suffix), bias_hh_l0\(suffix)")
    }

    /// Sets the weights from Keras's `SimpleRNN`/`LSTM`/`GRU` (the same layouts as this layer): `kernel`,
    /// `recurrent_kernel` and `bias`, each name after `prefix`.
    ///
    /// ```swift
    /// try gru.loadKeras(["kernel": w, "recurrent_kernel": u, "bias": b])
    /// ```
    public func loadKeras(_ weights: [String: Tensor], prefix: String = "") throws(ModuleError) {
        let (kernel, recurrent, bias) = try recurrentParameters()
        for (parameter, name) in [(kernel, "kernel"), (recurrent, "recurrent_kernel")] + (bias.map { [($0, "bias")] } ?? []) {
            guard let value = weights[prefix + name] else { throw .stateMismatch("\(typeName): no Keras weight \(prefix + name)") }
            try Self.assign(parameter, value, "\(typeName) \(prefix + name)")
        }
    }

    private func recurrentParameters() throws(ModuleError) -> (kernel: Parameter, recurrent: Parameter, bias: Parameter?) {
        let all = Dictionary(uniqueKeysWithValues: namedParameters.map { ($0.name, $0.parameter) })
        guard let kernel = all["kernel"], let recurrent = all["recurrentKernel"] else {
            throw .stateMismatch("\(typeName) has no kernel and recurrent kernel")
        }
        return (kernel, recurrent, all["bias"])
    }

    /// `t`'s gate blocks (along `axis`) from PyTorch's order into this layer's.
    private func reordered(_ t: Tensor, axis: Int) -> Tensor {
        let order = pyTorchGateOrder
        guard order != Array(order.indices), t.rank > axis, t.shape[axis] == order.count * units else { return t }
        return Tensor.concatenating(order.map { t.slice(alongAxis: axis, ($0 * units)..<(($0 + 1) * units)) }, alongAxis: axis)
    }

    private static func assign(_ parameter: Parameter, _ value: Tensor, _ name: String) throws(ModuleError) {
        guard value.shape == parameter.value.shape else {
            throw .shapeMismatch(layer: name, expected: "\(parameter.value.shape)", found: value.shape)
        }
        parameter.assign(value.converted(to: parameter.value.dtype))
    }
}
