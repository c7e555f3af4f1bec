import Foundation

/// Every number of one backward pass: each op of the graph that computed a scalar, in the order it ran, with its
/// inputs, its value and the gradient of the result with respect to it (micrograd's `draw_dot`, as a table).
///
/// ```swift
/// var w = Tensor([3, -2]); w.requiresGradient = true
/// print(BackpropagationTrace(leaves: ["w": w]) { ((w * Tensor([-1, 2])).sum() + 1).sigmoid() })
/// // #  op        inputs  shape  value      gradient
/// // 0  w         -       [2]    [3, -2]    [-0.0024665, 0.004933]
/// // 1  multiply  0, c    [2]    [-3, -4]   [0.0024665, 0.0024665]
/// // 2  sum       1       []     -7         0.0024665
/// // 3  add       2, c    []     -6         0.0024665
/// // 4  sigmoid   3       []     0.0024726  1
/// ```
///
/// Leaves' ``Tensor/grad`` are left as they were: the trace holds the gradients.
public struct BackpropagationTrace: CustomStringConvertible, Sendable {
    /// One op (or leaf) of the graph.
    public struct Step: Sendable {
        /// The op's name, or the leaf's name given to the trace ("leaf" for a leaf it was not given).
        public let op: String
        /// The steps whose values the op read, by index; nil for an input without gradient (a constant).
        public let inputs: [Int?]
        /// The shape of the op's result.
        public let shape: [Int]
        /// The op's result (nil for a leaf the trace was not given).
        public let value: Tensor?
        /// ∂result/∂(this step's value); nil when no gradient reached it.
        public let gradient: Tensor?
    }

    /// The steps in the order they ran: inputs before the ops that use them, the result last.
    public let steps: [Step]

    /// Runs `body`, which computes a one-element result from `leaves` (tensors that require a gradient), and
    /// back-propagates from it. `leaves` names the leaves in the table.
    public init(leaves: KeyValuePairs<String, Tensor> = [:], _ body: () throws -> Tensor) rethrows {
        try self.init(namedLeaves: leaves.map { ($0.key, $0.value) }, body)
    }

    /// As ``init(leaves:_:)``, with the leaves' names from a list built at run time (a model's parameters).
    ///
    /// ```swift
    /// let trace = BackpropagationTrace(namedLeaves: model.namedParameters.map { ($0.name, $0.parameter.value) }) {
    ///     loss(predictions: model(x), targets: y)
    /// }
    /// ```
    public init(namedLeaves leaves: [(String, Tensor)], _ body: () throws -> Tensor) rethrows {
        let result = try GradientMode.withTracing(body)
        require(result.count == 1, "BackpropagationTrace: needs a one-element result, got shape \(result.shape)")
        guard let root = result.node else {
            steps = [Step(op: "constant", inputs: [], shape: result.shape, value: result, gradient: nil)]
            return
        }
        var names: [ObjectIdentifier: (String, Tensor)] = [:]
        for (name, t) in leaves { if let n = t.node { names[ObjectIdentifier(n)] = (name, t.detached) } }
        // The graph as it stands before the backward pass frees it.
        let order = Backpropagation.topologicalOrder(from: root).map { $0.takeUnretainedValue() }
        var index: [ObjectIdentifier: Int] = [:]
        for (i, node) in order.enumerated() { index[ObjectIdentifier(node)] = i }
        let inputs = order.map { node in
            (0..<node.inputCount).map { i in node.unretainedInput(i).flatMap { index[ObjectIdentifier($0.takeUnretainedValue())] } }
        }
        let values = order.map { node in node.isLeaf ? names[ObjectIdentifier(node)]?.1 : node.tracedValue }
        var gradients: [ObjectIdentifier: Tensor] = [:]
        Backpropagation.run(from: root, seed: Tensor.ones(result.shape, dtype: result.dtype), everyNode: true) { node, g in
            gradients[ObjectIdentifier(node)] = g
        }
        steps = order.enumerated().map { i, node in
            let id = ObjectIdentifier(node)
            return Step(op: node.isLeaf ? names[id]?.0 ?? "leaf" : node.op, inputs: inputs[i], shape: node.shape,
                        value: values[i], gradient: gradients[id])
        }
        for node in order { node.tracedValue = nil }
    }

    /// The steps as a table: index, op, inputs ("c" for a constant), shape, value and gradient.
    public var description: String {
        let header = ["#", "op", "inputs", "shape", "value", "gradient"]
        let rows = steps.enumerated().map { i, s in
            ["\(i)", s.op, s.inputs.isEmpty ? "-" : s.inputs.map { $0.map(String.init) ?? "c" }.joined(separator: ", "),
             "\(s.shape)", BackpropagationTrace.brief(s.value), BackpropagationTrace.brief(s.gradient)]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! }
        return ([header] + rows).map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    /// Up to six values with 5 significant digits ("[3, -2]", "0.0024726"); "…" for the rest; "?" when unknown.
    static func brief(_ t: Tensor?) -> String {
        guard let t else { return "?" }
        let v = t.values
        let shown = v.prefix(6).map { x -> String in
            let s = String(format: "%.5g", x)
            return s == "-0" ? "0" : s
        }
        if t.rank == 0 { return shown.first ?? "" }
        return "[" + shown.joined(separator: ", ") + (v.count > 6 ? ", …" : "") + "]"
    }
}
