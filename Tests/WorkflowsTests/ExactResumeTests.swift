import Foundation
import Testing
import NeuralKit
import _TestSupport

/// `neuralkit train` killed with SIGKILL part-way and continued with `--resume` ends bitwise where an uninterrupted
/// run ends, for every kind of run: the checkpoint keeps the dropout and augmentation generators and the callbacks'
/// states besides the weights, the optimizer and the shuffle.
@Suite(.serialized) struct ExactResumeTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let arguments: [String]
        let epochs: Int
        /// The line after which the first run is killed.
        let killAfter: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "mlp", arguments: ["--model", "mlp", "--batch-size", "32"], epochs: 6, killAfter: "Epoch 3/6"),
        Case(name: "cnn-strong with --augment flip (dropout, batch norm, augmentation)",
             arguments: ["--model", "cnn-strong", "--augment", "flip,translate=1", "--batch-size", "64"], epochs: 4,
             killAfter: "Epoch 2/4"),
        // A learning rate this high makes the validation loss turn up early: its best is epoch 4, and it stops after
        // epoch 7. The kill comes after epoch 6, while the callback waits.
        Case(name: "--early-stopping 2", arguments: ["--model", "mlp", "--early-stopping", "2", "--learning-rate", "0.02",
                                                     "--batch-size", "16"], epochs: 12, killAfter: "Epoch 6/12"),
        Case(name: "--schedule cosine", arguments: ["--model", "mlp", "--schedule", "cosine", "--batch-size", "32"], epochs: 6,
             killAfter: "Epoch 3/6"),
        // Checkpoints every 7 batches: the kill lands inside an epoch, and the run resumes there.
        Case(name: "--checkpoint-every 7", arguments: ["--model", "mlp", "--checkpoint-every", "7", "--batch-size", "16"], epochs: 4,
             killAfter: "Epoch 2/4"),
        // A sequence preset: the fused LSTM over the airline windows.
        Case(name: "airline (lstm-forecaster)", arguments: ["--dataset", "airline", "--batch-size", "16"], epochs: 6, killAfter: "Epoch 3/6"),
    ]

    @Test(arguments: cases)
    func killedAndResumedEqualsStraight(_ c: Case) throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let dataset = c.arguments.contains("--dataset") ? [] : ["--dataset", "digits"]
        let common = ["train"] + dataset + ["--epochs", "\(c.epochs)"] + c.arguments
        let straight = try CommandLineTool.run(common + ["--output", tmp.file("straight")])
        #expect(straight.status == 0, "\(straight.stderr)")

        let interrupted = try CommandLineTool.runKilled(common + ["--output", tmp.file("resumed")], whenOutputContains: c.killAfter)
        #expect(interrupted.killed, "the first run was not killed: \(interrupted.stdout)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("resumed/final.safetensors")))
        let checkpoint = try CheckpointStore(directory: tmp.file("resumed")).loadLatest().checkpoint
        let done = checkpoint.progress.epochsCompleted
        #expect(done >= 1 && done < c.epochs)
        let resumed = try CommandLineTool.run(common + ["--output", tmp.file("resumed"), "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        // Epochs are counted against the whole run, as Keras's initial_epoch does.
        let firstEpochLine = resumed.stdout.split(separator: "\n").first { $0.hasPrefix("Epoch ") }
        #expect(firstEpochLine?.hasPrefix("Epoch \(done + 1)/\(c.epochs) ") == true, "\(resumed.stdout)")

        let a = try Data(contentsOf: URL(fileURLWithPath: tmp.file("straight/final.safetensors")))
        let b = try Data(contentsOf: URL(fileURLWithPath: tmp.file("resumed/final.safetensors")))
        let identical = a == b   // compared outside #expect, which would diff hundreds of kilobytes on a failure
        #expect(identical, "final.safetensors differ after resuming from epoch \(done) (\(checkpoint.progress.epochPosition.map { "batch \($0.batchesCompleted)" } ?? "epoch end"))")
        let historyA = try String(contentsOfFile: tmp.file("straight/history.csv"), encoding: .utf8)
        let historyB = try String(contentsOfFile: tmp.file("resumed/history.csv"), encoding: .utf8)
        let withoutSeconds = { (text: String) in
            let rows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            guard let column = rows.first?.firstIndex(of: "seconds") else { return rows.map { $0.map(String.init) } }
            return rows.map { row in row.enumerated().filter { $0.offset != column }.map { String($0.element) } }
        }
        let sameHistory = withoutSeconds(historyA) == withoutSeconds(historyB)
        #expect(sameHistory, "history.csv differs:\n\(historyA)\n\(historyB)")
        if c.name.hasPrefix("--early-stopping") {
            // The case covers a stop: fewer epochs than asked, and the resumed run stops at the same one.
            #expect(withoutSeconds(historyA).count - 1 < c.epochs, "early stopping never stopped: \(historyA)")
        }
    }

    /// Two runs given one output directory: the second stops at once, naming the first's process, and changes nothing.
    @Test func aSecondRunInTheSameDirectoryIsRefused() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let out = tmp.file("run")
        let first = try CommandLineTool.run(["train", "--dataset", "iris", "--epochs", "2", "--output", out])
        #expect(first.status == 0, "\(first.stderr)")
        let lock = try DirectoryLock(directory: out)   // as a running `train` holds it
        defer { lock.release() }
        let before = try snapshot(out)
        for extra in [[], ["--resume", "--epochs", "4"]] {
            let second = try CommandLineTool.run(["train", "--dataset", "iris", "--epochs", "2", "--output", out] + extra)
            #expect(second.status != 0)
            #expect(second.stderr.contains("\(out): run is already in use by process \(getpid())"), "\(second.stderr)")
            let unchanged = try snapshot(out) == before
            #expect(unchanged, "the refused run changed the directory")
        }
        lock.release()
        let third = try CommandLineTool.run(["train", "--dataset", "iris", "--epochs", "4", "--output", out, "--resume"])
        #expect(third.status == 0, "\(third.stderr)")
    }

    @Test func aLockIsExclusiveAndReleased() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let lock = try DirectoryLock(directory: tmp.path)
        let error = #expect(throws: DataError.self) { try DirectoryLock(directory: tmp.path) }
        #expect(error?.description.contains("run is already in use by process \(getpid())") == true)
        lock.release()
        let again = try DirectoryLock(directory: tmp.path)
        again.release()
    }

    /// A kill while a checkpoint is saved never leaves the directory without `latest` and never needs the fallback:
    /// the new file is complete on disk before the old latest becomes previous.
    @Test func killsWhileCheckpointingLeaveACompleteLatest() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        var rng = RandomGenerator(seed: 7)
        for round in 0..<20 {
            let dir = tmp.file("run\(round)")
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CommandLineTool.executable)
            p.arguments = ["train", "--dataset", "iris", "--epochs", "100000", "--batch-size", "8", "--output", dir]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let store = CheckpointStore(directory: dir)
            var waited = 0
            while !FileManager.default.fileExists(atPath: store.previousPath) && waited < 400 {
                usleep(10_000)
                waited += 1
            }
            usleep(UInt32(rng.nextUniform() * 100_000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            #expect(FileManager.default.fileExists(atPath: store.latestPath), "round \(round): no latest checkpoint")
            let (checkpoint, note) = try store.loadLatest()
            #expect(note == nil, "round \(round): \(note ?? "")")
            #expect(checkpoint.progress.epochsCompleted >= 2, "round \(round)")
            // The next run in the folder removes what the kill left half-written.
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
            if !leftovers.isEmpty {
                let resumed = try CommandLineTool.run(["train", "--dataset", "iris", "--epochs", "1", "--batch-size", "8",
                                                       "--output", dir, "--resume"])
                #expect(resumed.stdout.contains("Removed \(leftovers.count) temporary file"), "\(resumed.stdout)")
                #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") } == [])
            }
        }
    }

    func snapshot(_ directory: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return out
    }
}

/// Callback states and generators through a checkpoint, in process: ReduceLROnPlateau (not a CLI option) and a
/// LearningRateScheduler go on where they were.
@Suite struct CallbackStateTests {
    func trainer(_ callbacks: inout [Callback]) throws -> (Trainer, Dataset) {
        let (train, _) = try BuiltinDatasets.trainTest("digits", seed: 2)
        RandomSeeds.reset(to: 5)
        let model = Sequential([Dense(inputSize: 64, outputSize: 32, activation: .relu), Dropout(rate: 0.3),
                                Dense(inputSize: 32, outputSize: 10)])
        callbacks = [ReduceLROnPlateau(monitor: "loss", factor: 0.5, patience: 1, minDelta: 0.05, cooldown: 1),
                     LearningRateScheduler(.exponential(factor: 0.9))]
        return (Trainer(model: model, loss: .softmaxCrossEntropy(), optimizer: Optimizer(SGD(learningRate: 0.2)), seed: 7), train)
    }

    @Test func plateauAndSchedulerResumeExactly() throws {
        var callbacks: [Callback] = []
        let (straight, data) = try trainer(&callbacks)
        try straight.fit(x: data.features, y: data.targets, batchSize: 64, epochs: 8, callbacks: callbacks)
        #expect(Set(straight.history["lr"]).count > 4, "the rate never changed: \(straight.history["lr"])")

        let (first, _) = try trainer(&callbacks)
        try first.fit(x: data.features, y: data.targets, batchSize: 64, epochs: 4, callbacks: callbacks)
        let saved = try Checkpoint(bytes: Checkpoint(trainer: first, configurationHash: "h").serialized(), source: "mem")
        #expect(Set(saved.progress.callbackStates.keys) == ["reduce_lr_on_plateau", "learning_rate_scheduler"])
        #expect(saved.progress.generators.keys.sorted() == ["model.layers.1"])
        let (resumed, _) = try trainer(&callbacks)
        try saved.restore(into: resumed)
        try resumed.fit(x: data.features, y: data.targets, batchSize: 64, epochs: 4, callbacks: callbacks)
        #expect(resumed.history["lr"] == straight.history["lr"])
        #expect(resumed.history["loss"] == straight.history["loss"])
        for (name, value) in straight.model.stateDict() {
            let same = resumed.model.stateDict()[name]?.values.map(\.bitPattern) == value.values.map(\.bitPattern)
            #expect(same, "\(name)")
        }
    }

    /// A generator that has drawn one normal of a pair keeps the other through a checkpoint.
    @Test func aKeptNormalDrawSurvives() throws {
        var g = RandomGenerator(seed: 11)
        _ = g.nextNormal()
        var copy = try #require(RandomGenerator(fullState: g.fullState))
        #expect(g.fullState.count == 5)
        #expect(copy.nextNormal() == g.nextNormal() && copy.nextNormal() == g.nextNormal())
        #expect(RandomGenerator(fullState: [1, 2, 3]) == nil)
    }
}
