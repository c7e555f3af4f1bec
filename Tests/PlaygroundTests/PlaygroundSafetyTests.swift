import Foundation
import Hummingbird
import HummingbirdTesting
import NeuralKit
import Playground
import Testing
import _TestSupport

/// The Playground off loopback and under load: which hosts and origins it answers, how it shares its sessions,
/// how it treats wrong methods, slow bodies and idle connections, and a fuzz run of malformed requests.
@Suite struct PlaygroundSafetyTests {
    func request(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, host: String = "127.0.0.1:8080",
                 headers extra: HTTPFields = [:], body: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.init("Host")!: host]
        headers.append(contentsOf: extra)
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// On every address, the real names of this machine are accepted (the loopback spellings, its host name, each
    /// interface address) and so are `--allowed-host` names; any other name is refused (DNS rebinding).
    @Test func hostsOnEveryAddress() async throws {
        let server = PlaygroundServer(host: "0.0.0.0", port: 8080, allowedHostNames: ["Notebook.Example"])
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        let machine = String(cString: buffer).lowercased()
        #expect(server.allowedHosts.isSuperset(of: ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "\(machine):8080",
                                                    "notebook.example:8080", "notebook.example", "0.0.0.0:8080"]))
        #expect(!server.allowedHosts.contains("evil.example:8080"))
        try await Application(router: server.makeRouter()).test(.router) { client in
            for host in ["127.0.0.1:8080", "localhost:8080", "\(machine):8080", "NOTEBOOK.example:8080"] {
                let page = try await request(client, .get, "/", host: host)
                #expect(page.status == .ok, "\(host)")
            }
            #expect(try await request(client, .get, "/", host: "evil.example:8080").status == .misdirectedRequest)
        }
        // Bound to loopback, the machine's own name is not an address it listens on.
        #expect(!PlaygroundServer(host: "127.0.0.1", port: 8080).allowedHosts.contains("\(machine):8080"))
    }

    /// Another web page cannot drive the server: a state-changing request with a foreign Origin, or a body that is
    /// not JSON (a form or text/plain, which browsers send cross-site without asking), changes nothing.
    @Test func foreignOriginsAndSimpleBodiesAreRefused() async throws {
        let server = PlaygroundServer()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let json: HTTPFields = [.contentType: "application/json"]
            for origin in ["http://evil.example", "null", "http://127.0.0.1:9999", "file://"] {
                var headers = json
                headers[.init("Origin")!] = origin
                let r = try await request(client, .post, "/api/sessions", headers: headers, body: "{}")
                #expect(r.status == .forbidden, "\(origin): \(r.text)")
            }
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let r = try await request(client, .post, "/api/sessions", headers: [.contentType: type, .init("Origin")!: "http://evil.example"], body: "{}")
                #expect(r.status == .forbidden, "\(type)")
                let same = try await request(client, .post, "/api/sessions", headers: [.contentType: type], body: "{}")
                #expect(same.status == .unsupportedMediaType, "\(type): \(same.text)")
            }
            var own = json
            own[.init("Origin")!] = "http://127.0.0.1:8080"
            let created = try await request(client, .post, "/api/sessions", headers: own, body: "{}")
            #expect(created.status == .created, "\(created.text)")
            guard case .string(let id)? = created.json?["id"] else { Issue.record("no id"); return }
            var foreign = json
            foreign[.init("Origin")!] = "http://evil.example"
            let train = try await request(client, .post, "/api/sessions/\(id)/train", headers: foreign, body: #"{"epochs": 5}"#)
            #expect(train.status == .forbidden)
            #expect(try await request(client, .delete, "/api/sessions/\(id)", headers: [.init("Origin")!: "http://evil.example"]).status == .forbidden)
            // Nothing above trained or removed the session.
            let state = try await request(client, .get, "/api/sessions/\(id)/stream?epochs=1")
            #expect(state.text.contains(#""epoch":1,"#), "\(state.text.prefix(80))")
        }
    }

    /// When every session is in use, a new one is refused with 503 rather than displacing one; a session idle for
    /// longer than the limit makes room, and it is the least recently used one that goes.
    @Test func onlyIdleSessionsAreEvicted() async throws {
        for idleSeconds in [3600.0, 0] {
            var limits = PlaygroundServer.Limits()
            limits.sessions = 2
            limits.sessionIdleSeconds = idleSeconds
            try await Application(router: PlaygroundServer(limits: limits).makeRouter()).test(.router) { client in
                var ids: [String] = []
                for _ in 0..<2 {
                    let r = try await post(client, "/api/sessions", "{}")
                    guard case .string(let id)? = r.json?["id"] else { Issue.record("no id"); return }
                    ids.append(id)
                }
                #expect(try await post(client, "/api/sessions/\(ids[0])/train", #"{"epochs": 1}"#).status == .ok)   // used again
                let third = try await post(client, "/api/sessions", "{}")
                if idleSeconds > 0 {
                    // Both were used within the hour: nothing is displaced.
                    #expect(third.status == .serviceUnavailable)
                    #expect(third.json?["error"] == .string("all 2 sessions are in use; try again when one is idle or closed"))
                    #expect(try await post(client, "/api/sessions/\(ids[1])/train", #"{"epochs": 1}"#).status == .ok)
                } else {
                    // Every session counts as idle: the least recently used one (the second) makes room.
                    #expect(third.status == .created)
                    #expect(try await post(client, "/api/sessions/\(ids[1])/train", #"{"epochs": 1}"#).status == .notFound)
                }
                #expect(try await post(client, "/api/sessions/\(ids[0])/train", #"{"epochs": 1}"#).status == .ok)
            }
        }
    }

    /// A query parameter that is not a number is a 400 naming it; a known path with another method is a 405 naming
    /// the methods it takes, in `Allow`.
    @Test func wrongParametersAndMethods() async throws {
        try await Application(router: PlaygroundServer().makeRouter()).test(.router) { client in
            let created = try await post(client, "/api/sessions", "{}")
            guard case .string(let id)? = created.json?["id"] else { Issue.record("no id"); return }
            for value in ["abc", "1.5", "", "99999999999999999999"] {
                let r = try await request(client, .get, "/api/sessions/\(id)/stream?epochs=\(value)")
                #expect(r.status == .badRequest, "\(value)")
                guard case .string(let message)? = r.json?["error"] else { Issue.record("no error for \(value)"); continue }
                #expect(message.hasPrefix("epochs: "), "\(message)")
            }
            for (method, path, allowed) in [(HTTPRequest.Method.get, "/api/sessions", "POST"), (.delete, "/app.js", "GET"),
                                            (.put, "/api/sessions/\(id)/train", "POST"), (.post, "/api/sessions/\(id)", "DELETE"),
                                            (.post, "/api/sessions/\(id)/export/model.json", "GET")] {
                let r = try await request(client, method, path, headers: [.contentType: "application/json"], body: "{}")
                #expect(r.status == .methodNotAllowed, "\(method) \(path)")
                #expect(r.headers[.allow] == allowed, "\(method) \(path)")
            }
            #expect(try await request(client, .get, "/nowhere").status == .notFound)
        }
    }

    /// A body sent too slowly gets 408; an idle connection is closed. Over a real socket on loopback.
    @Test(arguments: [true, false])
    func slowBodiesAndIdleConnectionsTimeOut(slowBody: Bool) async throws {
        var limits = PlaygroundServer.Limits()
        limits.bodySeconds = slowBody ? 0.5 : 60
        limits.idleConnectionSeconds = slowBody ? 60 : 0.5
        try await PlaygroundServer(limits: limits).makeApplication().test(.live) { client in
            let port = try #require(client.port)
            let connection = try RawConnection(port: port)
            if slowBody {
                connection.send("POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data")
                let answer = connection.receive(seconds: 30)
                #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer.prefix(200))")
            } else {
                #expect(connection.waitForClose(seconds: 30), "an idle connection stayed open")
            }
        }
    }

    /// A seeded stream of malformed requests over loopback: no answer is a 5xx, and the server still serves the page.
    @Test func fuzzedRequestsNeverGetA5xx() async throws {
        var limits = PlaygroundServer.Limits()
        limits.sessionIdleSeconds = 0   // fuzzing creates many sessions: any idle one may make room
        let count = Int(ProcessInfo.processInfo.environment["NEURALKIT_FUZZ_REQUESTS"] ?? "") ?? 2000
        try await PlaygroundServer(limits: limits).makeApplication().test(.live) { client in
            var rng = RandomGenerator(seed: 2026)
            func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
            let created = try await post(client, "/api/sessions", "{}")
            guard case .string(let id)? = created.json?["id"] else { Issue.record("no id"); return }
            let paths = ["/", "/app.js", "/api/sessions", "/api/sessions/\(id)/train", "/api/sessions/\(id)/weight",
                         "/api/sessions/\(id)/stream?epochs=", "/api/sessions/\(id)/backprop?example=", "/api/sessions/\(id)/import",
                         "/api/sessions/\(id)/export/model.json", "/api/sessions/\(id)", "/api/sessions/nope/train",
                         "/api/sessions/%00/train", "/api/../../etc/passwd", "/api/sessions/\(id)/train?x=%F0%9F%98%80%ZZ"]
            let bodies = [#"{"epochs": 1}"#, #"{"epochs": -1}"#, #"{"epochs": 1e308}"#, #"{"epochs": "1"}"#, "{", "[]", "null",
                          #"{"layer": 0, "row": 99, "column": 0, "value": 1}"#, #"{"layer": 0, "row": 0, "column": 0, "value": 1e400}"#,
                          #"{"hidden": [{"neurons": 8, "activation": "relu"}], "dataset": "spiral"}"#, #"{"csv": "x1,x2,label\n"}"#,
                          #"{"points": [[0, 0, 0], [1, 1, 1], [0, 1, 1], [1, 0, 0]]}"#, #"{"learningRate": NaN}"#, ""]
            let methods: [HTTPRequest.Method] = [.get, .post, .post, .post, .delete, .put, .head, .options, .patch]
            let types = ["application/json", "application/json; charset=utf-8", "text/plain", "application/octet-stream", ""]
            var statuses: [Int: Int] = [:]
            for _ in 0..<count {
                var path = pick(paths)
                if path.hasSuffix("=") { path += pick(["1", "0", "-3", "abc", "2000", "1e9", "%20"]) }
                var body = pick(bodies)
                if rng.next() % 4 == 0 {   // a random cut or a random byte
                    let bytes = Array(body.utf8)
                    body = String(decoding: bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1))) + [UInt8(rng.next() % 256)], as: UTF8.self)
                }
                var headers: HTTPFields = [.init("Host")!: pick(["127.0.0.1:8080", "localhost:8080", "evil.example"])]
                let type = pick(types)
                if !type.isEmpty { headers[.contentType] = type }
                if rng.next() % 5 == 0 { headers[.init("Origin")!] = pick(["http://evil.example", "http://127.0.0.1:8080", "null"]) }
                let method = pick(methods)
                let r = try await client.execute(uri: path, method: method, headers: headers,
                                                 body: method == .get || method == .head ? nil : ByteBuffer(string: body))
                statuses[r.status.code, default: 0] += 1
                #expect(r.status.code < 500, "\(method) \(path) \(type) \(body.prefix(60)): \(r.status) \(String(buffer: r.body).prefix(120))")
            }
            #expect(statuses.keys.contains(200) && statuses.keys.contains(400), "\(statuses)")
            let page = try await client.execute(uri: "/", method: .get, headers: [.init("Host")!: "127.0.0.1:8080"])
            #expect(page.status == .ok)
        }
    }
}
