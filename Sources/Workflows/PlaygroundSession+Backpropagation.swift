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
}
