import Testing
import NeuralKit
import Glibc

/// Float exp, tanh and sigmoid run as vector code (Kernels/VectorMath.swift): each is swept densely against a Double
/// reference, in ulps of the correctly rounded Float result, and checked at the special values.
@Suite struct VectorMathTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let name: String
        let op: @Sendable (Tensor) -> Tensor
        let reference: @Sendable (Double) -> Double
        let range: ClosedRange<Double>
        let maxUlps: Double
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "exp", op: { $0.exp() }, reference: { Glibc.exp($0) }, range: -103...88.7, maxUlps: 2),
        Row(name: "tanh", op: { $0.tanh() }, reference: { Glibc.tanh($0) }, range: -12...12, maxUlps: 3),
        Row(name: "sigmoid", op: { $0.sigmoid() }, reference: { 1 / (1 + Glibc.exp(-$0)) }, range: -80...30, maxUlps: 3),
        Row(name: "tanh near 0", op: { $0.tanh() }, reference: { Glibc.tanh($0) }, range: -0.01...0.01, maxUlps: 2),
        Row(name: "dense tanh", op: { $0.reshaped(to: [-1, 1]).dense(Tensor(shape: [1, 1], scalars: [1 as Float]), activation: .tanh) },
            reference: { Glibc.tanh($0) }, range: -3...3, maxUlps: 3),
    ]

    @Test(arguments: rows) func floatMatchesTheDoubleReference(_ row: Row) {
        // 200,003 points (an odd count, so the 16-wide loop's tail is exercised too).
        let n = 200_003
        let xs = (0..<n).map { Float(row.range.lowerBound + (row.range.upperBound - row.range.lowerBound) * Double($0) / Double(n - 1)) }
        let ys = row.op(Tensor(shape: [n], scalars: xs)).scalars(as: Float.self)
        var worst = 0.0, worstX: Float = 0
        for (x, y) in zip(xs, ys) {
            let exact = row.reference(Double(x))
            let ulps = Swift.abs(Double(y) - exact) / Double(Float(exact).ulp)
            if !(ulps <= worst) { worst = ulps; worstX = x }
        }
        #expect(worst <= row.maxUlps, "\(row.name): \(worst) ulps at x = \(worstX)")
    }

    @Test func specialValues() {
        let x = Tensor(shape: [8], scalars: [.nan, .infinity, -.infinity, -0.0, 0, 89, -104, 88.72] as [Float])
        let e = x.exp().scalars(as: Float.self)
        #expect(e[0].isNaN && e[1] == .infinity && e[2] == 0 && e[3] == 1 && e[4] == 1 && e[5] == .infinity && e[6] == 0)
        #expect(Swift.abs(Double(e[7]) - Glibc.exp(Double(88.72 as Float))) <= Double(e[7].ulp) * 2)
        let t = x.tanh().scalars(as: Float.self)
        #expect(t[0].isNaN && t[1] == 1 && t[2] == -1 && t[3] == 0 && t[3].sign == .minus && t[4] == 0 && t[5] == 1 && t[6] == -1)
        let s = x.sigmoid().scalars(as: Float.self)
        #expect(s[0].isNaN && s[1] == 1 && s[2] == 0 && s[3] == 0.5 && s[5] == 1 && s[6] == 0)
    }
}
