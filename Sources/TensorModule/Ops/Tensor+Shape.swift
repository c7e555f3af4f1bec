// Shape ops: views that share the buffer (reshape, squeeze, unsqueeze) and copies (permute, expand, concatenate,
// slice, gather).

extension Tensor {
    /// The same elements with another shape of the same count; one dimension may be -1 (inferred). Shares the buffer.
    ///
    /// ```swift
    /// Tensor([1, 2, 3, 4, 5, 6]).reshaped(to: [2, -1])  // shape [2, 3]
    /// ```
    public func reshaped(to newShape: [Int]) -> Tensor {
        let target = validate { () throws(ShapeError) in try Shapes.reshape(shape, to: newShape) }
        let old = shape
        return withShape(target).recording("reshaped", self) { g in InputGradients(g.withShape(old)) }
    }

    /// Removes size-1 dimensions: those in `axes`, or all of them when `axes` is nil.
    public func squeezed(axes: [Int]? = nil) -> Tensor {
        let ax = validate { () throws(ShapeError) -> [Int] in
            let a = try Shapes.normalize(axes: axes, rank: rank, op: "squeezed")
            for i in a where axes != nil && shape[i] != 1 {
                throw ShapeError(op: "squeezed", "axis \(i) of shape \(shape) has size \(shape[i]), not 1")
            }
            return a
        }
        return reshaped(to: shape.enumerated().filter { !(ax.contains($0.offset) && $0.element == 1) }.map(\.element))
    }

    /// Inserts a size-1 dimension at `axis` (0...rank; negative counts from the end of the result).
    public func unsqueezed(at axis: Int) -> Tensor {
        let a = validate { () throws(ShapeError) in try Shapes.normalize(axis: axis, rank: rank + 1, op: "unsqueezed") }
        var s = shape
        s.insert(1, at: a)
        return reshaped(to: s)
    }

    /// The dimensions reordered: result dimension i is dimension `axes[i]` of `self`.
    ///
    /// ```swift
    /// Tensor.zeros([2, 3, 4]).permuted([2, 0, 1]).shape  // [4, 2, 3]
    /// ```
    public func permuted(_ axes: [Int]) -> Tensor {
        validate { () throws(ShapeError) in
            guard axes.sorted() == Array(0..<rank) else {
                throw ShapeError(op: "permuted", "axes \(axes) are not a permutation of 0..<\(rank) for shape \(shape)")
            }
        }
        let outShape = axes.map { shape[$0] }
        let own = Shapes.strides(shape)
        let out = Tensor(uninitialized: outShape, dtype: dtype)
        let plan = StridedPlan(shape: outShape, operandStrides: [Shapes.strides(outShape), axes.map { own[$0] }])
        withExtendedLifetime(self) {
            switch dtype {
            case .int32: Kernels.expand(integerPointer(), out.integerPointer(), plan)
            case .float32: Kernels.expand(pointer(Float.self), out.pointer(Float.self), plan)
            case .float64: Kernels.expand(pointer(Double.self), out.pointer(Double.self), plan)
            }
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return out.recording("permuted", self) { g in InputGradients(g.permuted(inverse)) }
    }

    /// The dimensions in reverse order (for a matrix, its transpose).
    public func transposed() -> Tensor { permuted(Array((0..<rank).reversed())) }

    /// `self` broadcast to `shape` (NumPy's `broadcast_to`, materialised).
    public func expanded(to target: [Int]) -> Tensor {
        validate { () throws(ShapeError) in try Shapes.checkExpand(shape, to: target, op: "expanded") }
        return broadcastCopy(to: target).recording("expanded", self) { g in InputGradients(g) }
    }

    /// Joins tensors of equal shape except along `axis`.
    ///
    /// ```swift
    /// Tensor.concatenating([Tensor([1]), Tensor([2, 3])])  // [1.0, 2.0, 3.0]
    /// ```
    public static func concatenating(_ tensors: [Tensor], alongAxis axis: Int = 0) -> Tensor {
        require(!tensors.isEmpty, "concatenating: needs at least one tensor")
        let first = tensors[0]
        let a = validate { () throws(ShapeError) -> Int in
            let a = try Shapes.normalize(axis: axis, rank: first.rank, op: "concatenating")
            for t in tensors {
                try Shapes.checkSameDType(first.dtype, t.dtype, op: "concatenating")
                var x = t.shape, y = first.shape
                guard x.count == y.count else {
                    throw ShapeError(op: "concatenating", "shapes \(first.shape) and \(t.shape) differ in rank")
                }
                x[a] = 0; y[a] = 0
                guard x == y else {
                    throw ShapeError(op: "concatenating", "shapes \(first.shape) and \(t.shape) differ off axis \(a)")
                }
            }
            return a
        }
        var outShape = first.shape
        outShape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
        let out = Tensor.zeros(outShape, dtype: first.dtype)
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            out.copyBlock(from: t, axis: a, sourceStart: 0, destinationStart: offset, length: t.shape[a])
            offset += t.shape[a]
        }
        return out.recording("concatenating", inputs: tensors) { g in
            InputGradients(all: zip(tensors, offsets).map { t, o in g.slice(alongAxis: a, o..<(o + t.shape[a])) })
        }
    }

    /// Stacks tensors of equal shape along a new dimension at `axis`.
    public static func stacking(_ tensors: [Tensor], alongAxis axis: Int = 0) -> Tensor {
        require(!tensors.isEmpty, "stacking: needs at least one tensor")
        return concatenating(tensors.map { $0.unsqueezed(at: axis) }, alongAxis: axis)
    }

    /// The elements with indices `range` along `axis` (a copy).
    ///
    /// ```swift
    /// Tensor([1, 2, 3, 4]).slice(alongAxis: 0, 1..<3)  // [2.0, 3.0]
    /// ```
    public func slice(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        let a = validate { () throws(ShapeError) -> Int in
            let a = try Shapes.normalize(axis: axis, rank: rank, op: "slice")
            guard range.lowerBound >= 0 && range.upperBound <= shape[a] else {
                throw ShapeError(op: "slice", "range \(range) is out of bounds for axis \(a) of shape \(shape)")
            }
            return a
        }
        var outShape = shape
        outShape[a] = range.count
        let out = Tensor(uninitialized: outShape, dtype: dtype)
        out.copyBlock(from: self, axis: a, sourceStart: range.lowerBound, destinationStart: 0, length: range.count)
        let inputShape = shape, dt = dtype
        return out.recording("slice", self) { g in
            let full = Tensor.zeros(inputShape, dtype: dt)
            full.copyBlock(from: g, axis: a, sourceStart: 0, destinationStart: range.lowerBound, length: range.count)
            return InputGradients(full)
        }
    }

    /// Rows (entries along axis 0) picked by `indices`, repeats allowed; the gradient adds up over repeats.
    ///
    /// ```swift
    /// Tensor(rows: [[1, 2], [3, 4]]).gathering(rows: [1, 1, 0])  // [[3, 4], [3, 4], [1, 2]]
    /// ```
    public func gathering(rows indices: [Int]) -> Tensor {
        require(rank >= 1, "gathering: needs rank ≥ 1, got shape \(shape)")
        for i in indices {
            require(i >= 0 && i < shape[0], "gathering: row index \(i) out of range for shape \(shape)")
        }
        let width = count / Swift.max(shape[0], 1)
        var outShape = shape
        outShape[0] = indices.count
        let out = Tensor(uninitialized: outShape, dtype: dtype)
        let bytes = width * dtype.byteCount
        withExtendedLifetime(self) {
            for (r, i) in indices.enumerated() {
                (out.storage.raw + r * bytes).copyMemory(from: storage.raw + i * bytes, byteCount: bytes)
            }
        }
        let inputShape = shape
        return out.recording("gathering", self) { g in InputGradients(g.scatterAddingRows(indices, into: inputShape)) }
    }

    /// Zeros of `shape` with row `indices[r]` += row r of `self` (the pullback of gathering).
    func scatterAddingRows(_ indices: [Int], into shape: [Int]) -> Tensor {
        let out = Tensor.zeros(shape, dtype: dtype)
        let width = count / Swift.max(indices.count, 1)
        withExtendedLifetime(self) {
            switch dtype {
            case .int32: floatOnly()
            case .float32: Self.addRows(pointer(Float.self), out.pointer(Float.self), indices, width)
            case .float64: Self.addRows(pointer(Double.self), out.pointer(Double.self), indices, width)
            }
        }
        return out
    }

    private static func addRows<T: TensorScalar>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>,
                                                 _ indices: [Int], _ width: Int) {
        for (r, i) in indices.enumerated() {
            let s = src + r * width, d = dst + i * width
            for j in 0..<width { d[j] += s[j] }
        }
    }

    /// Copies `length` entries along `axis` of `source`, starting at `sourceStart`, into this tensor's buffer at
    /// `destinationStart` (both viewed as outer × axis × inner). Writes in place: only for freshly made outputs.
    func copyBlock(from source: Tensor, axis: Int, sourceStart: Int, destinationStart: Int, length: Int) {
        let inner = shape[(axis + 1)...].reduce(1, *) * dtype.byteCount
        let outer = shape[..<axis].reduce(1, *)
        let srcRow = source.shape[axis] * inner, dstRow = shape[axis] * inner
        withExtendedLifetime(source) {
            for o in 0..<outer {
                (storage.raw + o * dstRow + destinationStart * inner)
                    .copyMemory(from: source.storage.raw + o * srcRow + sourceStart * inner, byteCount: length * inner)
            }
        }
    }

    /// One-hot rows: `labels[i]` becomes row i with a 1 in column `labels[i]`.
    ///
    /// ```swift
    /// Tensor.oneHot([2, 0], classCount: 3)  // [[0, 0, 1], [1, 0, 0]]
    /// ```
    public static func oneHot(_ labels: [Int], classCount: Int, dtype: DType = .float32) -> Tensor {
        for l in labels {
            require(l >= 0 && l < classCount, "oneHot: label \(l) out of range for \(classCount) classes")
        }
        var values = [Double](repeating: 0, count: labels.count * classCount)
        for (i, l) in labels.enumerated() { values[i * classCount + l] = 1 }
        return Tensor(shape: [labels.count, classCount], values: values, dtype: dtype)
    }
}
