import FileIO
import TensorModule

/// Where `Trainer.fit` and `Trainer.evaluate` draw mini-batches from: a number of examples and, for any list of
/// example indices, those examples' inputs and targets as tensors (PyTorch's map-style `Dataset`).
///
/// Tensors in memory are one source (``TensorPairs``, and ``Dataset`` itself); ``ByteImages`` is another, keeping
/// 8-bit images at a quarter of Float32's memory and scaling each batch as it is drawn.
///
/// ```swift
/// let (train, test) = try IDXDataset.fashionMNISTImages()      // ByteImages, scaled by 1/255 per batch
/// try trainer.fit(train, batchSize: 128, epochs: 5)
/// let logs = try trainer.evaluate(test)
/// ```
public protocol BatchSource {
    /// Number of examples.
    var count: Int { get }
    /// The shape of one example's inputs.
    var exampleShape: [Int] { get }
    /// The inputs [indices.count, exampleShape…] and targets of the examples at `indices`, in that order.
    /// Every index lies in `0..<count`.
    func batch(_ indices: [Int]) -> (x: Tensor, y: Tensor)
    /// The shapes of one example's inputs, one per model input; by default `[exampleShape]`. A source for a model with
    /// several inputs (``MultiInputPairs``) gives one each.
    var inputShapes: [[Int]] { get }
    /// The inputs (one tensor per model input, each [indices.count, shape…]) and targets of the examples at
    /// `indices`; by default `[batch(indices).x]`.
    func inputBatch(_ indices: [Int]) -> (inputs: [Tensor], y: Tensor)
    /// How many target tensors an example has: one per model output; by default 1. A source for a model with several
    /// outputs (``MultiInputPairs`` with several targets) gives one each.
    var targetCount: Int { get }
    /// The inputs and the targets (one tensor per model output) of the examples at `indices`; by default
    /// ``inputBatch(_:)``'s with its one target. `Trainer` draws batches this way.
    func trainingBatch(_ indices: [Int]) -> (inputs: [Tensor], targets: [Tensor])
}

extension BatchSource {
    public var inputShapes: [[Int]] { [exampleShape] }

    public func inputBatch(_ indices: [Int]) -> (inputs: [Tensor], y: Tensor) {
        let (x, y) = batch(indices)
        return ([x], y)
    }

    public var targetCount: Int { 1 }

    public func trainingBatch(_ indices: [Int]) -> (inputs: [Tensor], targets: [Tensor]) {
        let (x, y) = inputBatch(indices)
        return (x, [y])
    }

    /// The rows a hold-out of `fraction` keeps for training, and those it holds out: the last
    /// `round(count × fraction)` examples, taken before any shuffling, as Keras's `validation_split`. The one place
    /// the rule is written: `fit`, `neuralkit train` and normalization adapting all use it. Throws when either part
    /// would be empty (a fraction of 0 holds out nothing and does not throw).
    ///
    /// ```swift
    /// let (training, validation) = try data.holdingOut(fraction: 0.1)   // 54,000 and 6,000 of Fashion-MNIST's 60,000
    /// ```
    public func holdingOut(fraction: Double) throws(DataError) -> (training: RowRange<Self>, heldOut: RowRange<Self>) {
        guard (0..<1).contains(fraction) else { throw DataError(file: "hold-out", "fraction must be in [0, 1), got \(fraction)") }
        let n = count, held = Int((Double(n) * fraction).rounded())
        guard fraction == 0 || (held > 0 && held < n) else {
            throw DataError(file: "hold-out", "\(n) examples leave no \(held == 0 ? "validation" : "training") examples at a hold-out of \(fraction)")
        }
        return (rows(0..<(n - held)), rows((n - held)..<n))
    }

    /// This process's part of every epoch's order when `count` processes train together (PyTorch's
    /// `DistributedSampler`): each epoch every process shuffles the whole source with the same generator, and process
    /// `rank` takes the positions `rank`, `rank + count`, … of that order. When the examples do not divide evenly, the
    /// order wraps around so that every process runs the same number of batches.
    ///
    /// ```swift
    /// try trainer.fit(images.shard(rank: 1, count: 4), batchSize: 64, epochs: 10)   // a quarter of each epoch
    /// ```
    public func shard(rank: Int, count processes: Int) -> Shard<Self> {
        require(processes >= 1 && (0..<processes).contains(rank), "shard: rank \(rank) outside 0..<\(processes)")
        return Shard(base: self, rank: rank, processCount: processes)
    }

    /// The examples in `range` as a source of their own, numbered from 0 (e.g. a validation split).
    public func rows(_ range: Range<Int>) -> RowRange<Self> {
        require(range.lowerBound >= 0 && range.upperBound <= count, "rows: \(range) outside 0..<\(count)")
        return RowRange(base: self, range: range)
    }
}

/// A contiguous run of another source's examples.
///
/// ```swift
/// let validation = images.rows(54_000..<60_000)   // examples 54,000…59,999, numbered 0…5,999
/// ```
public struct RowRange<Base: BatchSource>: BatchSource {
    public let base: Base
    public let range: Range<Int>

    public var count: Int { range.count }
    public var exampleShape: [Int] { base.exampleShape }
    public var inputShapes: [[Int]] { base.inputShapes }
    public func batch(_ indices: [Int]) -> (x: Tensor, y: Tensor) { base.batch(shifted(indices)) }
    public func inputBatch(_ indices: [Int]) -> (inputs: [Tensor], y: Tensor) { base.inputBatch(shifted(indices)) }
    public var targetCount: Int { base.targetCount }
    public func trainingBatch(_ indices: [Int]) -> (inputs: [Tensor], targets: [Tensor]) { base.trainingBatch(shifted(indices)) }

    private func shifted(_ indices: [Int]) -> [Int] {
        range.lowerBound == 0 ? indices : indices.map { $0 + range.lowerBound }
    }
}

/// Inputs and targets held as two tensors with the same first dimension.
///
/// ```swift
/// let pairs = TensorPairs(x: Tensor(rows: [[0, 1], [1, 0]]), y: Tensor([1, 0]))
/// let (x, y) = pairs.batch([1])   // [[1, 0]], [0]
/// ```
public struct TensorPairs: BatchSource, Sendable {
    public let x: Tensor
    public let y: Tensor

    public init(x: Tensor, y: Tensor) {
        require(x.rank >= 1 && y.rank >= 1 && x.shape[0] == y.shape[0],
                "TensorPairs: inputs \(x.shape) and targets \(y.shape) have different example counts")
        self.x = x
        self.y = y
    }

    public var count: Int { x.shape[0] }
    public var exampleShape: [Int] { Array(x.shape.dropFirst()) }
    public func batch(_ indices: [Int]) -> (x: Tensor, y: Tensor) { (x.gathering(rows: indices), y.gathering(rows: indices)) }
}

extension Dataset: BatchSource {
    public func batch(_ indices: [Int]) -> (x: Tensor, y: Tensor) {
        (features.gathering(rows: indices), targets.gathering(rows: indices))
    }
}

/// Input tensors and target tensors with the same first dimension: the data of a model with several inputs or
/// outputs (Keras's `fit([x1, x2], [y1, y2])`), such as an image and a table row per example.
///
/// ```swift
/// let data = MultiInputPairs(inputs: [images, tables], y: labels)   // [N, 28, 28, 1], [N, 4], [N]
/// try trainer.fit(data, batchSize: 64, epochs: 5)
/// let twoHeads = MultiInputPairs(inputs: [images], targets: [labels, ages])   // one target per model output
/// ```
public struct MultiInputPairs: BatchSource, Sendable {
    public let inputs: [Tensor]
    /// One target tensor per model output.
    public let targets: [Tensor]

    public init(inputs: [Tensor], targets: [Tensor]) {
        require(!inputs.isEmpty && !targets.isEmpty, "MultiInputPairs: needs at least one input and one target tensor")
        let n = targets[0].shape.first
        require((inputs + targets).allSatisfy { $0.rank >= 1 && $0.shape[0] == n },
                "MultiInputPairs: inputs \(inputs.map(\.shape)) and targets \(targets.map(\.shape)) have different example counts")
        self.inputs = inputs
        self.targets = targets
    }

    public init(inputs: [Tensor], y: Tensor) { self.init(inputs: inputs, targets: [y]) }

    /// The first target.
    public var y: Tensor { targets[0] }
    public var count: Int { targets[0].shape[0] }
    public var targetCount: Int { targets.count }

    public func trainingBatch(_ indices: [Int]) -> (inputs: [Tensor], targets: [Tensor]) {
        (inputs.map { $0.gathering(rows: indices) }, targets.map { $0.gathering(rows: indices) })
    }
    /// The first input's example shape (``inputShapes`` has them all).
    public var exampleShape: [Int] { Array(inputs[0].shape.dropFirst()) }
    public var inputShapes: [[Int]] { inputs.map { Array($0.shape.dropFirst()) } }

    /// Only for a single input: a source of several inputs is drawn with ``inputBatch(_:)``.
    public func batch(_ indices: [Int]) -> (x: Tensor, y: Tensor) {
        require(inputs.count == 1, "MultiInputPairs.batch: \(inputs.count) inputs; draw them with inputBatch(_:)")
        return (inputs[0].gathering(rows: indices), y.gathering(rows: indices))
    }

    public func inputBatch(_ indices: [Int]) -> (inputs: [Tensor], y: Tensor) {
        (inputs.map { $0.gathering(rows: indices) }, y.gathering(rows: indices))
    }
}

/// A source whose epochs are a part of a larger source's shuffled order (see ``BatchSource/shard(rank:count:)``).
/// `Trainer` shuffles ``orderCount`` positions and keeps this process's part with ``part(of:)``.
public protocol EpochOrderShard {
    /// How many positions each epoch's shuffle covers (the whole source's count).
    var orderCount: Int { get }
    /// This process's positions of a shuffled order of ``orderCount`` positions.
    func part(of order: [Int]) -> [Int]
}

/// One process's part of every epoch of `base` (made by ``BatchSource/shard(rank:count:)``). Its batches take the
/// base's example numbers.
public struct Shard<Base: BatchSource>: BatchSource, EpochOrderShard {
    public let base: Base
    public let rank: Int
    public let processCount: Int

    /// The examples this process sees per epoch: ⌈base.count / processCount⌉.
    public var count: Int { (base.count + processCount - 1) / processCount }
    public var exampleShape: [Int] { base.exampleShape }
    public var inputShapes: [[Int]] { base.inputShapes }
    public func batch(_ indices: [Int]) -> (x: Tensor, y: Tensor) { base.batch(indices) }
    public func inputBatch(_ indices: [Int]) -> (inputs: [Tensor], y: Tensor) { base.inputBatch(indices) }
    public var targetCount: Int { base.targetCount }
    public func trainingBatch(_ indices: [Int]) -> (inputs: [Tensor], targets: [Tensor]) { base.trainingBatch(indices) }

    public var orderCount: Int { base.count }

    public func part(of order: [Int]) -> [Int] {
        guard !order.isEmpty else { return [] }
        return (0..<count).map { order[(rank + $0 * processCount) % order.count] }
    }
}
