/// A shape misuse found by one of the validation functions in ``Shapes``: the op's name and the shapes involved.
///
/// Tensor math stops (`fatalError`, in every build mode) with this message, since a wrong shape is a programming error;
/// code that takes shapes from the outside world calls the throwing validation functions itself.
///
/// ```swift
/// do { _ = try Shapes.broadcast([2, 3], [4], op: "add") }
/// catch { print(error) }  // add: shapes [2, 3] and [4] cannot be broadcast together
/// ```
public struct ShapeError: Error, CustomStringConvertible, Equatable, Sendable {
    public let op: String
    public let message: String
    public var description: String { "\(op): \(message)" }

    public init(op: String, _ message: String) {
        self.op = op
        self.message = message
    }
}

/// Shape arithmetic shared by every op: NumPy broadcasting, axis normalisation and the checks that name the op and
/// the shapes when they do not fit.
public enum Shapes {
    /// The number of elements of `shape` (1 for a scalar's empty shape).
    @inlinable public static func count(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape { n *= d }
        return n
    }

    /// Row-major strides, in elements.
    public static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= shape[i]
        }
        return s
    }

    /// The NumPy broadcast of two shapes: align on the right; each pair of sizes must be equal or contain a 1.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String) throws(ShapeError) -> [Int] {
        if a == b { return a }
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
                throw ShapeError(op: op, "shapes \(a) and \(b) cannot be broadcast together")
            }
        }
        return out
    }

    /// Whether `shape` broadcasts to `target` (as `expanded(to:)` needs).
    public static func checkExpand(_ shape: [Int], to target: [Int], op: String) throws(ShapeError) {
        guard shape.count <= target.count else {
            throw ShapeError(op: op, "cannot expand shape \(shape) to \(target) of lower rank")
        }
        let off = target.count - shape.count
        for i in 0..<shape.count where shape[i] != 1 && shape[i] != target[i + off] {
            throw ShapeError(op: op, "cannot expand shape \(shape) to \(target)")
        }
    }

    /// The result shape of a matrix product, 2-D × 2-D, 3-D × 3-D (same batch) or 3-D × 2-D (shared right factor).
    public static func matmul(_ a: [Int], _ b: [Int], transposeA: Bool = false, transposeB: Bool = false,
                              op: String = "matmul") throws(ShapeError) -> [Int] {
        guard a.count >= 2 && b.count >= 2 else { throw ShapeError(op: op, "expects operands of rank 2 or more, got shapes \(a) and \(b)") }
        let batch: [Int]
        do { batch = try broadcast(Array(a.dropLast(2)), Array(b.dropLast(2)), op: op) } catch {
            throw ShapeError(op: op, "batch dimensions \(Array(a.dropLast(2))) and \(Array(b.dropLast(2))) cannot be broadcast together "
                             + "in shapes \(a) and \(b)")
        }
        let (m, ka) = transposeA ? (a[a.count - 1], a[a.count - 2]) : (a[a.count - 2], a[a.count - 1])
        let (kb, n) = transposeB ? (b[b.count - 1], b[b.count - 2]) : (b[b.count - 2], b[b.count - 1])
        guard ka == kb else {
            throw ShapeError(op: op, "inner dimensions differ (\(ka) vs \(kb)) in shapes \(a) and \(b)")
        }
        return batch + [m, n]
    }

    /// `axis` as a non-negative index into a shape of rank `rank` (negative counts from the end).
    public static func normalize(axis: Int, rank: Int, op: String) throws(ShapeError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < max(rank, 1) else {
            throw ShapeError(op: op, "axis \(axis) is out of range for rank \(rank)")
        }
        return a
    }

    /// Sorted, unique, non-negative axes; `nil` means all axes.
    public static func normalize(axes: [Int]?, rank: Int, op: String) throws(ShapeError) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        var out: [Int] = []
        for a in axes {
            let n = try normalize(axis: a, rank: rank, op: op)
            if rank == 0 { continue }
            guard !out.contains(n) else { throw ShapeError(op: op, "axis \(a) is repeated in \(axes)") }
            out.append(n)
        }
        return out.sorted()
    }

    /// Checks a reshape keeps the element count; one dimension may be -1 and is inferred.
    public static func reshape(_ shape: [Int], to target: [Int], op: String = "reshaped") throws(ShapeError) -> [Int] {
        let total = count(shape)
        var out = target
        let unknown = target.indices.filter { target[$0] == -1 }
        guard unknown.count <= 1, target.allSatisfy({ $0 >= 0 || $0 == -1 }) else {
            throw ShapeError(op: op, "invalid target shape \(target) for shape \(shape)")
        }
        if let u = unknown.first {
            let known = count(target.enumerated().filter { $0.offset != u }.map(\.element))
            guard known > 0, total % known == 0 else {
                throw ShapeError(op: op, "cannot reshape \(shape) (\(total) elements) to \(target)")
            }
            out[u] = total / known
        }
        guard count(out) == total else {
            throw ShapeError(op: op, "cannot reshape \(shape) (\(total) elements) to \(target)")
        }
        return out
    }

    /// Checks two operands have the same element type.
    public static func checkSameDType(_ a: DType, _ b: DType, op: String) throws(ShapeError) {
        guard a == b else { throw ShapeError(op: op, "element types differ (\(a) and \(b)); convert one with converted(to:)") }
    }
}

/// Runs a validation and stops with its message if it fails: shape misuse in tensor math is a programming error.
@inline(__always)
func validate<R>(_ body: () throws(ShapeError) -> R) -> R {
    do { return try body() } catch { fatalError(error.description) }
}
