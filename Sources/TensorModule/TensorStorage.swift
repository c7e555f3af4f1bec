/// The contiguous buffer (64-byte aligned from 4 KiB up) behind a ``Tensor``. Tensors share it until one of them writes
/// (copy-on-write); kernels take its pointer once per op and loop over that.
final class TensorStorage: @unchecked Sendable {
    let dtype: DType
    let count: Int
    let raw: UnsafeMutableRawPointer

    init(dtype: DType, count: Int) {
        self.dtype = dtype
        self.count = count
        raw = BufferCache.allocate(byteCount: max(1, count) * dtype.byteCount)
        switch dtype {
        case .float32: raw.bindMemory(to: Float.self, capacity: max(1, count))
        case .float64: raw.bindMemory(to: Double.self, capacity: max(1, count))
        }
    }

    deinit { BufferCache.release(raw, byteCount: max(1, count) * dtype.byteCount) }

    @inline(__always) func pointer<T: TensorScalar>(_: T.Type) -> UnsafeMutablePointer<T> {
        raw.assumingMemoryBound(to: T.self)
    }

    func copy() -> TensorStorage {
        let c = TensorStorage(dtype: dtype, count: count)
        c.raw.copyMemory(from: raw, byteCount: count * dtype.byteCount)
        return c
    }
}
