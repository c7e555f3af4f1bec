import TensorModule

/// Examples in memory: features [N, …] and targets — int32 class indices [N] for classification (with class names),
/// values [N, k] for regression.
///
/// ```swift
/// let digits = try BuiltinDatasets.load("digits")
/// let (train, test) = digits.split(testFraction: 0.2, seed: 1, stratified: true)
/// ```
public struct Dataset: Sendable {
    public var name: String
    public var features: Tensor
    public var targets: Tensor
    /// Class names for classification; nil for regression.
    public var classNames: [String]?
    /// One example read as an image [H, W, C], or nil when the examples are not images (table rows). Features
    /// [N, H, W, C] and [N, H, W] (one channel) are images by their shape; flat features [N, H·W·C] only when
    /// their loader says so (the built-in Fashion-MNIST and digits, IDX files): four table columns are not a
    /// 2×2 image.
    /// Whether the examples are sequences [time, features] (rank-3 features without an image shape), as
    /// ``TimeSeriesFile/dataset(name:steps:)`` makes them.
    public var isSequences: Bool { features.rank == 3 && imageShape == nil }

    public var imageShape: [Int]?

    /// For text (``languageModel(text:name:vectorizer:length:trainFraction:)``): the vectorizer that made the ids,
    /// saved with a model so that generation works from its run folder alone.
    public var textVectorizer: TextVectorizer?

    /// For a forecasting series (``ForecastWindows/datasets(name:)``): its windows, which turn predictions back into
    /// the series' units.
    public var forecast: ForecastWindows?

    /// For ratings (``Ratings``): each feature column holds ids of its own kind (users, items) and feeds a model input
    /// of its own; how many distinct ids each column has.
    public var idColumnCounts: [Int]?

    /// `imageShape` names the image layout of flat features; features of rank 3 or 4 have theirs from their shape.
    ///
    /// ```swift
    /// let digits = Dataset(name: "digits", features: x, targets: y, classNames: names, imageShape: [8, 8, 1])  // x: [N, 64]
    /// ```
    public init(name: String, features: Tensor, targets: Tensor, classNames: [String]? = nil, imageShape: [Int]? = nil) {
        require(features.shape.first == targets.shape.first, "Dataset: \(features.shape) features for \(targets.shape) targets")
        self.name = name
        self.features = features
        // Class indices are integers: a float label tensor is converted once, here (it must hold whole numbers).
        self.targets = classNames != nil && targets.dtype.isFloatingPoint ? targets.converted(to: .int32) : targets
        self.classNames = classNames
        let example = Array(features.shape.dropFirst())
        switch example.count {
        case 3: self.imageShape = example
        case 2: self.imageShape = example + [1]
        default: self.imageShape = imageShape
        }
        require(self.imageShape.map { $0.count == 3 && $0.reduce(1, *) == example.reduce(1, *) } ?? true,
                "Dataset: image shape \(imageShape ?? []) does not hold examples of shape \(example)")
    }

    public var count: Int { features.shape.first ?? 0 }
    public var isClassification: Bool { classNames != nil }
    /// The shape of one example's features.
    public var exampleShape: [Int] { Array(features.shape.dropFirst()) }
    /// Number of classes, or of regression outputs.
    public var outputCount: Int { classNames?.count ?? (targets.rank > 1 ? targets.shape[1] : 1) }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        var part = Dataset(name: name, features: features.gathering(rows: indices), targets: targets.gathering(rows: indices),
                           classNames: classNames, imageShape: imageShape)
        if isSequences { part.imageShape = nil }   // sequences stay sequences
        part.textVectorizer = textVectorizer
        part.forecast = forecast
        part.idColumnCounts = idColumnCounts
        return part
    }

    /// A shuffled split into (train, test); stratified keeps each class's share in both parts.
    public func split(testFraction: Double, seed: UInt64, stratified: Bool = false) -> (train: Dataset, test: Dataset) {
        require(testFraction > 0 && testFraction < 1, "split: testFraction must be in (0, 1)")
        var rng = RandomGenerator(seed: seed)
        var trainIdx: [Int] = [], testIdx: [Int] = []
        let groups: [[Int]]
        if stratified, isClassification {
            let labels = targets.values.map { Int($0) }
            var byClass: [Int: [Int]] = [:]
            for (i, l) in labels.enumerated() { byClass[l, default: []].append(i) }
            groups = byClass.keys.sorted().map { byClass[$0]! }
        } else {
            groups = [Array(0..<count)]
        }
        for var g in groups {
            g.shuffle(using: &rng)
            let k = Int((Double(g.count) * testFraction).rounded())
            testIdx += g.prefix(k)
            trainIdx += g.dropFirst(k)
        }
        trainIdx.shuffle(using: &rng)
        testIdx.shuffle(using: &rng)
        return (subset(trainIdx), subset(testIdx))
    }

    /// Mini-batches in a shuffled (or fixed) order; the last partial batch is kept unless `dropLast`.
    public func batches(size: Int, shuffleSeed: UInt64? = nil, dropLast: Bool = false) -> [(features: Tensor, targets: Tensor)] {
        require(size > 0, "batches: size must be positive")
        var order = Array(0..<count)
        if let s = shuffleSeed {
            var rng = RandomGenerator(seed: s)
            order.shuffle(using: &rng)
        }
        var out: [(Tensor, Tensor)] = []
        var start = 0
        while start < count {
            let end = Swift.min(start + size, count)
            if dropLast && end - start < size { break }
            let idx = Array(order[start..<end])
            out.append((features.gathering(rows: idx), targets.gathering(rows: idx)))
            start = end
        }
        return out
    }

    /// Targets as one-hot rows [N, classes] (classification only).
    public func oneHotTargets() -> Tensor {
        require(isClassification, "oneHotTargets: \(name) is a regression dataset")
        return Tensor.oneHot(targets.values.map { Int($0) }, classCount: outputCount, dtype: features.dtype)
    }
}

/// Feature scaling fitted on training data only, then applied to any split: standardization (zero mean, unit
/// variance per feature) or min-max scaling to [0, 1]. Constant features are left centred, not divided by zero.
///
/// ```swift
/// let scaler = FeatureScaler.standardization(fittedOn: train.features)
/// let x = scaler.apply(test.features)
/// ```
public struct FeatureScaler: Sendable {
    public let offset: Tensor
    public let scale: Tensor

    /// A scaler computing (x − offset) / scale, e.g. one saved with a trained model.
    public init(offset: Tensor, scale: Tensor) {
        self.offset = offset
        self.scale = scale
    }

    public static func standardization(fittedOn x: Tensor) -> FeatureScaler {
        let mean = x.mean(alongAxes: [0])
        let std = x.variance(alongAxes: [0]).sqrt()
        return FeatureScaler(offset: mean, scale: Tensor.select(std .> 1e-12, std, Tensor.ones([], dtype: x.dtype)))
    }

    public static func minMax(fittedOn x: Tensor) -> FeatureScaler {
        let lo = x.min(alongAxes: [0]), hi = x.max(alongAxes: [0])
        let range = hi - lo
        return FeatureScaler(offset: lo, scale: Tensor.select(range .> 1e-12, range, Tensor.ones([], dtype: x.dtype)))
    }

    public func apply(_ x: Tensor) -> Tensor { withoutGradient { (x - offset) / scale } }
}
