import Foundation
import JSONCoding

/// A learning rate as a function of a step counter t = 0, 1, 2, … (optimizer updates, or epochs when a
/// ``LearningRateScheduler``-style callback drives it); η is the optimizer's base rate.
///
/// ```swift
/// let schedule = LearningRateSchedule.warmup(steps: 100, startFactor: 0.1, then: .cosine(totalSteps: 10_000, minimum: 0))
/// schedule.learningRate(base: 0.1, step: 50)
/// ```
public indirect enum LearningRateSchedule: Sendable, Equatable, Codable {
    /// η.
    case constant
    /// η·γ^⌊t/k⌋ (×γ every k steps).
    case stepDecay(factor: Double, stepSize: Int)
    /// η·γ^(number of milestones ≤ t).
    case multiStep(milestones: [Int], factor: Double)
    /// η·γ^t.
    case exponential(factor: Double)
    /// η / (1 + d·t/s).
    case inverseTime(decayRate: Double, decaySteps: Int)
    /// The lecture's 1/t decay: η / √(t + 1).
    case inverseSquareRoot
    /// η_min + (η − η_min)·(1 + cos(π·min(t, T)/T))/2.
    case cosine(totalSteps: Int, minimum: Double)
    /// SGDR: cosine decay restarting after periods T₀, T₀·m, T₀·m², …
    case cosineWarmRestarts(period: Int, periodFactor: Int, minimum: Double)
    /// Cyclic between η and `maximum`, a triangle of half-width `stepSize` (Smith, 2017).
    case triangular(maximum: Double, stepSize: Int)
    /// Like triangular, with the amplitude halved every cycle.
    case triangular2(maximum: Double, stepSize: Int)
    /// A linear ramp from startFactor·s(0) to s(0) over `steps`, then `then` shifted by `steps`.
    case warmup(steps: Int, startFactor: Double, then: LearningRateSchedule)

    /// The learning rate at step `t` for base rate `base`.
    public func learningRate(base: Double, step t: Int) -> Double {
        let t = Swift.max(t, 0)
        switch self {
        case .constant:
            return base
        case let .stepDecay(gamma, k):
            return base * pow(gamma, Double(t / Swift.max(k, 1)))
        case let .multiStep(milestones, gamma):
            return base * pow(gamma, Double(milestones.filter { $0 <= t }.count))
        case let .exponential(gamma):
            return base * pow(gamma, Double(t))
        case let .inverseTime(d, s):
            return base / (1 + d * Double(t) / Double(Swift.max(s, 1)))
        case .inverseSquareRoot:
            return base / Double(t + 1).squareRoot()
        case let .cosine(total, minimum):
            let progress = Double(Swift.min(t, total)) / Double(Swift.max(total, 1))
            return minimum + (base - minimum) * (1 + cos(Double.pi * progress)) / 2
        case let .cosineWarmRestarts(period, factor, minimum):
            let (position, length) = LearningRateSchedule.restartPosition(t, period: period, factor: factor)
            return minimum + (base - minimum) * (1 + cos(Double.pi * Double(position) / Double(length))) / 2
        case let .triangular(maximum, stepSize), let .triangular2(maximum, stepSize):
            let s = Double(Swift.max(stepSize, 1))
            let cycle = (1 + Double(t) / (2 * s)).rounded(.down)
            let x = Swift.abs(Double(t) / s - 2 * cycle + 1)
            var amplitude = (maximum - base) * Swift.max(0, 1 - x)
            if case .triangular2 = self { amplitude /= pow(2, cycle - 1) }
            return base + amplitude
        case let .warmup(steps, startFactor, then):
            if t < steps {
                let target = then.learningRate(base: base, step: 0)
                return target * (startFactor + (1 - startFactor) * Double(t) / Double(steps))
            }
            return then.learningRate(base: base, step: t - steps)
        }
    }

    /// Position within the current SGDR period and that period's length.
    static func restartPosition(_ t: Int, period: Int, factor: Int) -> (Int, Int) {
        var length = Swift.max(period, 1)
        var position = t
        while position >= length {
            position -= length
            length *= Swift.max(factor, 1)
        }
        return (position, length)
    }
}

// MARK: - JSON

extension LearningRateSchedule {
    /// Every schedule by its JSON name; the defaults of optional settings are written here only.
    public static let registry = Registry<LearningRateSchedule>(family: "schedule", [
        .init("constant") { _ in .constant },
        .init("stepDecay", fields: ["factor", "stepSize"]) { f throws(ConfigError) in
            .stepDecay(factor: try f.required("factor").double(), stepSize: try f.required("stepSize").int(minimum: 1))
        },
        .init("multiStep", fields: ["milestones", "factor"]) { f throws(ConfigError) in
            .multiStep(milestones: try f.required("milestones").ints(), factor: try f.required("factor").double())
        },
        .init("exponential", fields: ["factor"]) { f throws(ConfigError) in .exponential(factor: try f.required("factor").double()) },
        .init("inverseTime", fields: ["decayRate", "decaySteps"]) { f throws(ConfigError) in
            .inverseTime(decayRate: try f.required("decayRate").double(), decaySteps: try f.int("decaySteps", minimum: 1, default: 1))
        },
        .init("inverseSquareRoot") { _ in .inverseSquareRoot },
        .init("cosine", fields: ["totalSteps", "minimum"]) { f throws(ConfigError) in
            .cosine(totalSteps: try f.required("totalSteps").int(minimum: 1), minimum: try f.double("minimum", default: 0))
        },
        .init("cosineWarmRestarts", fields: ["period", "periodFactor", "minimum"]) { f throws(ConfigError) in
            .cosineWarmRestarts(period: try f.required("period").int(minimum: 1), periodFactor: try f.int("periodFactor", minimum: 1, default: 1),
                                minimum: try f.double("minimum", default: 0))
        },
        .init("triangular", fields: ["maximum", "stepSize"]) { f throws(ConfigError) in
            .triangular(maximum: try f.required("maximum").double(), stepSize: try f.required("stepSize").int(minimum: 1))
        },
        .init("triangular2", fields: ["maximum", "stepSize"]) { f throws(ConfigError) in
            .triangular2(maximum: try f.required("maximum").double(), stepSize: try f.required("stepSize").int(minimum: 1))
        },
        .init("warmup", fields: ["steps", "startFactor", "then"]) { f throws(ConfigError) in
            .warmup(steps: try f.required("steps").int(minimum: 1), startFactor: try f.double("startFactor", default: 0.1),
                    then: try LearningRateSchedule(json: try f.required("then")))
        },
    ])

    public init(json node: Node) throws(ConfigError) { self = try LearningRateSchedule.registry.decode(node) }

    public var json: JSONValue {
        func obj(_ t: String, _ fields: [(String, JSONValue)]) -> JSONValue { .object([("type", .string(t))] + fields.map { ($0.0, $0.1) }) }
        func n(_ x: Double) -> JSONValue { .number(x) }
        func i(_ x: Int) -> JSONValue { .number(Double(x)) }
        switch self {
        case .constant: return .string("constant")
        case let .stepDecay(f, s): return obj("stepDecay", [("factor", n(f)), ("stepSize", i(s))])
        case let .multiStep(m, f): return obj("multiStep", [("milestones", .array(m.map(i))), ("factor", n(f))])
        case let .exponential(f): return obj("exponential", [("factor", n(f))])
        case let .inverseTime(d, s): return obj("inverseTime", [("decayRate", n(d)), ("decaySteps", i(s))])
        case .inverseSquareRoot: return .string("inverseSquareRoot")
        case let .cosine(t, m): return obj("cosine", [("totalSteps", i(t)), ("minimum", n(m))])
        case let .cosineWarmRestarts(p, f, m): return obj("cosineWarmRestarts", [("period", i(p)), ("periodFactor", i(f)), ("minimum", n(m))])
        case let .triangular(m, s): return obj("triangular", [("maximum", n(m)), ("stepSize", i(s))])
        case let .triangular2(m, s): return obj("triangular2", [("maximum", n(m)), ("stepSize", i(s))])
        case let .warmup(s, f, then): return obj("warmup", [("steps", i(s)), ("startFactor", n(f)), ("then", then.json)])
        }
    }
}
