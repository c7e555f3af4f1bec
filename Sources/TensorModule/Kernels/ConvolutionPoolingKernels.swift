// A convolution followed by max pooling of its activated output, computed one block of images at a time: the
// full-size convolution output only ever lives in a per-core scratch buffer (in cache), and the pooling keeps, for
// each pooled value, the window tap that won: all the backward pass needs to send the gradient back to its pixel.
// Two special cases pool in registers without any full-size scratch: a 3×3 convolution through Winograd's
// F(2×2, 3×3) (WinogradConvolutionPooling.swift) and a small-window direct one (DirectConvolutionPooling.swift).

extension Kernels {
    /// `pooled` = maxPool(activation(conv(x, w) + bias)), pooling geometry `pool` over the convolution's output;
    /// `winners` receives each pooled value's winning tap (see ``maxPool(_:_:_:winners:)``).
    static func convMaxPoolForward<T: TensorScalar>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ bias: UnsafePointer<T>?,
                                                    _ pooled: UnsafeMutablePointer<T>, winners: UnsafeMutablePointer<Float>,
                                                    _ g: WindowGeometry, _ pool: WindowGeometry, filters f: Int,
                                                    activation: FusedActivation) {
        if winogradApplies(T.self, g, pool, filters: f) {
            winogradConvMaxPool2x2(x.floats, w.floats, bias?.floats, pooled.floats, winners: winners, g, pool, filters: f,
                                   activation: activation)
            return
        }
        if poolsInRegisters(T.self, g, pool, filters: f) {
            directConvMaxPool2x2(x.floats, w.floats, bias?.floats, pooled.floats, winners: winners, g, pool, filters: f,
                                 activation: activation)
            return
        }
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
        if winogradApplies(T.self, g, pool, filters: f) {
            winogradConvMaxPool2x2Backward(x.floats, w.floats, pooled: pooled.floats, dPooled: dPooled.floats,
                                           winners: winners, activation: activation, dx: dx?.floats, dw: dw?.floats,
                                           db: db?.floats, g, filters: f)
            return
        }
        if dx == nil && poolsInRegisters(T.self, g, pool, filters: f) {
            directConvMaxPool2x2Backward(x.floats, pooled: pooled.floats, dPooled: dPooled.floats, winners: winners,
                                         activation: activation, dw: dw?.floats, db: db?.floats, g, pool, filters: f)
            return
        }
        let convImage = g.outputHeight * g.outputWidth * f, poolImage = pool.outputHeight * pool.outputWidth * f
        convBackward(x, w, dx: dx, dw: dw, db: db, g, filters: f, scratchPerImage: convImage + poolImage) { images, scratch in
            let dz = scratch, masked = scratch + images.count * convImage
            let o = images.lowerBound * poolImage
            activationGradient(dPooled + o, pooled + o, masked, images.count * poolImage, activation)
            routeToWinners(masked, winners + o, dz, pool.withBatch(images.count))
            return UnsafePointer(dz)
        }
    }
}
