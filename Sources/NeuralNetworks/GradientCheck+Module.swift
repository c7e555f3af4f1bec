import TensorModule

extension Parameter {
    /// Uses `tensor` itself (with its tape node) as the value, for differentiating with respect to parameters.
    func bind(_ tensor: Tensor) {
        require(tensor.shape == value.shape, "Parameter.bind: shape \(tensor.shape) differs from \(value.shape)")
        storedValue = tensor
    }
}

/// Gradient-checks a module in Float64: the output with respect to the input and every trainable parameter,
/// against central finite differences (see ``checkGradients(of:at:epsilon:absoluteTolerance:relativeTolerance:seed:)``).
/// The module is converted to `float64` and its parameters are restored afterwards. `prepare` runs before each
/// evaluation (e.g. to replay the same dropout mask).
///
/// ```swift
/// let layer = Dense(inputSize: 3, outputSize: 2, activation: .tanh)
/// let result = checkGradients(of: layer, at: Tensor.ones([4, 3]))
/// assert(result.passed, result.description)
/// ```
public func checkGradients(of module: Module, at input: Tensor, absoluteTolerance: Double = 1e-5, relativeTolerance: Double = 1e-3,
                           prepare: () -> Void = {}) -> GradientCheckResult {
    checkGradients(of: module, at: [input], absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance, prepare: prepare)
}

/// Gradient-checks a module that takes several inputs (``Add``, ``Concatenate``, a ``GraphModel`` with several
/// inputs) with respect to every input and every trainable parameter, as ``checkGradients(of:at:absoluteTolerance:relativeTolerance:prepare:)``.
///
/// ```swift
/// let result = checkGradients(of: Add(), at: [Tensor.ones([2, 3]), Tensor.ones([3])])
/// ```
public func checkGradients(of module: Module, at inputs: [Tensor], absoluteTolerance: Double = 1e-5, relativeTolerance: Double = 1e-3,
                           prepare: () -> Void = {}) -> GradientCheckResult {
    module.convert(to: .float64)
    let params = module.namedParameters.map(\.parameter).filter(\.requiresGradient)
    let saved = params.map(\.value)
    defer { for (p, v) in zip(params, saved) { p.bind(v) } }
    let n = inputs.count
    return checkGradients(of: { xs in
        for (p, x) in zip(params, xs.dropFirst(n)) { p.bind(x) }
        prepare()
        return n == 1 ? module(xs[0]) : module(Array(xs.prefix(n)))
    }, at: inputs.map { $0.converted(to: .float64) } + saved, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance)
}
