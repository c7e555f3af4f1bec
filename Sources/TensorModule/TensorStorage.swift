/// What a ``TensorStorage`` knows about its buffer.
struct StorageHeader {
    let dtype: DType
    let count: Int
    let raw: UnsafeMutableRawPointer
    /// Whether `raw` came from ``BufferCache`` (large buffers) rather than from the object's own tail.
    let isExternal: Bool
}

/// The contiguous buffer behind a ``Tensor``. Tensors share it until one of them writes (copy-on-write); kernels
/// take its pointer once per op and loop over that.
///
/// Small buffers (under ``BufferCache/minimumBytes``) live in the object itself, after its header, so a small tensor
/// costs one allocation instead of two (the Playground-scale networks make dozens per step). Large ones come from
/// ``BufferCache`` (64-byte aligned, reused across steps). The tail is 8-byte aligned (a `Double` element type:
/// asking for 16 made every allocation go through `posix_memalign`).
final class TensorStorage: ManagedBuffer<StorageHeader, Double> {
    /// A storage of `count` uninitialised elements of `dtype`.
    static func make(dtype: DType, count: Int) -> TensorStorage {
        let bytes = max(1, count) * dtype.byteCount
        let external = bytes >= BufferCache.minimumBytes
        let tail = external ? 0 : (bytes + 7) / 8
        let object = create(minimumCapacity: tail) { buffer in
            let raw = external ? BufferCache.allocate(byteCount: bytes)
                : UnsafeMutableRawPointer(buffer.withUnsafeMutablePointerToElements { $0 })
            switch dtype {
            case .float32: raw.bindMemory(to: Float.self, capacity: max(1, count))
            case .float64: raw.bindMemory(to: Double.self, capacity: max(1, count))
            case .int32: raw.bindMemory(to: Int32.self, capacity: max(1, count))
            }
            return StorageHeader(dtype: dtype, count: count, raw: raw, isExternal: external)
        }
        return unsafeDowncast(object, to: TensorStorage.self)
    }

    deinit {
        let h = info
        if h.isExternal { BufferCache.release(h.raw, byteCount: max(1, h.count) * h.dtype.byteCount) }
    }

    /// The header, read through its pointer: `header` itself is a class property, and the dynamic exclusivity
    /// check on every read cost more than a small op's arithmetic. The header never changes after creation.
    private var info: StorageHeader { withUnsafeMutablePointerToHeader { $0.pointee } }

    var dtype: DType { info.dtype }
    var count: Int { info.count }
    var raw: UnsafeMutableRawPointer { info.raw }

    @inline(__always) func pointer<T: TensorScalar>(_: T.Type) -> UnsafeMutablePointer<T> {
        raw.assumingMemoryBound(to: T.self)
    }

    @inline(__always) func integerPointer() -> UnsafeMutablePointer<Int32> { raw.assumingMemoryBound(to: Int32.self) }

    func copy() -> TensorStorage {
        let c = TensorStorage.make(dtype: dtype, count: count)
        c.raw.copyMemory(from: raw, byteCount: count * dtype.byteCount)
        return c
    }
}
