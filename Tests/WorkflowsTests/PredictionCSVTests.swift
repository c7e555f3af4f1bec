import Foundation
import Testing
import NeuralKit
import _TestSupport

/// `neuralkit predict`'s table for each kind of loss, checked against the saved model's own outputs.
@Suite(.serialized) struct PredictionCSVTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let loss: String
        let outputs: Int
        let header: [String]
        /// The expected cells of one example from the model's raw outputs.
        let cells: @Sendable ([Double]) -> [Double]
        var testDescription: String { "\(loss), \(outputs) output(s)" }
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    static let rows: [Row] = [
        Row(loss: "softmaxCrossEntropy", outputs: 2, header: ["class", "p0", "p1"]) { y in
            let e = y.map { exp($0 - y.max()!) }, p = e.map { $0 / e.reduce(0, +) }
            return [p[1] > p[0] ? 1 : 0] + p
        },
        Row(loss: "binaryCrossEntropyWithLogits", outputs: 1, header: ["class", "p1"]) { y in
            [sigmoid(y[0]) > 0.5 ? 1 : 0, sigmoid(y[0])]
        },
        Row(loss: "binaryCrossEntropyWithLogits", outputs: 2, header: ["p0", "p1"]) { y in y.map(sigmoid) },
        Row(loss: "meanSquaredError", outputs: 1, header: ["y0"]) { y in y },
    ]

    @Test(arguments: rows)
    func tableFollowsTheLoss(_ row: Row) throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let spec = #"{"input": [2], "layers": [{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "dense", "units": \#(row.outputs)}], "loss": "\#(row.loss)"}"#
        // An untrained model of the spec saved as a run directory: the table is checked against its own outputs.
        try FileManager.default.createDirectory(atPath: tmp.file("run"), withIntermediateDirectories: true)
        try AtomicFile.write(spec, to: tmp.file("run/model.json"))
        var weights = Safetensors()
        weights.set(try ModelSpec(json: Array(spec.utf8)).buildModel().stateDict())
        try weights.write(to: tmp.file("run/final.safetensors"))
        let trained = try TrainedModel(directory: tmp.file("run"))
        let features = [[0.5, -1.25], [2, 0.125], [-0.75, 0]]
        let csv = try trained.predictionCSV(rows: [["x1", "x2"]] + features.map { $0.map { "\($0)" } }, file: "rows.csv")
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(lines.first == row.header)
        let outputs = trained.predict(Tensor(rows: features)).values
        for (i, line) in lines.dropFirst().enumerated() {
            let expected = row.cells(Array(outputs[(i * row.outputs)..<((i + 1) * row.outputs)]))
            let cells = line.compactMap(Double.init)
            #expect(cells.count == expected.count && zip(cells, expected).allSatisfy { Swift.abs($0 - $1) <= 1e-6 }, "\(line) vs \(expected)")
        }
        #expect(lines.count == features.count + 1)
    }
}
