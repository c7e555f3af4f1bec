// Elementwise math functions, each with its pullback right under its forward.

extension Tensor {
    /// Elementwise eˣ.
    public func exp() -> Tensor {
        let y = applying(.exp)
        return y.recording("exp", self) { g in InputGradients(g * y) }
    }

    /// Elementwise natural logarithm; log 0 = −∞ and log of a negative number is NaN, as in IEEE arithmetic.
    public func log() -> Tensor {
        let x = self
        return applying(.log).recording("log", x) { g in InputGradients(g / x) }
    }

    /// Elementwise square root.
    public func sqrt() -> Tensor {
        let y = applying(.sqrt)
        return y.recording("sqrt", self) { g in InputGradients(g * 0.5 / y) }
    }

    /// Elementwise sine (radians).
    public func sin() -> Tensor {
        let x = self
        return applying(.sin).recording("sin", x) { g in InputGradients(g * x.applying(.cos)) }
    }

    /// Elementwise cosine (radians).
    public func cos() -> Tensor {
        let x = self
        return applying(.cos).recording("cos", x) { g in InputGradients(-(g * x.applying(.sin))) }
    }

    /// Elementwise absolute value; its gradient at 0 is taken as 0.
    public func abs() -> Tensor {
        let x = self
        return applying(.abs).recording("abs", x) { g in InputGradients(g * x.applying(.sign)) }
    }

    /// Elementwise sign: −1, 0 or 1 (NaN stays NaN). Its gradient is 0 everywhere it is defined.
    public func sign() -> Tensor {
        let x = self
        return applying(.sign).recording("sign", x) { g in InputGradients(Tensor.zeros(x.shape, dtype: x.dtype)) }
    }

    /// Elementwise larger of two tensors, broadcasting (NaN if either is NaN). Ties send the gradient to `self`.
    public func maximum(_ other: Tensor) -> Tensor {
        let a = self
        return Tensor.applying(.maximum, a, other, name: "maximum").recording("maximum", a, other) { g in
            let ga = g * Tensor.applying(.greaterEqual, a, other, name: "maximum")
            return InputGradients(ga, g - ga)
        }
    }

    /// Elementwise smaller of two tensors, broadcasting (NaN if either is NaN). Ties send the gradient to `self`.
    public func minimum(_ other: Tensor) -> Tensor {
        let a = self
        return Tensor.applying(.minimum, a, other, name: "minimum").recording("minimum", a, other) { g in
            let ga = g * Tensor.applying(.lessEqual, a, other, name: "minimum")
            return InputGradients(ga, g - ga)
        }
    }

    /// Each element limited to `[lowerBound, upperBound]`.
    ///
    /// ```swift
    /// Tensor([-2, 0.5, 3]).clamped(lowerBound: 0, upperBound: 1)  // [0.0, 0.5, 1.0]
    /// ```
    public func clamped(lowerBound: Double, upperBound: Double) -> Tensor {
        require(lowerBound <= upperBound, "clamped: lowerBound \(lowerBound) > upperBound \(upperBound)")
        return maximum(scalarLike(lowerBound)).minimum(scalarLike(upperBound))
    }

    /// Picks `a` where `mask` is non-zero and `b` elsewhere, all three broadcast together (NumPy's `where`).
    ///
    /// ```swift
    /// let x = Tensor([-1, 2])
    /// Tensor.select(x .> 0, x, Tensor([0]))  // [0.0, 2.0]
    /// ```
    public static func select(_ mask: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = validate { () throws(ShapeError) in
            try Shapes.checkSameDType(a.dtype, b.dtype, op: "select")
            try Shapes.checkSameDType(mask.dtype, a.dtype, op: "select")
            return try Shapes.broadcast(try Shapes.broadcast(mask.shape, a.shape, op: "select"), b.shape, op: "select")
        }
        let out = Tensor(uninitialized: shape, dtype: a.dtype)
        let plan = StridedPlan(shape: shape, operandStrides: [
            Shapes.strides(shape), StridedPlan.broadcastStrides(mask.shape, to: shape),
            StridedPlan.broadcastStrides(a.shape, to: shape), StridedPlan.broadcastStrides(b.shape, to: shape),
        ])
        keepingAlive(mask, a, b) {
            switch a.dtype {
            case .int32: floatOnly()
            case .float32: Kernels.select(mask.pointer(Float.self), a.pointer(Float.self), b.pointer(Float.self),
                                          out.pointer(Float.self), plan)
            case .float64: Kernels.select(mask.pointer(Double.self), a.pointer(Double.self), b.pointer(Double.self),
                                          out.pointer(Double.self), plan)
            }
        }
        let m = mask.detached
        return out.recording("select", m, a, b) { g in
            let zero = Tensor.zeros([], dtype: g.dtype)
            return InputGradients(nil, select(m, g, zero), select(m, zero, g))
        }
    }
}

// MARK: - Comparisons (masks of 0 and 1 in the operands' element type; not differentiable)

infix operator .< : ComparisonPrecedence
infix operator .<= : ComparisonPrecedence
infix operator .> : ComparisonPrecedence
infix operator .>= : ComparisonPrecedence
infix operator .== : ComparisonPrecedence
infix operator .!= : ComparisonPrecedence

extension Tensor {
    /// Elementwise `lhs < rhs` as 1/0, broadcasting.
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { applying(.less, lhs, rhs, name: "less") }
    /// Elementwise `lhs ≤ rhs` as 1/0, broadcasting.
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { applying(.lessEqual, lhs, rhs, name: "lessEqual") }
    /// Elementwise `lhs > rhs` as 1/0, broadcasting.
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { applying(.greater, lhs, rhs, name: "greater") }
    /// Elementwise `lhs ≥ rhs` as 1/0, broadcasting.
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor {
        applying(.greaterEqual, lhs, rhs, name: "greaterEqual")
    }
    /// Elementwise `lhs == rhs` as 1/0, broadcasting.
    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { applying(.equal, lhs, rhs, name: "equal") }
    /// Elementwise `lhs != rhs` as 1/0, broadcasting.
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { applying(.notEqual, lhs, rhs, name: "notEqual") }

    public static func .< (lhs: Tensor, rhs: Double) -> Tensor { lhs .< lhs.scalarLike(rhs) }
    public static func .<= (lhs: Tensor, rhs: Double) -> Tensor { lhs .<= lhs.scalarLike(rhs) }
    public static func .> (lhs: Tensor, rhs: Double) -> Tensor { lhs .> lhs.scalarLike(rhs) }
    public static func .>= (lhs: Tensor, rhs: Double) -> Tensor { lhs .>= lhs.scalarLike(rhs) }
    public static func .== (lhs: Tensor, rhs: Double) -> Tensor { lhs .== lhs.scalarLike(rhs) }
    public static func .!= (lhs: Tensor, rhs: Double) -> Tensor { lhs .!= lhs.scalarLike(rhs) }
}
