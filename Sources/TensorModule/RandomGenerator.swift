/// A seedable pseudo-random generator (xoshiro256**, seeded through SplitMix64): the same seed gives the same
/// numbers on every machine and every run.
///
/// ```swift
/// var rng = RandomGenerator(seed: 42)
/// let w = Tensor.randomNormal([3, 3], standardDeviation: 0.1, using: &rng)
/// ```
public struct RandomGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    /// The full generator state (save it to resume a sequence exactly).
    public var state: [UInt64]
    private var spareNormal: Double?

    public init(seed: UInt64) {
        var z = seed
        var s: [UInt64] = []
        for _ in 0..<4 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            s.append(x ^ (x >> 31))
        }
        state = s
    }

    /// A generator continuing from a saved ``state`` (four words).
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        self.state = state
    }

    /// ``state`` and, when a normal draw is kept for the next ``nextNormal()``, its bits as a fifth word: all a
    /// generator needs to continue exactly, whatever it drew last.
    ///
    /// ```swift
    /// var g = RandomGenerator(seed: 1)
    /// _ = g.nextNormal()
    /// var h = RandomGenerator(fullState: g.fullState)!   // h.nextNormal() == g.nextNormal()
    /// ```
    public var fullState: [UInt64] { state + (spareNormal.map { [$0.bitPattern] } ?? []) }

    /// A generator continuing from a saved ``fullState`` (four or five words).
    public init?(fullState: [UInt64]) {
        guard fullState.count == 4 || fullState.count == 5 else { return nil }
        self.init(state: Array(fullState.prefix(4)))
        spareNormal = fullState.count == 5 ? Double(bitPattern: fullState[4]) : nil
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotate(state[3], 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform double in [0, 1) from the top 53 bits.
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal double (Box–Muller; the second value of each pair is kept for the next call).
    public mutating func nextNormal() -> Double {
        if let s = spareNormal {
            spareNormal = nil
            return s
        }
        var u1 = nextUniform()
        while u1 <= 0 { u1 = nextUniform() }
        let u2 = nextUniform()
        let r = (-2 * Glibc.log(u1)).squareRoot()
        spareNormal = r * Glibc.sin(2 * Double.pi * u2)
        return r * Glibc.cos(2 * Double.pi * u2)
    }
}

import Glibc

/// An object that draws from a generator of its own while training (dropout masks, augmentation). A checkpoint keeps
/// each such generator's state, so a resumed run draws exactly what an uninterrupted one would.
///
/// ```swift
/// final class Jitter: RandomStateHolder { var generator = RandomGenerator(seed: 1) }
/// ```
public protocol RandomStateHolder: AnyObject {
    var generator: RandomGenerator { get set }
}
