import Testing
import NeuralKit

@Suite struct LectureExamplesTests {
    @Test func perceptronOutput() {
        let x = Tensor([-1, 2], dtype: .float64)
        let w = Tensor([3, -2], dtype: .float64)
        let y = ((w * x).sum() + 1).sigmoid().scalar
        // σ(−6) = 1 / (1 + e⁶)
        #expect(Swift.abs(y - 1 / (1 + Glibc.exp(6.0))) < 1e-12)
        #expect(Swift.abs(y - 0.0024726) < 1e-7)
    }
}

import Glibc
