import Testing
import NeuralKit
import _TestSupport
import Glibc

@Suite struct NumericsTests {
    @Test func logSumExpDoesNotOverflow() {
        let y = Tensor([1000, 1000], dtype: .float64).logSumExp()
        #expect(Swift.abs(y.scalar - (1000 + Glibc.log(2.0))) <= 1e-9)
        let z = Tensor([-1000, -1000], dtype: .float64).logSumExp()
        #expect(Swift.abs(z.scalar - (-1000 + Glibc.log(2.0))) <= 1e-9)
        // All −∞: the sum of nothing, log 0 = −∞ (not NaN).
        #expect(Tensor([-Double.infinity, -Double.infinity]).logSumExp().scalar == -Double.infinity)
    }

    @Test func softmaxOfLargeLogitsIsFiniteAndSumsToOne() {
        for dtype in DType.floatingPointTypes {
            let s = Tensor([1000, 0], dtype: dtype).softmax()
            #expect(s.values.allSatisfy { $0.isFinite })
            #expect(Swift.abs(s.sum().scalar - 1) < 1e-6)
            #expect(s.values == [1, 0])
            let l = Tensor([1000, 0], dtype: dtype).logSoftmax()
            #expect(l.values == [0, -1000])
        }
    }

    @Test func sigmoidAtExtremesIsFiniteWithFiniteGradient() {
        for dtype in DType.floatingPointTypes {
            let (y, g) = valueWithGradient(at: Tensor([-100, 100], dtype: dtype)) { $0.sigmoid().sum() }
            let (values, grads) = (y.values, g.values)
            #expect(values.allSatisfy { $0.isFinite } && grads.allSatisfy { $0.isFinite })
            let s = Tensor([-100, 100], dtype: dtype).sigmoid().values
            #expect(s[0] >= 0 && s[0] < 1e-40 && s[1] == 1)
            // softplus likewise: log(1 + e¹⁰⁰) = 100, no overflow.
            #expect(Tensor([100, -100], dtype: dtype).softplus().values[0] == 100)
        }
    }

    /// GELU's left tail: x·Φ(x) at x = −10 is −10 · 7.6198530241605e−24 (the normal distribution's tail), which
    /// 0.5x(1 + erf(x/√2)) loses entirely (1 + erf rounds to 0); its gradient there is as small and as exact.
    @Test func geluKeepsItsLeftTail() {
        let (y, g) = valueWithGradient(at: Tensor([-10], dtype: .float64)) { $0.gelu().sum() }
        #expect(Swift.abs(y.scalar / -7.6198530241605260e-23 - 1) < 1e-12)
        // Φ(x) + x·φ(x) with φ(−10) = 7.6945986267064193e−23.
        #expect(Swift.abs(g.values[0] / (7.6198530241605260e-24 - 10 * 7.6945986267064193e-23) - 1) < 1e-12)
        let float = Tensor([-10, 10], dtype: .float32).gelu().values   // −7.6e−23 is a normal Float too
        #expect(Swift.abs(float[0] / -7.6198530241605260e-23 - 1) < 1e-5 && float[1] == 10, "\(float)")
    }

    @Test func logOfZeroIsMinusInfinity() {
        #expect(Tensor([0]).log().values == [-Double.infinity])
        #expect(Tensor([-1]).log().values[0].isNaN)
        // and its gradient is +∞ (1/0), not a trap
        let g = gradient(at: Tensor([0], dtype: .float64)) { $0.log().sum() }
        #expect(g.values == [Double.infinity])
    }

    struct NaNCase: CustomTestStringConvertible, Sendable {
        let name: String
        let op: @Sendable (Tensor) -> Tensor
        /// IEEE scalar maths on the same four inputs.
        let reference: @Sendable ([Double]) -> [Double]
        var testDescription: String { name }

        init(_ name: String, _ op: @escaping @Sendable (Tensor) -> Tensor, _ f: @escaping @Sendable (Double) -> Double) {
            self.name = name
            self.op = op
            reference = { $0.map(f) }
        }

        init(_ name: String, _ op: @escaping @Sendable (Tensor) -> Tensor,
             whole: @escaping @Sendable ([Double]) -> [Double]) {
            self.name = name
            self.op = op
            reference = whole
        }
    }

    static let nanCases: [NaNCase] = [
        NaNCase("exp", { $0.exp() }, { Glibc.exp($0) }),
        NaNCase("relu", { $0.relu() }, { $0 > 0 || $0.isNaN ? $0 : 0 }),
        NaNCase("leakyRelu", { $0.leakyRelu() }, { $0 < 0 ? 0.01 * $0 : $0 }),
        NaNCase("elu", { $0.elu() }, { $0 < 0 ? Glibc.expm1($0) : $0 }),
        NaNCase("sigmoid", { $0.sigmoid() }, { 1 / (1 + Glibc.exp(-$0)) }),
        NaNCase("tanh", { $0.tanh() }, { Glibc.tanh($0) }),
        NaNCase("softplus", { $0.softplus() }, { Glibc.log1p(Glibc.exp($0)) }),
        NaNCase("selu", { $0.selu() }, { $0 < 0 ? Glibc.expm1($0) : $0 }),
        NaNCase("gelu", { $0.gelu() }, { $0 * (1 + Glibc.erf($0 / 2.0.squareRoot())) }),
        NaNCase("silu", { $0.silu() }, { $0 / (1 + Glibc.exp(-$0)) }),
        NaNCase("softsign", { $0.softsign() }, { $0 / (1 + Swift.abs($0)) }),
        NaNCase("abs", { $0.abs() }, { Swift.abs($0) }),
        NaNCase("sign", { $0.sign() }, { $0.isNaN ? $0 : ($0 > 0 ? 1 : ($0 < 0 ? -1 : 0)) }),
        NaNCase("clamped", { $0.clamped(lowerBound: -1, upperBound: 1) }, { $0.isNaN ? $0 : Swift.min(Swift.max($0, -1), 1) }),
        NaNCase("maximum", { $0.maximum(Tensor(scalar: 0)) }, { $0.isNaN ? $0 : Swift.max($0, 0) }),
        NaNCase("minimum", { $0.minimum(Tensor(scalar: 0)) }, { $0.isNaN ? $0 : Swift.min($0, 0) }),
        NaNCase("+", { $0 + 1 }, { $0 + 1 }),
        NaNCase("*", { $0 * 2 }, { $0 * 2 }),
        // x · M with one column of M independent of the NaN's row: NaN·0 is NaN, so only a zero-free path stays clean.
        NaNCase("matmul", { $0.reshaped(to: [2, 2]).matmul(Tensor(rows: [[1, 2], [3, 4]])).reshaped(to: [4]) },
                whole: { x in Reference.matmul(Tensor(shape: [2, 2], values: x), Tensor(rows: [[1, 2], [3, 4]])) }),
    ]

    /// A NaN input gives NaN at exactly the positions where a NaN reference (IEEE scalar maths) has one.
    @Test(arguments: nanCases)
    func nanPropagatesToExactlyTheReferencePositions(_ c: NaNCase) {
        let input: [Double] = [1, .nan, -2, 0.5]
        let y = c.op(Tensor(input)).values
        let expected = c.reference(input)
        #expect(expected.contains { $0.isNaN } && expected.contains { !$0.isNaN }, "the reference must mix NaN and numbers")
        #expect(y.map(\.isNaN) == expected.map(\.isNaN), "\(c.name): \(y) vs reference \(expected)")
    }

    @Test func nanPropagatesThroughReductions() {
        let x = Tensor(rows: [[1, .nan, 3], [4, 5, 6]])
        #expect(x.sum(alongAxes: [1]).values.map(\.isNaN) == [true, false])
        #expect(x.max(alongAxes: [1]).values.map(\.isNaN) == [true, false])
        #expect(x.min(alongAxes: [1]).values.map(\.isNaN) == [true, false])
        #expect(x.max(alongAxes: [0]).values.map(\.isNaN) == [false, true, false])
        #expect(x.softmax().values.map(\.isNaN) == [true, true, true, false, false, false])
        // Whole-tensor reductions take a shorter path (one contiguous run): NaN still wins wherever it sits.
        for position in [0, 4, 9] {
            var values = (0..<10).map(Double.init)
            values[position] = .nan
            let v = Tensor(shape: [2, 5], values: values)
            #expect(v.max().scalar.isNaN && v.min().scalar.isNaN && v.sum().scalar.isNaN && v.mean().scalar.isNaN)
        }
        #expect(Tensor(shape: [2, 5], values: (0..<10).map(Double.init)).max().scalar == 9)
        #expect(Tensor(shape: [1, 4], values: [3, -1, 2, 0]).min(alongAxes: [1]).values == [-1])
    }
}
