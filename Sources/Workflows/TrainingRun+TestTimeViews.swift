// Test-time augmentation views for `neuralkit evaluate --tta` (the flag's text is read in the `neuralkit` target).

import Datasets
import FileIO
import TensorModule

/// A view of the test images that test-time augmentation averages over, besides the original.
public enum TestTimeView: Sendable, Equatable {
    /// The mirrored images.
    case flip
    /// The four shifts by this many pixels (up, down, left, right).
    case translations(pixels: Int)
}

extension TrainingRun {
    /// The original view followed by `views`, for `data`'s images (``Dataset/imageShape``); errors name `--tta`.
    ///
    /// ```swift
    /// let views = try TrainingRun.testTimeViews([.flip, .translations(pixels: 1)], for: digits)   // the original and 5 views
    /// ```
    public static func testTimeViews(_ views: [TestTimeView], for data: Dataset) throws -> [(Tensor) -> Tensor] {
        let image = try imageShape(of: data, for: "--tta")
        var out: [(Tensor) -> Tensor] = [{ $0 }]
        for view in views {
            switch view {
            case .flip:
                out.append { ImageAugmentation.view(of: $0, imageShape: image, flip: true) }
            case .translations(let d):
                guard d > 0, d < Swift.min(image[0], image[1]) else {
                    throw DataError(file: "--tta", "translate=\(d) needs a pixel count from 1 to \(Swift.min(image[0], image[1]) - 1)")
                }
                for shift in [(d, 0), (-d, 0), (0, d), (0, -d)] {
                    out.append { ImageAugmentation.view(of: $0, imageShape: image, shift: shift) }
                }
            }
        }
        return out
    }

    /// The examples' image shape [H, W, C] (``Dataset/imageShape``), for `option`, which needs images.
    static func imageShape(of data: Dataset, for option: String) throws -> [Int] {
        guard let image = data.imageShape else {
            throw DataError(file: option, "needs image examples; \(data.name)'s are table rows of shape \(data.exampleShape)")
        }
        return image
    }
}
