import Datasets
import Workflows
import FileIO
import Foundation
import HTTPTypes
import Hummingbird
import JSONCoding
import Persistence

/// `neuralkit playground`: a local web server with the Playground page and its JSON API. It holds no ML logic:
/// requests become ``PlaygroundConfiguration``s and ``PlaygroundSession`` calls; answers are their JSON states.
///
/// API (JSON bodies, sent as `application/json`; errors are 4xx with `{"error": "…"}`, or 503 when every session is
/// busy):
/// - `POST /api/sessions` — a configuration → `{"id", "state"}`
/// - `POST /api/sessions/{id}/train` — `{"epochs": 1…100}` → state
/// - `GET /api/sessions/{id}/stream?epochs=N` — server-sent events: a state per epoch, at most 10 per second
/// - `POST /api/sessions/{id}/weight` — `{"layer", "row", "column", "value"}` → state
/// - `GET /api/sessions/{id}/export/model.json` and `/export/model.safetensors` — the files `neuralkit` reads
/// - `POST /api/sessions/{id}/import` — safetensors bytes exported before (same network), as
///   `application/octet-stream` → state
/// - `DELETE /api/sessions/{id}`
///
/// Off loopback it stays safe to run: requests must name the server in their Host header (one of the addresses it
/// listens on, or a name given by `--allowed-host`), state-changing requests from another web page's Origin are
/// refused, request bodies and idle connections time out, and a new session only displaces one idle for longer
/// than ``Limits/sessionIdleSeconds``.
public struct PlaygroundServer: Sendable {
    /// What the server accepts: request body bytes (larger bodies get 413) and the seconds to send one (then 408),
    /// seconds an idle connection is kept, live sessions (when full, a new one displaces the least recently used
    /// session idle for over `sessionIdleSeconds`, or gets 503), epochs per training request and per stream (more
    /// get 400, naming the range).
    public struct Limits: Sendable {
        public var bodyBytes = 512 * 1024
        public var bodySeconds = 10.0
        public var idleConnectionSeconds = 60.0
        public var sessions = 32
        public var sessionIdleSeconds = 600.0
        public var epochsPerRequest = 100
        public var streamEpochs = 2000
        public init() {}
    }

    public let host: String
    public let port: Int
    public let limits: Limits
    /// Further names the Host header may carry (`--allowed-host`), e.g. a DNS name that reaches this machine.
    public let extraHostNames: [String]

    public init(host: String = "127.0.0.1", port: Int = 8080, limits: Limits = Limits(), allowedHostNames: [String] = []) {
        self.host = host
        self.port = port
        self.limits = limits
        extraHostNames = allowedHostNames
    }

    /// Whether the host is a loopback address (anything else exposes the Playground to the network).
    public var isLoopback: Bool { host == "127.0.0.1" || host == "localhost" || host == "::1" }

    /// Whether the server listens on every address.
    var isWildcard: Bool { host == "0.0.0.0" || host == "::" || host == "[::]" }

    /// The Host header values accepted, as Jupyter does: the address the server listens on (on every address: the
    /// loopback spellings, this machine's name and each of its interface addresses), and the `--allowed-host` names;
    /// each bare or with the port. Any other name is refused (DNS rebinding).
    public var allowedHosts: Set<String> {
        var names: Set<String> = [host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host]
        if isLoopback || isWildcard { names.formUnion(["127.0.0.1", "localhost", "[::1]"]) }
        if isWildcard { names.formUnion(Self.machineNames()) }
        names.formUnion(extraHostNames.map { $0.lowercased() })
        return Set(names.flatMap { [$0, "\($0):\(port)"] })
    }

    /// This machine's host name and the addresses of its network interfaces (IPv6 in brackets).
    static func machineNames() -> Set<String> {
        var names = Set<String>()
        var buffer = [CChar](repeating: 0, count: 256)
        if gethostname(&buffer, buffer.count - 1) == 0 {
            names.insert(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased())
        }
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return names }
        defer { freeifaddrs(list) }
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr else { continue }
            let family = Int32(address.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let length = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
            guard getnameinfo(address, length, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            var name = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let zone = name.firstIndex(of: "%") { name = String(name[..<zone]) }
            names.insert(family == AF_INET6 ? "[\(name)]" : name)
        }
        return names
    }

    public func makeApplication() -> some ApplicationProtocol {
        Application(router: makeRouter(), server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(limits.idleConnectionSeconds * 1000)))),
                    configuration: .init(address: .hostname(host, port: port), serverName: "NeuralKit Playground"))
    }

    /// Every route and its methods: what a request with another method is told (405, with `Allow`).
    static let routes: [(path: String, methods: [HTTPRequest.Method])] = [
        ("", [.get]), ("index.html", [.get]), ("app.js", [.get]), ("style.css", [.get]),
        ("api/menus", [.get]), ("api/sessions", [.post]), ("api/sessions/:id/train", [.post]), ("api/sessions/:id/weight", [.post]),
        ("api/sessions/:id/stream", [.get]), ("api/sessions/:id/backprop", [.get]),
        ("api/sessions/:id/export/model.json", [.get]), ("api/sessions/:id/export/model.safetensors", [.get]),
        ("api/sessions/:id/import", [.post]), ("api/sessions/:id", [.delete]),
    ]

    /// The routes, separate from the socket so tests can drive them directly.
    public func makeRouter() -> Router<BasicRequestContext> {
        let store = SessionStore(capacity: limits.sessions, idleSeconds: limits.sessionIdleSeconds)
        let limits = self.limits
        let router = Router()
        router.add(middleware: HostCheck(allowed: allowedHosts))
        router.add(middleware: MethodCheck(routes: Self.routes))
        for (path, type) in [("", "text/html"), ("index.html", "text/html"), ("app.js", "text/javascript"), ("style.css", "text/css")] {
            let file = path.isEmpty ? "index.html" : path
            router.get(RouterPath(path)) { _, _ -> Response in
                guard let url = Bundle.module.url(forResource: file, withExtension: nil, subdirectory: "Public"),
                      let data = try? Data(contentsOf: url) else { return Self.error(.notFound, "missing \(file)") }
                return Response(status: .ok, headers: [.contentType: "\(type); charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
        }
        router.get("api/menus") { _, _ -> Response in Self.json(.ok, PlaygroundConfiguration.menus.compactText) }
        router.post("api/sessions") { request, _ -> Response in
            var request = request
            do {
                let body = try await Self.body(&request, limit: limits.bodyBytes, seconds: limits.bodySeconds)
                let config = try PlaygroundConfiguration(json: body)
                let (id, state) = try await store.create(config)
                return Self.json(.created, "{\"id\":\"\(id)\",\"state\":\(state)}")
            } catch { return Self.failure(error) }
        }
        router.post("api/sessions/:id/train") { request, context -> Response in
            var request = request
            do {
                let body = try await Self.body(&request, limit: 4096, seconds: limits.bodySeconds)
                let epochs = try Self.integer(body, "epochs", 1...limits.epochsPerRequest)
                return Self.json(.ok, try await store.train(try context.parameters.require("id"), epochs: epochs))
            } catch { return Self.failure(error) }
        }
        router.post("api/sessions/:id/weight") { request, context -> Response in
            var request = request
            do {
                let body = try await Self.body(&request, limit: 4096, seconds: limits.bodySeconds)
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
                let requested = try Self.epochs(request.uri.queryParameters.get("epochs"))
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
                let bytes = try await Self.body(&request, limit: limits.bodyBytes, seconds: limits.bodySeconds,
                                                type: "application/octet-stream")
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

    /// The `epochs` query parameter of a stream: 100 when absent, an error naming it when not a whole number.
    static func epochs(_ text: String?) throws -> Int {
        guard let text else { return 100 }
        guard let n = Int(text) else { throw ConfigError(path: "epochs", "expected a whole number of epochs, found '\(text.prefix(40))'") }
        return n
    }

    struct BodyTooLarge: Error { let limit: Int }
    struct BodyTooSlow: Error { let seconds: Double }
    struct WrongContentType: Error { let expected: String, found: String? }

    /// The request's body: of content type `type`, at most `limit` bytes, all of it within `seconds`.
    static func body(_ request: inout Request, limit: Int, seconds: Double, type: String = "application/json") async throws -> [UInt8] {
        let found = request.headers[.contentType]
        guard let found, found.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == type else {
            throw WrongContentType(expected: type, found: found)
        }
        let body = request.body
        return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                do { return Array(try await body.collect(upTo: limit).readableBytesView) } catch { throw BodyTooLarge(limit: limit) }
            }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let bytes = first else { throw BodyTooSlow(seconds: seconds) }
            return bytes
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
        case let e as BodyTooSlow: return Self.error(.requestTimeout, "request body not received within \(e.seconds) seconds")
        case let e as WrongContentType:
            return Self.error(.unsupportedMediaType, "expected Content-Type \(e.expected), found \(e.found.map { "'\($0.prefix(60))'" } ?? "none")")
        case SessionStore.Failure.full(let n):
            return Self.error(.serviceUnavailable, "all \(n) sessions are in use; try again when one is idle or closed")
        case let e as DataError: return Self.error(.badRequest, e.description)
        case SessionStore.Failure.notFound: return Self.error(.notFound, "no such session (it may have expired)")
        default: return Self.error(.badRequest, "\(error)")
        }
    }
}

/// Rejects requests whose Host header is not one the server answers to (DNS-rebinding protection), and
/// state-changing requests sent from another site's page: their Origin must be this server's.
struct HostCheck: RouterMiddleware {
    typealias Context = BasicRequestContext
    let allowed: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // HTTP/1.1 servers map the Host header to the authority; keep a raw Host field as a fallback.
        let host = HTTPField.Name("Host").flatMap { request.headers[$0] } ?? request.head.authority
        guard let host, allowed.contains(host.lowercased()) else {
            return PlaygroundServer.error(.misdirectedRequest, "unexpected Host header")
        }
        if request.method != .get && request.method != .head, let origin = HTTPField.Name("Origin").flatMap({ request.headers[$0] }) {
            let parts = origin.lowercased().split(separator: "/", omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0] == "http:" || parts[0] == "https:", allowed.contains(String(parts[1])) else {
                return PlaygroundServer.error(.forbidden, "cross-origin request refused (Origin \(origin.prefix(80)))")
            }
        }
        return try await next(request, context)
    }
}

/// Answers a request to a known path with a method it does not take: 405 with `Allow`, not 404.
struct MethodCheck: RouterMiddleware {
    typealias Context = BasicRequestContext
    let routes: [(path: String, methods: [HTTPRequest.Method])]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
        let match = routes.first { route in
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: true)
            return pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }
        if let match, !match.methods.contains(request.method) && !(request.method == .head && match.methods.contains(.get)) {
            var response = PlaygroundServer.error(.methodNotAllowed, "\(request.method) is not allowed here (allowed: "
                                                  + match.methods.map(\.rawValue).joined(separator: ", ") + ")")
            response.headers[.allow] = match.methods.map(\.rawValue).joined(separator: ", ")
            return response
        }
        return try await next(request, context)
    }
}
