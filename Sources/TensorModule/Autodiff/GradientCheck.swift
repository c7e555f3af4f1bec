/// The outcome of ``checkGradients(of:at:epsilon:absoluteTolerance:relativeTolerance:seed:)``.
public struct GradientCheckResult: CustomStringConvertible, Sendable {
    /// One compared entry: `input`'s element at flat index `index`.
    public struct Entry: Sendable {
        public let input: Int
        public let index: Int
        public let analytic: Double
        public let numeric: Double
        /// |analytic − numeric| / (absoluteTolerance + relativeTolerance·|numeric|): ≤ 1 passes.
        public let errorRatio: Double
    }

    /// True when every entry is within tolerance (and none is NaN).
    public let passed: Bool
    /// The entry furthest from passing (nil if the inputs had no elements).
    public let worst: Entry?
    /// How many entries were compared.
    public let checkedCount: Int

    public var description: String {
        guard let w = worst else { return "gradient check: nothing to compare" }
        return "gradient check \(passed ? "passed" : "FAILED") over \(checkedCount) entries; worst: input \(w.input) "
            + "element \(w.index): analytic \(w.analytic), numeric \(w.numeric) (error \(w.errorRatio)× tolerance)"
    }
}

/// Compares the autodiff gradient of `function` with central finite differences, in Float64.
///
/// Inputs are converted to `float64`; a non-scalar output is reduced to a scalar with a fixed random weighting, so
/// every entry of the Jacobian takes part. An entry passes when
/// |analytic − numeric| ≤ absoluteTolerance + relativeTolerance·|numeric|. Use it on your own functions and models:
///
/// ```swift
/// let result = checkGradients(of: { x in (x[0] * x[1]).tanh() },
///                             at: [Tensor([0.3, -1]), Tensor([2, 0.5])])
/// print(result)          // gradient check passed over 4 entries; worst: …
/// assert(result.passed)
/// ```
public func checkGradients(of function: ([Tensor]) -> Tensor, at inputs: [Tensor], epsilon: Double = 1e-6,
                           absoluteTolerance: Double = 1e-5, relativeTolerance: Double = 1e-3,
                           seed: UInt64 = 0) -> GradientCheckResult {
    let points = inputs.map { $0.converted(to: .float64).detached }
    var rng = RandomGenerator(seed: seed)
    let probe = withoutGradient { function(points) }
    let weights = Tensor.randomNormal(probe.shape, dtype: .float64, using: &rng)
    func objective(_ x: [Tensor]) -> Tensor { (function(x).converted(to: .float64) * weights).sum() }
    let analytic = valueWithGradient(at: points, in: objective).gradients.map(\.values)

    var worst: GradientCheckResult.Entry?
    var passed = true
    var checked = 0
    withoutGradient {
        for (i, point) in points.enumerated() {
            for j in 0..<point.count {
                var shifted = points
                let x = point[flat: j]
                shifted[i] = point.replacing(flat: j, with: x + epsilon)
                let plus = objective(shifted).scalar
                shifted[i] = point.replacing(flat: j, with: x - epsilon)
                let minus = objective(shifted).scalar
                let numeric = (plus - minus) / (2 * epsilon)
                let a = analytic[i][j]
                let ratio = Swift.abs(a - numeric) / (absoluteTolerance + relativeTolerance * Swift.abs(numeric))
                let bad = !(ratio <= 1)  // NaN fails
                checked += 1
                if bad { passed = false }
                if worst == nil || ratio.isNaN || ratio > worst!.errorRatio {
                    worst = .init(input: i, index: j, analytic: a, numeric: numeric, errorRatio: ratio)
                }
            }
        }
    }
    return GradientCheckResult(passed: passed, worst: worst, checkedCount: checked)
}

extension Tensor {
    /// A copy with the element at flat index `index` set to `value` (for finite differences).
    func replacing(flat index: Int, with value: Double) -> Tensor {
        var t = detached
        t.makeUnique()
        switch dtype {
        case .int32: floatOnly()
        case .float32: t.pointer(Float.self)[index] = Float(value)
        case .float64: t.pointer(Double.self)[index] = value
        }
        return t
    }
}
