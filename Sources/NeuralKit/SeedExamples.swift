/// The lectures' worked examples, computed through the public API; `neuralkit` prints them.
public enum SeedExamples {
    /// Every example, each producing its printed report.
    public static let all: [@Sendable () -> String] = [perceptron, reluNetwork, quadratic, reluNetworkTrace, lstmStepTrace]

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

    /// An LSTM of one unit reading one number, one step from h₀ = 0.1, c₀ = −0.2 at x = 0.5, with target h₁ = 0.5 and
    /// loss (h₁ − 0.5)²: every op of the cell (the gates i, f, g, o, the cell c₁ = f·c₀ + i·g, h₁ = o·tanh(c₁)) with its
    /// value and gradient. The fused LSTM op gives the same numbers; a trace runs the cell op by op.
    public static func lstmStepTrace() -> String {
        let lstm = LSTM(inputSize: 1, units: 1, seed: 1)
        lstm.convert(to: .float64)
        lstm.kernel.assign(Tensor(shape: [1, 4], values: [0.5, -0.4, 0.8, 0.3], dtype: .float64))          // i, f, g, o
        lstm.recurrentKernel.assign(Tensor(shape: [1, 4], values: [0.2, 0.6, -0.5, 0.1], dtype: .float64))
        lstm.bias!.assign(Tensor([0, 1, 0, 0], dtype: .float64))                                          // unitForgetBias
        let x = Tensor(shape: [1, 1, 1], values: [0.5], dtype: .float64)
        let (h0, c0) = (Tensor(shape: [1, 1], values: [0.1], dtype: .float64), Tensor(shape: [1, 1], values: [-0.2], dtype: .float64))
        let leaves = lstm.namedParameters.map { ($0.name, $0.parameter.value) }
        let trace = BackpropagationTrace(namedLeaves: leaves) {
            (lstm.run(x, initialStates: [h0, c0]).states[0] - 0.5).squared().sum()
        }
        return "LSTM, one step (value, then ∂ℓ/∂value):\n\(trace)"
    }

    /// ∇(3x₁² + x₂²) at (1, 1).
    public static func quadratic() -> String {
        let g = gradient(at: Tensor([1, 1], dtype: .float64)) { x in (x.squared() * Tensor([3, 1], dtype: .float64)).sum() }
        return "f(x1, x2) = 3x1² + x2²: ∇f(1, 1) = \(g.values)"
    }
}
