import Glibc
import TensorModule

/// One random image transformation of ``ImageAugmentation``. Geometric ones use nearest-neighbour sampling about
/// the image centre with zero fill, so integer shifts and quarter turns move pixels exactly.
public enum ImageTransform: Sendable, Equatable {
    /// A shift by a whole number of pixels in [−maxPixels, maxPixels], independently in x and y.
    case translation(maxPixels: Int)
    /// A rotation by an angle in [−maxDegrees, maxDegrees] (the digits example's "shift 15°").
    case rotation(maxDegrees: Double)
    /// A scaling by a factor drawn from [minimum, maximum] (> 1 zooms in).
    case zoom(minimum: Double, maximum: Double)
    /// A left–right mirror with probability ½.
    case horizontalFlip
    /// Gaussian noise added to every pixel.
    case gaussianNoise(standardDeviation: Double)
    /// A square of side `size` set to zero at a random place (DeVries & Taylor, 2017).
    case cutout(size: Int)
}

/// Data augmentation applied on the fly to each training batch: a composable list of random transforms, drawn from
/// a seeded generator (same seed → same augmented batches). Images are NHWC; a flat batch [N, H·W·C] is reshaped
/// with `imageShape` and given back flat.
///
/// ```swift
/// let augment = ImageAugmentation([.translation(maxPixels: 2), .rotation(maxDegrees: 15)], imageShape: [28, 28, 1], seed: 1)
/// trainer.augmentation = augment
/// ```
public final class ImageAugmentation: BatchAugmentation, @unchecked Sendable {
    public let transforms: [ImageTransform]
    public let imageShape: [Int]?
    public var generator: RandomGenerator

    public init(_ transforms: [ImageTransform], imageShape: [Int]? = nil, seed: UInt64 = 0) {
        self.transforms = transforms
        self.imageShape = imageShape
        generator = RandomGenerator(seed: seed)
    }

    public func callAsFunction(_ batch: Tensor) -> Tensor {
        let images = imageShape.map { batch.reshaped(to: [batch.shape[0]] + $0) } ?? batch
        require(images.rank == 4, "ImageAugmentation: expected NHWC images, got shape \(images.shape)")
        let out = withoutGradient { augment(images.converted(to: .float64)).converted(to: batch.dtype) }
        return imageShape == nil ? out : out.reshaped(to: batch.shape)
    }

    private func augment(_ x: Tensor) -> Tensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let src = x.values
        var dst = [Double](repeating: 0, count: src.count)
        for i in 0..<n {
            var angle = 0.0, scale = 1.0, shiftX = 0.0, shiftY = 0.0, flip = false
            var noise = 0.0, cut: (Int, Int, Int)? = nil
            for t in transforms {
                switch t {
                case .translation(let m):
                    shiftX = Double(Int(generator.next() % UInt64(2 * m + 1)) - m)
                    shiftY = Double(Int(generator.next() % UInt64(2 * m + 1)) - m)
                case .rotation(let d): angle = (generator.nextUniform() * 2 - 1) * d
                case let .zoom(lo, hi): scale = lo + (hi - lo) * generator.nextUniform()
                case .horizontalFlip: flip = generator.nextUniform() < 0.5
                case .gaussianNoise(let s): noise = s
                case .cutout(let size):
                    cut = (Int(generator.next() % UInt64(h)), Int(generator.next() % UInt64(w)), size)
                }
            }
            let image = Array(src[(i * h * w * c)..<((i + 1) * h * w * c)])
            var warped = ImageAugmentation.warp(image, height: h, width: w, channels: c, degrees: angle, scale: scale,
                                                shift: (shiftX, shiftY), flip: flip)
            if noise > 0 { for k in warped.indices { warped[k] += generator.nextNormal() * noise } }
            if let (cy, cx, size) = cut {
                for y in Swift.max(cy - size / 2, 0)..<Swift.min(cy - size / 2 + size, h) {
                    for xx in Swift.max(cx - size / 2, 0)..<Swift.min(cx - size / 2 + size, w) {
                        for ch in 0..<c { warped[(y * w + xx) * c + ch] = 0 }
                    }
                }
            }
            dst.replaceSubrange((i * h * w * c)..<((i + 1) * h * w * c), with: warped)
        }
        return Tensor(shape: x.shape, values: dst, dtype: .float64)
    }

    /// One image warped: output pixel p samples input pixel R⁻¹·(p − centre − shift)/scale + centre, nearest
    /// neighbour, zero outside; then mirrored left–right if `flip`.
    public static func warp(_ image: [Double], height h: Int, width w: Int, channels c: Int, degrees: Double = 0,
                            scale: Double = 1, shift: (x: Double, y: Double) = (0, 0), flip: Bool = false) -> [Double] {
        var out = [Double](repeating: 0, count: image.count)
        let theta = degrees * .pi / 180
        let (cosT, sinT) = (cos(theta), sin(theta))
        let cy = Double(h - 1) / 2, cx = Double(w - 1) / 2
        for y in 0..<h {
            for x in 0..<w {
                let dx = (Double(x) - cx - shift.x) / scale, dy = (Double(y) - cy - shift.y) / scale
                let sx = (cosT * dx + sinT * dy + cx).rounded(), sy = (-sinT * dx + cosT * dy + cy).rounded()
                guard sx >= 0, sy >= 0, sx < Double(w), sy < Double(h) else { continue }
                let ox = flip ? w - 1 - x : x
                for ch in 0..<c { out[(y * w + ox) * c + ch] = image[(Int(sy) * w + Int(sx)) * c + ch] }
            }
        }
        return out
    }
}

extension ImageAugmentation {
    /// Every image of `batch` shifted by whole pixels and/or mirrored left–right, the same way (no randomness): one
    /// view for test-time augmentation. A flat batch [N, H·W·C] is read with `imageShape` and given back flat.
    ///
    /// ```swift
    /// let mirrored = ImageAugmentation.view(of: x, imageShape: [28, 28, 1], flip: true)
    /// ```
    public static func view(of batch: Tensor, imageShape: [Int], shift: (x: Int, y: Int) = (0, 0), flip: Bool = false) -> Tensor {
        require(imageShape.count == 3 && batch.count == batch.shape[0] * imageShape.reduce(1, *),
                "ImageAugmentation.view: batch \(batch.shape) does not hold images of shape \(imageShape)")
        let (h, w, c) = (imageShape[0], imageShape[1], imageShape[2])
        let size = h * w * c
        let src = batch.values
        var dst = [Double](repeating: 0, count: src.count)
        for i in 0..<batch.shape[0] {
            let warped = warp(Array(src[(i * size)..<((i + 1) * size)]), height: h, width: w, channels: c,
                              shift: (Double(shift.x), Double(shift.y)), flip: flip)
            dst.replaceSubrange((i * size)..<((i + 1) * size), with: warped)
        }
        return Tensor(shape: batch.shape, values: dst, dtype: batch.dtype)
    }
}

/// A random transformation of training batches (``ImageAugmentation``) that draws from its own generator, which a
/// checkpoint keeps.
///
/// ```swift
/// trainer.augmentation = ImageAugmentation([.horizontalFlip], imageShape: [28, 28, 1], seed: 1)
/// ```
public protocol BatchAugmentation: RandomStateHolder {
    /// The batch transformed (the first dimension is the batch).
    func callAsFunction(_ batch: Tensor) -> Tensor
}
