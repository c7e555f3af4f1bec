// Element-type conversion, differentiable (the gradient converts back).

extension Tensor {
    /// The same values with element type `dtype` (a copy, unless the type already matches). Differentiable.
    public func converted(to dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        let out = Tensor(uninitialized: shape, dtype: dtype)
        withExtendedLifetime(storage) {
            switch dtype {
            case .float32:
                let src = pointer(Double.self), dst = out.pointer(Float.self)
                for i in 0..<count { dst[i] = Float(src[i]) }
            case .float64:
                let src = pointer(Float.self), dst = out.pointer(Double.self)
                for i in 0..<count { dst[i] = Double(src[i]) }
            }
        }
        let from = self.dtype
        return out.recording("converted", self) { g in InputGradients(g.converted(to: from)) }
    }
}
