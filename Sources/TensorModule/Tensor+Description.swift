// Printing: nested brackets like NumPy, long dimensions elided with "...".

extension Tensor: CustomStringConvertible {
    /// The values in nested brackets, with the shape and element type when it is not a scalar.
    ///
    /// ```swift
    /// print(Tensor(rows: [[1, 2], [3, 4]]))
    /// // [[1.0, 2.0],
    /// //  [3.0, 4.0]] shape [2, 2], float32
    /// ```
    public var description: String {
        let v = values
        if rank == 0 { return format(v.first ?? 0) }
        let body = render(v, dim: 0, offset: 0, strides: Shapes.strides(shape), indent: 1)
        return "\(body) shape \(shape), \(dtype)"
    }

    private func format(_ x: Double) -> String {
        switch dtype {
        case .float32: return "\(Float(x))"
        case .float64: return "\(x)"
        case .int32: return "\(Int(x))"
        }
    }

    private func render(_ v: [Double], dim: Int, offset: Int, strides: [Int], indent: Int) -> String {
        let n = shape[dim]
        let shown: [Int] = n > 8 ? Array(0..<3) + [-1] + Array((n - 3)..<n) : Array(0..<n)
        if dim == rank - 1 {
            return "[" + shown.map { $0 < 0 ? "..." : format(v[offset + $0]) }.joined(separator: ", ") + "]"
        }
        let separator = "," + String(repeating: "\n", count: rank - dim - 1) + String(repeating: " ", count: indent)
        return "[" + shown.map {
            $0 < 0 ? "..." : render(v, dim: dim + 1, offset: offset + $0 * strides[dim], strides: strides, indent: indent + 1)
        }.joined(separator: separator) + "]"
    }
}
