// Ops on int32 tensors: comparisons, gathering rows by id (an embedding lookup), one-hot.

extension Tensor {
    /// Elementwise comparison of two int32 tensors, broadcasting: 1/0 as int32. Arithmetic ops stop with a message.
    static func integerComparison(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, shape: [Int], name: String) -> Tensor {
        let compare: (Int32, Int32) -> Bool
        switch op {
        case .less: compare = (<)
        case .lessEqual: compare = (<=)
        case .greater: compare = (>)
        case .greaterEqual: compare = (>=)
        case .equal: compare = (==)
        case .notEqual: compare = (!=)
        default: floatOnly(name)
        }
        let x = a.broadcastCopy(to: shape), y = b.broadcastCopy(to: shape)
        let out = Tensor(uninitialized: shape, dtype: .int32)
        keepingAlive(x, y) {
            let p = x.integerPointer(), q = y.integerPointer(), o = out.integerPointer()
            for i in 0..<out.count { o[i] = compare(p[i], q[i]) ? 1 : 0 }
        }
        return out
    }

    /// The rows of this table picked by `ids` (an int32 tensor of any shape): shape `ids.shape + shape[1...]`, as
    /// `torch.nn.functional.embedding` or `tf.gather`. Differentiable with respect to the table: a row's gradient is
    /// the sum over every place its id appears. Ids outside `0..<shape[0]`, or float ids, stop with a message naming
    /// the op and the shapes.
    ///
    /// ```swift
    /// let table = Tensor(rows: [[0, 0], [1, 1], [2, 2]])
    /// table.gathering(ids: Tensor(shape: [2, 2], integers: [2, 0, 1, 1]))   // shape [2, 2, 2]
    /// ```
    public func gathering(ids: Tensor) -> Tensor {
        require(ids.dtype == .int32, "gathering(ids:): ids must be int32, found \(ids.dtype) of shape \(ids.shape) "
                + "(convert with converted(to: .int32))")
        require(rank >= 1, "gathering(ids:): the table needs rank ≥ 1, got shape \(shape)")
        let rows = ids.integers
        if let bad = rows.first(where: { $0 < 0 || Int($0) >= shape[0] }) {
            require(false, "gathering(ids:): id \(bad) out of range 0..<\(shape[0]) for table \(shape), ids \(ids.shape)")
        }
        let picked = gathering(rows: rows.map(Int.init))
        return picked.reshaped(to: ids.shape + shape.dropFirst())
    }

    /// One-hot rows of an int32 tensor of class ids: shape `shape + [classCount]`, 1 at each id (float32 unless
    /// `dtype` says otherwise). An id outside `0..<classCount` stops with a message.
    ///
    /// ```swift
    /// Tensor(integers: [2, 0]).oneHot(classCount: 3).values   // [0, 0, 1, 1, 0, 0]
    /// ```
    public func oneHot(classCount: Int, dtype: DType = .float32) -> Tensor {
        require(self.dtype == .int32, "oneHot: ids must be int32, found \(self.dtype) of shape \(shape)")
        let ids = integers
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= classCount }) {
            require(false, "oneHot: id \(bad) out of range 0..<\(classCount) in shape \(shape)")
        }
        var values = [Double](repeating: 0, count: ids.count * classCount)
        for (i, id) in ids.enumerated() { values[i * classCount + Int(id)] = 1 }
        return Tensor(shape: shape + [classCount], values: values, dtype: dtype)
    }

    /// 1 where both int32 masks are non-zero, else 0 (same shapes): the mask of positions that count in both.
    ///
    /// ```swift
    /// Tensor(integers: [1, 1, 0]).logicalAnd(Tensor(integers: [1, 0, 0])).integers   // [1, 0, 0]
    /// ```
    public func logicalAnd(_ other: Tensor) -> Tensor {
        require(dtype == .int32 && other.dtype == .int32 && shape == other.shape,
                "logicalAnd: needs two int32 masks of one shape, got \(dtype) \(shape) and \(other.dtype) \(other.shape)")
        return Tensor(shape: shape, integers: zip(integers, other.integers).map { $0 != 0 && $1 != 0 ? 1 : 0 })
    }
}
