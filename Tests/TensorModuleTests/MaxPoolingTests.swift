import Testing
import NeuralKit
import _TestSupport

/// Max pooling against a naive reference, forward and backward, in Float32 so the 16-channel vector paths run
/// (interior windows, border windows over the padding, leftover channels, disjoint and overlapping windows).
@Suite struct MaxPoolingTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let input: [Int], pool: (Int, Int), stride: (Int, Int), padding: Padding
        var testDescription: String { "\(input) pool \(pool) stride \(stride) \(padding)" }
    }

    static let rows: [Row] = [
        Row(input: [2, 6, 8, 32], pool: (2, 2), stride: (2, 2), padding: .valid),   // windows tile the image
        Row(input: [3, 7, 5, 16], pool: (2, 2), stride: (2, 2), padding: .valid),   // last row and column uncovered
        Row(input: [2, 5, 7, 19], pool: (2, 2), stride: (2, 2), padding: .same),    // border windows over padding
        Row(input: [2, 7, 7, 35], pool: (3, 3), stride: (2, 2), padding: .same),    // overlapping windows add up
        Row(input: [1, 6, 9, 48], pool: (2, 3), stride: (3, 3), padding: .valid),   // gaps between windows
    ]

    /// The naive reference: output values, and for each output the flat input index that receives its gradient
    /// (the first pixel of the window, in row-major order, holding the maximum).
    static func reference(_ x: [Float], _ r: Row, out: (Int, Int), pad: (Int, Int)) -> (values: [Double], winners: [Int]) {
        let (n, h, w, c) = (r.input[0], r.input[1], r.input[2], r.input[3])
        var values: [Double] = [], winners: [Int] = []
        for b in 0..<n { for oy in 0..<out.0 { for ox in 0..<out.1 { for ch in 0..<c {
            var best = -Float.infinity, winner = -1
            for ky in 0..<r.pool.0 { for kx in 0..<r.pool.1 {
                let iy = oy * r.stride.0 - pad.0 + ky, ix = ox * r.stride.1 - pad.1 + kx
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                let i = ((b * h + iy) * w + ix) * c + ch
                if winner < 0 || x[i] > best { (best, winner) = (x[i], i) }
            } }
            values.append(Double(best))
            winners.append(winner)
        } } } }
        return (values, winners)
    }

    /// In the 16-channel vector path a NaN anywhere in a window wins it (also after a larger number), as in the
    /// scalar path; −∞ and ties keep ordinary values.
    @Test func nanWinsInVectorLanes() {
        // One 2×2 window, 16 channels: channel c holds NaN at tap c % 5 (none when c % 5 == 4).
        var values = [Double](repeating: 0, count: 4 * 16)
        for tap in 0..<4 {
            for c in 0..<16 { values[tap * 16 + c] = c % 5 == tap ? .nan : Double(tap * 2 - c) }
        }
        values[3 * 16 + 4] = -.infinity
        let y = Tensor(shape: [1, 2, 2, 16], values: values, dtype: .float32).maxPool2d().values
        for c in 0..<16 {
            if c % 5 == 4 {
                #expect(y[c] == (0..<4).map { values[$0 * 16 + c] }.max()!, "channel \(c)")
            } else {
                #expect(y[c].isNaN, "channel \(c)")
            }
        }
    }

    @Test(arguments: rows)
    func forwardAndGradientEqualTheNaiveReference(_ r: Row) {
        // Values on a coarse grid, so windows hold ties and the first maximum must win.
        var rng = RandomGenerator(seed: 21)
        let count = r.input.reduce(1, *)
        let xs = (0..<count).map { _ in Float(Int(rng.nextUniform() * 5)) }
        var x = Tensor(shape: r.input, values: xs.map(Double.init), dtype: .float32)
        x.requiresGradient = true
        let y = x.maxPool2d(poolSize: r.pool, strides: r.stride, padding: r.padding)
        let g = try! WindowGeometry(input: r.input, kernel: r.pool, stride: r.stride, padding: r.padding, op: "test")
        let (values, winners) = Self.reference(xs, r, out: (g.outputHeight, g.outputWidth), pad: (g.padTop, g.padLeft))
        #expect(y.shape == [r.input[0], g.outputHeight, g.outputWidth, r.input[3]])
        #expect(y.values == values)
        let upstream = randomTensor(y.shape, seed: 22, dtype: .float32)
        y.backward(gradient: upstream)
        var expected = [Double](repeating: 0, count: count)
        for (o, i) in winners.enumerated() { expected[i] += Double(Float(upstream.values[o])) }
        expectClose(x.grad!, expected, absolute: 1e-5)
    }
}
