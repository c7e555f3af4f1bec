import Workflows
import Foundation
import Persistence

/// The Playground's sessions, one per browser tab, behind an actor so requests for different tabs never race.
actor SessionStore {
    private final class Box: @unchecked Sendable {
        let session: PlaygroundSession
        init(_ session: PlaygroundSession) { self.session = session }
    }

    private var sessions: [String: Box] = [:]
    /// When each session was last used (seconds on the monotonic clock).
    private var lastUse: [String: Double] = [:]
    let capacity: Int
    let idleSeconds: Double

    init(capacity: Int, idleSeconds: Double) {
        self.capacity = capacity
        self.idleSeconds = idleSeconds
    }

    enum Failure: Error {
        case notFound
        /// Every one of this many sessions was used within the idle time.
        case full(Int)
    }

    /// Creates a session. When the store is full, the least recently used session that has been idle for longer
    /// than `idleSeconds` (a tab closed without saying so) makes room; when every session is in use, nothing is
    /// dropped and the new one is refused.
    func create(_ config: PlaygroundConfiguration) throws -> (String, String) {
        let session = try PlaygroundSession(config)
        if sessions.count >= capacity {
            guard let oldest = lastUse.min(by: { $0.value < $1.value }), Self.now() - oldest.value > idleSeconds else {
                throw Failure.full(capacity)
            }
            remove(oldest.key)
        }
        let id = UUID().uuidString.lowercased()
        sessions[id] = Box(session)
        lastUse[id] = Self.now()
        return (id, session.state().compactText)
    }

    func train(_ id: String, epochs: Int) throws -> String {
        let s = try session(id)
        try s.train(epochs: epochs)
        return s.state().compactText
    }

    func state(_ id: String) throws -> String { try session(id).state().compactText }

    func setWeight(_ id: String, layer: Int, row: Int, column: Int, value: Double) throws -> String {
        let s = try session(id)
        try s.setWeight(layer: layer, row: row, column: column, value: value)
        return s.state().compactText
    }

    func importWeights(_ id: String, _ bytes: [UInt8]) throws -> String {
        let s = try session(id)
        try s.importWeights(bytes)
        return s.state().compactText
    }

    func backpropagation(_ id: String, example: Int) throws -> String {
        try session(id).backpropagationState(example: example).compactText
    }

    func export(_ id: String) throws -> (spec: String, weights: [UInt8]) { try session(id).export() }

    func remove(_ id: String) {
        sessions[id] = nil
        lastUse[id] = nil
    }

    static func now() -> Double { ProcessInfo.processInfo.systemUptime }

    var count: Int { sessions.count }

    /// The session, marked as just used.
    private func session(_ id: String) throws -> PlaygroundSession {
        guard let box = sessions[id] else { throw Failure.notFound }
        touch(id)
        return box.session
    }

    /// Marks a session as just used.
    @inline(never)   // inlined into the server's route closures, this store crashes Swift 6.3's coroutine splitting
    private func touch(_ id: String) { lastUse[id] = Self.now() }
}
