import TensorModule

/// Buffers for one parameter's fused update: the parameter (updated in place), its gradient and its state slots.
public struct FusedBuffers<T: TensorScalar> {
    public let parameter: UnsafeMutablePointer<T>
    public let gradient: UnsafePointer<T>
    public let state: [UnsafeMutablePointer<T>]
    public let count: Int
}

/// A rule that can also update a parameter in one pass over its buffers instead of composing tensor ops (which
/// allocate a tensor per intermediate). Both element types must give the same result as ``OptimizerRule/update``.
/// Each element's update may depend only on that element's parameter, gradient and state: the optimizer hands a
/// large parameter over in two parts, updated at the same time on the two cores.
public protocol FusedOptimizerRule: OptimizerRule {
    func fusedUpdate(_ buffers: FusedBuffers<Float>, step: Int, learningRate: Double)
    func fusedUpdate(_ buffers: FusedBuffers<Double>, step: Int, learningRate: Double)
}

/// Flushes a subnormal result to zero. State that decays geometrically (Adam's moments, momentum) for weights whose
/// gradient is always zero (e.g. always-black border pixels) sinks into subnormal numbers within a few hundred
/// steps, and x86 handles those ~100× slower: measured, epochs 2–5 of the Fashion-MNIST MLP grew from 0.9 to 1.6 s.
/// This is what the processors' flush-to-zero mode does; values this small cannot move a weight anyway.
@inline(__always)
func flush<T: TensorScalar>(_ x: T, _ tiny: T) -> T { Swift.abs(x) < tiny ? 0 : x }

extension Adam: FusedOptimizerRule {
    public func fusedUpdate(_ b: FusedBuffers<Float>, step: Int, learningRate: Double) { apply(b, step, learningRate) }
    public func fusedUpdate(_ b: FusedBuffers<Double>, step: Int, learningRate: Double) { apply(b, step, learningRate) }

    @inline(__always)
    private func apply<T: TensorScalar>(_ b: FusedBuffers<T>, _ t: Int, _ lr: Double) {
        let (b1, b2) = (T(beta1), T(beta2))
        let stepSize = T(lr / (1 - Foundation.pow(beta1, Double(t))))
        let correction2 = T(1 / (1 - Foundation.pow(beta2, Double(t))))
        let eps = T(epsilon)
        let decay = T(1 - lr * weightDecay)
        let p = b.parameter, g = b.gradient, m = b.state[0], v = b.state[1]
        let vmax = amsgrad ? b.state[2] : nil
        let tiny = T.leastNormalMagnitude
        // Straight loops the compiler vectorises (the optimizer hands large parameters to both cores in halves).
        if let vmax {
            for i in 0..<b.count {
                let gi = g[i]
                let mi = flush(b1 * m[i] + (1 - b1) * gi, tiny)
                let vi = flush(b2 * v[i] + (1 - b2) * gi * gi, tiny)
                let top = Swift.max(vmax[i], vi)
                m[i] = mi; v[i] = vi; vmax[i] = top
                p[i] = p[i] * decay - stepSize * mi / (T.sqrt(top * correction2) + eps)
            }
        } else {
            for i in 0..<b.count {
                let gi = g[i]
                let mi = flush(b1 * m[i] + (1 - b1) * gi, tiny)
                let vi = flush(b2 * v[i] + (1 - b2) * gi * gi, tiny)
                m[i] = mi; v[i] = vi
                p[i] = p[i] * decay - stepSize * mi / (T.sqrt(vi * correction2) + eps)
            }
        }
    }
}

extension SGD: FusedOptimizerRule {
    public func fusedUpdate(_ b: FusedBuffers<Float>, step: Int, learningRate: Double) { apply(b, learningRate) }
    public func fusedUpdate(_ b: FusedBuffers<Double>, step: Int, learningRate: Double) { apply(b, learningRate) }

    @inline(__always)
    private func apply<T: TensorScalar>(_ b: FusedBuffers<T>, _ lr: Double) {
        let eta = T(lr), mu = T(momentum)
        let p = b.parameter, g = b.gradient
        if momentum == 0 {
            for i in 0..<b.count { p[i] -= eta * g[i] }
            return
        }
        let v = b.state[0]
        let tiny = T.leastNormalMagnitude
        if nesterov {
            for i in 0..<b.count {
                let vi = flush(mu * v[i] - eta * g[i], tiny)
                v[i] = vi
                p[i] += mu * vi - eta * g[i]   // θ + μv − ηg
            }
        } else {
            for i in 0..<b.count {
                let vi = flush(mu * v[i] - eta * g[i], tiny)
                v[i] = vi
                p[i] += vi                     // θ + v
            }
        }
    }
}

import Foundation
