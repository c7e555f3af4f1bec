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
}

extension BatchSource {
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
    public func batch(_ indices: [Int]) -> (x: Tensor, y: Tensor) {
        let start = range.lowerBound
        return base.batch(start == 0 ? indices : indices.map { $0 + start })
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
