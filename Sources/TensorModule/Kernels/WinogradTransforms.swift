// Winograd's F(2×2, 3×3) transforms (see WinogradConvolution.swift), on vectors of 16 channels or filters: a 4×4
// tile is four rows of four vectors, and each 2-D transform combines the rows (its 1-D step down the columns), then
// applies the step within each row. Each transform has its adjoint beside it, for the backward pass.
//
//     Bᵀ = | 1  0 −1  0 |     G = | 1    0    0  |     Aᵀ = | 1  1  1  0 |
//          | 0  1  1  0 |         | 1/2  1/2  1/2 |          | 0  1 −1 −1 |
//          | 0 −1  1  0 |         | 1/2 −1/2  1/2 |
//          | 0  1  0 −1 |         | 0    0    1  |

extension Kernels {
    /// U [16, C, F] = G g Gᵀ for each (channel, filter) of `w` [3, 3, C, F].
    static func winogradKernel(_ w: UnsafePointer<Float>, _ u: UnsafeMutablePointer<Float>, channels c: Int, filters f: Int) {
        let cf = c * f
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 12) { tile in
            let s = tile.baseAddress!   // G g: 4 rows of 3
            for i in stride(from: 0, to: cf, by: 16) {
                for j in 0..<3 {
                    (s[j], s[3 + j], s[6 + j], s[9 + j]) = kernelStep((w + (j * cf + i)).loadVector(),
                                                                      (w + ((3 + j) * cf + i)).loadVector(),
                                                                      (w + ((6 + j) * cf + i)).loadVector())
                }
                for r in 0..<4 {
                    let (a, b, c, d) = kernelStep(s[3 * r], s[3 * r + 1], s[3 * r + 2])
                    (u + ((4 * r) * cf + i)).storeVector(a)
                    (u + ((4 * r + 1) * cf + i)).storeVector(b)
                    (u + ((4 * r + 2) * cf + i)).storeVector(c)
                    (u + ((4 * r + 3) * cf + i)).storeVector(d)
                }
            }
        }
    }

    /// dw [3, 3, C, F] = Gᵀ dU G for the (channel, filter) pairs `pairs` (flat, multiples of 16) of `du` [16, C, F].
    static func winogradKernelAdjoint(_ du: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>,
                                      channels c: Int, filters f: Int, pairs: Range<Int>) {
        let cf = c * f
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 12) { tile in
            let s = tile.baseAddress!   // Gᵀ dU: 3 rows of 4
            for i in stride(from: pairs.lowerBound, to: pairs.upperBound, by: 16) {
                for j in 0..<4 {
                    (s[j], s[4 + j], s[8 + j]) = kernelStepAdjoint((du + (j * cf + i)).loadVector(),
                                                                   (du + ((4 + j) * cf + i)).loadVector(),
                                                                   (du + ((8 + j) * cf + i)).loadVector(),
                                                                   (du + ((12 + j) * cf + i)).loadVector())
                }
                for r in 0..<3 {
                    let (a, b, d) = kernelStepAdjoint(s[4 * r], s[4 * r + 1], s[4 * r + 2], s[4 * r + 3])
                    (dw + ((3 * r) * cf + i)).storeVector(a)
                    (dw + ((3 * r + 1) * cf + i)).storeVector(b)
                    (dw + ((3 * r + 2) * cf + i)).storeVector(d)
                }
            }
        }
    }

    /// Four vectors: a row of a 4×4 tile.
    typealias Row = (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>)

    @inline(__always) static func rowPlus(_ a: Row, _ b: Row) -> Row { (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3) }
    @inline(__always) static func rowMinus(_ a: Row, _ b: Row) -> Row { (a.0 - b.0, a.1 - b.1, a.2 - b.2, a.3 - b.3) }
    @inline(__always) static func rowNegated(_ a: Row) -> Row { (-a.0, -a.1, -a.2, -a.3) }

    /// Four vectors `step` Floats apart from `p`.
    @inline(__always)
    static func loadRow(_ p: UnsafePointer<Float>, _ step: Int) -> Row {
        (p.loadVector(), (p + step).loadVector(), (p + 2 * step).loadVector(), (p + 3 * step).loadVector())
    }

    @inline(__always)
    static func storeRow(_ r: Row, _ p: UnsafeMutablePointer<Float>, _ step: Int) {
        p.storeVector(r.0); (p + step).storeVector(r.1); (p + 2 * step).storeVector(r.2); (p + 3 * step).storeVector(r.3)
    }

    /// Bᵀ applied to (a, b, c, d): (a − c, b + c, c − b, b − d).
    @inline(__always)
    static func inputStep(_ r: Row) -> Row { (r.0 - r.2, r.1 + r.2, r.2 - r.1, r.1 - r.3) }

    /// B applied to (a, b, c, d): (a, b − c + d, b + c − a, −d), the adjoint of ``inputStep(_:)``.
    @inline(__always)
    static func inputStepAdjoint(_ r: Row) -> Row { (r.0, r.1 - r.2 + r.3, r.1 + r.2 - r.0, -r.3) }

    /// Bᵀ d B of the 4×4 tile with rows d0…d3.
    @inline(__always)
    static func inputTransform(_ d0: Row, _ d1: Row, _ d2: Row, _ d3: Row) -> (Row, Row, Row, Row) {
        (inputStep(rowMinus(d0, d2)), inputStep(rowPlus(d1, d2)), inputStep(rowMinus(d2, d1)), inputStep(rowMinus(d1, d3)))
    }

    /// B d Bᵀ: the adjoint of ``inputTransform(_:_:_:_:)``.
    @inline(__always)
    static func inputTransformAdjoint(_ d0: Row, _ d1: Row, _ d2: Row, _ d3: Row) -> (Row, Row, Row, Row) {
        (inputStepAdjoint(d0), inputStepAdjoint(rowPlus(rowMinus(d1, d2), d3)), inputStepAdjoint(rowMinus(rowPlus(d1, d2), d0)),
         inputStepAdjoint(rowNegated(d3)))
    }

    /// Aᵀ m A of the 4×4 tile of products with rows m0…m3: the 2×2 outputs (top-left, top-right, bottom-left,
    /// bottom-right).
    @inline(__always)
    static func outputTransform(_ m0: Row, _ m1: Row, _ m2: Row, _ m3: Row)
        -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        let top = rowPlus(rowPlus(m0, m1), m2), bottom = rowMinus(rowMinus(m1, m2), m3)
        return (top.0 + top.1 + top.2, top.1 - top.2 - top.3, bottom.0 + bottom.1 + bottom.2, bottom.1 - bottom.2 - bottom.3)
    }

    /// A dy Aᵀ for a 2×2 output gradient: the adjoint of ``outputTransform(_:_:_:_:)``, as four rows.
    @inline(__always)
    static func outputTransformAdjoint(_ y00: SIMD16<Float>, _ y01: SIMD16<Float>, _ y10: SIMD16<Float>,
                                       _ y11: SIMD16<Float>) -> (Row, Row, Row, Row) {
        // (a, b) → (a, a + b, a − b, −b) down the two columns, then along each row.
        @inline(__always) func step(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> Row { (a, a + b, a - b, -b) }
        return (step(y00, y01), step(y00 + y10, y01 + y11), step(y00 - y10, y01 - y11), step(-y10, -y11))
    }

    /// G applied to (a, b, c): (a, (a + b + c)/2, (a − b + c)/2, c).
    @inline(__always)
    static func kernelStep(_ a: SIMD16<Float>, _ b: SIMD16<Float>, _ c: SIMD16<Float>)
        -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        (a, (a + b + c) * 0.5, (a - b + c) * 0.5, c)
    }

    /// Gᵀ applied to (a, b, c, d): the adjoint of ``kernelStep(_:_:_:)``.
    @inline(__always)
    static func kernelStepAdjoint(_ a: SIMD16<Float>, _ b: SIMD16<Float>, _ c: SIMD16<Float>, _ d: SIMD16<Float>)
        -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        (a + (b + c) * 0.5, (b - c) * 0.5, (b + c) * 0.5 + d)
    }
}
