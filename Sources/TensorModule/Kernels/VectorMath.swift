// exp, tanh and sigmoid on 16 Floats at a time, for the activation kernels and elementwise ops. libm's scalar
// tanhf cost ~110 instructions per element (10% of a Playground-sized training step); these are a few vector
// instructions per element, within a few ulp of libm (VectorMathTests sweeps them against Double references).

extension Kernels {
    /// e^x: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor series to r⁷ (truncation < 0.1 ulp), times 2ⁿ built
    /// in the exponent bits (in two halves, so n can reach 128 or go subnormal). Overflows to +∞ above 88.72,
    /// underflows to 0 below −103.9, keeps NaN.
    @inline(__always)
    static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        // Compare-and-select (SIMD's `clamped` compiles to a scalar loop per lane).
        let clamped = x.replacing(with: -103.9, where: x .< -103.9).replacing(with: 88.8, where: x .> 88.8)
        // Rounds x·log2(e) to an integer: adding 1.5·2²³ leaves the integer in the low mantissa bits.
        let shifter: Float = 12_582_912
        let k = clamped * Float(1.4426950408889634) + shifter
        let n = k - shifter
        let r = clamped - n * Float(0.693145751953125) - n * Float(1.428606765330187e-06)  // ln 2 in two parts
        var p = r * Float(1.0 / 5040) + Float(1.0 / 720)
        p = p * r + Float(1.0 / 120)
        p = p * r + Float(1.0 / 24)
        p = p * r + Float(1.0 / 6)
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let ni = unsafeBitCast(k, to: SIMD16<Int32>.self) &- unsafeBitCast(SIMD16<Float>(repeating: shifter), to: SIMD16<Int32>.self)
        let half = ni &>> 1
        let s1 = unsafeBitCast((half &+ 127) &<< 23, to: SIMD16<Float>.self)
        let s2 = unsafeBitCast((ni &- half &+ 127) &<< 23, to: SIMD16<Float>.self)
        var y = p * s1 * s2
        y.replace(with: .infinity, where: x .> 88.72283)
        y.replace(with: 0, where: x .< -103.9)
        y.replace(with: x, where: x .!= x)
        return y
    }

    /// tanh x: its odd Taylor series (9 terms) below |x| = 0.55, 1 − 2/(e^{2|x|} + 1) above, given x's sign bit.
    @inline(__always)
    static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let a = unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: SIMD16<Float>.self)
        let x2 = x * x
        var p = x2 * Float(6404582.0 / 10854718875) + Float(-929569.0 / 638512875)
        p = p * x2 + Float(21844.0 / 6081075)
        p = p * x2 + Float(-1382.0 / 155925)
        p = p * x2 + Float(62.0 / 2835)
        p = p * x2 + Float(-17.0 / 315)
        p = p * x2 + Float(2.0 / 15)
        p = p * x2 + Float(-1.0 / 3)
        let small = a + a * x2 * p
        let large = 1 - 2 / (Kernels.exp(a + a) + 1)
        let magnitude = large.replacing(with: small, where: a .< 0.55)
        return unsafeBitCast(unsafeBitCast(magnitude, to: SIMD16<UInt32>.self) | (unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x8000_0000),
                             to: SIMD16<Float>.self)
    }

    /// 1 / (1 + e^−x).
    @inline(__always)
    static func sigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> { 1 / (1 + Kernels.exp(-x)) }

    /// `y[i] = f(x[i])` for Float, 16 at a time (`x` may be `y`); the tail goes through a padded vector too, so
    /// every element gets the same function.
    @inline(__always)
    static func mapFloats(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
                          _ f: (SIMD16<Float>) -> SIMD16<Float>) {
        var i = 0
        while i + 16 <= count {
            (y + i).storeVector(f((x + i).loadVector()))
            i += 16
        }
        if i < count {
            var tail = SIMD16<Float>()
            for j in i..<count { tail[j - i] = x[j] }
            let out = f(tail)
            for j in i..<count { y[j] = out[j - i] }
        }
    }
}
