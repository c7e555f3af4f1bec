import Foundation
import Testing
import NeuralKit
import _TestSupport

/// Every number of a backward pass, checked against the closed forms of the lecture's perceptron.
@Suite struct BackpropagationTraceTests {
    func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }

    /// ŷ = σ(b + w·x) with w = [3, −2], x = [−1, 2], b = 1: z = −6, and every gradient is σ'(−6) times a known factor.
    @Test func theLecturesPerceptronStepByStep() throws {
        var w = Tensor([3, -2], dtype: .float64); w.requiresGradient = true
        var b = Tensor(scalar: 1, dtype: .float64); b.requiresGradient = true
        let x = Tensor([-1, 2], dtype: .float64)
        let trace = BackpropagationTrace(leaves: ["w": w, "b": b]) { ((w * x).sum() + b).sigmoid() }
        #expect(trace.steps.map(\.op) == ["w", "multiply", "sum", "b", "add", "sigmoid"])
        #expect(trace.steps.map(\.inputs) == [[], [0, nil], [1], [], [2, 3], [4]])
        let s = sigmoid(-6), ds = s * (1 - s)
        let values: [[Double]] = [[3, -2], [-3, -4], [-7], [1], [-6], [s]]
        let gradients: [[Double]] = [[-ds, 2 * ds], [ds, ds], [ds], [ds], [ds], [1]]
        for (step, (value, gradient)) in zip(trace.steps, zip(values, gradients)) {
            expectClose(try #require(step.value), value, absolute: 1e-15, relative: 1e-12)
            expectClose(try #require(step.gradient), gradient, absolute: 1e-15, relative: 1e-12)
        }
        // The trace keeps the gradients; the leaves' own are untouched.
        #expect(w.grad == nil && b.grad == nil)
        let table = trace.description.split(separator: "\n")
        #expect(table.count == 7 && table[0].hasPrefix("#  op") && table[2].contains("multiply") && table[2].contains("0, c"))
        #expect(table[6].contains("sigmoid") && table[6].contains("0.0024726"), "\(trace)")
    }

    /// `neuralkit examples` prints the lecture's relu network step by step: its leaves' gradients are the lecture's.
    @Test func theReluNetworkExamplesLeavesHaveTheLecturesGradients() {
        let rows = SeedExamples.reluNetworkTrace().split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let leaves = Dictionary(uniqueKeysWithValues: rows.filter { $0.count == 6 && $0[2] == "-" }.map { ($0[1], $0[5]) })
        #expect(leaves == ["w1": "12", "w2": "-60", "b1": "4", "b2": "-4"])
        #expect(rows.last?.first == "10" && rows.last?[1] == "squared" && rows.last?[4] == "4")   // the loss, 4
    }

    /// `neuralkit examples` prints one LSTM step op by op: the gates' sigmoids and tanhs appear, and the leaves'
    /// gradients are those of the fused LSTM op, and of the cell's equations differentiated by hand.
    @Test func theLSTMStepExampleShowsTheCellAndAgreesWithTheFusedOp() throws {
        let text = SeedExamples.lstmStepTrace()
        let rows = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.filter { $0.count > 1 && $0[1] == "sigmoid" }.count == 3 && rows.filter { $0.count > 1 && $0[1] == "tanh" }.count == 2, "\(text)")
        // By hand: z = x·W + b + h₀·U, then the cell; ∂ℓ/∂h₁ = 2(h₁ − 0.5).
        func σ(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        let (x, h0, c0) = (0.5, 0.1, -0.2)
        let w = [0.5, -0.4, 0.8, 0.3], u = [0.2, 0.6, -0.5, 0.1], b = [0.0, 1, 0, 0]
        let z = (0..<4).map { x * w[$0] + b[$0] + h0 * u[$0] }
        let (i, f, g, o) = (σ(z[0]), σ(z[1]), tanh(z[2]), σ(z[3]))
        let c1 = f * c0 + i * g, h1 = o * tanh(c1)
        let dh = 2 * (h1 - 0.5), dc = dh * o * (1 - tanh(c1) * tanh(c1))
        let dz = [dc * g * i * (1 - i), dc * c0 * f * (1 - f), dc * i * (1 - g * g), dh * tanh(c1) * o * (1 - o)]
        // The kernel's row: its gradient is the last bracketed list.
        let kernelRow = try #require(text.split(separator: "\n").first { $0.split(separator: " ").dropFirst().first == "kernel" })
        let gradientText = kernelRow[kernelRow.index(after: try #require(kernelRow.lastIndex(of: "[")))..<(try #require(kernelRow.lastIndex(of: "]")))]
        let kernel = gradientText.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        try #require(kernel.count == 4)
        // Printed to 5 significant digits.
        for k in 0..<4 { #expect(Swift.abs(kernel[k] - dz[k] * x) <= 1e-4 * Swift.abs(dz[k] * x), "dW[\(k)]: \(text)") }
        // The fused op's gradient.
        let lstm = LSTM(inputSize: 1, units: 1, seed: 1)
        lstm.convert(to: .float64)
        lstm.kernel.assign(Tensor(shape: [1, 4], values: w, dtype: .float64))
        lstm.recurrentKernel.assign(Tensor(shape: [1, 4], values: u, dtype: .float64))
        lstm.bias!.assign(Tensor(b, dtype: .float64))
        let input = Tensor(shape: [1, 1, 1], values: [x], dtype: .float64)
        (lstm.run(input, initialStates: [Tensor(shape: [1, 1], values: [h0], dtype: .float64), Tensor(shape: [1, 1], values: [c0], dtype: .float64)]).states[0] - 0.5)
            .squared().sum().backward()
        for k in 0..<4 { #expect(Swift.abs(lstm.kernel.value.grad!.values[k] - dz[k] * x) < 1e-12, "fused dW[\(k)]") }
    }

    /// A value used twice receives the sum of both uses' gradients: d(x·x)/dx = 2x.
    @Test func aValueUsedTwiceAddsItsGradients() {
        var x = Tensor([3], dtype: .float64); x.requiresGradient = true
        let trace = BackpropagationTrace { (x * x).sum() }
        #expect(trace.steps.map(\.op) == ["leaf", "multiply", "sum"])
        #expect(trace.steps[1].inputs == [0, 0])
        #expect(trace.steps[0].value == nil && trace.steps[0].gradient?.values == [6])
        #expect(trace.description.split(separator: "\n")[1].contains("?"))   // an unnamed leaf's value is unknown
    }

    /// Recording with values is for the trace only: ops after it keep no values, and the graph is freed.
    @Test func tracingEndsWithTheTrace() {
        var x = Tensor([1, 2], dtype: .float64); x.requiresGradient = true
        weak var node: AnyObject?
        do {
            let trace = BackpropagationTrace(leaves: ["x": x]) {
                let y = (x * 2).sum()
                node = GraphProbe.node(of: y)
                return y
            }
            #expect(trace.steps.count == 3)
        }
        #expect(node == nil)
        #expect(GradientMode.isEnabled)
    }
}
