/// The gradients a pullback returns, one per input of its op (nil for an input that needs none): three inline, the
/// rest in an array, so the common ops allocate nothing for them, and the engine takes each one out without
/// copying it.
struct InputGradients {
    private var g0, g1, g2: Tensor?
    private var more: [Tensor?] = []
    /// How many gradients (the op's input count).
    let count: Int

    @inline(__always) init(_ g0: consuming Tensor?) {
        self.g0 = g0
        count = 1
    }

    @inline(__always) init(_ g0: consuming Tensor?, _ g1: consuming Tensor?) {
        self.g0 = g0
        self.g1 = g1
        count = 2
    }

    @inline(__always) init(_ g0: consuming Tensor?, _ g1: consuming Tensor?, _ g2: consuming Tensor?) {
        self.g0 = g0
        self.g1 = g1
        self.g2 = g2
        count = 3
    }

    /// Gradients from an array (any length).
    init(all gradients: [Tensor?]) {
        count = gradients.count
        if count > 0 { g0 = gradients[0] }
        if count > 1 { g1 = gradients[1] }
        if count > 2 { g2 = gradients[2] }
        if count > 3 { more = Array(gradients[3...]) }
    }

    /// Moves the gradient for input `i` out (nil past the end).
    @inline(__always) mutating func take(_ i: Int) -> Tensor? {
        switch i {
        case 0: return g0.take()
        case 1: return g1.take()
        case 2: return g2.take()
        default: return i < count ? more[i - 3].take() : nil
        }
    }
}
