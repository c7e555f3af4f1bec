/// An n-d loop over several operands that may be broadcast (stride 0) or laid out differently, with adjacent
/// dimensions that are contiguous for every operand merged so the innermost loop is as long as possible.
struct StridedPlan {
    /// Collapsed loop shape; the last entry is the innermost loop.
    private(set) var shape: [Int]
    /// Operand strides per dimension, flattened as `strides[operand * rank + dim]`.
    private(set) var strides: [Int]
    let operandCount: Int

    /// `operandStrides[k][d]` is operand k's stride along dimension d of `shape` (0 where it is broadcast).
    init(shape full: [Int], operandStrides: [[Int]]) {
        operandCount = operandStrides.count
        var dims: [Int] = []
        var cols: [[Int]] = []  // per dim, the operands' strides
        for d in 0..<full.count where full[d] != 1 {
            let s = operandStrides.map { $0[d] }
            if let last = dims.last, let prev = cols.last,
               zip(prev, s).allSatisfy({ $0 == $1 * full[d] }) {
                dims[dims.count - 1] = last * full[d]
                cols[cols.count - 1] = s
            } else {
                dims.append(full[d])
                cols.append(s)
            }
        }
        if dims.isEmpty {
            dims = [1]
            cols = [[Int](repeating: 0, count: operandCount)]
        }
        shape = dims
        strides = [Int](repeating: 0, count: operandCount * dims.count)
        for d in 0..<dims.count {
            for k in 0..<operandCount { strides[k * dims.count + d] = cols[d][k] }
        }
    }

    /// Operand k's stride along the innermost loop.
    func innerStride(_ k: Int) -> Int { strides[k * shape.count + shape.count - 1] }
    var innerCount: Int { shape[shape.count - 1] }

    /// Calls `body(offsets, innerCount)` once per innermost row, with each operand's starting offset.
    @inline(__always)
    func forEachRow(_ body: (UnsafeMutablePointer<Int>, Int) -> Void) {
        let rank = shape.count
        let inner = shape[rank - 1]
        var outer = 1
        for d in 0..<(rank - 1) { outer *= shape[d] }
        let k = operandCount
        let offsets = UnsafeMutablePointer<Int>.allocate(capacity: k)
        let index = UnsafeMutablePointer<Int>.allocate(capacity: max(rank, 1))
        offsets.initialize(repeating: 0, count: k)
        index.initialize(repeating: 0, count: max(rank, 1))
        defer {
            offsets.deallocate()
            index.deallocate()
        }
        strides.withUnsafeBufferPointer { st in
            shape.withUnsafeBufferPointer { sh in
                for _ in 0..<outer {
                    body(offsets, inner)
                    var d = rank - 2
                    while d >= 0 {
                        index[d] += 1
                        for o in 0..<k { offsets[o] += st[o * rank + d] }
                        if index[d] < sh[d] { break }
                        for o in 0..<k { offsets[o] -= st[o * rank + d] * sh[d] }
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
    }

    /// Strides of an operand of `shape` broadcast to `target` (0 along dimensions it repeats).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = Shapes.strides(shape)
        let off = target.count - shape.count
        return (0..<target.count).map { d in
            d < off ? 0 : (shape[d - off] == 1 && target[d] != 1 ? 0 : own[d - off])
        }
    }
}
