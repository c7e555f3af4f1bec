// Element-type conversion, differentiable (the gradient converts back).

extension Tensor {
    /// The same values with element type `dtype` (a copy, unless the type already matches). Differentiable between
    /// the float types. Floats become `int32` rounded toward zero, as PyTorch's `.to(torch.int32)`; a value that is
    /// not finite or outside Int32's range stops with a message.
    ///
    /// ```swift
    /// Tensor([2.7, -1.5]).converted(to: .int32).integers   // [2, -1]
    /// ```
    public func converted(to dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        let out = Tensor(uninitialized: shape, dtype: dtype)
        withExtendedLifetime(storage) {
            switch (self.dtype, dtype) {
            case (.float64, .float32):
                let src = pointer(Double.self), dst = out.pointer(Float.self)
                for i in 0..<count { dst[i] = Float(src[i]) }
            case (.float32, .float64):
                let src = pointer(Float.self), dst = out.pointer(Double.self)
                for i in 0..<count { dst[i] = Double(src[i]) }
            case (.int32, .float32):
                let src = integerPointer(), dst = out.pointer(Float.self)
                for i in 0..<count { dst[i] = Float(src[i]) }
            case (.int32, .float64):
                let src = integerPointer(), dst = out.pointer(Double.self)
                for i in 0..<count { dst[i] = Double(src[i]) }
            default:
                let dst = out.integerPointer()
                for i in 0..<count {
                    let v = self[flat: i]
                    require(v.isFinite && v > Double(Int32.min) - 1 && v < Double(Int32.max) + 1,
                            "converted(to: int32): \(v) has no int32 value (shape \(shape))")
                    dst[i] = Int32(v.rounded(.towardZero))
                }
            }
        }
        let from = self.dtype
        guard from.isFloatingPoint && dtype.isFloatingPoint else { return out }
        return out.recording("converted", self) { g in InputGradients(g.converted(to: from)) }
    }
}
