// Tensors made from a shape and a rule: constants, ranges, identity and seeded random values.

extension Tensor {
    /// A tensor of `shape` with every element `value`.
    ///
    /// ```swift
    /// Tensor.full([2, 2], value: 7)
    /// ```
    public static func full(_ shape: [Int], value: Double, dtype: DType = .float32) -> Tensor {
        require(shape.allSatisfy { $0 >= 0 }, "full: negative dimension in \(shape)")
        let t = Tensor(uninitialized: shape, dtype: dtype)
        switch dtype {
        case .float32: t.pointer(Float.self).update(repeating: Float(value), count: t.count)
        case .float64: t.pointer(Double.self).update(repeating: value, count: t.count)
        case .int32:
            require(value == value.rounded(.towardZero) && Swift.abs(value) <= Double(Int32.max), "full: \(value) is not an int32 value")
            t.integerPointer().update(repeating: Int32(value), count: t.count)
        }
        return t
    }

    /// Zeros of `shape`.
    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor { full(shape, value: 0, dtype: dtype) }

    /// Ones of `shape`.
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor { full(shape, value: 1, dtype: dtype) }

    /// start, start + step, … up to but excluding `end` (NumPy's `arange`).
    ///
    /// ```swift
    /// Tensor.arange(0, 1, step: 0.25)  // [0.0, 0.25, 0.5, 0.75]
    /// ```
    public static func arange(_ start: Double, _ end: Double, step: Double = 1, dtype: DType = .float32) -> Tensor {
        require(step != 0 && step.isFinite, "arange: step must be finite and non-zero, got \(step)")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(shape: [n], values: (0..<n).map { start + Double($0) * step }, dtype: dtype)
    }

    /// `count` evenly spaced values from `start` to `end`, both included (NumPy's `linspace`).
    public static func linspace(_ start: Double, _ end: Double, count: Int, dtype: DType = .float32) -> Tensor {
        require(count >= 0, "linspace: count must be ≥ 0, got \(count)")
        let step = count > 1 ? (end - start) / Double(count - 1) : 0
        return Tensor(shape: [count], values: (0..<count).map { $0 == count - 1 ? end : start + Double($0) * step },
                      dtype: dtype)
    }

    /// The n×n identity matrix.
    public static func identity(_ n: Int, dtype: DType = .float32) -> Tensor {
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        return Tensor(shape: [n, n], values: v, dtype: dtype)
    }

    /// Uniform values in [lowerBound, upperBound) from `generator`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 1)
    /// let u = Tensor.randomUniform([2, 3], lowerBound: -1, upperBound: 1, using: &rng)
    /// ```
    public static func randomUniform(_ shape: [Int], lowerBound: Double = 0, upperBound: Double = 1,
                                     dtype: DType = .float32, using generator: inout RandomGenerator) -> Tensor {
        let n = Shapes.count(shape)
        let width = upperBound - lowerBound
        return Tensor(shape: shape, values: (0..<n).map { _ in lowerBound + width * generator.nextUniform() }, dtype: dtype)
    }

    /// Normal values with the given mean and standard deviation from `generator`.
    public static func randomNormal(_ shape: [Int], mean: Double = 0, standardDeviation: Double = 1,
                                    dtype: DType = .float32, using generator: inout RandomGenerator) -> Tensor {
        let n = Shapes.count(shape)
        return Tensor(shape: shape, values: (0..<n).map { _ in mean + standardDeviation * generator.nextNormal() },
                      dtype: dtype)
    }
}

extension Tensor {
    /// A tensor of `shape` whose elements `body` writes through a buffer (every element must be written).
    /// For readers and converters that fill large tensors without an intermediate array.
    ///
    /// ```swift
    /// let t = Tensor.filling([3], as: Float.self) { buffer in
    ///     for i in buffer.indices { buffer[i] = Float(i) }
    /// }
    /// ```
    public static func filling<T: TensorScalar>(_ shape: [Int], as _: T.Type,
                                                _ body: (UnsafeMutableBufferPointer<T>) throws -> Void) rethrows -> Tensor {
        require(shape.allSatisfy { $0 >= 0 }, "filling: negative dimension in \(shape)")
        let t = Tensor(uninitialized: shape, dtype: T.dtype)
        try body(UnsafeMutableBufferPointer(start: t.pointer(T.self), count: t.count))
        return t
    }
}
