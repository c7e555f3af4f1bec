import Foundation
import Testing
import NeuralKit
import _TestSupport

/// One row of the gradient-check table: a public differentiable op applied to inputs of given shapes.
struct OpCase: CustomTestStringConvertible, Sendable {
    /// The public API name the row covers (as declared: `exp`, `+`, `prefix -`, …).
    let name: String
    let shapes: [[Int]]
    /// Inputs are drawn uniformly from this range…
    var domain: ClosedRange<Double> = -2...2
    /// …and kept this far from zero (for ops with a kink or a pole at 0).
    var gap: Double = 0
    let apply: @Sendable ([Tensor]) -> Tensor

    var testDescription: String { "\(name) \(shapes.map { "\($0)" }.joined(separator: "×"))" }

    func inputs(seed: UInt64, dtype: DType = .float64) -> [Tensor] {
        shapes.enumerated().map { i, s in
            randomTensor(s, seed: seed &+ UInt64(i) &* 7919, in: domain, awayFromZero: gap, dtype: dtype)
        }
    }
}

/// The broadcast pairs every binary op is checked on (the issue's list plus scalars and size-1 dimensions).
let broadcastPairs: [[[Int]]] = [
    [[3, 1], [1, 4]], [[2, 3], [3]], [[1], [5]], [[2, 1, 4], [3, 1]],
    [[], [2, 3]], [[2, 3], []], [[], []], [[1, 1], [1]], [[2, 3], [2, 3]],
]
let unaryShapes: [[Int]] = [[], [1], [2, 3], [2, 1, 4]]

func binaryRows(_ name: String, domain: ClosedRange<Double> = -2...2, gap: Double = 0,
                _ f: @escaping @Sendable (Tensor, Tensor) -> Tensor) -> [OpCase] {
    broadcastPairs.map { OpCase(name: name, shapes: $0, domain: domain, gap: gap) { f($0[0], $0[1]) } }
}

func unaryRows(_ name: String, domain: ClosedRange<Double> = -2...2, gap: Double = 0,
               _ f: @escaping @Sendable (Tensor) -> Tensor) -> [OpCase] {
    unaryShapes.map { OpCase(name: name, shapes: [$0], domain: domain, gap: gap) { f($0[0]) } }
}

func reductionRows(_ name: String, _ f: @escaping @Sendable (Tensor, [Int]?, Bool) -> Tensor) -> [OpCase] {
    let axes: [[Int]?] = [nil, [0], [1, 2], [-1]]
    return axes.flatMap { ax in
        [false, true].map { keep in OpCase(name: name, shapes: [[2, 3, 4]]) { f($0[0], ax, keep) } }
    } + [OpCase(name: name, shapes: [[]]) { f($0[0], nil, false) }]
}

/// Every public differentiable op of TensorModule, with at least one row. `OpCoverageTests` fails when a public op
/// has no row here (or in `nonDifferentiableOps`).
let opTable: [OpCase] =
    binaryRows("+") { $0 + $1 } + binaryRows("-") { $0 - $1 } + binaryRows("*") { $0 * $1 }
    + binaryRows("/", gap: 0.5) { $0 / $1 }
    + binaryRows("pow", domain: 0.5...2) { $0.pow($1) }
    + binaryRows("maximum") { $0.maximum($1) } + binaryRows("minimum") { $0.minimum($1) }
    + [
        OpCase(name: "+", shapes: [[2, 3]]) { $0[0] + 1.5 }, OpCase(name: "+", shapes: [[2, 3]]) { 1.5 + $0[0] },
        OpCase(name: "-", shapes: [[2, 3]]) { $0[0] - 1.5 }, OpCase(name: "-", shapes: [[2, 3]]) { 1.5 - $0[0] },
        OpCase(name: "*", shapes: [[2, 3]]) { $0[0] * 3 }, OpCase(name: "*", shapes: [[2, 3]]) { 3 * $0[0] },
        OpCase(name: "/", shapes: [[2, 3]]) { $0[0] / 4 },
        OpCase(name: "/", shapes: [[2, 3]], gap: 0.5) { 2 / $0[0] },
        // x used twice: the engine must add both paths' gradients.
        OpCase(name: "*", shapes: [[2, 3]]) { $0[0] * $0[0] },
    ]
    + unaryRows("prefix -") { -$0 }
    + unaryRows("exp") { $0.exp() } + unaryRows("log", domain: 0.2...3) { $0.log() }
    + unaryRows("sqrt", domain: 0.2...3) { $0.sqrt() }
    + unaryRows("abs", gap: 0.1) { $0.abs() } + unaryRows("sign", gap: 0.1) { $0.sign() }
    + unaryRows("squared") { $0.squared() }
    + unaryRows("sin") { $0.sin() } + unaryRows("cos") { $0.cos() }
    + unaryRows("pow", domain: 0.2...3) { $0.pow(2.5) } + unaryRows("pow") { $0.pow(3) }
    + unaryRows("clamped", gap: 0.1) { $0.clamped(lowerBound: -1.05, upperBound: 0.95) }
    + unaryRows("sigmoid") { $0.sigmoid() } + unaryRows("tanh") { $0.tanh() }
    + unaryRows("relu", gap: 0.1) { $0.relu() }
    + unaryRows("leakyRelu", gap: 0.1) { $0.leakyRelu(alpha: 0.1) }
    + unaryRows("elu", gap: 0.1) { $0.elu(alpha: 1.5) }
    + unaryRows("softplus") { $0.softplus() }
    + unaryRows("selu", gap: 0.1) { $0.selu() }
    + unaryRows("gelu", domain: -4...4) { $0.gelu() } + unaryRows("gelu", domain: -4...4) { $0.gelu(approximate: true) }
    + unaryRows("silu", domain: -4...4) { $0.silu() }
    + unaryRows("softsign", gap: 0.1) { $0.softsign() }
    + unaryRows("converted") { $0.converted(to: .float64) }
    + [
        OpCase(name: "softmax", shapes: [[3, 4]]) { $0[0].softmax() },
        OpCase(name: "softmax", shapes: [[3, 4]]) { $0[0].softmax(alongAxis: 0) },
        OpCase(name: "softmax", shapes: [[2, 3, 2]]) { $0[0].softmax(alongAxis: 1) },
        OpCase(name: "logSoftmax", shapes: [[3, 4]]) { $0[0].logSoftmax() },
        OpCase(name: "logSoftmax", shapes: [[2, 3, 2]]) { $0[0].logSoftmax(alongAxis: 1) },
        OpCase(name: "softmaxCrossEntropy", shapes: [[4, 3]]) { $0[0].softmaxCrossEntropy(labels: [2, 0, 1, 2]) },
        OpCase(name: "sigmoidCrossEntropy", shapes: [[3, 2], [3, 2]]) { $0[0].sigmoidCrossEntropy(targets: $0[1]) },
    ]
    + reductionRows("logSumExp") { $0.logSumExp(alongAxes: $1, keepingDimensions: $2) }
    + reductionRows("sum") { $0.sum(alongAxes: $1, keepingDimensions: $2) }
    + reductionRows("mean") { $0.mean(alongAxes: $1, keepingDimensions: $2) }
    + reductionRows("variance") { $0.variance(alongAxes: $1, keepingDimensions: $2) }
    + reductionRows("max") { $0.max(alongAxes: $1, keepingDimensions: $2) }
    + reductionRows("min") { $0.min(alongAxes: $1, keepingDimensions: $2) }
    + [
        OpCase(name: "select", shapes: [[2, 3], [2, 3]]) {
            Tensor.select(Tensor(shape: [2, 3], values: [1, 0, 1, 0, 0, 1], dtype: .float64), $0[0], $0[1])
        },
        OpCase(name: "select", shapes: [[3, 1], [1, 4]]) {
            Tensor.select(Tensor(shape: [3, 4], values: (0..<12).map { Double($0 % 2) }, dtype: .float64), $0[0], $0[1])
        },
        OpCase(name: "reshaped", shapes: [[2, 3]]) { $0[0].reshaped(to: [3, -1]) },
        OpCase(name: "squeezed", shapes: [[2, 1, 3]]) { $0[0].squeezed() },
        OpCase(name: "squeezed", shapes: [[1, 3, 1]]) { $0[0].squeezed(axes: [0]) },
        OpCase(name: "unsqueezed", shapes: [[2, 3]]) { $0[0].unsqueezed(at: 1) },
        OpCase(name: "unsqueezed", shapes: [[2, 3]]) { $0[0].unsqueezed(at: -1) },
        OpCase(name: "permuted", shapes: [[2, 3, 4]]) { $0[0].permuted([2, 0, 1]) },
        OpCase(name: "transposed", shapes: [[3, 4]]) { $0[0].transposed() },
        OpCase(name: "expanded", shapes: [[3, 1]]) { $0[0].expanded(to: [2, 3, 4]) },
        OpCase(name: "concatenating", shapes: [[2, 3], [2, 1], [2, 2]]) { Tensor.concatenating($0, alongAxis: 1) },
        OpCase(name: "concatenating", shapes: [[1, 3], [2, 3]]) { Tensor.concatenating($0, alongAxis: 0) },
        // Five inputs: more than a tape node keeps inline.
        OpCase(name: "concatenating", shapes: [[2, 1], [2, 2], [2, 1], [2, 3], [2, 2]]) { Tensor.concatenating($0, alongAxis: 1) },
        OpCase(name: "stacking", shapes: [[2, 3], [2, 3]]) { Tensor.stacking($0, alongAxis: 1) },
        OpCase(name: "slice", shapes: [[4, 5]]) { $0[0].slice(alongAxis: 1, 1..<4) },
        OpCase(name: "slice", shapes: [[4, 5, 2]]) { $0[0].slice(alongAxis: 0, 2..<4) },
        OpCase(name: "gathering", shapes: [[4, 3]]) { $0[0].gathering(rows: [3, 0, 3, 1]) },
        // An embedding lookup: int32 ids [2, 3] (id 2 three times) pick rows of a [4, 3] table → [2, 3, 3].
        OpCase(name: "gathering", shapes: [[4, 3]]) { $0[0].gathering(ids: Tensor(shape: [2, 3], integers: [2, 0, 2, 3, 2, 1])) },
        OpCase(name: "matmul", shapes: [[3, 4], [4, 5]]) { $0[0].matmul($0[1]) },
        OpCase(name: "matmul", shapes: [[4, 3], [4, 5]]) { $0[0].matmul($0[1], transposingSelf: true) },
        OpCase(name: "matmul", shapes: [[3, 4], [5, 4]]) { $0[0].matmul($0[1], transposingOther: true) },
        OpCase(name: "matmul", shapes: [[4, 3], [5, 4]]) {
            $0[0].matmul($0[1], transposingSelf: true, transposingOther: true)
        },
        OpCase(name: "matmul", shapes: [[2, 3, 4], [2, 4, 5]]) { $0[0].matmul($0[1]) },
        OpCase(name: "matmul", shapes: [[2, 4, 3], [2, 5, 4]]) {
            $0[0].matmul($0[1], transposingSelf: true, transposingOther: true)
        },
        OpCase(name: "matmul", shapes: [[2, 3, 4], [4, 5]]) { $0[0].matmul($0[1]) },
        OpCase(name: "matmul", shapes: [[2, 4, 3], [5, 4]]) {
            $0[0].matmul($0[1], transposingSelf: true, transposingOther: true)
        },
        // Rank 4 with broadcast batch dimensions (as attention's [batch, heads, time, features]), a 2-D left factor
        // shared by a batch, and a rank-4 product folded over a shared right factor.
        OpCase(name: "matmul", shapes: [[2, 1, 3, 4], [3, 4, 5]]) { $0[0].matmul($0[1]) },
        OpCase(name: "matmul", shapes: [[2, 3, 4, 3], [1, 3, 5, 4]]) {
            $0[0].matmul($0[1], transposingSelf: true, transposingOther: true)
        },
        OpCase(name: "matmul", shapes: [[3, 4], [2, 4, 5]]) { $0[0].matmul($0[1]) },
        OpCase(name: "matmul", shapes: [[2, 2, 3, 4], [4, 5]]) { $0[0].matmul($0[1]) },
        // Convolutions: stride 1 and 2, valid and same padding, dilation 2, non-square kernels and images,
        // batch > 1, channels > 1 (input, kernel and, in the last rows, bias).
        OpCase(name: "conv2d", shapes: [[2, 5, 6, 3], [3, 2, 3, 4]]) { $0[0].conv2d($0[1]) },
        OpCase(name: "conv2d", shapes: [[2, 6, 5, 2], [3, 3, 2, 3]]) { $0[0].conv2d($0[1], strides: (2, 2), padding: .same) },
        OpCase(name: "conv2d", shapes: [[1, 7, 7, 2], [3, 3, 2, 2]]) { $0[0].conv2d($0[1], dilation: (2, 2)) },
        OpCase(name: "conv2d", shapes: [[2, 5, 4, 1], [2, 3, 1, 2]]) { $0[0].conv2d($0[1], strides: (1, 2), padding: .same, dilation: (2, 1)) },
        OpCase(name: "conv2d", shapes: [[1, 4, 4, 2], [3, 3, 2, 1]]) {
            $0[0].conv2d($0[1], strides: (2, 1), padding: .explicit(top: 1, bottom: 0, left: 2, right: 1))
        },
        // More than 27 taps: the im2col + GEMM path (the rows above take the direct path).
        OpCase(name: "conv2d", shapes: [[2, 5, 5, 4], [3, 3, 4, 3]]) { $0[0].conv2d($0[1]) },
        OpCase(name: "conv2d", shapes: [[1, 7, 6, 4], [3, 3, 4, 2]]) { $0[0].conv2d($0[1], strides: (2, 1), padding: .same, dilation: (2, 2)) },
        // With a bias; 45 filters take the 32-wide, 8-wide and scalar filter loops of the direct path, on both cores.
        OpCase(name: "conv2d", shapes: [[3, 8, 8, 2], [3, 3, 2, 45], [45]]) { $0[0].conv2d($0[1], bias: $0[2]) },
        // im2col blocks of one 18×18-pixel image each: the second half of the batch runs two blocks.
        OpCase(name: "conv2d", shapes: [[3, 20, 20, 4], [3, 3, 4, 3], [3]]) { $0[0].conv2d($0[1], bias: $0[2]) },
        // Fused activations on both paths (the derivative applied inside the convolution's backward pass).
        OpCase(name: "conv2d", shapes: [[2, 6, 5, 2], [3, 3, 2, 40], [40]]) {
            $0[0].conv2d($0[1], bias: $0[2], padding: .same, activation: .relu)
        },
        OpCase(name: "conv2d", shapes: [[3, 20, 20, 4], [3, 3, 4, 3], [3]]) { $0[0].conv2d($0[1], bias: $0[2], activation: .relu) },
        OpCase(name: "conv2d", shapes: [[2, 5, 5, 1], [2, 2, 1, 3], [3]]) { $0[0].conv2d($0[1], bias: $0[2], activation: .tanh) },
        OpCase(name: "conv2d", shapes: [[1, 5, 5, 4], [3, 3, 4, 2]]) { $0[0].conv2d($0[1], activation: .sigmoid) },
        // Convolution and max pooling in one op: direct path (32 filters) with windows that leave a border
        // uncovered; im2col path with overlapping pool windows over padding; no activation with same padding.
        OpCase(name: "conv2d", shapes: [[2, 7, 7, 1], [3, 3, 1, 32], [32]]) {
            $0[0].conv2d($0[1], bias: $0[2], activation: .relu, maxPooling: MaxPooling(poolSize: (2, 2)))
        },
        OpCase(name: "conv2d", shapes: [[2, 8, 7, 4], [3, 3, 4, 3], [3]]) {
            $0[0].conv2d($0[1], bias: $0[2], activation: .tanh, maxPooling: MaxPooling(poolSize: (3, 3), strides: (2, 2), padding: .same))
        },
        OpCase(name: "conv2d", shapes: [[1, 6, 6, 2], [2, 2, 2, 3]]) {
            $0[0].conv2d($0[1], padding: .same, maxPooling: MaxPooling(poolSize: (2, 3), strides: (2, 2), padding: .same))
        },
        // batch normalization over the last axis: features, and NHWC images (statistics over N, H and W).
        OpCase(name: "batchNormalized", shapes: [[5, 3], [3], [3]]) {
            $0[0].batchNormalized(scale: $0[1], offset: $0[2], epsilon: 1e-3).output
        },
        OpCase(name: "batchNormalized", shapes: [[2, 3, 2, 4], [4], [4]]) {
            $0[0].batchNormalized(scale: $0[1], offset: $0[2], epsilon: 0.1).output
        },
        // dense: 2-D and 3-D inputs, each fused activation, with and without bias.
        OpCase(name: "dense", shapes: [[4, 3], [3, 5], [5]]) { $0[0].dense($0[1], bias: $0[2]) },
        OpCase(name: "dense", shapes: [[4, 3], [3, 5], [5]]) { $0[0].dense($0[1], bias: $0[2], activation: .relu) },
        OpCase(name: "dense", shapes: [[2, 3, 4], [4, 2], [2]]) { $0[0].dense($0[1], bias: $0[2], activation: .tanh) },
        OpCase(name: "dense", shapes: [[5, 2], [2, 3]]) { $0[0].dense($0[1], activation: .sigmoid) },
        OpCase(name: "lstmRecurrence", shapes: [[2, 3, 8], [2, 8], [2, 2], [2, 2]]) {
            Tensor.lstmRecurrence(projected: $0[0], recurrentKernel: $0[1], h0: $0[2], c0: $0[3])
        },
        OpCase(name: "lstmRecurrence", shapes: [[2, 3, 8], [2, 8], [2, 2], [2, 2]]) {
            let mask = Tensor(shape: [2, 3], values: [1, 1, 0, 1, 0, 1], dtype: $0[0].dtype)
            return Tensor.lstmRecurrence(projected: $0[0], recurrentKernel: $0[1], h0: $0[2], c0: $0[3], mask: mask, backwards: true)
        },
        OpCase(name: "maxPool2d", shapes: [[2, 4, 6, 3]]) { $0[0].maxPool2d() },
        OpCase(name: "maxPool2d", shapes: [[1, 5, 5, 2]]) { $0[0].maxPool2d(poolSize: (3, 2), strides: (2, 1), padding: .same) },
        OpCase(name: "avgPool2d", shapes: [[2, 4, 6, 3]]) { $0[0].avgPool2d() },
        OpCase(name: "avgPool2d", shapes: [[1, 5, 5, 2]]) { $0[0].avgPool2d(poolSize: (3, 3), strides: (2, 2), padding: .same) },
        // A small network: ops composed, values reused.
        OpCase(name: "composite", shapes: [[4, 3], [3, 5], [5]]) { x in
            (x[0].matmul(x[1]) + x[2]).tanh().logSoftmax().mean()
        },
    ]

/// Public ops with no gradient, and why.
let nonDifferentiableOps: [String: String] = [
    ".<": "mask", ".<=": "mask", ".>": "mask", ".>=": "mask", ".==": "mask", ".!=": "mask",
    "argmax": "integer result", "oneHot": "built from integer labels", "logicalAnd": "mask of int32 masks",
    "convolutionUsesWinograd": "a question about which kernel runs (for tests), not an op",
]

@Suite struct OpTableCoverageTests {
    /// Every `public func` declared in Sources/TensorModule/Ops has a row in `opTable` or is listed as
    /// non-differentiable, so a new op cannot skip the gradient check.
    @Test func everyPublicOpHasATableRow() throws {
        let ops = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/TensorModule/Ops")
        let files = try FileManager.default.contentsOfDirectory(atPath: ops.path).filter { $0.hasSuffix(".swift") }
        #expect(files.count >= 5)
        let pattern = try NSRegularExpression(pattern: #"public (static )?(prefix )?func (\.[^ (]+|[^ (<]+)"#)
        var declared = Set<String>()
        for file in files {
            let text = try String(contentsOf: ops.appendingPathComponent(file), encoding: .utf8)
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let name = String(text[Range(m.range(at: 3), in: text)!])
                let prefix = m.range(at: 2).location != NSNotFound ? "prefix " : ""
                declared.insert(prefix + name)
            }
        }
        #expect(declared.contains("matmul") && declared.contains("prefix -"), "the scan found \(declared.sorted())")
        let covered = Set(opTable.map(\.name)).union(nonDifferentiableOps.keys)
        let missing = declared.subtracting(covered)
        #expect(missing.isEmpty, "public ops without a gradient-check row: \(missing.sorted())")
    }
}
