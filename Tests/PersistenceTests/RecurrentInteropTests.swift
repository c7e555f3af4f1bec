import Foundation
import Testing
import NeuralKit
import _TestSupport

/// SimpleRNN, LSTM, GRU and Bidirectional against PyTorch's nn.RNN/nn.LSTM/nn.GRU and Keras's layers, in Float64 to
/// 1e-10: weights loaded from their state dicts (safetensors), the same inputs and initial states, then the outputs,
/// the final states and the gradients of one loss with respect to the inputs, the initial states and every weight.
/// Packed variable-length sequences (PyTorch's pack_padded_sequence) are run as a mask. The fixtures and the script
/// that makes them: Tests/PersistenceTests/Fixtures/recurrent, tools/make-recurrent-fixtures.py.
@Suite struct RecurrentInteropTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let file: String
        let make: @Sendable () -> RecurrentLayer
        var testDescription: String { file }
    }

    static let cases: [Case] = [
        Case(file: "torch-rnn") { SimpleRNN(inputSize: 3, units: 4, returnSequences: true) },
        Case(file: "torch-lstm") { LSTM(inputSize: 3, units: 4, returnSequences: true) },
        Case(file: "torch-gru") { GRU(inputSize: 3, units: 4, returnSequences: true) },
        Case(file: "torch-lstm-packed") { LSTM(inputSize: 3, units: 4, returnSequences: true) },
        Case(file: "torch-gru-packed") { GRU(inputSize: 3, units: 4, returnSequences: true) },
        Case(file: "keras-simple-rnn") { SimpleRNN(inputSize: 3, units: 4, returnSequences: true) },
        Case(file: "keras-lstm") { LSTM(inputSize: 3, units: 4, returnSequences: true) },
        Case(file: "keras-gru") { GRU(inputSize: 3, units: 4, returnSequences: true) },
        Case(file: "keras-gru-reset-before") { GRU(inputSize: 3, units: 4, resetAfter: false, returnSequences: true) },
    ]

    static func fixture(_ name: String) throws -> [String: Tensor] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures/recurrent"))
        return try Safetensors(contentsOf: url.path).tensors()
    }

    /// The entries named `prefix`…, without the prefix.
    static func entries(_ f: [String: Tensor], _ prefix: String) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: f.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
    }

    /// Loads the weights (or, with `gradients`, their gradients, into the same layout) of a fixture into `layer`.
    /// PyTorch's two bias gradients are equal where the layer has one summed bias: one of them is the bias's.
    static func load(_ layer: RecurrentLayer, _ f: [String: Tensor], gradients: Bool = false, suffix: String = "") throws {
        let g = gradients ? "grad." : ""
        if f.keys.contains(where: { $0.hasPrefix("torch.") }) {
            var state = entries(f, g + "torch.")
            let summed = !(layer is GRU && (layer as! GRU).resetAfter)
            if gradients && summed { state["bias_hh_l0" + suffix] = Tensor.zeros(state["bias_hh_l0" + suffix]!.shape, dtype: .float64) }
            try layer.loadPyTorch(state, suffix: suffix)
        } else {
            try layer.loadKeras(entries(f, g + "keras."))
        }
    }

    /// [directions, batch, units] (PyTorch's h_n) or [batch, units] (Keras's), direction `d` as [batch, units].
    static func direction(_ t: Tensor, _ d: Int) -> Tensor {
        t.rank == 3 ? t.slice(alongAxis: 0, d..<(d + 1)).reshaped(to: Array(t.shape.dropFirst())) : t
    }

    /// 1 for the first `lengths[i]` steps of row i.
    static func mask(lengths: Tensor, steps: Int) -> Tensor {
        Tensor(shape: [lengths.count, steps], values: lengths.values.flatMap { n in (0..<steps).map { $0 < Int(n) ? 1.0 : 0.0 } }, dtype: .float64)
    }

    static func expectParametersClose(_ layer: RecurrentLayer, _ expected: RecurrentLayer, _ name: String) {
        for ((key, p), (_, e)) in zip(layer.namedParameters, expected.namedParameters) {
            expectClose(p.value.grad!, e.value.values, absolute: 1e-10, relative: 1e-10, "\(name): d\(key)")
        }
    }

    @Test(arguments: cases)
    func equalsTheReference(_ c: Case) throws {
        let f = try Self.fixture(c.file)
        let layer = c.make(), expected = c.make()
        layer.convert(to: .float64)
        expected.convert(to: .float64)
        try Self.load(layer, f)
        try Self.load(expected, f, gradients: true)
        var x = f["x"]!
        x.requiresGradient = true
        var initial = ["h0", "c0"].compactMap { f[$0].map { Self.direction($0, 0) } }
        for k in initial.indices { initial[k].requiresGradient = true }
        let mask = f["lengths"].map { Self.mask(lengths: $0, steps: x.shape[1]) }
        let (outputs, states) = layer.run(x, initialStates: initial.isEmpty ? nil : initial, mask: mask)
        expectClose(outputs, f["outputs"]!.values, absolute: 1e-10, relative: 1e-10, "\(c.file): outputs")
        expectClose(states[0], f["h_n"]!.values, absolute: 1e-10, relative: 1e-10, "\(c.file): h_n")
        var loss = (outputs * f["A"]!).sum() + (states[0] * Self.direction(f["B"]!, 0)).sum()
        if let cn = f["c_n"] {
            expectClose(states[1], cn.values, absolute: 1e-10, relative: 1e-10, "\(c.file): c_n")
            loss = loss + (states[1] * Self.direction(f["C"]!, 0)).sum()
        }
        loss.backward()
        expectClose(x.grad!, f["grad.x"]!.values, absolute: 1e-10, relative: 1e-10, "\(c.file): dx")
        for (k, name) in ["h0", "c0"].prefix(initial.count).enumerated() {
            expectClose(initial[k].grad!, f["grad." + name]!.values, absolute: 1e-10, relative: 1e-10, "\(c.file): d\(name)")
        }
        Self.expectParametersClose(layer, expected, c.file)
    }

    /// PyTorch's bidirectional LSTM: the forward weights and the `_reverse` ones, outputs side by side in time order
    /// (Bidirectional with `.concatenate`), h_n and c_n of each direction.
    @Test func bidirectionalLSTMEqualsPyTorch() throws {
        let f = try Self.fixture("torch-lstm-bidirectional")
        func direction(backwards: Bool) -> LSTM { LSTM(inputSize: 3, units: 4, returnSequences: true, goBackwards: backwards) }
        let both = Bidirectional(forward: direction(backwards: false), backward: direction(backwards: true))
        let expected = [direction(backwards: false), direction(backwards: true)]
        for (k, suffix) in ["", "_reverse"].enumerated() {
            let layers = [[both.forward, both.backward][k], expected[k]]
            for l in layers { l.convert(to: .float64) }
            try Self.load(layers[0], f, suffix: suffix)
            try Self.load(layers[1], f, gradients: true, suffix: suffix)
        }
        var x = f["x"]!
        x.requiresGradient = true
        let outputs = both(x)
        expectClose(outputs, f["outputs"]!.values, absolute: 1e-10, relative: 1e-10, "outputs")
        var loss = (outputs * f["A"]!).sum()
        for (k, layer) in [both.forward, both.backward].enumerated() {
            let states = layer.run(x).states
            expectClose(states[0], Self.direction(f["h_n"]!, k).values, absolute: 1e-10, relative: 1e-10, "h_n[\(k)]")
            expectClose(states[1], Self.direction(f["c_n"]!, k).values, absolute: 1e-10, relative: 1e-10, "c_n[\(k)]")
            loss = loss + (states[0] * Self.direction(f["B"]!, k)).sum() + (states[1] * Self.direction(f["C"]!, k)).sum()
        }
        loss.backward()
        expectClose(x.grad!, f["grad.x"]!.values, absolute: 1e-10, relative: 1e-10, "dx")
        Self.expectParametersClose(both.forward, expected[0], "forward")
        Self.expectParametersClose(both.backward, expected[1], "backward")
    }

    /// Misfit weights are refused with the tensor named; a GRU that resets before the product has no PyTorch form.
    @Test func misfitWeightsAreRefused() throws {
        let f = try Self.fixture("torch-lstm")
        #expect(throws: ModuleError.self) { try LSTM(inputSize: 3, units: 5).loadPyTorch(Self.entries(f, "torch.")) }
        #expect(throws: ModuleError.self) { try LSTM(inputSize: 3, units: 4).loadPyTorch([:]) }
        #expect(throws: ModuleError.self) { try GRU(inputSize: 3, units: 4, resetAfter: false).loadPyTorch(Self.entries(f, "torch.")) }
        #expect(throws: ModuleError.self) { try LSTM(inputSize: 3, units: 4).loadKeras(["kernel": Tensor.zeros([3, 16])]) }
        // Two biases of different sizes (a corrupt file) are an error, not a broadcast that stops the program.
        var state = Self.entries(f, "torch.")
        state["bias_hh_l0"] = Tensor.zeros([15], dtype: .float64)
        #expect(throws: ModuleError.self) { try LSTM(inputSize: 3, units: 4).loadPyTorch(state) }
        let gru = try Self.fixture("torch-gru")
        var gruState = Self.entries(gru, "torch.")
        gruState["bias_hh_l0"] = Tensor.zeros([11], dtype: .float64)
        #expect(throws: ModuleError.self) { try GRU(inputSize: 3, units: 4).loadPyTorch(gruState) }
    }
}
