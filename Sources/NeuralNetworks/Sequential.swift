import TensorModule

/// Layers applied one after another.
///
/// ```swift
/// let model = Sequential([
///     Dense(inputSize: 2, outputSize: 4, activation: .tanh),
///     Dense(inputSize: 4, outputSize: 1),
/// ])
/// let y = model(Tensor.zeros([8, 2]))  // shape [8, 1]
/// ```
public final class Sequential: Module {
    public let layers: [Module]

    /// Whether a layer makes a mask (found once: the plain call checks it every time).
    private let layerMakesMask: Bool

    public init(_ layers: [Module]) {
        self.layers = layers
        layerMakesMask = layers.contains(where: \.makesMask)
    }

    /// Runs the layers in order. A `Conv2D` directly followed by a `MaxPool2D` runs as one op (the same values and
    /// gradients up to rounding; the convolution's full-size output is never stored), as graph compilers fuse them.
    public override func callAsFunction(_ input: Tensor) -> Tensor {
        // A layer that makes a mask (Embedding with maskZero, Masking) changes what later layers compute: carry it.
        if layerMakesMask { return maskedCall([input], masks: [nil]).output }
        var x = input
        var i = 0
        while i < layers.count {
            if let conv = layers[i] as? Conv2D, i + 1 < layers.count, let pool = layers[i + 1] as? Pool2D, pool.kind == .max {
                x = conv(x, maxPooling: MaxPooling(poolSize: pool.poolSize, strides: pool.strides, padding: pool.padding))
                i += 2
            } else {
                x = layers[i](x)
                i += 1
            }
        }
        return x
    }

    public override var makesMask: Bool { layerMakesMask }

    /// Runs the layers in order carrying the mask from layer to layer (Keras's mask propagation); without a mask
    /// given or made, as ``callAsFunction(_:)-(Tensor)``.
    public override func maskedCall(_ inputs: [Tensor], masks: [Tensor?]) -> (output: Tensor, mask: Tensor?) {
        require(inputs.count == 1 && masks.count == 1, "Sequential takes one input and its mask, given \(inputs.count) and \(masks.count)")
        guard masks[0] != nil || makesMask else { return (self(inputs[0]), nil) }
        var x = inputs[0], mask = masks[0]
        for layer in layers { (x, mask) = layer.maskedCall([x], masks: [mask]) }
        return (x, mask)
    }

    public override func callAsFunction(_ inputs: [Tensor], masks: [Tensor?]) -> Tensor { maskedCall(inputs, masks: masks).output }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        var shape = inputShape
        for layer in layers { shape = try layer.outputShape(for: shape) }
        return shape
    }
}

extension Module {
    /// Adapts every ``Normalization`` layer (but those given their statistics) of a ``Sequential`` or a
    /// ``GraphModel`` with one input to the examples `x` [N, input…] as they reach it (through the layers before it,
    /// in inference mode and without gradients), `batchSize` examples at a time: Keras's `adapt`, run once on the
    /// training data before `fit`. Layers after the last normalization do not run.
    ///
    /// ```swift
    /// let model = Sequential([Reshape([28, 28, 1]), Normalization(featureCount: 1), Flatten(), Dense(inputSize: 784, outputSize: 10)])
    /// model.adaptNormalizations(to: trainImages)   // [60000, 784]
    /// ```
    public func adaptNormalizations(to x: Tensor, batchSize: Int = 1024) {
        let n = x.shape.first ?? 0, batches = (n + batchSize - 1) / batchSize
        let slices = (0..<batches).lazy.map { b in x.slice(alongAxis: 0, b * batchSize..<Swift.min((b + 1) * batchSize, n)) }
        switch self {
        case let sequential as Sequential: sequential.adaptNormalizations(toBatches: slices)
        case let graph as GraphModel: graph.adaptNormalizations(toBatches: slices.lazy.map { [$0] })
        default: break
        }
    }
}

extension Sequential {
    /// The same over input batches drawn one at a time (each normalization layer reads them all once), for data
    /// kept in another form, such as bytes.
    public func adaptNormalizations(toBatches batches: some Collection<Tensor>) {
        guard layers.contains(where: { $0 is Normalization }), !batches.isEmpty else { return }
        let wasTraining = isTraining
        setTraining(false)
        defer { setTraining(wasTraining) }
        withoutGradient {
            for (k, layer) in layers.enumerated() {
                guard let normalization = layer as? Normalization, normalization.isAdaptable else { continue }
                let before = layers[..<k]
                normalization.adapt(to: batches.lazy.map { x in before.reduce(x) { h, layer in layer(h) } })
            }
        }
    }
}
