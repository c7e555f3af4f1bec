import Foundation
import Hummingbird
import HummingbirdTesting
import NeuralKit
import Playground
import Testing

func post(_ client: some TestClientProtocol, _ uri: String, _ body: String, host: String = "127.0.0.1:8080") async throws -> TestResponse {
    try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json", .init("Host")!: host],
                             body: ByteBuffer(string: body))
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: JSONValue? { try? JSONParser.parse(Array(body.readableBytesView)) }
}

@Suite struct PlaygroundServerTests {
    let server = PlaygroundServer()

    func app() -> some ApplicationProtocol { Application(router: server.makeRouter()) }

    @Test func servesThePage() async throws {
        try await app().test(.router) { client in
            let page = try await client.execute(uri: "/", method: .get, headers: [.init("Host")!: "localhost:8080"])
            #expect(page.status == .ok && page.text.contains("NeuralKit Playground"))
            let js = try await client.execute(uri: "/app.js", method: .get, headers: [.init("Host")!: "127.0.0.1:8080"])
            #expect(js.status == .ok && js.headers[.contentType]?.hasPrefix("text/javascript") == true)
            // The page's menus come from the registries model JSON reads, and the page reads them from the server.
            #expect(js.text.contains("await api(\"/api/menus\")"))
            let menus = try await client.execute(uri: "/api/menus", method: .get, headers: [.init("Host")!: "localhost:8080"])
            let value = try JSONParser.parse(Array(menus.text.utf8))
            func names(_ key: String) -> [String] {
                guard case .array(let items)? = value[key] else { return [] }
                return items.compactMap { if case .string(let s) = $0 { s } else { nil } }
            }
            #expect(names("activations") == Activation.registry.names && names("activations").contains("leakyRelu"))
            #expect(names("optimizers") == OptimizerRules.registry.names && names("optimizers").contains("adamw"))
            #expect(names("schedules").allSatisfy { LearningRateSchedule.registry.entry(named: $0) != nil } && names("schedules").count == 4)
        }
    }

    @Test func rejectsForeignHostHeaders() async throws {
        try await app().test(.router) { client in
            let r = try await post(client, "/api/sessions", "{}", host: "evil.example:8080")
            #expect(r.status == .misdirectedRequest)
        }
    }

    @Test func aSessionTrainsXORBelowOneTenthTestLoss() async throws {
        try await app().test(.router) { client in
            let config = #"{"dataset": "xor", "hidden": [{"neurons": 8, "activation": "tanh"}, {"neurons": 8, "activation": "tanh"}], "optimizer": "adam", "learningRate": 0.03}"#
            let created = try await post(client, "/api/sessions", config)
            #expect(created.status == .created)
            guard case .string(let id)? = created.json?["id"] else { Issue.record("no id: \(created.text)"); return }
            var loss = 1.0
            var trainedLayers: JSONValue?
            for _ in 0..<3 {
                let r = try await post(client, "/api/sessions/\(id)/train", #"{"epochs": 50}"#)
                #expect(r.status == .ok)
                if case .number(let l)? = r.json?["testLoss"] { loss = l }
                trainedLayers = r.json?["layers"]
            }
            #expect(loss < 0.1)
            let exportSpec = try await client.execute(uri: "/api/sessions/\(id)/export/model.json", method: .get, headers: [.init("Host")!: "127.0.0.1:8080"])
            #expect(try ModelSpec(json: Array(exportSpec.body.readableBytesView)).input == [2])
            let weights = try await client.execute(uri: "/api/sessions/\(id)/export/model.safetensors", method: .get, headers: [.init("Host")!: "127.0.0.1:8080"])
            #expect(try Safetensors(bytes: Array(weights.body.readableBytesView), source: "export").entries.count == 6)
            let edited = try await post(client, "/api/sessions/\(id)/weight", #"{"layer": 0, "row": 1, "column": 2, "value": 0.75}"#)
            guard case .array(let layers)? = edited.json?["layers"], case .array(let rows)? = layers[0]["weights"],
                  case .array(let row) = rows[1] else { Issue.record("no weights"); return }
            #expect(row[2] == .number(0.75))
            // Import the exported weights back: the edit is undone, and the state is the exported one again.
            let octets: HTTPFields = [.init("Host")!: "127.0.0.1:8080", .contentType: "application/octet-stream"]
            let restored = try await client.execute(uri: "/api/sessions/\(id)/import", method: .post, headers: octets, body: weights.body)
            #expect(restored.status == .ok)
            #expect(trainedLayers != nil && restored.json?["layers"] == trainedLayers && edited.json?["layers"] != trainedLayers)
            let garbage = try await client.execute(uri: "/api/sessions/\(id)/import", method: .post, headers: octets,
                                                   body: ByteBuffer(string: "not safetensors"))
            #expect(garbage.status == .badRequest)
            // Bytes sent as anything but octets are refused before they are read.
            let untyped = try await client.execute(uri: "/api/sessions/\(id)/import", method: .post,
                                                   headers: [.init("Host")!: "127.0.0.1:8080"], body: weights.body)
            #expect(untyped.status == .unsupportedMediaType)
        }
    }

    /// Training one session leaves another's weights and epoch as they were.
    @Test func sessionsAreIsolated() async throws {
        try await app().test(.router) { client in
            let a = try await post(client, "/api/sessions", #"{"dataset": "circle"}"#)
            let b = try await post(client, "/api/sessions", #"{"dataset": "circle"}"#)
            guard case .string(let ida)? = a.json?["id"], case .string(let idb)? = b.json?["id"] else { Issue.record("ids"); return }
            #expect(ida != idb)
            let before = try #require(b.json?["state"])
            let trained = try await post(client, "/api/sessions/\(ida)/train", #"{"epochs": 5}"#)
            #expect(trained.json?["epoch"] == .number(5) && trained.json?["layers"] != a.json?["state"]?["layers"])
            #expect(try await post(client, "/api/sessions/\(idb)/train", #"{"epochs": 0}"#).status == .badRequest)   // out of range
            let stream = try await client.execute(uri: "/api/sessions/\(idb)/stream?epochs=1", method: .get, headers: [.init("Host")!: "127.0.0.1:8080"])
            #expect(stream.status == .ok && stream.text.hasPrefix("data: {"))
            let afterB = try JSONParser.parse(Array(stream.text.dropFirst(6).split(separator: "\n").first.map { Array($0.utf8) } ?? []))
            // b trained its own single epoch from its own starting weights: a's five epochs did not touch it.
            #expect(afterB["epoch"] == .number(1) && before["epoch"] == .number(0))
            let fresh = try await post(client, "/api/sessions", #"{"dataset": "circle"}"#)
            guard case .string(let idc)? = fresh.json?["id"] else { Issue.record("no id: \(fresh.text)"); return }
            let replay = try await post(client, "/api/sessions/\(idc)/train", #"{"epochs": 1}"#)
            #expect(replay.json?["layers"] == afterB["layers"], "one epoch from the same seed trains the same weights")
            let missing = try await post(client, "/api/sessions/nope/train", #"{"epochs": 1}"#)
            #expect(missing.status == .notFound)
        }
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        let body: String
        let message: String
        var testDescription: String { message }
    }

    static let badRequests: [Bad] = [
        Bad(body: #"{"noise": 0.9}"#, message: "$.noise: must be between 0 and 0.5"),
        Bad(body: #"{"trainRatio": 0.05}"#, message: "$.trainRatio"),
        Bad(body: #"{"hidden": [{"neurons": 3, "activation": "swish"}]}"#, message: "$.hidden[0].activation: unknown activation 'swish'"),
        Bad(body: #"{"hidden": [{"neurons": 12, "activation": "tanh"}]}"#, message: "$.hidden[0].neurons"),
        Bad(body: #"{"learningRate": 50}"#, message: "$.learningRate"),
        Bad(body: #"{"batchSize": 0}"#, message: "$.batchSize"),
        Bad(body: #"{"optimizer": "lion"}"#, message: "$.optimizer: unknown optimizer"),
        Bad(body: #"{"regularization": "l3"}"#, message: "$.regularization"),
        Bad(body: #"{"features": ["x3"]}"#, message: "$.features[0]: unknown feature 'x3'"),
        Bad(body: #"{"dataset": "moons"}"#, message: "$.dataset: unknown dataset 'moons'"),
        Bad(body: #"{"color": "red"}"#, message: "$.color: unknown field"),
        Bad(body: #"{"csv": "x1,x2,label\n1,2,0\n3,oops,1\n"}"#, message: "$.csv: row 2: expected a number"),
        Bad(body: #"{"csv": "1,2\n"}"#, message: "$.csv: row 1: expected x1, x2 and a label"),
        Bad(body: #"{"points": [[1, 2, 0]]}"#, message: "$.points: need 4 to 2000 points"),
        Bad(body: "{not json", message: "$: invalid JSON"),
    ]

    @Test(arguments: badRequests)
    func everyFieldIsValidatedWithA4xx(_ bad: Bad) async throws {
        try await app().test(.router) { client in
            let r = try await post(client, "/api/sessions", bad.body)
            #expect(r.status == .badRequest)
            guard case .string(let message)? = r.json?["error"] else { Issue.record("no error: \(r.text)"); return }
            #expect(message.hasPrefix(bad.message), "\(message)")
        }
    }

    /// One point's backward pass: its steps end at the loss (gradient 1) and include every weight with a gradient;
    /// a bad point index is a 400 naming the field, an unknown session a 404.
    @Test func backpropagationOfOnePoint() async throws {
        try await app().test(.router) { client in
            let created = try await post(client, "/api/sessions", #"{"dataset": "circle", "hidden": [{"neurons": 3, "activation": "tanh"}]}"#)
            guard case .string(let id)? = created.json?["id"] else { Issue.record("no id: \(created.text)"); return }
            func get(_ query: String, session: String? = nil) async throws -> TestResponse {
                try await client.execute(uri: "/api/sessions/\(session ?? id)/backprop?\(query)", method: .get, headers: [.init("Host")!: "127.0.0.1:8080"])
            }
            let r = try await get("example=4")
            #expect(r.status == .ok, "\(r.text)")
            guard case .array(let steps)? = r.json?["steps"], let loss = steps.last else { Issue.record("no steps: \(r.text)"); return }
            #expect(r.json?["example"] == .number(4))
            #expect(loss["gradient"] == .array([.number(1)]) && loss["shape"] == .array([]))
            let weights = steps.filter { $0["op"] == .string("layers.0.weight") }
            #expect(weights.count == 1 && weights.first?["shape"] == .array([.number(2), .number(3)]))
            if case .array(let g)? = weights.first?["gradient"] { #expect(g.count == 6) } else { Issue.record("no weight gradient") }
            for (query, message) in [("example=abc", "example: expected a training point's index, found 'abc'"),
                                     ("", "example: expected a training point's index, found ''"),
                                     ("example=100000", "example: expected a training point between 0 and ")] {
                let bad = try await get(query)
                #expect(bad.status == .badRequest)
                guard case .string(let text)? = bad.json?["error"] else { Issue.record("no error: \(bad.text)"); continue }
                #expect(text.hasPrefix(message), "\(text)")
            }
            #expect(try await get("example=0", session: "nope").status == .notFound)
        }
    }

    @Test func oversizedUploadIsRefused() async throws {
        try await app().test(.router) { client in
            let csv = String(repeating: "1.0,2.0,1\\n", count: 60_000)
            let r = try await post(client, "/api/sessions", #"{"csv": ""# + csv + #""}"#)
            #expect(r.status == .contentTooLarge)
        }
    }

    /// An uploaded CSV becomes the session's points, and training on them lowers the loss.
    @Test func uploadedCSVTrains() async throws {
        try await app().test(.router) { client in
            var rows = ["x1,x2,label"]
            for i in 0..<40 { rows.append("\(Double(i % 7) - 3),\(Double(i % 5) - 2),\(i % 7 > 3 ? 1 : 0)") }
            let body = JSONValue.object([("csv", .string(rows.joined(separator: "\n")))]).compactText
            let r = try await post(client, "/api/sessions", body)
            #expect(r.status == .created, "\(r.text)")
            guard case .string(let id)? = r.json?["id"], case .number(let startLoss)? = r.json?["state"]?["trainLoss"] else {
                Issue.record("no id or loss: \(r.text)"); return
            }
            // Every training and test point is an uploaded row.
            let uploaded = Set(rows.dropFirst().map { $0.split(separator: ",").map { Double($0)! } })
            guard case .array(let train)? = r.json?["state"]?["train"], case .array(let test)? = r.json?["state"]?["test"] else {
                Issue.record("no points: \(r.text)"); return
            }
            #expect(train.count + test.count == 40 && !train.isEmpty && !test.isEmpty)
            for point in train + test {
                guard case .array(let xs) = point else { Issue.record("point \(point)"); continue }
                let values = xs.compactMap { if case .number(let x) = $0 { x } else { nil } }
                #expect(uploaded.contains(values), "\(values) was not uploaded")
            }
            let trained = try await post(client, "/api/sessions/\(id)/train", #"{"epochs": 100}"#)
            guard case .number(let endLoss)? = trained.json?["trainLoss"] else { Issue.record("no loss: \(trained.text)"); return }
            #expect(endLoss < startLoss * 0.8, "train loss \(startLoss) → \(endLoss)")
        }
    }
}
