// Activations applied in place to a layer's fresh output, and their pullbacks on that output: what lets dense and
// conv2d fuse bias + activation into one op (one pass over the output instead of three ops and their tensors).

/// An activation a fused op (``Tensor/dense(_:bias:activation:)``, ``Tensor/conv2d(_:bias:strides:padding:dilation:activation:)``)
/// applies to its output, with its derivative taken from that output.
///
/// ```swift
/// let h = x.dense(w, bias: b, activation: .tanh)   // tanh(x·w + b), one op and one tape node
/// ```
public enum FusedActivation: Sendable, Equatable {
    case identity, relu, tanh, sigmoid
}

extension Kernels {
    /// `v = activation(v)` in place.
    static func activate<T: TensorScalar>(_ v: UnsafeMutablePointer<T>, _ count: Int, _ activation: FusedActivation) {
        switch activation {
        case .identity: return
        case .relu: rectify(v, count)
        case .tanh:
            if T.self == Float.self { mapFloats(v.floats, v.floats, count, tanh) } else { for i in 0..<count { v[i] = T.tanh(v[i]) } }
        case .sigmoid:
            if T.self == Float.self { mapFloats(v.floats, v.floats, count, sigmoid) } else { for i in 0..<count { v[i] = sigmoid(v[i]) } }
        }
    }

    /// `dz` = `dy` · activation′, the derivative written in terms of the output `y`.
    static func activationGradient<T: TensorScalar>(_ dy: UnsafePointer<T>, _ y: UnsafePointer<T>,
                                                    _ dz: UnsafeMutablePointer<T>, _ count: Int,
                                                    _ activation: FusedActivation) {
        switch activation {
        case .identity: dz.update(from: dy, count: count)
        case .relu: maskByPositive(dy, y, dz, count)
        case .tanh: for i in 0..<count { dz[i] = dy[i] * (1 - y[i] * y[i]) }
        case .sigmoid: for i in 0..<count { dz[i] = dy[i] * y[i] * (1 - y[i]) }
        }
    }

    /// max(v, 0) in place (NaN stays NaN), as the relu op. Float goes 16 at a time: the plain loop compiled to a
    /// branch per element (a conditional store), which made the conv1 forward pass 5× slower.
    @inline(__always)
    static func rectify<T: TensorScalar>(_ v: UnsafeMutablePointer<T>, _ count: Int) {
        var i = 0
        if T.self == Float.self {
            let f = v.floats
            while i + 16 <= count {
                let x: SIMD16<Float> = (f + i).loadVector()
                (f + i).storeVector(x.replacing(with: 0, where: x .< 0))
                i += 16
            }
        }
        for j in i..<count where v[j] < 0 { v[j] = 0 }
    }

    /// `masked` = `gradient` where `output` > 0, else 0: the relu pullback on the forward output.
    @inline(__always)
    static func maskByPositive<T: TensorScalar>(_ gradient: UnsafePointer<T>, _ output: UnsafePointer<T>,
                                                _ masked: UnsafeMutablePointer<T>, _ count: Int) {
        var i = 0
        if T.self == Float.self {
            let (g, y, m) = (gradient.floats, output.floats, masked.floats)
            while i + 16 <= count {
                let gv: SIMD16<Float> = (g + i).loadVector(), yv: SIMD16<Float> = (y + i).loadVector()
                (m + i).storeVector(SIMD16<Float>().replacing(with: gv, where: yv .> 0))
                i += 16
            }
        }
        for j in i..<count { masked[j] = output[j] > 0 ? gradient[j] : 0 }
    }

    /// `out[r, j] = activation(out[r, j] + bias[j])` over `rows` rows of `columns`.
    static func addBiasAndActivate<T: TensorScalar>(_ out: UnsafeMutablePointer<T>, _ bias: UnsafePointer<T>?, rows: Int,
                                                    columns: Int, _ activation: FusedActivation) {
        if let bias {
            for r in 0..<rows {
                let row = out + r * columns
                for j in 0..<columns { row[j] += bias[j] }
            }
        }
        activate(out, rows * columns, activation)
    }

    /// `sums[j]` (+)= Σ over rows of `m[r, j]`.
    static func addColumnSums<T: TensorScalar>(_ m: UnsafePointer<T>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<T>) {
        for r in 0..<rows {
            let row = m + r * columns
            for j in 0..<columns { sums[j] += row[j] }
        }
    }
}
