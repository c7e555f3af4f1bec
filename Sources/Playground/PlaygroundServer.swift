import Datasets
import Experiments
import Foundation
import HTTPTypes
import Hummingbird
import Persistence

/// `neuralkit playground`: a local web server with the Playground page and its JSON API. It holds no ML logic:
/// requests become ``PlaygroundConfiguration``s and ``PlaygroundSession`` calls; answers are their JSON states.
///
/// API (JSON bodies; errors are 4xx with `{"error": "…"}`):
/// - `POST /api/sessions` — a configuration → `{"id", "state"}`
/// - `POST /api/sessions/{id}/train` — `{"epochs": 1…100}` → state
/// - `GET /api/sessions/{id}/stream?epochs=N` — server-sent events: a state per epoch, at most 10 per second
/// - `POST /api/sessions/{id}/weight` — `{"layer", "row", "column", "value"}` → state
/// - `GET /api/sessions/{id}/export/model.json` and `/export/model.safetensors` — the files `neuralkit` reads
/// - `POST /api/sessions/{id}/import` — safetensors bytes exported before (same network) → state
/// - `DELETE /api/sessions/{id}`
public struct PlaygroundServer: Sendable {
    /// What the server accepts: request body bytes (larger bodies get 413), live sessions (a new one drops the
    /// oldest when full), epochs per training request and per stream (more get 400, naming the range).
    public struct Limits: Sendable {
        public var bodyBytes = 512 * 1024
        public var sessions = 32
        public var epochsPerRequest = 100
        public var streamEpochs = 2000
        public init() {}
    }

    public let host: String
    public let port: Int
    public let limits: Limits

    public init(host: String = "127.0.0.1", port: Int = 8080, limits: Limits = Limits()) {
        self.host = host
        self.port = port
        self.limits = limits
    }

    /// Whether the host is a loopback address (anything else exposes the Playground to the network).
    public var isLoopback: Bool { host == "127.0.0.1" || host == "localhost" || host == "::1" }

    /// The Host header values accepted: the bound name and, on loopback, its usual spellings.
    var allowedHosts: Set<String> {
        var names: Set<String> = [host]
        if isLoopback { names.formUnion(["127.0.0.1", "localhost", "[::1]"]) }
        return Set(names.flatMap { [$0, "\($0):\(port)"] })
    }

    public func makeApplication() -> some ApplicationProtocol {
        Application(router: makeRouter(), configuration: .init(address: .hostname(host, port: port), serverName: "NeuralKit Playground"))
    }

    /// The routes, separate from the socket so tests can drive them directly.
    public func makeRouter() -> Router<BasicRequestContext> {
        let store = SessionStore(capacity: limits.sessions)
        let limits = self.limits
        let router = Router()
        router.add(middleware: HostCheck(allowed: allowedHosts))
        for (path, type) in [("", "text/html"), ("index.html", "text/html"), ("app.js", "text/javascript"), ("style.css", "text/css")] {
            let file = path.isEmpty ? "index.html" : path
            router.get(RouterPath(path)) { _, _ -> Response in
                guard let url = Bundle.module.url(forResource: file, withExtension: nil, subdirectory: "Public"),
                      let data = try? Data(contentsOf: url) else { return Self.error(.notFound, "missing \(file)") }
                return Response(status: .ok, headers: [.contentType: "\(type); charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
        }
        router.post("api/sessions") { request, _ -> Response in
            var request = request
            do {
                let body = try await Self.body(&request, limit: limits.bodyBytes)
                let config = try PlaygroundConfiguration(json: body)
                let (id, state) = try await store.create(config)
                return Self.json(.created, "{\"id\":\"\(id)\",\"state\":\(state)}")
            } catch { return Self.failure(error) }
        }
        router.post("api/sessions/:id/train") { request, context -> Response in
            var request = request
            do {
                let body = try await Self.body(&request, limit: 4096)
                let epochs = try Self.integer(body, "epochs", 1...limits.epochsPerRequest)
                return Self.json(.ok, try await store.train(try context.parameters.require("id"), epochs: epochs))
            } catch { return Self.failure(error) }
        }
        router.post("api/sessions/:id/weight") { request, context -> Response in
            var request = request
            do {
                let body = try await Self.body(&request, limit: 4096)
                let node = Node(value: try Self.parse(body), path: "$")
                let f = try node.object(allowed: ["layer", "row", "column", "value"])
                let state = try await store.setWeight(try context.parameters.require("id"), layer: try f.required("layer", in: node).int(minimum: 0),
                                                      row: try f.required("row", in: node).int(minimum: 0),
                                                      column: try f.required("column", in: node).int(minimum: 0),
                                                      value: try f.required("value", in: node).double())
                return Self.json(.ok, state)
            } catch { return Self.failure(error) }
        }
        router.get("api/sessions/:id/stream") { request, context -> Response in
            do {
                let id = try context.parameters.require("id")
                let requested = request.uri.queryParameters.get("epochs", as: Int.self) ?? 100
                guard (1...limits.streamEpochs).contains(requested) else {
                    throw ConfigError(path: "epochs", "must be between 1 and \(limits.streamEpochs), found \(requested)")
                }
                _ = try await store.state(id)
                let body = ResponseBody { writer in
                    var last = 0.0
                    for e in 1...requested {
                        guard let state = try? await store.train(id, epochs: 1) else { break }
                        let now = Date().timeIntervalSince1970
                        if now - last >= 0.1 || e == requested {
                            last = now
                            try await writer.write(ByteBuffer(string: "data: \(state)\n\n"))
                        }
                    }
                    try await writer.finish(nil)
                }
                return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
            } catch { return Self.failure(error) }
        }
        router.get("api/sessions/:id/backprop") { request, context -> Response in
            do {
                let text = request.uri.queryParameters.get("example") ?? ""
                guard let example = Int(text) else { throw ConfigError(path: "example", "expected a training point's index, found '\(text.prefix(40))'") }
                return Self.json(.ok, try await store.backpropagation(try context.parameters.require("id"), example: example))
            } catch { return Self.failure(error) }
        }
        router.get("api/sessions/:id/export/model.json") { _, context -> Response in
            do { return Self.json(.ok, try await store.export(try context.parameters.require("id")).spec) } catch { return Self.failure(error) }
        }
        router.get("api/sessions/:id/export/model.safetensors") { _, context -> Response in
            do {
                let bytes = try await store.export(try context.parameters.require("id")).weights
                return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            } catch { return Self.failure(error) }
        }
        router.post("api/sessions/:id/import") { request, context -> Response in
            var request = request
            do {
                let bytes = try await Self.body(&request, limit: limits.bodyBytes)
                return Self.json(.ok, try await store.importWeights(try context.parameters.require("id"), bytes))
            } catch { return Self.failure(error) }
        }
        router.delete("api/sessions/:id") { _, context -> Response in
            do {
                await store.remove(try context.parameters.require("id"))
                return Response(status: .noContent)
            } catch { return Self.failure(error) }
        }
        return router
    }

    struct BodyTooLarge: Error { let limit: Int }

    static func body(_ request: inout Request, limit: Int) async throws -> [UInt8] {
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch {
            throw BodyTooLarge(limit: limit)
        }
    }

    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        do { return try JSONParser.parse(bytes) } catch { throw ConfigError(path: "$", "invalid JSON at \(error)") }
    }

    static func integer(_ body: [UInt8], _ key: String, _ range: ClosedRange<Int>) throws -> Int {
        let node = Node(value: try parse(body), path: "$")
        let n = try node.object(allowed: [key]).required(key, in: node).int()
        guard range.contains(n) else { throw ConfigError(path: "$." + key, "must be between \(range.lowerBound) and \(range.upperBound), found \(n)") }
        return n
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(status, JSONValue.object([("error", .string(message))]).compactText)
    }

    static func failure(_ error: Error) -> Response {
        switch error {
        case let e as ConfigError: return Self.error(.badRequest, e.description)
        case let e as BodyTooLarge: return Self.error(.contentTooLarge, "request body larger than \(e.limit) bytes")
        case let e as DataError: return Self.error(.badRequest, e.description)
        case SessionStore.Failure.notFound: return Self.error(.notFound, "no such session (it may have expired)")
        default: return Self.error(.badRequest, "\(error)")
        }
    }
}

/// Rejects requests whose Host header is not one the server is bound to (DNS-rebinding protection).
struct HostCheck: RouterMiddleware {
    typealias Context = BasicRequestContext
    let allowed: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // HTTP/1.1 servers map the Host header to the authority; keep a raw Host field as a fallback.
        let host = HTTPField.Name("Host").flatMap { request.headers[$0] } ?? request.head.authority
        guard let host, allowed.contains(host) else {
            return PlaygroundServer.error(.misdirectedRequest, "unexpected Host header")
        }
        return try await next(request, context)
    }
}
