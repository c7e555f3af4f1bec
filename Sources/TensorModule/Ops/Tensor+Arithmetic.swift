// + − × ÷, negation and powers, with NumPy broadcasting. Scalars on either side take the tensor's element type.
// Pullbacks return gradients shaped like the output; the engine sums broadcast dimensions away.

extension Tensor {
    /// Elementwise sum, broadcasting.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        applying(.add, lhs, rhs, name: "add").recording("add", lhs, rhs) { g in InputGradients(g, g) }
    }

    /// Elementwise difference, broadcasting.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        applying(.subtract, lhs, rhs, name: "subtract").recording("subtract", lhs, rhs) { g in InputGradients(g, -g) }
    }

    /// Elementwise product, broadcasting.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        // The pullback keeps only the factors it will use, as values without their tape nodes.
        let forL = lhs.requiresGradient ? rhs.detached : nil, forR = rhs.requiresGradient ? lhs.detached : nil
        return applying(.multiply, lhs, rhs, name: "multiply").recording("multiply", lhs, rhs) { g in
            InputGradients(forL.map { g * $0 }, forR.map { g * $0 })
        }
    }

    /// Elementwise quotient, broadcasting.
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
        let needL = lhs.requiresGradient, needR = rhs.requiresGradient
        let (l, r) = (needR ? lhs.detached : nil, needL || needR ? rhs.detached : nil)
        return applying(.divide, lhs, rhs, name: "divide").recording("divide", lhs, rhs) { g in
            guard let r else { return InputGradients(nil, nil) }
            return InputGradients(needL ? g / r : nil, l.map { -(g * $0) / (r * r) })
        }
    }

    /// Elementwise negation.
    public static prefix func - (x: Tensor) -> Tensor {
        x.applying(.negate).recording("negate", x) { g in InputGradients(-g) }
    }

    public static func + (lhs: Tensor, rhs: Double) -> Tensor { lhs + lhs.scalarLike(rhs) }
    public static func + (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalarLike(lhs) + rhs }
    public static func - (lhs: Tensor, rhs: Double) -> Tensor { lhs - lhs.scalarLike(rhs) }
    public static func - (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalarLike(lhs) - rhs }
    public static func * (lhs: Tensor, rhs: Double) -> Tensor { lhs * lhs.scalarLike(rhs) }
    public static func * (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalarLike(lhs) * rhs }
    public static func / (lhs: Tensor, rhs: Double) -> Tensor { lhs / lhs.scalarLike(rhs) }
    public static func / (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalarLike(lhs) / rhs }

    /// `self` raised to the power `exponent`, elementwise and broadcasting. The gradient with respect to the
    /// exponent is `y · log(self)`, so it is defined for positive bases only.
    ///
    /// ```swift
    /// Tensor([2, 3]).pow(Tensor([3, 2]))  // [8.0, 9.0]
    /// ```
    public func pow(_ exponent: Tensor) -> Tensor {
        let base = self
        let needB = requiresGradient, needE = exponent.requiresGradient
        let y = Tensor.applying(.pow, base, exponent, name: "pow")
        return y.recording("pow", base, exponent) { g in
            InputGradients(needB ? g * exponent * base.pow(exponent - 1) : nil, needE ? g * y * base.log() : nil)
        }
    }

    /// `self` raised to a constant power, elementwise.
    ///
    /// ```swift
    /// Tensor([2, 3]).pow(2)  // [4.0, 9.0]
    /// ```
    public func pow(_ exponent: Double) -> Tensor {
        let x = self
        return applying(.powScalar(exponent)).recording("powScalar", x) { g in
            InputGradients(g * exponent * x.applying(.powScalar(exponent - 1)))
        }
    }

    /// Elementwise square, `x²`.
    public func squared() -> Tensor {
        let x = self
        return applying(.square).recording("squared", x) { g in InputGradients(g * x * 2) }
    }
}
