// A 3×3 convolution followed by 2×2 max pooling (the cnn preset's second layer) through Winograd's minimal
// filtering F(2×2, 3×3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2015). Each pooling
// window's four convolution outputs come from one 4×4 tile of the input:
//
//     Y = Aᵀ [ Σ_c (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// The input tile's transform V = Bᵀ d B and the output transform take additions only; the kernel's U = G g Gᵀ is
// computed once per pass; the sum over channels, for each of the 16 tile positions, is one matrix product
// [tiles, C] · [C, F] through OpenBLAS. That is 16 multiplications per tile and (channel, filter) pair instead of
// 36: 2.25× fewer than im2col + GEMM. The four outputs are activated and pooled in registers, so the convolution's
// output is never stored. The backward pass is the adjoint of each step: dM = A dY Aᵀ, dU = Vᵀ · dM (then
// dw = Gᵀ dU G), dV = dM · Uᵀ (then dx += B dV Bᵀ, tiles overlapping by two pixels).
//
// Results equal the direct convolution's up to rounding, not bit for bit (tests compare them with the Float64
// general path). Blocks of whole images (about ``winogradTilesPerBlock`` tiles) are the chunks the two cores share;
// each chunk's weight gradient is summed on its own and the chunks are added in order, so results do not depend on
// which core ran what.

extension Kernels {
    /// Tiles per chunk of images: a chunk's transformed tiles and products, 16 · tiles · (C + F) Floats, stay in
    /// its core's L2 cache (768 KB for 32 → 64 channels), and OpenBLAS ran its [tiles, 32] · [32, 64] products
    /// fastest at about this many rows (110–117 GFLOP/s at 125, 60–70 at 500 and more; `/tmp` program like
    /// `tools/gemm-shapes.c`).
    static let winogradTilesPerBlock = 128
    /// Chunks of images the two cores share out: each chunk sums its own weight gradient over its blocks, 16·C·F
    /// Floats (128 KB for 32 → 64 channels) that are then added up in chunk order, so few chunks; yet enough that
    /// the core that runs ahead takes more of them.
    static let winogradChunks = 8

    /// True when ``winogradConvMaxPool2x2(_:_:_:_:winners:_:_:filters:activation:)`` can run a convolution and its
    /// max pooling: Float, a 3×3 window of stride 1 and no dilation inside the image for every output pixel, 16·k
    /// input channels and filters, and 2×2 pooling windows of stride 2 tiling the (cropped) convolution output.
    static func winogradApplies<T: TensorScalar>(_: T.Type, _ g: WindowGeometry, _ pool: WindowGeometry,
                                                 filters f: Int) -> Bool {
        T.self == Float.self && g.kernelHeight == 3 && g.kernelWidth == 3 && g.channels % 16 == 0 && f % 16 == 0
            && g.strideY == 1 && g.strideX == 1 && g.dilationY == 1 && g.dilationX == 1
            && g.outputHeight > 0 && g.outputWidth > 0 && g.outputHeight % 2 == 0 && g.outputWidth % 2 == 0
            && g.isInterior(oy: 0, ox: 0) && g.isInterior(oy: g.outputHeight - 1, ox: g.outputWidth - 1)
            && pool.kernelHeight == 2 && pool.kernelWidth == 2 && pool.poolWindowsTileTheImage
    }

    /// `pooled` = maxPool2×2(activation(conv(x, w) + bias)) and each pooled value's winning tap (0 top-left,
    /// 1 top-right, 2 bottom-left, 3 bottom-right: ``maxPool(_:_:_:winners:)``'s code), through F(2×2, 3×3).
    static func winogradConvMaxPool2x2(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                                       _ pooled: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<Float>,
                                       _ g: WindowGeometry, _ pool: WindowGeometry, filters f: Int,
                                       activation: FusedActivation) {
        switch activation {
        case .identity: winogradConvMaxPool2x2(IdentityVector.self, x, w, bias, pooled, winners, g, f)
        case .relu: winogradConvMaxPool2x2(ReLUVector.self, x, w, bias, pooled, winners, g, f)
        case .tanh: winogradConvMaxPool2x2(TanhVector.self, x, w, bias, pooled, winners, g, f)
        case .sigmoid: winogradConvMaxPool2x2(SigmoidVector.self, x, w, bias, pooled, winners, g, f)
        }
    }

    private static func winogradConvMaxPool2x2<A: VectorActivation>(_: A.Type, _ x: UnsafePointer<Float>,
                                                                    _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                                                                    _ pooled: UnsafeMutablePointer<Float>,
                                                                    _ winners: UnsafeMutablePointer<Float>,
                                                                    _ g: WindowGeometry, _ f: Int) {
        let plan = WinogradPlan(g, filters: f), c = g.channels
        let u = UnsafeMutablePointer<Float>.allocate(capacity: 16 * c * f)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * plan.scratchPerPart)
        defer { u.deallocate(); scratch.deallocate() }
        winogradKernel(w, u, channels: c, filters: f)
        plan.forEachBlock { part, _, _, images in
            let tiles = images.count * plan.tilesPerImage, first = images.lowerBound * plan.tilesPerImage
            let v = scratch + part * plan.scratchPerPart, m = v + 16 * plan.largestBlockTiles * c
            winogradInputTiles(x, v, plan, images: images)
            for e in 0..<16 {
                BLAS.serialGemm(transposeA: false, transposeB: false, m: tiles, n: f, k: c, a: v + e * tiles * c, lda: c,
                                b: u + e * c * f, ldb: f, c: m + e * tiles * f, ldc: f)
            }
            // Tile t of the block is pooled value first + t: tiles run over (image, row, column) as pooled values do.
            let slice = tiles * f
            for t in 0..<tiles {
                for k in stride(from: 0, to: f, by: 16) {
                    let p = UnsafePointer(m + (t * f + k))
                    let (y00, y01, y10, y11) = outputTransform(loadRow(p, slice), loadRow(p + 4 * slice, slice),
                                                               loadRow(p + 8 * slice, slice), loadRow(p + 12 * slice, slice))
                    let b: SIMD16<Float> = bias.map { ($0 + k).loadVector() } ?? SIMD16()
                    var best = A.apply(y00 + b), tap = SIMD16<Float>()
                    keepMax(&best, &tap, A.apply(y01 + b), 1)
                    keepMax(&best, &tap, A.apply(y10 + b), 2)
                    keepMax(&best, &tap, A.apply(y11 + b), 3)
                    let o = (first + t) * f + k
                    (pooled + o).storeVector(best)
                    (winners + o).storeVector(tap)
                }
            }
        }
    }

    /// The gradients of ``winogradConvMaxPool2x2(_:_:_:_:winners:_:_:filters:activation:)`` for the pooled values'
    /// gradient `dPooled`: `dx` (cleared here, so it may start uninitialised), `dw` and `db`, each computed only when
    /// its pointer is given. Each pooled gradient, times the activation's derivative at the pooled value, is its
    /// winner's output gradient (the window's other three get zero).
    static func winogradConvMaxPool2x2Backward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                               pooled: UnsafePointer<Float>, dPooled: UnsafePointer<Float>,
                                               winners: UnsafePointer<Float>, activation: FusedActivation,
                                               dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
                                               db: UnsafeMutablePointer<Float>?, _ g: WindowGeometry, filters f: Int) {
        let plan = WinogradPlan(g, filters: f), c = g.channels
        let transformed = 16 * c * f, partSize = transformed + f
        let u = UnsafeMutablePointer<Float>.allocate(capacity: transformed)   // Uᵀ
        let partials: UnsafeMutablePointer<Float> = allocatePartialSums(plan.chunks * partSize)
        let perPart = plan.scratchPerPart + plan.largestBlockTiles * f
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * perPart)
        defer { u.deallocate(); partials.deallocate(); scratch.deallocate() }
        if dx != nil {
            // Uᵀ [16, F, C], so that dV = dM · Uᵀ is a plain product: OpenBLAS packs both operands of a product with
            // a transposed B, and at these sizes that ran at half the speed of its unpacked kernel.
            let transform = UnsafeMutablePointer<Float>.allocate(capacity: transformed)
            defer { transform.deallocate() }
            winogradKernel(w, transform, channels: c, filters: f)
            for e in 0..<16 {
                let from = transform + e * c * f, to = u + e * c * f
                for i in 0..<c { for j in 0..<f { to[j * c + i] = from[i * f + j] } }
            }
        }
        plan.forEachBlock { part, chunk, firstBlock, images in
            let tiles = images.count * plan.tilesPerImage, first = images.lowerBound * plan.tilesPerImage
            let v = scratch + part * perPart, m = v + 16 * plan.largestBlockTiles * c
            let share = m + 16 * plan.largestBlockTiles * f
            let duPart = partials + chunk * partSize, dbPart = duPart + transformed
            activationGradient(dPooled + first * f, pooled + first * f, share, tiles * f, activation)
            if firstBlock { dbPart.initialize(repeating: 0, count: f) }
            // dM = A dY Aᵀ, dY being the winner's gradient in its corner of the 2×2 output and zero elsewhere.
            let slice = tiles * f
            for t in 0..<tiles {
                for k in stride(from: 0, to: f, by: 16) {
                    let won: SIMD16<Float> = (winners + ((first + t) * f + k)).loadVector()
                    let s: SIMD16<Float> = (share + (t * f + k)).loadVector(), zero = SIMD16<Float>()
                    (dbPart + k).storeVector((dbPart + k).loadVector(SIMD16<Float>.self) + s)
                    let (r0, r1, r2, r3) = outputTransformAdjoint(zero.replacing(with: s, where: won .== 0),
                                                                  zero.replacing(with: s, where: won .== 1),
                                                                  zero.replacing(with: s, where: won .== 2),
                                                                  zero.replacing(with: s, where: won .== 3))
                    let out = m + (t * f + k)
                    storeRow(r0, out, slice); storeRow(r1, out + 4 * slice, slice)
                    storeRow(r2, out + 8 * slice, slice); storeRow(r3, out + 12 * slice, slice)
                }
            }
            if dw != nil {
                winogradInputTiles(x, v, plan, images: images)
                for e in 0..<16 {
                    BLAS.serialGemm(transposeA: true, transposeB: false, m: c, n: f, k: tiles, a: v + e * tiles * c, lda: c,
                                    b: m + e * tiles * f, ldb: f, c: duPart + e * c * f, ldc: f, beta: firstBlock ? 0 : 1)
                }
            }
            if let dx {
                for e in 0..<16 {
                    BLAS.serialGemm(transposeA: false, transposeB: false, m: tiles, n: c, k: f, a: m + e * tiles * f, lda: f,
                                    b: u + e * c * f, ldb: c, c: v + e * tiles * c, ldc: c)
                }
                winogradScatterInputGradient(v, dx, plan, images: images)
            }
        }
        if let dw {
            // The chunks' sums added in chunk order and transformed back, each core taking half of the
            // (channel, filter) pairs.
            let du = UnsafeMutablePointer<Float>.allocate(capacity: transformed)
            defer { du.deallocate() }
            let cf = c * f, middle = cf / 32 * 16
            Parallel.both { half in
                let pairs = half == 0 ? 0..<middle : middle..<cf
                for e in 0..<16 {
                    sumParts(partials + (e * cf + pairs.lowerBound), stride: partSize, parts: plan.chunks, count: pairs.count,
                             into: du + (e * cf + pairs.lowerBound))
                }
                winogradKernelAdjoint(du, dw, channels: c, filters: f, pairs: pairs)
            }
        }
        if let db { sumParts(partials + transformed, stride: partSize, parts: plan.chunks, count: f, into: db) }
    }

    /// How a Winograd pass cuts its batch: 2×2 output tiles per image, ``winogradChunks`` chunks of images (fewer
    /// for small batches), each cut into blocks of whole images of about ``winogradTilesPerBlock`` tiles, and each
    /// core's scratch room.
    private struct WinogradPlan {
        let g: WindowGeometry
        let tilesWide: Int, tilesPerImage: Int
        let chunks: Int, largestBlockTiles: Int
        /// Transformed tiles V [16, tiles, C], then products M [16, tiles, F].
        let scratchPerPart: Int
        let workPerImage: Int

        init(_ g: WindowGeometry, filters f: Int) {
            self.g = g
            tilesWide = g.outputWidth / 2
            tilesPerImage = g.outputHeight / 2 * tilesWide
            let imagesPerBlock = Swift.max(1, (winogradTilesPerBlock + tilesPerImage / 2) / tilesPerImage)
            chunks = Swift.max(1, Swift.min(winogradChunks, g.batch / imagesPerBlock))
            // Chunks have ⌊N / chunks⌋ or ⌈N / chunks⌉ images, blocks ⌊n / blocks⌋ or ⌈n / blocks⌉ of a chunk's n.
            var largest = 0
            for n in [g.batch / chunks, (g.batch + chunks - 1) / chunks] {
                let blocks = WinogradPlan.blocks(n, tilesPerImage: tilesPerImage)
                largest = Swift.max(largest, (n + blocks - 1) / blocks)
            }
            largestBlockTiles = largest * tilesPerImage
            scratchPerPart = 16 * largestBlockTiles * (g.channels + f)
            workPerImage = 32 * tilesPerImage * g.channels * f
        }

        /// Blocks in a chunk of `images`: as many as hold about ``winogradTilesPerBlock`` tiles each.
        static func blocks(_ images: Int, tilesPerImage: Int) -> Int {
            Swift.max(1, images * tilesPerImage / winogradTilesPerBlock)
        }

        /// Calls `body(part, chunk, firstBlock, images)` for each block: chunks shared between the cores (`part`
        /// names the core), each chunk's blocks in order, `firstBlock` true for a chunk's first.
        func forEachBlock(_ body: (_ part: Int, _ chunk: Int, _ firstBlock: Bool, _ images: Range<Int>) -> Void) {
            Parallel.forEachChunk(g.batch, chunks: chunks, workPerItem: workPerImage, minimumWork: 1 << 16) { part, chunk, images in
                let blocks = WinogradPlan.blocks(images.count, tilesPerImage: tilesPerImage)
                for b in 0..<blocks {
                    let start = images.lowerBound + images.count * b / blocks, end = images.lowerBound + images.count * (b + 1) / blocks
                    body(part, chunk, b == 0, start..<end)
                }
            }
        }

        /// Calls `body(t, origin)` for the tiles of `images` in order: t from 0, origin the flat input offset of
        /// the tile's top-left pixel.
        @inline(__always)
        func forEachTile(of images: Range<Int>, _ body: (Int, Int) -> Void) {
            var t = 0
            for n in images {
                for ty in 0..<tilesPerImage / tilesWide {
                    for tx in 0..<tilesWide {
                        body(t, g.windowOrigin(n: n, oy: 2 * ty, ox: 2 * tx))
                        t += 1
                    }
                }
            }
        }
    }

    /// V [16, tiles, C] = Bᵀ d B for each tile d of `images` and channel.
    private static func winogradInputTiles(_ x: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                                           _ plan: WinogradPlan, images: Range<Int>) {
        let c = plan.g.channels, down = plan.g.width * c, tiles = images.count * plan.tilesPerImage
        let slice = tiles * c   // from one tile position's matrix to the next
        plan.forEachTile(of: images) { t, origin in
            for k in stride(from: 0, to: c, by: 16) {
                let d = x + (origin + k), out = v + (t * c + k)
                let (v0, v1, v2, v3) = inputTransform(loadRow(d, c), loadRow(d + down, c), loadRow(d + 2 * down, c),
                                                      loadRow(d + 3 * down, c))
                storeRow(v0, out, slice); storeRow(v1, out + 4 * slice, slice)
                storeRow(v2, out + 8 * slice, slice); storeRow(v3, out + 12 * slice, slice)
            }
        }
    }

    /// dx of `images` = Σ over tiles of B dV Bᵀ at the tile's place (`dv` [16, tiles, C]); pixels no tile covers
    /// (rows and columns a cropped convolution does not read) get zero.
    private static func winogradScatterInputGradient(_ dv: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                                     _ plan: WinogradPlan, images: Range<Int>) {
        let g = plan.g, c = g.channels, down = g.width * c, tiles = images.count * plan.tilesPerImage
        let imageSize = g.height * down
        (dx + images.lowerBound * imageSize).update(repeating: 0, count: images.count * imageSize)
        let slice = tiles * c
        plan.forEachTile(of: images) { t, origin in
            for k in stride(from: 0, to: c, by: 16) {
                let d = dv + (t * c + k), out = dx + (origin + k)
                let (r0, r1, r2, r3) = inputTransformAdjoint(loadRow(d, slice), loadRow(d + 4 * slice, slice),
                                                             loadRow(d + 8 * slice, slice), loadRow(d + 12 * slice, slice))
                storeRow(add(loadRow(out, c), r0), out, c)
                storeRow(add(loadRow(out + down, c), r1), out + down, c)
                storeRow(add(loadRow(out + 2 * down, c), r2), out + 2 * down, c)
                storeRow(add(loadRow(out + 3 * down, c), r3), out + 3 * down, c)
            }
        }
    }

    /// U [16, C, F] = G g Gᵀ for each (channel, filter) of `w` [3, 3, C, F].
    private static func winogradKernel(_ w: UnsafePointer<Float>, _ u: UnsafeMutablePointer<Float>, channels c: Int,
                                       filters f: Int) {
        let cf = c * f
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 12) { tile in
            let s = tile.baseAddress!   // G g: 4 rows of 3
            for i in stride(from: 0, to: cf, by: 16) {
                for j in 0..<3 {
                    (s[j], s[3 + j], s[6 + j], s[9 + j]) = kernelStep((w + (j * cf + i)).loadVector(),
                                                                      (w + ((3 + j) * cf + i)).loadVector(),
                                                                      (w + ((6 + j) * cf + i)).loadVector())
                }
                for r in 0..<4 {
                    let (a, b, c, d) = kernelStep(s[3 * r], s[3 * r + 1], s[3 * r + 2])
                    (u + ((4 * r) * cf + i)).storeVector(a)
                    (u + ((4 * r + 1) * cf + i)).storeVector(b)
                    (u + ((4 * r + 2) * cf + i)).storeVector(c)
                    (u + ((4 * r + 3) * cf + i)).storeVector(d)
                }
            }
        }
    }

    /// dw [3, 3, C, F] = Gᵀ dU G for the (channel, filter) pairs `pairs` (flat, multiples of 16) of `du` [16, C, F].
    private static func winogradKernelAdjoint(_ du: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>,
                                              channels c: Int, filters f: Int, pairs: Range<Int>) {
        let cf = c * f
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 12) { tile in
            let s = tile.baseAddress!   // Gᵀ dU: 3 rows of 4
            for i in stride(from: pairs.lowerBound, to: pairs.upperBound, by: 16) {
                for j in 0..<4 {
                    (s[j], s[4 + j], s[8 + j]) = kernelStepAdjoint((du + (j * cf + i)).loadVector(),
                                                                   (du + ((4 + j) * cf + i)).loadVector(),
                                                                   (du + ((8 + j) * cf + i)).loadVector(),
                                                                   (du + ((12 + j) * cf + i)).loadVector())
                }
                for r in 0..<3 {
                    let (a, b, d) = kernelStepAdjoint(s[4 * r], s[4 * r + 1], s[4 * r + 2], s[4 * r + 3])
                    (dw + ((3 * r) * cf + i)).storeVector(a)
                    (dw + ((3 * r + 1) * cf + i)).storeVector(b)
                    (dw + ((3 * r + 2) * cf + i)).storeVector(d)
                }
            }
        }
    }

    // The transforms, in vector registers: a tile is four rows of four vectors (16 channels or filters each);
    // each 2-D transform combines the rows (its 1-D step down the columns), then applies the step within each row.

    typealias Row = (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>)

    @inline(__always) private static func add(_ a: Row, _ b: Row) -> Row { (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3) }
    @inline(__always) private static func sub(_ a: Row, _ b: Row) -> Row { (a.0 - b.0, a.1 - b.1, a.2 - b.2, a.3 - b.3) }
    @inline(__always) private static func negate(_ a: Row) -> Row { (-a.0, -a.1, -a.2, -a.3) }

    /// Four vectors `step` Floats apart from `p`.
    @inline(__always)
    private static func loadRow(_ p: UnsafePointer<Float>, _ step: Int) -> Row {
        (p.loadVector(), (p + step).loadVector(), (p + 2 * step).loadVector(), (p + 3 * step).loadVector())
    }

    @inline(__always)
    private static func storeRow(_ r: Row, _ p: UnsafeMutablePointer<Float>, _ step: Int) {
        p.storeVector(r.0); (p + step).storeVector(r.1); (p + 2 * step).storeVector(r.2); (p + 3 * step).storeVector(r.3)
    }

    /// Bᵀ applied to (a, b, c, d): (a − c, b + c, c − b, b − d).
    @inline(__always)
    private static func inputStep(_ r: Row) -> Row { (r.0 - r.2, r.1 + r.2, r.2 - r.1, r.1 - r.3) }

    /// B applied to (a, b, c, d): (a, b − c + d, b + c − a, −d), the adjoint of ``inputStep(_:)``.
    @inline(__always)
    private static func inputStepAdjoint(_ r: Row) -> Row { (r.0, r.1 - r.2 + r.3, r.1 + r.2 - r.0, -r.3) }

    /// Bᵀ d B of the 4×4 tile with rows d0…d3.
    @inline(__always)
    private static func inputTransform(_ d0: Row, _ d1: Row, _ d2: Row, _ d3: Row) -> (Row, Row, Row, Row) {
        (inputStep(sub(d0, d2)), inputStep(add(d1, d2)), inputStep(sub(d2, d1)), inputStep(sub(d1, d3)))
    }

    /// B d Bᵀ: the adjoint of ``inputTransform(_:_:_:_:)``.
    @inline(__always)
    private static func inputTransformAdjoint(_ d0: Row, _ d1: Row, _ d2: Row, _ d3: Row) -> (Row, Row, Row, Row) {
        (inputStepAdjoint(d0), inputStepAdjoint(add(sub(d1, d2), d3)), inputStepAdjoint(sub(add(d1, d2), d0)),
         inputStepAdjoint(negate(d3)))
    }

    /// Aᵀ m A of the 4×4 tile of products with rows m0…m3: the 2×2 outputs (top-left, top-right, bottom-left,
    /// bottom-right).
    @inline(__always)
    private static func outputTransform(_ m0: Row, _ m1: Row, _ m2: Row, _ m3: Row)
        -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        let top = add(add(m0, m1), m2), bottom = sub(sub(m1, m2), m3)
        return (top.0 + top.1 + top.2, top.1 - top.2 - top.3, bottom.0 + bottom.1 + bottom.2, bottom.1 - bottom.2 - bottom.3)
    }

    /// A dy Aᵀ for a 2×2 output gradient: the adjoint of ``outputTransform(_:_:_:_:)``, as four rows.
    @inline(__always)
    private static func outputTransformAdjoint(_ y00: SIMD16<Float>, _ y01: SIMD16<Float>, _ y10: SIMD16<Float>,
                                               _ y11: SIMD16<Float>) -> (Row, Row, Row, Row) {
        // (a, b) → (a, a + b, a − b, −b) down the two columns, then along each row.
        @inline(__always) func step(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> Row { (a, a + b, a - b, -b) }
        return (step(y00, y01), step(y00 + y10, y01 + y11), step(y00 - y10, y01 - y11), step(-y10, -y11))
    }

    /// G applied to (a, b, c): (a, (a + b + c)/2, (a − b + c)/2, c).
    @inline(__always)
    private static func kernelStep(_ a: SIMD16<Float>, _ b: SIMD16<Float>, _ c: SIMD16<Float>)
        -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        (a, (a + b + c) * 0.5, (a - b + c) * 0.5, c)
    }

    /// Gᵀ applied to (a, b, c, d): the adjoint of ``kernelStep(_:_:_:)``.
    @inline(__always)
    private static func kernelStepAdjoint(_ a: SIMD16<Float>, _ b: SIMD16<Float>, _ c: SIMD16<Float>, _ d: SIMD16<Float>)
        -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        (a + (b + c) * 0.5, (b - c) * 0.5, (b + c) * 0.5 + d)
    }
}
