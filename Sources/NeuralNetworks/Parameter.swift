import TensorModule

/// A tensor a module owns: a trainable weight, or state such as BatchNorm's running averages.
///
/// A reference type, so the layer, the optimizer and the tape see the same value. Its `value` is an autodiff leaf
/// while the parameter requires a gradient.
///
/// ```swift
/// let w = Parameter(Tensor.zeros([3, 2]))
/// w.isFrozen = true   // no gradient, the optimizer skips it
/// ```
public final class Parameter {
    /// The current value.
    public internal(set) var value: Tensor
    /// False for state that is not learned by gradient descent (BatchNorm's running mean and variance).
    public let isTrainable: Bool
    /// Set by freezing: a frozen parameter keeps its value during training.
    public var isFrozen = false {
        didSet { value.requiresGradient = requiresGradient }
    }
    /// A penalty added to the training loss, if any.
    public var regularizer: Regularizer?

    public init(_ value: Tensor, isTrainable: Bool = true, regularizer: Regularizer? = nil) {
        self.value = value.detached
        self.isTrainable = isTrainable
        self.regularizer = regularizer
        self.value.requiresGradient = requiresGradient
    }

    /// Whether training computes a gradient for it.
    public var requiresGradient: Bool { isTrainable && !isFrozen }

    /// The gradient from the last backward pass(es), if any.
    public var gradient: Tensor? { value.grad }

    /// Replaces the value (same shape), starting a fresh autodiff leaf with no gradient.
    public func assign(_ newValue: Tensor) {
        precondition(newValue.shape == value.shape,
                     "Parameter.assign: shape \(newValue.shape) differs from the parameter's \(value.shape)")
        value = newValue.detached
        value.requiresGradient = requiresGradient
    }

    /// Updates the value in place through its buffer (unshared first), keeping its autodiff leaf and clearing the
    /// gradient. Optimizers' fused kernels use it.
    public func updateInPlace<T: TensorScalar>(as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) -> Void) {
        value.grad = nil
        value.withUnsafeMutableScalars(as: type, body)
    }

    /// Converts the value to another element type.
    func convert(to dtype: DType) {
        value = value.converted(to: dtype).detached
        value.requiresGradient = requiresGradient
    }

    /// Clears the stored gradient.
    public func zeroGradient() { value.grad = nil }
}
