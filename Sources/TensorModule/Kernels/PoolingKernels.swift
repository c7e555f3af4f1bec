extension Kernels {
    /// Max pooling: the maximum over each window's pixels inside the image (a number replaces a smaller one, a NaN
    /// replaces a number, so the first NaN wins; an all-padding window gives −∞). Channels are the inner loop, for
    /// Float 16 at a time in vector registers; chunks of images are balanced over both cores. When `winners` is given, it
    /// receives for each output the window tap (ky·kw + kx, as a Float: vector compares of Float compile to vector code,
    /// of Int32 to a loop over lanes) whose pixel won, or ``noWinner`` for an all-padding
    /// window: the first pixel equal to the maximum, the pixel ``maxPoolBackward`` would route the gradient to.
    static func maxPool<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ g: WindowGeometry,
                                         winners: UnsafeMutablePointer<Float>? = nil) {
        let c = g.channels
        Parallel.forEachChunk(g.batch, workPerItem: g.outputHeight * g.outputWidth * c * g.kernelHeight * g.kernelWidth,
                              minimumWork: 1 << 16) { _, _, images in
            for n in images {
                for oy in 0..<g.outputHeight {
                    for ox in 0..<g.outputWidth {
                        let o = ((n * g.outputHeight + oy) * g.outputWidth + ox) * c
                        var k = 0
                        if T.self == Float.self {
                            let interior = g.isInterior(oy: oy, ox: ox), origin = g.windowOrigin(n: n, oy: oy, ox: ox)
                            while k + 16 <= c {
                                let (b, tap) = interior ? maxOfInteriorWindow(x.floats + origin + k, g)
                                                        : maxOfWindow(x.floats, g, n, oy, ox, k)
                                (y + o + k).floats.storeVector(b)
                                if let winners { (winners + o + k).storeVector(tap) }
                                k += 16
                            }
                        }
                        for k in k..<c {
                            var b = -T.infinity, tap = noWinner
                            g.forEachTap(n: n, oy: oy, ox: ox) { t, base in
                                let v = x[base + k]
                                if tap == noWinner || v > b || (v != v && b == b) { (b, tap) = (v, Float(t)) }
                            }
                            y[o + k] = b
                            winners?[o + k] = tap
                        }
                    }
                }
            }
        }
    }

    /// The ``maxPool`` winner code of a window with no pixel inside the image.
    static let noWinner: Float = -1

    /// Takes `v` (window tap `t`) into the lanes where it is larger than `b`, or is a NaN and `b` is not (so the
    /// first NaN wins); `tap` records the tap each lane took.
    @inline(__always)
    private static func keepMax(_ b: inout SIMD16<Float>, _ tap: inout SIMD16<Float>, _ v: SIMD16<Float>, _ t: Int) {
        // Not (v ≤ b) is v > b or v NaN; b == b excludes a NaN already held. Two compares instead of three.
        let take = .!(v .<= b) .& (b .== b)
        b.replace(with: v, where: take)
        tap.replace(with: SIMD16(repeating: Float(t)), where: take)
    }

    /// The maximum of a window wholly inside the image, starting at `window`, and the tap of each lane's winner:
    /// fixed steps, no bounds checks. (Values returned, not `inout`: kept in registers.)
    @inline(__always)
    private static func maxOfInteriorWindow(_ window: UnsafePointer<Float>, _ g: WindowGeometry) -> (SIMD16<Float>, SIMD16<Float>) {
        let rowStep = g.dilationY &* g.width &* g.channels, columnStep = g.dilationX &* g.channels
        var b: SIMD16<Float> = window.loadVector(), tap = SIMD16<Float>()
        var row = window, t = 0
        for _ in 0..<g.kernelHeight {
            var p = row
            for _ in 0..<g.kernelWidth {
                if t > 0 { keepMax(&b, &tap, p.loadVector(), t) }
                p += columnStep
                t &+= 1
            }
            row += rowStep
        }
        return (b, tap)
    }

    /// ``maxOfInteriorWindow(_:_:)`` for a window over the padding: the window's first pixel inside the image is
    /// taken as it is (all lanes alike); −∞ and ``noWinner`` when there is none.
    @inline(__always)
    private static func maxOfWindow(_ x: UnsafePointer<Float>, _ g: WindowGeometry, _ n: Int, _ oy: Int, _ ox: Int,
                                    _ k: Int) -> (SIMD16<Float>, SIMD16<Float>) {
        var b = SIMD16<Float>(repeating: -.infinity), tap = SIMD16<Float>(repeating: noWinner), first = true
        g.forEachTap(n: n, oy: oy, ox: ox) { t, base in
            let v: SIMD16<Float> = (x + base + k).loadVector()
            if first { (b, tap, first) = (v, SIMD16(repeating: Float(t)), false) } else { keepMax(&b, &tap, v, t) }
        }
        return (b, tap)
    }

    /// The adjoint of ``maxPool``: each output's gradient goes to the pixel the forward pass kept, found again by
    /// comparing the input with the output (the first equal pixel of the window; the first NaN for a NaN maximum).
    /// Recomputing is cheaper than storing an index per output. `dx` may start uninitialised: each image's gradient
    /// is cleared here (in cache, on the core that fills it) unless the windows tile the image; when windows cannot
    /// overlap each pixel is written, not added to.
    static func maxPoolBackward<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ dy: UnsafePointer<T>,
                                                 _ dx: UnsafeMutablePointer<T>, _ g: WindowGeometry) {
        let c = g.channels, assign = g.poolWindowsAreDisjoint, imageSize = g.height * g.width * c
        Parallel.forEachChunk(g.batch, workPerItem: g.outputHeight * g.outputWidth * c * g.kernelHeight * g.kernelWidth,
                              minimumWork: 1 << 16) { _, _, images in
            for n in images {
                if !g.poolWindowsTileTheImage { (dx + n * imageSize).update(repeating: 0, count: imageSize) }
                for oy in 0..<g.outputHeight {
                    for ox in 0..<g.outputWidth {
                        let o = ((n * g.outputHeight + oy) * g.outputWidth + ox) * c
                        var k = 0
                        if T.self == Float.self {
                            if g.isInterior(oy: oy, ox: ox) {
                                let origin = g.windowOrigin(n: n, oy: oy, ox: ox)
                                while k + 16 <= c {
                                    routeMaxInInterior(x.floats + origin + k, (y + o + k).floats, (dy + o + k).floats,
                                                       dx.floats + origin + k, g, assign)
                                    k += 16
                                }
                            } else {
                                while k + 16 <= c {
                                    routeMax(x.floats, (y + o).floats, (dy + o).floats, dx.floats, g, n, oy, ox, k, assign)
                                    k += 16
                                }
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

    /// Sends `pending` (16 channels' gradients) to the lanes of input `v` equal to the window's maximum `b` (or NaN
    /// where `b` is NaN), at `d`, and clears the lanes it sent so later ties receive nothing.
    @inline(__always)
    private static func route(_ v: SIMD16<Float>, _ b: SIMD16<Float>, _ bIsNaN: SIMDMask<SIMD16<Int32>>,
                              _ pending: inout SIMD16<Float>, _ d: UnsafeMutablePointer<Float>, _ assign: Bool) {
        let hit = (v .== b) .| ((v .!= v) .& bIsNaN)
        let share = SIMD16<Float>().replacing(with: pending, where: hit)
        d.storeVector(assign ? share : d.loadVector() + share)
        pending.replace(with: 0, where: hit)
    }

    @inline(__always)
    private static func routeMax(_ x: UnsafePointer<Float>, _ best: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                 _ dx: UnsafeMutablePointer<Float>, _ g: WindowGeometry, _ n: Int, _ oy: Int, _ ox: Int,
                                 _ k: Int, _ assign: Bool) {
        let b: SIMD16<Float> = (best + k).loadVector()
        var pending: SIMD16<Float> = (dy + k).loadVector()
        g.forEachTap(n: n, oy: oy, ox: ox) { _, base in
            route((x + base + k).loadVector(), b, b .!= b, &pending, dx + base + k, assign)
        }
    }

    /// ``routeMax`` for a window wholly inside the image (`x` and `dx` at its first pixel): fixed steps, no bounds checks.
    @inline(__always)
    private static func routeMaxInInterior(_ x: UnsafePointer<Float>, _ best: UnsafePointer<Float>,
                                           _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                           _ g: WindowGeometry, _ assign: Bool) {
        let rowStep = g.dilationY &* g.width &* g.channels, columnStep = g.dilationX &* g.channels
        let b: SIMD16<Float> = best.loadVector(), bIsNaN = b .!= b
        var pending: SIMD16<Float> = dy.loadVector()
        for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
                let offset = ky &* rowStep &+ kx &* columnStep
                route((x + offset).loadVector(), b, bIsNaN, &pending, dx + offset, assign)
            }
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
