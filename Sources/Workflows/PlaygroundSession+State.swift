import JSONCoding
import Datasets
import NeuralNetworks
import Optimizers
import Persistence
import TensorModule
import Training

extension PlaygroundSession {
    /// Every neuron's value over an n×n grid of the input plane, [layer][neuron] → n·n values: the input features,
    /// each hidden layer's activations, and the output (squashed as the decision surface is).
    public func neuronHeatmaps(resolution n: Int) -> [[[Double]]] {
        var grid: [Double] = []
        for row in 0..<n { for col in 0..<n { grid += [-6 + 12 * (Double(col) + 0.5) / Double(n), 6 - 12 * (Double(row) + 0.5) / Double(n)] } }
        var x = features(Tensor(shape: [n * n, 2], values: grid))
        let inputs = x.shape[1], iv = x.values
        var out: [[[Double]]] = [(0..<inputs).map { j in (0..<(n * n)).map { iv[$0 * inputs + j] / 6 } }]
        withoutGradient {
            model.setTraining(false)
            for (i, layer) in model.layers.enumerated() {
                x = layer(x)
                let next = i + 1 < model.layers.count ? model.layers[i + 1] : nil
                // after each hidden layer's activation (before any dropout/next Dense)
                if layer is ActivationLayer, !(next is ActivationLayer) {
                    let width = x.shape[1], v = x.values
                    out.append((0..<width).map { j in (0..<(n * n)).map { v[$0 * width + j] } })
                }
            }
        }
        // the output: probability for binary classification (mapped to [−1, 1] like tanh), raw otherwise
        let width = x.shape[1], v = (width == 1 && !isRegression) ? x.sigmoid().values.map { 2 * $0 - 1 } : x.values
        out.append((0..<width).map { j in (0..<(n * n)).map { v[$0 * width + j] } })
        return out
    }

    /// The loss, the optimizer's update rule and the regularization, in words and symbols.
    public var ruleDescription: String {
        let loss: String
        switch trainer.loss.kind {
        case .binaryCrossEntropyWithLogits: loss = "binary cross-entropy on the logit z: max(z,0) − z·y + log(1 + e^−|z|), mean over the batch"
        case .softmaxCrossEntropy: loss = "softmax cross-entropy: −log softmax(z)_y, mean over the batch"
        default: loss = "mean squared error: mean (ŷ − y)²"
        }
        let reg: String
        switch configuration.regularization {
        case .none: reg = "none"
        case .l1: reg = "L1: + \(configuration.regularizationRate)·Σ|w| added to the loss"
        case .l2: reg = "L2: + \(configuration.regularizationRate)·Σw² added to the loss"
        }
        return "Loss: \(loss). Update (\(trainer.optimizer.rule.name), η = \(trainer.optimizer.currentLearningRate), batch \(configuration.batchSize)): "
            + "\(trainer.optimizer.rule.formula). Regularization: \(reg)."
    }

    /// Sets one weight (`row` = input index, `column` = neuron) of the `layer`-th Dense layer.
    public func setWeight(layer: Int, row: Int, column: Int, value: Double) throws(ConfigError) {
        let dense = model.layers.compactMap { $0 as? Dense }
        guard dense.indices.contains(layer) else { throw ConfigError(path: "$.layer", "no layer \(layer) (0..<\(dense.count))") }
        let w = dense[layer].weight
        guard (0..<w.value.shape[0]).contains(row), (0..<w.value.shape[1]).contains(column) else {
            throw ConfigError(path: "$.row", "no weight [\(row), \(column)] in a \(w.value.shape[0])×\(w.value.shape[1]) layer")
        }
        guard value.isFinite, Swift.abs(value) <= 1000 else { throw ConfigError(path: "$.value", "must be a finite number within ±1000") }
        var v = w.value.values
        v[row * w.value.shape[1] + column] = value
        w.assign(Tensor(shape: w.value.shape, values: v, dtype: w.value.dtype))
    }

    /// The trained model in `neuralkit`'s formats: the model specification (inputs are the selected features) and
    /// safetensors weights.
    public func export() -> (spec: String, weights: [UInt8]) {
        let spec = ModelSpec.describing(model, input: [configuration.features.count], loss: trainer.loss,
                                        optimizer: trainer.optimizer.rule, metrics: trainer.metrics)
        var file = Safetensors()
        file.set(model.stateDict())
        file.metadata = [("format", "neuralkit-weights-1"), ("playground_features", configuration.features.map(\.rawValue).joined(separator: ","))]
        return (spec?.json ?? "{}", file.serialized())
    }
}
