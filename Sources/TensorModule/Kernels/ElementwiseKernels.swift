/// Elementwise functions of one tensor. Each case is one loop over buffer pointers (see `Kernels.unary`).
enum UnaryOp {
    case negate, exp, log, sqrt, abs, sign, square, sin, cos
    case sigmoid, tanh, relu, softplus, selu, silu, softsign
    case gelu(approximate: Bool)
    case leakyRelu(Double)
    case elu(Double)
    case powScalar(Double)
}

/// Elementwise functions of two tensors (broadcast), including the fused backward rules of the activations.
enum BinaryOp {
    case add, subtract, multiply, divide, pow, maximum, minimum
    case less, lessEqual, greater, greaterEqual, equal, notEqual
    /// (upstream, x) → upstream where x > 0.
    case reluBackward
    /// (upstream, x) → upstream · (x > 0 ? 1 : α).
    case leakyReluBackward(Double)
    /// (upstream, x) → upstream · (x > 0 ? 1 : α·eˣ).
    case eluBackward(Double)
    /// (upstream, x) → upstream · σ(x).
    case softplusBackward
    /// (upstream, x) → upstream · λ · (x > 0 ? 1 : α·eˣ).
    case seluBackward
    /// (upstream, x) → upstream · σ(x)(1 + x(1 − σ(x))).
    case siluBackward
    /// (upstream, x) → upstream / (1 + |x|)².
    case softsignBackward
    /// (upstream, x) → upstream · (Φ(x) + x·φ(x)), or the derivative of the tanh approximation.
    case geluBackward(approximate: Bool)
    /// (upstream, y = σ(x)) → upstream · y(1 − y).
    case sigmoidBackward
    /// (upstream, y = tanh x) → upstream · (1 − y²).
    case tanhBackward
}

enum Kernels {
    @inline(__always)
    static func map<T>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int, _ f: (T) -> T) {
        for i in 0..<n { y[i] = f(x[i]) }
    }

    /// A numerically stable logistic function: never evaluates e^x for large positive x.
    @inline(__always)
    static func sigmoid<T: TensorScalar>(_ x: T) -> T {
        if x >= 0 { return 1 / (1 + T.exp(-x)) }
        let e = T.exp(x)
        return e / (1 + e)
    }

    /// SELU's scale λ and α (Klambauer et al. 2017), the values Keras and PyTorch use.
    static let seluScale = 1.0507009873554804934193349852946, seluAlpha = 1.6732632423543772848170429916717

    /// √(2/π) and the cubic coefficient of GELU's tanh approximation.
    static let geluTanhScale = 0.7978845608028654, geluCubic = 0.044715

    /// x·Φ(x), Φ the standard normal CDF, written with erfc so the left tail keeps its digits; or its tanh
    /// approximation 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))).
    @inline(__always)
    static func gelu<T: TensorScalar>(_ x: T, approximate: Bool) -> T {
        if approximate { return x / 2 * (1 + T.tanh(T(geluTanhScale) * (x + T(geluCubic) * x * x * x))) }
        return x / 2 * T.erfc(-x * T(0.5.squareRoot()))
    }

    /// d gelu / dx: Φ(x) + x·φ(x), or the tanh approximation's derivative.
    @inline(__always)
    static func geluDerivative<T: TensorScalar>(_ x: T, approximate: Bool) -> T {
        let x2: T = x * x
        if approximate {
            let (scale, cubic) = (T(geluTanhScale), T(geluCubic))
            let t: T = T.tanh(scale * (x + cubic * x2 * x))
            let du: T = scale * (1 + 3 * cubic * x2)   // d/dx of tanh's argument
            return (1 + t) / 2 + x / 2 * (1 - t * t) * du
        }
        let cdf: T = T.erfc(-x * T(0.5.squareRoot())) / 2
        let density: T = T.exp(-x2 / 2) * T(1 / (2 * Double.pi).squareRoot())
        return cdf + x * density
    }

    /// `y = op(x)` over `n` elements, split over the two cores when large. The chunking sits outside the
    /// specialised loops so each loop body is inlined, not called through a closure per element.
    static func unary<T: TensorScalar>(_ op: UnaryOp, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
        Parallel.forChunks(n) { lo, hi in unaryLoop(op, x + lo, y + lo, hi - lo) }
    }

    static func unaryLoop<T: TensorScalar>(_ op: UnaryOp, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
        if T.self == Float.self {
            let (xf, yf) = (UnsafePointer(x.floats), y.floats)
            switch op {
            case .exp: return mapFloats(xf, yf, n, exp)
            case .tanh: return mapFloats(xf, yf, n, tanh)
            case .sigmoid: return mapFloats(xf, yf, n, sigmoid)
            default: break
            }
        }
        switch op {
        case .negate: map(x, y, n) { -$0 }
        case .exp: map(x, y, n) { T.exp($0) }
        case .log: map(x, y, n) { T.log($0) }
        case .sqrt: map(x, y, n) { T.sqrt($0) }
        case .abs: map(x, y, n) { Swift.abs($0) }
        case .sign: map(x, y, n) { $0 > 0 ? 1 : ($0 < 0 ? -1 : $0) }
        case .square: map(x, y, n) { $0 * $0 }
        case .sin: map(x, y, n) { T.sin($0) }
        case .cos: map(x, y, n) { T.cos($0) }
        case .sigmoid: map(x, y, n) { sigmoid($0) }
        case .tanh: map(x, y, n) { T.tanh($0) }
        // Written as `x < 0 ? 0 : x`, not max(x, 0), so a NaN input stays NaN.
        case .relu: map(x, y, n) { $0 < 0 ? 0 : $0 }
        // log(1 + eˣ) = max(x, 0) + log1p(e^−|x|): no overflow for large |x|.
        case .softplus: map(x, y, n) { ($0 > 0 ? $0 : 0) + T.log1p(T.exp(-Swift.abs($0))) }
        case .selu:
            let (scale, alpha) = (T(seluScale), T(seluAlpha))
            map(x, y, n) { $0 < 0 ? scale * alpha * T.expm1($0) : scale * $0 }
        case .silu: map(x, y, n) { $0 * sigmoid($0) }
        case .softsign: map(x, y, n) { $0 / (1 + Swift.abs($0)) }
        case .gelu(let approximate): map(x, y, n) { gelu($0, approximate: approximate) }
        case .leakyRelu(let a):
            let alpha = T(a)
            map(x, y, n) { $0 < 0 ? alpha * $0 : $0 }
        case .elu(let a):
            let alpha = T(a)
            map(x, y, n) { $0 < 0 ? alpha * T.expm1($0) : $0 }
        case .powScalar(let p):
            let e = T(p)
            if p == 2 { map(x, y, n) { $0 * $0 } } else { map(x, y, n) { T.pow($0, e) } }
        }
    }

    @inline(__always) static func mask<T: TensorScalar>(_ b: Bool) -> T { b ? 1 : 0 }

    static func binary<T: TensorScalar>(_ op: BinaryOp, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                                        _ out: UnsafeMutablePointer<T>, _ layout: BroadcastLayout) {
        switch layout.kind {
        case .same:
            Parallel.forChunks(layout.count) { lo, hi in binaryLoop(op, a + lo, b + lo, out + lo, hi - lo, 1, 1) }
        case .scalarRight:
            Parallel.forChunks(layout.count) { lo, hi in binaryLoop(op, a + lo, b, out + lo, hi - lo, 1, 0) }
        case .scalarLeft:
            Parallel.forChunks(layout.count) { lo, hi in binaryLoop(op, a, b + lo, out + lo, hi - lo, 0, 1) }
        case .strided(let plan):
            let sa = plan.innerStride(1), sb = plan.innerStride(2)
            plan.forEachRow { off, m in binaryLoop(op, a + off[1], b + off[2], out + off[0], m, sa, sb) }
        }
    }

    /// One row: `out[j] = op(a[j·sa], b[j·sb])`, with the common stride pairs as their own loops.
    static func binaryLoop<T: TensorScalar>(_ op: BinaryOp, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                                            _ out: UnsafeMutablePointer<T>, _ n: Int, _ sa: Int, _ sb: Int) {
        switch op {
        case .add: row(a, b, out, n, sa, sb) { $0 + $1 }
        case .subtract: row(a, b, out, n, sa, sb) { $0 - $1 }
        case .multiply: row(a, b, out, n, sa, sb) { $0 * $1 }
        case .divide: row(a, b, out, n, sa, sb) { $0 / $1 }
        case .pow: row(a, b, out, n, sa, sb) { T.pow($0, $1) }
        // NaN in either operand gives NaN, as in NumPy's maximum/minimum.
        case .maximum: row(a, b, out, n, sa, sb) { ($0.isNaN || $0 >= $1) ? $0 : $1 }
        case .minimum: row(a, b, out, n, sa, sb) { ($0.isNaN || $0 <= $1) ? $0 : $1 }
        case .less: row(a, b, out, n, sa, sb) { mask($0 < $1) }
        case .lessEqual: row(a, b, out, n, sa, sb) { mask($0 <= $1) }
        case .greater: row(a, b, out, n, sa, sb) { mask($0 > $1) }
        case .greaterEqual: row(a, b, out, n, sa, sb) { mask($0 >= $1) }
        case .equal: row(a, b, out, n, sa, sb) { mask($0 == $1) }
        case .notEqual: row(a, b, out, n, sa, sb) { mask($0 != $1) }
        case .reluBackward: row(a, b, out, n, sa, sb) { $1 > 0 ? $0 : 0 }
        case .leakyReluBackward(let s):
            let alpha = T(s)
            row(a, b, out, n, sa, sb) { $1 > 0 ? $0 : $0 * alpha }
        case .eluBackward(let s):
            let alpha = T(s)
            row(a, b, out, n, sa, sb) { $1 > 0 ? $0 : $0 * alpha * T.exp($1) }
        case .softplusBackward: row(a, b, out, n, sa, sb) { $0 * sigmoid($1) }
        case .seluBackward:
            let (scale, alpha) = (T(seluScale), T(seluAlpha))
            row(a, b, out, n, sa, sb) { $1 > 0 ? $0 * scale : $0 * scale * alpha * T.exp($1) }
        case .siluBackward:
            row(a, b, out, n, sa, sb) { g, x in
                let s = sigmoid(x)
                return g * s * (1 + x * (1 - s))
            }
        case .softsignBackward:
            row(a, b, out, n, sa, sb) { g, x in
                let d = 1 + Swift.abs(x)
                return g / (d * d)
            }
        case .geluBackward(let approximate): row(a, b, out, n, sa, sb) { $0 * geluDerivative($1, approximate: approximate) }
        case .sigmoidBackward: row(a, b, out, n, sa, sb) { $0 * $1 * (1 - $1) }
        case .tanhBackward: row(a, b, out, n, sa, sb) { $0 * (1 - $1 * $1) }
        }
    }

    @inline(__always)
    static func row<T>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ n: Int,
                       _ sa: Int, _ sb: Int, _ f: (T, T) -> T) {
        if sa == 1 && sb == 1 {
            for j in 0..<n { out[j] = f(a[j], b[j]) }
        } else if sa == 1 && sb == 0 {
            let s = b[0]
            for j in 0..<n { out[j] = f(a[j], s) }
        } else if sa == 0 && sb == 1 {
            let s = a[0]
            for j in 0..<n { out[j] = f(s, b[j]) }
        } else {
            for j in 0..<n { out[j] = f(a[j * sa], b[j * sb]) }
        }
    }

    /// `out = mask ≠ 0 ? a : b`, all broadcast to `plan`'s shape (operands: out, mask, a, b).
    static func select<T: TensorScalar>(_ mask: UnsafePointer<T>, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                                        _ out: UnsafeMutablePointer<T>, _ plan: StridedPlan) {
        let sm = plan.innerStride(1), sa = plan.innerStride(2), sb = plan.innerStride(3)
        plan.forEachRow { off, m in
            let o = out + off[0], pm = mask + off[1], pa = a + off[2], pb = b + off[3]
            for j in 0..<m { o[j] = pm[j * sm] != 0 ? pa[j * sa] : pb[j * sb] }
        }
    }

    /// Copies `src` broadcast into `out` (operands: out, src).
    static func expand<T>(_ src: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ plan: StridedPlan) {
        let s = plan.innerStride(1)
        plan.forEachRow { off, m in
            let o = out + off[0], p = src + off[1]
            if s == 1 { o.update(from: p, count: m) } else { for j in 0..<m { o[j] = p[j * s] } }
        }
    }
}

/// How the two operands of a binary op line up with the output.
struct BroadcastLayout {
    enum Kind {
        case same, scalarLeft, scalarRight
        case strided(StridedPlan)
    }
    let shape: [Int]
    let count: Int
    let kind: Kind

    init(_ a: [Int], _ b: [Int], op: String) {
        shape = validate { () throws(ShapeError) in try Shapes.broadcast(a, b, op: op) }
        count = Shapes.count(shape)
        let ca = Shapes.count(a), cb = Shapes.count(b)
        if a == b || (ca == count && cb == count) {
            kind = .same
        } else if cb == 1 && ca == count {
            kind = .scalarRight
        } else if ca == 1 && cb == count {
            kind = .scalarLeft
        } else {
            kind = .strided(StridedPlan(shape: shape, operandStrides: [
                Shapes.strides(shape),
                StridedPlan.broadcastStrides(a, to: shape),
                StridedPlan.broadcastStrides(b, to: shape),
            ]))
        }
    }
}
