// 2-D convolution and pooling over NHWC images (batch, height, width, channels). Kernels are
// [kernelHeight, kernelWidth, inChannels, outChannels]; Kernels/ConvolutionKernels.swift says how they are computed.

extension Tensor {
    /// 2-D cross-correlation (what deep-learning libraries call convolution) of NHWC `self` with `kernel`
    /// [kh, kw, inChannels, outChannels], plus an optional `bias` [outChannels]: output [N, OH, OW, outChannels].
    /// `activation` is applied in the same pass, and its derivative inside the convolution's own backward pass (what
    /// `Conv2D(activation: .relu)` uses: the activation never takes a separate trip through memory).
    ///
    /// ```swift
    /// let image = Tensor.zeros([1, 32, 32, 3])
    /// let kernel = Tensor.zeros([5, 5, 3, 6])
    /// image.conv2d(kernel, bias: Tensor.zeros([6]), activation: .relu).shape   // [1, 28, 28, 6]
    /// ```
    public func conv2d(_ kernel: Tensor, bias: Tensor? = nil, strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                       dilation: (Int, Int) = (1, 1), activation: FusedActivation = .identity) -> Tensor {
        let g = validate { () throws(ShapeError) -> WindowGeometry in
            try Shapes.checkSameDType(dtype, kernel.dtype, op: "conv2d")
            guard kernel.rank == 4 else { throw ShapeError(op: "conv2d", "kernel must be [kh, kw, in, out], got \(kernel.shape)") }
            let g = try WindowGeometry(input: shape, kernel: (kernel.shape[0], kernel.shape[1]), stride: strides,
                                       dilation: dilation, padding: padding, op: "conv2d")
            guard kernel.shape[2] == g.channels else {
                throw ShapeError(op: "conv2d", "input has \(g.channels) channels, kernel expects \(kernel.shape[2]) (shapes \(shape) and \(kernel.shape))")
            }
            if let bias {
                try Shapes.checkSameDType(dtype, bias.dtype, op: "conv2d")
                guard bias.shape == [kernel.shape[3]] else {
                    throw ShapeError(op: "conv2d", "bias must be [\(kernel.shape[3])], got \(bias.shape) (kernel \(kernel.shape))")
                }
            }
            return g
        }
        let filters = kernel.shape[3]
        let out = Tensor(uninitialized: [g.batch, g.outputHeight, g.outputWidth, filters], dtype: dtype)
        withExtendedLifetime((self, kernel, bias)) {
            switch dtype {
            case .float32: Kernels.convForward(pointer(Float.self), kernel.pointer(Float.self), bias?.pointer(Float.self),
                                               out.pointer(Float.self), g, filters: filters, activation: activation)
            case .float64: Kernels.convForward(pointer(Double.self), kernel.pointer(Double.self), bias?.pointer(Double.self),
                                               out.pointer(Double.self), g, filters: filters, activation: activation)
            }
        }
        let x = self, needX = requiresGradient, needK = kernel.requiresGradient, needB = bias?.requiresGradient ?? false
        return out.recorded("conv2d", inputs: [x, kernel] + (bias.map { [$0] } ?? [])) { grad in
            let dx = needX ? Tensor(uninitialized: x.shape, dtype: x.dtype) : nil
            let dk = needK ? Tensor(uninitialized: kernel.shape, dtype: x.dtype) : nil
            let db = needB ? Tensor(uninitialized: [filters], dtype: x.dtype) : nil
            withExtendedLifetime((x, kernel, grad, out, dx, dk, db)) {
                switch x.dtype {
                case .float32:
                    Kernels.convBackward(x.pointer(Float.self), kernel.pointer(Float.self), grad.pointer(Float.self),
                                         output: out.pointer(Float.self), activation: activation,
                                         dx: dx?.pointer(Float.self), dw: dk?.pointer(Float.self), db: db?.pointer(Float.self),
                                         g, filters: filters)
                case .float64:
                    Kernels.convBackward(x.pointer(Double.self), kernel.pointer(Double.self), grad.pointer(Double.self),
                                         output: out.pointer(Double.self), activation: activation,
                                         dx: dx?.pointer(Double.self), dw: dk?.pointer(Double.self), db: db?.pointer(Double.self),
                                         g, filters: filters)
                }
            }
            return bias == nil ? [dx, dk] : [dx, dk, db]
        }
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
        withExtendedLifetime(self) {
            switch dtype {
            case .float32: Kernels.maxPool(pointer(Float.self), out.pointer(Float.self), g)
            case .float64: Kernels.maxPool(pointer(Double.self), out.pointer(Double.self), g)
            }
        }
        let x = self
        return out.recorded("maxPool2d", inputs: [x]) { grad in
            let dx = Tensor(uninitialized: x.shape, dtype: x.dtype)
            withExtendedLifetime((x, out, grad)) {
                switch x.dtype {
                case .float32: Kernels.maxPoolBackward(x.pointer(Float.self), out.pointer(Float.self), grad.pointer(Float.self),
                                                       dx.pointer(Float.self), g)
                case .float64: Kernels.maxPoolBackward(x.pointer(Double.self), out.pointer(Double.self), grad.pointer(Double.self),
                                                       dx.pointer(Double.self), g)
                }
            }
            return [dx]
        }
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
