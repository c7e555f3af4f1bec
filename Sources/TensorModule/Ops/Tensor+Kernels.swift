// Forward evaluation of the kernels on tensors: dtype dispatch, shape validation and output allocation.
// The differentiable ops in the other files call these and record their pullbacks.

extension Tensor {
    func applying(_ op: UnaryOp) -> Tensor {
        let out = Tensor(uninitialized: shape, dtype: dtype)
        withExtendedLifetime(self) {
            switch dtype {
            case .int32: floatOnly()
            case .float32: Kernels.unary(op, pointer(Float.self), out.pointer(Float.self), count)
            case .float64: Kernels.unary(op, pointer(Double.self), out.pointer(Double.self), count)
            }
        }
        return out
    }

    static func applying(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, name: String) -> Tensor {
        validate { () throws(ShapeError) in try Shapes.checkSameDType(a.dtype, b.dtype, op: name) }
        let layout = BroadcastLayout(a.shape, b.shape, op: name)
        if a.dtype == .int32 { return integerComparison(op, a, b, shape: layout.shape, name: name) }
        let out = Tensor(uninitialized: layout.shape, dtype: a.dtype)
        keepingAlive(a, b) {
            switch a.dtype {
            case .int32: floatOnly(name)
            case .float32: Kernels.binary(op, a.pointer(Float.self), b.pointer(Float.self), out.pointer(Float.self), layout)
            case .float64: Kernels.binary(op, a.pointer(Double.self), b.pointer(Double.self), out.pointer(Double.self), layout)
            }
        }
        return out
    }

    /// Runs `body` while `a` and `b` stay alive (it uses their buffers' pointers). Each is borrowed in turn:
    /// `withExtendedLifetime((a, b))` copied both into a tuple, six reference-count operations per op.
    @inline(__always)
    static func keepingAlive<R>(_ a: Tensor, _ b: Tensor, _ body: () -> R) -> R {
        withExtendedLifetime(a) { withExtendedLifetime(b) { body() } }
    }

    /// ``keepingAlive(_:_:_:)`` for three tensors.
    @inline(__always)
    static func keepingAlive<R>(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ body: () -> R) -> R {
        withExtendedLifetime(a) { withExtendedLifetime(b) { withExtendedLifetime(c) { body() } } }
    }

    /// A scalar of this tensor's element type.
    func scalarLike(_ value: Double) -> Tensor { Tensor(scalar: value, dtype: dtype) }

    func reducing(_ op: ReduceOp, axes: [Int], keepingDimensions: Bool) -> Tensor {
        // Integer sums, maxima and minima go through Double, which holds every Int32 (and their sums) exactly.
        if dtype == .int32 { return converted(to: .float64).reducing(op, axes: axes, keepingDimensions: keepingDimensions).converted(to: .int32) }
        var kept = shape
        for a in axes { kept[a] = 1 }
        var out = Tensor(uninitialized: kept, dtype: dtype)
        withExtendedLifetime(self) {
            switch dtype {
            case .int32: floatOnly()
            case .float32: Kernels.reduce(op, pointer(Float.self), shape: shape, axes: axes, out.pointer(Float.self))
            case .float64: Kernels.reduce(op, pointer(Double.self), shape: shape, axes: axes, out.pointer(Double.self))
            }
        }
        if !keepingDimensions { out.shape = shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element) }
        return out
    }

    /// A copy of `self` broadcast to `target` (forward only).
    func broadcastCopy(to target: [Int]) -> Tensor {
        if target == shape { return detached }
        let out = Tensor(uninitialized: target, dtype: dtype)
        if count == 1 {  // a scalar's gradient spread over a whole tensor: a fill, no plan to build
            withExtendedLifetime(self) {
                switch dtype {
                case .int32: out.integerPointer().update(repeating: integerPointer()[0], count: out.count)
                case .float32: out.pointer(Float.self).update(repeating: pointer(Float.self)[0], count: out.count)
                case .float64: out.pointer(Double.self).update(repeating: pointer(Double.self)[0], count: out.count)
                }
            }
            return out
        }
        let plan = StridedPlan(shape: target, operandStrides: [
            Shapes.strides(target), StridedPlan.broadcastStrides(shape, to: target),
        ])
        withExtendedLifetime(self) {
            switch dtype {
            case .int32: Kernels.expand(integerPointer(), out.integerPointer(), plan)
            case .float32: Kernels.expand(pointer(Float.self), out.pointer(Float.self), plan)
            case .float64: Kernels.expand(pointer(Double.self), out.pointer(Double.self), plan)
            }
        }
        return out
    }

    /// Reinterprets the same buffer with another shape of equal count (no copy, no record).
    func withShape(_ newShape: [Int]) -> Tensor {
        var t = detached
        t.shape = newShape
        return t
    }
}
