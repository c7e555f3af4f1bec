import Testing
import NeuralKit
import _TestSupport

@Suite struct TensorTests {
    @Test func creation() {
        #expect(Tensor.zeros([2, 3]).values == [Double](repeating: 0, count: 6))
        #expect(Tensor.ones([2], dtype: .float64).dtype == .float64)
        #expect(Tensor.full([2, 2], value: 7).values == [7, 7, 7, 7])
        #expect(Tensor.arange(0, 1, step: 0.25).values == [0, 0.25, 0.5, 0.75])
        #expect(Tensor.arange(5, 0, step: -2).values == [5, 3, 1])
        #expect(Tensor.linspace(0, 1, count: 5).values == [0, 0.25, 0.5, 0.75, 1])
        #expect(Tensor.identity(3).values == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4] as [Float]).dtype == .float32)
        #expect(Tensor(shape: [2], scalars: [1, 2] as [Double]).dtype == .float64)
        #expect(Tensor(rows: [[1, 2], [3, 4]])[1, 0] == 3)
        #expect(Tensor(scalar: 2.5).shape == [] && Tensor(scalar: 2.5).scalar == 2.5)
        #expect(Tensor([1, 2]).scalars(as: Float.self) == [1, 2])
    }

    @Test func sameSeedGivesBitwiseSameRandomTensors() {
        for dtype in DType.floatingPointTypes {
            var r1 = RandomGenerator(seed: 42), r2 = RandomGenerator(seed: 42), r3 = RandomGenerator(seed: 43)
            let a = Tensor.randomNormal([100], dtype: dtype, using: &r1)
            let b = Tensor.randomNormal([100], dtype: dtype, using: &r2)
            let c = Tensor.randomNormal([100], dtype: dtype, using: &r3)
            #expect(a.values.map(\.bitPattern) == b.values.map(\.bitPattern))
            #expect(a.values != c.values)
            let u = Tensor.randomUniform([1000], lowerBound: -1, upperBound: 1, dtype: dtype, using: &r1)
            #expect(u.values.allSatisfy { $0 >= -1 && $0 < 1 })
        }
    }

    @Test func randomDistributionsHaveTheirMoments() {
        var rng = RandomGenerator(seed: 7)
        let n = Tensor.randomNormal([100_000], mean: 2, standardDeviation: 3, dtype: .float64, using: &rng)
        #expect(Swift.abs(n.mean().scalar - 2) < 0.05)
        #expect(Swift.abs(n.variance().scalar.squareRoot() - 3) < 0.05)
        let u = Tensor.randomUniform([100_000], dtype: .float64, using: &rng)
        #expect(Swift.abs(u.mean().scalar - 0.5) < 0.01)
    }

    @Test func generatorStateResumesTheSequence() {
        var rng = RandomGenerator(seed: 1)
        _ = rng.next()
        var copy = rng
        #expect(rng.next() == copy.next())
        let restored = RandomGenerator(seed: 1)
        #expect(restored != rng)
    }

    @Test func valueSemanticsCopyOnWrite() {
        let a = Tensor([1, 2, 3])
        let b = a.reshaped(to: [3, 1])   // shares the buffer
        var c = a
        c.requiresGradient = true       // a's node is untouched
        #expect(!a.requiresGradient)
        #expect(b.values == a.values)
        let sum = a + 1
        #expect(a.values == [1, 2, 3] && sum.values == [2, 3, 4])
    }

    @Test func shapeOps() {
        let x = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        #expect(x.transposed().values == [1, 4, 2, 5, 3, 6] && x.transposed().shape == [3, 2])
        #expect(x.reshaped(to: [3, -1]).shape == [3, 2])
        #expect(x.unsqueezed(at: 0).shape == [1, 2, 3] && x.unsqueezed(at: -1).shape == [2, 3, 1])
        #expect(x.unsqueezed(at: 1).squeezed().shape == [2, 3])
        #expect(x.expanded(to: [2, 2, 3]).values == [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6])
        #expect(Tensor([1, 2]).reshaped(to: [2, 1]).expanded(to: [2, 3]).values == [1, 1, 1, 2, 2, 2])
        let cat = Tensor.concatenating([x, Tensor(shape: [2, 1], values: [7, 8])], alongAxis: 1)
        #expect(cat.shape == [2, 4] && cat.values == [1, 2, 3, 7, 4, 5, 6, 8])
        let st = Tensor.stacking([Tensor([1, 2]), Tensor([3, 4])], alongAxis: 1)
        #expect(st.shape == [2, 2] && st.values == [1, 3, 2, 4])
        #expect(x.slice(alongAxis: 1, 1..<3).values == [2, 3, 5, 6])
        #expect(x.gathering(rows: [1, 1, 0]).values == [4, 5, 6, 4, 5, 6, 1, 2, 3])
        #expect(Tensor.oneHot([2, 0], classCount: 3).values == [0, 0, 1, 1, 0, 0])
        let p = Tensor.arange(0, 24).reshaped(to: [2, 3, 4]).permuted([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        #expect(p[3, 1, 2] == Double(1 * 12 + 2 * 4 + 3))
    }

    @Test func description() {
        #expect(Tensor(rows: [[1, 2], [3, 4]]).description == "[[1.0, 2.0],\n [3.0, 4.0]] shape [2, 2], float32")
        #expect(Tensor(scalar: 2, dtype: .float64).description == "2.0")
        #expect(Tensor.arange(0, 10).description == "[0.0, 1.0, 2.0, ..., 7.0, 8.0, 9.0] shape [10], float32")
        #expect(Tensor.zeros([2, 1, 2]).description == "[[[0.0, 0.0]],\n\n [[0.0, 0.0]]] shape [2, 1, 2], float32")
    }

    @Test func emptyTensorsWork() {
        let e = Tensor.zeros([0, 3])
        #expect(e.count == 0)
        #expect((e + 1).shape == [0, 3])
        #expect(e.sum(alongAxes: [0]).values == [0, 0, 0])
        #expect(e.matmul(Tensor.zeros([3, 2])).shape == [0, 2])
        #expect(Tensor.zeros([2, 0]).matmul(Tensor.zeros([0, 2])).values == [0, 0, 0, 0])
    }
}
