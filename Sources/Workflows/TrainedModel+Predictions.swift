import Datasets
import FileIO
import NeuralNetworks
import TensorModule

extension TrainedModel {
    /// Predictions for rows of raw features, as CSV text (`neuralkit predict`). A first row holding a non-number is
    /// a header and is skipped. The columns follow the model's loss:
    /// - softmax cross-entropy: the predicted class and each class's probability, `class,p0,p1,…`;
    /// - binary cross-entropy with one output: the predicted class (probability above 0.5) and its probability,
    ///   `class,p1` (from the logit's sigmoid, or the output itself for a probability loss); with several outputs,
    ///   each label's probability, `p0,p1,…`;
    /// - anything else (regression): the outputs, `y0,y1,…`.
    ///
    /// ```swift
    /// let csv = try trained.predictionCSV(rows: CSVReader.rows(ofFile: "rows.csv"), file: "rows.csv")
    /// ```
    public func predictionCSV(rows: [[String]], file: String) throws(DataError) -> String {
        let isHeader = rows.first.map { $0.contains { Double($0.trimmingCharacters(in: .whitespaces)) == nil } } == true
        let body = isHeader ? Array(rows.dropFirst()) : rows
        guard !body.isEmpty else {
            throw DataError(file: file, rows.isEmpty ? "no rows: the file is empty" : "no rows of features after the header")
        }
        guard !spec.readsTokenIds else {
            throw DataError(file: file, "the model reads int32 token ids (an embedding layer on its input); CSV rows are float features")
        }
        let width = spec.input.reduce(1, *)
        var values: [Double] = []
        values.reserveCapacity(body.count * width)
        for (i, row) in body.enumerated() {
            let line = "row \(i + (isHeader ? 2 : 1))"
            guard row.count == width else { throw DataError(file: file, location: line, "expected \(width) features, found \(row.count)") }
            for cell in row {
                guard let v = Double(cell.trimmingCharacters(in: .whitespaces)), Float(v).isFinite else {
                    throw DataError(file: file, location: line, "expected a finite number within Float32's range (±3.4e38), found '\(cell.prefix(40))'")
                }
                values.append(v)
            }
        }
        let outputs = predict(Tensor(shape: [body.count] + spec.input, values: values))
        let k = outputs.shape.last ?? 1
        let (header, table) = Self.columns(outputs, loss: spec.loss.kind, outputsPerExample: k)
        var lines = [header.joined(separator: ",")]
        lines.reserveCapacity(body.count + 1)
        for row in table { lines.append(row.joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The header and rows of a prediction table for `outputs` ([N, k]) of a model trained with `loss`.
    static func columns(_ outputs: Tensor, loss: Loss.Kind, outputsPerExample k: Int) -> ([String], [[String]]) {
        let n = outputs.shape.first ?? 0
        switch loss {
        case .softmaxCrossEntropy, .softmaxCrossEntropyWithProbabilities:
            let p = outputs.softmax().values, best = outputs.argmax(alongAxis: -1).values
            let rows = (0..<n).map { i in ["\(Int(best[i]))"] + p[(i * k)..<((i + 1) * k)].map { "\($0)" } }
            return (["class"] + (0..<k).map { "p\($0)" }, rows)
        case .binaryCrossEntropyWithLogits, .binaryCrossEntropy:
            let p = (loss == .binaryCrossEntropy ? outputs : outputs.sigmoid()).values
            if k == 1 { return (["class", "p1"], p.map { [$0 > 0.5 ? "1" : "0", "\($0)"] }) }
            return ((0..<k).map { "p\($0)" }, (0..<n).map { i in p[(i * k)..<((i + 1) * k)].map { "\($0)" } })
        default:
            let y = outputs.values
            return ((0..<k).map { "y\($0)" }, (0..<n).map { i in y[(i * k)..<((i + 1) * k)].map { "\($0)" } })
        }
    }
}
