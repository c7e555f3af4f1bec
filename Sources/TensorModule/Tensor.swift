/// An n-dimensional, row-major array of `Float`, `Double` or `Int32` (ids and labels) with value semantics and
/// reverse-mode autodiff.
///
/// Copies share their buffer until one of them is written (copy-on-write). A tensor that requires a gradient (a leaf
/// you marked, or the result of an op on one) is recorded on the autodiff tape; ``backward()`` on a scalar result fills
/// ``grad`` of every leaf that led to it.
///
/// ```swift
/// var w = Tensor(shape: [2], scalars: [3, -2] as [Float])
/// w.requiresGradient = true
/// let loss = (w * w).sum()
/// loss.backward()
/// print(w.grad!)  // [6.0, -4.0]
/// ```
public struct Tensor {
    /// The size of each dimension; `[]` for a scalar.
    public internal(set) var shape: [Int]
    var storage: TensorStorage
    /// The tape node when this tensor takes part in differentiation.
    var node: Node?

    init(shape: [Int], storage: TensorStorage, node: Node? = nil) {
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// An uninitialised tensor of `shape`, for kernels to fill.
    init(uninitialized shape: [Int], dtype: DType) {
        self.init(shape: shape, storage: TensorStorage.make(dtype: dtype, count: Shapes.count(shape)))
    }

    /// Element type.
    public var dtype: DType { storage.dtype }
    /// Number of elements.
    public var count: Int { storage.count }
    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// Makes the buffer unshared before an in-place write.
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    @inline(__always) func pointer<T: TensorScalar>(_ t: T.Type) -> UnsafeMutablePointer<T> { storage.pointer(t) }
    @inline(__always) func integerPointer() -> UnsafeMutablePointer<Int32> { storage.integerPointer() }
}

// MARK: - Creation from values

extension Tensor {
    /// A tensor of `shape` holding `scalars` in row-major order; the element type follows the array's.
    ///
    /// ```swift
    /// let m = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4] as [Float])
    /// ```
    public init<T: TensorScalar>(shape: [Int], scalars: [T]) {
        require(shape.allSatisfy { $0 >= 0 }, "Tensor(shape:scalars:): negative dimension in \(shape)")
        require(Shapes.count(shape) == scalars.count,
                "Tensor(shape:scalars:): shape \(shape) needs \(Shapes.count(shape)) scalars, got \(scalars.count)")
        self.init(uninitialized: shape, dtype: T.dtype)
        let p = pointer(T.self)
        scalars.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { p.update(from: base, count: src.count) }
        }
    }

    /// A tensor of `shape` from `Double` values stored as `dtype`.
    ///
    /// ```swift
    /// let x = Tensor(shape: [3], values: [1, 2, 3], dtype: .float32)
    /// ```
    public init(shape: [Int], values: [Double], dtype: DType = .float32) {
        switch dtype {
        case .float32: self.init(shape: shape, scalars: values.map { Float($0) })
        case .float64: self.init(shape: shape, scalars: values)
        case .int32:
            for v in values {
                require(v == v.rounded(.towardZero) && Swift.abs(v) <= Double(Int32.max), "Tensor(shape:values:): \(v) is not an int32 value")
            }
            self.init(shape: shape, integers: values.map { Int32($0) })
        }
    }

    /// An `int32` tensor of `shape` holding `integers` in row-major order: token ids, class labels, indices.
    ///
    /// ```swift
    /// let ids = Tensor(shape: [2, 3], integers: [5, 2, 0, 7, 1, 0])
    /// ```
    public init(shape: [Int], integers: [Int32]) {
        require(shape.allSatisfy { $0 >= 0 }, "Tensor(shape:integers:): negative dimension in \(shape)")
        require(Shapes.count(shape) == integers.count,
                "Tensor(shape:integers:): shape \(shape) needs \(Shapes.count(shape)) integers, got \(integers.count)")
        self.init(uninitialized: shape, dtype: .int32)
        let p = integerPointer()
        integers.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { p.update(from: base, count: src.count) }
        }
    }

    /// A 1-D `int32` tensor, e.g. class labels.
    ///
    /// ```swift
    /// let labels = Tensor(integers: [0, 2, 1])   // int32, shape [3]
    /// ```
    public init(integers: [Int32]) {
        self.init(shape: [integers.count], integers: integers)
    }

    /// The elements of an `int32` tensor in row-major order.
    ///
    /// ```swift
    /// Tensor(integers: [3, 1]).integers   // [3, 1]
    /// ```
    public var integers: [Int32] {
        require(dtype == .int32, "integers: tensor holds \(dtype), not int32 (convert it with converted(to: .int32))")
        return withExtendedLifetime(storage) { Array(UnsafeBufferPointer(start: integerPointer(), count: count)) }
    }

    /// A 1-D tensor of `values`.
    ///
    /// ```swift
    /// let v = Tensor([1, 2, 3])  // float32, shape [3]
    /// ```
    public init(_ values: [Double], dtype: DType = .float32) {
        self.init(shape: [values.count], values: values, dtype: dtype)
    }

    /// A 2-D tensor from rows of equal length.
    ///
    /// ```swift
    /// let m = Tensor(rows: [[1, 2], [3, 4]])  // shape [2, 2]
    /// ```
    public init(rows: [[Double]], dtype: DType = .float32) {
        let width = rows.first?.count ?? 0
        require(rows.allSatisfy { $0.count == width }, "Tensor(rows:): rows have different lengths")
        self.init(shape: [rows.count, width], values: rows.flatMap { $0 }, dtype: dtype)
    }

    /// A scalar (rank-0) tensor.
    ///
    /// ```swift
    /// let s = Tensor(scalar: 2.5)
    /// ```
    public init(scalar: Double, dtype: DType = .float32) {
        self.init(shape: [], values: [scalar], dtype: dtype)
    }

    /// The elements in row-major order, converted to `T`.
    ///
    /// ```swift
    /// let xs: [Float] = Tensor([1, 2]).scalars(as: Float.self)
    /// ```
    public func scalars<T: TensorScalar>(as _: T.Type) -> [T] {
        withExtendedLifetime(storage) {
            switch dtype {
            case .float32: return Self.convert(pointer(Float.self), count: count, to: T.self)
            case .float64: return Self.convert(pointer(Double.self), count: count, to: T.self)
            case .int32:
                let p = integerPointer()
                return (0..<count).map { T(p[$0]) }
            }
        }
    }

    /// The elements in row-major order as `Double`.
    public var values: [Double] { scalars(as: Double.self) }

    /// The single element of a one-element tensor, as `Double` (like PyTorch's `item()`).
    public var scalar: Double {
        require(count == 1, "scalar: tensor of shape \(shape) has \(count) elements, not 1")
        return self[flat: 0]
    }

    /// The element at a flat (row-major) offset, as `Double`.
    public subscript(flat index: Int) -> Double {
        require(index >= 0 && index < count, "subscript: flat index \(index) out of range for \(count) elements")
        return withExtendedLifetime(storage) {
            switch dtype {
            case .float32: return Double(pointer(Float.self)[index])
            case .float64: return pointer(Double.self)[index]
            case .int32: return Double(integerPointer()[index])
            }
        }
    }

    /// The element at a multi-dimensional index, as `Double`.
    ///
    /// ```swift
    /// let m = Tensor(rows: [[1, 2], [3, 4]])
    /// m[1, 0]  // 3.0
    /// ```
    public subscript(_ index: Int...) -> Double {
        require(index.count == rank, "subscript: \(index.count) indices for a tensor of rank \(rank)")
        var flat = 0
        for (i, d) in zip(index, shape) {
            require(i >= 0 && i < d, "subscript: index \(index) out of range for shape \(shape)")
            flat = flat * d + i
        }
        return self[flat: flat]
    }

    static func convert<S: TensorScalar, T: TensorScalar>(_ p: UnsafePointer<S>, count: Int, to _: T.Type) -> [T] {
        if S.self == T.self {
            return Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: T.self), count: count))
        }
        return [T](unsafeUninitializedCapacity: count) { buf, n in
            for i in 0..<count { buf[i] = T(p[i]) }
            n = count
        }
    }
}

extension Tensor: Equatable {
    /// Same shape, element type and values (NaN ≠ NaN, as for the scalars).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.dtype == rhs.dtype && lhs.values == rhs.values
    }
}

/// Tensors may be passed between threads and tasks: their buffers are never written once shared (writes copy
/// first). The autodiff tape is not synchronised, so don't run two backward passes over one graph at once.
extension Tensor: @unchecked Sendable {}

// MARK: - Raw element access

extension Tensor {
    /// Calls `body` with the elements as a read-only buffer of `T` (which must match ``dtype``).
    ///
    /// ```swift
    /// let total = x.withUnsafeScalars(as: Float.self) { $0.reduce(0, +) }
    /// ```
    @inlinable
    public func withUnsafeScalars<T: TensorScalar, R>(as _: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        require(T.dtype == dtype, "withUnsafeScalars: tensor holds \(dtype), not \(T.dtype)")
        return try withExtendedLifetime(self) {
            try body(UnsafeBufferPointer(start: baseAddress.assumingMemoryBound(to: T.self), count: count))
        }
    }

    /// Calls `body` with the elements as a mutable buffer of `T` (which must match ``dtype``), after making the
    /// buffer unshared. Writes are not recorded on the autodiff tape: use it for parameter updates and fills.
    ///
    /// ```swift
    /// w.withUnsafeMutableScalars(as: Float.self) { for i in $0.indices { $0[i] *= 0.5 } }
    /// ```
    @inlinable
    public mutating func withUnsafeMutableScalars<T: TensorScalar, R>(as _: T.Type,
                                                                      _ body: (UnsafeMutableBufferPointer<T>) throws -> R) rethrows -> R {
        require(T.dtype == dtype, "withUnsafeMutableScalars: tensor holds \(dtype), not \(T.dtype)")
        let base = uniqueBaseAddress()
        return try withExtendedLifetime(self) {
            try body(UnsafeMutableBufferPointer(start: base.assumingMemoryBound(to: T.self), count: count))
        }
    }

    // The two accessors are inlinable (their callers in other modules get a loop specialised for the element type,
    // not a generic call per use: the optimizer's per-parameter overhead was mostly that); they reach the buffer
    // through these two small non-generic entry points.

    /// The first element's address (valid while this tensor is alive and unchanged).
    @usableFromInline var baseAddress: UnsafeMutableRawPointer { storage.raw }

    /// Makes the buffer unshared, then returns its first element's address.
    @usableFromInline mutating func uniqueBaseAddress() -> UnsafeMutableRawPointer {
        makeUnique()
        return storage.raw
    }
}
