/// A read-only window on the tape for tests and debugging tools: lets a caller watch a tensor's node with a weak
/// reference to prove the graph is freed.
public enum GraphProbe {
    /// The tape node of `tensor` as an opaque object (nil if it has none).
    public static func node(of tensor: Tensor) -> AnyObject? { tensor.node }

    /// How many inputs `tensor`'s node still references (0 after a backward pass freed it).
    public static func inputCount(of tensor: Tensor) -> Int { tensor.node?.inputCount ?? 0 }
}

extension GraphProbe {
    /// How many tape nodes of each op computed `tensor` (leaves count as "leaf"): what a fused op saves.
    ///
    /// ```swift
    /// GraphProbe.opCounts(of: (x * x).sum())   // ["leaf": 1, "multiply": 1, "sum": 1]
    /// ```
    public static func opCounts(of tensor: Tensor) -> [String: Int] {
        guard let root = tensor.node else { return [:] }
        var counts: [String: Int] = [:]
        for node in Backpropagation.topologicalOrder(from: root) { counts[node.takeUnretainedValue().op, default: 0] += 1 }
        return counts
    }
}
