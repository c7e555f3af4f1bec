import NeuralKit

/// Naive scalar-loop implementations to check the kernels against: index arithmetic written out, in Double.
public enum Reference {
    /// NumPy broadcasting of two shapes, written independently of the library's.
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = Swift.max(a.count, b.count)
        let pa = [Int](repeating: 1, count: r - a.count) + a
        let pb = [Int](repeating: 1, count: r - b.count) + b
        var out: [Int] = []
        for (x, y) in zip(pa, pb) {
            if x == y || y == 1 { out.append(x) } else if x == 1 { out.append(y) } else { return nil }
        }
        return out
    }

    /// The multi-index of flat position `flat` in `shape`.
    public static func unravel(_ flat: Int, _ shape: [Int]) -> [Int] {
        var idx = [Int](repeating: 0, count: shape.count)
        var rest = flat
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            idx[d] = rest % shape[d]
            rest /= shape[d]
        }
        return idx
    }

    /// The flat position of `index` in `shape`, treating size-1 dims as broadcast and dropping leading extra dims.
    public static func ravelBroadcast(_ index: [Int], into shape: [Int]) -> Int {
        let off = index.count - shape.count
        var flat = 0
        for d in 0..<shape.count {
            let i = shape[d] == 1 ? 0 : index[d + off]
            flat = flat * shape[d] + i
        }
        return flat
    }

    public static func binary(_ a: Tensor, _ b: Tensor, _ f: (Double, Double) -> Double) -> (shape: [Int], values: [Double]) {
        let shape = broadcastShape(a.shape, b.shape)!
        let av = a.values, bv = b.values
        let n = shape.reduce(1, *)
        let values = (0..<n).map { i -> Double in
            let idx = unravel(i, shape)
            return f(av[ravelBroadcast(idx, into: a.shape)], bv[ravelBroadcast(idx, into: b.shape)])
        }
        return (shape, values)
    }

    /// Reduces along `axes` with `f` starting from `initial`, keeping dims as size 1.
    public static func reduce(_ x: Tensor, axes: [Int], initial: Double,
                              _ f: (Double, Double) -> Double) -> (shape: [Int], values: [Double]) {
        var kept = x.shape
        for a in axes { kept[a] = 1 }
        var out = [Double](repeating: initial, count: kept.reduce(1, *))
        let xv = x.values
        for i in 0..<xv.count {
            let idx = unravel(i, x.shape)
            let o = ravelBroadcast(idx, into: kept)
            out[o] = f(out[o], xv[i])
        }
        return (kept, out)
    }

    /// C = op(A)·op(B) for 2-D matrices, with the triple loop.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> [Double] {
        let av = a.values, bv = b.values
        let (ra, ca) = (a.shape[0], a.shape[1]), (rb, cb) = (b.shape[0], b.shape[1])
        let m = transposeA ? ca : ra, k = transposeA ? ra : ca, n = transposeB ? rb : cb
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let x = transposeA ? av[p * ca + i] : av[i * ca + p]
                    let y = transposeB ? bv[j * cb + p] : bv[p * cb + j]
                    s += x * y
                }
                c[i * n + j] = s
            }
        }
        return c
    }

    /// Softmax of each row of a 2-D tensor along its last axis.
    public static func softmaxRows(_ x: Tensor) -> [Double] {
        let v = x.values
        let (r, c) = (x.shape[0], x.shape[1])
        var out = [Double](repeating: 0, count: r * c)
        for i in 0..<r {
            let row = Array(v[(i * c)..<((i + 1) * c)])
            let m = row.max()!
            let e = row.map { Glibc.exp($0 - m) }
            let s = e.reduce(0, +)
            for j in 0..<c { out[i * c + j] = e[j] / s }
        }
        return out
    }
}

import Glibc
