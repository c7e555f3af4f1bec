// Unaligned SIMD loads and stores through buffer pointers, for kernels that keep accumulators in vector registers.

extension UnsafePointer where Pointee: SIMDScalar {
    @inline(__always)
    func loadVector<V: SIMD>(_: V.Type = V.self) -> V where V.Scalar == Pointee {
        UnsafeRawPointer(self).loadUnaligned(as: V.self)
    }
}

extension UnsafeMutablePointer where Pointee: SIMDScalar {
    @inline(__always)
    func loadVector<V: SIMD>(_: V.Type = V.self) -> V where V.Scalar == Pointee {
        UnsafeRawPointer(self).loadUnaligned(as: V.self)
    }

    @inline(__always)
    func storeVector<V: SIMD>(_ v: V) where V.Scalar == Pointee {
        UnsafeMutableRawPointer(self).storeBytes(of: v, as: V.self)
    }
}

extension UnsafePointer where Pointee: TensorScalar {
    /// The same address as Float, for Float-only vector paths behind a `T.self == Float.self` check.
    @inline(__always) var floats: UnsafePointer<Float> { UnsafeRawPointer(self).assumingMemoryBound(to: Float.self) }
}

extension UnsafeMutablePointer where Pointee: TensorScalar {
    /// The same address as Float, for Float-only vector paths behind a `T.self == Float.self` check.
    @inline(__always) var floats: UnsafeMutablePointer<Float> { UnsafeMutableRawPointer(self).assumingMemoryBound(to: Float.self) }
}
