/// The lectures' worked examples, computed through the public API; `neuralkit` prints them.
public enum SeedExamples {
    /// Every example, each producing its printed report.
    public static let all: [@Sendable () -> String] = [perceptron, reluNetwork, quadratic, reluNetworkTrace]

    /// ŷ = σ(w₀ + W·X) with w₀ = 1, W = [3, −2], X = [−1, 2].
    public static func perceptron() -> String {
        let x = Tensor([-1, 2], dtype: .float64)
        let w = Tensor([3, -2], dtype: .float64)
        let y = ((w * x).sum() + 1).sigmoid()
        return "perceptron: σ(1 + 3·(−1) − 2·2) = σ(−6) = \(y.scalar)"
    }

    /// F(x) = w₂·relu(w₁·x + b₁) + b₂ at x = 3 with target −12, loss (F(x) − y)².
    public static func reluNetwork() -> String {
        let (loss, g) = valueWithGradient(at: [5, -1, 0, 1].map { Tensor(scalar: $0, dtype: .float64) }) { p in
            let f = p[1] * (p[0] * 3 + p[2]).relu() + p[3]
            return (f - -12).squared()
        }
        let d = g.map(\.scalar)
        return "relu network: loss = \(loss.scalar), ∂ℓ/∂w1 = \(d[0]), ∂ℓ/∂w2 = \(d[1]), ∂ℓ/∂b1 = \(d[2]), ∂ℓ/∂b2 = \(d[3])"
    }

    /// ``reluNetwork()``'s backward pass, every op with its value and gradient.
    public static func reluNetworkTrace() -> String {
        func leaf(_ v: Double) -> Tensor {
            var t = Tensor(scalar: v, dtype: .float64)
            t.requiresGradient = true
            return t
        }
        let (w1, w2, b1, b2) = (leaf(5), leaf(-1), leaf(0), leaf(1))
        let trace = BackpropagationTrace(leaves: ["w1": w1, "w2": w2, "b1": b1, "b2": b2]) {
            (w2 * (w1 * 3 + b1).relu() + b2 - -12).squared()
        }
        return "relu network, backpropagation step by step (value, then ∂ℓ/∂value):\n\(trace)"
    }

    /// ∇(3x₁² + x₂²) at (1, 1).
    public static func quadratic() -> String {
        let g = gradient(at: Tensor([1, 1], dtype: .float64)) { x in (x.squared() * Tensor([3, 1], dtype: .float64)).sum() }
        return "f(x1, x2) = 3x1² + x2²: ∇f(1, 1) = \(g.values)"
    }
}
