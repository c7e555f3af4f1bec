import Experiments
import Foundation
import Persistence

/// The Playground's sessions, one per browser tab, behind an actor so requests for different tabs never race.
actor SessionStore {
    private final class Box: @unchecked Sendable {
        let session: PlaygroundSession
        init(_ session: PlaygroundSession) { self.session = session }
    }

    private var sessions: [String: Box] = [:]
    private var order: [String] = []
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    enum Failure: Error {
        case notFound
    }

    /// Creates a session; the oldest is dropped when the store is full of sessions a tab abandoned.
    func create(_ config: PlaygroundConfiguration) throws -> (String, String) {
        let session = try PlaygroundSession(config)
        if sessions.count >= capacity, let oldest = order.first {
            sessions[oldest] = nil
            order.removeFirst()
        }
        let id = UUID().uuidString.lowercased()
        sessions[id] = Box(session)
        order.append(id)
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

    func remove(_ id: String) { sessions[id] = nil; order.removeAll { $0 == id } }

    var count: Int { sessions.count }

    private func session(_ id: String) throws -> PlaygroundSession {
        guard let box = sessions[id] else { throw Failure.notFound }
        return box.session
    }
}
