// 2-D convolution and pooling over NHWC images (batch, height, width, channels), lowered to im2col + one GEMM per
// batch so the matrix products stay large. Kernels are [kernelHeight, kernelWidth, inChannels, outChannels].

extension Tensor {
    /// 2-D cross-correlation (what deep-learning libraries call convolution) of NHWC `self` with `kernel`
    /// [kh, kw, inChannels, outChannels]: output [N, OH, OW, outChannels].
    ///
    /// ```swift
    /// let image = Tensor.zeros([1, 32, 32, 3])
    /// let kernel = Tensor.zeros([5, 5, 3, 6])
    /// image.conv2d(kernel).shape   // [1, 28, 28, 6]
    /// ```
    public func conv2d(_ kernel: Tensor, strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                       dilation: (Int, Int) = (1, 1)) -> Tensor {
        let g = validate { () throws(ShapeError) -> WindowGeometry in
            try Shapes.checkSameDType(dtype, kernel.dtype, op: "conv2d")
            guard kernel.rank == 4 else { throw ShapeError(op: "conv2d", "kernel must be [kh, kw, in, out], got \(kernel.shape)") }
            let g = try WindowGeometry(input: shape, kernel: (kernel.shape[0], kernel.shape[1]), stride: strides,
                                       dilation: dilation, padding: padding, op: "conv2d")
            guard kernel.shape[2] == g.channels else {
                throw ShapeError(op: "conv2d", "input has \(g.channels) channels, kernel expects \(kernel.shape[2]) (shapes \(shape) and \(kernel.shape))")
            }
            return g
        }
        let filters = kernel.shape[3]
        if g.patchSize <= Tensor.directConvolutionMaximumTaps {
            return directConv2d(kernel, g)
        }
        let cols = im2col(g)
        let weights = kernel.withShape([g.patchSize, filters])
        let out = cols.matmul(weights).withShape([g.batch, g.outputHeight, g.outputWidth, filters])
        let x = self, needX = requiresGradient, needK = kernel.requiresGradient, inputShape = shape, kernelShape = kernel.shape
        return out.recorded("conv2d", inputs: [x, kernel]) { grad in
            let g2 = grad.withShape([g.patchCount, filters])
            let dx = needX ? g2.matmul(weights, transposingOther: true).col2im(g, inputShape: inputShape) : nil
            let dk = needK ? cols.matmul(g2, transposingSelf: true).withShape(kernelShape) : nil
            return [dx, dk]
        }
    }

    /// Windows with at most this many taps (kh·kw·C) are convolved directly instead of through im2col + GEMM:
    /// on the cnn preset's first layer (3×3×1, 32 filters, batch 128) the forward pass went from 11.5 to 4.1 ms.
    static let directConvolutionMaximumTaps = 27

    private func directConv2d(_ kernel: Tensor, _ g: WindowGeometry) -> Tensor {
        let filters = kernel.shape[3]
        let out = Tensor(uninitialized: [g.batch, g.outputHeight, g.outputWidth, filters], dtype: dtype)
        withExtendedLifetime((self, kernel)) {
            switch dtype {
            case .float32: Kernels.directConv(pointer(Float.self), kernel.pointer(Float.self), out.pointer(Float.self), g, filters: filters)
            case .float64: Kernels.directConv(pointer(Double.self), kernel.pointer(Double.self), out.pointer(Double.self), g, filters: filters)
            }
        }
        let x = self, needX = requiresGradient, needK = kernel.requiresGradient, inputShape = shape, kernelShape = kernel.shape
        return out.recorded("conv2d", inputs: [x, kernel]) { grad in
            // Backward through im2col + GEMM: a K = N·OH·OW reduction suits BLAS (measured faster than a direct loop).
            let g2 = grad.withShape([g.patchCount, filters])
            let dk = needK ? x.im2col(g).matmul(g2, transposingSelf: true).withShape(kernelShape) : nil
            let dx = needX ? g2.matmul(kernel.withShape([g.patchSize, filters]), transposingOther: true).col2im(g, inputShape: inputShape) : nil
            return [dx, dk]
        }
    }

    /// Patches [N·OH·OW, kh·kw·C] (forward only).
    func im2col(_ g: WindowGeometry) -> Tensor {
        let cols = Tensor(uninitialized: [g.patchCount, g.patchSize], dtype: dtype)
        withExtendedLifetime(self) {
            switch dtype {
            case .float32: Kernels.im2col(pointer(Float.self), cols.pointer(Float.self), g)
            case .float64: Kernels.im2col(pointer(Double.self), cols.pointer(Double.self), g)
            }
        }
        return cols
    }

    /// Patches folded back onto an image of `inputShape`, overlaps summed (forward only).
    func col2im(_ g: WindowGeometry, inputShape: [Int]) -> Tensor {
        let dx = Tensor.zeros(inputShape, dtype: dtype)
        withExtendedLifetime(self) {
            switch dtype {
            case .float32: Kernels.col2im(pointer(Float.self), dx.pointer(Float.self), g)
            case .float64: Kernels.col2im(pointer(Double.self), dx.pointer(Double.self), g)
            }
        }
        return dx
    }

    /// The maximum of each `poolSize` window of NHWC `self` (stride defaults to the pool size).
    ///
    /// ```swift
    /// Tensor.zeros([8, 26, 26, 32]).maxPool2d(poolSize: (2, 2)).shape   // [8, 13, 13, 32]
    /// ```
    public func maxPool2d(poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid) -> Tensor {
        let g = validate { () throws(ShapeError) in
            try WindowGeometry(input: shape, kernel: poolSize, stride: strides ?? poolSize, padding: padding, op: "maxPool2d")
        }
        let out = Tensor(uninitialized: [g.batch, g.outputHeight, g.outputWidth, g.channels], dtype: dtype)
        var argmax = [Int](repeating: 0, count: out.count)
        withExtendedLifetime(self) {
            argmax.withUnsafeMutableBufferPointer { a in
                switch dtype {
                case .float32: Kernels.maxPool(pointer(Float.self), out.pointer(Float.self), a.baseAddress!, g)
                case .float64: Kernels.maxPool(pointer(Double.self), out.pointer(Double.self), a.baseAddress!, g)
                }
            }
        }
        let inputShape = shape
        return out.recorded("maxPool2d", inputs: [self]) { grad in
            let dx = Tensor.zeros(inputShape, dtype: grad.dtype)
            withExtendedLifetime(grad) {
                switch grad.dtype {
                case .float32: Tensor.scatter(grad.pointer(Float.self), dx.pointer(Float.self), argmax)
                case .float64: Tensor.scatter(grad.pointer(Double.self), dx.pointer(Double.self), argmax)
                }
            }
            return [dx]
        }
    }

    private static func scatter<T: TensorScalar>(_ g: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, _ index: [Int]) {
        for (o, i) in index.enumerated() where i >= 0 { dx[i] += g[o] }
    }

    /// The mean of each `poolSize` window of NHWC `self` over its pixels inside the image.
    public func avgPool2d(poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid) -> Tensor {
        let g = validate { () throws(ShapeError) in
            try WindowGeometry(input: shape, kernel: poolSize, stride: strides ?? poolSize, padding: padding, op: "avgPool2d")
        }
        let out = Tensor(uninitialized: [g.batch, g.outputHeight, g.outputWidth, g.channels], dtype: dtype)
        withExtendedLifetime(self) {
            switch dtype {
            case .float32: Kernels.avgPool(pointer(Float.self), out.pointer(Float.self), g)
            case .float64: Kernels.avgPool(pointer(Double.self), out.pointer(Double.self), g)
            }
        }
        let inputShape = shape
        return out.recorded("avgPool2d", inputs: [self]) { grad in
            let dx = Tensor.zeros(inputShape, dtype: grad.dtype)
            withExtendedLifetime(grad) {
                switch grad.dtype {
                case .float32: Kernels.avgPoolBackward(grad.pointer(Float.self), dx.pointer(Float.self), g)
                case .float64: Kernels.avgPoolBackward(grad.pointer(Double.self), dx.pointer(Double.self), g)
                }
            }
            return [dx]
        }
    }
}
