import Testing
import NeuralKit
import _TestSupport

@Suite struct DenseOpTests {
    /// The doc example by hand: [1, 2]·[[1, −1], [1, −1]] = [3, −3]; + 0.5 → [3.5, −2.5]; relu → [3.5, 0].
    @Test func workedExample() {
        let x = Tensor(rows: [[1, 2]]), w = Tensor(rows: [[1, -1], [1, -1]])
        #expect(x.dense(w, bias: Tensor([0.5, 0.5]), activation: .relu).values == [3.5, 0])
        #expect(x.dense(w).values == [3, -3])
    }

    /// Each fused activation equals matmul + bias followed by the activation op (float32, 2-D and 3-D inputs).
    @Test(arguments: [FusedActivation.identity, .relu, .tanh, .sigmoid])
    func equalsMatmulPlusBiasThenActivation(_ activation: FusedActivation) {
        for shape in [[6, 5], [2, 3, 5]] {
            let x = randomTensor(shape, seed: 1, dtype: .float32), w = randomTensor([5, 7], seed: 2, dtype: .float32)
            let b = randomTensor([7], seed: 3, dtype: .float32)
            let z = x.matmul(w) + b
            let reference: Tensor
            switch activation {
            case .identity: reference = z
            case .relu: reference = z.relu()
            case .tanh: reference = z.tanh()
            case .sigmoid: reference = z.sigmoid()
            }
            let y = x.dense(w, bias: b, activation: activation)
            #expect(y.shape == reference.shape)
            expectClose(y, reference.values, absolute: 1e-5)
        }
    }
}
