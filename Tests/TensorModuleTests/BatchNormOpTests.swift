import Testing
import NeuralKit
import _TestSupport

@Suite struct BatchNormOpTests {
    /// The doc example by hand: channel 0 holds 1 and 3 (mean 2, variance 1), channel 1 holds 10 and 30 (mean 20,
    /// variance 100), so each normalizes to −1 and 1; a scale of 2 and an offset of 5 give 3 and 7.
    @Test func workedExample() {
        let x = Tensor(rows: [[1, 10], [3, 30]])
        let (y, mean, variance) = x.batchNormalized(scale: Tensor([1, 1]), offset: Tensor([0, 0]), epsilon: 0)
        #expect(y.values == [-1, -1, 1, 1])
        #expect(mean.values == [2, 20] && variance.values == [1, 100])
        #expect(x.batchNormalized(scale: Tensor([2, 2]), offset: Tensor([5, 5]), epsilon: 0).output.values == [3, 3, 7, 7])
    }

    /// Float32 inputs large enough to be split over both cores (4,096 rows × 32 channels, with a channel mean far
    /// from zero) give the Float64 composed formula's output, statistics and gradients.
    @Test func largeFloatBatchMatchesTheComposedFormula() {
        let shape = [16, 16, 16, 32]
        let x32 = randomTensor(shape, seed: 61, dtype: .float32) + 100
        let g = randomTensor([32], seed: 62, dtype: .float32), b = randomTensor([32], seed: 63, dtype: .float32)
        let dy = randomTensor(shape, seed: 64, dtype: .float32)
        func gradients(_ x: Tensor, _ g: Tensor, _ b: Tensor, composed: Bool) -> (y: Tensor, mean: [Double], grads: [[Double]]) {
            var (x, g, b) = (x, g, b)
            x.requiresGradient = true; g.requiresGradient = true; b.requiresGradient = true
            let axes = [0, 1, 2]
            let mean = x.mean(alongAxes: axes)
            let y = composed
                ? (x - mean) / ((x - mean).squared().mean(alongAxes: axes) + 1e-3).sqrt() * g + b
                : x.batchNormalized(scale: g, offset: b, epsilon: 1e-3).output
            y.backward(gradient: composed ? dy.converted(to: .float64) : dy)
            return (y, mean.values, [x.grad!.values, g.grad!.values, b.grad!.values])
        }
        let fused = gradients(x32, g, b, composed: false)
        let reference = gradients(x32.converted(to: .float64), g.converted(to: .float64), b.converted(to: .float64), composed: true)
        expectClose(fused.y, reference.y.values, absolute: 1e-4, relative: 1e-5, "output")
        let stats = x32.batchNormalized(scale: g, offset: b, epsilon: 1e-3)
        expectClose(stats.mean, reference.mean, absolute: 1e-4, relative: 1e-6, "mean")
        for (i, name) in ["dx", "dscale", "doffset"].enumerated() {
            expectClose(Tensor(fused.grads[i]), reference.grads[i], absolute: 2e-3, relative: 1e-4, name)
        }
    }

    /// A scale or offset that does not match the last axis stops the program with a message naming the op and the
    /// shapes (in a child process, so the stop is observed, not suffered), as the other ops' shape misuse does.
    @Test func scaleMustMatchTheLastAxis() async {
        let scale = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([4, 3]).batchNormalized(scale: Tensor.ones([4]), offset: Tensor.zeros([4]), epsilon: 1e-3)
        }
        expectStandardError(of: scale, contains: "batchNormalized: scale and offset must be [channels] (the input's "
                            + "last axis), got [4] and [4] for input [4, 3]")
        let offset = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([4, 3]).batchNormalized(scale: Tensor.ones([3]), offset: Tensor.zeros([2]), epsilon: 1e-3)
        }
        expectStandardError(of: offset, contains: "got [3] and [2] for input [4, 3]")
    }
}
