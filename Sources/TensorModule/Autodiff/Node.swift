import Glibc

/// One entry of the autodiff tape: the op that made a tensor, the nodes of its inputs, and its pullback.
///
/// A pullback captures input and output *values* (tensors without nodes), never the node that owns it, so the
/// graph is a DAG that ARC frees; ``Tensor/backward()`` also drops every pullback once it has run.
///
/// The first three inputs are stored inline (every built-in op but concatenation has at most three), so recording
/// an op allocates no array: at the Playground's scale the tape's per-op allocations and reference counting cost
/// more than the arithmetic.
final class Node {
    let op: String
    /// The shape of the tensor this node belongs to (gradients are reduced to it).
    let shape: [Int]
    private var input0, input1, input2: Node?
    private var moreInputs: [Node?] = []
    /// How many inputs the op has (inputs without a node count too).
    private(set) var inputCount: Int
    var pullback: ((Tensor) -> InputGradients)?
    /// The accumulated gradient, kept on leaves (tensors the user marked with `requiresGradient`).
    var grad: Tensor?
    /// The gradient gathered so far during a backward pass.
    var pending: Tensor?
    /// The pass that last visited this node (see `Backpropagation.topologicalOrder`).
    var visit: UInt64 = 0
    /// The op's result, kept only while a ``BackpropagationTrace`` records (values without nodes: no cycle).
    var tracedValue: Tensor?
    let isLeaf: Bool

    init(leaf shape: [Int]) {
        op = "leaf"
        self.shape = shape
        inputCount = 0
        isLeaf = true
    }

    init(op: String, shape: [Int], _ a: Node?, _ b: Node?, _ c: Node?, count: Int,
         pullback: @escaping (Tensor) -> InputGradients) {
        self.op = op
        self.shape = shape
        (input0, input1, input2) = (a, b, c)
        inputCount = count
        self.pullback = pullback
        isLeaf = false
    }

    init(op: String, shape: [Int], inputs: [Tensor], pullback: @escaping (Tensor) -> InputGradients) {
        self.op = op
        self.shape = shape
        inputCount = inputs.count
        for (i, t) in inputs.enumerated() {
            switch i {
            case 0: input0 = t.node
            case 1: input1 = t.node
            case 2: input2 = t.node
            default: moreInputs.append(t.node)
            }
        }
        self.pullback = pullback
        isLeaf = false
    }

    /// The node of input `i` (nil when that input takes no part in differentiation), unretained: for the backward
    /// pass's walk, while the caller keeps the graph alive.
    @inline(__always) func unretainedInput(_ i: Int) -> Unmanaged<Node>? {
        switch i {
        case 0: return input0.map { Unmanaged.passUnretained($0) }
        case 1: return input1.map { Unmanaged.passUnretained($0) }
        case 2: return input2.map { Unmanaged.passUnretained($0) }
        default: return moreInputs[i - 3].map { Unmanaged.passUnretained($0) }
        }
    }

    /// Frees the pullback and the references to the inputs once a backward pass has used them.
    func release() {
        pullback = nil
        (input0, input1, input2) = (nil, nil, nil)
        moreInputs = []
        inputCount = 0
    }
}

/// Whether ops record themselves on the tape. Off inside ``withoutGradient(_:)`` and while a backward pass runs.
/// The mode belongs to the calling thread, as PyTorch's `no_grad` does (a thread-specific flag: reading a task-local
/// value cost more than a small op).
public enum GradientMode {
    /// Non-nil on a thread while recording is switched off.
    private static let offKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The flag's values: 0 (none) records, `off` does not, `tracing` records and keeps each op's result.
    private static let off: UInt = 1, tracing: UInt = 2
    private static var mode: UInt { UInt(bitPattern: pthread_getspecific(offKey)) }

    static var isRecording: Bool { mode != off }

    /// True while a ``BackpropagationTrace`` records: ops keep their results on their nodes, and layers with a fused
    /// op (``LSTM``) take their op-by-op path so that the trace shows every step.
    public static var isTracing: Bool { mode == tracing }

    /// True unless the caller is inside ``withoutGradient(_:)`` (or a backward pass).
    public static var isEnabled: Bool { isRecording }

    /// Runs `body` with recording on or off on this thread, then restores the previous mode.
    static func with<R>(recording: Bool, _ body: () throws -> R) rethrows -> R {
        try with(mode: recording ? 0 : off, body)
    }

    /// Runs `body` recording, with each op's result kept on its node, then restores the previous mode.
    static func withTracing<R>(_ body: () throws -> R) rethrows -> R { try with(mode: tracing, body) }

    private static func with<R>(mode: UInt, _ body: () throws -> R) rethrows -> R {
        let previous = pthread_getspecific(offKey)
        pthread_setspecific(offKey, UnsafeRawPointer(bitPattern: mode))
        defer { pthread_setspecific(offKey, previous) }
        return try body()
    }
}

/// Runs `body` without recording anything on the autodiff tape: the tensors it makes have no gradient history.
/// Use it for inference and for parameter updates.
///
/// ```swift
/// let prediction = withoutGradient { model(x) }
/// ```
public func withoutGradient<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.with(recording: false, body)
}

extension Tensor {
    /// Whether this tensor takes part in differentiation: a leaf you marked, or a result computed from one.
    /// Setting it to true on a tensor makes it a leaf whose ``grad`` `backward()` fills; false detaches it.
    public var requiresGradient: Bool {
        get { node != nil }
        set {
            if newValue {
                require(dtype.isFloatingPoint, "requiresGradient: an int32 tensor of shape \(shape) has no gradient")
                if node == nil { node = Node(leaf: shape) }
            } else {
                node = nil
            }
        }
    }

    /// The gradient accumulated by ``backward()`` on a leaf (nil before any backward pass, or for non-leaves).
    /// Gradients add up over several backward passes, as in PyTorch; set it to nil to reset it.
    public var grad: Tensor? {
        get { node?.grad }
        nonmutating set { node?.grad = newValue }
    }

    /// The same values with no gradient history (shares the buffer).
    public var detached: Tensor { Tensor(shape: shape, storage: storage) }

    /// Records a custom differentiable op: attaches a tape node to this result (computed by the caller from
    /// `inputs`) when gradients are being recorded and an input needs one. `pullback` maps the upstream gradient
    /// (shaped like the result) to one gradient per input (nil for none), shaped like the result or like the input:
    /// the engine sums broadcast dimensions away. Capture values, never the result itself with its node.
    ///
    /// ```swift
    /// // A cube op with its own rule:
    /// let y = withoutGradient { x * x * x }
    /// let cube = y.recorded("cube", inputs: [x]) { g in [g * 3 * x * x] }
    /// ```
    public func recorded(_ op: String, inputs: [Tensor], _ pullback: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradientMode.isRecording, inputs.contains(where: { $0.node != nil }) else { return self }
        let count = inputs.count
        var out = self
        out.node = Node(op: op, shape: shape, inputs: inputs) { g in
            let grads = pullback(g)
            require(grads.count == count, "\(op): pullback returned \(grads.count) gradients for \(count) inputs")
            return InputGradients(all: grads)
        }
        return out.keepingTracedValue()
    }

    /// The built-in ops' form of ``recorded(_:inputs:_:)``: up to three inputs, passed one by one (an absent
    /// optional input is not counted), and gradients returned without an array.
    @inline(__always)
    func recording(_ op: String, _ a: Tensor, _ b: Tensor? = nil, _ c: Tensor? = nil,
                   _ pullback: @escaping (Tensor) -> InputGradients) -> Tensor {
        guard GradientMode.isRecording, a.node != nil || b?.node != nil || c?.node != nil else { return self }
        var out = self
        out.node = Node(op: op, shape: shape, a.node, b?.node, c?.node, count: c != nil ? 3 : b != nil ? 2 : 1,
                        pullback: pullback)
        return out.keepingTracedValue()
    }

    /// ``recording(_:_:_:_:_:)`` for any number of inputs.
    func recording(_ op: String, inputs: [Tensor], _ pullback: @escaping (Tensor) -> InputGradients) -> Tensor {
        guard GradientMode.isRecording, inputs.contains(where: { $0.node != nil }) else { return self }
        var out = self
        out.node = Node(op: op, shape: shape, inputs: inputs, pullback: pullback)
        return out.keepingTracedValue()
    }

    /// This tensor, its node keeping its value when a ``BackpropagationTrace`` records.
    @inline(__always)
    private func keepingTracedValue() -> Tensor {
        if GradientMode.isTracing { node?.tracedValue = detached }
        return self
    }
}
