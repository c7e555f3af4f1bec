import TensorModule

/// Images kept as one byte per value and class labels; each batch is converted to Float32 and multiplied by
/// `scale` when it is drawn (Keras's `Rescaling(1/255)` as part of the input pipeline). Fashion-MNIST's 60,000
/// training images take 47 MB this way instead of 188 MB as Float32.
///
/// ```swift
/// let (train, test) = try IDXDataset.fashionMNISTImages()
/// let (x, y) = train.batch([0, 1, 2])      // x: [3, 784] in [0, 1], y: [3] class indices
/// ```
public struct ByteImages: BatchSource, Sendable {
    /// All examples' values, example after example.
    public let pixels: [UInt8]
    public let exampleShape: [Int]
    /// The class index of each example.
    public let labels: [Int]
    /// Multiplies every value when a batch is drawn.
    public var scale: Float

    /// `pixels.count` must be `labels.count` × the product of `exampleShape`.
    public init(pixels: [UInt8], exampleShape: [Int], labels: [Int], scale: Float = 1.0 / 255) {
        let width = exampleShape.reduce(1, *)
        require(pixels.count == labels.count * width,
                "ByteImages: \(pixels.count) values for \(labels.count) examples of shape \(exampleShape)")
        self.pixels = pixels
        self.exampleShape = exampleShape
        self.labels = labels
        self.scale = scale
    }

    public var count: Int { labels.count }

    public func batch(_ indices: [Int]) -> (x: Tensor, y: Tensor) {
        let width = exampleShape.reduce(1, *), s = scale
        for i in indices { require(i >= 0 && i < labels.count, "ByteImages.batch: index \(i) outside 0..<\(labels.count)") }
        // Rows drawn at random from tens of megabytes mostly wait for memory: both cores wait at once.
        let x = pixels.withUnsafeBufferPointer { src in
            indices.withUnsafeBufferPointer { indices in
                Tensor.filling([indices.count] + exampleShape, as: Float.self) { dst in
                    Parallel.forEachChunk(indices.count, chunks: 8, workPerItem: width) { _, _, rows in
                        for r in rows {
                            let from = src.baseAddress! + indices[r] * width, to = dst.baseAddress! + r * width
                            for j in 0..<width { to[j] = Float(from[j]) * s }
                        }
                    }
                }
            }
        }
        return (x, Tensor(integers: indices.map { Int32(labels[$0]) }))
    }

    /// All examples as tensors (inputs scaled, as in a batch).
    public var tensors: (x: Tensor, y: Tensor) { batch(Array(0..<count)) }
}
