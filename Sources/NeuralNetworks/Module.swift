import TensorModule

/// The base of every layer and model: parameters, sub-modules, a training/inference switch and freezing.
///
/// Subclasses declare their parameters and sub-modules as stored properties (`Parameter`, `Module`, arrays or
/// optionals of them); ``namedParameters`` finds them by reflection and names them by dotted path
/// (`layers.0.weight`). A layer is parameters + init + ``callAsFunction(_:)`` (+ ``outputShape(for:)``).
///
/// ```swift
/// final class Affine: Module {
///     let weight = Parameter(Tensor.ones([3, 2]))
///     override func callAsFunction(_ x: Tensor) -> Tensor { x.matmul(weight.value) }
/// }
/// Affine().namedParameters.map(\.name)  // ["weight"]
/// ```
open class Module {
    /// True while training (dropout drops, batch norm uses batch statistics); false for inference.
    public private(set) var isTraining = true

    public init() {}

    /// Applies the module to a batch (the first dimension is the batch).
    open func callAsFunction(_ input: Tensor) -> Tensor {
        fatalError("\(typeName) must override callAsFunction(_:)")
    }

    /// The output shape for an input shape (batch dimension first), or an error naming this layer and the shape.
    /// The default keeps the shape (elementwise layers).
    open func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] { inputShape }

    /// Applies the module to several tensors: layers that join tensors (``Add``, ``Concatenate``) and graph models
    /// with several inputs override it. The default takes exactly one tensor and calls ``callAsFunction(_:)-(Tensor)``.
    ///
    /// ```swift
    /// Add()([Tensor([1, 2]), Tensor([10, 20])])   // [11.0, 22.0]
    /// ```
    open func callAsFunction(_ inputs: [Tensor]) -> Tensor {
        require(inputs.count == 1, "\(typeName) takes one input, given \(inputs.count)")
        return self(inputs[0])
    }

    /// The output shape for the shapes of several inputs (batch dimension first). The default takes one input.
    open func outputShape(forInputs inputShapes: [[Int]]) throws(ModuleError) -> [Int] {
        guard inputShapes.count == 1 else { throw .inputCount(layer: typeName, expected: "1", found: inputShapes.count) }
        return try outputShape(for: inputShapes[0])
    }

    /// Applies the module to inputs together with their masks (nil where an input has none), Keras's
    /// `call(inputs, mask=…)`: a mask holds 1 at the positions that count and 0 at padding, over the leading
    /// dimensions of its input ([batch, time] for sequences). The default ignores the masks; layers that read them
    /// (``GlobalAveragePooling1D``, recurrent layers) override it.
    open func callAsFunction(_ inputs: [Tensor], masks: [Tensor?]) -> Tensor {
        inputs.count == 1 ? self(inputs[0]) : self(inputs)
    }

    /// The mask of this layer's output (Keras's `compute_mask`), or nil for none. The default carries the inputs'
    /// masks (several are combined: a position counts when it counts in each) to an output whose leading dimensions
    /// are the mask's, as an elementwise layer or a Dense layer on sequences keeps them; any other output has none.
    /// ``Embedding`` with `maskZero` makes a mask; pooling over time consumes one.
    open func computeMask(inputs: [Tensor], masks: [Tensor?], output: Tensor) -> Tensor? {
        let given = masks.compactMap { $0 }
        guard var mask = given.first, given.allSatisfy({ $0.shape == mask.shape }) else { return nil }
        for other in given.dropFirst() { mask = mask.logicalAnd(other) }
        return output.shape.starts(with: mask.shape) ? mask : nil
    }

    /// Whether this layer makes a mask of its own from its inputs (``Embedding`` with `maskZero`): models run the
    /// mask-carrying path only when one does, or when a mask is given.
    open var makesMask: Bool { false }

    /// The output and its mask for `inputs` and their masks: ``callAsFunction(_:masks:)`` then
    /// ``computeMask(inputs:masks:output:)``. ``Sequential`` and ``GraphModel`` carry masks from layer to layer.
    ///
    /// ```swift
    /// let (y, mask) = model.maskedCall([ids], masks: [nil])   // mask: 1 where an id is not 0, after Embedding(maskZero: true)
    /// ```
    open func maskedCall(_ inputs: [Tensor], masks: [Tensor?]) -> (output: Tensor, mask: Tensor?) {
        let output = self(inputs, masks: masks)
        return (output, computeMask(inputs: inputs, masks: masks, output: output))
    }

    /// The name shown in summaries.
    open var typeName: String { String(describing: type(of: self)) }

    /// A one-line description of the layer's settings for summaries (e.g. `relu`).
    open var details: String { "" }

    /// Direct sub-modules with their property names (array elements as `name.index`).
    public var children: [(name: String, module: Module)] {
        var out: [(String, Module)] = []
        visitProperties { name, value in
            if let m = value as? Module {
                out.append((name, m))
            } else if let ms = value as? [Module] {
                for (i, m) in ms.enumerated() { out.append(("\(name).\(i)", m)) }
            }
        }
        return out
    }

    /// This module and its sub-modules that draw from generators of their own (``Dropout``), by dotted path
    /// (`""` for this module), in declaration order: what a checkpoint keeps besides the weights.
    ///
    /// ```swift
    /// Sequential([Dense(inputSize: 2, outputSize: 2), Dropout(rate: 0.5)]).randomStateHolders.map(\.name)   // ["layers.1"]
    /// ```
    public var randomStateHolders: [(name: String, holder: any RandomStateHolder)] {
        var out: [(name: String, holder: any RandomStateHolder)] = []
        if let own = self as? any RandomStateHolder { out.append(("", own)) }
        for (name, child) in children {
            out += child.randomStateHolders.map { ($0.name.isEmpty ? name : name + "." + $0.name, $0.holder) }
        }
        return out
    }

    /// Every parameter of this module and its sub-modules, by dotted path, in declaration order.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        var out: [(String, Parameter)] = []
        var seen = Set<ObjectIdentifier>()
        visitProperties { name, value in
            if let p = value as? Parameter {
                if seen.insert(ObjectIdentifier(p)).inserted { out.append((name, p)) }
            } else if let ps = value as? [Parameter] {
                for (i, p) in ps.enumerated() where seen.insert(ObjectIdentifier(p)).inserted { out.append(("\(name).\(i)", p)) }
            } else if let m = value as? Module {
                for (n, p) in m.namedParameters where seen.insert(ObjectIdentifier(p)).inserted {
                    out.append(("\(name).\(n)", p))
                }
            } else if let ms = value as? [Module] {
                for (i, m) in ms.enumerated() {
                    for (n, p) in m.namedParameters where seen.insert(ObjectIdentifier(p)).inserted {
                        out.append(("\(name).\(i).\(n)", p))
                    }
                }
            }
        }
        return out
    }

    /// All parameters (trainable or not).
    public var parameters: [Parameter] { namedParameters.map(\.parameter) }

    /// The parameters the optimizer updates.
    public var trainableParameters: [(name: String, parameter: Parameter)] {
        namedParameters.filter { $0.parameter.requiresGradient }
    }

    /// Calls `body` with each stored property (walking superclasses), unwrapping optionals.
    private func visitProperties(_ body: (String, Any) -> Void) {
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror {
            for child in m.children {
                guard var label = child.label else { continue }
                if label.hasPrefix("$__lazy_storage_$_") { label.removeFirst("$__lazy_storage_$_".count) }
                if label.hasPrefix("_") { continue }
                var value: Any = child.value
                let inner = Mirror(reflecting: value)
                if inner.displayStyle == .optional {
                    guard let wrapped = inner.children.first?.value else { continue }
                    value = wrapped
                }
                body(label, value)
            }
            mirror = m.superclassMirror
        }
    }

    /// Switches this module and its sub-modules between training and inference behaviour.
    public func setTraining(_ training: Bool) {
        isTraining = training
        for (_, c) in children { c.setTraining(training) }
    }

    /// Freezes every parameter: training leaves them unchanged.
    public func freeze() { for p in parameters { p.isFrozen = true } }

    /// Unfreezes every parameter.
    public func unfreeze() { for p in parameters { p.isFrozen = false } }

    /// Clears the gradients of every parameter.
    public func zeroGradients() { for p in parameters { p.zeroGradient() } }

    /// Copies of every parameter's value by name (weights and state), e.g. to restore the best weights later.
    public func stateDict() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: namedParameters.map { ($0.name, $0.parameter.value.detached) })
    }

    /// Loads values saved by ``stateDict()``: names, shapes and element types must match exactly.
    public func loadStateDict(_ state: [String: Tensor]) throws(ModuleError) {
        let named = namedParameters
        let names = Set(named.map(\.name))
        if let extra = state.keys.first(where: { !names.contains($0) }) {
            throw .stateMismatch("unexpected parameter '\(extra)'")
        }
        for (name, p) in named {
            guard let v = state[name] else { throw .stateMismatch("missing parameter '\(name)'") }
            guard v.shape == p.value.shape, v.dtype == p.value.dtype else {
                throw .stateMismatch("'\(name)' is \(v.shape) \(v.dtype), the model has \(p.value.shape) \(p.value.dtype)")
            }
        }
        for (name, p) in named { p.assign(state[name]!) }
    }

    /// Converts every parameter to `dtype` (use `.float64` for gradient checks).
    public func convert(to dtype: DType) {
        for p in parameters { p.convert(to: dtype) }
    }

    /// The sum of the regularizers' penalties over all parameters, or nil when none has one.
    public func regularizationPenalty() -> Tensor? { Module.regularizationPenalty(of: parameters) }

    /// The sum of the regularizers' penalties over `parameters` (a cached ``parameters`` list), or nil.
    public static func regularizationPenalty(of parameters: [Parameter]) -> Tensor? {
        var total: Tensor?
        for p in parameters where p.requiresGradient {
            guard let r = p.regularizer else { continue }
            let term = r.penalty(p.value)
            total = total.map { $0 + term } ?? term
        }
        return total
    }

    /// Total number of scalars in the parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}
