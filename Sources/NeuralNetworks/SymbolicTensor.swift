import TensorModule

/// A placeholder for a tensor in a model graph under construction (Keras's `KerasTensor`): a graph model's input,
/// or what a layer gives when it is called on placeholders. It knows its per-example shape and where it comes from;
/// it holds no values. ``GraphModel/init(inputs:outputs:)`` turns the calls into a model.
///
/// ```swift
/// let x = SymbolicTensor.input(shape: [784], name: "pixels")
/// let h = Dense(inputSize: 784, outputSize: 64, activation: .relu)(x)
/// let model = GraphModel(inputs: [x], outputs: [Dense(inputSize: 64, outputSize: 10)(h)])
/// ```
public struct SymbolicTensor: @unchecked Sendable {
    /// Where a placeholder comes from: a model input (no layer) or a layer called on other placeholders.
    final class Origin {
        let layer: Module?
        let inputs: [Origin]
        /// The per-example shape (without the batch dimension).
        let shape: [Int]
        let name: String?

        init(layer: Module?, inputs: [Origin], shape: [Int], name: String?) {
            self.layer = layer
            self.inputs = inputs
            self.shape = shape
            self.name = name
        }
    }

    let origin: Origin

    /// The shape of one example (no batch dimension).
    public var shape: [Int] { origin.shape }

    /// The name given when it was made, if any.
    public var name: String? { origin.name }

    /// A model input: one example has shape `shape` (Keras's `Input(shape=…)`). Unnamed inputs are called `input`,
    /// `input_1`, … in the model.
    public static func input(shape: [Int], name: String? = nil) -> SymbolicTensor {
        require(shape.allSatisfy { $0 > 0 }, "SymbolicTensor.input: dimensions must be positive, got \(shape)")
        return SymbolicTensor(origin: Origin(layer: nil, inputs: [], shape: shape, name: name))
    }
}

extension Module {
    /// Calls the layer on a placeholder, recording the call in the graph under construction. A shape the layer cannot
    /// take stops with a message naming the layer and the shape, as a tensor op does.
    ///
    /// ```swift
    /// let x = SymbolicTensor.input(shape: [4])
    /// let y = Dense(inputSize: 4, outputSize: 2)(x, name: "logits")   // y.shape == [2]
    /// ```
    public func callAsFunction(_ input: SymbolicTensor, name: String? = nil) -> SymbolicTensor {
        self([input], name: name)
    }

    /// Calls a layer that joins several tensors (``Add``, ``Concatenate``, …) on placeholders.
    public func callAsFunction(_ inputs: [SymbolicTensor], name: String? = nil) -> SymbolicTensor {
        let shape: [Int]
        do { shape = Array(try outputShape(forInputs: inputs.map { [1] + $0.shape }).dropFirst()) } catch {
            require(false, error.description)
            shape = []
        }
        return SymbolicTensor(origin: .init(layer: self, inputs: inputs.map(\.origin), shape: shape, name: name))
    }
}
