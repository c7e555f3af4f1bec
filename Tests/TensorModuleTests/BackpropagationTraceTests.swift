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
