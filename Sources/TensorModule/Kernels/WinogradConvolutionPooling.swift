// A 3×3 convolution followed by 2×2 max pooling of stride 2 (the cnn preset's second layer) through Winograd's
// F(2×2, 3×3) (WinogradConvolution.swift): each tile's 2×2 block of outputs is exactly one pooling window, so the
// four outputs are activated and pooled in registers and the convolution's output is never stored. The backward
// pass sends each pooled gradient to its winner's corner of the tile.

extension Kernels {
    /// True when ``winogradConvMaxPool2x2(_:_:_:_:winners:_:_:filters:activation:)`` can run a convolution and its
    /// max pooling: ``winogradApplies(_:_:filters:)``, an even (cropped) output, and 2×2 pooling windows of stride 2
    /// tiling it.
    static func winogradApplies<T: TensorScalar>(_: T.Type, _ g: WindowGeometry, _ pool: WindowGeometry,
                                                 filters f: Int) -> Bool {
        winogradApplies(T.self, g, filters: f) && g.outputHeight % 2 == 0 && g.outputWidth % 2 == 0
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
        let plan = WinogradPlan(g, filters: f)
        winogradProducts(x, w, plan, filters: f) { images, m, tiles in
            // Tile t of the block is pooled value first + t: tiles run over (image, row, column) as pooled values do.
            let slice = tiles * f, first = images.lowerBound * plan.tilesPerImage
            for t in 0..<tiles {
                for k in stride(from: 0, to: f, by: 16) {
                    let p = m + (t * f + k)
                    let (y00, y01, y10, y11) = outputTransform(loadRow(p, slice), loadRow(p + 4 * slice, slice),
                                                               loadRow(p + 8 * slice, slice), loadRow(p + 12 * slice, slice))
                    let b: SIMD16<Float> = bias.map { ($0 + k).loadVector() } ?? SIMD16()
                    let o = (first + t) * f + k
                    poolActivated(A.self, y00 + b, y01 + b, y10 + b, y11 + b, into: pooled + o, winners: winners + o)
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
        let plan = WinogradPlan(g, filters: f)
        winogradGradients(x, w, dx: dx, dw: dw, db: db, plan, filters: f,
                          scratchPerImage: plan.tilesPerImage * f) { images, dm, tiles, db, share in
            let slice = tiles * f, first = images.lowerBound * plan.tilesPerImage
            activationGradient(dPooled + first * f, pooled + first * f, share, tiles * f, activation)
            for t in 0..<tiles {
                for k in stride(from: 0, to: f, by: 16) {
                    let won: SIMD16<Float> = (winners + ((first + t) * f + k)).loadVector()
                    let s: SIMD16<Float> = (share + (t * f + k)).loadVector(), zero = SIMD16<Float>()
                    (db + k).storeVector((db + k).loadVector(SIMD16<Float>.self) + s)
                    let (r0, r1, r2, r3) = outputTransformAdjoint(zero.replacing(with: s, where: won .== 0),
                                                                  zero.replacing(with: s, where: won .== 1),
                                                                  zero.replacing(with: s, where: won .== 2),
                                                                  zero.replacing(with: s, where: won .== 3))
                    let out = dm + (t * f + k)
                    storeRow(r0, out, slice); storeRow(r1, out + 4 * slice, slice)
                    storeRow(r2, out + 8 * slice, slice); storeRow(r3, out + 12 * slice, slice)
                }
            }
        }
    }
}
