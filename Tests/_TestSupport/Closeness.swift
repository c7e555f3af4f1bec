import Testing
import NeuralKit

/// Float tolerance of the forward references: |a − e| ≤ 1e-5 + 1.3e-6·|e|.
public let floatTolerance = (absolute: 1e-5, relative: 1.3e-6)

/// Whether `actual` equals `expected` within tolerance, with NaN matching exactly NaN and ±∞ matching itself.
public func isClose(_ actual: Double, _ expected: Double, absolute: Double, relative: Double) -> Bool {
    if expected.isNaN || actual.isNaN { return expected.isNaN && actual.isNaN }
    if expected.isInfinite || actual.isInfinite { return expected == actual }
    return Swift.abs(actual - expected) <= absolute + relative * Swift.abs(expected)
}

/// Expects `actual` to have `shape` and values close to `expected`; failures name the first bad element.
public func expectClose(_ actual: Tensor, _ expected: [Double], shape: [Int]? = nil,
                        absolute: Double = floatTolerance.absolute, relative: Double = floatTolerance.relative,
                        _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    if let shape {
        #expect(actual.shape == shape, "\(comment) shape", sourceLocation: sourceLocation)
    }
    let values = actual.values
    guard values.count == expected.count else {
        Issue.record("\(comment): \(values.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    if let i = values.indices.first(where: { !isClose(values[$0], expected[$0], absolute: absolute, relative: relative) }) {
        Issue.record("\(comment): element \(i) is \(values[i]), expected \(expected[i]) (shape \(actual.shape))",
                     sourceLocation: sourceLocation)
    }
}

/// A seeded tensor with values uniform in `range`, optionally kept at least `gap` away from zero.
public func randomTensor(_ shape: [Int], seed: UInt64, in range: ClosedRange<Double> = -2...2,
                         awayFromZero gap: Double = 0, dtype: DType = .float64) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    let n = shape.reduce(1, *)
    let values = (0..<n).map { _ -> Double in
        var v = range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextUniform()
        if Swift.abs(v) < gap { v = v < 0 ? v - gap : v + gap }
        return v
    }
    return Tensor(shape: shape, values: values, dtype: dtype)
}

/// The tolerances the test suite's gradient checks use. Central differences in Float64 at ε = 1e-6 carry a
/// truncation error of order ε² ≈ 1e-12 and a rounding error of order 1e-16·|f| / ε: up to ~5e-8 absolute for the
/// largest convolutions of the op table, whose outputs sum thousands of terms. So 1e-7 absolute and 1e-6 relative:
/// a derivative wrong by 0.1% (which the public defaults, PyTorch's gradcheck's 1e-5 and 1e-3, let through) fails.
///
/// ```swift
/// checkGradients(of: f, at: x, absoluteTolerance: tightGradientTolerance.absolute, relativeTolerance: tightGradientTolerance.relative)
/// ```
public let tightGradientTolerance = (absolute: 1e-7, relative: 1e-6)
