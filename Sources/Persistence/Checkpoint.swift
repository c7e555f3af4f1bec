import JSONCoding
import CZlib
import FileIO
import Glibc
import NeuralNetworks
import Optimizers
import TensorModule
import Training

/// Everything needed to resume training exactly: weights, optimizer state, epochs completed, the shuffle generator,
/// every other generator training draws from (dropout, augmentation), the callbacks' states (early stopping's best
/// weights among them), the history so far and a hash of the configuration. Stored as one safetensors file whose metadata carries the
/// rest and a CRC-32 of all tensor bytes.
///
/// ```swift
/// let store = CheckpointStore(directory: "run")
/// try store.save(Checkpoint(trainer: trainer, configurationHash: hash))
/// let (checkpoint, note) = try store.loadLatest()
/// try checkpoint.restore(into: trainer)
/// ```
public struct Checkpoint: Sendable {
    public var weights: [String: Tensor]
    public var optimizer: OptimizerState
    public var progress: Trainer.Progress
    public var configurationHash: String

    public init(weights: [String: Tensor], optimizer: OptimizerState, progress: Trainer.Progress, configurationHash: String) {
        self.weights = weights
        self.optimizer = optimizer
        self.progress = progress
        self.configurationHash = configurationHash
    }

    /// The trainer's current state.
    public init(trainer: Trainer, configurationHash: String) {
        self.init(weights: trainer.model.stateDict(), optimizer: trainer.optimizer.state(), progress: trainer.progress,
                  configurationHash: configurationHash)
    }

    /// Puts this state into a trainer built from the same configuration.
    public func restore(into trainer: Trainer) throws(DataError) {
        do { try trainer.model.loadStateDict(weights) } catch {
            throw DataError(file: "checkpoint", "weights do not fit the model: \(error)")
        }
        trainer.optimizer.load(optimizer)
        trainer.progress = progress
    }

    public func serialized() -> [UInt8] {
        var file = Safetensors()
        for (name, t) in weights { file.set(t, named: "model/" + name) }
        for (name, slots) in optimizer.slots {
            for (i, t) in slots.enumerated() { file.set(t, named: "optimizer/\(name)/\(i)") }
        }
        for (callback, state) in progress.callbackStates {
            for (name, t) in state.tensors { file.set(t, named: "callback/\(callback)/\(name)") }
        }
        let history = JSONValue.object([
            ("epochs", .array(progress.history.epochs.map { .number(Double($0)) })),
            ("values", .object(progress.history.keys.map { k in (k, JSONValue.array(progress.history[k].map { .number($0) })) })),
        ])
        file.metadata = [
            ("format", "neuralkit-checkpoint-1"),
            ("epochs_completed", "\(progress.epochsCompleted)"),
            ("optimizer_step", "\(optimizer.step)"),
            ("learning_rate", "\(optimizer.learningRate)"),
            ("shuffle_state", progress.shuffleGenerator.state.map { String($0) }.joined(separator: ",")),
            ("history", history.compactText),
            ("configuration_hash", configurationHash),
            ("generators", JSONValue.object(progress.generators.keys.sorted().map { name in
                (name, .string(progress.generators[name]!.fullState.map { String($0) }.joined(separator: ",")))
            }).compactText),
            ("callbacks", JSONValue.object(progress.callbackStates.keys.sorted().map { name in
                let numbers = progress.callbackStates[name]!.numbers
                // Bit patterns: exact, and NaN or an infinity (a best value before any epoch) survive JSON.
                return (name, .object(numbers.keys.sorted().map { ($0, .string(String(numbers[$0]!.bitPattern))) }))
            }).compactText),
        ] + Checkpoint.positionMetadata(progress.epochPosition) + [
            ("checksum", String(Checkpoint.checksum(file))),
        ]
        return file.serialized()
    }

    /// A logged value as written to JSON: a number, or null for NaN or an infinity (JSON has neither); they come
    /// back as NaN, which is what a diverged run's logs hold.
    static func logged(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let x): return x
        case .null: return .nan
        default: return nil
        }
    }

    /// CRC-32 of every entry's bytes, in name order.
    static func checksum(_ file: Safetensors) -> UInt32 {
        var crc: UInt = crc32(0, nil, 0)
        for name in file.entries.keys.sorted() {
            let bytes = file.entries[name]!.bytes
            crc = bytes.withUnsafeBufferPointer { CZlib.crc32(crc, $0.baseAddress, UInt32($0.count)) }
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// The mid-epoch position as metadata (nothing at an epoch boundary).
    static func positionMetadata(_ p: Trainer.EpochPosition?) -> [(key: String, value: String)] {
        guard let p else { return [] }
        let sums = JSONValue.object(p.sums.keys.sorted().map { ($0, JSONValue.number(p.sums[$0]!)) }).compactText
        return [
            ("batches_completed", "\(p.batchesCompleted)"),
            ("epoch_shuffle_state", p.generatorBeforeShuffle.state.map { String($0) }.joined(separator: ",")),
            ("epoch_sums", sums),
            ("epoch_examples_seen", "\(p.examplesSeen)"),
            ("epoch_penalty_sum", "\(p.penaltySum.bitPattern)"),
            ("epoch_learning_rate", "\(p.learningRate.bitPattern)"),
        ]
    }

    static func position(_ meta: [(key: String, value: String)], source: String) throws(DataError) -> Trainer.EpochPosition? {
        func v(_ k: String) -> String? { meta.first { $0.key == k }?.value }
        guard let batches = v("batches_completed") else { return nil }
        guard let b = Int(batches), let state = v("epoch_shuffle_state"),
              let rng = RandomGenerator(state: state.split(separator: ",").compactMap { UInt64($0) }),
              let seen = v("epoch_examples_seen").flatMap({ Int($0) }),
              let penalty = v("epoch_penalty_sum").flatMap({ UInt64($0) }), let lr = v("epoch_learning_rate").flatMap({ UInt64($0) }),
              let sumsText = v("epoch_sums"), case .object(let members)? = try? JSONParser.parse(Array(sumsText.utf8)) else {
            throw DataError(file: source, "checkpoint's epoch position is malformed")
        }
        var sums: Logs = [:]
        for (k, value) in members { if let x = Checkpoint.logged(value) { sums[k] = x } }
        return Trainer.EpochPosition(batchesCompleted: b, generatorBeforeShuffle: rng, sums: sums, examplesSeen: seen,
                                     penaltySum: Double(bitPattern: penalty), learningRate: Double(bitPattern: lr))
    }

    public init(bytes: [UInt8], source: String) throws(DataError) {
        let file = try Safetensors(bytes: bytes, source: source)
        func meta(_ key: String) throws(DataError) -> String {
            guard let v = file.metadata.first(where: { $0.key == key })?.value else {
                throw DataError(file: source, "not a NeuralKit checkpoint: metadata '\(key)' is missing")
            }
            return v
        }
        guard try meta("format") == "neuralkit-checkpoint-1" else { throw DataError(file: source, "unknown checkpoint format") }
        guard let stored = UInt32(try meta("checksum")), stored == Checkpoint.checksum(file) else {
            throw DataError(file: source, "checksum mismatch: the checkpoint is damaged")
        }
        guard let epochs = Int(try meta("epochs_completed")), let step = Int(try meta("optimizer_step")),
              let lr = Double(try meta("learning_rate")),
              let rng = RandomGenerator(state: try meta("shuffle_state").split(separator: ",").compactMap { UInt64($0) }) else {
            throw DataError(file: source, "checkpoint metadata is malformed")
        }
        var history = History()
        do {
            let h = try JSONParser.parse(Array(try meta("history").utf8))
            guard case .array(let eps)? = h["epochs"], case .object(let values)? = h["values"] else { throw JSONParseError(offset: 0, message: "shape") }
            for (i, e) in eps.enumerated() {
                guard case .number(let number) = e, let epoch = Int(exactly: number) else {
                    throw JSONParseError(offset: 0, message: "epoch")
                }
                var logs: Logs = [:]
                for (k, v) in values { if case .array(let xs) = v, i < xs.count, let x = Checkpoint.logged(xs[i]) { logs[k] = x } }
                history.append(epoch: epoch, logs: logs)
            }
        } catch { throw DataError(file: source, "checkpoint history is malformed") }
        // Generators and callback states: absent from checkpoints written before they were kept.
        var generators: [String: RandomGenerator] = [:]
        var callbackStates: [String: CallbackState] = [:]
        do {
            if let text = file.metadata.first(where: { $0.key == "generators" })?.value {
                guard case .object(let members) = try JSONParser.parse(Array(text.utf8)) else { throw JSONParseError(offset: 0, message: "shape") }
                for (name, value) in members {
                    guard case .string(let words) = value,
                          let g = RandomGenerator(fullState: words.split(separator: ",").compactMap { UInt64($0) }) else {
                        throw JSONParseError(offset: 0, message: "generator")
                    }
                    generators[name] = g
                }
            }
            if let text = file.metadata.first(where: { $0.key == "callbacks" })?.value {
                guard case .object(let members) = try JSONParser.parse(Array(text.utf8)) else { throw JSONParseError(offset: 0, message: "shape") }
                for (name, value) in members {
                    guard case .object(let numbers) = value else { throw JSONParseError(offset: 0, message: "callback") }
                    var state = CallbackState()
                    for (key, number) in numbers {
                        guard case .string(let bits) = number, let b = UInt64(bits) else { throw JSONParseError(offset: 0, message: "number") }
                        state.numbers[key] = Double(bitPattern: b)
                    }
                    callbackStates[name] = state
                }
            }
        } catch { throw DataError(file: source, "checkpoint's generator or callback state is malformed") }
        var weights: [String: Tensor] = [:]
        var slots: [String: [Int: Tensor]] = [:]
        for name in file.entries.keys {
            let t = try file.tensor(named: name)
            if name.hasPrefix("model/") {
                weights[String(name.dropFirst(6))] = t
            } else if name.hasPrefix("callback/"), let slash = name.dropFirst(9).firstIndex(of: "/"),
                      callbackStates[String(name[name.index(name.startIndex, offsetBy: 9)..<slash])] != nil {
                callbackStates[String(name[name.index(name.startIndex, offsetBy: 9)..<slash])]!.tensors[String(name[name.index(after: slash)...])] = t
            } else if name.hasPrefix("optimizer/"), let slash = name.lastIndex(of: "/"), let i = Int(name[name.index(after: slash)...]) {
                slots[String(name[name.index(name.startIndex, offsetBy: 10)..<slash]), default: [:]][i] = t
            }
        }
        self.weights = weights
        optimizer = OptimizerState(step: step, learningRate: lr,
                                   slots: slots.mapValues { d in d.keys.sorted().map { d[$0]! } })
        progress = Trainer.Progress(epochsCompleted: epochs, epochPosition: try Checkpoint.position(file.metadata, source: source),
                                    history: history, shuffleGenerator: rng, generators: generators, callbackStates: callbackStates)
        configurationHash = try meta("configuration_hash")
    }
}

/// Checkpoints in a directory: `latest.ckpt.safetensors` and the one before it, `previous.ckpt.safetensors`.
/// Saving writes the new checkpoint to a temporary file first (flushed to disk), then makes the current latest the
/// previous one (a hard link renamed over it, so latest never goes missing), then renames the new file over latest.
/// A kill at any moment leaves `latest` as the newest complete checkpoint; loading falls back to previous when
/// latest is damaged, and says so.
public struct CheckpointStore: Sendable {
    public let directory: String
    public var latestPath: String { directory + "/latest.ckpt.safetensors" }
    public var previousPath: String { directory + "/previous.ckpt.safetensors" }

    public init(directory: String) { self.directory = directory }

    public func save(_ checkpoint: Checkpoint) throws(DataError) {
        try save(checkpoint, beforeReplacingLatest: {})
    }

    /// ``save(_:)`` with a hook called once the new checkpoint is on disk and the old latest is already the previous
    /// one, just before the new one becomes latest (tests stop there, as a kill would).
    func save(_ checkpoint: Checkpoint, beforeReplacingLatest: () throws(DataError) -> Void) throws(DataError) {
        let temporary = try AtomicFile.writeTemporary(checkpoint.serialized(), for: latestPath)
        do throws(DataError) {
            if access(latestPath, F_OK) == 0 { try keepAsPrevious() }
            try beforeReplacingLatest()
            guard rename(temporary, latestPath) == 0 else {
                throw DataError(file: latestPath, "cannot rename into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temporary)
            throw error
        }
        AtomicFile.syncDirectory(of: latestPath)
    }

    /// Makes the current latest checkpoint the previous one while latest stays in place: a second name for it,
    /// renamed over previous.
    private func keepAsPrevious() throws(DataError) {
        let link = previousPath + AtomicFile.temporaryMarker + "\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        guard Glibc.link(latestPath, link) == 0 else {
            throw DataError(file: latestPath, "cannot keep the previous checkpoint: \(String(cString: strerror(errno)))")
        }
        guard rename(link, previousPath) == 0 else {
            let problem = String(cString: strerror(errno))
            unlink(link)
            throw DataError(file: previousPath, "cannot keep the previous checkpoint: \(problem)")
        }
    }

    /// The newest loadable checkpoint, and a note when it had to fall back to the previous one.
    public func loadLatest() throws(DataError) -> (checkpoint: Checkpoint, note: String?) {
        var problem: String
        do {
            return (try Checkpoint(bytes: AtomicFile.read(latestPath), source: latestPath), nil)
        } catch {
            problem = error.description
        }
        do {
            let c = try Checkpoint(bytes: AtomicFile.read(previousPath), source: previousPath)
            return (c, "latest checkpoint unusable (\(problem)); resumed from the previous one")
        } catch {
            throw DataError(file: directory, "no loadable checkpoint: \(problem); \(error.description)")
        }
    }
}
