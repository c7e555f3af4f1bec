import NeuralNetworks
import TensorModule

extension Module {
    /// Test-time augmentation: the mean of `output(model(t(input)))` over the transforms `t` (include the identity
    /// to keep the original view), e.g. flips and small shifts; `output` is applied per view before averaging
    /// (softmax to average probabilities).
    ///
    /// ```swift
    /// let views: [(Tensor) -> Tensor] = [{ $0 }, { flipImages($0) }]
    /// let p = model.predict(x, testTimeAugmentation: views) { $0.softmax() }
    /// ```
    public func predict(_ input: Tensor, testTimeAugmentation transforms: [(Tensor) -> Tensor], batchSize: Int = 256,
                        output: (Tensor) -> Tensor = { $0 }) -> Tensor {
        require(!transforms.isEmpty, "predict(testTimeAugmentation:): needs at least one transform")
        return withoutGradient {
            var sum: Tensor?
            for t in transforms {
                let y = output(predict(t(input), batchSize: batchSize))
                sum = sum.map { $0 + y } ?? y
            }
            return sum! / Double(transforms.count)
        }
    }
}
