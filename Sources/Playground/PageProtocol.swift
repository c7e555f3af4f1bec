// The Playground page's protocol: the JSON a page sends (a configuration) and receives (a session's state, a point's
// backward pass, the menus). The ML behind it is the library's (PlaygroundSession); this file only reads and writes.

import JSONCoding
import NeuralKit

extension PlaygroundConfiguration {
    static let fields: Set<String> = ["dataset", "noise", "trainRatio", "pointCount", "seed", "features", "hidden", "dropout",
                                      "batchNorm", "learningRate", "optimizer", "batchSize", "regularization",
                                      "regularizationRate", "schedule", "points", "csv"]

    /// Reads a configuration sent by the page; missing fields keep their defaults, unknown ones are errors. An
    /// uploaded CSV (`"csv"`: text with x1, x2 and a label per row; a header is allowed) becomes ``points``.
    public init(json bytes: [UInt8]) throws(ConfigError) {
        self.init()
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw ConfigError(path: "$", "invalid JSON at \(error)") }
        let f = try Node(value: value, path: "$").object(allowed: Self.fields)
        if let v = f["dataset"] { dataset = try v.string() }
        if let v = f["noise"] { noise = try v.double() }
        if let v = f["trainRatio"] { trainRatio = try v.double() }
        if let v = f["pointCount"] { pointCount = try v.int() }
        if let v = f["seed"] { seed = UInt64(try v.int(minimum: 0)) }
        if let v = f["features"] {
            var out: [Feature] = []
            for item in try v.array() {
                let name = try item.string()
                guard let feature = Feature(rawValue: name) else {
                    throw item.fail("unknown feature '\(name)' (expected one of: \(Feature.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                out.append(feature)
            }
            features = out
        }
        if let v = f["hidden"] {
            var layers: [(Int, String)] = []
            for item in try v.array() {
                let o = try item.object(allowed: ["neurons", "activation"])
                layers.append((try o.required("neurons", in: item).int(), try o.required("activation", in: item).string()))
            }
            hidden = layers
        }
        if let v = f["dropout"] { dropout = try v.double() }
        if let v = f["batchNorm"] { batchNorm = try v.bool() }
        if let v = f["learningRate"] { learningRate = try v.double() }
        if let v = f["optimizer"] { optimizer = try v.string() }
        if let v = f["batchSize"] { batchSize = try v.int() }
        if let v = f["regularization"] {
            let name = try v.string()
            guard let r = Regularization(rawValue: name) else { throw v.fail("unknown regularization '\(name)' (expected none, l1 or l2)") }
            regularization = r
        }
        if let v = f["regularizationRate"] { regularizationRate = try v.double() }
        if let v = f["schedule"] { schedule = try v.string() }
        if let v = f["points"] {
            var rows: [[Double]] = []
            for item in try v.array() {
                var row: [Double] = []
                for x in try item.array() { row.append(try x.double()) }
                rows.append(row)
            }
            points = rows
        }
        if let v = f["csv"] {
            let text = try v.string()
            do {
                let rows = try CSVReader.rows(Array(text.utf8), file: "upload")
                let body = rows.first.map { $0.contains { Double($0.trimmingSpaces) == nil } } == true ? Array(rows.dropFirst()) : rows
                var parsed: [[Double]] = []
                for (i, r) in body.enumerated() {
                    guard r.count == 3 else { throw DataError(file: "upload", location: "row \(i + 1)", "expected x1, x2 and a label, found \(r.count) fields") }
                    var row: [Double] = []
                    for cell in r {
                        guard let x = Double(cell.trimmingSpaces), x.isFinite else {
                            throw DataError(file: "upload", location: "row \(i + 1)", "expected a number, found '\(cell.prefix(30))'")
                        }
                        row.append(x)
                    }
                    parsed.append(row)
                }
                points = parsed
            } catch let e as DataError {
                throw ConfigError(path: "$.csv", e.location.isEmpty ? e.message : "\(e.location): \(e.message)")
            } catch {
                throw ConfigError(path: "$.csv", "\(error)")
            }
        }
    }

    /// The page's menus, as `GET /api/menus` serves them.
    public static var menus: JSONValue {
        func strings(_ xs: [String]) -> JSONValue { .array(xs.map { .string($0) }) }
        return .object([("activations", strings(activations)), ("optimizers", strings(optimizers)), ("schedules", strings(schedules))])
    }
}

extension PlaygroundSession {
    /// What the page draws after each step, as JSON: epoch, losses, the decision surface, the points, every Dense
    /// layer's weights and biases, a small heatmap per hidden neuron, and the exact rule in use.
    public func state(resolution: Int = 40, neuronResolution: Int = 12) -> JSONValue {
        func numbers(_ xs: [Double]) -> JSONValue { .array(xs.map { .number(($0 * 1e6).rounded() / 1e6) }) }
        func points(_ d: Dataset) -> JSONValue {
            let x = d.features.values, y = d.targets.values
            return .array((0..<d.count).map { numbers([x[2 * $0], x[2 * $0 + 1], y[$0]]) })
        }
        let dense = model.layers.compactMap { $0 as? Dense }
        let layers: [JSONValue] = dense.map { d in
            let w = d.weight.value, rows = w.shape[0], cols = w.shape[1], v = w.values
            return .object([
                ("weights", .array((0..<rows).map { r in numbers(Array(v[(r * cols)..<((r + 1) * cols)])) })),
                ("biases", numbers(d.bias?.value.values ?? [])),
            ])
        }
        return .object([
            ("epoch", .number(Double(epoch))),
            ("trainLoss", .number(trainLoss)), ("testLoss", .number(testLoss)),
            ("lossHistory", numbers(trainer.history["loss"])), ("testLossHistory", numbers(testLossHistory)),
            ("resolution", .number(Double(resolution))), ("surface", numbers(decisionSurface(resolution: resolution))),
            ("regression", .bool(isRegression)),
            ("train", points(train)), ("test", points(test)),
            ("features", .array(configuration.features.map { .string($0.rawValue) })),
            ("layers", .array(layers)),
            ("neurons", .array(neuronHeatmaps(resolution: neuronResolution).map { .array($0.map(numbers)) })),
            ("rule", .string(ruleDescription)),
        ])
    }

    /// ``backpropagation(example:)`` as the page draws it: the point (x₁, x₂, label) and the steps, each with its op,
    /// the steps it read (null for a constant), its shape, its values and its gradient (null where none reached it).
    public func backpropagationState(example k: Int) throws(ConfigError) -> JSONValue {
        let trace = try backpropagation(example: k)
        func numbers(_ t: Tensor?) -> JSONValue {
            guard let t else { return .null }
            return .array(t.values.map { .number($0) })
        }
        let point = train.features.values[(2 * k)..<(2 * k + 2)] + [train.targets.values[k]]
        return .object([
            ("example", .number(Double(k))),
            ("point", .array(point.map { .number($0) })),
            ("steps", .array(trace.steps.map { s in
                .object([
                    ("op", .string(s.op)),
                    ("inputs", .array(s.inputs.map { $0.map { .number(Double($0)) } ?? .null })),
                    ("shape", .array(s.shape.map { .number(Double($0)) })),
                    ("value", numbers(s.value)), ("gradient", numbers(s.gradient)),
                ])
            })),
        ])
    }
}
