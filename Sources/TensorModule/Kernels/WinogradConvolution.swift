// 3×3 convolutions of stride 1 through Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, "Fast Algorithms
// for Convolutional Neural Networks", 2015). Each 2×2 block of outputs comes from one 4×4 tile of the input:
//
//     Y = Aᵀ [ Σ_c (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// The input tile's transform V = Bᵀ d B and the output transform take additions only (WinogradTransforms.swift);
// the kernel's U = G g Gᵀ is computed once per pass; the sum over channels, for each of the 16 tile positions, is
// one matrix product [tiles, C] · [C, F] through OpenBLAS. That is 16 multiplications per tile and (channel,
// filter) pair instead of 36: 2.25× fewer than im2col + GEMM. The backward pass is the adjoint of each step:
// dM = A dY Aᵀ, dU = Vᵀ · dM (then dw = Gᵀ dU G), dV = dM · Uᵀ (then dx += B dV Bᵀ, tiles overlapping by two
// pixels). Tiles hanging over the padding or past the image's edge read zeros there; outputs past the edge are
// dropped, and get no gradient.
//
// This file holds the engine (the batch's cut into blocks, the input tiles, the products) and the plain
// convolution, whose outputs are stored; WinogradConvolutionPooling.swift pools each 2×2 block of outputs in
// registers instead. Results equal the direct convolution's up to rounding, not bit for bit (tests compare them
// with the Float64 op, which takes the general path). Chunks of images are shared between the two cores; each
// chunk sums its own weight gradient and the chunks are added in order, so results do not depend on which core
// ran what.

extension Kernels {
    /// Tiles per block: a block's transformed tiles and products, 16 · tiles · (C + F) Floats, stay in its core's L2
    /// cache (768 KB for 32 → 64 channels), and OpenBLAS ran its [tiles, 32] · [32, 64] products fastest at about
    /// this many rows (110–117 GFLOP/s at 125, 60–70 at 500 and more; `/tmp` program like `tools/gemm-shapes.c`).
    static let winogradTilesPerBlock = 128
    /// Chunks of images the two cores share out: each chunk sums its own weight gradient over its blocks, 16·C·F
    /// Floats (128 KB for 32 → 64 channels) that are then added up in chunk order, so few chunks; yet enough that
    /// the core that runs ahead takes more of them.
    static let winogradChunks = 8
    /// Bytes the chunks' weight-gradient sums may take together: wide layers get fewer chunks (512 → 512 channels,
    /// 16 MB per chunk: 2 chunks).
    static let winogradPartialsBudget = 32 << 20

    /// True when a convolution can run through F(2×2, 3×3): Float, a 3×3 window of stride 1 and no dilation, and
    /// 16·k input channels and filters (any padding).
    static func winogradApplies<T: TensorScalar>(_: T.Type, _ g: WindowGeometry, filters f: Int) -> Bool {
        T.self == Float.self && g.kernelHeight == 3 && g.kernelWidth == 3 && g.channels % 16 == 0 && f % 16 == 0
            && g.strideY == 1 && g.strideX == 1 && g.dilationY == 1 && g.dilationX == 1
            && g.outputHeight > 0 && g.outputWidth > 0
    }

    /// `y` [N, OH, OW, F] = activation(conv(x, w) + bias) through F(2×2, 3×3).
    static func winogradConv(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                             _ y: UnsafeMutablePointer<Float>, _ g: WindowGeometry, filters f: Int,
                             activation: FusedActivation) {
        switch activation {
        case .identity: winogradConv(IdentityVector.self, x, w, bias, y, g, f)
        case .relu: winogradConv(ReLUVector.self, x, w, bias, y, g, f)
        case .tanh: winogradConv(TanhVector.self, x, w, bias, y, g, f)
        case .sigmoid: winogradConv(SigmoidVector.self, x, w, bias, y, g, f)
        }
    }

    private static func winogradConv<A: VectorActivation>(_: A.Type, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                                          _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>,
                                                          _ g: WindowGeometry, _ f: Int) {
        let plan = WinogradPlan(g, filters: f)
        winogradProducts(x, w, plan, filters: f) { images, m, tiles in
            let slice = tiles * f
            plan.forEachTile(of: images) { t, n, ty, tx in
                let rows = Swift.min(2, g.outputHeight - 2 * ty), columns = Swift.min(2, g.outputWidth - 2 * tx)
                for k in stride(from: 0, to: f, by: 16) {
                    let p = m + (t * f + k)
                    let (y00, y01, y10, y11) = outputTransform(loadRow(p, slice), loadRow(p + 4 * slice, slice),
                                                               loadRow(p + 8 * slice, slice), loadRow(p + 12 * slice, slice))
                    let b: SIMD16<Float> = bias.map { ($0 + k).loadVector() } ?? SIMD16()
                    let out = y + (((n * g.outputHeight + 2 * ty) * g.outputWidth + 2 * tx) * f + k)
                    out.storeVector(A.apply(y00 + b))
                    if columns == 2 { (out + f).storeVector(A.apply(y01 + b)) }
                    if rows == 2 {
                        let below = out + g.outputWidth * f
                        below.storeVector(A.apply(y10 + b))
                        if columns == 2 { (below + f).storeVector(A.apply(y11 + b)) }
                    }
                }
            }
        }
    }

    /// The gradients of ``winogradConv(_:_:_:_:_:filters:activation:)`` for the output gradient `dy`, the activation's
    /// derivative taken from the forward `output`: `dx` (cleared here, so it may start uninitialised), `dw` and
    /// `db`, each computed only when its pointer is given.
    static func winogradConvBackward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                     output: UnsafePointer<Float>, activation: FusedActivation,
                                     dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
                                     db: UnsafeMutablePointer<Float>?, _ g: WindowGeometry, filters f: Int) {
        let plan = WinogradPlan(g, filters: f), outputImage = g.outputHeight * g.outputWidth * f
        winogradGradients(x, w, dx: dx, dw: dw, db: db, plan, filters: f,
                          scratchPerImage: activation == .identity ? 0 : outputImage) { images, dm, tiles, db, scratch in
            // The block's gradient before the activation.
            let first = images.lowerBound * outputImage
            var dz = dy + first
            if activation != .identity {
                activationGradient(dz, output + first, scratch, images.count * outputImage, activation)
                dz = UnsafePointer(scratch)
            }
            let slice = tiles * f
            plan.forEachTile(of: images) { t, n, ty, tx in
                let rows = Swift.min(2, g.outputHeight - 2 * ty), columns = Swift.min(2, g.outputWidth - 2 * tx)
                for k in stride(from: 0, to: f, by: 16) {
                    let at = dz + ((((n - images.lowerBound) * g.outputHeight + 2 * ty) * g.outputWidth + 2 * tx) * f + k)
                    let below = at + g.outputWidth * f, zero = SIMD16<Float>()
                    let y00: SIMD16<Float> = at.loadVector(), y01 = columns == 2 ? (at + f).loadVector() : zero
                    let y10 = rows == 2 ? below.loadVector() : zero
                    let y11 = rows == 2 && columns == 2 ? (below + f).loadVector() : zero
                    (db + k).storeVector((db + k).loadVector(SIMD16<Float>.self) + ((y00 + y01) + (y10 + y11)))
                    let (r0, r1, r2, r3) = outputTransformAdjoint(y00, y01, y10, y11)
                    let out = dm + (t * f + k)
                    storeRow(r0, out, slice); storeRow(r1, out + 4 * slice, slice)
                    storeRow(r2, out + 8 * slice, slice); storeRow(r3, out + 12 * slice, slice)
                }
            }
        }
    }

    /// The forward engine: for each block of images, the products M [16, tiles, F] of its transformed tiles with
    /// the transformed kernel, handed to `emit(images, m, tiles)` for the output transform.
    static func winogradProducts(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ plan: WinogradPlan, filters f: Int,
                                 emit: (_ images: Range<Int>, _ m: UnsafePointer<Float>, _ tiles: Int) -> Void) {
        let c = plan.g.channels
        let u = UnsafeMutablePointer<Float>.allocate(capacity: 16 * c * f)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * plan.scratchPerPart)
        defer { u.deallocate(); scratch.deallocate() }
        winogradKernel(w, u, channels: c, filters: f)
        plan.forEachBlock { part, _, _, images in
            let tiles = images.count * plan.tilesPerImage
            let v = scratch + part * plan.scratchPerPart, m = v + 16 * plan.largestBlockTiles * c
            winogradInputTiles(x, v, plan, images: images)
            for e in 0..<16 {
                BLAS.serialGemm(transposeA: false, transposeB: false, m: tiles, n: f, k: c, a: v + e * tiles * c, lda: c,
                                b: u + e * c * f, ldb: f, c: m + e * tiles * f, ldc: f)
            }
            emit(images, m, tiles)
        }
    }

    /// The backward engine. For each block of images, `gradient(images, dm, tiles, db, scratch)` writes the
    /// block's dM [16, tiles, F] (A dY Aᵀ of each tile's output gradient) and adds its output gradients into `db`
    /// [F] (the chunk's sums); `scratch` has room for `scratchPerImage` Floats per image. Then dU = Vᵀ · dM and
    /// dV = dM · Uᵀ, transformed back into `dw` and `dx`.
    static func winogradGradients(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                  dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
                                  db: UnsafeMutablePointer<Float>?, _ plan: WinogradPlan, filters f: Int,
                                  scratchPerImage: Int,
                                  gradient: (_ images: Range<Int>, _ dm: UnsafeMutablePointer<Float>, _ tiles: Int,
                                             _ db: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>) -> Void) {
        let c = plan.g.channels, transformed = 16 * c * f, partSize = transformed + f
        let u = UnsafeMutablePointer<Float>.allocate(capacity: transformed)   // Uᵀ
        let partials: UnsafeMutablePointer<Float> = allocatePartialSums(plan.chunks * partSize)
        let perPart = plan.scratchPerPart + plan.largestBlockTiles / plan.tilesPerImage * scratchPerImage
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
            let tiles = images.count * plan.tilesPerImage
            let v = scratch + part * perPart, m = v + 16 * plan.largestBlockTiles * c
            let duPart = partials + chunk * partSize, dbPart = duPart + transformed
            if firstBlock { dbPart.initialize(repeating: 0, count: f) }
            gradient(images, m, tiles, dbPart, m + 16 * plan.largestBlockTiles * f)
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

    /// How a Winograd pass cuts its batch: 2×2 output tiles per image (the last row and column of tiles half
    /// outside an odd output), ``winogradChunks`` chunks of images (fewer for small batches and wide layers, see
    /// ``winogradPartialsBudget``), each cut into blocks
    /// of whole images of about ``winogradTilesPerBlock`` tiles, and each core's scratch room.
    struct WinogradPlan {
        let g: WindowGeometry
        let tilesHigh: Int, tilesWide: Int, tilesPerImage: Int
        let chunks: Int, largestBlockTiles: Int
        /// Transformed tiles V [16, tiles, C], then products M [16, tiles, F].
        let scratchPerPart: Int
        let workPerImage: Int

        init(_ g: WindowGeometry, filters f: Int) {
            self.g = g
            tilesHigh = (g.outputHeight + 1) / 2
            tilesWide = (g.outputWidth + 1) / 2
            tilesPerImage = tilesHigh * tilesWide
            let imagesPerBlock = Swift.max(1, (winogradTilesPerBlock + tilesPerImage / 2) / tilesPerImage)
            let partialBytes = 16 * g.channels * f * MemoryLayout<Float>.stride
            chunks = Swift.max(1, Swift.min(winogradChunks, g.batch / imagesPerBlock, winogradPartialsBudget / partialBytes))
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

        /// Calls `body(t, n, ty, tx)` for the tiles of `images` in order, t counting from 0: tile (ty, tx) of image
        /// n gives outputs (2ty, 2tx) to (2ty + 1, 2tx + 1).
        @inline(__always)
        func forEachTile(of images: Range<Int>, _ body: (_ t: Int, _ n: Int, _ ty: Int, _ tx: Int) -> Void) {
            var t = 0
            for n in images {
                for ty in 0..<tilesHigh {
                    for tx in 0..<tilesWide {
                        body(t, n, ty, tx)
                        t += 1
                    }
                }
            }
        }

        /// Whether tile (ty, tx)'s 4×4 input window lies inside the image (no padding or edge to skip).
        @inline(__always)
        func isInside(_ ty: Int, _ tx: Int) -> Bool {
            let iy = 2 * ty - g.padTop, ix = 2 * tx - g.padLeft
            return iy >= 0 && ix >= 0 && iy + 4 <= g.height && ix + 4 <= g.width
        }
    }

    /// V [16, tiles, C] = Bᵀ d B for each tile d of `images` and channel (zeros where d hangs outside the image).
    private static func winogradInputTiles(_ x: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                                           _ plan: WinogradPlan, images: Range<Int>) {
        let g = plan.g, c = g.channels, down = g.width * c, tiles = images.count * plan.tilesPerImage
        let slice = tiles * c   // from one tile position's matrix to the next
        plan.forEachTile(of: images) { t, n, ty, tx in
            let iy = 2 * ty - g.padTop, ix = 2 * tx - g.padLeft, inside = plan.isInside(ty, tx)
            for k in stride(from: 0, to: c, by: 16) {
                let out = v + (t * c + k)
                let rows: (Row, Row, Row, Row)
                if inside {
                    let d = x + (((n * g.height + iy) * g.width + ix) * c + k)
                    rows = (loadRow(d, c), loadRow(d + down, c), loadRow(d + 2 * down, c), loadRow(d + 3 * down, c))
                } else {
                    @inline(__always) func row(_ r: Int) -> Row {
                        @inline(__always) func at(_ s: Int) -> SIMD16<Float> {
                            let yy = iy + r, xx = ix + s
                            guard yy >= 0 && yy < g.height && xx >= 0 && xx < g.width else { return SIMD16() }
                            return (x + (((n * g.height + yy) * g.width + xx) * c + k)).loadVector()
                        }
                        return (at(0), at(1), at(2), at(3))
                    }
                    rows = (row(0), row(1), row(2), row(3))
                }
                let (v0, v1, v2, v3) = inputTransform(rows.0, rows.1, rows.2, rows.3)
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
        let imageSize = g.height * down, slice = tiles * c
        (dx + images.lowerBound * imageSize).update(repeating: 0, count: images.count * imageSize)
        plan.forEachTile(of: images) { t, n, ty, tx in
            let iy = 2 * ty - g.padTop, ix = 2 * tx - g.padLeft, inside = plan.isInside(ty, tx)
            for k in stride(from: 0, to: c, by: 16) {
                let d = dv + (t * c + k)
                let r = inputTransformAdjoint(loadRow(d, slice), loadRow(d + 4 * slice, slice),
                                              loadRow(d + 8 * slice, slice), loadRow(d + 12 * slice, slice))
                if inside {
                    let out = dx + (((n * g.height + iy) * g.width + ix) * c + k)
                    storeRow(rowPlus(loadRow(out, c), r.0), out, c)
                    storeRow(rowPlus(loadRow(out + down, c), r.1), out + down, c)
                    storeRow(rowPlus(loadRow(out + 2 * down, c), r.2), out + 2 * down, c)
                    storeRow(rowPlus(loadRow(out + 3 * down, c), r.3), out + 3 * down, c)
                } else {
                    @inline(__always) func addRow(_ i: Int, _ row: Row) {
                        guard iy + i >= 0 && iy + i < g.height else { return }
                        @inline(__always) func addAt(_ j: Int, _ value: SIMD16<Float>) {
                            guard ix + j >= 0 && ix + j < g.width else { return }
                            let p = dx + (((n * g.height + iy + i) * g.width + ix + j) * c + k)
                            p.storeVector(p.loadVector(SIMD16<Float>.self) + value)
                        }
                        addAt(0, row.0); addAt(1, row.1); addAt(2, row.2); addAt(3, row.3)
                    }
                    addRow(0, r.0); addRow(1, r.1); addRow(2, r.2); addRow(3, r.3)
                }
            }
        }
    }
}
