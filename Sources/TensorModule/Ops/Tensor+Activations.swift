// Activation functions as ops. Each has its own kernel and a fused backward rule, for speed and, for sigmoid and
// softplus, for stability at large |x|. softmax, logSoftmax and logSumExp subtract the maximum first.

extension Tensor {
    /// The logistic function 1 / (1 + e⁻ˣ), stable for large |x|.
    public func sigmoid() -> Tensor {
        let y = applying(.sigmoid)
        return y.recording("sigmoid", self) { g in InputGradients(Tensor.applying(.sigmoidBackward, g, y, name: "sigmoid")) }
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor {
        let y = applying(.tanh)
        return y.recording("tanh", self) { g in InputGradients(Tensor.applying(.tanhBackward, g, y, name: "tanh")) }
    }

    /// max(x, 0); the gradient at 0 is 0 (NaN stays NaN).
    public func relu() -> Tensor {
        let x = self
        return applying(.relu).recording("relu", x) { g in InputGradients(Tensor.applying(.reluBackward, g, x, name: "relu")) }
    }

    /// x for x > 0, α·x otherwise (the lectures use α = 0.1: max(0.1x, x)).
    public func leakyRelu(alpha: Double = 0.01) -> Tensor {
        let x = self
        return applying(.leakyRelu(alpha)).recording("leakyRelu", x) { g in
            InputGradients(Tensor.applying(.leakyReluBackward(alpha), g, x, name: "leakyRelu"))
        }
    }

    /// x for x > 0, α·(eˣ − 1) otherwise.
    public func elu(alpha: Double = 1) -> Tensor {
        let x = self
        return applying(.elu(alpha)).recording("elu", x) { g in
            InputGradients(Tensor.applying(.eluBackward(alpha), g, x, name: "elu"))
        }
    }

    /// log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|) so it never overflows; its derivative is σ(x).
    public func softplus() -> Tensor {
        let x = self
        return applying(.softplus).recording("softplus", x) { g in
            InputGradients(Tensor.applying(.softplusBackward, g, x, name: "softplus"))
        }
    }

    /// SELU: λ·x for x > 0, λ·α·(eˣ − 1) otherwise, with λ ≈ 1.0507 and α ≈ 1.6733, the constants that keep
    /// activations at mean 0 and variance 1 through a deep network with `lecunNormal` weights (Keras's `selu`).
    ///
    /// ```swift
    /// Tensor([1, -1]).selu()   // [1.0507, -1.1113]
    /// ```
    public func selu() -> Tensor {
        let x = self
        return applying(.selu).recording("selu", x) { g in InputGradients(Tensor.applying(.seluBackward, g, x, name: "selu")) }
    }

    /// GELU: x·Φ(x), with Φ the standard normal distribution function (PyTorch's and Keras's default); with
    /// `approximate`, the tanh form 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) (PyTorch's `approximate="tanh"`).
    ///
    /// ```swift
    /// Tensor([1, -1]).gelu()   // [0.8413, -0.1587]
    /// ```
    public func gelu(approximate: Bool = false) -> Tensor {
        let x = self
        return applying(.gelu(approximate: approximate)).recording("gelu", x) { g in
            InputGradients(Tensor.applying(.geluBackward(approximate: approximate), g, x, name: "gelu"))
        }
    }

    /// SiLU, also called swish: x·σ(x).
    ///
    /// ```swift
    /// Tensor([1, -1]).silu()   // [0.7311, -0.2689]
    /// ```
    public func silu() -> Tensor {
        let x = self
        return applying(.silu).recording("silu", x) { g in InputGradients(Tensor.applying(.siluBackward, g, x, name: "silu")) }
    }

    /// Softsign: x / (1 + |x|), a tanh-like curve that approaches ±1 polynomially.
    ///
    /// ```swift
    /// Tensor([1, -3]).softsign()   // [0.5, -0.75]
    /// ```
    public func softsign() -> Tensor {
        let x = self
        return applying(.softsign).recording("softsign", x) { g in
            InputGradients(Tensor.applying(.softsignBackward, g, x, name: "softsign"))
        }
    }

    /// e^xᵢ / Σⱼ e^xⱼ along `axis` (default: the last).
    ///
    /// ```swift
    /// Tensor([1000, 0]).softmax()  // [1.0, 0.0], finite
    /// ```
    public func softmax(alongAxis axis: Int = -1) -> Tensor {
        let a = validate { () throws(ShapeError) in try Shapes.normalize(axis: axis, rank: rank, op: "softmax") }
        let y = withoutGradient { () -> Tensor in
            let e = (self - stableShift(axes: [a])).exp()
            return e / e.sum(alongAxes: [a], keepingDimensions: true)
        }
        // dx = y ⊙ (g − Σ g⊙y): the Jacobian-vector product without building the Jacobian.
        return y.recording("softmax", self) { g in
            InputGradients(y * (g - (g * y).sum(alongAxes: [a], keepingDimensions: true)))
        }
    }

    /// log softmax along `axis` (default: the last), as x − logSumExp(x): exact where softmax underflows to 0.
    public func logSoftmax(alongAxis axis: Int = -1) -> Tensor {
        let a = validate { () throws(ShapeError) in try Shapes.normalize(axis: axis, rank: rank, op: "logSoftmax") }
        let y = withoutGradient { self - logSumExp(alongAxes: [a], keepingDimensions: true) }
        return y.recording("logSoftmax", self) { g in
            InputGradients(g - y.exp() * g.sum(alongAxes: [a], keepingDimensions: true))
        }
    }

    /// log Σ eˣ along `axes` (nil: all), computed as m + log Σ e^(x−m) with m the maximum, so it does not overflow.
    ///
    /// ```swift
    /// Tensor([1000, 1000], dtype: .float64).logSumExp()  // 1000 + ln 2
    /// ```
    public func logSumExp(alongAxes axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let ax = validate { () throws(ShapeError) in try Shapes.normalize(axes: axes, rank: rank, op: "logSumExp") }
        let kept = withoutGradient { () -> Tensor in
            let m = stableShift(axes: ax)
            return (self - m).exp().sum(alongAxes: ax, keepingDimensions: true).log() + m
        }
        let x = self
        let y = keepingDimensions ? kept : kept.withShape(Tensor.reducedShape(shape, axes: ax))
        // d lse / dx = softmax(x) = e^(x − lse).
        return y.recording("logSumExp", x) { g in
            InputGradients(g.withShape(kept.shape) * (x - kept).exp())
        }
    }

    /// The maximum along `axes` with non-finite maxima replaced by 0, detached: subtracting it changes nothing
    /// mathematically and keeps e^x from overflowing.
    func stableShift(axes: [Int]) -> Tensor {
        let m = reducing(.max, axes: axes, keepingDimensions: true)
        return Tensor.select(m.isFiniteMask(), m, scalarLike(0))
    }

    func isFiniteMask() -> Tensor {
        // x − x is 0 for finite x and NaN for ±∞ and NaN; NaN == 0 is false.
        Tensor.applying(.equal, Tensor.applying(.subtract, self, self, name: "isFinite"), scalarLike(0), name: "isFinite")
    }
}
