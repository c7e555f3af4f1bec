extension Kernels {
    /// Max pooling: the maximum over each window's pixels inside the image (a number replaces a smaller one, a NaN
    /// replaces a number, so the first NaN wins; an all-padding window gives −∞). Channels are the inner loop, for
    /// Float 16 at a time in vector registers; images are split over both cores.
    static func maxPool<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ g: WindowGeometry) {
        let c = g.channels
        Parallel.forItems(g.batch, workPerItem: g.outputHeight * g.outputWidth * c * g.kernelHeight * g.kernelWidth,
                          minimumWork: 1 << 16) { images in
            for n in images {
                for oy in 0..<g.outputHeight {
                    for ox in 0..<g.outputWidth {
                        let best = y + ((n * g.outputHeight + oy) * g.outputWidth + ox) * c
                        var k = 0
                        if T.self == Float.self {
                            while k + 16 <= c {
                                maxOfWindow(x.floats, best.floats, g, n, oy, ox, k)
                                k += 16
                            }
                        }
                        for k in k..<c {
                            var b = -T.infinity
                            g.forEachTap(n: n, oy: oy, ox: ox) { _, base in
                                let v = x[base + k]
                                if v > b || (v != v && b == b) { b = v }
                            }
                            best[k] = b
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func maxOfWindow(_ x: UnsafePointer<Float>, _ best: UnsafeMutablePointer<Float>, _ g: WindowGeometry,
                                    _ n: Int, _ oy: Int, _ ox: Int, _ k: Int) {
        var b = SIMD16<Float>(repeating: -.infinity)
        g.forEachTap(n: n, oy: oy, ox: ox) { _, base in
            let v: SIMD16<Float> = (x + base + k).loadVector()
            b.replace(with: v, where: (v .> b) .| ((v .!= v) .& (b .== b)))
        }
        (best + k).storeVector(b)
    }

    /// The adjoint of ``maxPool``: each output's gradient goes to the pixel the forward pass kept, found again by
    /// comparing the input with the output (the first equal pixel of the window; the first NaN for a NaN maximum).
    /// Recomputing is cheaper than storing an index per output. When the windows tile the image exactly, each pixel
    /// is written once and `dx` may start uninitialised; otherwise `dx` must start at zero and gradients add up.
    static func maxPoolBackward<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ dy: UnsafePointer<T>,
                                                 _ dx: UnsafeMutablePointer<T>, _ g: WindowGeometry) {
        let c = g.channels, assign = g.poolWindowsTileTheImage
        Parallel.forItems(g.batch, workPerItem: g.outputHeight * g.outputWidth * c * g.kernelHeight * g.kernelWidth,
                          minimumWork: 1 << 16) { images in
            for n in images {
                for oy in 0..<g.outputHeight {
                    for ox in 0..<g.outputWidth {
                        let o = ((n * g.outputHeight + oy) * g.outputWidth + ox) * c
                        var k = 0
                        if T.self == Float.self {
                            while k + 16 <= c {
                                routeMax(x.floats, (y + o).floats, (dy + o).floats, dx.floats, g, n, oy, ox, k, assign)
                                k += 16
                            }
                        }
                        for k in k..<c {
                            let b = y[o + k]
                            var pending = dy[o + k]
                            g.forEachTap(n: n, oy: oy, ox: ox) { _, base in
                                let v = x[base + k]
                                let hit = v == b || (v != v && b != b)
                                let share: T = hit ? pending : 0
                                dx[base + k] = assign ? share : dx[base + k] + share
                                if hit { pending = 0 }
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func routeMax(_ x: UnsafePointer<Float>, _ best: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                 _ dx: UnsafeMutablePointer<Float>, _ g: WindowGeometry, _ n: Int, _ oy: Int, _ ox: Int,
                                 _ k: Int, _ assign: Bool) {
        let b: SIMD16<Float> = (best + k).loadVector(), bIsNaN = b .!= b
        var pending: SIMD16<Float> = (dy + k).loadVector()
        g.forEachTap(n: n, oy: oy, ox: ox) { _, base in
            let v: SIMD16<Float> = (x + base + k).loadVector()
            let hit = (v .== b) .| ((v .!= v) .& bIsNaN)
            let share = SIMD16<Float>().replacing(with: pending, where: hit)
            let d = dx + base + k
            d.storeVector(assign ? share : d.loadVector() + share)
            pending.replace(with: 0, where: hit)
        }
    }

    /// Average pooling over each window's valid pixels (padding is not counted, as in Keras).
    static func avgPool<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ g: WindowGeometry) {
        forEachAverageWindow(g) { o, pixels, count in
            for c in 0..<g.channels {
                var s: T = 0
                for i in pixels { s += x[i + c] }
                y[o + c] = s / T(count)
            }
        }
    }

    /// The adjoint of ``avgPool``: each output's gradient shared equally by its window's pixels (`dx` starts at zero).
    static func avgPoolBackward<T: TensorScalar>(_ dy: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, _ g: WindowGeometry) {
        forEachAverageWindow(g) { o, pixels, count in
            for c in 0..<g.channels {
                let share = dy[o + c] / T(count)
                for i in pixels { dx[i + c] += share }
            }
        }
    }

    /// Calls `body(outputOffset, inputPixelOffsets, count)` for every pooling window, with the window's pixels inside
    /// the image (at least one counted, so an all-padding window divides by 1).
    @inline(__always)
    private static func forEachAverageWindow(_ g: WindowGeometry, _ body: (Int, [Int], Int) -> Void) {
        var pixels: [Int] = []
        for n in 0..<g.batch {
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    pixels.removeAll(keepingCapacity: true)
                    g.forEachTap(n: n, oy: oy, ox: ox) { _, base in pixels.append(base) }
                    body(((n * g.outputHeight + oy) * g.outputWidth + ox) * g.channels, pixels, Swift.max(pixels.count, 1))
                }
            }
        }
    }
}
