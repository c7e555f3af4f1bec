import Glibc
import JSONCoding
import TensorModule

/// How a layer fills a new weight tensor. The variance-scaling ones use the weight's fan-in and fan-out
/// (for a Dense weight [in, out]: fanIn = in, fanOut = out).
///
/// ```swift
/// let w = Initializer.heNormal.make([784, 256], seed: 1)
/// ```
public enum Initializer: Sendable, Equatable, Codable {
    case zeros
    case ones
    case constant(Double)
    /// U(lowerBound, upperBound); Keras's RandomUniform bounds ±``defaultScale`` by default.
    case uniform(lowerBound: Double = -Initializer.defaultScale, upperBound: Double = Initializer.defaultScale)
    /// N(0, σ²); Keras's RandomNormal σ = ``defaultScale`` by default.
    case normal(standardDeviation: Double = Initializer.defaultScale)
    /// U(−l, l) with l = √(6 / (fanIn + fanOut)).
    case glorotUniform
    /// N(0, σ²) with σ = √(2 / (fanIn + fanOut)).
    case glorotNormal
    /// U(−l, l) with l = √(6 / fanIn).
    case heUniform
    /// N(0, σ²) with σ = √(2 / fanIn).
    case heNormal
    /// N(0, σ²) with σ = √(1 / fanIn).
    case lecunNormal
    /// A matrix with orthonormal rows or columns (whichever are fewer) times `gain`, Keras's `Orthogonal`: the default
    /// recurrent kernel of recurrent layers. Higher ranks are flattened to [all but the last, last].
    case orthogonal(gain: Double = 1)

    /// A tensor of `shape` drawn with `seed`; fans default to the shape's last two dimensions (receptive field
    /// times channels for higher ranks, as Keras computes them).
    public func make(_ shape: [Int], fanIn: Int? = nil, fanOut: Int? = nil, dtype: DType = .float32,
                     seed: UInt64) -> Tensor {
        let (fi, fo) = Initializer.fans(shape)
        let fanIn = Double(fanIn ?? fi), fanOut = Double(fanOut ?? fo)
        var rng = RandomGenerator(seed: seed)
        switch self {
        case .zeros: return Tensor.zeros(shape, dtype: dtype)
        case .ones: return Tensor.ones(shape, dtype: dtype)
        case .constant(let c): return Tensor.full(shape, value: c, dtype: dtype)
        case .uniform(let lo, let hi):
            return Tensor.randomUniform(shape, lowerBound: lo, upperBound: hi, dtype: dtype, using: &rng)
        case .normal(let s): return Tensor.randomNormal(shape, standardDeviation: s, dtype: dtype, using: &rng)
        case .glorotUniform:
            let l = (6 / (fanIn + fanOut)).squareRoot()
            return Tensor.randomUniform(shape, lowerBound: -l, upperBound: l, dtype: dtype, using: &rng)
        case .glorotNormal:
            return Tensor.randomNormal(shape, standardDeviation: (2 / (fanIn + fanOut)).squareRoot(), dtype: dtype, using: &rng)
        case .heUniform:
            let l = (6 / fanIn).squareRoot()
            return Tensor.randomUniform(shape, lowerBound: -l, upperBound: l, dtype: dtype, using: &rng)
        case .heNormal:
            return Tensor.randomNormal(shape, standardDeviation: (2 / fanIn).squareRoot(), dtype: dtype, using: &rng)
        case .lecunNormal:
            return Tensor.randomNormal(shape, standardDeviation: (1 / fanIn).squareRoot(), dtype: dtype, using: &rng)
        case .orthogonal(let gain):
            let columns = shape.last ?? 1, rows = shape.dropLast().reduce(1, *)
            let q = Initializer.orthonormalColumns(rows: Swift.max(rows, columns), columns: Swift.min(rows, columns), using: &rng)
            // q is [long, short] with orthonormal columns; the result is q or its transpose, whichever has `shape`'s form.
            let long = Swift.max(rows, columns), short = Swift.min(rows, columns)
            var values = [Double](repeating: 0, count: rows * columns)
            for i in 0..<long {
                for j in 0..<short { values[rows >= columns ? i * columns + j : j * columns + i] = gain * q[i * short + j] }
            }
            return Tensor(shape: shape, values: values, dtype: dtype)
        }
    }

    /// A `rows`×`columns` matrix (rows ≥ columns, row-major) whose columns are orthonormal: modified Gram–Schmidt on
    /// a standard normal matrix, which is QR with R's diagonal positive, as Keras's `Orthogonal` makes it.
    static func orthonormalColumns(rows: Int, columns: Int, using rng: inout RandomGenerator) -> [Double] {
        var a = (0..<(rows * columns)).map { _ in rng.nextNormal() }
        for j in 0..<columns {
            for k in 0..<j {
                var dot = 0.0
                for i in 0..<rows { dot += a[i * columns + j] * a[i * columns + k] }
                for i in 0..<rows { a[i * columns + j] -= dot * a[i * columns + k] }
            }
            var norm = 0.0
            for i in 0..<rows { norm += a[i * columns + j] * a[i * columns + j] }
            norm = norm.squareRoot()
            for i in 0..<rows { a[i * columns + j] /= norm }
        }
        return a
    }

    /// (fanIn, fanOut) of a weight shape: [n] → (n, n); [in, out] → (in, out); [kh, kw, …, in, out] →
    /// (receptive·in, receptive·out).
    public static func fans(_ shape: [Int]) -> (Int, Int) {
        switch shape.count {
        case 0: return (1, 1)
        case 1: return (shape[0], shape[0])
        default:
            let receptive = shape.dropLast(2).reduce(1, *)
            return (receptive * shape[shape.count - 2], receptive * shape[shape.count - 1])
        }
    }
}

/// The seeds layers draw when none is given: set once for a reproducible model, like `torch.manual_seed`.
/// The sequence belongs to the calling thread (each thread starts at seed 0), so models built on other threads at the
/// same time, such as tests running in parallel, cannot shift it.
///
/// ```swift
/// RandomSeeds.reset(to: 42)
/// let model = Sequential([Dense(inputSize: 2, outputSize: 4), Dense(inputSize: 4, outputSize: 1)])  // same weights every run
/// ```
public enum RandomSeeds {
    /// This thread's generator, boxed in thread-local storage (released when the thread ends).
    private final class Stream {
        var generator = RandomGenerator(seed: 0)
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { if let box = $0 { Unmanaged<AnyObject>.fromOpaque(box).release() } }
        return key
    }()

    private static var stream: Stream {
        if let existing = pthread_getspecific(key) {
            return Unmanaged<Stream>.fromOpaque(existing).takeUnretainedValue()
        }
        let created = Stream()
        pthread_setspecific(key, Unmanaged.passRetained(created).toOpaque())
        return created
    }

    /// Restarts this thread's sequence of default seeds.
    public static func reset(to seed: UInt64) {
        stream.generator = RandomGenerator(seed: seed)
    }

    /// The next default seed of this thread's sequence.
    public static func next() -> UInt64 {
        stream.generator.next()
    }
}

// MARK: - JSON

extension Initializer {
    /// Keras's bound of a random uniform and deviation of a random normal initializer: 0.05.
    public static let defaultScale = 0.05

    /// Every initializer by its JSON name.
    public static let registry = Registry<Initializer>(family: "initializer", [
        .init("zeros") { _ in .zeros }, .init("ones") { _ in .ones },
        .init("constant", fields: ["value"]) { f throws(ConfigError) in .constant(try f.required("value").double()) },
        .init("uniform", fields: ["lowerBound", "upperBound"]) { f throws(ConfigError) in
            .uniform(lowerBound: try f.double("lowerBound", default: -defaultScale), upperBound: try f.double("upperBound", default: defaultScale))
        },
        .init("normal", fields: ["standardDeviation"]) { f throws(ConfigError) in
            .normal(standardDeviation: try f.double("standardDeviation", default: defaultScale))
        },
        .init("glorotUniform") { _ in .glorotUniform }, .init("glorotNormal") { _ in .glorotNormal },
        .init("heUniform") { _ in .heUniform }, .init("heNormal") { _ in .heNormal }, .init("lecunNormal") { _ in .lecunNormal },
        .init("orthogonal", fields: ["gain"]) { f throws(ConfigError) in
            try f["gain"].map { n throws(ConfigError) in .orthogonal(gain: try n.double()) } ?? .orthogonal()
        },
    ])

    public init(json node: Node) throws(ConfigError) { self = try Initializer.registry.decode(node) }

    public var json: JSONValue {
        switch self {
        case .zeros: return .string("zeros")
        case .ones: return .string("ones")
        case .constant(let v): return .object([("type", .string("constant")), ("value", .number(v))])
        case let .uniform(lo, hi): return .object([("type", .string("uniform")), ("lowerBound", .number(lo)), ("upperBound", .number(hi))])
        case .normal(let s): return .object([("type", .string("normal")), ("standardDeviation", .number(s))])
        case .glorotUniform: return .string("glorotUniform")
        case .glorotNormal: return .string("glorotNormal")
        case .heUniform: return .string("heUniform")
        case .heNormal: return .string("heNormal")
        case .lecunNormal: return .string("lecunNormal")
        case .orthogonal(let gain): return gain == 1 ? .string("orthogonal") : .object([("type", .string("orthogonal")), ("gain", .number(gain))])
        }
    }
}
