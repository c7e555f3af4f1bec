/// Reductions along a set of axes.
enum ReduceOp {
    case sum, max, min
}

extension Kernels {
    /// Reduces `x` (of `shape`) along `axes` into `out` (the kept-dimension shape, fully overwritten).
    static func reduce<T: TensorScalar>(_ op: ReduceOp, _ x: UnsafePointer<T>, shape: [Int], axes: [Int],
                                        _ out: UnsafeMutablePointer<T>) {
        var outShape = shape
        for a in axes { outShape[a] = 1 }
        let outCount = Shapes.count(outShape)
        switch op {
        case .sum: out.initialize(repeating: 0, count: outCount)
        case .max: out.initialize(repeating: -T.infinity, count: outCount)
        case .min: out.initialize(repeating: T.infinity, count: outCount)
        }
        let n = Shapes.count(shape)
        if n == 0 { return }
        switch op {
        case .sum: reduce(x, out, n, outCount, shape, outShape, { $0 + $1 }, lanes: true)
        // NaN wins: once the accumulator or an element is NaN the result is NaN.
        case .max: reduce(x, out, n, outCount, shape, outShape, { ($0.isNaN || $0 >= $1) ? $0 : $1 }, lanes: false)
        case .min: reduce(x, out, n, outCount, shape, outShape, { ($0.isNaN || $0 <= $1) ? $0 : $1 }, lanes: false)
        }
    }

    @inline(__always)
    private static func reduce<T: TensorScalar>(_ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ n: Int,
                                                _ outCount: Int, _ shape: [Int], _ outShape: [Int],
                                                _ f: (T, T) -> T, lanes: Bool) {
        // Everything into one value (a loss's mean): one contiguous run, no plan to build.
        if outCount == 1 {
            out[0] = accumulate(x, n, into: out[0], f, lanes: lanes)
            return
        }
        let plan = StridedPlan(shape: shape, operandStrides: [
            Shapes.strides(shape), StridedPlan.broadcastStrides(outShape, to: shape),
        ])
        let so = plan.innerStride(1)
        plan.forEachRow { off, m in
            let p = x + off[0], o = out + off[1]
            if so == 0 {
                o[0] = accumulate(p, m, into: o[0], f, lanes: lanes)
            } else {
                for j in 0..<m { o[j * so] = f(o[j * so], p[j]) }
            }
        }
    }

    /// `acc` combined with the `m` contiguous elements at `p`.
    @inline(__always)
    private static func accumulate<T: TensorScalar>(_ p: UnsafePointer<T>, _ m: Int, into acc: T, _ f: (T, T) -> T,
                                                    lanes: Bool) -> T {
        var acc = acc
        if lanes && m >= 8 {
            // Blocks of 512 summed with four partial sums each, then the block sums: shorter dependency
            // chains, and a rounding error that grows with log-ish depth instead of linearly in m.
            var start = 0
            while start < m {
                let end = Swift.min(start + 512, m)
                var a0: T = 0, a1: T = 0, a2: T = 0, a3: T = 0
                var j = start
                while j + 4 <= end {
                    a0 = f(a0, p[j]); a1 = f(a1, p[j + 1]); a2 = f(a2, p[j + 2]); a3 = f(a3, p[j + 3])
                    j += 4
                }
                while j < end { a0 = f(a0, p[j]); j += 1 }
                acc = f(acc, f(f(a0, a1), f(a2, a3)))
                start = end
            }
        } else {
            for j in 0..<m { acc = f(acc, p[j]) }
        }
        return acc
    }

    /// Index of the largest element along one axis of `x`, viewed as (outer, n, inner); NaN counts as largest.
    static func argmax<T: TensorScalar>(_ x: UnsafePointer<T>, outer: Int, n: Int, inner: Int,
                                        _ out: UnsafeMutablePointer<T>) {
        for o in 0..<outer {
            for i in 0..<inner {
                let base = x + o * n * inner + i
                var best = 0
                var bestValue = base[0]
                for j in 1..<max(n, 1) {
                    let v = base[j * inner]
                    if bestValue.isNaN { break }
                    if v > bestValue || v.isNaN { best = j; bestValue = v }
                }
                out[o * inner + i] = T(best)
            }
        }
    }
}
