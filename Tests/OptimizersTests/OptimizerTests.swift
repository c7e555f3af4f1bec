import Testing
import NeuralKit
import Glibc

/// f(w) = (w − 3)², ∇f = 2(w − 3), from w = 0.
func grad(_ w: Double) -> Double { 2 * (w - 3) }

struct RuleCase: CustomTestStringConvertible, Sendable {
    let name: String
    let rule: any OptimizerRule
    /// The first three iterates w₁, w₂, w₃ computed from the update formula with plain Doubles.
    let byHand: [Double]
    /// A learning rate with which 2,000 steps must reach |w − 3| < 1e-2.
    let convergingRule: any OptimizerRule
    var testDescription: String { name }
}

/// Each row's `byHand` runs the rule's formula on scalars, written out here independently of the library.
let ruleTable: [RuleCase] = [
    // θ ← θ − ηg, η = 0.1: 0 → 0.6 → 1.08 → 1.464
    RuleCase(name: "SGD", rule: SGD(learningRate: 0.1), byHand: [0.6, 1.08, 1.464],
             convergingRule: SGD(learningRate: 0.1)),
    // v ← λv − ηg; θ ← θ + v (λ = 0.9, η = 0.1): v 0.6, 1.02, 1.194 → θ 0.6, 1.62, 2.814
    RuleCase(name: "momentum", rule: SGD(learningRate: 0.1, momentum: 0.9), byHand: [0.6, 1.62, 2.814],
             convergingRule: SGD(learningRate: 0.05, momentum: 0.9)),
    // Nesterov: v ← μv − ηg; θ ← θ + μv − ηg: 1.14, 2.3328, 3.325056
    RuleCase(name: "nesterov", rule: SGD(learningRate: 0.1, momentum: 0.9, nesterov: true),
             byHand: [1.14, 2.3328, 3.325056], convergingRule: SGD(learningRate: 0.05, momentum: 0.9, nesterov: true)),
    RuleCase(name: "Adagrad", rule: Adagrad(learningRate: 0.5), byHand: {
        // G ← G + g²; θ ← θ − η·g/(√G + ε)
        var (w, G) = (0.0, 0.0)
        return (0..<3).map { _ in
            let g = grad(w); G += g * g; w -= 0.5 * g / (G.squareRoot() + 1e-10); return w
        }
    }(), convergingRule: Adagrad(learningRate: 1)),
    RuleCase(name: "Adadelta", rule: Adadelta(learningRate: 1, rho: 0.9, epsilon: 1e-6), byHand: {
        // E[g²] ← ρE[g²] + (1−ρ)g²; Δ ← −√(E[Δ²]+ε)/√(E[g²]+ε)·g; E[Δ²] ← ρE[Δ²] + (1−ρ)Δ²; θ ← θ + ηΔ
        var (w, eg, ed) = (0.0, 0.0, 0.0)
        return (0..<3).map { _ in
            let g = grad(w)
            eg = 0.9 * eg + 0.1 * g * g
            let d = -((ed + 1e-6).squareRoot() / (eg + 1e-6).squareRoot()) * g
            ed = 0.9 * ed + 0.1 * d * d
            w += d
            return w
        }
    }(), convergingRule: Adadelta(learningRate: 50, rho: 0.9, epsilon: 1e-6)),
    RuleCase(name: "RMSProp", rule: RMSProp(learningRate: 0.1, rho: 0.9, epsilon: 1e-7), byHand: {
        // E ← ρE + (1−ρ)g²; θ ← θ − η·g/(√E + ε)
        var (w, e) = (0.0, 0.0)
        return (0..<3).map { _ in
            let g = grad(w); e = 0.9 * e + 0.1 * g * g; w -= 0.1 * g / (e.squareRoot() + 1e-7); return w
        }
    }(), convergingRule: RMSProp(learningRate: 0.01)),
    RuleCase(name: "Adam", rule: Adam(learningRate: 0.1), byHand: adamByHand(amsgrad: false, decay: 0),
             convergingRule: Adam(learningRate: 0.05)),
    RuleCase(name: "AMSGrad", rule: Adam(learningRate: 0.1, amsgrad: true), byHand: adamByHand(amsgrad: true, decay: 0),
             convergingRule: Adam(learningRate: 0.05, amsgrad: true)),
    RuleCase(name: "AdamW", rule: AdamW(learningRate: 0.1, weightDecay: 0.01), byHand: adamByHand(amsgrad: false, decay: 0.01),
             convergingRule: AdamW(learningRate: 0.05, weightDecay: 0.001)),
]

/// m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; θ ← θ(1 − ηλ) − η·m̂/(√v̂ + ε), m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)
/// (AMSGrad: v̂ uses the running maximum of v).
func adamByHand(amsgrad: Bool, decay: Double) -> [Double] {
    var (w, m, v, vmax) = (0.0, 0.0, 0.0, 0.0)
    return (1...3).map { t in
        let g = grad(w)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        vmax = Swift.max(vmax, v)
        let mHat = m / (1 - Glibc.pow(0.9, Double(t)))
        let vHat = (amsgrad ? vmax : v) / (1 - Glibc.pow(0.999, Double(t)))
        w = w * (1 - 0.1 * decay) - 0.1 * mHat / (vHat.squareRoot() + 1e-8)
        return w
    }
}

@Suite struct OptimizerTests {
    func run(_ rule: any OptimizerRule, steps: Int) -> [Double] {
        let w = Parameter(Tensor([0], dtype: .float64))
        let optimizer = Optimizer(rule)
        return (0..<steps).map { _ in
            (w.value - 3).squared().sum().backward()
            optimizer.update([("w", w)])
            return w.value.scalar
        }
    }

    /// The rule's tensor-op `update`, called directly (the Optimizer prefers a fused kernel when a rule has one).
    func runComposed(_ rule: any OptimizerRule, steps: Int) -> [Double] {
        var w = Tensor([0], dtype: .float64)
        var state = (0..<rule.stateCount).map { _ in Tensor.zeros([1], dtype: .float64) }
        return (1...steps).map { t in
            w = rule.update(w, gradient: (w - 3) * 2, state: &state, step: t, learningRate: rule.learningRate)
            return w.scalar
        }
    }

    @Test(arguments: ruleTable)
    func firstThreeUpdatesMatchTheFormula(_ row: RuleCase) {
        for (path, got) in [("optimizer", run(row.rule, steps: 3)), ("composed", runComposed(row.rule, steps: 3))] {
            for (a, e) in zip(got, row.byHand) {
                #expect(Swift.abs(a - e) <= 1e-12 * Swift.max(1, Swift.abs(e)), "\(row.name) \(path): \(got) vs \(row.byHand)")
            }
        }
    }

    /// `RMSProp()` is PyTorch's `torch.optim.RMSprop()`: lr 0.01, alpha 0.99, eps 1e-8, ε outside the root. A small
    /// gradient (1e-4, where ε's placement matters) takes PyTorch's step: v = 0.01·g², Δ = lr·g / (√v + ε).
    @Test func rmspropDefaultsArePyTorchs() {
        let rule = RMSProp()
        #expect(rule.learningRate == 0.01 && rule.rho == 0.99 && rule.epsilon == 1e-8)
        let g = 1e-4
        var (w, v) = (0.0, 0.0)
        var expected: [Double] = []
        for _ in 0..<3 {
            v = 0.99 * v + 0.01 * g * g
            w -= 0.01 * g / (v.squareRoot() + 1e-8)
            expected.append(w)
        }
        #expect(Swift.abs(expected[0] + 0.0999000999) < 1e-9)   // with ε inside the root (Keras's form): −0.00995
        let p = Parameter(Tensor([0.0], dtype: .float64))
        let optimizer = Optimizer(rule)
        for e in expected {
            (p.value * g).sum().backward()
            optimizer.update([("w", p)])
            #expect(Swift.abs(p.value.scalar - e) <= 1e-15, "\(p.value.scalar) vs \(e)")
        }
    }

    /// Float parameters take the fused kernels too: they agree with the Double formula to Float precision.
    @Test(arguments: ruleTable)
    func floatParametersFollowTheFormula(_ row: RuleCase) {
        let w = Parameter(Tensor([0]))
        let optimizer = Optimizer(row.rule)
        for e in row.byHand {
            (w.value - 3).squared().sum().backward()
            optimizer.update([("w", w)])
            #expect(Swift.abs(w.value.scalar - e) <= 1e-5 * Swift.max(1, Swift.abs(e)), "\(row.name)")
        }
    }

    /// A parameter large enough to be updated in two halves on the two cores (40,000 elements, above the split
    /// size) follows the rule's tensor-op form element for element: each half sees its own slices of the parameter,
    /// the gradient and the state.
    @Test(arguments: ruleTable)
    func largeParametersSplitOverTheCoresMatchTheComposedRule(_ row: RuleCase) {
        let n = 40_000
        let targets = Tensor(shape: [n], values: (0..<n).map { Double($0 % 97) / 10 - 4 }, dtype: .float64)
        let w = Parameter(Tensor.zeros([n], dtype: .float64))
        let optimizer = Optimizer(row.rule)
        var composed = Tensor.zeros([n], dtype: .float64)
        var state = (0..<row.rule.stateCount).map { _ in Tensor.zeros([n], dtype: .float64) }
        for t in 1...3 {
            (w.value - targets).squared().sum().backward()
            optimizer.update([("w", w)])
            composed = row.rule.update(composed, gradient: (composed - targets) * 2, state: &state, step: t,
                                       learningRate: row.rule.learningRate)
        }
        let worst = zip(w.value.values, composed.values).map { Swift.abs($0 - $1) / Swift.max(1, Swift.abs($1)) }.max()!
        #expect(worst <= 1e-12, "\(row.name): largest relative difference \(worst)")
    }

    @Test(arguments: ruleTable)
    func convergesWithin2000Steps(_ row: RuleCase) {
        let trajectory = run(row.convergingRule, steps: 2000)
        let first = trajectory.firstIndex { Swift.abs($0 - 3) < 1e-2 }
        #expect(first != nil, "\(row.name) ended at \(trajectory.last!)")
        #expect(Swift.abs(trajectory.last! - 3) < 1e-2, "\(row.name) ended at \(trajectory.last!)")
    }

    @Test func stateIsKeyedByNameAndRestorable() {
        let a = Parameter(Tensor([0], dtype: .float64)), b = Parameter(Tensor([0], dtype: .float64))
        let opt = Optimizer(Adam(learningRate: 0.1))
        (a.value - 3).squared().sum().backward()
        opt.update([("a", a)])
        let saved = opt.state()
        #expect(saved.step == 1 && saved.slots.keys.sorted() == ["a"])
        // Replay the second step twice, from the saved state: the same value each time.
        let w = a.value
        (a.value - 3).squared().sum().backward()
        opt.update([("a", a)])
        let once = a.value.scalar
        let opt2 = Optimizer(Adam(learningRate: 0.1))
        opt2.load(saved)
        b.assign(w)
        (b.value - 3).squared().sum().backward()
        opt2.update([("a", b)])
        #expect(b.value.scalar == once)
    }

    @Test func clippingByValueAndByGlobalNorm() {
        let w = Parameter(Tensor([0, 0], dtype: .float64))
        let byValue = Optimizer(SGD(learningRate: 1), clipping: .byValue(0.5))
        (w.value * Tensor([3, -0.25], dtype: .float64)).sum().backward()
        byValue.update([("w", w)])
        #expect(w.value.values == [-0.5, 0.25])
        let v = Parameter(Tensor([0, 0], dtype: .float64))
        let byNorm = Optimizer(SGD(learningRate: 1), clipping: .byGlobalNorm(1))
        (v.value * Tensor([3, 4], dtype: .float64)).sum().backward()   // ‖g‖ = 5 → scaled to 1
        byNorm.update([("v", v)])
        #expect(v.value.values.map { ($0 * 1e12).rounded() / 1e12 } == [-0.6, -0.8])
    }

    /// Transforms chain in order, between backward and the rule: weight decay then clipping is not clipping then
    /// weight decay. Coupled weight decay with SGD is PyTorch's `SGD(weight_decay=λ)`: θ ← θ − η(g + λθ).
    @Test func gradientTransformsChainInOrder() {
        func step(_ transforms: [any GradientTransform]) -> [Double] {
            let w = Parameter(Tensor([1, -2], dtype: .float64))
            let optimizer = Optimizer(SGD(learningRate: 0.5), transforms: transforms)
            (w.value * Tensor([3, 4], dtype: .float64)).sum().backward()   // g = (3, 4)
            optimizer.update([("w", w)])
            return w.value.values
        }
        #expect(step([AddWeightDecay(rate: 0.1)]) == [1 - 0.5 * (3 + 0.1), -2 - 0.5 * (4 - 0.2)])
        // Decay first: g = (3.1, 3.8), ‖g‖ = 4.9031…, scaled to 1. Clip first: (0.6, 0.8), then + 0.1θ = (0.7, 0.6).
        let decayThenClip = step([AddWeightDecay(rate: 0.1), ClipByGlobalNorm(maxNorm: 1)])
        let norm = (3.1 * 3.1 + 3.8 * 3.8).squareRoot()
        #expect(Swift.abs(decayThenClip[0] - (1 - 0.5 * 3.1 / norm)) < 1e-12 && Swift.abs(decayThenClip[1] - (-2 - 0.5 * 3.8 / norm)) < 1e-12)
        let clipThenDecay = step([ClipByGlobalNorm(maxNorm: 1), AddWeightDecay(rate: 0.1)])
        #expect(Swift.abs(clipThenDecay[0] - (1 - 0.5 * 0.7)) < 1e-12 && Swift.abs(clipThenDecay[1] - (-2 - 0.5 * 0.6)) < 1e-12)
        #expect(step([ClipByValue(limit: 3.5)]) == [1 - 0.5 * 3, -2 - 0.5 * 3.5])
    }

    @Test func replacingTheRuleTakesEffectOnTheNextUpdate() {
        let w = Parameter(Tensor([0], dtype: .float64))
        let opt = Optimizer(SGD(learningRate: 0.1))
        opt.rule = Adam(learningRate: 0.1)
        (w.value - 3).squared().sum().backward()   // g = −6: Adam's first step is η·sign(−g), SGD's would be 0.6
        opt.update([("w", w)])
        #expect(Swift.abs(w.value.scalar - 0.1) < 1e-9)
        #expect(opt.state().slots["w"]?.count == 2)
    }

    @Test func statelessRuleKeepsNoSlots() {
        let w = Parameter(Tensor([0], dtype: .float64))
        let opt = Optimizer(SGD(learningRate: 0.1))
        (w.value - 3).squared().sum().backward()
        opt.update([("w", w)])
        #expect(Swift.abs(w.value.scalar - 0.6) < 1e-12 && opt.state().slots.isEmpty)   // like PyTorch's SGD without momentum
    }

    @Test func weightDecayShrinksTowardZero() {
        let w = Parameter(Tensor([10], dtype: .float64))
        let opt = Optimizer(SGD(learningRate: 0.1), transforms: [AddWeightDecay(rate: 0.5)])
        (w.value * 0).sum().backward()   // zero gradient: only the decay acts, θ ← θ − η·λθ
        opt.update([("w", w)])
        #expect(w.value.scalar == 10 * (1 - 0.05))
    }
}
