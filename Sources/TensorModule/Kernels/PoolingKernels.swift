extension Kernels {
    /// Max pooling: the maximum over each window's pixels inside the image (a number replaces a smaller one, a NaN
    /// replaces a number, so the first NaN wins; an all-padding window gives −∞). Channels are the inner loop, for
    /// Float 16 at a time in vector registers; chunks of images are balanced over both cores. When `winners` is given, it
    /// receives for each output the window tap (ky·kw + kx, as a Float: vector compares of Float compile to vector code,
    /// of Int32 to a loop over lanes) whose pixel won, or ``noWinner`` for an all-padding
    /// window: the first pixel equal to the maximum (the first NaN for a NaN maximum), where ``maxPoolBackward``
    /// sends the gradient.
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
    static func keepMax(_ b: inout SIMD16<Float>, _ tap: inout SIMD16<Float>, _ v: SIMD16<Float>, _ t: Int) {
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

    /// The adjoint of ``maxPool``: each output's gradient goes to the pixel that won its window (`winners`, from
    /// the forward pass), on chunks of images balanced over both cores. `dx` may start uninitialised.
    static func maxPoolBackward<T: TensorScalar>(_ dy: UnsafePointer<T>, winners: UnsafePointer<Float>,
                                                 _ dx: UnsafeMutablePointer<T>, _ g: WindowGeometry) {
        let outputImage = g.outputHeight * g.outputWidth * g.channels, inputImage = g.height * g.width * g.channels
        Parallel.forEachChunk(g.batch, workPerItem: outputImage * g.kernelHeight * g.kernelWidth,
                              minimumWork: 1 << 16) { _, _, images in
            let o = images.lowerBound * outputImage
            routeToWinners(dy + o, winners + o, dx + images.lowerBound * inputImage, g.withBatch(images.count))
        }
    }

    /// Sends each output gradient in `dy` to its window's winning pixel in `dx` (`dx` may start uninitialised).
    /// Windows that tile the image write every pixel (the winner its gradient, the others zero); otherwise `dx` is
    /// cleared first and the gradients added (windows may overlap).
    static func routeToWinners<T: TensorScalar>(_ dy: UnsafePointer<T>, _ winners: UnsafePointer<Float>,
                                                _ dx: UnsafeMutablePointer<T>, _ g: WindowGeometry) {
        let assign = g.poolWindowsTileTheImage
        if !assign { dx.update(repeating: 0, count: g.batch * g.height * g.width * g.channels) }
        let c = g.channels
        let rowStep = g.dilationY * g.width * c, columnStep = g.dilationX * c
        for n in 0..<g.batch {
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    let o = ((n * g.outputHeight + oy) * g.outputWidth + ox) * c
                    var k = 0
                    if T.self == Float.self && g.isInterior(oy: oy, ox: ox) {
                        // Each tap takes the lanes it won: one masked add per tap and 16 channels.
                        let window = dx.floats + g.windowOrigin(n: n, oy: oy, ox: ox)
                        while k + 16 <= c {
                            let share: SIMD16<Float> = (dy + o + k).floats.loadVector()
                            let taps: SIMD16<Float> = (winners + o + k).loadVector()
                            for ky in 0..<g.kernelHeight {
                                for kx in 0..<g.kernelWidth {
                                    // The tap number converted per tap, not counted in a Float (a chain of adds).
                                    let t = Float(ky &* g.kernelWidth &+ kx)
                                    let d = window + (ky &* rowStep &+ kx &* columnStep &+ k)
                                    let hit = taps .== SIMD16<Float>(repeating: t)
                                    let routed = SIMD16<Float>().replacing(with: share, where: hit)
                                    d.storeVector(assign ? routed : d.loadVector() + routed)
                                }
                            }
                            k += 16
                        }
                    }
                    for k in k..<c {
                        if assign {
                            g.forEachTap(n: n, oy: oy, ox: ox) { t, base in dx[base + k] = Float(t) == winners[o + k] ? dy[o + k] : 0 }
                        } else if winners[o + k] != noWinner {
                            let tap = Int(winners[o + k])
                            let iy = oy * g.strideY - g.padTop + (tap / g.kernelWidth) * g.dilationY
                            let ix = ox * g.strideX - g.padLeft + (tap % g.kernelWidth) * g.dilationX
                            dx[((n * g.height + iy) * g.width + ix) * c + k] += dy[o + k]
                        }
                    }
                }
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
