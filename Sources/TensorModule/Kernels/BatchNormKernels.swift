// Batch normalization's passes over [rows, channels] data (channels last): the per-channel moments, the
// normalization, and the two passes of its gradient. Per-channel sums are kept in Double, and large inputs are
// split over the two cores in fixed halves of the rows whose sums are added half 0 first: the results do not depend
// on which core ran what.

extension Kernels {
    /// Calls `body(part, rows)` once (part 0, all rows), or on two halves of `0..<rows` on the two cores (parts 0
    /// and 1) when `rows · channels` reaches ``Parallel/minimumCount``.
    @inline(__always)
    static func forRowHalves(rows: Int, channels c: Int, _ body: (_ part: Int, _ rows: Range<Int>) -> Void) {
        if rows < 2 || rows * c < Parallel.minimumCount {
            body(0, 0..<rows)
            return
        }
        let half = rows / 2
        Parallel.both { part in body(part, part == 0 ? 0..<half : half..<rows) }
    }

    /// `sums[i]` = Σ over rows of what `addRow(r, partial)` adds into `partial[i]`, for i in 0..<width (Double;
    /// each half of the rows into its own partial sums, added half 0 first).
    @inline(__always)
    static func rowSums(rows: Int, channels c: Int, width: Int, into sums: UnsafeMutablePointer<Double>,
                        _ addRow: (Int, UnsafeMutablePointer<Double>) -> Void) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * width) { buffer in
            let partials = UncheckedSendable(buffer.baseAddress!)
            partials.value.initialize(repeating: 0, count: 2 * width)
            forRowHalves(rows: rows, channels: c) { part, range in
                let partial = partials.value + part * width
                for r in range { addRow(r, partial) }
            }
            for i in 0..<width { sums[i] = partials.value[i] + partials.value[width + i] }
        }
    }

    /// The batch's per-channel mean and biased variance of `x` [rows, c]: the mean first, then the mean squared
    /// deviation from it (two passes, so a large mean does not cancel the spread's digits).
    static func channelMoments<T: TensorScalar>(_ x: UnsafePointer<T>, rows: Int, channels c: Int,
                                               mean: UnsafeMutablePointer<Double>, variance: UnsafeMutablePointer<Double>) {
        rowSums(rows: rows, channels: c, width: c, into: mean) { r, sums in
            let row = x + r * c
            for j in 0..<c { sums[j] += Double(row[j]) }
        }
        for j in 0..<c { mean[j] /= Double(rows) }
        let m = UnsafePointer(mean)
        rowSums(rows: rows, channels: c, width: c, into: variance) { r, sums in
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
        forRowHalves(rows: rows, channels: c) { _, range in
            for r in range {
                let (row, out) = (x + r * c, y + r * c)
                for j in 0..<c { out[j] = (row[j] - mean[j]) * scale[j] + offset[j] }
            }
        }
    }

    /// The per-channel sums the normalization's gradient needs, in one pass: `sums[j]` = Σ dy and
    /// `sums[c + j]` = Σ dy · (x − mean).
    static func normalizationGradientSums<T: TensorScalar>(_ x: UnsafePointer<T>, _ dy: UnsafePointer<T>, rows: Int,
                                                           channels c: Int, mean: UnsafePointer<Double>,
                                                           into sums: UnsafeMutablePointer<Double>) {
        rowSums(rows: rows, channels: c, width: 2 * c, into: sums) { r, partial in
            let (g, row) = (dy + r * c, x + r * c)
            for j in 0..<c {
                let gj = Double(g[j])
                partial[j] += gj
                partial[c + j] += gj * (Double(row[j]) - mean[j])
            }
        }
    }

    /// `dx` = a · dy + b · (x − mean) + k, per channel (the normalization's input gradient in closed form).
    static func normalizationInputGradient<T: TensorScalar>(_ x: UnsafePointer<T>, _ dy: UnsafePointer<T>,
                                                            _ dx: UnsafeMutablePointer<T>, rows: Int, channels c: Int,
                                                            mean: UnsafePointer<T>, a: UnsafePointer<T>,
                                                            b: UnsafePointer<T>, k: UnsafePointer<T>) {
        forRowHalves(rows: rows, channels: c) { _, range in
            for r in range {
                let (row, g, out) = (x + r * c, dy + r * c, dx + r * c)
                for j in 0..<c { out[j] = a[j] * g[j] + b[j] * (row[j] - mean[j]) + k[j] }
            }
        }
    }
}
