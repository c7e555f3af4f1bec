import Foundation
import Testing
import NeuralKit
import _TestSupport

/// SimpleRNN, LSTM and GRU against their equations computed element by element in Float64, their gradients against
/// finite differences, and masks against the unpadded sequences run one by one.
@Suite struct RecurrentTests {
    /// A recurrent layer applied with a fixed mask, for gradient checks of the masked path.
    final class WithMask: Module {
        let layer: RecurrentLayer
        let mask: Tensor
        init(_ layer: RecurrentLayer, mask: Tensor) {
            self.layer = layer
            self.mask = mask
        }
        override func callAsFunction(_ input: Tensor) -> Tensor { layer([input], masks: [mask]) }
    }

    static func float64<L: RecurrentLayer>(_ layer: L) -> L {
        layer.convert(to: .float64)
        // Non-zero biases, so that the checks see them.
        for (name, p) in layer.namedParameters where name == "bias" {
            p.assign(randomTensor(p.value.shape, seed: 99, in: -0.5...0.5))
        }
        return layer
    }

    static func layers() -> [(String, RecurrentLayer)] {
        [("SimpleRNN", float64(SimpleRNN(inputSize: 3, units: 4, seed: 1))),
         ("SimpleRNN relu sequences backwards", float64(SimpleRNN(inputSize: 3, units: 4, activation: .relu, returnSequences: true,
                                                                   goBackwards: true, seed: 2))),
         ("LSTM", float64(LSTM(inputSize: 3, units: 4, seed: 3))),
         ("LSTM sequences", float64(LSTM(inputSize: 3, units: 4, returnSequences: true, seed: 4))),
         ("LSTM sequences backwards", float64(LSTM(inputSize: 3, units: 4, returnSequences: true, goBackwards: true, seed: 9))),
         ("GRU reset after", float64(GRU(inputSize: 3, units: 4, seed: 5))),
         ("GRU reset before, sequences backwards", float64(GRU(inputSize: 3, units: 4, resetAfter: false, returnSequences: true,
                                                               goBackwards: true, seed: 6)))]
    }

    // MARK: - The equations, element by element

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

    /// x·W (+ b) for row vectors: x [n], W [n, m] row-major.
    static func times(_ x: [Double], _ w: [Double], columns m: Int, plus b: [Double]? = nil) -> [Double] {
        var out = b ?? Array(repeating: 0, count: m)
        for j in 0..<m {
            for i in 0..<x.count { out[j] += x[i] * w[i * m + j] }
        }
        return out
    }

    /// One sequence [time][features] through the layer's equations; the outputs of every step and the final states.
    static func reference(_ layer: RecurrentLayer, _ sequence: [[Double]], initial: [[Double]]) -> (outputs: [[Double]], states: [[Double]]) {
        let u = layer.units
        var states = initial, outputs: [[Double]] = []
        for x in layer.goBackwards ? sequence.reversed() : sequence {
            let h = states[0]
            switch layer {
            case let rnn as SimpleRNN:
                let z = zip(times(x, rnn.kernel.value.values, columns: u, plus: rnn.bias?.value.values),
                            times(h, rnn.recurrentKernel.value.values, columns: u)).map { $0 + $1 }
                states = [rnn.activation(Tensor(z, dtype: .float64)).values]
            case let lstm as LSTM:
                let z = zip(times(x, lstm.kernel.value.values, columns: 4 * u, plus: lstm.bias?.value.values),
                            times(h, lstm.recurrentKernel.value.values, columns: 4 * u)).map { $0 + $1 }
                let c = (0..<u).map { j in sigmoid(z[u + j]) * states[1][j] + sigmoid(z[j]) * Foundation.tanh(z[2 * u + j]) }
                states = [(0..<u).map { j in sigmoid(z[3 * u + j]) * Foundation.tanh(c[j]) }, c]
            case let gru as GRU:
                let b = gru.bias?.value.values ?? Array(repeating: 0, count: 6 * u)
                let xw = times(x, gru.kernel.value.values, columns: 3 * u, plus: Array(b.prefix(3 * u)))
                let uk = gru.recurrentKernel.value.values
                let inner = times(h, uk, columns: 3 * u, plus: gru.resetAfter ? Array(b.suffix(3 * u)) : nil)
                let z = (0..<u).map { sigmoid(xw[$0] + inner[$0]) }, r = (0..<u).map { sigmoid(xw[u + $0] + inner[u + $0]) }
                let candidate: [Double]
                if gru.resetAfter {
                    candidate = (0..<u).map { Foundation.tanh(xw[2 * u + $0] + r[$0] * inner[2 * u + $0]) }
                } else {
                    let rh = (0..<u).map { r[$0] * h[$0] }
                    candidate = (0..<u).map { j in Foundation.tanh(xw[2 * u + j] + (0..<u).reduce(0) { $0 + rh[$1] * uk[$1 * 3 * u + 2 * u + j] }) }
                }
                states = [(0..<u).map { z[$0] * h[$0] + (1 - z[$0]) * candidate[$0] }]
            default: Issue.record("no reference for \(layer.typeName)")
            }
            outputs.append(states[0])
        }
        return (outputs, states)
    }

    @Test func everyLayerFollowsItsEquations() {
        for (name, layer) in Self.layers() {
            let x = randomTensor([2, 5, 3], seed: 11)
            let initial = (0..<layer.stateCount).map { randomTensor([2, 4], seed: 20 + UInt64($0), in: -1...1) }
            let (output, states) = layer.run(x, initialStates: initial)
            var expectedOutputs: [Double] = [], expectedStates = Array(repeating: [Double](), count: layer.stateCount)
            for n in 0..<2 {
                let sequence = (0..<5).map { t in (0..<3).map { x.values[(n * 5 + t) * 3 + $0] } }
                let r = Self.reference(layer, sequence, initial: initial.map { Array($0.values[(n * 4)..<(n * 4 + 4)]) })
                expectedOutputs += layer.returnSequences ? r.outputs.flatMap { $0 } : r.states[0]
                for k in 0..<layer.stateCount { expectedStates[k] += r.states[k] }
            }
            expectClose(output, expectedOutputs, shape: layer.returnSequences ? [2, 5, 4] : [2, 4], absolute: 1e-13, relative: 1e-12, name)
            for k in 0..<layer.stateCount { expectClose(states[k], expectedStates[k], shape: [2, 4], absolute: 1e-13, relative: 1e-12, name) }
        }
    }

    // MARK: - Gradients

    @Test func gradientsOfInputsStatesAndParameters() {
        for (name, layer) in Self.layers() {
            let inputs = [randomTensor([2, 4, 3], seed: 31)] + (0..<layer.stateCount).map { randomTensor([2, 4], seed: 40 + UInt64($0), in: -1...1) }
            let result = checkGradients(of: layer, at: inputs, absoluteTolerance: tightGradientTolerance.absolute,
                                        relativeTolerance: tightGradientTolerance.relative)
            #expect(result.passed, "\(name): \(result)")
            #expect(result.checkedCount == inputs.reduce(0) { $0 + $1.count } + layer.parameterCount, "\(name)")
        }
    }

    @Test func gradientsThroughMaskedSteps() {
        let mask = Tensor(shape: [3, 4], integers: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
        for (name, layer) in Self.layers() {
            let result = checkGradients(of: WithMask(layer, mask: mask), at: randomTensor([3, 4, 3], seed: 51),
                                        absoluteTolerance: tightGradientTolerance.absolute, relativeTolerance: tightGradientTolerance.relative)
            #expect(result.passed, "\(name): \(result)")
        }
    }

    /// The LSTM's recurrence runs as one op (one tape node for the whole sequence); a ``BackpropagationTrace`` runs the
    /// cell op by op instead. Both give the same outputs, final states and gradients (inputs, initial states, every
    /// parameter) to 1e-12 in Float64, forwards and backwards, with and without a mask.
    /// The last row is large enough (32 sequences of 96 units) for the op to split its rows over both cores.
    @Test(arguments: [(3, 4, 5), (32, 96, 3)])
    func fusedLSTMEqualsTheCellOpByOp(batch: Int, units: Int, steps: Int) {
        let lengths = (0..<batch).map { [steps, steps - 2, 0][$0 % 3] }
        let mask = Tensor(shape: [batch, steps], integers: lengths.flatMap { n in (0..<steps).map { Int32($0 < n ? 1 : 0) } })
        for (returnSequences, goBackwards, masked) in [(true, false, false), (false, true, true), (true, true, true), (false, false, true)] {
            let name = "\(batch)×\(units): sequences \(returnSequences), backwards \(goBackwards), masked \(masked)"
            let lstm = Self.float64(LSTM(inputSize: 3, units: units, returnSequences: returnSequences, goBackwards: goBackwards, seed: 12))
            var x = randomTensor([batch, steps, 3], seed: 13), h0 = randomTensor([batch, units], seed: 14, in: -1...1)
            var c0 = randomTensor([batch, units], seed: 15, in: -1...1)
            x.requiresGradient = true
            h0.requiresGradient = true
            c0.requiresGradient = true
            let weights = randomTensor(returnSequences ? [batch, steps, units] : [batch, units], seed: 16)
            func loss() -> Tensor {
                let (output, states) = lstm.run(x, initialStates: [h0, c0], mask: masked ? mask : nil)
                return (output * weights).sum() + (states[1] * states[1]).sum()
            }
            let leaves = [("x", x), ("h0", h0), ("c0", c0)] + lstm.namedParameters.map { ($0.name, $0.parameter.value) }
            let trace = BackpropagationTrace(namedLeaves: leaves, loss)
            #expect(!trace.steps.contains { $0.op == "lstmRecurrence" }, "\(name): the trace runs the cell op by op")
            let fused = loss()
            #expect(GraphProbe.opCounts(of: fused)["lstmRecurrence"] == 1, "\(name)")
            #expect(GraphProbe.opCounts(of: fused)["sigmoid"] == nil, "\(name): no per-step ops")
            expectClose(fused, trace.steps.last!.value!.values, absolute: 1e-12, relative: 1e-12, name)
            lstm.zeroGradients()
            fused.backward()
            for (leafName, leaf) in leaves {
                let traced = trace.steps.first { $0.op == leafName }!.gradient!
                expectClose(leaf.grad!, traced.values, absolute: 1e-12, relative: 1e-11, "\(name): d\(leafName)")
            }
        }
    }

    // MARK: - Stateful layers and dropout

    /// A stateful layer's batches continue each other: the second half of the sequences, after the first, gives what
    /// the whole sequences give; resetStates() starts again from zeros.
    @Test func statefulBatchesContinueTheSequences() {
        for (name, layer) in Self.layers() where !layer.goBackwards {
            let x = randomTensor([2, 6, 3], seed: 71)
            let whole = layer.run(x)
            layer.stateful = true
            _ = layer(x.slice(alongAxis: 1, 0..<4))
            let second = layer(x.slice(alongAxis: 1, 4..<6))
            let expected = layer.returnSequences ? whole.output.slice(alongAxis: 1, 4..<6) : whole.output
            expectClose(second, expected.values, absolute: 1e-13, relative: 1e-12, "\(name): continued")
            for (carried, final) in zip(layer.carriedStates!, whole.states) { expectClose(carried, final.values, absolute: 1e-13, relative: 1e-12, name) }
            layer.resetStates()
            let fresh = layer(x.slice(alongAxis: 1, 0..<4))
            expectClose(fresh, layer.run(x.slice(alongAxis: 1, 0..<4)).output.values, absolute: 0, relative: 0, "\(name): reset")
            layer.stateful = false
        }
    }

    @Test func statefulBatchOfAnotherSizeStops() async {
        await #expect(processExitsWith: .failure) {
            let lstm = LSTM(inputSize: 3, units: 2, seed: 1)
            lstm.stateful = true
            _ = lstm(Tensor.zeros([4, 5, 3]))
            _ = lstm(Tensor.zeros([3, 5, 3]))
        }
    }

    /// Dropout (training only) drops input features with one mask per sequence, the same at every step (Keras's): the
    /// layer in training gives what it gives in inference on the inputs times that mask. Recurrent dropout masks the h
    /// that enters the recurrent product, again once per sequence: SimpleRNN's equation written out with the mask.
    @Test func dropoutMasksOncePerSequence() {
        let rnn = Self.float64(SimpleRNN(inputSize: 3, units: 4, returnSequences: true, seed: 81))
        let x = randomTensor([2, 5, 3], seed: 82)
        rnn.dropout = 0.4
        rnn.setTraining(false)
        let inference = rnn(x)
        rnn.dropout = 0
        #expect(inference.values == rnn(x).values, "dropout changes nothing in inference")
        rnn.dropout = 0.4
        rnn.setTraining(true)
        var copy = rnn.generator
        let mask = (Tensor.randomUniform([2, 1, 3], dtype: .float64, using: &copy) .>= 0.4) * (1 / 0.6)
        let trained = rnn(x)
        rnn.setTraining(false)
        expectClose(trained, rnn(x * mask).values, absolute: 1e-14, relative: 1e-13, "input dropout")

        rnn.dropout = 0
        rnn.recurrentDropout = 0.5
        rnn.setTraining(true)
        copy = rnn.generator
        let recurrentMask = ((Tensor.randomUniform([2, 4], dtype: .float64, using: &copy) .>= 0.5) * 2).values
        let out = rnn(x).values
        let (w, u, b) = (rnn.kernel.value.values, rnn.recurrentKernel.value.values, rnn.bias!.value.values)
        for n in 0..<2 {
            var h = [Double](repeating: 0, count: 4)
            for t in 0..<5 {
                let xt = (0..<3).map { x.values[(n * 5 + t) * 3 + $0] }
                let dropped = (0..<4).map { h[$0] * recurrentMask[n * 4 + $0] }
                let z = zip(Self.times(xt, w, columns: 4, plus: b), Self.times(dropped, u, columns: 4)).map { $0 + $1 }
                h = z.map { Foundation.tanh($0) }
                for j in 0..<4 { #expect(Swift.abs(out[(n * 5 + t) * 4 + j] - h[j]) < 1e-12, "recurrent dropout, row \(n) step \(t)") }
            }
        }
    }

    // MARK: - Masks

    /// A padded batch gives each sequence what the sequence gives alone, unpadded: the same final states, its steps'
    /// outputs, and zeros at the padded steps. A sequence with no step left ends in its initial state, not NaN.
    @Test func paddedStepsCarryTheStateAndOutputZeros() {
        let lengths = [5, 3, 0]
        for (name, layer) in Self.layers() {
            let x = randomTensor([3, 5, 3], seed: 61)
            let mask = Tensor(shape: [3, 5], integers: lengths.flatMap { n in (0..<5).map { Int32($0 < n ? 1 : 0) } })
            let (output, states) = layer.run(x, mask: mask)
            #expect(!output.values.contains { $0.isNaN }, "\(name)")
            for (i, n) in lengths.enumerated() {
                let row = { (t: Tensor) in t.slice(alongAxis: 0, i..<(i + 1)) }
                guard n > 0 else {
                    for s in states { #expect(row(s).values == [0, 0, 0, 0], "\(name): empty sequence") }
                    continue
                }
                let (aloneOutput, aloneStates) = layer.run(row(x).slice(alongAxis: 1, 0..<n))
                for (s, a) in zip(states, aloneStates) { expectClose(row(s), a.values, absolute: 1e-14, relative: 1e-13, "\(name) state") }
                guard layer.returnSequences else {
                    expectClose(row(output), aloneOutput.values, absolute: 1e-14, relative: 1e-13, name)
                    continue
                }
                // Backwards over a padded sequence starts with its padding (zeros out), then reads the steps that count.
                let steps = row(output).reshaped(to: [5, 4]).values
                let counted = layer.goBackwards ? Array(steps.suffix(n * 4)) : Array(steps.prefix(n * 4))
                let padded = layer.goBackwards ? Array(steps.prefix((5 - n) * 4)) : Array(steps.suffix((5 - n) * 4))
                #expect(padded.allSatisfy { $0 == 0 }, "\(name)")
                expectClose(Tensor(counted, dtype: .float64), aloneOutput.values, absolute: 1e-14, relative: 1e-13, name)
            }
        }
    }

    @Test func theMaskReachesTheNextLayerOnlyWithSequences() {
        let ids = Tensor(shape: [2, 3], integers: [3, 1, 0, 2, 0, 0])
        let sequences = Sequential([Embedding(vocabularySize: 4, dimension: 3, maskZero: true, seed: 1),
                                    LSTM(inputSize: 3, units: 2, returnSequences: true, seed: 2)])
        #expect(sequences.maskedCall([ids], masks: [nil]).mask?.integers == [1, 1, 0, 1, 0, 0])
        let last = Sequential([Embedding(vocabularySize: 4, dimension: 3, maskZero: true, seed: 1), GRU(inputSize: 3, units: 2, seed: 2)])
        #expect(last.maskedCall([ids], masks: [nil]).mask == nil)
    }

    // MARK: - Initial values, shapes and model JSON

    @Test func kerasInitialValues() {
        let lstm = LSTM(inputSize: 5, units: 3, seed: 1)
        #expect(lstm.bias!.value.values == [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])   // i, f (unit forget bias), g, o
        // The orthogonal recurrent kernel [3, 12] has orthonormal rows: U·Uᵀ = I.
        let u = lstm.recurrentKernel.value.converted(to: .float64)
        expectClose(u.matmul(u, transposingOther: true), [1, 0, 0, 0, 1, 0, 0, 0, 1], absolute: 1e-6, relative: 0)
        let square = Initializer.orthogonal(gain: 2).make([4, 4], dtype: .float64, seed: 3)
        expectClose(square.matmul(square, transposingSelf: true), (0..<16).map { $0 % 5 == 0 ? 4 : 0 }, absolute: 1e-12, relative: 0)
        #expect(GRU(inputSize: 5, units: 3).bias!.value.shape == [2, 9] && GRU(inputSize: 5, units: 3, resetAfter: false).bias!.value.shape == [9])
    }

    @Test func modelJSONBuildsRecurrentStacks() throws {
        let text = #"{"input": [12], "layers": [{"type": "embedding", "vocabularySize": 20, "dimension": 8, "maskZero": true}, "#
            + #"{"type": "lstm", "units": 16, "returnSequences": true}, {"type": "gru", "units": 6}, {"type": "dense", "units": 3}], "#
            + #""loss": "softmaxCrossEntropy"}"#
        let spec = try ModelSpec(json: Array(text.utf8))
        #expect(try spec.layerShapes().map(\.output) == [[12, 8], [12, 16], [6], [3]])
        let model = try spec.buildSequential()
        #expect(try spec.layerShapes().map(\.parameters) == model.layers.map(\.parameterCount))
        #expect(model(Tensor(shape: [2, 12], integers: Array(repeating: 3, count: 24))).shape == [2, 3])
        #expect(ModelSpec.describing(model, input: [12], loss: spec.loss, optimizer: spec.optimizer)?.json == spec.json)
    }

    /// A dense layer after `returnSequences` acts at every step with the same weights (Keras's Dense on rank-3 input):
    /// step t of the output is the layer applied to step t of its input.
    @Test func denseActsAtEveryStep() throws {
        let text = #"{"input": [5, 3], "layers": [{"type": "lstm", "units": 4, "returnSequences": true}, {"type": "dense", "units": 2, "#
            + #""activation": "tanh"}], "loss": "meanSquaredError"}"#
        let spec = try ModelSpec(json: Array(text.utf8))
        #expect(try spec.layerShapes().map(\.output) == [[5, 4], [5, 2]])
        let model = try spec.buildSequential()
        #expect(try spec.layerShapes().map(\.parameters) == model.layers.map(\.parameterCount))
        let x = randomTensor([2, 5, 3], seed: 41, dtype: .float32)
        let hidden = model.layers[0](x), out = model(x)
        for t in 0..<5 {
            let step = model.layers[1](hidden.slice(alongAxis: 1, t..<(t + 1)).reshaped(to: [2, 4]))
            expectClose(out.slice(alongAxis: 1, t..<(t + 1)), step.values, absolute: 1e-6, relative: 1e-5, "step \(t)")
        }
    }

    // MARK: - Bidirectional

    /// Step t merges the forward layer's output at t with the backward layer's output for t (which it computed
    /// at position T − 1 − t of its own reading order).
    @Test func bidirectionalMergesBothDirectionsInTimeOrder() {
        let forward = Self.float64(LSTM(inputSize: 3, units: 2, returnSequences: true, seed: 7))
        let backward = Self.float64(LSTM(inputSize: 3, units: 2, returnSequences: true, goBackwards: true, seed: 8))
        let x = randomTensor([2, 4, 3], seed: 71)
        let f = forward.run(x).output.values, b = backward.run(x).output.values
        var expected: [Double] = []
        for n in 0..<2 {
            for t in 0..<4 {
                let forwardAt = (n * 4 + t) * 2, backwardAt = (n * 4 + 3 - t) * 2
                expected += Array(f[forwardAt..<(forwardAt + 2)])
                expected += Array(b[backwardAt..<(backwardAt + 2)])
            }
        }
        expectClose(Bidirectional(forward: forward, backward: backward)(x), expected, shape: [2, 4, 4], absolute: 0, relative: 0)
        let sum = Bidirectional(forward: forward, backward: backward, merge: .sum)
        let result = checkGradients(of: sum, at: x, absoluteTolerance: tightGradientTolerance.absolute, relativeTolerance: tightGradientTolerance.relative)
        #expect(result.passed, "\(result)")
        #expect(sum.namedParameters.map(\.name) == ["forward.kernel", "forward.recurrentKernel", "forward.bias",
                                                     "backward.kernel", "backward.recurrentKernel", "backward.bias"])
    }

    /// Initial states come after the sequences, the forward layer's then the backward layer's (Keras's order).
    @Test func bidirectionalTakesEachDirectionsInitialStates() throws {
        let forward = Self.float64(LSTM(inputSize: 3, units: 2, returnSequences: true, seed: 17))
        let backward = Self.float64(LSTM(inputSize: 3, units: 2, returnSequences: true, goBackwards: true, seed: 18))
        let both = Bidirectional(forward: forward, backward: backward, merge: .sum)
        let x = randomTensor([2, 4, 3], seed: 19)
        let states = (0..<4).map { randomTensor([2, 2], seed: 30 + UInt64($0), in: -1...1) }
        let merged = both([x] + states)
        let f = forward.run(x, initialStates: Array(states[0..<2])).output
        let b = backward.run(x, initialStates: Array(states[2..<4])).output.values
        // The backward outputs back in time order, then summed with the forward ones.
        let expected = (0..<16).map { i -> Double in
            let (n, t, j) = (i / 8, i / 2 % 4, i % 2)
            return f.values[i] + b[n * 8 + (3 - t) * 2 + j]
        }
        expectClose(merged, expected, shape: [2, 4, 2], absolute: 1e-14, relative: 1e-13, "with initial states")
        #expect(try both.outputShape(forInputs: [[2, 4, 3]] + Array(repeating: [2, 2], count: 4)) == [2, 4, 2])
        #expect(throws: ModuleError.self) { try both.outputShape(forInputs: [[2, 4, 3], [2, 2]]) }
    }

    @Test func bidirectionalFromModelJSON() throws {
        let text = #"{"input": [6, 3], "layers": [{"type": "bidirectional", "layer": {"type": "gru", "units": 4}, "merge": "average"}], "#
            + #""loss": "meanSquaredError"}"#
        let spec = try ModelSpec(json: Array(text.utf8))
        let model = try spec.buildSequential()
        let layer = try #require(model.layers[0] as? Bidirectional)
        #expect(layer.backward.goBackwards && !layer.forward.goBackwards && layer.merge == .average)
        #expect(try spec.layerShapes().map(\.output) == [[4]] && (try spec.layerShapes())[0].parameters == model.parameterCount)
        #expect(ModelSpec.describing(model, input: [6, 3], loss: spec.loss, optimizer: spec.optimizer)?.json == spec.json)
        let dense = #"{"input": [6, 3], "layers": [{"type": "bidirectional", "layer": {"type": "dense", "units": 4}}], "loss": "meanSquaredError"}"#
        #expect { _ = try ModelSpec(json: Array(dense.utf8)) } throws: { error in
            (error as? ConfigError)?.description == "$.layers[0].layer: bidirectional needs a recurrent layer (simpleRNN, lstm, gru), found dense"
        }
    }

    // MARK: - Masking

    /// Float sequences padded with zeros: the Masking layer's mask reaches the LSTM in every call (fit, evaluate,
    /// predict and the plain call), so a padded sequence predicts what the unpadded one does.
    @Test func maskingPadsFloatSequencesAndEveryCallHonoursIt() {
        RandomSeeds.reset(to: 3)
        let model = Sequential([Masking(), LSTM(inputSize: 2, units: 3), Dense(inputSize: 3, outputSize: 2)])
        model.convert(to: .float64)
        let short = randomTensor([1, 2, 2], seed: 81, in: 0.5...1)
        let padded = Tensor.concatenating([short, Tensor.zeros([1, 3, 2], dtype: .float64)], alongAxis: 1)
        #expect(Masking().computeMask(inputs: [padded], masks: [nil], output: padded)?.integers == [1, 1, 0, 0, 0])
        let alone = model(short).values
        expectClose(model(padded), alone, absolute: 1e-15, relative: 1e-14)
        expectClose(model.predict(padded), alone, absolute: 1e-15, relative: 1e-14)
        #expect(Masking(maskValue: -1).computeMask(inputs: [padded], masks: [nil], output: padded)?.integers == [1, 1, 1, 1, 1])
    }
}
