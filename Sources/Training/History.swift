/// Logs of one batch or epoch: metric name → value (`loss`, `accuracy`, `val_loss`, `lr`, `seconds`, …).
public typealias Logs = [String: Double]

/// What `fit` returns: one value per epoch for every logged quantity, like Keras's `History.history`.
///
/// ```swift
/// let history = try trainer.fit(x: x, y: y, epochs: 10)
/// history["val_loss"]   // [0.52, 0.41, …]
/// ```
public struct History: Equatable, Sendable, Codable {
    /// Epoch numbers (from 0) in the order they ran.
    public private(set) var epochs: [Int] = []
    /// Per-quantity values, aligned with `epochs`.
    public private(set) var values: [String: [Double]] = [:]

    public init() {}

    public mutating func append(epoch: Int, logs: Logs) {
        epochs.append(epoch)
        for (k, v) in logs { values[k, default: []].append(v) }
    }

    /// The values of `key` per epoch (empty if never logged).
    public subscript(key: String) -> [Double] { values[key] ?? [] }

    /// Logged quantity names, sorted with `loss` first.
    public var keys: [String] {
        values.keys.sorted { ($0 == "loss" ? "" : $0) < ($1 == "loss" ? "" : $1) }
    }
}
