import Testing
import NeuralKit
import _TestSupport

/// One row per layer that joins tensors: the layer, its input shapes (broadcasting ones included) and the output.
struct MergeCase: CustomTestStringConvertible, @unchecked Sendable {
    let name: String
    let make: () -> Module
    let inputs: [[Int]]
    let output: [Int]
    var testDescription: String { name }
}

let mergeTable: [MergeCase] = [
    MergeCase(name: "Add", make: { Add() }, inputs: [[3, 4], [3, 4]], output: [3, 4]),
    MergeCase(name: "Add broadcasting", make: { Add() }, inputs: [[2, 3, 4], [1, 4], [2, 3, 1]], output: [2, 3, 4]),
    MergeCase(name: "Multiply", make: { Multiply() }, inputs: [[3, 4], [3, 4]], output: [3, 4]),
    MergeCase(name: "Multiply broadcasting", make: { Multiply() }, inputs: [[2, 3, 4], [2, 1, 4]], output: [2, 3, 4]),
    MergeCase(name: "Concatenate last axis", make: { Concatenate() }, inputs: [[2, 3], [2, 1], [2, 4]], output: [2, 8]),
    MergeCase(name: "Concatenate axis 1", make: { Concatenate(axis: 1) }, inputs: [[2, 1, 3], [2, 2, 3]], output: [2, 3, 3]),
    MergeCase(name: "Dot", make: { Dot() }, inputs: [[3, 4], [3, 4]], output: [3, 1]),
    MergeCase(name: "Dot normalized, per step", make: { Dot(normalize: true) }, inputs: [[2, 3, 4], [2, 3, 4]], output: [2, 3, 1]),
]

@Suite struct GraphModelTests {
    @Test(arguments: mergeTable)
    func mergeShapesAndGradients(_ row: MergeCase) throws {
        let layer = row.make()
        #expect(try layer.outputShape(forInputs: row.inputs) == row.output)
        let xs = row.inputs.enumerated().map { randomTensor($0.element, seed: UInt64(10 + $0.offset)) }
        #expect(layer(xs).shape == row.output)
        let result = checkGradients(of: layer, at: xs, absoluteTolerance: tightGradientTolerance.absolute,
                                    relativeTolerance: tightGradientTolerance.relative)
        #expect(result.passed, "\(result)")
        #expect(result.checkedCount == row.inputs.reduce(0) { $0 + $1.reduce(1, *) })
    }

    @Test func mergeValuesAreTheElementwiseSumProductAndJoin() {
        let a = Tensor(rows: [[1, 2], [3, 4]]), b = Tensor([10, 20])
        #expect(Add()([a, b]).values == [11, 22, 13, 24])
        #expect(Multiply()([a, b]).values == [10, 40, 30, 80])
        #expect(Concatenate()([a, Tensor(rows: [[5], [6]])]).values == [1, 2, 5, 3, 4, 6])
        // 1·5 + 2·6 = 17, 3·7 + 4·8 = 53; normalized: the cosines.
        let c = Tensor(rows: [[5, 6], [7, 8]])
        #expect(Dot()([a, c]).values == [17, 53])
        expectClose(Dot(normalize: true)([a, c]), [17 / (5.0.squareRoot() * 61.0.squareRoot()), 53 / (5 * 113.0.squareRoot())],
                    absolute: 1e-6, relative: 1e-6, "cosine")
    }

    @Test func mergeShapeErrorsNameTheLayer() {
        #expect(throws: ModuleError.shapeMismatch(layer: "Add", expected: "shapes that broadcast together", found: [2, 4])) {
            try Add().outputShape(forInputs: [[2, 3], [2, 4]])
        }
        #expect(throws: ModuleError.inputCount(layer: "Concatenate", expected: "2 or more", found: 1)) {
            try Concatenate().outputShape(forInputs: [[2, 3]])
        }
        #expect(throws: ModuleError.self) { try Concatenate(axis: 1).outputShape(forInputs: [[2, 3, 1], [2, 4, 2]]) }
        #expect(throws: ModuleError.inputCount(layer: "Dense", expected: "1", found: 2)) {
            try Dense(inputSize: 2, outputSize: 1).outputShape(forInputs: [[1, 2], [1, 2]])
        }
    }

    /// x → dense → relu, then x + that, then a dense head: the graph computes exactly the composition written out.
    @Test func residualGraphEqualsTheCompositionWrittenOut() throws {
        let inner = Dense(inputSize: 4, outputSize: 4, activation: .relu, seed: 1), head = Dense(inputSize: 4, outputSize: 3, seed: 2)
        let x = SymbolicTensor.input(shape: [4])
        let h = inner(x)
        let sum = Add()([x, h], name: "residual")
        let model = GraphModel(inputs: [x], outputs: [head(sum)])
        #expect(model.slotNames == ["input", "dense", "residual", "dense_1"])
        #expect(model.nodes.map(\.inputs) == [[0], [0, 1], [2]])
        #expect(model.namedParameters.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
        let data = randomTensor([5, 4], seed: 3, dtype: .float32)
        #expect(model(data).values == head(data + inner(data)).values)
        #expect(try model.outputShape(for: [5, 4]) == [5, 3])
        let result = checkGradients(of: model, at: randomTensor([3, 4], seed: 4, awayFromZero: 0.1),
                                    absoluteTolerance: tightGradientTolerance.absolute, relativeTolerance: tightGradientTolerance.relative)
        #expect(result.passed, "\(result)")
    }

    /// One Dense called on two inputs keeps one weight matrix; its gradient is the sum of both uses' gradients.
    @Test func sharedLayerKeepsOneSetOfWeightsAndSumsItsGradients() throws {
        let shared = Dense(inputSize: 3, outputSize: 2, activation: .tanh, seed: 5)
        let a = SymbolicTensor.input(shape: [3], name: "a"), b = SymbolicTensor.input(shape: [3], name: "b")
        let model = GraphModel(inputs: [a, b], outputs: [Concatenate()([shared(a), shared(b)])])
        #expect(model.layers.count == 2)
        #expect(model.namedParameters.map(\.name) == ["layers.0.weight", "layers.0.bias"])
        let xa = randomTensor([4, 3], seed: 6, dtype: .float32), xb = randomTensor([4, 3], seed: 7, dtype: .float32)
        model([xa, xb]).sum().backward()
        let graphGradient = shared.weight.gradient!
        shared.zeroGradients()
        (shared(xa).sum() + shared(xb).sum()).backward()
        #expect(graphGradient.values == shared.weight.gradient!.values)
        let result = checkGradients(of: model, at: [randomTensor([2, 3], seed: 8), randomTensor([2, 3], seed: 9)],
                                    absoluteTolerance: tightGradientTolerance.absolute, relativeTolerance: tightGradientTolerance.relative)
        #expect(result.passed, "\(result)")
        #expect(result.checkedCount == 6 + 6 + 6 + 2)
    }

    @Test func severalOutputsAndShapesPerSlot() throws {
        let x = SymbolicTensor.input(shape: [2, 2, 1])
        let features = Flatten()(x)
        let a = Dense(inputSize: 4, outputSize: 3, seed: 1)(features), b = Dense(inputSize: 4, outputSize: 1, seed: 2)(features)
        let model = GraphModel(inputs: [x], outputs: [a, b])
        #expect(model.outputShapes == [[3], [1]])
        let outs = model.outputs(for: [Tensor.ones([5, 2, 2, 1])])
        #expect(outs.map(\.shape) == [[5, 3], [5, 1]])
        #expect(throws: ModuleError.invalidGraph("has 2 outputs, not one")) { try model.outputShape(for: [5, 2, 2, 1]) }
        #expect(try model.slotShapes(forInputs: [[7, 2, 2, 1]]) == [[7, 2, 2, 1], [7, 4], [7, 3], [7, 1]])
    }

    @Test func checkedInitRejectsBadGraphsWithTheirCause() {
        let dense = Dense(inputSize: 2, outputSize: 2)
        #expect(throws: ModuleError.invalidGraph("node 'a' must read inputs or earlier nodes")) {
            try GraphModel(inputNames: ["x"], inputShapes: [[2]], layers: [dense], nodes: [("a", 0, [1])], outputs: [1])
        }
        #expect(throws: ModuleError.shapeMismatch(layer: "Dense(3→2)", expected: "[batch, …, 3]", found: [1, 2])) {
            try GraphModel(inputNames: ["x"], inputShapes: [[2]], layers: [Dense(inputSize: 3, outputSize: 2)], nodes: [("a", 0, [0])],
                           outputs: [1])
        }
        #expect(throws: ModuleError.inputCount(layer: "GraphModel", expected: "1", found: 2)) {
            try GraphModel(inputNames: ["x"], inputShapes: [[2]], layers: [dense], nodes: [("a", 0, [0])], outputs: [1])
                .slotShapes(forInputs: [[1, 2], [1, 2]])
        }
    }

    @Test func summaryListsEveryNodeWithWhatItReads() throws {
        let image = SymbolicTensor.input(shape: [4, 4, 1], name: "image"), table = SymbolicTensor.input(shape: [3], name: "table")
        let features = GlobalAveragePool2D()(Conv2D(inputChannels: 1, filters: 2, kernelSize: (3, 3), seed: 1)(image))
        let joined = Concatenate()([features, table], name: "joined")
        let model = GraphModel(inputs: [image, table], outputs: [Dense(inputSize: 5, outputSize: 2, seed: 2)(joined)])
        let text = try model.summary(inputShapes: [[1, 4, 4, 1], [1, 3]])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("Layer (type)") && lines[0].hasSuffix("Connected to"))
        func row(_ name: String) -> [String] {
            lines.first { $0.hasPrefix(name + " ") }?.split(separator: " ", omittingEmptySubsequences: true).map(String.init) ?? []
        }
        #expect(row("image") == ["image", "(Input)", "(None,", "4,", "4,", "1)", "0"])
        #expect(row("conv2D") == ["conv2D", "(Conv2D", "2", "3×3)", "(None,", "2,", "2,", "2)", "20", "image"])
        #expect(row("joined") == ["joined", "(Concatenate)", "(None,", "5)", "0", "globalAveragePool2D,", "table"])
        #expect(row("dense") == ["dense", "(Dense)", "(None,", "2)", "12", "joined"])
        #expect(lines.contains("Total params: 32"))
    }
}
