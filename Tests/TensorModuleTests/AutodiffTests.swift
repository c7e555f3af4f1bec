import Testing
import NeuralKit
import _TestSupport
import Glibc

@Suite struct AutodiffTests {
    func scalar(_ v: Double) -> Tensor {
        var t = Tensor(scalar: v, dtype: .float64)
        t.requiresGradient = true
        return t
    }

    /// F(x) = w2·relu(w1·x + b1) + b2, x = 3, target −12, loss (F(x) − y)².
    @Test func lectureReluNetworkGradients() {
        let (w1, w2, b1, b2) = (scalar(5), scalar(-1), scalar(0), scalar(1))
        let loss = (w2 * (w1 * 3 + b1).relu() + b2 - -12).squared()
        loss.backward()
        #expect(loss.scalar == 4)
        #expect(w2.grad?.scalar == -60)
        #expect(b2.grad?.scalar == -4)
        #expect(w1.grad?.scalar == 12)
        #expect(b1.grad?.scalar == 4)
    }

    /// `backward(gradient:)` of a non-scalar result gives the vector-Jacobian product: the same gradients as
    /// back-propagating Σ(y ⊙ g) with g held constant.
    @Test func backwardWithAnUpstreamGradientIsTheVectorJacobianProduct() {
        var x = Tensor(shape: [2, 3], values: [0.5, -1, 2, 3, -0.25, 1], dtype: .float64)
        x.requiresGradient = true
        let g = Tensor(shape: [2, 3], values: [1, 10, -2, 0.5, 4, -3], dtype: .float64)
        (x * x).tanh().backward(gradient: g)
        let viaSum = gradient(at: x) { x in ((x * x).tanh() * g).sum() }
        #expect(x.grad?.shape == [2, 3])
        expectClose(x.grad!, viaSum.values, absolute: 1e-12)
        // Closed form for one entry: d tanh(x²)/dx = 2x (1 − tanh²(x²)), times g.
        let x0 = 0.5, t0 = Glibc.tanh(x0 * x0)
        #expect(Swift.abs(x.grad!.values[0] - 2 * x0 * (1 - t0 * t0)) < 1e-12)
    }

    /// The same network with sigmoid: each gradient equals the chain rule written out by hand.
    @Test func lectureSigmoidNetworkMatchesChainRule() {
        let (w1v, w2v, b1v, b2v, x, y) = (5.0, -1.0, 0.0, 1.0, 3.0, -12.0)
        let (w1, w2, b1, b2) = (scalar(w1v), scalar(w2v), scalar(b1v), scalar(b2v))
        let loss = (w2 * (w1 * x + b1).sigmoid() + b2 - y).squared()
        loss.backward()
        let u = w1v * x + b1v
        let s = 1 / (1 + Glibc.exp(-u))
        let z = w2v * s + b2v
        let tol = 1e-12
        #expect(Swift.abs(loss.scalar - (z - y) * (z - y)) < tol)
        #expect(Swift.abs(w2.grad!.scalar - 2 * (z - y) * s) < tol)
        #expect(Swift.abs(b2.grad!.scalar - 2 * (z - y)) < tol)
        #expect(Swift.abs(w1.grad!.scalar - 2 * (z - y) * w2v * s * (1 - s) * x) < tol)
        #expect(Swift.abs(b1.grad!.scalar - 2 * (z - y) * w2v * s * (1 - s)) < tol)
    }

    @Test func quadraticGradient() {
        let g = gradient(at: Tensor([1, 1], dtype: .float64)) { x in
            3 * x.slice(alongAxis: 0, 0..<1).squared().sum() + x.slice(alongAxis: 0, 1..<2).squared().sum()
        }
        #expect(g.values == [6, 2])
    }

    /// −log softmax(z)_r has gradient y_i − 1 at the target r and y_i elsewhere.
    @Test func softmaxCrossEntropyGradient() {
        let z = Tensor([2.0, -1.0, 0.5, 3.0], dtype: .float64)
        for r in 0..<4 {
            let oneHot = Tensor.oneHot([r], classCount: 4, dtype: .float64).reshaped(to: [4])
            let g = gradient(at: z) { -($0.softmax().log() * oneHot).sum() }
            let y = z.softmax().values
            let expected = (0..<4).map { $0 == r ? y[$0] - 1 : y[$0] }
            expectClose(g, expected, absolute: 1e-12, relative: 1e-12, "target \(r)")
            let viaLogSoftmax = gradient(at: z) { -($0.logSoftmax() * oneHot).sum() }
            expectClose(viaLogSoftmax, expected, absolute: 1e-12, relative: 1e-12, "logSoftmax target \(r)")
        }
    }

    @Test func gradientsOfValuesUsedTwiceAddUp() {
        var x = Tensor([2, -3], dtype: .float64)
        x.requiresGradient = true
        let y = (x * x + x * 3).sum()   // d/dx = 2x + 3
        y.backward()
        #expect(x.grad?.values == [7, -3])
    }

    @Test func broadcastGradientsAreSummedBackToTheInputShape() {
        var b = Tensor([1, 2, 3], dtype: .float64)
        b.requiresGradient = true
        let x = Tensor.ones([4, 3], dtype: .float64)
        (x * b).sum().backward()
        #expect(b.grad?.shape == [3])
        #expect(b.grad?.values == [4, 4, 4])
    }

    @Test func backwardAccumulatesAcrossCallsLikePyTorch() {
        var w = Tensor([1], dtype: .float64)
        w.requiresGradient = true
        (w * 2).sum().backward()
        (w * 5).sum().backward()
        #expect(w.grad?.values == [7])
        w.grad = nil
        #expect(w.grad == nil)
    }

    @Test func functionalGradientsLeaveGradUntouched() {
        var w = Tensor([3], dtype: .float64), b = Tensor([1], dtype: .float64)
        w.requiresGradient = true
        b.requiresGradient = true
        let unused = Tensor([9], dtype: .float64)
        let loss = (w * w * b).sum()
        let g = gradients(of: loss, withRespectTo: [w, b, unused])
        #expect(g[0].values == [6] && g[1].values == [9] && g[2].values == [0])
        #expect(w.grad == nil && b.grad == nil)
    }

    @Test func valueWithGradientWorksOnPlainTensors() {
        let (value, grads) = valueWithGradient(at: [Tensor([1], dtype: .float64), Tensor([1], dtype: .float64)]) { v in
            (3 * v[0] * v[0] + v[1] * v[1]).sum()
        }
        #expect(value.scalar == 4)
        #expect(grads.map(\.values) == [[6], [2]])
        #expect(!value.requiresGradient)
    }

    @Test func noGradientScopeRecordsNothing() {
        var w = Tensor([1, 2])
        w.requiresGradient = true
        let y = withoutGradient { (w * 3).exp().sum() }
        #expect(!y.requiresGradient)
        let inside = withoutGradient { GradientMode.isEnabled }
        #expect(inside == false)
        #expect((w * 3).requiresGradient)
    }

    @Test func gradientFlowsAcrossElementTypes() {
        let g = gradient(at: Tensor([1, 2], dtype: .float64)) { ($0.converted(to: .float32) * 3).sum().converted(to: .float64) }
        #expect(g.dtype == .float64)
        #expect(g.values == [3, 3])
    }

    /// A user-defined op through `recorded(_:inputs:_:)` with more inputs than a tape node stores inline (four), one
    /// of which its rule gives no gradient: each input receives its closed-form gradient, the skipped one none.
    @Test func customOpsRecordAnyNumberOfInputs() {
        let xs = (1...4).map { i -> Tensor in
            var t = Tensor([Double(i), Double(2 * i)], dtype: .float64)
            t.requiresGradient = true
            return t
        }
        // f = x0·x1 + x2³ + 0·x3, with its own rule.
        let value = withoutGradient { xs[0] * xs[1] + xs[2] * xs[2] * xs[2] + xs[3] * 0 }
        let f = value.recorded("custom", inputs: xs) { g in [g * xs[1], g * xs[0], g * 3 * xs[2] * xs[2], nil] }
        #expect(f.requiresGradient)
        f.sum().backward()
        #expect(xs[0].grad?.values == [2, 4])
        #expect(xs[1].grad?.values == [1, 2])
        #expect(xs[2].grad?.values == [27, 108])
        #expect(xs[3].grad == nil)
    }

    /// After backward() the graph is freed: the intermediate results' nodes are gone even while the tensors
    /// that hold them live on.
    @Test func graphIsFreedAfterBackward() {
        var w = Tensor([0.5, -1.5], dtype: .float64)
        w.requiresGradient = true
        weak var probe: AnyObject?
        do {
            let hidden = (w * 2).tanh()
            let loss = (hidden * hidden).sum()
            probe = GraphProbe.node(of: hidden)
            #expect(probe != nil)
            loss.backward()
            // `loss` is still alive here; its node no longer keeps the graph.
            #expect(GraphProbe.inputCount(of: loss) == 0)
            _ = hidden
        }
        #expect(probe == nil, "the graph outlived backward()")
        #expect(w.grad != nil)
    }

    /// Intermediate nodes that only the graph holds (no tensor of the caller's) are freed by backward() as it
    /// releases the graph, inputs first; one of them is used three times. The gradient is the closed form
    /// d/dw Σ (t² + t) = (2t + 1)(1 − t²)·2 with t = tanh(2w).
    @Test func nodesHeldOnlyByTheGraphAreFreedByBackward() {
        var w = Tensor([0.5, -1.5], dtype: .float64)
        w.requiresGradient = true
        weak var probe: AnyObject?
        var loss: Tensor
        do {
            let t = (w * 2).tanh()
            probe = GraphProbe.node(of: t)
            loss = (t * t + t).sum()
        }
        #expect(probe != nil, "the graph holds its nodes until backward()")
        loss.backward()
        #expect(probe == nil, "the graph outlived backward()")
        let expected = [0.5, -1.5].map { w -> Double in
            let t = Glibc.tanh(2 * w)
            return (2 * t + 1) * (1 - t * t) * 2
        }
        let grad = w.grad?.values ?? []
        #expect(grad.count == 2 && zip(grad, expected).allSatisfy { abs($0 - $1) < 1e-12 }, "\(grad) vs \(expected)")
    }

    @Test func graphIsFreedWhenDroppedWithoutBackward() {
        var w = Tensor([0.5], dtype: .float64)
        w.requiresGradient = true
        weak var probe: AnyObject?
        do {
            let y = (w.exp() * w).sigmoid()
            probe = GraphProbe.node(of: y)
            #expect(probe != nil)
        }
        #expect(probe == nil, "a pullback keeps its own node alive")
    }
}
