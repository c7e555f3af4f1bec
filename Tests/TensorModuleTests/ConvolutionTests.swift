import Testing
import NeuralKit
@_spi(Testing) import TensorModule
import _TestSupport

/// The naive 7-loop convolution: n, oy, ox, f, ky, kx, c.
func naiveConv(_ x: Tensor, _ k: Tensor, stride: (Int, Int), dilation: (Int, Int), pad: (top: Int, left: Int), out: (Int, Int)) -> [Double] {
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (kh, kw, f) = (k.shape[0], k.shape[1], k.shape[3])
    let xv = x.values, kv = k.values
    var y = [Double](repeating: 0, count: n * out.0 * out.1 * f)
    for b in 0..<n { for oy in 0..<out.0 { for ox in 0..<out.1 { for o in 0..<f {
        var s = 0.0
        for ky in 0..<kh { for kx in 0..<kw { for ch in 0..<c {
            let iy = oy * stride.0 - pad.top + ky * dilation.0, ix = ox * stride.1 - pad.left + kx * dilation.1
            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
            s += xv[((b * h + iy) * w + ix) * c + ch] * kv[((ky * kw + kx) * c + ch) * f + o]
        } } }
        y[((b * out.0 + oy) * out.1 + ox) * f + o] = s
    } } } }
    return y
}

@Suite struct ConvolutionTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let input: [Int], kernel: [Int]
        let stride: (Int, Int), dilation: (Int, Int)
        let padding: Padding
        /// Expected (top, left) padding and output size.
        let pad: (top: Int, left: Int), out: (Int, Int)
        var testDescription: String { "\(input) * \(kernel) stride \(stride) dilation \(dilation) \(padding)" }
    }

    static let rows: [Row] = [
        Row(input: [2, 7, 6, 3], kernel: [3, 3, 3, 4], stride: (1, 1), dilation: (1, 1), padding: .valid, pad: (0, 0), out: (5, 4)),
        Row(input: [2, 7, 6, 3], kernel: [3, 2, 3, 4], stride: (2, 2), dilation: (1, 1), padding: .same, pad: (1, 0), out: (4, 3)),
        Row(input: [1, 9, 8, 2], kernel: [3, 3, 2, 5], stride: (1, 1), dilation: (2, 2), padding: .valid, pad: (0, 0), out: (5, 4)),
        Row(input: [3, 6, 6, 1], kernel: [5, 5, 1, 2], stride: (1, 1), dilation: (1, 1), padding: .same, pad: (2, 2), out: (6, 6)),
        Row(input: [1, 5, 7, 2], kernel: [2, 3, 2, 3], stride: (2, 1), dilation: (1, 2),
            padding: .explicit(top: 1, bottom: 2, left: 0, right: 1), pad: (1, 0), out: (4, 4)),
        // more than 27 taps: im2col + GEMM
        Row(input: [2, 7, 6, 8], kernel: [3, 3, 8, 4], stride: (1, 1), dilation: (1, 1), padding: .valid, pad: (0, 0), out: (5, 4)),
        Row(input: [1, 9, 8, 5], kernel: [3, 3, 5, 3], stride: (2, 1), dilation: (2, 2), padding: .same, pad: (2, 2), out: (5, 8)),
        // many filters (vector loops) and many images (both cores; im2col in blocks of images)
        Row(input: [5, 9, 8, 1], kernel: [3, 3, 1, 45], stride: (1, 1), dilation: (1, 1), padding: .same, pad: (1, 1), out: (9, 8)),
        Row(input: [6, 26, 25, 3], kernel: [3, 3, 3, 37], stride: (1, 1), dilation: (1, 1), padding: .valid, pad: (0, 0), out: (24, 23)),
        // filters in blocks of 32: interior pixels four at a time (with stride and dilation), the rest one by one
        Row(input: [2, 10, 11, 1], kernel: [3, 3, 1, 64], stride: (1, 1), dilation: (1, 1), padding: .same, pad: (1, 1), out: (10, 11)),
        Row(input: [2, 12, 13, 2], kernel: [3, 3, 2, 32], stride: (2, 2), dilation: (1, 1), padding: .valid, pad: (0, 0), out: (5, 6)),
        Row(input: [1, 11, 12, 1], kernel: [3, 3, 1, 32], stride: (1, 1), dilation: (2, 2), padding: .valid, pad: (0, 0), out: (7, 8)),
    ]

    @Test(arguments: rows)
    func forwardEqualsTheNaiveSevenLoopReference(_ r: Row) {
        let x = randomTensor(r.input, seed: 1, dtype: .float32), k = randomTensor(r.kernel, seed: 2, dtype: .float32)
        let y = x.conv2d(k, strides: r.stride, padding: r.padding, dilation: r.dilation)
        #expect(y.shape == [r.input[0], r.out.0, r.out.1, r.kernel[3]])
        expectClose(y, naiveConv(x, k, stride: r.stride, dilation: r.dilation, pad: r.pad, out: r.out), absolute: 1e-4)
    }

    /// The direct path's four-pixel blocks in their Float64 instantiation.
    @Test func directBlocksEqualTheNaiveReferenceInFloat64() {
        let x = randomTensor([2, 9, 10, 2], seed: 11, dtype: .float64), k = randomTensor([3, 3, 2, 32], seed: 12, dtype: .float64)
        let y = x.conv2d(k, padding: .same)
        expectClose(y, naiveConv(x, k, stride: (1, 1), dilation: (1, 1), pad: (1, 1), out: (9, 10)), absolute: 1e-12)
    }

    /// The direct path's kernel gradient with filters in blocks of 32 (four-pixel blocks inside, single pixels at
    /// the borders) equals the naive sum over output pixels of input value × upstream gradient, in Float64.
    @Test(arguments: [(1, Padding.same), (2, Padding.valid)])
    func directKernelGradientEqualsTheNaiveSum(_ stride: Int, _ padding: Padding) {
        let x = randomTensor([2, 9, 11, 2], seed: 13, dtype: .float64)
        var k = randomTensor([3, 3, 2, 32], seed: 14, dtype: .float64)
        k.requiresGradient = true
        let y = x.conv2d(k, strides: (stride, stride), padding: padding)
        let g = randomTensor(y.shape, seed: 15, dtype: .float64)
        y.backward(gradient: g)
        let pad = padding == .same ? 1 : 0
        let (oh, ow) = (y.shape[1], y.shape[2])
        let xv = x.values, gv = g.values
        var expected = [Double](repeating: 0, count: 3 * 3 * 2 * 32)
        for n in 0..<2 { for oy in 0..<oh { for ox in 0..<ow { for ky in 0..<3 { for kx in 0..<3 {
            let iy = oy * stride - pad + ky, ix = ox * stride - pad + kx
            guard iy >= 0, iy < 9, ix >= 0, ix < 11 else { continue }
            for c in 0..<2 { for f in 0..<32 {
                expected[((ky * 3 + kx) * 2 + c) * 32 + f] += xv[((n * 9 + iy) * 11 + ix) * 2 + c] * gv[((n * oh + oy) * ow + ox) * 32 + f]
            } }
        } } } } }
        expectClose(k.grad!, expected, absolute: 1e-10)
    }

    /// The bias is added to every output pixel's filters.
    @Test func biasIsAddedPerFilter() {
        let x = randomTensor([2, 6, 5, 3], seed: 4, dtype: .float32), k = randomTensor([3, 3, 3, 40], seed: 5, dtype: .float32)
        let b = randomTensor([40], seed: 6, dtype: .float32)
        expectClose(x.conv2d(k, bias: b), (x.conv2d(k) + b).values, absolute: 1e-5)
    }

    /// A fused relu equals relu applied afterwards, on both the direct and the im2col path.
    @Test(arguments: [[3, 3, 1, 40], [3, 3, 1, 32], [3, 3, 4, 24]])
    func fusedReLUEqualsReLUAfterwards(_ kernel: [Int]) {
        let x = randomTensor([3, 7, 6, kernel[2]], seed: 7, dtype: .float32), k = randomTensor(kernel, seed: 8, dtype: .float32)
        let b = randomTensor([kernel[3]], seed: 9, dtype: .float32)
        let fused = x.conv2d(k, bias: b, activation: .relu)
        #expect(fused.values.contains(0) && fused.values.contains { $0 > 0 })
        expectClose(fused, x.conv2d(k, bias: b).relu().values, absolute: 1e-5)
    }

    /// Convolution and max pooling as one op gives the same values and gradients as the two ops, in both element
    /// types, on the direct path (1 channel) and the im2col path, with tiling, uncovered and overlapping pool
    /// windows. Equal up to rounding: the fused op skips the convolution outputs no window reads (so its GEMM
    /// blocks have fewer rows), where windows overlap it adds the products gradient × activation′ instead of
    /// multiplying their sum, and in Float32 the 32 → 64 channel row runs through Winograd's F(2×2, 3×3).
    @Test(arguments: [
        ([5, 12, 12, 1], [3, 3, 1, 32], FusedActivation.relu, MaxPooling(poolSize: (2, 2))),
        ([4, 11, 11, 32], [3, 3, 32, 64], .relu, MaxPooling(poolSize: (2, 2))),   // 9×9: row and column 9 unread
        ([3, 11, 10, 1], [3, 3, 1, 32], .sigmoid, MaxPooling(poolSize: (2, 2))),  // 9×8: row 8 unread
        ([3, 9, 8, 3], [3, 3, 3, 17], .tanh, MaxPooling(poolSize: (3, 3), strides: (2, 2), padding: .same)),
        ([2, 7, 7, 2], [2, 2, 2, 5], .identity, MaxPooling(poolSize: (2, 2), padding: .same)),   // 6×6 tiled by 2×2
    ] as [([Int], [Int], FusedActivation, MaxPooling)], [DType.float32, .float64])
    func fusedMaxPoolingEqualsTheTwoOps(_ shapes: ([Int], [Int], FusedActivation, MaxPooling), _ dtype: DType) {
        let (input, kernelShape, activation, pool) = shapes
        func run(_ fused: Bool) -> (y: [Double], dx: [Double], dk: [Double], db: [Double]) {
            var x = randomTensor(input, seed: 31, dtype: dtype), k = randomTensor(kernelShape, seed: 32, in: -0.5...0.5, dtype: dtype)
            var b = randomTensor([kernelShape[3]], seed: 33, dtype: dtype)
            x.requiresGradient = true; k.requiresGradient = true; b.requiresGradient = true
            let y = fused ? x.conv2d(k, bias: b, activation: activation, maxPooling: pool)
                          : x.conv2d(k, bias: b, activation: activation).maxPool2d(poolSize: pool.poolSize, strides: pool.strides, padding: pool.padding)
            y.backward(gradient: randomTensor(y.shape, seed: 34, dtype: dtype))
            return (y.values, x.grad!.values, k.grad!.values, b.grad!.values)
        }
        let fused = run(true), separate = run(false)
        #expect(fused.y.count > 0 && fused.y.contains { $0 != 0 } && fused.dk.contains { $0 != 0 })
        // Float32 3×3 convolutions of 16·k channels run through Winograd's F(2×2, 3×3), whose rounding differs more.
        let winograd = randomTensor(input, seed: 31, dtype: dtype)
            .convolutionUsesWinograd(randomTensor(kernelShape, seed: 32, dtype: dtype), maxPooling: pool)
        let tolerance = dtype == .float64 ? 1e-12 : winograd ? 5e-5 : 1e-5
        for (name, a, b) in [("y", fused.y, separate.y), ("dx", fused.dx, separate.dx), ("dk", fused.dk, separate.dk),
                             ("db", fused.db, separate.db)] {
            #expect(a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) },
                    "\(name): largest difference \(zip(a, b).map { Swift.abs($0 - $1) / Swift.max(1, Swift.abs($1)) }.max() ?? 0)")
        }
    }

    /// A small-window convolution with a multiple of 16 filters and a 2×2 pool runs with the pooling in vector
    /// registers when its input needs no gradient (a first layer): the same values and kernel and bias gradients,
    /// bit for bit, as the two ops, for every fused activation.
    @Test(arguments: [FusedActivation.identity, .relu, .tanh, .sigmoid])
    func registerPooledConvolutionMatchesTheTwoOpsExactly(_ activation: FusedActivation) {
        for (input, kernelShape) in [([3, 9, 8, 1], [3, 3, 1, 16]), ([9, 10, 7, 1], [3, 3, 1, 48]), ([2, 7, 9, 3], [2, 2, 3, 32])] {
            func run(_ fused: Bool) -> [[Double]] {
                let x = randomTensor(input, seed: 51, dtype: .float32)
                var k = randomTensor(kernelShape, seed: 52, in: -0.5...0.5, dtype: .float32)
                var b = randomTensor([kernelShape[3]], seed: 53, dtype: .float32)
                k.requiresGradient = true; b.requiresGradient = true
                let y = fused ? x.conv2d(k, bias: b, activation: activation, maxPooling: MaxPooling(poolSize: (2, 2)))
                              : x.conv2d(k, bias: b, activation: activation).maxPool2d(poolSize: (2, 2))
                y.backward(gradient: randomTensor(y.shape, seed: 54, dtype: .float32))
                return [y.values, k.grad!.values, b.grad!.values]
            }
            let fused = run(true)
            #expect(fused[0].contains { $0 != 0 } && fused[1].contains { $0 != 0 } && fused[2].contains { $0 != 0 })
            #expect(fused == run(false), "\(input) \(kernelShape)")
        }
    }

    /// A Float32 3×3 convolution of stride 1 from 16·k channels into 16·k filters runs through Winograd's
    /// F(2×2, 3×3), alone or fused with a 2×2 max pooling: its values and input, kernel and bias gradients match
    /// the Float64 op (which takes the general path, itself checked against finite differences and the naive
    /// loops) to Float32 rounding, for every fused activation, with and without bias, with padding valid, same and
    /// explicit, on square and non-square images, odd outputs (tiles half outside) and cropped ones (a pool of
    /// 11 × 11 reads 10 × 10), in batches that make one block or several chunks of several blocks.
    @Test(arguments: [FusedActivation.identity, .relu, .tanh, .sigmoid])
    func winogradConvolutionMatchesTheFloat64Op(_ activation: FusedActivation) {
        let pool = MaxPooling(poolSize: (2, 2))
        for (input, kernelShape, padding, pooling, hasBias) in [
            ([2, 13, 13, 32], [3, 3, 32, 64], Padding.valid, pool as MaxPooling?, true),     // the cnn preset's conv2
            ([3, 10, 8, 16], [3, 3, 16, 16], .valid, pool, false),
            ([13, 8, 12, 16], [3, 3, 16, 32], .valid, pool, true),
            ([130, 10, 10, 16], [3, 3, 16, 16], .valid, pool, true),                     // 8 chunks of 2 blocks
            ([3, 6, 10, 16], [3, 3, 16, 16], .same, pool, true),                         // tiles over the padding
            ([2, 13, 13, 32], [3, 3, 32, 64], .valid, nil, true),                        // 11 × 11: odd
            ([3, 14, 14, 32], [3, 3, 32, 32], .same, nil, false),                        // cnn-strong's conv2
            ([5, 7, 10, 16], [3, 3, 16, 16], .explicit(top: 2, bottom: 0, left: 1, right: 3), nil, true),   // 7 × 12
            ([20, 9, 9, 16], [3, 3, 16, 16], .same, nil, true),                          // 4 chunks
            ([4, 3, 3, 16], [3, 3, 16, 16], .valid, nil, true),                          // 1 × 1: one tile, ¾ outside
            ([3, 2, 2, 16], [3, 3, 16, 16], .same, nil, true),                           // 2 × 2, all taps but 4 padding
            ([6, 5, 5, 48], [3, 3, 48, 256], .valid, nil, true),                         // 3 × 3 of 256 filters
        ] {
            func run(_ dtype: DType) -> [[Double]] {
                var x = randomTensor(input, seed: 61, dtype: dtype), k = randomTensor(kernelShape, seed: 62, in: -0.5...0.5, dtype: dtype)
                var b = randomTensor([kernelShape[3]], seed: 63, dtype: dtype)
                x.requiresGradient = true; k.requiresGradient = true; b.requiresGradient = true
                let bias = hasBias ? b : nil
                let y = pooling.map { x.conv2d(k, bias: bias, padding: padding, activation: activation, maxPooling: $0) }
                    ?? x.conv2d(k, bias: bias, padding: padding, activation: activation)
                y.backward(gradient: randomTensor(y.shape, seed: 64, dtype: dtype))
                return [y.values, x.grad!.values, k.grad!.values] + (hasBias ? [b.grad!.values] : [])
            }
            #expect(Tensor.zeros(input).convolutionUsesWinograd(Tensor.zeros(kernelShape), padding: padding, maxPooling: pooling))
            let winograd = run(.float32), reference = run(.float64)
            for ((name, a), b) in zip(zip(["y", "dx", "dk", "db"], winograd), reference) {
                let scale = b.map(Swift.abs).max() ?? 0
                #expect(scale > 0 && a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-5 * scale },
                        "\(name) \(input) \(padding) pooled \(pooling != nil): largest difference \(zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0) of \(scale)")
            }
        }
    }

    /// Shapes Winograd's F(2×2, 3×3) does not cover take the general path: a stride, a dilation, a 5×5 kernel,
    /// channel or filter counts that are not multiples of 16; and, fused with pooling, a pool that does not tile
    /// an even output in 2×2 windows.
    @Test func winogradIsUsedOnlyWhereItApplies() {
        let x = Tensor.zeros([2, 12, 12, 16]), k = Tensor.zeros([3, 3, 16, 16]), pool = MaxPooling(poolSize: (2, 2))
        for pooling in [nil, pool] {
            #expect(x.convolutionUsesWinograd(k, maxPooling: pooling))
            #expect(x.convolutionUsesWinograd(k, padding: .same, maxPooling: pooling))
            #expect(!x.convolutionUsesWinograd(k, strides: (2, 2), maxPooling: pooling))
            #expect(!x.convolutionUsesWinograd(k, dilation: (2, 2), maxPooling: pooling))
            #expect(!x.convolutionUsesWinograd(Tensor.zeros([5, 5, 16, 16]), maxPooling: pooling))
            #expect(!Tensor.zeros([2, 12, 12, 8]).convolutionUsesWinograd(Tensor.zeros([3, 3, 8, 16]), maxPooling: pooling))
            #expect(!x.convolutionUsesWinograd(Tensor.zeros([3, 3, 16, 24]), maxPooling: pooling))
            #expect(!x.converted(to: .float64).convolutionUsesWinograd(k.converted(to: .float64), maxPooling: pooling))
        }
        #expect(!x.convolutionUsesWinograd(k, maxPooling: MaxPooling(poolSize: (3, 3))))
        #expect(Tensor.zeros([2, 11, 11, 16]).convolutionUsesWinograd(k))   // 9 × 9: tiles half outside
        #expect(!Tensor.zeros([2, 11, 11, 16]).convolutionUsesWinograd(k, maxPooling: MaxPooling(poolSize: (2, 2), padding: .same)))
        #expect(Tensor.zeros([2, 13, 13, 16]).convolutionUsesWinograd(k, maxPooling: pool))   // 11 × 11, cropped to 10 × 10
    }

    /// The backward pass sums each chunk of images separately and adds the chunks in a fixed order, so gradients
    /// are the same bit for bit however the two cores happened to share the chunks (repeated 20 times).
    @Test func gradientsDoNotDependOnWhichCoreRanWhat() {
        let x = randomTensor([24, 9, 9, 8], seed: 41, dtype: .float32)
        var k = randomTensor([3, 3, 8, 16], seed: 42, in: -0.5...0.5, dtype: .float32)
        k.requiresGradient = true
        let g = randomTensor([24, 7, 7, 16], seed: 43, dtype: .float32)
        var first: [Double]? = nil
        for _ in 0..<20 {
            x.conv2d(k).backward(gradient: g)
            let dk = k.grad!.values
            k.grad = nil
            if let first { #expect(dk == first) } else { first = dk }
        }
    }

    /// The review lecture: a 32×32×3 image through 6 filters of 5×5×3 (valid, stride 1) gives 28×28×6.
    @Test func lectureShapeExample() {
        #expect(Tensor.zeros([1, 32, 32, 3]).conv2d(Tensor.zeros([5, 5, 3, 6])).shape == [1, 28, 28, 6])
    }

    @Test func poolingValues() {
        let x = Tensor(shape: [1, 2, 4, 1], values: [1, 5, 2, 0, 3, 4, -1, 8])
        #expect(x.maxPool2d().values == [5, 8])
        #expect(x.avgPool2d().values == [3.25, 2.25])
        // same padding: the edge window averages only the pixels inside
        let y = Tensor(shape: [1, 1, 3, 1], values: [2, 4, 9])
        #expect(y.avgPool2d(poolSize: (1, 2), padding: .same).values == [3, 9])
        #expect(y.maxPool2d(poolSize: (1, 2), padding: .same).values == [4, 9])
        // NaN wins a max-pooling window, wherever it sits in it
        let nan = Tensor(shape: [1, 1, 4, 1], values: [.nan, 1, 2, .nan]).maxPool2d(poolSize: (1, 2))
        #expect(nan.values.map(\.isNaN) == [true, true])
    }

    @Test func misuseNamesTheOp() {
        #expect(throws: ShapeError.self) {
            try WindowGeometry(input: [1, 2, 2, 1], kernel: (3, 3), stride: (1, 1), padding: .valid, op: "conv2d")
        }
        let e = #expect(throws: ShapeError.self) {
            try WindowGeometry(input: [4, 4], kernel: (3, 3), stride: (1, 1), padding: .valid, op: "conv2d")
        }
        #expect(e?.description == "conv2d: expects an NHWC input of rank 4, got shape [4, 4]")
        // A window whose dilated extent overflows Int is refused, not computed.
        let huge = #expect(throws: ShapeError.self) {
            try WindowGeometry(input: [1, 10, 10, 1], kernel: (100_000, 1), stride: (1, 1), dilation: (1 << 50, 1), padding: .valid,
                               op: "conv2d")
        }
        #expect(huge?.description == "conv2d: window (100000, 1) with dilation (\(1 << 50), 1) is larger than any input")
    }
}
