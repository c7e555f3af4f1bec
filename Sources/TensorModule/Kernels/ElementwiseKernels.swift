/// Elementwise functions of one tensor. Each case is one loop over buffer pointers (see `Kernels.unary`).
enum UnaryOp {
    case negate, exp, log, sqrt, abs, sign, square
    case sigmoid, tanh, relu, softplus
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
    /// (upstream, y = σ(x)) → upstream · y(1 − y).
    case sigmoidBackward
    /// (upstream, y = tanh x) → upstream · (1 − y²).
    case tanhBackward
}

enum Kernels {
    @inline(__always)
    static func map<T>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int, _ f: (T) -> T) {
        Parallel.forChunks(n) { lo, hi in
            for i in lo..<hi { y[i] = f(x[i]) }
        }
    }

    /// A numerically stable logistic function: never evaluates e^x for large positive x.
    @inline(__always)
    static func sigmoid<T: TensorScalar>(_ x: T) -> T {
        if x >= 0 { return 1 / (1 + T.exp(-x)) }
        let e = T.exp(x)
        return e / (1 + e)
    }

    static func unary<T: TensorScalar>(_ op: UnaryOp, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
        switch op {
        case .negate: map(x, y, n) { -$0 }
        case .exp: map(x, y, n) { T.exp($0) }
        case .log: map(x, y, n) { T.log($0) }
        case .sqrt: map(x, y, n) { $0.squareRoot() }
        case .abs: map(x, y, n) { Swift.abs($0) }
        case .sign: map(x, y, n) { $0 > 0 ? 1 : ($0 < 0 ? -1 : $0) }
        case .square: map(x, y, n) { $0 * $0 }
        case .sigmoid: map(x, y, n) { sigmoid($0) }
        case .tanh: map(x, y, n) { T.tanh($0) }
        // Written as `x < 0 ? 0 : x`, not max(x, 0), so a NaN input stays NaN.
        case .relu: map(x, y, n) { $0 < 0 ? 0 : $0 }
        // log(1 + eˣ) = max(x, 0) + log1p(e^−|x|): no overflow for large |x|.
        case .softplus: map(x, y, n) { ($0 > 0 ? $0 : 0) + T.log1p(T.exp(-Swift.abs($0))) }
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
                                        _ out: UnsafeMutablePointer<T>, _ plan: BroadcastLayout) {
        switch op {
        case .add: broadcast(a, b, out, plan) { $0 + $1 }
        case .subtract: broadcast(a, b, out, plan) { $0 - $1 }
        case .multiply: broadcast(a, b, out, plan) { $0 * $1 }
        case .divide: broadcast(a, b, out, plan) { $0 / $1 }
        case .pow: broadcast(a, b, out, plan) { T.pow($0, $1) }
        // NaN in either operand gives NaN, as in NumPy's maximum/minimum.
        case .maximum: broadcast(a, b, out, plan) { ($0.isNaN || $0 >= $1) ? $0 : $1 }
        case .minimum: broadcast(a, b, out, plan) { ($0.isNaN || $0 <= $1) ? $0 : $1 }
        case .less: broadcast(a, b, out, plan) { mask($0 < $1) }
        case .lessEqual: broadcast(a, b, out, plan) { mask($0 <= $1) }
        case .greater: broadcast(a, b, out, plan) { mask($0 > $1) }
        case .greaterEqual: broadcast(a, b, out, plan) { mask($0 >= $1) }
        case .equal: broadcast(a, b, out, plan) { mask($0 == $1) }
        case .notEqual: broadcast(a, b, out, plan) { mask($0 != $1) }
        case .reluBackward: broadcast(a, b, out, plan) { $1 > 0 ? $0 : 0 }
        case .leakyReluBackward(let s):
            let alpha = T(s)
            broadcast(a, b, out, plan) { $1 > 0 ? $0 : $0 * alpha }
        case .eluBackward(let s):
            let alpha = T(s)
            broadcast(a, b, out, plan) { $1 > 0 ? $0 : $0 * alpha * T.exp($1) }
        case .softplusBackward: broadcast(a, b, out, plan) { $0 * sigmoid($1) }
        case .sigmoidBackward: broadcast(a, b, out, plan) { $0 * $1 * (1 - $1) }
        case .tanhBackward: broadcast(a, b, out, plan) { $0 * (1 - $1 * $1) }
        }
    }

    /// One binary loop with fast paths for equal shapes and scalar operands, and a strided path for the rest.
    @inline(__always)
    static func broadcast<T>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
                             _ layout: BroadcastLayout, _ f: (T, T) -> T) {
        let n = layout.count
        switch layout.kind {
        case .same:
            Parallel.forChunks(n) { lo, hi in for i in lo..<hi { out[i] = f(a[i], b[i]) } }
        case .scalarRight:
            let s = b[0]
            Parallel.forChunks(n) { lo, hi in for i in lo..<hi { out[i] = f(a[i], s) } }
        case .scalarLeft:
            let s = a[0]
            Parallel.forChunks(n) { lo, hi in for i in lo..<hi { out[i] = f(s, b[i]) } }
        case .strided(let plan):
            let sa = plan.innerStride(1), sb = plan.innerStride(2)
            plan.forEachRow { off, m in
                let o = out + off[0], pa = a + off[1], pb = b + off[2]
                if sa == 1 && sb == 1 {
                    for j in 0..<m { o[j] = f(pa[j], pb[j]) }
                } else if sa == 1 && sb == 0 {
                    let s = pb[0]
                    for j in 0..<m { o[j] = f(pa[j], s) }
                } else if sa == 0 && sb == 1 {
                    let s = pa[0]
                    for j in 0..<m { o[j] = f(s, pb[j]) }
                } else {
                    for j in 0..<m { o[j] = f(pa[j * sa], pb[j * sb]) }
                }
            }
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
    static func expand<T: TensorScalar>(_ src: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ plan: StridedPlan) {
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
