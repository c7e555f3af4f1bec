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
    public private(set) var batch: Int
    public let height, width, channels: Int
    public let kernelHeight, kernelWidth: Int
    public let strideY, strideX, dilationY, dilationX: Int
    public let padTop, padLeft: Int
    public private(set) var outputHeight: Int
    public private(set) var outputWidth: Int

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
        // The window's extent, (k − 1)·d + 1, computed without trapping on sizes no input can hold.
        let (spanH, overH) = (kernel.0 - 1).multipliedReportingOverflow(by: dilation.0)
        let (spanW, overW) = (kernel.1 - 1).multipliedReportingOverflow(by: dilation.1)
        guard !overH, !overW, spanH < Int.max / 4, spanW < Int.max / 4 else {
            throw ShapeError(op: op, "window \(kernel) with dilation \(dilation) is larger than any input")
        }
        let effectiveH = spanH + 1, effectiveW = spanW + 1
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

    /// Calls `body(tap, inputOffset)` for each tap of output pixel (n, oy, ox)'s window (a convolution kernel's or a
    /// pooling window's) that falls inside the image, in row-major order: `tap` = ky·kw + kx, `inputOffset` = the
    /// flat offset of that input pixel's first channel.
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

    /// Where one kernel row (fixed ky) of an output pixel's window reads the input.
    enum WindowRow {
        /// All kw·C values are consecutive in the input, from this flat offset (inside the image, no dilation).
        case contiguous(Int)
        /// The row lies in the padding above or below the image.
        case padding
        /// Otherwise: visit the taps one by one; input row `iy` is inside the image.
        case taps(iy: Int)
    }

    /// Calls `body(ky, row)` for each kernel row of output pixel (n, oy, ox)'s window, saying where it reads.
    @inline(__always)
    func forEachWindowRow(n: Int, oy: Int, ox: Int, _ body: (Int, WindowRow) -> Void) {
        let ix = ox * strideX - padLeft
        let rowInside = dilationX == 1 && ix >= 0 && ix + kernelWidth <= width
        for ky in 0..<kernelHeight {
            let iy = oy * strideY - padTop + ky * dilationY
            if iy < 0 || iy >= height {
                body(ky, .padding)
            } else if rowInside {
                body(ky, .contiguous(((n * height + iy) * width + ix) * channels))
            } else {
                body(ky, .taps(iy: iy))
            }
        }
    }

    /// The same convolution computing only the top-left `height` × `width` output pixels (at most all of them).
    func croppingOutput(height: Int, width: Int) -> WindowGeometry {
        var g = self
        (g.outputHeight, g.outputWidth) = (Swift.min(height, outputHeight), Swift.min(width, outputWidth))
        return g
    }

    /// How many rows and columns of its input a pooling with this geometry reads, from the top left, when it has
    /// no top or left padding (else all of them): a 2×2 pool of an odd size never reads the last row and column.
    var inputExtentRead: (height: Int, width: Int) {
        guard padTop == 0 && padLeft == 0 else { return (height, width) }
        return (Swift.min(height, (outputHeight - 1) * strideY + (kernelHeight - 1) * dilationY + 1),
                Swift.min(width, (outputWidth - 1) * strideX + (kernelWidth - 1) * dilationX + 1))
    }

    /// The same window over `images` images.
    func withBatch(_ images: Int) -> WindowGeometry {
        var g = self
        g.batch = images
        return g
    }

    /// True when every tap of output pixel (oy, ox)'s window falls inside the image.
    @inline(__always)
    func isInterior(oy: Int, ox: Int) -> Bool {
        let iy = oy &* strideY &- padTop, ix = ox &* strideX &- padLeft
        return iy >= 0 && ix >= 0 && iy &+ (kernelHeight &- 1) &* dilationY < height && ix &+ (kernelWidth &- 1) &* dilationX < width
    }

    /// The flat offset of the top-left tap of output pixel (n, oy, ox)'s window (valid for interior windows).
    @inline(__always)
    func windowOrigin(n: Int, oy: Int, ox: Int) -> Int {
        ((n &* height &+ oy &* strideY &- padTop) &* width &+ ox &* strideX &- padLeft) &* channels
    }

    /// The offsets, from ``windowOrigin(n:oy:ox:)``, of a window's kh·kw·C values in (ky, kx, c) order: an interior
    /// window's patch is `x[origin + offsets[p]]` for p in 0..<patchSize.
    func patchOffsets() -> [Int] {
        var offsets: [Int] = []
        offsets.reserveCapacity(patchSize)
        for ky in 0..<kernelHeight {
            for kx in 0..<kernelWidth {
                for c in 0..<channels { offsets.append((ky * dilationY * width + kx * dilationX) * channels + c) }
            }
        }
        return offsets
    }

    /// True when pooling windows cover every pixel exactly once (no padding, stride = window, sizes divisible).
    var poolWindowsTileTheImage: Bool {
        padTop == 0 && padLeft == 0 && strideY == kernelHeight && strideX == kernelWidth && dilationY == 1 && dilationX == 1
            && outputHeight * kernelHeight == height && outputWidth * kernelWidth == width
    }

    /// Rows of the im2col matrix: one per output pixel.
    var patchCount: Int { batch * outputHeight * outputWidth }
    /// Columns of the im2col matrix: one per kernel tap and channel.
    var patchSize: Int { kernelHeight * kernelWidth * channels }
}
