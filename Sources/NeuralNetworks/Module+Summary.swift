import TensorModule

extension Module {
    /// Checks that an input of `inputShape` (batch first) flows through the module, naming the first layer that
    /// cannot take it.
    ///
    /// ```swift
    /// try model.checkInput(shape: [1, 784])
    /// ```
    public func checkInput(shape inputShape: [Int]) throws(ModuleError) {
        _ = try outputShape(for: inputShape)
    }

    /// Checks that inputs of one example each of `shapes` (no batch dimension; one shape per model input) flow
    /// through the module, naming the first layer that cannot take them.
    ///
    /// ```swift
    /// try model.checkInputs(shapes: [[28, 28, 1], [4]])
    /// ```
    public func checkInputs(shapes: [[Int]]) throws(ModuleError) {
        // A graph may have several outputs: every node's shape is checked.
        if let graph = self as? GraphModel { _ = try graph.slotShapes(forInputs: shapes.map { [1] + $0 }); return }
        _ = try outputShape(forInputs: shapes.map { [1] + $0 })
    }

    /// A Keras-like table: each layer, its output shape, its parameter count, and the totals.
    ///
    /// ```swift
    /// print(try model.summary(inputShape: [1, 784]))
    /// ```
    public func summary(inputShape: [Int]) throws(ModuleError) -> String {
        if let graph = self as? GraphModel { return try graph.summary(inputShapes: [inputShape]) }
        var rows: [(String, String, String)] = []
        let layers = (self as? Sequential)?.layers.enumerated().map { ("\($0.offset)", $0.element) } ?? [("0", self)]
        var shape = inputShape
        for (index, layer) in layers {
            shape = try layer.outputShape(for: shape)
            let name = layer.details.isEmpty ? layer.typeName : "\(layer.typeName) (\(layer.details))"
            rows.append(("\(index) \(name)", Module.batchShapeText(Array(shape.dropFirst())), "\(layer.parameterCount)"))
        }
        let trainable = parameters.filter(\.isTrainable).reduce(0) { $0 + $1.value.count }
        return Module.summaryTable(rows: rows, total: parameterCount, trainable: trainable)
    }

    /// The text of a Keras-like summary: a row per layer (name, output shape, parameter count, and for a graph the
    /// nodes it reads) and the totals.
    ///
    /// ```swift
    /// Module.summaryTable(rows: [("0 Dense (10)", "(None, 10)", "7850")], total: 7850, trainable: 7850)
    /// ```
    public static func summaryTable(rows: [(String, String, String)], total: Int, trainable: Int,
                                    connections: [String]? = nil) -> String {
        let w0 = Swift.max(28, rows.map(\.0.count).max() ?? 0) + 2
        let w1 = Swift.max(20, rows.map(\.1.count).max() ?? 0) + 2
        let w2 = connections == nil ? 0 : Swift.max(9, rows.map(\.2.count).max() ?? 0) + 2
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: Swift.max(1, width - text.count)) }
        func line(_ a: String, _ b: String, _ c: String, _ d: String?) -> String {
            pad(a, w0) + pad(b, w1) + (d.map { pad(c, w2) + $0 } ?? c)
        }
        let rule = String(repeating: "─", count: w0 + w1 + (connections == nil ? 10 : w2 + Swift.max(12, connections!.map(\.count).max() ?? 0)))
        var out = [line("Layer (type)", "Output Shape", "Param #", connections == nil ? nil : "Connected to"), rule]
        out += rows.enumerated().map { line($0.element.0, $0.element.1, $0.element.2, connections?[$0.offset]) }
        out += [rule, "Total params: \(total)", "Trainable params: \(trainable)", "Non-trainable params: \(total - trainable)"]
        return out.joined(separator: "\n")
    }

    /// "(None, 28, 28, 32)": a per-example shape with the batch dimension unnamed.
    public static func batchShapeText(_ perExample: [Int]) -> String {
        "(" + (["None"] + perExample.map(String.init)).joined(separator: ", ") + ")"
    }

    /// Predictions for `input` in batches, in inference mode and without recording gradients.
    ///
    /// ```swift
    /// let probabilities = model.predict(x, batchSize: 256).softmax()
    /// ```
    public func predict(_ input: Tensor, batchSize: Int = 256) -> Tensor {
        predict([input], batchSize: batchSize)
    }

    /// Predictions for a model with several inputs (one tensor each, with the same first dimension), in batches.
    ///
    /// ```swift
    /// let logits = model.predict([images, tables], batchSize: 256)
    /// ```
    public func predict(_ inputs: [Tensor], batchSize: Int = 256) -> Tensor {
        require(batchSize > 0, "predict: batchSize must be positive, got \(batchSize)")
        require(!inputs.isEmpty, "predict: needs at least one input")
        let wasTraining = isTraining
        setTraining(false)
        defer { setTraining(wasTraining) }
        func run(_ xs: [Tensor]) -> Tensor { xs.count == 1 ? self(xs[0]) : self(xs) }
        return withoutGradient {
            let n = inputs[0].shape.first ?? 0
            if n <= batchSize { return run(inputs) }
            var parts: [Tensor] = []
            var start = 0
            while start < n {
                let end = Swift.min(start + batchSize, n)
                parts.append(run(inputs.map { $0.slice(alongAxis: 0, start..<end) }))
                start = end
            }
            return Tensor.concatenating(parts, alongAxis: 0)
        }
    }
}
