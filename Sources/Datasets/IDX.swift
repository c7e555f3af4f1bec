import FileIO
import TensorModule

/// An array read from an IDX file (the MNIST / Fashion-MNIST format): a big-endian header and payload.
///
/// Layout: two zero bytes, a type code (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64), the number of
/// dimensions, each dimension as a big-endian UInt32, then the values in row-major order, big-endian.
///
/// ```swift
/// let images = try IDXFile(contentsOf: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
/// images.shape                        // [10000, 28, 28]
/// let x = images.tensor(scale: 1 / 255)
/// ```
public struct IDXFile: Sendable {
    /// The element type, as the magic number's third byte codes it.
    public enum ElementType: UInt8, Sendable {
        case uint8 = 0x08, int8 = 0x09, int16 = 0x0B, int32 = 0x0C, float32 = 0x0D, float64 = 0x0E

        public var byteCount: Int {
            switch self {
            case .uint8, .int8: return 1
            case .int16: return 2
            case .int32, .float32: return 4
            case .float64: return 8
            }
        }
    }

    public let elementType: ElementType
    public let shape: [Int]
    /// The payload bytes, big-endian.
    let payload: [UInt8]
    public let path: String

    /// Reads and validates an IDX file, raw or gzip-compressed; every check happens before the values are used.
    public init(contentsOf path: String) throws(DataError) {
        try self.init(bytes: try Gzip.contents(ofFile: path), path: path)
    }

    /// Parses IDX bytes; `path` names the source in errors.
    public init(bytes: [UInt8], path: String) throws(DataError) {
        guard bytes.count >= 4 else { throw DataError(file: path, location: "offset 0", "file is \(bytes.count) bytes, shorter than the 4-byte IDX magic") }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw DataError(file: path, location: "offset 0",
                            "not an IDX file: magic starts with \(bytes[0]), \(bytes[1]) instead of 0, 0")
        }
        guard let type = ElementType(rawValue: bytes[2]) else {
            throw DataError(file: path, location: "offset 2", "unknown IDX type code 0x\(String(bytes[2], radix: 16))")
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw DataError(file: path, location: "offset 3", "IDX file declares 0 dimensions") }
        guard rank <= 8 else { throw DataError(file: path, location: "offset 3", "IDX file declares \(rank) dimensions (at most 8 supported)") }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw DataError(file: path, location: "offset \(bytes.count)", "header needs \(headerSize) bytes, file has \(bytes.count)")
        }
        var shape: [Int] = []
        var count = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let size = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, product <= Int(Int32.max) * 8 else {
                throw DataError(file: path, location: "offset \(o)", "dimensions \(shape + [size]) hold too many elements")
            }
            shape.append(size)
            count = product
        }
        let expected = headerSize + count * type.byteCount
        guard bytes.count == expected else {
            throw DataError(file: path, location: "offset \(Swift.min(bytes.count, expected))",
                            "shape \(shape) of \(type) needs \(expected) bytes, file has \(bytes.count) (\(bytes.count < expected ? "truncated" : "trailing data"))")
        }
        elementType = type
        self.shape = shape
        payload = Array(bytes[headerSize...])
        self.path = path
    }

    /// Number of values.
    public var count: Int { shape.reduce(1, *) }

    /// The value at flat index `i`.
    public func value(at i: Int) -> Double {
        let o = i * elementType.byteCount
        func be(_ n: Int) -> UInt64 { (0..<n).reduce(0) { $0 << 8 | UInt64(payload[o + $1]) } }
        switch elementType {
        case .uint8: return Double(payload[o])
        case .int8: return Double(Int8(bitPattern: payload[o]))
        case .int16: return Double(Int16(bitPattern: UInt16(be(2))))
        case .int32: return Double(Int32(bitPattern: UInt32(be(4))))
        case .float32: return Double(Float(bitPattern: UInt32(be(4))))
        case .float64: return Double(bitPattern: be(8))
        }
    }

    /// The values as a tensor of `shape`, each multiplied by `scale`.
    public func tensor(dtype: DType = .float32, scale: Double = 1) -> Tensor {
        switch dtype {
        case .float32:
            if elementType == .uint8 {
                let s = Float(scale)
                return payload.withUnsafeBufferPointer { src in
                    Tensor.filling(shape, as: Float.self) { dst in for i in 0..<dst.count { dst[i] = Float(src[i]) * s } }
                }
            }
            return Tensor.filling(shape, as: Float.self) { dst in for i in 0..<dst.count { dst[i] = Float(value(at: i) * scale) } }
        case .float64:
            return Tensor.filling(shape, as: Double.self) { dst in for i in 0..<dst.count { dst[i] = value(at: i) * scale } }
        case .int32:
            require(scale == 1 && elementType != .float32 && elementType != .float64,
                    "IDXFile.tensor(dtype: .int32): use integerTensor() for integer files; floats are not ids")
            return Tensor(shape: shape, integers: (0..<count).map { Int32(value(at: $0)) })
        }
    }

    /// An integer file (u8, i8, i16, i32) as an int32 tensor, never through a float: labels and ids. A float file
    /// is an error.
    ///
    /// ```swift
    /// let labels = try IDXFile(contentsOf: "train-labels-idx1-ubyte.gz").integerTensor()   // int32 [60000]
    /// ```
    public func integerTensor() throws(DataError) -> Tensor {
        guard elementType != .float32 && elementType != .float64 else {
            throw DataError(file: path, location: "offset 2", "holds \(elementType) values, not integers")
        }
        return tensor(dtype: .int32)
    }

    /// The values as integer labels, each checked to lie in 0..<classCount.
    public func labels(classCount: Int) throws(DataError) -> [Int] {
        guard shape.count == 1 else { throw DataError(file: path, "labels must be 1-D, found shape \(shape)") }
        var out: [Int] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let v = value(at: i)
            guard v == v.rounded(), v >= 0, v < Double(classCount) else {
                throw DataError(file: path, location: "offset \(4 + 4 * shape.count + i * elementType.byteCount)",
                                "label \(v) is outside 0..<\(classCount)")
            }
            out.append(Int(v))
        }
        return out
    }
}

/// Images and labels from a pair of IDX files (MNIST layout).
public enum IDXDataset {
    /// Reads an image file and a label file, checking that their counts agree and the labels are in range.
    /// Images come back as [N, rows·cols…] (flattened) scaled by `scale`, labels as int32 [N].
    public static func load(images: String, labels: String, classCount: Int = 10, scale: Double = 1.0 / 255,
                            flatten: Bool = true) throws(DataError) -> (x: Tensor, y: Tensor) {
        let (imageFile, labelValues) = try read(images: images, labels: labels, classCount: classCount)
        var x = imageFile.tensor(scale: scale)
        if flatten { x = x.reshaped(to: [imageFile.shape[0], -1]) }
        return (x, Tensor(integers: labelValues.map { Int32($0) }))
    }

    /// Like ``load(images:labels:classCount:scale:flatten:)`` for 8-bit images, kept as bytes and scaled per batch.
    public static func byteImages(images: String, labels: String, classCount: Int = 10, scale: Float = 1.0 / 255,
                                  flatten: Bool = true) throws(DataError) -> ByteImages {
        let (imageFile, labelValues) = try read(images: images, labels: labels, classCount: classCount)
        guard imageFile.elementType == .uint8 else {
            throw DataError(file: images, location: "offset 2", "expected 8-bit images (type 0x08), found \(imageFile.elementType)")
        }
        let example = Array(imageFile.shape.dropFirst())
        return ByteImages(pixels: imageFile.payload, exampleShape: flatten ? [example.reduce(1, *)] : example,
                          labels: labelValues, scale: scale)
    }

    private static func read(images: String, labels: String, classCount: Int) throws(DataError) -> (IDXFile, [Int]) {
        let imageFile = try IDXFile(contentsOf: images)
        let labelFile = try IDXFile(contentsOf: labels)
        guard imageFile.shape.count >= 2 else {
            throw DataError(file: images, "images must have at least 2 dimensions, found shape \(imageFile.shape)")
        }
        let labelValues = try labelFile.labels(classCount: classCount)
        guard labelValues.count == imageFile.shape[0] else {
            throw DataError(file: labels, "\(labelValues.count) labels for \(imageFile.shape[0]) images in \(images)")
        }
        return (imageFile, labelValues)
    }

    /// Fashion-MNIST from Debian's `dataset-fashion-mnist` (or `directory`): train and test splits.
    public static func fashionMNIST(directory: String = defaultFashionMNISTDirectory)
        throws(DataError) -> (train: (x: Tensor, y: Tensor), test: (x: Tensor, y: Tensor)) {
        let train = try load(images: directory + "/train-images-idx3-ubyte.gz", labels: directory + "/train-labels-idx1-ubyte.gz")
        let test = try load(images: directory + "/t10k-images-idx3-ubyte.gz", labels: directory + "/t10k-labels-idx1-ubyte.gz")
        return (train, test)
    }

    /// Fashion-MNIST's train and test splits as ``ByteImages`` (flattened to 784 values, scaled by 1/255 per batch):
    /// a quarter of ``fashionMNIST(directory:)``'s memory.
    public static func fashionMNISTImages(directory: String = defaultFashionMNISTDirectory)
        throws(DataError) -> (train: ByteImages, test: ByteImages) {
        let train = try byteImages(images: directory + "/train-images-idx3-ubyte.gz", labels: directory + "/train-labels-idx1-ubyte.gz")
        let test = try byteImages(images: directory + "/t10k-images-idx3-ubyte.gz", labels: directory + "/t10k-labels-idx1-ubyte.gz")
        return (train, test)
    }

    /// Where Debian's `dataset-fashion-mnist` puts its IDX files.
    public static let defaultFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"
}
