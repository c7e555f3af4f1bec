import Synchronization

/// The reverse pass: one place that orders the tape, reduces broadcast gradients to each input's shape, adds up the
/// gradients of values used more than once, and frees the graph afterwards.
enum Backpropagation {
    /// Numbers the passes so a node's `visit` mark from an earlier pass never looks current.
    private static let passCounter = Atomic<UInt64>(0)

    /// Nodes reachable from `root`, inputs before the nodes that use them (iterative, so deep graphs are fine).
    ///
    /// The references are unretained: `root` keeps every node it reaches alive through its inputs, and the tape is
    /// a DAG that nothing changes while a pass walks it. At the Playground's scale the reference counting of a
    /// retained walk cost more than the arithmetic.
    static func topologicalOrder(from root: Node) -> [Unmanaged<Node>] {
        let pass = passCounter.add(1, ordering: .relaxed).newValue
        var order: [Unmanaged<Node>] = []
        var stack: [(Unmanaged<Node>, Int)] = []
        order.reserveCapacity(64)
        stack.reserveCapacity(64)
        stack.append((Unmanaged.passUnretained(root), 0))
        root.visit = pass
        while let (ref, next) = stack.popLast() {
            ref._withUnsafeGuaranteedRef { node in
                if next < node.inputCount {
                    stack.append((ref, next + 1))
                    if let input = node.unretainedInput(next), input._withUnsafeGuaranteedRef({ $0.visit != pass }) {
                        input._withUnsafeGuaranteedRef { $0.visit = pass }
                        stack.append((input, 0))
                    }
                } else {
                    order.append(ref)
                }
            }
        }
        return order
    }

    /// Runs the pullbacks from `root` with upstream gradient `seed`; `deliver` receives the total gradient of each
    /// leaf and of each node in `keep` (of every node when `everyNode`). Frees the graph's pullbacks when done.
    static func run(from root: Node, seed: Tensor, keep: Set<ObjectIdentifier> = [], everyNode: Bool = false,
                    deliver: (Node, Tensor) -> Void) {
        withoutGradient {
            let order = topologicalOrder(from: root)
            root.pending = seed
            for index in order.indices.reversed() {
                order[index]._withUnsafeGuaranteedRef { node in
                    guard let g = node.pending.take() else { return }
                    if everyNode || node.isLeaf || (!keep.isEmpty && keep.contains(ObjectIdentifier(node))) { deliver(node, g) }
                    guard let pullback = node.pullback.take() else { return }
                    var inputGrads = pullback(g)
                    require(inputGrads.count == node.inputCount,
                            "\(node.op): pullback returned \(inputGrads.count) gradients for \(node.inputCount) inputs")
                    for i in 0..<node.inputCount {
                        guard let input = node.unretainedInput(i), let ig = inputGrads.take(i) else { continue }
                        input._withUnsafeGuaranteedRef { input in
                            let reduced = unbroadcast(ig, to: input.shape, op: node.op)
                            input.pending = input.pending.map { $0 + reduced } ?? reduced
                        }
                    }
                }
            }
            // In order, inputs first: releasing a node may free its inputs, which the loop has passed already; the
            // nodes after it are still held by the ones that use them, or are `root`, which the caller holds.
            for ref in order { ref._withUnsafeGuaranteedRef { if !$0.isLeaf { $0.release() } } }
        }
    }

    /// Sums a gradient over the dimensions its input was broadcast along, then gives it the input's shape.
    static func unbroadcast(_ g: Tensor, to shape: [Int], op: String) -> Tensor {
        if g.shape == shape { return g }
        require(g.rank >= shape.count, "\(op): gradient of shape \(g.shape) cannot reduce to input shape \(shape)")
        let off = g.rank - shape.count
        var axes: [Int] = Array(0..<off)
        for d in 0..<shape.count where shape[d] == 1 && g.shape[d + off] != 1 { axes.append(d + off) }
        let summed = axes.isEmpty ? g : g.sum(alongAxes: axes)
        return summed.reshaped(to: shape)
    }
}

extension Tensor {
    /// Back-propagates from this scalar (one-element) result: adds d(self)/d(leaf) to ``grad`` of every leaf that
    /// requires a gradient, then frees the recorded graph.
    ///
    /// ```swift
    /// var x = Tensor([1, 1]); x.requiresGradient = true
    /// let f = (x * x * Tensor([3, 1])).sum()  // 3x₁² + x₂²
    /// f.backward()
    /// x.grad!  // [6.0, 2.0]
    /// ```
    ///
    /// With `gradient` (PyTorch's `tensor.backward(gradient)`), any result back-propagates: the leaves receive the
    /// vector-Jacobian product `gradientᵀ · ∂self/∂leaf`; `gradient` must have this tensor's shape.
    ///
    /// ```swift
    /// var w = Tensor([1, 2]); w.requiresGradient = true
    /// (w * w).backward(gradient: Tensor([1, 10]))
    /// w.grad!  // [2.0, 40.0]
    /// ```
    public func backward(gradient: Tensor? = nil) {
        if let gradient {
            require(gradient.shape == shape && gradient.dtype == dtype,
                    "backward: gradient of shape \(gradient.shape) (\(gradient.dtype)) for a result of shape \(shape) (\(dtype))")
        } else {
            require(count == 1, "backward: needs a one-element result, got shape \(shape); reduce it first (e.g. sum()) or pass gradient:")
        }
        guard let root = node else {
            fatalError("backward: this tensor does not require a gradient (no input was marked requiresGradient)")
        }
        Backpropagation.run(from: root, seed: gradient ?? Tensor.ones(shape, dtype: dtype)) { node, g in
            node.grad = node.grad.map { $0 + g } ?? g
        }
    }
}

/// The gradients of a scalar `loss` with respect to `variables`, without touching their ``Tensor/grad``
/// (TensorFlow's `GradientTape.gradient`). A variable that `loss` does not depend on gets zeros. Frees the graph.
///
/// ```swift
/// var w = Tensor([2]); w.requiresGradient = true
/// let loss = (w * w).sum()
/// let (dw) = gradients(of: loss, withRespectTo: [w])[0]  // [4.0]
/// ```
public func gradients(of loss: Tensor, withRespectTo variables: [Tensor]) -> [Tensor] {
    require(loss.count == 1, "gradients(of:withRespectTo:): loss must have one element, got shape \(loss.shape)")
    var found: [ObjectIdentifier: Tensor] = [:]
    if let root = loss.node {
        let wanted = Set(variables.compactMap { $0.node.map(ObjectIdentifier.init) })
        Backpropagation.run(from: root, seed: Tensor.ones(loss.shape, dtype: loss.dtype), keep: wanted) { node, g in
            let id = ObjectIdentifier(node)
            if wanted.contains(id) { found[id] = found[id].map { $0 + g } ?? g }
        }
    }
    return variables.map { v in
        v.node.flatMap { found[ObjectIdentifier($0)] } ?? Tensor.zeros(v.shape, dtype: v.dtype)
    }
}

/// Evaluates `body` at `points` and returns its scalar value with the gradient for each point
/// (Swift for TensorFlow's `valueWithGradient(at:in:)`). The points need not require gradients; they are not changed.
///
/// ```swift
/// let (value, grads) = valueWithGradient(at: [Tensor([1]), Tensor([1])]) { v in
///     (3 * v[0] * v[0] + v[1] * v[1]).sum()
/// }
/// // value 4, grads [[6.0], [2.0]]
/// ```
public func valueWithGradient(at points: [Tensor], in body: ([Tensor]) -> Tensor) -> (value: Tensor, gradients: [Tensor]) {
    let leaves = points.map { p -> Tensor in
        var leaf = p.detached
        leaf.requiresGradient = true
        return leaf
    }
    let value = GradientMode.with(recording: true) { body(leaves) }
    return (value.detached, gradients(of: value, withRespectTo: leaves))
}

/// The one-point form of ``valueWithGradient(at:in:)``.
///
/// ```swift
/// let (y, dy) = valueWithGradient(at: Tensor([2])) { ($0 * $0).sum() }  // 4, [4.0]
/// ```
public func valueWithGradient(at point: Tensor, in body: (Tensor) -> Tensor) -> (value: Tensor, gradient: Tensor) {
    let (v, g) = valueWithGradient(at: [point]) { body($0[0]) }
    return (v, g[0])
}

/// The gradient of scalar `body` at `point`.
///
/// ```swift
/// let dy = gradient(at: Tensor([2])) { ($0 * $0).sum() }  // [4.0]
/// ```
public func gradient(at point: Tensor, in body: (Tensor) -> Tensor) -> Tensor {
    valueWithGradient(at: point, in: body).gradient
}
