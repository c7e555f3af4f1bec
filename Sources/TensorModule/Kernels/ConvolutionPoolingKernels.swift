// A convolution followed by max pooling of its activated output, computed one block of images at a time: the
// full-size convolution output only ever lives in a per-core scratch buffer (in cache), and the pooling keeps, for
// each pooled value, the window tap that won: all the backward pass needs to send the gradient back to its pixel.

extension Kernels {
    /// `pooled` = maxPool(activation(conv(x, w) + bias)), pooling geometry `pool` over the convolution's output;
    /// `winners` receives each pooled value's winning tap (see ``maxPool(_:_:_:winners:)``).
    static func convMaxPoolForward<T: TensorScalar>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ bias: UnsafePointer<T>?,
                                                    _ pooled: UnsafeMutablePointer<T>, winners: UnsafeMutablePointer<Float>,
                                                    _ g: WindowGeometry, _ pool: WindowGeometry, filters f: Int,
                                                    activation: FusedActivation) {
        let convImage = g.outputHeight * g.outputWidth * f, poolImage = pool.outputHeight * pool.outputWidth * f
        let inputImage = g.height * g.width * g.channels, block = imagesPerBlock(g)
        let direct = g.patchSize <= directConvolutionMaximumTaps
        let colsSize = direct ? 0 : block * g.outputHeight * g.outputWidth * g.patchSize, scratchSize = block * convImage
        let buffers = UnsafeMutablePointer<T>.allocate(capacity: 2 * (colsSize + scratchSize))
        defer { buffers.deallocate() }
        // Blocks of whole images, as the unfused convolution forms them, each convolved into a scratch buffer and
        // pooled from there.
        forEachImageBlock(g, filters: f) { part, _, images in
            let cols = buffers + part * (colsSize + scratchSize), scratch = cols + colsSize
            let one = g.withBatch(images.count), input = x + images.lowerBound * inputImage
            if direct {
                directConv(input, w, bias, scratch, one, filters: f, activation: activation)
            } else {
                loweredConvBlock(input, w, bias, scratch, one, filters: f, activation: activation, images: 0..<images.count,
                                 cols: cols)
            }
            maxPool(scratch, pooled + images.lowerBound * poolImage, pool.withBatch(images.count),
                    winners: winners + images.lowerBound * poolImage)
        }
    }

    /// The gradients of ``convMaxPoolForward`` for the pooled values' gradient `dPooled` (`dx`, `dw`, `db` as in
    /// ``convBackward(_:_:_:output:activation:dx:dw:db:_:filters:)``): block by block, the pooled gradient times
    /// the activation's derivative (taken from the pooled value, which is the winning pixel's output) goes to the
    /// winning pixel of a scratch copy of the convolution's output (every other pixel zero), and the convolution's
    /// backward pass runs on that.
    static func convMaxPoolBackward<T: TensorScalar>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>,
                                                     pooled: UnsafePointer<T>, dPooled: UnsafePointer<T>,
                                                     winners: UnsafePointer<Float>, activation: FusedActivation,
                                                     dx: UnsafeMutablePointer<T>?, dw: UnsafeMutablePointer<T>?,
                                                     db: UnsafeMutablePointer<T>?, _ g: WindowGeometry,
                                                     _ pool: WindowGeometry, filters f: Int) {
        let convImage = g.outputHeight * g.outputWidth * f, poolImage = pool.outputHeight * pool.outputWidth * f
        convBackward(x, w, dx: dx, dw: dw, db: db, g, filters: f, scratchPerImage: convImage + poolImage) { images, scratch in
            let dz = scratch, masked = scratch + images.count * convImage
            let o = images.lowerBound * poolImage
            activationGradient(dPooled + o, pooled + o, masked, images.count * poolImage, activation)
            // Windows that tile the image write every pixel (the winner its gradient, the others zero); otherwise
            // the block is cleared first and the gradients added.
            let tiles = pool.poolWindowsTileTheImage
            if !tiles { dz.update(repeating: 0, count: images.count * convImage) }
            routeToWinners(masked, winners + o, dz, pool.withBatch(images.count), assign: tiles)
            return UnsafePointer(dz)
        }
    }

    /// Adds each pooled gradient in `dy` onto its window's winning pixel in `dx` (windows may overlap), or, with
    /// `assign` (windows that tile the image, each pixel in exactly one), writes every pixel: its gradient if it won
    /// its window, else zero.
    static func routeToWinners<T: TensorScalar>(_ dy: UnsafePointer<T>, _ winners: UnsafePointer<Float>,
                                                _ dx: UnsafeMutablePointer<T>, _ g: WindowGeometry, assign: Bool) {
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
}
