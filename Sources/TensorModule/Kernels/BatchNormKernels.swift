// Batch normalization's passes over [rows, channels] data (channels last): the per-channel moments, the
// normalization, and the two passes of its gradient. Per-channel sums are kept in Double, and large inputs are
// split over the two cores in fixed halves of the rows whose sums are added half 0 first: the results do not depend
// on which core ran what.

extension Kernels {
    /// Rows below which a batch-norm pass runs on one core (with 32 channels: 2,048 rows, e.g. 16 images of 8×8).
    static let batchNormSplitCount = 1 << 16

    /// `sums[j]` = Σ over rows r of `term(r, j)`, for j in 0..<channels. `addRow(r, partial)` adds row r's terms into
    /// `partial` (Double, one per channel).
    @inline(__always)
    static func channelSums(rows: Int, channels c: Int, into sums: UnsafeMutablePointer<Double>,
                            _ addRow: (Int, UnsafeMutablePointer<Double>) -> Void) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * c) { buffer in
            let partials = buffer.baseAddress!
            partials.initialize(repeating: 0, count: 2 * c)
            let half = rows / 2
            if rows * c < batchNormSplitCount {
                for r in 0..<rows { addRow(r, partials) }
            } else {
                let shared = UncheckedSendable(partials)
                Parallel.both { part in
                    let partial = shared.value + part * c
                    for r in part == 0 ? 0..<half : half..<rows { addRow(r, partial) }
                }
            }
            for j in 0..<c { sums[j] = partials[j] + partials[c + j] }
        }
    }

    /// Calls `body(rows)` on two fixed halves of `0..<rows` on the two cores when `rows · channels` is large, else once.
    @inline(__always)
    static func forRowHalves(rows: Int, channels c: Int, _ body: (Range<Int>) -> Void) {
        if rows * c < batchNormSplitCount {
            body(0..<rows)
            return
        }
        let half = rows / 2
        Parallel.both { part in body(part == 0 ? 0..<half : half..<rows) }
    }

    /// The batch's per-channel mean and biased variance of `x` [rows, c]: the mean first, then the mean squared
    /// deviation from it (two passes, so a large mean does not cancel the spread's digits).
    static func channelMoments<T: TensorScalar>(_ x: UnsafePointer<T>, rows: Int, channels c: Int,
                                               mean: UnsafeMutablePointer<Double>, variance: UnsafeMutablePointer<Double>) {
        channelSums(rows: rows, channels: c, into: mean) { r, sums in
            let row = x + r * c
            for j in 0..<c { sums[j] += Double(row[j]) }
        }
        for j in 0..<c { mean[j] /= Double(rows) }
        let m = UnsafePointer(mean)
        channelSums(rows: rows, channels: c, into: variance) { r, sums in
            let row = x + r * c
            for j in 0..<c {
                let d = Double(row[j]) - m[j]
                sums[j] += d * d
            }
        }
        for j in 0..<c { variance[j] /= Double(rows) }
    }

    /// `y` = (x − mean) · scale + offset, per channel (`scale` already holds γ / √(σ² + ε)).
    static func normalize<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, rows: Int, channels c: Int,
                                           mean: UnsafePointer<T>, scale: UnsafePointer<T>, offset: UnsafePointer<T>) {
        forRowHalves(rows: rows, channels: c) { range in
            for r in range {
                let (row, out) = (x + r * c, y + r * c)
                for j in 0..<c { out[j] = (row[j] - mean[j]) * scale[j] + offset[j] }
            }
        }
    }

    /// The per-channel sums the normalization's gradient needs: Σ dy and Σ dy · (x − mean).
    static func normalizationGradientSums<T: TensorScalar>(_ x: UnsafePointer<T>, _ dy: UnsafePointer<T>, rows: Int,
                                                           channels c: Int, mean: UnsafePointer<Double>,
                                                           sumDy: UnsafeMutablePointer<Double>,
                                                           sumDyCentered: UnsafeMutablePointer<Double>) {
        channelSums(rows: rows, channels: c, into: sumDy) { r, sums in
            let row = dy + r * c
            for j in 0..<c { sums[j] += Double(row[j]) }
        }
        channelSums(rows: rows, channels: c, into: sumDyCentered) { r, sums in
            let (g, row) = (dy + r * c, x + r * c)
            for j in 0..<c { sums[j] += Double(g[j]) * (Double(row[j]) - mean[j]) }
        }
    }

    /// `dx` = a · dy + b · (x − mean) + k, per channel (the normalization's input gradient in closed form).
    static func normalizationInputGradient<T: TensorScalar>(_ x: UnsafePointer<T>, _ dy: UnsafePointer<T>,
                                                            _ dx: UnsafeMutablePointer<T>, rows: Int, channels c: Int,
                                                            mean: UnsafePointer<T>, a: UnsafePointer<T>,
                                                            b: UnsafePointer<T>, k: UnsafePointer<T>) {
        forRowHalves(rows: rows, channels: c) { range in
            for r in range {
                let (row, g, out) = (x + r * c, dy + r * c, dx + r * c)
                for j in 0..<c { out[j] = a[j] * g[j] + b[j] * (row[j] - mean[j]) + k[j] }
            }
        }
    }
}
