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
    public var value: Tensor { storedValue }
    /// Behind `value`, so that ``updateInPlace(as:_:)`` can be inlined into other modules.
    @usableFromInline var storedValue: Tensor
    /// False for state that is not learned by gradient descent (BatchNorm's running mean and variance).
    public let isTrainable: Bool
    /// Set by freezing: a frozen parameter keeps its value during training.
    public var isFrozen = false {
        didSet { storedValue.requiresGradient = requiresGradient }
    }
    /// A penalty added to the training loss, if any.
    public var regularizer: Regularizer?

    public init(_ value: Tensor, isTrainable: Bool = true, regularizer: Regularizer? = nil) {
        storedValue = value.detached
        self.isTrainable = isTrainable
        self.regularizer = regularizer
        storedValue.requiresGradient = requiresGradient
    }

    /// Whether training computes a gradient for it.
    public var requiresGradient: Bool { isTrainable && !isFrozen }

    /// The gradient from the last backward pass(es), if any.
    public var gradient: Tensor? { value.grad }

    /// Replaces the value (same shape), starting a fresh autodiff leaf with no gradient.
    public func assign(_ newValue: Tensor) {
        require(newValue.shape == value.shape,
                "Parameter.assign: shape \(newValue.shape) differs from the parameter's \(value.shape)")
        storedValue = newValue.detached
        storedValue.requiresGradient = requiresGradient
    }

    /// Updates the value in place through its buffer (unshared first), keeping its autodiff leaf and clearing the
    /// gradient. Optimizers' fused kernels use it.
    @inlinable
    public func updateInPlace<T: TensorScalar>(as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) -> Void) {
        storedValue.grad = nil
        storedValue.withUnsafeMutableScalars(as: type, body)
    }

    /// Converts the value to another element type.
    func convert(to dtype: DType) {
        storedValue = value.converted(to: dtype).detached
        storedValue.requiresGradient = requiresGradient
    }

    /// Clears the stored gradient.
    public func zeroGradient() { value.grad = nil }
}
