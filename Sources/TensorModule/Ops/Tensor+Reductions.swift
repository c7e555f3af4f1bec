// Reductions along axes (nil: all axes), with or without keeping the reduced dimensions as size 1.

extension Tensor {
    static func reducedShape(_ shape: [Int], axes: [Int]) -> [Int] {
        shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    static func keptShape(_ shape: [Int], axes: [Int]) -> [Int] {
        var s = shape
        for a in axes { s[a] = 1 }
        return s
    }

    private func axesFor(_ axes: [Int]?, _ op: String) -> [Int] {
        validate { () throws(ShapeError) in try Shapes.normalize(axes: axes, rank: rank, op: op) }
    }

    /// Sum along `axes` (nil: all).
    ///
    /// ```swift
    /// Tensor(rows: [[1, 2], [3, 4]]).sum(alongAxes: [0])  // [4.0, 6.0]
    /// ```
    public func sum(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let ax = axesFor(axes, "sum")
        let inputShape = shape
        let kept = Tensor.keptShape(shape, axes: ax)
        return reducing(.sum, axes: ax, keepingDimensions: keepingDimensions).recording("sum", self) { g in
            InputGradients(g.withShape(kept).broadcastCopy(to: inputShape))
        }
    }

    /// Arithmetic mean along `axes` (nil: all).
    public func mean(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        if dtype == .int32 { floatOnly("mean") }
        let ax = axesFor(axes, "mean")
        let n = Double(ax.reduce(1) { $0 * shape[$1] })
        let inputShape = shape
        let kept = Tensor.keptShape(shape, axes: ax)
        // One op: the sum divided by n in place, and its gradient spread and divided in place.
        var total = reducing(.sum, axes: ax, keepingDimensions: keepingDimensions)
        total.divideInPlace(by: n)
        return total.recording("mean", self) { g in
            var spread = g.withShape(kept).broadcastCopy(to: inputShape)
            spread.divideInPlace(by: n)
            return InputGradients(spread)
        }
    }

    /// Divides every element by `n` (after making the buffer unshared).
    private mutating func divideInPlace(by n: Double) {
        makeUnique()
        switch dtype {
        case .int32: floatOnly()
        case .float32: let p = pointer(Float.self), d = Float(n); for i in 0..<count { p[i] /= d }
        case .float64: let p = pointer(Double.self); for i in 0..<count { p[i] /= n }
        }
    }

    /// Population variance (divides by n, like NumPy's default) along `axes` (nil: all).
    public func variance(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let ax = axesFor(axes, "variance")
        let centered = self - mean(alongAxes: ax, keepingDimensions: true)
        return centered.squared().mean(alongAxes: ax, keepingDimensions: keepingDimensions)
    }

    /// Largest element along `axes` (nil: all); the gradient is shared equally by tied maxima.
    public func max(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        extremum(.max, axes: axesFor(axes, "max"), keepingDimensions: keepingDimensions, name: "max")
    }

    /// Smallest element along `axes` (nil: all); the gradient is shared equally by tied minima.
    public func min(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        extremum(.min, axes: axesFor(axes, "min"), keepingDimensions: keepingDimensions, name: "min")
    }

    private func extremum(_ op: ReduceOp, axes: [Int], keepingDimensions: Bool, name: String) -> Tensor {
        let x = self
        let kept = reducing(op, axes: axes, keepingDimensions: true)
        let y = keepingDimensions ? kept : kept.withShape(Tensor.reducedShape(shape, axes: axes))
        return y.recording(name, x) { g in
            let hits = Tensor.applying(.equal, x, kept, name: name)
            let share = hits / hits.reducing(.sum, axes: axes, keepingDimensions: true)
            return InputGradients(share * g.withShape(kept.shape))
        }
    }

    /// Index of the largest element along `axis` (first one on ties; NaN counts as largest), stored in this tensor's
    /// element type. Not differentiable.
    ///
    /// ```swift
    /// Tensor(rows: [[1, 5], [7, 2]]).argmax(alongAxis: 1)  // [1.0, 0.0]
    /// ```
    public func argmax(alongAxis axis: Int = -1, keepingDimensions: Bool = false) -> Tensor {
        let a = validate { () throws(ShapeError) in try Shapes.normalize(axis: axis, rank: rank, op: "argmax") }
        require(rank > 0 && shape[a] > 0, "argmax: needs a non-empty axis, got shape \(shape)")
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        let out = Tensor(uninitialized: keepingDimensions ? Tensor.keptShape(shape, axes: [a])
                                                          : Tensor.reducedShape(shape, axes: [a]), dtype: dtype)
        withExtendedLifetime(self) {
            switch dtype {
            case .int32: floatOnly()
            case .float32: Kernels.argmax(pointer(Float.self), outer: outer, n: shape[a], inner: inner, out.pointer(Float.self))
            case .float64: Kernels.argmax(pointer(Double.self), outer: outer, n: shape[a], inner: inner, out.pointer(Double.self))
            }
        }
        return out
    }
}
