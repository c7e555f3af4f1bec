// Parsers for the `neuralkit train` and `evaluate` options that are small languages of their own: augmentation,
// test-time views, optimizer and schedule names or JSON.

import Datasets
import FileIO
import Optimizers
import Persistence
import TensorModule

extension TrainingRun {
    /// Parses `--augment`: comma-separated `translate=PIXELS`, `rotate=DEGREES`, `zoom=MIN:MAX`, `flip`,
    /// `noise=STD`, `cutout=SIZE`.
    public static func augmentation(_ text: String) throws -> [ImageTransform] {
        var out: [ImageTransform] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            let value = parts.count == 2 ? parts[1] : nil
            func number() throws -> Double {
                guard let v = value.flatMap(Double.init), v >= 0, v.isFinite else {
                    throw DataError(file: "--augment", "'\(item)' needs a non-negative number")
                }
                return v
            }
            switch parts[0] {
            case "translate": out.append(.translation(maxPixels: Int(try number())))
            case "rotate": out.append(.rotation(maxDegrees: try number()))
            case "noise": out.append(.gaussianNoise(standardDeviation: try number()))
            case "cutout": out.append(.cutout(size: Int(try number())))
            case "flip": out.append(.horizontalFlip)
            case "zoom":
                let r = (value ?? "").split(separator: ":").compactMap { Double($0) }
                guard r.count == 2, r[0] > 0, r[1] >= r[0] else { throw DataError(file: "--augment", "zoom needs MIN:MAX, e.g. zoom=0.9:1.1") }
                out.append(.zoom(minimum: r[0], maximum: r[1]))
            default:
                throw DataError(file: "--augment", "unknown transform '\(parts[0])' (translate, rotate, zoom, flip, noise, cutout)")
            }
        }
        return out
    }

    /// Parses `--tta`: comma-separated `flip` (the mirrored images) and `translate=PIXELS` (the four shifts by that
    /// many pixels), views added to the original images for test-time augmentation. `data`'s examples must be
    /// images (``Dataset/imageShape``).
    ///
    /// ```swift
    /// let views = try TrainingRun.testTimeViews("flip,translate=1", for: digits)   // the original and 5 views
    /// ```
    public static func testTimeViews(_ text: String, for data: Dataset) throws -> [(Tensor) -> Tensor] {
        let image = try imageShape(of: data, for: "--tta")
        var views: [(Tensor) -> Tensor] = [{ $0 }]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            switch parts[0] {
            case "flip" where parts.count == 1:
                views.append { ImageAugmentation.view(of: $0, imageShape: image, flip: true) }
            case "translate":
                guard parts.count == 2, let d = Int(parts[1]), d > 0, d < Swift.min(image[0], image[1]) else {
                    throw DataError(file: "--tta", "'\(item)' needs a pixel count from 1 to \(Swift.min(image[0], image[1]) - 1)")
                }
                for shift in [(d, 0), (-d, 0), (0, d), (0, -d)] {
                    views.append { ImageAugmentation.view(of: $0, imageShape: image, shift: shift) }
                }
            default:
                throw DataError(file: "--tta", "unknown view '\(item)' (flip, translate=PIXELS)")
            }
        }
        return views
    }

    /// The examples' image shape [H, W, C] (``Dataset/imageShape``), for `option`, which needs images.
    static func imageShape(of data: Dataset, for option: String) throws -> [Int] {
        guard let image = data.imageShape else {
            throw DataError(file: option, "needs image examples; \(data.name)'s are table rows of shape \(data.exampleShape)")
        }
        return image
    }

    static func decodeOptimizer(_ text: String) throws -> any OptimizerRule {
        let json = text.hasPrefix("{") ? text : "\"\(text)\""
        let wrapped = #"{"input":[1],"layers":[],"loss":"meanSquaredError","optimizer":"# + json + "}"
        do { return try ModelSpec(json: Array(wrapped.utf8)).optimizer } catch {
            throw DataError(file: "--optimizer", error.message)
        }
    }

    static func decodeSchedule(_ text: String, totalSteps: Int) throws -> LearningRateSchedule {
        let named: [String: String] = [
            // Capped at the largest integer a spec holds: no run gets that far (--epochs 10^18 would).
            "cosine": #"{"type":"cosine","totalSteps":\#(Swift.min(totalSteps, 999_999_999_999_999))}"#,
            "inverse-sqrt": #""inverseSquareRoot""#,
        ]
        let json = named[text] ?? (text.hasPrefix("{") ? text : "\"\(text)\"")
        let wrapped = #"{"input":[1],"layers":[],"loss":"meanSquaredError","schedule":"# + json + "}"
        do { return try ModelSpec(json: Array(wrapped.utf8)).schedule } catch {
            throw DataError(file: "--schedule", error.message)
        }
    }
}
