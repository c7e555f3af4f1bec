// Convolution kernels over NHWC images, kernels [kh, kw, C, F] seen as a [kh·kw·C, F] matrix.
// Float 3×3 convolutions of stride 1 with 16·k channels and filters go to Winograd's F(2×2, 3×3)
// (WinogradConvolution.swift). Other windows of more than 27 taps are lowered to im2col + GEMM one block of images
// at a time, so each block's patch matrix (≤ 512 rows) stays in the core's L2 cache and is rebuilt in the backward
// pass instead of kept in memory. The batch is cut into chunks of images that the two cores take in turn
// (`Parallel.forEachChunk`), each with single-threaded GEMMs. Smaller windows (a grayscale first layer: 9 taps) are
// convolved directly, with the filter loop in vector registers.

extension Kernels {
    /// Windows with at most this many taps (kh·kw·C) are convolved directly instead of through im2col + GEMM.
    static let directConvolutionMaximumTaps = 27
    /// Output pixels per im2col block: 512 × 288 taps × 4 bytes ≈ 0.6 MB.
    static let im2colBlockRows = 512

    /// Whole images per im2col block.
    static func imagesPerBlock(_ g: WindowGeometry) -> Int {
        Swift.max(1, im2colBlockRows / Swift.max(g.outputHeight * g.outputWidth, 1))
    }

    /// Calls `body(part, chunk, images)` for each block of images of the batch: chunks of images balanced over both
    /// cores (`part` names the core), each chunk in blocks of ``imagesPerBlock(_:)`` from its first image. The
    /// forward and backward passes (fused or not) use this one cut, so they form the same GEMM blocks.
    static func forEachImageBlock(_ g: WindowGeometry, filters f: Int,
                                  _ body: (_ part: Int, _ chunk: Int, _ images: Range<Int>) -> Void) {
        let block = imagesPerBlock(g)
        Parallel.forEachChunk(g.batch, workPerItem: g.outputHeight * g.outputWidth * g.patchSize * f,
                              minimumWork: 1 << 16) { part, chunk, images in
            for start in stride(from: images.lowerBound, to: images.upperBound, by: block) {
                body(part, chunk, start..<Swift.min(start + block, images.upperBound))
            }
        }
    }

    /// `y` [N·OH·OW, F] = activation(conv(x, w) + bias), the activation applied while the block is in cache.
    static func convForward<T: TensorScalar>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ bias: UnsafePointer<T>?,
                                             _ y: UnsafeMutablePointer<T>, _ g: WindowGeometry, filters f: Int,
                                             activation: FusedActivation) {
        if winogradApplies(T.self, g, filters: f) {
            winogradConv(x.floats, w.floats, bias?.floats, y.floats, g, filters: f, activation: activation)
            return
        }
        if g.patchSize <= directConvolutionMaximumTaps {
            directConv(x, w, bias, y, g, filters: f, activation: activation)
            return
        }
        let colsSize = imagesPerBlock(g) * g.outputHeight * g.outputWidth * g.patchSize
        let cols = UnsafeMutablePointer<T>.allocate(capacity: 2 * colsSize)
        defer { cols.deallocate() }
        forEachImageBlock(g, filters: f) { part, _, images in
            loweredConvBlock(x, w, bias, y, g, filters: f, activation: activation, images: images, cols: cols + part * colsSize)
        }
    }

    /// One im2col + GEMM block of ``convForward``: output rows of `images` (at their place in `y`), patch matrix
    /// built in `cols`.
    static func loweredConvBlock<T: TensorScalar>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ bias: UnsafePointer<T>?,
                                                  _ y: UnsafeMutablePointer<T>, _ g: WindowGeometry, filters f: Int,
                                                  activation: FusedActivation, images: Range<Int>,
                                                  cols: UnsafeMutablePointer<T>) {
        let perImage = g.outputHeight * g.outputWidth, p = g.patchSize
        let r0 = images.lowerBound * perImage, rows = images.count * perImage
        im2col(x, cols, g, rows: r0..<r0 + rows)
        let out = y + r0 * f
        if let bias { for r in 0..<rows { (out + r * f).update(from: bias, count: f) } }
        BLAS.serialGemm(transposeA: false, transposeB: false, m: rows, n: f, k: p, a: cols, lda: p, b: w, ldb: f,
                        c: out, ldc: f, beta: bias == nil ? 0 : 1)
        activate(out, rows * f, activation)
    }

    /// The gradients of ``convForward`` for output gradient `dy`: `dx` (cleared here block by block, so it may start
    /// uninitialised), `dw` and `db`, each computed only when its pointer is given. With a fused activation, `dy` is
    /// first multiplied, block by block, by the activation's derivative taken from the forward `output`.
    static func convBackward<T: TensorScalar>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ dy: UnsafePointer<T>,
                                              output: UnsafePointer<T>, activation: FusedActivation,
                                              dx: UnsafeMutablePointer<T>?, dw: UnsafeMutablePointer<T>?,
                                              db: UnsafeMutablePointer<T>?, _ g: WindowGeometry, filters f: Int) {
        if winogradApplies(T.self, g, filters: f) {
            winogradConvBackward(x.floats, w.floats, dy.floats, output: output.floats, activation: activation,
                                 dx: dx?.floats, dw: dw?.floats, db: db?.floats, g, filters: f)
            return
        }
        let rowsPerImage = g.outputHeight * g.outputWidth
        convBackward(x, w, dx: dx, dw: dw, db: db, g, filters: f,
                     scratchPerImage: activation == .identity ? 0 : rowsPerImage * f) { images, scratch in
            let start = images.lowerBound * rowsPerImage * f, count = images.count * rowsPerImage * f
            if activation == .identity { return dy + start }
            activationGradient(dy + start, output + start, scratch, count, activation)
            return UnsafePointer(scratch)
        }
    }

    /// The block engine of the convolution's backward pass. `blockGradient(images, scratch)` returns the gradient of
    /// the convolution's output (before any activation) for those images, [images·OH·OW, F], which it may write into
    /// `scratch` (room for `scratchPerImage` values per image). Each chunk of images sums its own `dw` and `db`, and
    /// the chunks' sums are added in chunk order at the end, so the result does not depend on which core ran what.
    static func convBackward<T: TensorScalar>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>,
                                              dx: UnsafeMutablePointer<T>?, dw: UnsafeMutablePointer<T>?,
                                              db: UnsafeMutablePointer<T>?, _ g: WindowGeometry, filters f: Int,
                                              scratchPerImage: Int,
                                              blockGradient: (Range<Int>, UnsafeMutablePointer<T>) -> UnsafePointer<T>) {
        let perImage = g.outputHeight * g.outputWidth, p = g.patchSize
        let block = imagesPerBlock(g)
        let direct = p <= directConvolutionMaximumTaps, offsets = direct ? g.patchOffsets() : []
        let chunks = Swift.max(1, Swift.min(Parallel.balancingChunks, g.batch)), partSize = p * f + f
        let partials: UnsafeMutablePointer<T> = allocatePartialSums(chunks * partSize)
        let colsSize = block * perImage * p, scratchSize = block * scratchPerImage
        let buffers = UnsafeMutablePointer<T>.allocate(capacity: 2 * (colsSize + scratchSize))
        defer { partials.deallocate(); buffers.deallocate() }
        Parallel.forEachChunk(g.batch, chunks: chunks, workPerItem: 2 * perImage * p * f, minimumWork: 1 << 16) { part, chunk, images in
            let dwPart = partials + chunk * partSize, dbPart = dwPart + p * f
            dwPart.initialize(repeating: 0, count: partSize)
            let cols = buffers + part * (colsSize + scratchSize), scratch = cols + colsSize
            for start in stride(from: images.lowerBound, to: images.upperBound, by: block) {
                let end = Swift.min(start + block, images.upperBound)
                let r0 = start * perImage, rows = (end - start) * perImage
                let gBlock = blockGradient(start..<end, scratch)
                if dw != nil {
                    if direct {
                        directWeightGradient(x, gBlock, dwPart, g, filters: f, images: start..<end, offsets: offsets)
                    } else {
                        im2col(x, cols, g, rows: r0..<r0 + rows)
                        BLAS.serialGemm(transposeA: true, transposeB: false, m: p, n: f, k: rows, a: cols, lda: p,
                                        b: gBlock, ldb: f, c: dwPart, ldc: f, beta: 1)
                    }
                }
                if let dx {
                    BLAS.serialGemm(transposeA: false, transposeB: true, m: rows, n: p, k: f, a: gBlock, lda: f, b: w,
                                    ldb: f, c: cols, ldc: p)
                    let imageSize = g.height * g.width * g.channels
                    (dx + start * imageSize).update(repeating: 0, count: (end - start) * imageSize)
                    col2im(cols, dx, g, images: start..<end)
                }
                if db != nil { addColumnSums(gBlock, rows: rows, columns: f, into: dbPart) }
            }
        }
        // The chunks' sums, added in chunk order.
        if let dw { sumParts(partials, stride: partSize, parts: chunks, count: p * f, into: dw) }
        if let db { sumParts(partials + p * f, stride: partSize, parts: chunks, count: f, into: db) }
    }

    /// Room for `count` per-chunk partial sums of weight gradients, on a cache-line boundary: the direct kernels
    /// read and write back each row of 16 sums once per pixel, and a row split over two cache lines is not
    /// forwarded from the store to the next read (measured: the pooled conv1 backward pass took 1.7 ms instead
    /// of 0.9). Rows start on a boundary when the filter count is a multiple of 16. Free with `deallocate()`.
    static func allocatePartialSums<T: TensorScalar>(_ count: Int) -> UnsafeMutablePointer<T> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<T>.stride, alignment: 64)
            .bindMemory(to: T.self, capacity: count)
    }

    /// `out[i]` = Σ over parts j (in order) of `parts[j·stride + i]`.
    static func sumParts<T: TensorScalar>(_ parts: UnsafePointer<T>, stride: Int, parts count: Int, count n: Int,
                                                  into out: UnsafeMutablePointer<T>) {
        out.update(from: parts, count: n)
        for j in 1..<Swift.max(count, 1) {
            let part = parts + j * stride
            for i in 0..<n { out[i] += part[i] }
        }
    }

    /// Unfolds the output pixels `rows` (flat indices over N·OH·OW) into patch rows of `cols`, each holding its
    /// window's pixels in (ky, kx, c) order, zeros where the window hangs over the padding.
    static func im2col<T: TensorScalar>(_ x: UnsafePointer<T>, _ cols: UnsafeMutablePointer<T>, _ g: WindowGeometry,
                                        rows: Range<Int>) {
        let perImage = g.outputHeight * g.outputWidth, c = g.channels
        // The row's pixel (n, oy, ox) is stepped along, not divided out of the row index for every row.
        var n = rows.lowerBound / perImage, oy = rows.lowerBound % perImage / g.outputWidth, ox = rows.lowerBound % g.outputWidth
        for i in 0..<rows.count {
            defer {
                ox += 1
                if ox == g.outputWidth { (ox, oy) = (0, oy + 1) }
                if oy == g.outputHeight { (oy, n) = (0, n + 1) }
            }
            let dst = cols + i * g.patchSize
            g.forEachWindowRow(n: n, oy: oy, ox: ox) { ky, source in
                let d = dst + ky * g.kernelWidth * c
                // Plain loops: with few channels a memcpy call costs more than the copy.
                switch source {
                case .contiguous(let offset):
                    let s = x + offset
                    for k in 0..<g.kernelWidth * c { d[k] = s[k] }
                case .padding:
                    for k in 0..<g.kernelWidth * c { d[k] = 0 }
                case .taps(let iy):
                    for kx in 0..<g.kernelWidth {
                        let ix = ox * g.strideX - g.padLeft + kx * g.dilationX
                        if ix >= 0 && ix < g.width {
                            let s = x + ((n * g.height + iy) * g.width + ix) * c
                            for k in 0..<c { d[kx * c + k] = s[k] }
                        } else {
                            for k in 0..<c { d[kx * c + k] = 0 }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of ``im2col`` for whole `images`: adds each patch entry of `cols` (rows of those images only)
    /// back onto the pixel it came from.
    static func col2im<T: TensorScalar>(_ cols: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, _ g: WindowGeometry,
                                        images: Range<Int>) {
        let c = g.channels
        var src = cols
        for n in images {
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    let row = src
                    g.forEachWindowRow(n: n, oy: oy, ox: ox) { ky, source in
                        let s = row + ky * g.kernelWidth * c
                        switch source {
                        case .contiguous(let offset):
                            let d = dx + offset
                            for k in 0..<g.kernelWidth * c { d[k] += s[k] }
                        case .padding:
                            break
                        case .taps(let iy):
                            for kx in 0..<g.kernelWidth {
                                let ix = ox * g.strideX - g.padLeft + kx * g.dilationX
                                guard ix >= 0 && ix < g.width else { continue }
                                let d = dx + ((n * g.height + iy) * g.width + ix) * c
                                for k in 0..<c { d[k] += s[kx * c + k] }
                            }
                        }
                    }
                    src += g.patchSize
                }
            }
        }
    }
}

extension Kernels {
    /// Direct convolution for small windows: each output pixel's filters accumulate over its window's values in
    /// vector registers, 32 (then 8) filters at a time. Interior windows read their values through a table of
    /// offsets; windows over the padding walk their taps with bounds checks. Chunks of images balanced over both cores.
    static func directConv<T: TensorScalar>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ bias: UnsafePointer<T>?,
                                            _ y: UnsafeMutablePointer<T>, _ g: WindowGeometry, filters f: Int,
                                            activation: FusedActivation) {
        let perImage = g.outputHeight * g.outputWidth
        let offsets = g.patchOffsets()
        offsets.withUnsafeBufferPointer { offsets in
            let offsets = offsets.baseAddress!
            Parallel.forEachChunk(g.batch, workPerItem: perImage * g.patchSize * f, minimumWork: 1 << 16) { _, _, images in
                for n in images {
                    var r = 0
                    while r < perImage {
                        let out = y + (n * perImage + r) * f, oy = r / g.outputWidth, ox = r % g.outputWidth
                        // Four interior neighbours of one row at once: each pixel's sum over its taps is a chain of
                        // dependent multiply-adds, and four pixels give the FMA units independent chains to overlap.
                        // Each pixel still adds its taps in the same order, so the results are the same.
                        if f % 32 == 0 && ox + 4 <= g.outputWidth && g.isInterior(oy: oy, ox: ox)
                            && g.isInterior(oy: oy, ox: ox + 3) {
                            let origin = g.windowOrigin(n: n, oy: oy, ox: ox), step = g.strideX * g.channels
                            for k in stride(from: 0, to: f, by: 32) {
                                directQuad(x, w, bias, out, origin, step, offsets, g.patchSize, f, k)
                            }
                            activate(out, 4 * f, activation)
                            r += 4
                            continue
                        }
                        let window = Window(g: g, n: n, oy: oy, ox: ox, offsets: offsets)
                        var k = 0
                        while k + 32 <= f { directPixel(SIMD16<T>.self, x, w, bias, out, window, f, k); k += 32 }
                        while k + 8 <= f { directPixel(SIMD4<T>.self, x, w, bias, out, window, f, k); k += 8 }
                        while k < f {
                            var s: T = bias?[k] ?? 0
                            window.forEachValue { p, i in s += x[i] * w[p * f + k] }
                            out[k] = s
                            k += 1
                        }
                        activate(out, f, activation)
                        r += 1
                    }
                }
            }
        }
    }

    /// Filters k..<k+32 of four neighbouring interior output pixels (windows at `origin`, `origin + step`, …):
    /// eight accumulators of 16, each pixel's taps added in patch order.
    @inline(__always)
    private static func directQuad<T: TensorScalar>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>,
                                                    _ bias: UnsafePointer<T>?, _ out: UnsafeMutablePointer<T>,
                                                    _ origin: Int, _ step: Int, _ offsets: UnsafePointer<Int>,
                                                    _ patchSize: Int, _ f: Int, _ k: Int) {
        typealias V = SIMD16<T>
        let b0: V = bias.map { ($0 + k).loadVector() } ?? V(), b1: V = bias.map { ($0 + (k &+ 16)).loadVector() } ?? V()
        var a0 = b0, a1 = b1, c0 = b0, c1 = b1, d0 = b0, d1 = b1, e0 = b0, e1 = b1
        for p in 0..<patchSize {
            let i = origin &+ offsets[p], row = w + (p &* f &+ k)
            let w0: V = row.loadVector(), w1: V = (row + 16).loadVector()
            let va = V(repeating: x[i]), vc = V(repeating: x[i &+ step])
            let vd = V(repeating: x[i &+ 2 &* step]), ve = V(repeating: x[i &+ 3 &* step])
            a0 = a0.addingProduct(va, w0); a1 = a1.addingProduct(va, w1)
            c0 = c0.addingProduct(vc, w0); c1 = c1.addingProduct(vc, w1)
            d0 = d0.addingProduct(vd, w0); d1 = d1.addingProduct(vd, w1)
            e0 = e0.addingProduct(ve, w0); e1 = e1.addingProduct(ve, w1)
        }
        let o = out + k
        o.storeVector(a0); (o + 16).storeVector(a1)
        (o + f).storeVector(c0); (o + (f + 16)).storeVector(c1)
        (o + 2 * f).storeVector(d0); (o + (2 * f + 16)).storeVector(d1)
        (o + 3 * f).storeVector(e0); (o + (3 * f + 16)).storeVector(e1)
    }

    @inline(__always)
    private static func directPixel<V: SIMD>(_: V.Type, _ x: UnsafePointer<V.Scalar>, _ w: UnsafePointer<V.Scalar>,
                                             _ bias: UnsafePointer<V.Scalar>?, _ out: UnsafeMutablePointer<V.Scalar>,
                                             _ window: Window, _ f: Int, _ k: Int) where V.Scalar: TensorScalar {
        // Two accumulators of V.scalarCount filters each: independent FMA chains. (SIMD16 is the widest type Swift
        // compiles to vector instructions here; SIMD32 fell back to scalar code.)
        let width = V.scalarCount
        var acc0: V = bias.map { ($0 + k).loadVector() } ?? V()
        var acc1: V = bias.map { ($0 + (k &+ width)).loadVector() } ?? V()
        window.forEachValue { p, i in
            let v = V(repeating: x[i]), row = w + (p &* f &+ k)
            acc0 = acc0.addingProduct(v, row.loadVector())
            acc1 = acc1.addingProduct(v, (row + width).loadVector())
        }
        (out + k).storeVector(acc0)
        (out + k + width).storeVector(acc1)
    }

    /// dw [kh·kw·C, F] += the weight gradient of a small-window convolution over `images`: for each output pixel,
    /// its gradient row (in vector registers) times each of its window's input values. `dy` holds the gradient rows
    /// of `images` only, from the first image's first pixel; `offsets` is `g.patchOffsets()`, computed once per pass.
    static func directWeightGradient<T: TensorScalar>(_ x: UnsafePointer<T>, _ dy: UnsafePointer<T>,
                                                      _ dw: UnsafeMutablePointer<T>, _ g: WindowGeometry, filters f: Int,
                                                      images: Range<Int>, offsets: [Int]) {
        let perImage = g.outputHeight * g.outputWidth
        offsets.withUnsafeBufferPointer { offsets in
            let offsets = offsets.baseAddress!
            for n in images {
                var r = 0
                while r < perImage {
                    let row = dy + ((n - images.lowerBound) * perImage + r) * f
                    let oy = r / g.outputWidth, ox = r % g.outputWidth
                    // Four interior neighbours at once, as in the forward pass: one load and store of each dw row
                    // per four pixels instead of per pixel; every dw entry still receives the pixels in order.
                    if f % 32 == 0 && ox + 4 <= g.outputWidth && g.isInterior(oy: oy, ox: ox)
                        && g.isInterior(oy: oy, ox: ox + 3) {
                        let origin = g.windowOrigin(n: n, oy: oy, ox: ox), step = g.strideX * g.channels
                        for k in stride(from: 0, to: f, by: 32) {
                            weightQuad(x, row, dw, origin, step, offsets, g.patchSize, f, k)
                        }
                        r += 4
                        continue
                    }
                    let window = Window(g: g, n: n, oy: oy, ox: ox, offsets: offsets)
                    var k = 0
                    while k + 32 <= f { weightPixel(SIMD16<T>.self, x, row, dw, window, f, k); k += 32 }
                    while k + 8 <= f { weightPixel(SIMD4<T>.self, x, row, dw, window, f, k); k += 8 }
                    while k < f {
                        let gk = row[k]
                        window.forEachValue { p, i in dw[p * f + k] += x[i] * gk }
                        k += 1
                    }
                    r += 1
                }
            }
        }
    }

    /// dw rows k..<k+32 += the four pixels' gradient rows (at `row`, `row + f`, …) times their window values.
    @inline(__always)
    private static func weightQuad<T: TensorScalar>(_ x: UnsafePointer<T>, _ row: UnsafePointer<T>,
                                                    _ dw: UnsafeMutablePointer<T>, _ origin: Int, _ step: Int,
                                                    _ offsets: UnsafePointer<Int>, _ patchSize: Int, _ f: Int, _ k: Int) {
        typealias V = SIMD16<T>
        let a0: V = (row + k).loadVector(), a1: V = (row + (k + 16)).loadVector()
        let b0: V = (row + (f + k)).loadVector(), b1: V = (row + (f + k + 16)).loadVector()
        let c0: V = (row + (2 * f + k)).loadVector(), c1: V = (row + (2 * f + k + 16)).loadVector()
        let d0: V = (row + (3 * f + k)).loadVector(), d1: V = (row + (3 * f + k + 16)).loadVector()
        for p in 0..<patchSize {
            let i = origin &+ offsets[p], d = dw + (p &* f &+ k)
            let xa = V(repeating: x[i]), xb = V(repeating: x[i &+ step])
            let xc = V(repeating: x[i &+ 2 &* step]), xd = V(repeating: x[i &+ 3 &* step])
            var s0: V = d.loadVector(), s1: V = (d + 16).loadVector()
            s0 = s0.addingProduct(xa, a0); s1 = s1.addingProduct(xa, a1)
            s0 = s0.addingProduct(xb, b0); s1 = s1.addingProduct(xb, b1)
            s0 = s0.addingProduct(xc, c0); s1 = s1.addingProduct(xc, c1)
            s0 = s0.addingProduct(xd, d0); s1 = s1.addingProduct(xd, d1)
            d.storeVector(s0)
            (d + 16).storeVector(s1)
        }
    }

    @inline(__always)
    private static func weightPixel<V: SIMD>(_: V.Type, _ x: UnsafePointer<V.Scalar>, _ row: UnsafePointer<V.Scalar>,
                                             _ dw: UnsafeMutablePointer<V.Scalar>, _ window: Window, _ f: Int, _ k: Int)
    where V.Scalar: TensorScalar {
        let width = V.scalarCount
        let g0: V = (row + k).loadVector(), g1: V = (row + k + width).loadVector()
        window.forEachValue { p, i in
            let d = dw + (p &* f &+ k), v = V(repeating: x[i])
            d.storeVector(d.loadVector(V.self).addingProduct(v, g0))
            (d + width).storeVector((d + width).loadVector(V.self).addingProduct(v, g1))
        }
    }

    /// One output pixel's window: visits its values as (patch index p, flat input index).
    struct Window {
        let g: WindowGeometry
        let n: Int, oy: Int, ox: Int
        let offsets: UnsafePointer<Int>
        let interior: Bool

        @inline(__always)
        init(g: WindowGeometry, n: Int, oy: Int, ox: Int, offsets: UnsafePointer<Int>) {
            (self.g, self.n, self.oy, self.ox, self.offsets) = (g, n, oy, ox, offsets)
            interior = g.isInterior(oy: oy, ox: ox)
        }

        @inline(__always)
        func forEachValue(_ body: (Int, Int) -> Void) {
            if interior {
                let origin = g.windowOrigin(n: n, oy: oy, ox: ox)
                for p in 0..<g.patchSize { body(p, origin &+ offsets[p]) }
            } else {
                g.forEachTap(n: n, oy: oy, ox: ox) { tap, offset in
                    for c in 0..<g.channels { body(tap &* g.channels &+ c, offset &+ c) }
                }
            }
        }
    }
}
