import FileIO
import Foundation
import TensorModule

/// Datasets available by name: the real ones shipped with NeuralKit or installed by Debian, the lectures' toys and
/// the Playground's 2-D sets.
///
/// ```swift
/// let (train, test) = try BuiltinDatasets.trainTest("iris", seed: 1)
/// ```
public enum BuiltinDatasets {
    /// Every name with a one-line description.
    public static let catalog: [(name: String, description: String)] = [
        ("fashion-mnist", "Zalando's 28×28 clothing images, 10 classes, 60,000 train + 10,000 test (Debian dataset-fashion-mnist)"),
        ("digits", "UCI 8×8 handwritten digits, 10 classes, 1,797 examples"),
        ("iris", "Fisher's iris, 4 features, 3 classes, 150 examples"),
        ("breast-cancer", "Wisconsin diagnostic breast cancer, 30 features, 2 classes, 569 examples"),
        ("diabetes", "Diabetes progression (Efron et al. 2004), 10 features, regression, 442 examples"),
        ("toy-regression", "The lectures' 20-point line (x = 0 … 9.5), regression"),
        ("japanese-vowels", "UCI Japanese Vowels: 9 speakers, 12 LPC channels, 7–29 steps, 270 train + 370 test sequences"),
        ("shakespeare", "Eight plays of Shakespeare (Project Gutenberg), 1,036,483 characters: a character language model"),
        ("airline", "Box & Jenkins' monthly airline passengers 1949–1960 (thousands), 144 months: forecasting"),
        ("synthetic-ratings", "Low-rank ratings 3 + user and item biases + 4 factors + noise 0.25: 300 users × 40 of 200 items"),
        ("will-i-pass", "The lecture's toy: lectures attended, hours on the final project → pass/fail (synthetic, 200)"),
        ("circle", "Playground: points inside vs outside a circle, 2 classes"),
        ("xor", "Playground: quadrants with equal signs vs opposite signs, 2 classes"),
        ("gaussians", "Playground: two Gaussian blobs, 2 classes"),
        ("spiral", "Playground: interleaved spiral arms, 2 classes (spiral3: 3 classes)"),
        ("spiral3", "Playground: three spiral arms, 3 classes"),
        ("plane", "Playground: a tilted plane, regression"),
        ("multi-gaussian", "Playground: a sum of Gaussian bumps, regression"),
    ]

    public static var names: [String] { catalog.map(\.name) }

    /// Where Debian installs Fashion-MNIST.
    public static let fashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    public static var isFashionMNISTInstalled: Bool {
        FileManager.default.fileExists(atPath: fashionMNISTDirectory + "/train-images-idx3-ubyte.gz")
    }

    /// Train and test splits: Fashion-MNIST's official ones; for the others a stratified (classification) or plain
    /// 80/20 split with `seed`.
    public static func trainTest(_ name: String, seed: UInt64 = 0) throws(DataError) -> (train: Dataset, test: Dataset) {
        if name == "fashion-mnist" {
            let d = try IDXDataset.fashionMNIST(directory: fashionMNISTDirectory)
            let classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
            return (Dataset(name: name, features: d.train.x, targets: d.train.y, classNames: classes, imageShape: [28, 28, 1]),
                    Dataset(name: name, features: d.test.x, targets: d.test.y, classNames: classes, imageShape: [28, 28, 1]))
        }
        if name == "japanese-vowels" {
            // The official split; both padded to the longest series of either (29 steps). The files list the speakers
            // in turn, so the training rows are shuffled with `seed`: a validation split then holds every speaker.
            let train = try timeSeries("JapaneseVowels_TRAIN.ts.gz"), test = try timeSeries("JapaneseVowels_TEST.ts.gz")
            let steps = Swift.max(train.series.shape[1], test.series.shape[1])
            var order = Array(0..<train.lengths.count)
            var rng = RandomGenerator(seed: seed)
            order.shuffle(using: &rng)
            return (train.dataset(name: name, steps: steps).subset(order), test.dataset(name: name, steps: steps))
        }
        if name == "shakespeare" {
            // The peers' charlstm cut: the first 90% of the characters train, the rest test; windows of 100 + 1.
            let text = try TextFile.decode(try bytes(resource: "shakespeare.txt.gz"), file: "shakespeare.txt.gz")
            return try Dataset.languageModel(text: text, name: name, length: 100, trainFraction: 0.9)
        }
        if name == "airline" { return try airline() }
        let all = try load(name, seed: seed)
        return all.split(testFraction: 0.2, seed: seed, stratified: all.isClassification)
    }

    /// The whole dataset (for Fashion-MNIST, the training split).
    public static func load(_ name: String, seed: UInt64 = 0) throws(DataError) -> Dataset {
        switch name {
        case "fashion-mnist", "japanese-vowels", "shakespeare", "airline": return try trainTest(name).train
        case "digits":
            let d = try CSVReader.dataset(rows(resource: "digits.csv.gz"), file: "digits.csv.gz", hasHeader: false, name: name)
            return Dataset(name: name, features: d.features / 16, targets: d.targets, classNames: (0...9).map(String.init),
                           imageShape: [8, 8, 1])
        case "iris": return try scikitTable("iris.csv", name: name)
        case "breast-cancer": return try scikitTable("breast_cancer.csv", name: name)
        case "diabetes":
            let x = try rows(resource: "diabetes_data_raw.csv.gz", separator: " ")
            let y = try rows(resource: "diabetes_target.csv.gz", separator: " ")
            let features = Tensor(shape: [x.count, 10], values: try numbers(x, "diabetes_data_raw.csv.gz"))
            return Dataset(name: name, features: features, targets: Tensor(shape: [y.count, 1], values: try numbers(y, "diabetes_target.csv.gz")))
        case "toy-regression":
            let y: [Double] = [0.1, 0.4, 0.9, 1.6, 2.2, 2.5, 2.8, 3.5, 3.9, 4.7, 5.1, 5.3, 6.3, 6.5, 6.7, 7.5, 8.1, 8.5, 8.9, 9.5]
            return Dataset(name: name, features: Tensor.arange(0, 10, step: 0.5).reshaped(to: [20, 1]),
                           targets: Tensor(shape: [20, 1], values: y))
        case "will-i-pass": return willIPass(seed: seed)
        case "synthetic-ratings": return Ratings.synthetic(seed: seed)
        default:
            guard let kind = Playground2D.Kind(rawValue: name) else {
                throw DataError(file: name, "unknown dataset (available: \(names.joined(separator: ", ")))")
            }
            return Playground2D.make(kind, count: 500, noise: 0.1, seed: seed)
        }
    }

    /// Lectures attended (0–30) and hours on the final project (0–40); passing is likelier with more of both:
    /// pass when 0.15·lectures + 0.1·hours + noise > 4.
    static func willIPass(seed: UInt64) -> Dataset {
        var rng = RandomGenerator(seed: seed &+ 77)
        var x: [Double] = [], y: [Double] = []
        for _ in 0..<200 {
            let lectures = (rng.nextUniform() * 30).rounded(), hours = (rng.nextUniform() * 40).rounded()
            x += [lectures, hours]
            y.append(0.15 * lectures + 0.1 * hours + rng.nextNormal() * 0.5 > 4 ? 1 : 0)
        }
        return Dataset(name: "will-i-pass", features: Tensor(shape: [200, 2], values: x), targets: Tensor(y),
                       classNames: ["fail", "pass"])
    }

    /// scikit-learn's layout: first line "count,features,class names…", then rows with the label last.
    static func scikitTable(_ resource: String, name: String) throws(DataError) -> Dataset {
        let r = try rows(resource: resource)
        guard let head = r.first, head.count > 2 else { throw DataError(file: resource, "missing the scikit-learn header line") }
        let d = try CSVReader.dataset(Array(r.dropFirst()), file: resource, hasHeader: false, name: name)
        return Dataset(name: name, features: d.features, targets: d.targets, classNames: Array(head.dropFirst(2)))
    }

    /// The airline passengers: windows of 12 months, the last 12 months (1960) to test.
    static func airline() throws(DataError) -> (train: Dataset, test: Dataset) {
        let file = "airline_passengers.csv"
        let windows = try ForecastWindows(rows: rows(resource: file), file: file, column: .name("Passengers"), window: 12, testCount: 12)
        return windows.datasets(name: "airline")
    }

    static func timeSeries(_ resource: String) throws(DataError) -> TimeSeriesFile {
        try TimeSeriesFile(bytes: try bytes(resource: resource), file: resource)
    }

    /// A bundled file's bytes (gunzipped).
    static func bytes(resource: String) throws(DataError) -> [UInt8] {
        guard let url = Bundle.module.url(forResource: resource, withExtension: nil, subdirectory: "Resources") else {
            throw DataError(file: resource, "missing from the NeuralKit bundle")
        }
        return try Gzip.contents(ofFile: url.path)
    }

    static func rows(resource: String, separator: Character = ",") throws(DataError) -> [[String]] {
        let bytes = try bytes(resource: resource)
        if separator == "," { return try CSVReader.rows(bytes, file: resource) }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { $0.split(separator: separator).map(String.init) }
    }

    static func numbers(_ rows: [[String]], _ file: String) throws(DataError) -> [Double] {
        var out: [Double] = []
        for (i, r) in rows.enumerated() {
            for c in r {
                guard let v = Double(c) else { throw DataError(file: file, location: "line \(i + 1)", "expected a number, found '\(c)'") }
                out.append(v)
            }
        }
        return out
    }
}

/// The TensorFlow Playground's 2-D datasets, in [−6, 6]², with label noise and a seed.
public enum Playground2D {
    /// The data shapes: two classes (circle, XOR, two Gaussians, two spirals), three spirals, or regression
    /// targets (a plane, a mixture of Gaussians).
    public enum Kind: String, CaseIterable, Sendable {
        case circle, xor, gaussians, spiral, spiral3, plane
        case multiGaussian = "multi-gaussian"

        public var isRegression: Bool { self == .plane || self == .multiGaussian }
        public var classCount: Int { self == .spiral3 ? 3 : (isRegression ? 0 : 2) }
    }

    /// `count` points; `noise` in [0, 0.5] scales the jitter as the Playground's noise slider does.
    public static func make(_ kind: Kind, count: Int, noise: Double, seed: UInt64) -> Dataset {
        var rng = RandomGenerator(seed: seed)
        var x: [Double] = [], y: [Double] = []
        func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * rng.nextUniform() }
        for i in 0..<count {
            switch kind {
            case .circle:
                let inside = i % 2 == 0
                let r = inside ? uniform(0, 2.5) : uniform(3.5, 5)
                let a = uniform(0, 2 * .pi)
                x += [r * sin(a) + uniform(-5, 5) * noise, r * cos(a) + uniform(-5, 5) * noise]
                y.append(inside ? 1 : 0)
            case .xor:
                var p = uniform(-5, 5), q = uniform(-5, 5)
                p += p > 0 ? 0.3 : -0.3
                q += q > 0 ? 0.3 : -0.3
                y.append(p * q >= 0 ? 1 : 0)
                x += [p + uniform(-5, 5) * noise, q + uniform(-5, 5) * noise]
            case .gaussians:
                let positive = i % 2 == 0
                let c = positive ? 2.0 : -2.0
                let s = 0.5 + noise * 4
                x += [c + rng.nextNormal() * s, c + rng.nextNormal() * s]
                y.append(positive ? 1 : 0)
            case .spiral, .spiral3:
                let arms = kind == .spiral3 ? 3 : 2
                let arm = i % arms
                let t = Double(i / arms) / Double(Swift.max(count / arms, 1)) * 1.75 * 2 * .pi
                let r = t / (1.75 * 2 * .pi) * 5
                let angle = t + Double(arm) * 2 * .pi / Double(arms)
                x += [r * sin(angle) + uniform(-1, 1) * noise * 5, r * cos(angle) + uniform(-1, 1) * noise * 5]
                y.append(Double(arm))
            case .plane:
                let p = uniform(-6, 6), q = uniform(-6, 6)
                x += [p, q]
                y.append((p + q) / 12 + uniform(-1, 1) * noise)
            case .multiGaussian:
                let p = uniform(-6, 6), q = uniform(-6, 6)
                x += [p, q]
                let centers: [(Double, Double, Double)] = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
                let v = centers.reduce(0.0) { $0 + $1.2 * exp(-((p - $1.0) * (p - $1.0) + (q - $1.1) * (q - $1.1)) / 2) }
                y.append(v + uniform(-1, 1) * noise)
            }
        }
        let features = Tensor(shape: [count, 2], values: x)
        if kind.isRegression {
            return Dataset(name: kind.rawValue, features: features, targets: Tensor(shape: [count, 1], values: y))
        }
        return Dataset(name: kind.rawValue, features: features, targets: Tensor(y),
                       classNames: (0..<kind.classCount).map { String($0) })
    }
}
