/// Padding of a 2-D convolution or pooling window.
public enum Padding: Sendable, Equatable, Codable {
    /// No padding: windows stay inside the image.
    case valid
    /// Zero padding so that output size = ⌈input / stride⌉ (TensorFlow's rule; any odd pixel goes to bottom/right).
    case same
    /// Explicit rows/columns of zeros on each side.
    case explicit(top: Int, bottom: Int, left: Int, right: Int)
}

/// The sizes of one 2-D sliding-window op over an NHWC batch, with its validation.
public struct WindowGeometry: Sendable, Equatable {
    public let batch, height, width, channels: Int
    public let kernelHeight, kernelWidth: Int
    public let strideY, strideX, dilationY, dilationX: Int
    public let padTop, padLeft: Int
    public let outputHeight, outputWidth: Int

    /// Validates `input` [N, H, W, C] against a `kernel` window and computes the output size.
    public init(input: [Int], kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int) = (1, 1), padding: Padding,
                op: String) throws(ShapeError) {
        guard input.count == 4 else { throw ShapeError(op: op, "expects an NHWC input of rank 4, got shape \(input)") }
        guard kernel.0 > 0, kernel.1 > 0, stride.0 > 0, stride.1 > 0, dilation.0 > 0, dilation.1 > 0 else {
            throw ShapeError(op: op, "window \(kernel), stride \(stride) and dilation \(dilation) must be positive")
        }
        (batch, height, width, channels) = (input[0], input[1], input[2], input[3])
        (kernelHeight, kernelWidth) = kernel
        (strideY, strideX) = stride
        (dilationY, dilationX) = dilation
        let effectiveH = (kernel.0 - 1) * dilation.0 + 1, effectiveW = (kernel.1 - 1) * dilation.1 + 1
        let (top, bottom, left, right): (Int, Int, Int, Int)
        switch padding {
        case .valid: (top, bottom, left, right) = (0, 0, 0, 0)
        case .same:
            let oh = (height + stride.0 - 1) / stride.0, ow = (width + stride.1 - 1) / stride.1
            let ph = Swift.max((oh - 1) * stride.0 + effectiveH - height, 0)
            let pw = Swift.max((ow - 1) * stride.1 + effectiveW - width, 0)
            (top, bottom, left, right) = (ph / 2, ph - ph / 2, pw / 2, pw - pw / 2)
        case let .explicit(t, b, l, r):
            guard t >= 0, b >= 0, l >= 0, r >= 0 else { throw ShapeError(op: op, "padding must be ≥ 0, got \(padding)") }
            (top, bottom, left, right) = (t, b, l, r)
        }
        padTop = top
        padLeft = left
        let paddedH = height + top + bottom, paddedW = width + left + right
        guard paddedH >= effectiveH, paddedW >= effectiveW else {
            throw ShapeError(op: op, "window \(effectiveH)×\(effectiveW) does not fit input \(height)×\(width) with padding \(padding)")
        }
        outputHeight = (paddedH - effectiveH) / stride.0 + 1
        outputWidth = (paddedW - effectiveW) / stride.1 + 1
    }

    /// Calls `body(tap, inputOffset)` for each kernel tap of output pixel (n, oy, ox) that falls inside the image:
    /// `tap` = ky·kw + kx, `inputOffset` = the flat offset of that input pixel's first channel.
    @inline(__always)
    func forEachTap(n: Int, oy: Int, ox: Int, _ body: (Int, Int) -> Void) {
        for ky in 0..<kernelHeight {
            let iy = oy * strideY - padTop + ky * dilationY
            guard iy >= 0 && iy < height else { continue }
            for kx in 0..<kernelWidth {
                let ix = ox * strideX - padLeft + kx * dilationX
                guard ix >= 0 && ix < width else { continue }
                body(ky * kernelWidth + kx, ((n * height + iy) * width + ix) * channels)
            }
        }
    }

    /// Rows of the im2col matrix: one per output pixel.
    var patchCount: Int { batch * outputHeight * outputWidth }
    /// Columns of the im2col matrix: one per kernel tap and channel.
    var patchSize: Int { kernelHeight * kernelWidth * channels }
}

extension Kernels {
    /// Unfolds NHWC `x` into patches: row (n, oy, ox) holds the window's pixels in (ky, kx, c) order, zeros where
    /// the window hangs over the padding. Rows are split over both cores when there are many.
    static func im2col<T: TensorScalar>(_ x: UnsafePointer<T>, _ cols: UnsafeMutablePointer<T>, _ g: WindowGeometry) {
        let rowsPerImage = g.outputHeight * g.outputWidth
        Parallel.forItems(g.patchCount, workPerItem: g.patchSize, minimumWork: 1 << 18) { rows in
            for row in rows {
                let n = row / rowsPerImage, oy = (row % rowsPerImage) / g.outputWidth, ox = row % g.outputWidth
                let dst = cols + row * g.patchSize
                for ky in 0..<g.kernelHeight {
                    let iy = oy * g.strideY - g.padTop + ky * g.dilationY
                    for kx in 0..<g.kernelWidth {
                        let ix = ox * g.strideX - g.padLeft + kx * g.dilationX
                        let d = dst + (ky * g.kernelWidth + kx) * g.channels
                        // Plain loops: with few channels (1 in a grayscale first layer) a memcpy call per tap costs
                        // more than the copy.
                        if iy >= 0 && iy < g.height && ix >= 0 && ix < g.width {
                            let s = x + ((n * g.height + iy) * g.width + ix) * g.channels
                            for c in 0..<g.channels { d[c] = s[c] }
                        } else {
                            for c in 0..<g.channels { d[c] = 0 }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of im2col: adds each patch entry back onto the pixel it came from (`dx` must start at zero).
    /// Split by image over both cores, so no two threads add to the same pixel.
    static func col2im<T: TensorScalar>(_ cols: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, _ g: WindowGeometry) {
        let rowsPerImage = g.outputHeight * g.outputWidth
        let perImage = rowsPerImage * g.patchSize
        Parallel.forItems(g.batch, workPerItem: perImage, minimumWork: 1 << 18) { images in
            for n in images {
                for r in 0..<rowsPerImage {
                    let src = cols + (n * rowsPerImage + r) * g.patchSize
                    g.forEachTap(n: n, oy: r / g.outputWidth, ox: r % g.outputWidth) { tap, offset in
                        let s = src + tap * g.channels, d = dx + offset
                        for c in 0..<g.channels { d[c] += s[c] }
                    }
                }
            }
        }
    }

    /// Max pooling: the maximum over each window's valid pixels and, in `argmax`, the flat input index it came from
    /// (NaN wins). Channels are the inner loop, so each window position is one contiguous pass; images are split
    /// over both cores.
    static func maxPool<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ argmax: UnsafeMutablePointer<Int>,
                                         _ g: WindowGeometry) {
        let c = g.channels
        Parallel.forItems(g.batch, workPerItem: g.outputHeight * g.outputWidth * c * g.kernelHeight * g.kernelWidth,
                          minimumWork: 1 << 18) { images in
            for n in images {
                for oy in 0..<g.outputHeight {
                    for ox in 0..<g.outputWidth {
                        let o = ((n * g.outputHeight + oy) * g.outputWidth + ox) * c
                        let best = y + o, at = argmax + o
                        var first = true
                        for ky in 0..<g.kernelHeight {
                            let iy = oy * g.strideY - g.padTop + ky
                            guard iy >= 0 && iy < g.height else { continue }
                            for kx in 0..<g.kernelWidth {
                                let ix = ox * g.strideX - g.padLeft + kx
                                guard ix >= 0 && ix < g.width else { continue }
                                let base = ((n * g.height + iy) * g.width + ix) * c
                                let p = x + base
                                if first {
                                    for k in 0..<c { best[k] = p[k]; at[k] = base + k }
                                    first = false
                                } else {
                                    // `v != v` is NaN: a NaN replaces a number; a NaN already kept stays.
                                    for k in 0..<c {
                                        let v = p[k]
                                        let take = v > best[k] || v != v
                                        best[k] = take ? v : best[k]
                                        at[k] = take ? base + k : at[k]
                                    }
                                }
                            }
                        }
                        if first { for k in 0..<c { best[k] = -T.infinity; at[k] = -1 } }
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
                    let y0 = oy * g.strideY - g.padTop, x0 = ox * g.strideX - g.padLeft
                    for iy in Swift.max(y0, 0)..<Swift.min(y0 + g.kernelHeight, g.height) {
                        for ix in Swift.max(x0, 0)..<Swift.min(x0 + g.kernelWidth, g.width) {
                            pixels.append(((n * g.height + iy) * g.width + ix) * g.channels)
                        }
                    }
                    body(((n * g.outputHeight + oy) * g.outputWidth + ox) * g.channels, pixels, Swift.max(pixels.count, 1))
                }
            }
        }
    }
}

extension Kernels {
    /// Direct convolution for small windows (kh·kw·C taps, e.g. a grayscale first layer): each output pixel's
    /// `filters` values accumulate tap by tap, the filter loop contiguous and vectorised. Avoids materialising
    /// im2col rows of a few values and a GEMM with a tiny inner dimension. Split by image over both cores.
    static func directConv<T: TensorScalar>(_ x: UnsafePointer<T>, _ w: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                            _ g: WindowGeometry, filters f: Int) {
        let perImage = g.outputHeight * g.outputWidth
        Parallel.forItems(g.batch, workPerItem: perImage * g.patchSize * f, minimumWork: 1 << 18) { images in
            for n in images {
                for r in 0..<perImage {
                    let out = y + (n * perImage + r) * f
                    for k in 0..<f { out[k] = 0 }
                    g.forEachTap(n: n, oy: r / g.outputWidth, ox: r % g.outputWidth) { tap, offset in
                        let src = x + offset, taps = w + tap * g.channels * f
                        for c in 0..<g.channels {
                            let v = src[c]
                            let row = taps + c * f
                            for k in 0..<f { out[k] += v * row[k] }
                        }
                    }
                }
            }
        }
    }
}
