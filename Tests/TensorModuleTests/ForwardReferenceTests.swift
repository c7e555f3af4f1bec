import Testing
import NeuralKit
import _TestSupport
import Glibc

/// Float forward results against naive Double scalar loops (|a − e| ≤ 1e-5 + 1.3e-6·|e|).
@Suite struct ForwardReferenceTests {
    struct BinaryCase: CustomTestStringConvertible, Sendable {
        let name: String
        var domain: ClosedRange<Double> = -3...3
        var gap: Double = 0
        let op: @Sendable (Tensor, Tensor) -> Tensor
        let reference: @Sendable (Double, Double) -> Double
        var testDescription: String { name }
    }

    static let binaryCases: [BinaryCase] = [
        BinaryCase(name: "+", op: { $0 + $1 }, reference: { $0 + $1 }),
        BinaryCase(name: "-", op: { $0 - $1 }, reference: { $0 - $1 }),
        BinaryCase(name: "*", op: { $0 * $1 }, reference: { $0 * $1 }),
        BinaryCase(name: "/", gap: 0.5, op: { $0 / $1 }, reference: { $0 / $1 }),
        BinaryCase(name: "pow", domain: 0.1...3, op: { $0.pow($1) }, reference: { Glibc.pow($0, $1) }),
        BinaryCase(name: "maximum", op: { $0.maximum($1) }, reference: { Swift.max($0, $1) }),
        BinaryCase(name: "minimum", op: { $0.minimum($1) }, reference: { Swift.min($0, $1) }),
        BinaryCase(name: ".<", op: { $0 .< $1 }, reference: { $0 < $1 ? 1 : 0 }),
        BinaryCase(name: ".<=", op: { $0 .<= $1 }, reference: { $0 <= $1 ? 1 : 0 }),
        BinaryCase(name: ".>", op: { $0 .> $1 }, reference: { $0 > $1 ? 1 : 0 }),
        BinaryCase(name: ".>=", op: { $0 .>= $1 }, reference: { $0 >= $1 ? 1 : 0 }),
        BinaryCase(name: ".==", op: { $0 .== $1 }, reference: { $0 == $1 ? 1 : 0 }),
        BinaryCase(name: ".!=", op: { $0 .!= $1 }, reference: { $0 != $1 ? 1 : 0 }),
    ]

    @Test(arguments: binaryCases)
    func binaryOpsBroadcastLikeNumPy(_ c: BinaryCase) {
        // The pairs, scalars, size-1 dims, and a large pair that takes the two-thread path.
        let pairs = broadcastPairs + [[[2, 3, 1], [1, 1, 4]], [[300, 1000], [1000]], [[1, 1000], [300, 1]]]
        for (k, pair) in pairs.enumerated() {
            let a = randomTensor(pair[0], seed: UInt64(k), in: c.domain, awayFromZero: c.gap, dtype: .float32)
            var b = randomTensor(pair[1], seed: UInt64(k + 100), in: c.domain, awayFromZero: c.gap, dtype: .float32)
            if c.name.contains("=") && b.count == a.count { b = a }  // exercise equality
            let expected = Reference.binary(a, b, c.reference)
            expectClose(c.op(a, b), expected.values, shape: expected.shape, "\(c.name) \(pair)")
        }
    }

    struct UnaryCase: CustomTestStringConvertible, Sendable {
        let name: String
        var domain: ClosedRange<Double> = -5...5
        let op: @Sendable (Tensor) -> Tensor
        let reference: @Sendable (Double) -> Double
        var testDescription: String { name }
    }

    static let unaryCases: [UnaryCase] = [
        UnaryCase(name: "negate", op: { -$0 }, reference: { -$0 }),
        UnaryCase(name: "exp", op: { $0.exp() }, reference: { Glibc.exp($0) }),
        UnaryCase(name: "log", domain: 0.01...5, op: { $0.log() }, reference: { Glibc.log($0) }),
        UnaryCase(name: "sqrt", domain: 0...5, op: { $0.sqrt() }, reference: { $0.squareRoot() }),
        UnaryCase(name: "abs", op: { $0.abs() }, reference: { Swift.abs($0) }),
        UnaryCase(name: "sign", op: { $0.sign() }, reference: { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }),
        UnaryCase(name: "squared", op: { $0.squared() }, reference: { $0 * $0 }),
        UnaryCase(name: "sin", op: { $0.sin() }, reference: { Glibc.sin($0) }),
        UnaryCase(name: "cos", op: { $0.cos() }, reference: { Glibc.cos($0) }),
        UnaryCase(name: "pow 3", op: { $0.pow(3) }, reference: { $0 * $0 * $0 }),
        UnaryCase(name: "clamped", op: { $0.clamped(lowerBound: -1, upperBound: 2) },
                  reference: { Swift.min(Swift.max($0, -1), 2) }),
        UnaryCase(name: "sigmoid", op: { $0.sigmoid() }, reference: { 1 / (1 + Glibc.exp(-$0)) }),
        UnaryCase(name: "tanh", op: { $0.tanh() }, reference: { Glibc.tanh($0) }),
        UnaryCase(name: "relu", op: { $0.relu() }, reference: { Swift.max($0, 0) }),
        UnaryCase(name: "leakyRelu", op: { $0.leakyRelu(alpha: 0.1) }, reference: { Swift.max(0.1 * $0, $0) }),
        UnaryCase(name: "elu", op: { $0.elu(alpha: 1.5) }, reference: { $0 > 0 ? $0 : 1.5 * (Glibc.exp($0) - 1) }),
        UnaryCase(name: "softplus", op: { $0.softplus() }, reference: { Glibc.log(1 + Glibc.exp($0)) }),
        // SELU's constants as its paper gives them; GELU through erf (the definition), not the kernel's erfc.
        UnaryCase(name: "selu", op: { $0.selu() }, reference: {
            1.0507009873554805 * ($0 > 0 ? $0 : 1.6732632423543772 * (Glibc.exp($0) - 1))
        }),
        UnaryCase(name: "gelu", domain: -6...6, op: { $0.gelu() }, reference: { 0.5 * $0 * (1 + Glibc.erf($0 / 2.0.squareRoot())) }),
        UnaryCase(name: "gelu tanh", domain: -6...6, op: { $0.gelu(approximate: true) }, reference: {
            0.5 * $0 * (1 + Glibc.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0)))
        }),
        UnaryCase(name: "silu", domain: -6...6, op: { $0.silu() }, reference: { $0 / (1 + Glibc.exp(-$0)) }),
        UnaryCase(name: "softsign", op: { $0.softsign() }, reference: { $0 / (1 + Swift.abs($0)) }),
    ]

    @Test(arguments: unaryCases)
    func unaryOpsMatchScalarLoops(_ c: UnaryCase) {
        for (k, shape) in [[], [7], [3, 5], [400, 500]].enumerated() {
            let x = randomTensor(shape, seed: UInt64(k), in: c.domain, dtype: .float32)
            expectClose(c.op(x), x.values.map(c.reference), shape: shape, "\(c.name) \(shape)")
        }
    }

    @Test(arguments: [[0], [1], [2], [0, 2], [0, 1, 2], [-1]])
    func reductionsMatchScalarLoops(_ axes: [Int]) {
        let x = randomTensor([3, 4, 5], seed: 3, dtype: .float32)
        let normalized = axes.map { $0 < 0 ? $0 + 3 : $0 }
        let sum = Reference.reduce(x, axes: normalized, initial: 0, +)
        let mx = Reference.reduce(x, axes: normalized, initial: -.infinity, Swift.max)
        let mn = Reference.reduce(x, axes: normalized, initial: .infinity, Swift.min)
        let n = Double(normalized.reduce(1) { $0 * x.shape[$1] })
        expectClose(x.sum(alongAxes: axes, keepingDimensions: true), sum.values, shape: sum.shape, "sum")
        expectClose(x.mean(alongAxes: axes, keepingDimensions: true), sum.values.map { $0 / n }, shape: sum.shape, "mean")
        expectClose(x.max(alongAxes: axes, keepingDimensions: true), mx.values, shape: mx.shape, "max")
        expectClose(x.min(alongAxes: axes, keepingDimensions: true), mn.values, shape: mn.shape, "min")
        let reduced = x.shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
        #expect(x.sum(alongAxes: axes).shape == reduced)
        // variance = mean of squared deviations
        let meanKept = Tensor(shape: sum.shape, values: sum.values.map { $0 / n }, dtype: .float64)
        let dev = Reference.binary(x.converted(to: .float64), meanKept) { ($0 - $1) * ($0 - $1) }
        let v = Reference.reduce(Tensor(shape: dev.shape, values: dev.values, dtype: .float64), axes: normalized,
                                 initial: 0, +)
        expectClose(x.variance(alongAxes: axes, keepingDimensions: true), v.values.map { $0 / n }, shape: v.shape, "var")
    }

    @Test func largeSumUsesAccurateAccumulation() {
        let x = Tensor.full([1_000_000], value: 0.1)
        expectClose(x.sum(), [100_000], absolute: 0, relative: 1e-4)
        expectClose(x.mean(), [0.1], absolute: 0, relative: 1e-4)
    }

    @Test func argmaxPicksTheFirstLargest() {
        let x = Tensor(rows: [[1, 5, 5], [7, 2, 3]])
        #expect(x.argmax(alongAxis: 1).values == [1, 0])
        #expect(x.argmax(alongAxis: 0).values == [1, 0, 0])
        #expect(x.argmax(alongAxis: 0, keepingDimensions: true).shape == [1, 3])
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmulMatchesTripleLoop(_ transposes: (Bool, Bool)) {
        let (ta, tb) = transposes
        // Up to 4096 multiply-adds (16³) run in plain loops (8 columns at a time, then the rest), larger ones in OpenBLAS.
        for (m, k, n) in [(1, 1, 1), (3, 4, 5), (10, 8, 8), (16, 16, 16), (5, 7, 19), (17, 33, 9), (64, 128, 32)] {
            let a = randomTensor(ta ? [k, m] : [m, k], seed: 1, dtype: .float32)
            let b = randomTensor(tb ? [n, k] : [k, n], seed: 2, dtype: .float32)
            let c = a.matmul(b, transposingSelf: ta, transposingOther: tb)
            expectClose(c, Reference.matmul(a, b, transposeA: ta, transposeB: tb), shape: [m, n], absolute: 1e-4,
                        "matmul \(m)×\(k)×\(n) \(transposes)")
        }
    }

    @Test func batchedMatmulMatchesPerBatchProducts() {
        let a = randomTensor([3, 4, 5], seed: 1, dtype: .float32)
        let b = randomTensor([3, 5, 2], seed: 2, dtype: .float32)
        let w = randomTensor([5, 2], seed: 3, dtype: .float32)
        let c = a.matmul(b), d = a.matmul(w)
        #expect(c.shape == [3, 4, 2] && d.shape == [3, 4, 2])
        for i in 0..<3 {
            let ai = a.slice(alongAxis: 0, i..<(i + 1)).squeezed(axes: [0])
            let bi = b.slice(alongAxis: 0, i..<(i + 1)).squeezed(axes: [0])
            expectClose(c.slice(alongAxis: 0, i..<(i + 1)), Reference.matmul(ai, bi), absolute: 1e-4, "batch \(i)")
            expectClose(d.slice(alongAxis: 0, i..<(i + 1)), Reference.matmul(ai, w), absolute: 1e-4, "shared \(i)")
        }
    }

    /// Rank 4 as numpy.matmul: [2, 1, 3, 4] × [3, 4, 5] broadcasts to [2, 3, 3, 5], entry (i, j) = a[i, 0] · b[j].
    @Test func rankFourMatmulBroadcastsItsBatchDimensions() {
        let a = randomTensor([2, 1, 3, 4], seed: 4, dtype: .float64)
        let b = randomTensor([3, 4, 5], seed: 5, dtype: .float64)
        let c = a.matmul(b)
        #expect(c.shape == [2, 3, 3, 5])
        for i in 0..<2 {
            for j in 0..<3 {
                let ai = a.slice(alongAxis: 0, i..<(i + 1)).reshaped(to: [3, 4])
                let bj = b.slice(alongAxis: 0, j..<(j + 1)).reshaped(to: [4, 5])
                let cij = c.slice(alongAxis: 0, i..<(i + 1)).slice(alongAxis: 1, j..<(j + 1)).reshaped(to: [3, 5])
                expectClose(cij, Reference.matmul(ai, bj), absolute: 1e-12, "entry (\(i), \(j))")
            }
        }
        let error = #expect(throws: ShapeError.self) { try Shapes.matmul([2, 3, 4], [3, 4, 5]) }
        #expect(error?.description == "matmul: batch dimensions [2] and [3] cannot be broadcast together in shapes [2, 3, 4] and [3, 4, 5]")
        #expect(throws: ShapeError.self) { try Shapes.matmul([4], [4, 5]) }
    }

    @Test func softmaxMatchesReference() {
        let x = randomTensor([4, 6], seed: 5, in: -10...10, dtype: .float32)
        let expected = Reference.softmaxRows(x)
        expectClose(x.softmax(), expected, shape: [4, 6])
        expectClose(x.logSoftmax(), expected.map { Glibc.log($0) }, shape: [4, 6])
        expectClose(x.transposed().softmax(alongAxis: 0).transposed(), expected, shape: [4, 6])
        let lse = x.values.chunked(6).map { row in Glibc.log(row.map { Glibc.exp($0) }.reduce(0, +)) }
        expectClose(x.logSumExp(alongAxes: [1]), lse, shape: [4])
    }

    @Test func selectPicksByMask() {
        let mask = Tensor(shape: [2, 1], values: [1, 0])
        let a = Tensor(rows: [[1, 2, 3], [4, 5, 6]])
        let b = Tensor([-1, -2, -3])
        expectClose(Tensor.select(mask, a, b), [1, 2, 3, -1, -2, -3], shape: [2, 3])
    }
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
