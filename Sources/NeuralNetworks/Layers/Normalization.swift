import JSONCoding
import TensorModule

/// Standardizes each feature (the last axis: channels in NHWC images) with a fixed mean and variance, learned from
/// data by ``adapt(to:)`` before training and then kept (Keras's `Normalization` preprocessing layer):
/// y = (x − mean) / max(√variance, 1e-7). Nothing in it trains; gradients pass through to the input.
///
/// Inside the model, the standardization travels with the weights, and image augmentation still sees raw pixels
/// (its zero fill stays black).
///
/// ```swift
/// let norm = Normalization(featureCount: 1)
/// norm.adapt(to: [images])          // images [N, 28, 28, 1] in [0, 1]: mean ≈ 0.286, variance ≈ 0.125
/// let y = norm(images)              // each channel now has mean 0 and variance 1
/// let rgb = Normalization(mean: Tensor([0.485, 0.456, 0.406]), variance: Tensor([0.052, 0.050, 0.051]))   // fixed
/// ```
public final class Normalization: Module {
    /// Each feature's mean (not trained).
    public let mean: Parameter
    /// Each feature's variance (not trained).
    public let variance: Parameter
    /// False for a layer given its statistics: ``Sequential/adaptNormalizations(to:batchSize:)`` leaves it as it is.
    public let isAdaptable: Bool

    /// A layer that leaves its input unchanged (mean 0, variance 1) until adapted.
    public init(featureCount: Int) {
        require(featureCount > 0, "Normalization: featureCount must be positive")
        mean = Parameter(Tensor.zeros([featureCount]), isTrainable: false)
        variance = Parameter(Tensor.ones([featureCount]), isTrainable: false)
        isAdaptable = true
    }

    /// A layer with fixed statistics, one per feature (Keras's `Normalization(mean=…, variance=…)`).
    public init(mean: Tensor, variance: Tensor) {
        require(mean.rank == 1 && mean.count > 0 && variance.shape == mean.shape,
                "Normalization: mean \(mean.shape) and variance \(variance.shape) need one value per feature each")
        require(variance.values.allSatisfy { $0 >= 0 }, "Normalization: variances must be ≥ 0")
        self.mean = Parameter(mean, isTrainable: false)
        self.variance = Parameter(variance, isTrainable: false)
        isAdaptable = false
    }

    /// The feature count.
    public var featureCount: Int { mean.value.shape[0] }

    /// Sets the mean and (biased) variance of each feature over every value of `batches` (all axes but the last),
    /// accumulated in Float64 batch by batch, so data that does not fit in memory at once can be streamed.
    public func adapt(to batches: some Sequence<Tensor>) {
        var statistics = FeatureMoments(count: featureCount)
        for batch in batches {
            require(batch.shape.last == featureCount,
                    "Normalization.adapt: batch of shape \(batch.shape) for \(featureCount) features")
            statistics.add(batch)
        }
        mean.assign(Tensor(statistics.mean, dtype: mean.value.dtype))
        variance.assign(Tensor(statistics.variance, dtype: variance.value.dtype))
    }

    public override func callAsFunction(_ input: Tensor) -> Tensor {
        // One scale and offset per feature: y = x·(1/σ) − μ/σ.
        let scale = 1 / variance.value.sqrt().clamped(lowerBound: 1e-7, upperBound: .infinity)
        return input * scale - mean.value * scale
    }

    public override func outputShape(for inputShape: [Int]) throws(ModuleError) -> [Int] {
        guard inputShape.count >= 2, inputShape.last == featureCount else {
            throw .shapeMismatch(layer: "Normalization(\(featureCount))", expected: "last dimension \(featureCount)",
                                 found: inputShape)
        }
        return inputShape
    }
}

/// Per-feature count, mean and sum of squared deviations, merged batch by batch (Chan et al.'s pairwise update).
struct FeatureMoments {
    private(set) var n = 0.0
    private(set) var mean: [Double]
    private var squaredDeviations: [Double]

    init(count: Int) {
        mean = Array(repeating: 0, count: count)
        squaredDeviations = Array(repeating: 0, count: count)
    }

    /// The biased variance (1 before any value, as an unadapted layer has).
    var variance: [Double] { squaredDeviations.map { n > 0 ? $0 / n : 1 } }

    /// Adds every row of `x` [..., features]: its per-feature mean and squared deviations in Float64, then merged.
    mutating func add(_ x: Tensor) {
        guard x.count > 0 else { return }
        let f = mean.count
        let (rows, batchMean, batchSquares) = withoutGradient {
            let values = x.converted(to: .float64).reshaped(to: [-1, f]), rows = values.shape[0]
            return (rows, values.mean(alongAxes: [0]).values, (values.variance(alongAxes: [0]) * Double(rows)).values)
        }
        let m = Double(rows), total = n + m
        for j in 0..<f {
            let delta = batchMean[j] - mean[j]
            mean[j] += delta * m / total
            squaredDeviations[j] += batchSquares[j] + delta * delta * n * m / total
        }
        n = total
    }
}

extension Normalization: ConfigurableLayer {
    /// `{"type": "normalization"}` adapts to the training data; `"mean"` and `"variance"` (a number for every feature,
    /// or one per feature) fix the statistics.
    public struct Configuration: UnaryLayerConfiguration {
        public static let typeName = "normalization"
        public static let fieldNames: Set<String> = ["mean", "variance"]
        public var mean: [Double]?
        public var variance: [Double]?

        public init(mean: [Double]? = nil, variance: [Double]? = nil) {
            self.mean = mean
            self.variance = variance
        }

        public init(fields f: Fields) throws(ConfigError) {
            func values(_ key: String) throws(ConfigError) -> [Double]? {
                guard let node = f[key] else { return nil }
                var xs: [Double] = []
                if case .number = node.value { xs = [try node.double()] } else { for x in try node.array() { xs.append(try x.double()) } }
                guard !xs.isEmpty, xs.allSatisfy(\.isFinite) else { throw node.fail("expected a number or a non-empty array of numbers") }
                return xs
            }
            let mean = try values("mean"), variance = try values("variance")
            guard (mean == nil) == (variance == nil) else {
                throw f.node.fail("normalization needs both mean and variance, or neither (then it adapts to the training data)")
            }
            if let variance, let bad = variance.first(where: { $0 < 0 }) {
                throw f["variance"]!.fail("variances must be ≥ 0, found \(bad)")
            }
            self.init(mean: mean, variance: variance)
        }

        public var jsonFields: [(String, JSONValue)] {
            guard let mean, let variance else { return [] }
            return [("mean", .array(mean.map { .number($0) })), ("variance", .array(variance.map { .number($0) }))]
        }

        public func build(input: [Int]) throws(ConfigError) -> (Module, [Int]) {
            guard let last = input.last else { throw ConfigError(path: "$", "normalization needs an input with features") }
            guard let mean, let variance else { return (Normalization(featureCount: last), input) }
            func perFeature(_ values: [Double], _ name: String) throws(ConfigError) -> Tensor {
                guard values.count == 1 || values.count == last else {
                    throw ConfigError(path: "$", "normalization \(name) has \(values.count) values for \(last) features (give 1 or \(last))")
                }
                guard values.allSatisfy({ $0.isFinite && (name == "mean" || $0 >= 0) }) else {
                    throw ConfigError(path: "$", "normalization \(name) needs finite values\(name == "mean" ? "" : " ≥ 0"), found \(values)")
                }
                return Tensor(values.count == 1 ? Array(repeating: values[0], count: last) : values)
            }
            return (Normalization(mean: try perFeature(mean, "mean"), variance: try perFeature(variance, "variance")), input)
        }

        public func parameterCount(input: [Int]) -> Int? { 2 * (input.last ?? 0) }
        public func trainableParameterCount(input: [Int]) -> Int? { 0 }
    }

    public var configuration: any LayerConfiguration {
        isAdaptable ? Configuration() : Configuration(mean: mean.value.values, variance: variance.value.values)
    }
}

extension LayerSpec {
    /// A normalization adapted to the training data.
    public static var normalization: LayerSpec { LayerSpec(Normalization.Configuration()) }

    /// A normalization with fixed statistics: one value for every feature, or one per feature.
    public static func normalization(mean: [Double]?, variance: [Double]?) -> LayerSpec {
        LayerSpec(Normalization.Configuration(mean: mean, variance: variance))
    }
}
