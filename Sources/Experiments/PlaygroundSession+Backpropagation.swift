import JSONCoding
import Datasets
import Persistence
import TensorModule

extension PlaygroundSession {
    /// One training point through the current network, forward and back: every op with its value and the gradient
    /// of that point's loss with respect to it, from the point's input features ("input") and the weights. It runs
    /// as the network predicts (no dropout; batch normalization with its running statistics) and on the data loss
    /// alone, without the regularization penalty; the weights and their gradients from training are left as they were.
    ///
    /// ```swift
    /// let trace = try session.backpropagation(example: 0)
    /// trace.steps.last!.value   // the point's loss
    /// ```
    public func backpropagation(example k: Int) throws(ConfigError) -> BackpropagationTrace {
        guard (0..<train.count).contains(k) else {
            throw ConfigError(path: "example", "expected a training point between 0 and \(train.count - 1), found \(k)")
        }
        // The point's input features are a leaf too, so the table shows them and how the loss moves with them.
        var x = features(train.features.slice(alongAxis: 0, k..<(k + 1)))
        x.requiresGradient = true
        let y = train.targets.slice(alongAxis: 0, k..<(k + 1))
        model.setTraining(false)
        let leaves = [("input", x)] + model.namedParameters.filter { $0.parameter.requiresGradient }.map { ($0.name, $0.parameter.value) }
        return BackpropagationTrace(namedLeaves: leaves) { trainer.loss(predictions: model(x), targets: y) }
    }

    /// ``backpropagation(example:)`` as the page draws it: the point (x₁, x₂, label) and the steps, each with its op,
    /// the steps it read (null for a constant), its shape, its values and its gradient (null where none reached it).
    public func backpropagationState(example k: Int) throws(ConfigError) -> JSONValue {
        let trace = try backpropagation(example: k)
        func numbers(_ t: Tensor?) -> JSONValue {
            guard let t else { return .null }
            return .array(t.values.map { .number($0) })
        }
        let point = train.features.values[(2 * k)..<(2 * k + 2)] + [train.targets.values[k]]
        return .object([
            ("example", .number(Double(k))),
            ("point", .array(point.map { .number($0) })),
            ("steps", .array(trace.steps.map { s in
                .object([
                    ("op", .string(s.op)),
                    ("inputs", .array(s.inputs.map { $0.map { .number(Double($0)) } ?? .null })),
                    ("shape", .array(s.shape.map { .number(Double($0)) })),
                    ("value", numbers(s.value)), ("gradient", numbers(s.gradient)),
                ])
            })),
        ])
    }
}
