// The small languages of `neuralkit`'s flags: --augment, --tta, --optimizer and --schedule. The library takes typed
// values; this file turns the flags' text into them, with errors that name the flag.

import FileIO
import NeuralKit

enum FlagSyntax {
    /// `--augment`: comma-separated `translate=PIXELS`, `rotate=DEGREES`, `zoom=MIN:MAX`, `flip`, `noise=STD`,
    /// `cutout=SIZE`.
    static func augmentation(_ text: String) throws -> [ImageTransform] {
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

    /// `--tta`: comma-separated `flip` and `translate=PIXELS`.
    static func testTimeViews(_ text: String) throws -> [TestTimeView] {
        try text.split(separator: ",").map { item throws -> TestTimeView in
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            switch parts[0] {
            case "flip" where parts.count == 1: return .flip
            case "translate":
                guard parts.count == 2, let d = Int(parts[1]) else { throw DataError(file: "--tta", "'\(item)' needs a pixel count") }
                return .translations(pixels: d)
            default: throw DataError(file: "--tta", "unknown view '\(item)' (flip, translate=PIXELS)")
            }
        }
    }

    /// `--optimizer`: a name of ``OptimizerRules/registry`` or its JSON.
    static func optimizer(_ text: String) throws -> any OptimizerRule {
        do { return try OptimizerRules.registry.decode(text: text, path: "$") } catch {
            throw DataError(file: "--optimizer", error.message)
        }
    }

    /// `--schedule`: `cosine` (over the whole run), `inverse-sqrt`, a name of ``LearningRateSchedule/registry`` or its
    /// JSON.
    static func schedule(_ text: String) throws -> RunConfiguration.Schedule {
        switch text {
        case "cosine": return .cosineOverTheRun
        case "inverse-sqrt": return .given(.inverseSquareRoot)
        default:
            do { return .given(try LearningRateSchedule.registry.decode(text: text, path: "$")) } catch {
                throw DataError(file: "--schedule", error.message)
            }
        }
    }
}
