// A small-window convolution (the direct path: a grayscale first layer's 3×3) followed by 2×2 max pooling of
// stride 2, with the four convolution outputs of each pooling window computed and pooled in vector registers: the
// convolution's full-size output is never written. Its weight gradient sends each pooled gradient straight to the
// winning pixel's window (each lane picks its winner's input values), so the backward pass does not build a
// full-size gradient map either. `convMaxPoolForward` / `convMaxPoolBackward` take this path when
// `poolsInRegisters` allows it, with the general path's results to the bit (the same operations in the same
// order: the sums skip only terms that are zero).

extension Kernels {
    /// True when ``directConvMaxPool2x2(_:_:_:_:winners:_:_:filters:activation:)`` can run a convolution and its
    /// max pooling: Float, a direct-path window (≤ ``directConvolutionMaximumTaps`` taps) of stride 1 and no
    /// dilation lying inside the image for every output pixel, a multiple of 16 filters, and 2×2 pooling windows
    /// of stride 2 tiling the (cropped) convolution output.
    static func poolsInRegisters<T: TensorScalar>(_: T.Type, _ g: WindowGeometry, _ pool: WindowGeometry,
                                                  filters f: Int) -> Bool {
        T.self == Float.self && g.patchSize <= directConvolutionMaximumTaps && f % 16 == 0
            && g.strideY == 1 && g.strideX == 1 && g.dilationY == 1 && g.dilationX == 1
            && g.outputHeight > 0 && g.outputWidth > 0
            && g.isInterior(oy: 0, ox: 0) && g.isInterior(oy: g.outputHeight - 1, ox: g.outputWidth - 1)
            && pool.kernelHeight == 2 && pool.kernelWidth == 2 && pool.poolWindowsTileTheImage
    }

    /// `pooled` = maxPool2×2(activation(conv(x, w) + bias)) and each pooled value's winning tap (0 top-left,
    /// 1 top-right, 2 bottom-left, 3 bottom-right: ``maxPool(_:_:_:winners:)``'s code), 16 filters at a time.
    /// Each convolution output adds its taps in patch order from the bias, as ``directConv`` does.
    static func directConvMaxPool2x2(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                                     _ pooled: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<Float>,
                                     _ g: WindowGeometry, _ pool: WindowGeometry, filters f: Int,
                                     activation: FusedActivation) {
        // One copy of the loop per activation, each with its function inlined (through a closure, the call per
        // vector cost 30%).
        switch activation {
        case .identity: directConvMaxPool2x2(IdentityVector.self, x, w, bias, pooled, winners, g, pool, f)
        case .relu: directConvMaxPool2x2(ReLUVector.self, x, w, bias, pooled, winners, g, pool, f)
        case .tanh: directConvMaxPool2x2(TanhVector.self, x, w, bias, pooled, winners, g, pool, f)
        case .sigmoid: directConvMaxPool2x2(SigmoidVector.self, x, w, bias, pooled, winners, g, pool, f)
        }
    }

    /// ``directConvMaxPool2x2(_:_:_:_:winners:_:_:filters:activation:)`` for one activation `A`.
    private static func directConvMaxPool2x2<A: VectorActivation>(_: A.Type, _ x: UnsafePointer<Float>,
                                                                  _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                                                                  _ pooled: UnsafeMutablePointer<Float>,
                                                                  _ winners: UnsafeMutablePointer<Float>,
                                                                  _ g: WindowGeometry, _ pool: WindowGeometry, _ f: Int) {
        let taps = g.patchSize, right = g.channels, down = g.width * g.channels
        let offsets = g.patchOffsets()
        offsets.withUnsafeBufferPointer { offsets in
            let offsets = offsets.baseAddress!
            Parallel.forEachChunk(g.batch, workPerItem: g.outputHeight * g.outputWidth * taps * f, minimumWork: 1 << 16) { _, _, images in
                for n in images {
                    for py in 0..<pool.outputHeight {
                        for px in 0..<pool.outputWidth {
                            let origin = g.windowOrigin(n: n, oy: 2 * py, ox: 2 * px)
                            let o = ((n * pool.outputHeight + py) * pool.outputWidth + px) * f
                            var k = 0
                            // 32 filters at a time: each input value broadcast once for two vectors of filters.
                            while k + 32 <= f {
                                let start0: SIMD16<Float> = bias.map { ($0 + k).loadVector() } ?? SIMD16()
                                let start1: SIMD16<Float> = bias.map { ($0 + (k + 16)).loadVector() } ?? SIMD16()
                                var (a0, b0, c0, d0) = (start0, start0, start0, start0)
                                var (a1, b1, c1, d1) = (start1, start1, start1, start1)
                                for p in 0..<taps {
                                    let i = origin &+ offsets[p], row = w + (p &* f &+ k)
                                    let w0: SIMD16<Float> = row.loadVector(), w1: SIMD16<Float> = (row + 16).loadVector()
                                    let xa = SIMD16(repeating: x[i]), xb = SIMD16(repeating: x[i &+ right])
                                    let xc = SIMD16(repeating: x[i &+ down]), xd = SIMD16(repeating: x[i &+ down &+ right])
                                    a0 = a0.addingProduct(xa, w0); a1 = a1.addingProduct(xa, w1)
                                    b0 = b0.addingProduct(xb, w0); b1 = b1.addingProduct(xb, w1)
                                    c0 = c0.addingProduct(xc, w0); c1 = c1.addingProduct(xc, w1)
                                    d0 = d0.addingProduct(xd, w0); d1 = d1.addingProduct(xd, w1)
                                }
                                poolActivated(A.self, a0, b0, c0, d0, into: pooled + (o + k), winners: winners + (o + k))
                                poolActivated(A.self, a1, b1, c1, d1, into: pooled + (o + k + 16),
                                              winners: winners + (o + k + 16))
                                k += 32
                            }
                            for k in stride(from: k, to: f, by: 16) {
                                let start: SIMD16<Float> = bias.map { ($0 + k).loadVector() } ?? SIMD16()
                                var (a, b, c, d) = (start, start, start, start)
                                for p in 0..<taps {
                                    let i = origin &+ offsets[p], weights: SIMD16<Float> = (w + (p &* f &+ k)).loadVector()
                                    a = a.addingProduct(SIMD16(repeating: x[i]), weights)
                                    b = b.addingProduct(SIMD16(repeating: x[i &+ right]), weights)
                                    c = c.addingProduct(SIMD16(repeating: x[i &+ down]), weights)
                                    d = d.addingProduct(SIMD16(repeating: x[i &+ down &+ right]), weights)
                                }
                                poolActivated(A.self, a, b, c, d, into: pooled + (o + k), winners: winners + (o + k))
                            }
                        }
                    }
                }
            }
        }
    }

    /// The kernel and bias gradients of ``directConvMaxPool2x2(_:_:_:_:winners:_:_:filters:activation:)`` for the
    /// pooled values' gradient `dPooled` (the input's gradient is the general path's job). Each pooled gradient,
    /// times the activation's derivative at the pooled value, multiplies its winner's window: per lane, the input
    /// value of whichever of the four windows won. Chunks of images sum their own gradients, added in chunk order,
    /// as ``convBackward(_:_:dx:dw:db:_:filters:scratchPerImage:blockGradient:)`` does.
    static func directConvMaxPool2x2Backward(_ x: UnsafePointer<Float>, pooled: UnsafePointer<Float>,
                                             dPooled: UnsafePointer<Float>, winners: UnsafePointer<Float>,
                                             activation: FusedActivation, dw: UnsafeMutablePointer<Float>?,
                                             db: UnsafeMutablePointer<Float>?, _ g: WindowGeometry,
                                             _ pool: WindowGeometry, filters f: Int) {
        let taps = g.patchSize, step = g.channels   // from a window to its right neighbour's
        let poolImage = pool.outputHeight * pool.outputWidth * f
        let chunks = Swift.max(1, Swift.min(Parallel.balancingChunks, g.batch)), partSize = taps * f + f
        let largestChunk = (g.batch + chunks - 1) / chunks
        let partials: UnsafeMutablePointer<Float> = allocatePartialSums(chunks * partSize)
        let masked = UnsafeMutablePointer<Float>.allocate(capacity: 2 * largestChunk * poolImage)
        defer { partials.deallocate(); masked.deallocate() }
        let offsets = g.patchOffsets()
        offsets.withUnsafeBufferPointer { offsets in
            let offsets = offsets.baseAddress!
            Parallel.forEachChunk(g.batch, chunks: chunks, workPerItem: g.outputHeight * g.outputWidth * taps * f,
                                  minimumWork: 1 << 16) { part, chunk, images in
                let dwPart = partials + chunk * partSize, dbPart = dwPart + taps * f
                dwPart.initialize(repeating: 0, count: partSize)
                let gradient = masked + part * largestChunk * poolImage, first = images.lowerBound * poolImage
                activationGradient(dPooled + first, pooled + first, gradient, images.count * poolImage, activation)
                if taps == 9 {
                    winnerWindows9(x, offsets, gradient - first, winners, dwPart, dbPart, g, pool, f, images)
                    return
                }
                forEachWinnerWindow(images, g, pool, f) { origin, o, half in
                    for k in stride(from: 0, to: f, by: 16) {
                        let (share, wonRight) = winnerShare((winners + o + k).loadVector(),
                                                            (gradient + (o - first + k)).loadVector(), half: half)
                        (dbPart + k).storeVector((dbPart + k).loadVector(SIMD16<Float>.self) + share)
                        for p in 0..<taps {
                            let i = origin &+ offsets[p]
                            let v = SIMD16<Float>(repeating: x[i]).replacing(with: SIMD16(repeating: x[i &+ step]), where: wonRight)
                            let row = dwPart + (p &* f &+ k)
                            row.storeVector(row.loadVector(SIMD16<Float>.self).addingProduct(share, v))
                        }
                    }
                }
            }
        }
        if let dw { sumParts(partials, stride: partSize, parts: chunks, count: taps * f, into: dw) }
        if let db { sumParts(partials + taps * f, stride: partSize, parts: chunks, count: f, into: db) }
    }
}

extension Kernels {
    /// ``directConvMaxPool2x2Backward``'s sums for a 9-tap window (a grayscale 3×3), 16 filters at a time, with the
    /// 9 kernel-gradient sums and the bias-gradient sum held in registers over all of `images` rather than loaded
    /// and stored at every window (that traffic, not the multiply-adds, bounded the general loop). Each sum
    /// receives its terms in the general loop's order, so the results are the same to the bit. `gradient` holds
    /// the pooled gradients times the activation's derivative, indexed as `winners`.
    private static func winnerWindows9(_ x: UnsafePointer<Float>, _ offsets: UnsafePointer<Int>,
                                       _ gradient: UnsafePointer<Float>, _ winners: UnsafePointer<Float>,
                                       _ dw: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>,
                                       _ g: WindowGeometry, _ pool: WindowGeometry, _ f: Int, _ images: Range<Int>) {
        let step = g.channels
        let (o0, o1, o2, o3, o4) = (offsets[0], offsets[1], offsets[2], offsets[3], offsets[4])
        let (o5, o6, o7, o8) = (offsets[5], offsets[6], offsets[7], offsets[8])
        for k in stride(from: 0, to: f, by: 16) {
            var (s0, s1, s2, s3, s4) = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
            var (s5, s6, s7, s8, sb) = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
            forEachWinnerWindow(images, g, pool, f) { origin, o, half in
                let (share, wonRight) = winnerShare((winners + o + k).loadVector(), (gradient + o + k).loadVector(), half: half)
                sb += share
                @inline(__always) func term(_ offset: Int) -> SIMD16<Float> {
                    let i = origin &+ offset
                    return SIMD16(repeating: x[i]).replacing(with: SIMD16(repeating: x[i &+ step]), where: wonRight)
                }
                s0 = s0.addingProduct(share, term(o0)); s1 = s1.addingProduct(share, term(o1))
                s2 = s2.addingProduct(share, term(o2)); s3 = s3.addingProduct(share, term(o3))
                s4 = s4.addingProduct(share, term(o4)); s5 = s5.addingProduct(share, term(o5))
                s6 = s6.addingProduct(share, term(o6)); s7 = s7.addingProduct(share, term(o7))
                s8 = s8.addingProduct(share, term(o8))
            }
            for (p, sum) in [s0, s1, s2, s3, s4, s5, s6, s7, s8].enumerated() { (dw + (p * f + k)).storeVector(sum) }
            (db + k).storeVector(sb)
        }
    }

    /// Calls `body(origin, o, half)` for the convolution windows of `images` that 2×2 pooling windows read, in the
    /// order the general path sums their terms (it walks the convolution's output row by row): for each row of
    /// pooling windows, the windows of their top row (`half` 0), then those of their bottom row (`half` 1).
    /// `origin` is the window's first input index, `o` its pooling window's first output index.
    @inline(__always)
    private static func forEachWinnerWindow(_ images: Range<Int>, _ g: WindowGeometry, _ pool: WindowGeometry, _ f: Int,
                                            _ body: (_ origin: Int, _ o: Int, _ half: Int) -> Void) {
        for n in images {
            for py in 0..<pool.outputHeight {
                for half in 0..<2 {
                    for px in 0..<pool.outputWidth {
                        body(g.windowOrigin(n: n, oy: 2 * py + half, ox: 2 * px), ((n * pool.outputHeight + py) * pool.outputWidth + px) * f,
                             half)
                    }
                }
            }
        }
    }

    /// A pooled gradient's share for one of its window's rows (`half`): the gradient in the lanes whose winner
    /// (``maxPool(_:_:_:winners:)``'s code `won`) lies in that row, zero elsewhere; and the lanes whose winner is
    /// in the right column.
    @inline(__always)
    private static func winnerShare(_ won: SIMD16<Float>, _ gradient: SIMD16<Float>,
                                    half: Int) -> (share: SIMD16<Float>, right: SIMDMask<SIMD16<Int32>>) {
        let left = Float(2 * half), right = Float(2 * half + 1)
        return (SIMD16<Float>().replacing(with: gradient, where: (won .== left) .| (won .== right)), won .== right)
    }

    /// Activates the four outputs of 2×2 pooling windows (top-left, top-right, bottom-left, bottom-right; 16
    /// filters), stores their maximum at `pooled` and the winner's tap (``maxPool(_:_:_:winners:)``'s code) at
    /// `winners`.
    @inline(__always)
    static func poolActivated<A: VectorActivation>(_: A.Type, _ a: SIMD16<Float>, _ b: SIMD16<Float>, _ c: SIMD16<Float>,
                                                   _ d: SIMD16<Float>, into pooled: UnsafeMutablePointer<Float>,
                                                   winners: UnsafeMutablePointer<Float>) {
        var best = A.apply(a), tap = SIMD16<Float>()
        keepMax(&best, &tap, A.apply(b), 1)
        keepMax(&best, &tap, A.apply(c), 2)
        keepMax(&best, &tap, A.apply(d), 3)
        pooled.storeVector(best)
        winners.storeVector(tap)
    }
}

/// A fused activation on 16 Floats, computed as ``Kernels/activate(_:_:_:)`` does: a type per activation, so a
/// kernel generic over it is compiled once per activation with the function inlined.
protocol VectorActivation {
    static func apply(_ v: SIMD16<Float>) -> SIMD16<Float>
}

enum IdentityVector: VectorActivation {
    @inline(__always) static func apply(_ v: SIMD16<Float>) -> SIMD16<Float> { v }
}

enum ReLUVector: VectorActivation {
    @inline(__always) static func apply(_ v: SIMD16<Float>) -> SIMD16<Float> { v.replacing(with: 0, where: v .< 0) }
}

enum TanhVector: VectorActivation {
    @inline(__always) static func apply(_ v: SIMD16<Float>) -> SIMD16<Float> { Kernels.tanh(v) }
}

enum SigmoidVector: VectorActivation {
    @inline(__always) static func apply(_ v: SIMD16<Float>) -> SIMD16<Float> { Kernels.sigmoid(v) }
}
