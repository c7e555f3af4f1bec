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
        let g = convolutionGeometry(kernel, bias: bias, strides: strides, padding: padding, dilation: dilation, op: "conv2d")
        let filters = kernel.shape[3]
        let out = Tensor(uninitialized: [g.batch, g.outputHeight, g.outputWidth, filters], dtype: dtype)
        withExtendedLifetime((self, kernel, bias)) {
            switch dtype {
            case .int32: floatOnly()
            case .float32: Kernels.convForward(pointer(Float.self), kernel.pointer(Float.self), bias?.pointer(Float.self),
                                               out.pointer(Float.self), g, filters: filters, activation: activation)
            case .float64: Kernels.convForward(pointer(Double.self), kernel.pointer(Double.self), bias?.pointer(Double.self),
                                               out.pointer(Double.self), g, filters: filters, activation: activation)
            }
        }
        let x = self
        return out.recording("conv2d", x, kernel, bias) { grad in
            switch x.dtype {
            case .int32: floatOnly()
            case .float32:
                x.convolutionGradients(Float.self, kernel, bias: bias) { dx, dk, db in
                    Kernels.convBackward(x.pointer(Float.self), kernel.pointer(Float.self), grad.pointer(Float.self),
                                         output: out.pointer(Float.self), activation: activation, dx: dx, dw: dk, db: db,
                                         g, filters: filters)
                }
            case .float64:
                x.convolutionGradients(Double.self, kernel, bias: bias) { dx, dk, db in
                    Kernels.convBackward(x.pointer(Double.self), kernel.pointer(Double.self), grad.pointer(Double.self),
                                         output: out.pointer(Double.self), activation: activation, dx: dx, dw: dk, db: db,
                                         g, filters: filters)
                }
            }
        }
    }

    /// `conv2d` followed by max pooling of its (activated) output, in one op: the same values and gradients as
    /// `conv2d(…).maxPool2d(…)` (up to rounding), but the full-size convolution output is never stored, only the
    /// pooled values and which pixel won each window, and convolution outputs no window reads are not computed.
    /// `Sequential` uses it for a `Conv2D` followed by a `MaxPool2D`.
    ///
    /// ```swift
    /// let images = Tensor.zeros([8, 28, 28, 1]), kernel = Tensor.zeros([3, 3, 1, 32])
    /// images.conv2d(kernel, activation: .relu, maxPooling: MaxPooling(poolSize: (2, 2))).shape   // [8, 13, 13, 32]
    /// ```
    public func conv2d(_ kernel: Tensor, bias: Tensor? = nil, strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                       dilation: (Int, Int) = (1, 1), activation: FusedActivation = .identity,
                       maxPooling pooling: MaxPooling) -> Tensor {
        let (g, p) = convolutionPoolingGeometry(kernel, bias: bias, strides: strides, padding: padding, dilation: dilation,
                                                pooling: pooling)
        let filters = kernel.shape[3]
        let out = Tensor(uninitialized: [g.batch, p.outputHeight, p.outputWidth, filters], dtype: dtype)
        let winners = WinnerBuffer(count: out.count)
        withExtendedLifetime((self, kernel, bias)) {
            switch dtype {
            case .int32: floatOnly()
            case .float32: Kernels.convMaxPoolForward(pointer(Float.self), kernel.pointer(Float.self), bias?.pointer(Float.self),
                                                      out.pointer(Float.self), winners: winners.pointer, g, p, filters: filters,
                                                      activation: activation)
            case .float64: Kernels.convMaxPoolForward(pointer(Double.self), kernel.pointer(Double.self), bias?.pointer(Double.self),
                                                      out.pointer(Double.self), winners: winners.pointer, g, p, filters: filters,
                                                      activation: activation)
            }
        }
        let x = self
        return out.recording("conv2d+maxPool2d", x, kernel, bias) { grad in
            switch x.dtype {
            case .int32: floatOnly()
            case .float32:
                x.convolutionGradients(Float.self, kernel, bias: bias) { dx, dk, db in
                    Kernels.convMaxPoolBackward(x.pointer(Float.self), kernel.pointer(Float.self), pooled: out.pointer(Float.self),
                                                dPooled: grad.pointer(Float.self), winners: winners.pointer,
                                                activation: activation, dx: dx, dw: dk, db: db, g, p, filters: filters)
                }
            case .float64:
                x.convolutionGradients(Double.self, kernel, bias: bias) { dx, dk, db in
                    Kernels.convMaxPoolBackward(x.pointer(Double.self), kernel.pointer(Double.self), pooled: out.pointer(Double.self),
                                                dPooled: grad.pointer(Double.self), winners: winners.pointer,
                                                activation: activation, dx: dx, dw: dk, db: db, g, p, filters: filters)
                }
            }
        }
    }

    /// The convolution and pooling geometries of ``conv2d(_:bias:strides:padding:dilation:activation:maxPooling:)``.
    private func convolutionPoolingGeometry(_ kernel: Tensor, bias: Tensor?, strides: (Int, Int), padding: Padding,
                                            dilation: (Int, Int), pooling: MaxPooling) -> (WindowGeometry, WindowGeometry) {
        let convolution = convolutionGeometry(kernel, bias: bias, strides: strides, padding: padding, dilation: dilation,
                                              op: "conv2d+maxPool2d")
        let filters = kernel.shape[3]
        // The pooling's geometry over a height × width map of the convolution's output.
        func pool(_ height: Int, _ width: Int) -> WindowGeometry {
            validate { () throws(ShapeError) in
                try WindowGeometry(input: [convolution.batch, height, width, filters], kernel: pooling.poolSize,
                                   stride: pooling.strides ?? pooling.poolSize, padding: pooling.padding, op: "conv2d+maxPool2d")
            }
        }
        let full = pool(convolution.outputHeight, convolution.outputWidth)
        // Convolution outputs that no pool window reads (a 2×2 pool of 11×11 never reads row and column 11: 21 of
        // 121 pixels) are not computed: the convolution runs on the part the pool reads, the pool over that part.
        let read = full.inputExtentRead
        let g = convolution.croppingOutput(height: read.height, width: read.width)
        let p = read == (convolution.outputHeight, convolution.outputWidth) ? full : pool(read.height, read.width)
        require(p.outputHeight == full.outputHeight && p.outputWidth == full.outputWidth,
                "conv2d+maxPool2d: cropping changed the pooled size")
        return (g, p)
    }

    /// Whether `conv2d` with these operands (followed by `maxPooling` in one op, when given) runs through
    /// Winograd's F(2×2, 3×3) (Kernels/WinogradConvolution.swift): for tests that mean to reach that path.
    @_spi(Testing)
    public func convolutionUsesWinograd(_ kernel: Tensor, strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                                        dilation: (Int, Int) = (1, 1), maxPooling pooling: MaxPooling? = nil) -> Bool {
        guard dtype == .float32 else { return false }
        if let pooling {
            let (g, p) = convolutionPoolingGeometry(kernel, bias: nil, strides: strides, padding: padding, dilation: dilation,
                                                    pooling: pooling)
            return Kernels.winogradApplies(Float.self, g, p, filters: kernel.shape[3])
        }
        let g = convolutionGeometry(kernel, bias: nil, strides: strides, padding: padding, dilation: dilation, op: "conv2d")
        return Kernels.winogradApplies(Float.self, g, filters: kernel.shape[3])
    }

    /// Validates a convolution's operands and returns its window geometry.
    private func convolutionGeometry(_ kernel: Tensor, bias: Tensor?, strides: (Int, Int), padding: Padding,
                                     dilation: (Int, Int), op: String) -> WindowGeometry {
        validate { () throws(ShapeError) -> WindowGeometry in
            try Shapes.checkSameDType(dtype, kernel.dtype, op: op)
            guard kernel.rank == 4 else { throw ShapeError(op: op, "kernel must be [kh, kw, in, out], got \(kernel.shape)") }
            let g = try WindowGeometry(input: shape, kernel: (kernel.shape[0], kernel.shape[1]), stride: strides,
                                       dilation: dilation, padding: padding, op: op)
            guard kernel.shape[2] == g.channels else {
                throw ShapeError(op: op, "input has \(g.channels) channels, kernel expects \(kernel.shape[2]) (shapes \(shape) and \(kernel.shape))")
            }
            if let bias {
                try Shapes.checkSameDType(dtype, bias.dtype, op: op)
                guard bias.shape == [kernel.shape[3]] else {
                    throw ShapeError(op: op, "bias must be [\(kernel.shape[3])], got \(bias.shape) (kernel \(kernel.shape))")
                }
            }
            return g
        }
    }

    /// A convolution's pullback results: `body` fills the input, kernel and bias gradients, each given only when
    /// that operand requires a gradient (the input's uninitialised: the kernels clear it).
    private func convolutionGradients<T: TensorScalar>(
        _: T.Type, _ kernel: Tensor, bias: Tensor?,
        _ body: (UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?) -> Void
    ) -> InputGradients {
        let dx = requiresGradient ? Tensor(uninitialized: shape, dtype: dtype) : nil
        let dk = kernel.requiresGradient ? Tensor(uninitialized: kernel.shape, dtype: dtype) : nil
        let db = bias?.requiresGradient == true ? Tensor(uninitialized: bias!.shape, dtype: dtype) : nil
        withExtendedLifetime((self, kernel, bias, dx, dk, db)) {
            body(dx?.pointer(T.self), dk?.pointer(T.self), db?.pointer(T.self))
        }
        return bias == nil ? InputGradients(dx, dk) : InputGradients(dx, dk, db)
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
        let winners = WinnerBuffer(count: out.count)
        withExtendedLifetime(self) {
            switch dtype {
            case .int32: floatOnly()
            case .float32: Kernels.maxPool(pointer(Float.self), out.pointer(Float.self), g, winners: winners.pointer)
            case .float64: Kernels.maxPool(pointer(Double.self), out.pointer(Double.self), g, winners: winners.pointer)
            }
        }
        let inputShape = shape
        return out.recording("maxPool2d", self) { grad in
            let dx = Tensor(uninitialized: inputShape, dtype: grad.dtype)
            withExtendedLifetime(grad) {
                switch grad.dtype {
                case .int32: floatOnly()
                case .float32: Kernels.maxPoolBackward(grad.pointer(Float.self), winners: winners.pointer, dx.pointer(Float.self), g)
                case .float64: Kernels.maxPoolBackward(grad.pointer(Double.self), winners: winners.pointer, dx.pointer(Double.self), g)
                }
            }
            return InputGradients(dx)
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
            case .int32: floatOnly()
            case .float32: Kernels.avgPool(pointer(Float.self), out.pointer(Float.self), g)
            case .float64: Kernels.avgPool(pointer(Double.self), out.pointer(Double.self), g)
            }
        }
        let inputShape = shape
        return out.recording("avgPool2d", self) { grad in
            let dx = Tensor.zeros(inputShape, dtype: grad.dtype)
            withExtendedLifetime(grad) {
                switch grad.dtype {
                case .int32: floatOnly()
                case .float32: Kernels.avgPoolBackward(grad.pointer(Float.self), dx.pointer(Float.self), g)
                case .float64: Kernels.avgPoolBackward(grad.pointer(Double.self), dx.pointer(Double.self), g)
                }
            }
            return InputGradients(dx)
        }
    }
}

/// The max pooling that follows a convolution in ``Tensor/conv2d(_:bias:strides:padding:dilation:activation:maxPooling:)``
/// (the stride defaults to the pool size, as in ``Tensor/maxPool2d(poolSize:strides:padding:)``).
public struct MaxPooling: Sendable {
    public var poolSize: (Int, Int)
    public var strides: (Int, Int)?
    public var padding: Padding

    public init(poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid) {
        (self.poolSize, self.strides, self.padding) = (poolSize, strides, padding)
    }
}

/// The winning window tap of each max-pooled value, alive as long as the pullback holding it.
private final class WinnerBuffer {
    let pointer: UnsafeMutablePointer<Float>

    init(count: Int) { pointer = .allocate(capacity: Swift.max(count, 1)) }

    deinit { pointer.deallocate() }
}
