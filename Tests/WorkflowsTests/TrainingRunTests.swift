import Foundation
import Testing
import NeuralKit
import _TestSupport

@Suite(.serialized) struct TrainingRunTests {
    func config(_ dir: String, epochs: Int) -> RunConfiguration {
        var c = RunConfiguration()
        c.data = .builtin("digits")
        c.epochs = epochs
        c.batchSize = 64
        c.seed = 3
        c.outputDirectory = dir
        c.verbose = false
        return c
    }

    /// 4 epochs straight equals 2 epochs, a stop, and 2 more after --resume: bitwise in weights, same History.
    @Test func resumingContinuesExactly() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        _ = try TrainingRun.run(config(tmp.file("straight"), epochs: 4), log: { _ in })
        _ = try TrainingRun.run(config(tmp.file("resumed"), epochs: 2), log: { _ in })
        var again = config(tmp.file("resumed"), epochs: 4)
        again.resume = true
        _ = try TrainingRun.run(again, log: { _ in })
        let a = try Safetensors(contentsOf: tmp.file("straight/final.safetensors"))
        let b = try Safetensors(contentsOf: tmp.file("resumed/final.safetensors"))
        // Compared as a Bool plus the first differing byte: a failing == on two large arrays makes the test library
        // compute a diff that runs for minutes.
        let (straight, resumed) = (a.serialized(), b.serialized())
        let firstDifference = zip(straight, resumed).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(straight == resumed, "first difference at byte \(firstDifference.map(String.init) ?? "none"), sizes \(straight.count) / \(resumed.count)")
        let ha = try String(contentsOfFile: tmp.file("straight/history.csv"), encoding: .utf8)
        let hb = try String(contentsOfFile: tmp.file("resumed/history.csv"), encoding: .utf8)
        let dropSeconds = { (s: String) in s.split(separator: "\n").map { $0.split(separator: ",").enumerated().filter { $0.offset != 4 }.map(\.element) } }
        #expect(ha.split(separator: "\n").first == "epoch,loss,accuracy,lr,seconds,val_accuracy,val_loss")
        #expect(dropSeconds(ha) == dropSeconds(hb))
    }

    /// --resume with --epochs at or below the epochs done trains nothing (Keras's initial_epoch ≥ epochs), says so,
    /// and writes the final files from the checkpoint: here one deleted as by a crash before the run could write it.
    @Test func resumingWithNoEpochsLeftTrainsNothing() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        _ = try TrainingRun.run(config(tmp.file("run"), epochs: 3), log: { _ in })
        let trained = try Safetensors(contentsOf: tmp.file("run/final.safetensors")).serialized()
        try FileManager.default.removeItem(atPath: tmp.file("run/final.safetensors"))
        for epochs in [3, 1] {
            var again = config(tmp.file("run"), epochs: epochs)
            again.resume = true
            var lines: [String] = []
            let summary = try TrainingRun.run(again, log: { lines.append($0) })
            #expect(summary.epochs == 3)
            #expect(summary.note?.contains("already holds 3 epochs, so --epochs \(epochs) leaves nothing to train") == true,
                    "\(summary.note ?? "no note")")
            #expect(!lines.contains { $0.hasPrefix("Resuming after") }, "\(lines)")
            #expect(try Safetensors(contentsOf: tmp.file("run/final.safetensors")).serialized() == trained)
            let history = try String(contentsOfFile: tmp.file("run/history.csv"), encoding: .utf8)
            #expect(history.split(separator: "\n").count == 4, "\(history)")   // the header and epochs 1–3
        }
    }

    /// A regression preset's output bias starts at the mean of the targets fit trains on (the validation split
    /// excluded); classifiers' at 0. On the diabetes data the mlp preset then reaches a test MAE below 50 in 30
    /// epochs (44.6; 58.6 with the bias started at 0, while the targets' mean is ≈ 152).
    @Test func regressionPresetsStartAtTheTargetsMean() throws {
        let (train, _) = try BuiltinDatasets.trainTest("diabetes")
        let spec = train.presetSpec(hidden: [], optimizer: Adam(), validationSplit: 0.1)
        let trained = train.count - Int((Double(train.count) * 0.1).rounded())
        let mean = train.targets.values.prefix(trained).reduce(0, +) / Double(trained)
        guard let dense = spec.layers.last?.configuration as? Dense.Configuration, case .constant(let value) = dense.biasInitializer else {
            Issue.record("no constant bias: \(spec.json)"); return
        }
        #expect(Swift.abs(value - mean) < 1e-4 * mean && mean > 100)
        let (digits, _) = try BuiltinDatasets.trainTest("digits")
        guard let zero = (digits.presetSpec(hidden: [], optimizer: Adam()).layers.last?.configuration as? Dense.Configuration)?.biasInitializer else {
            Issue.record("the digits preset does not end in a dense layer"); return
        }
        #expect(zero == .zeros)

        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        var c = config(tmp.file("diabetes"), epochs: 30)
        c.data = .builtin("diabetes")
        c.batchSize = 128
        c.seed = 0
        let summary = try TrainingRun.run(c, log: { _ in })
        #expect(try #require(summary.testMAE) < 50)
    }

    /// The convolutional presets standardize each channel inside the model: a normalization layer adapted to the
    /// images `fit` trains on (the validation split excluded), saved with the weights, and used again by a loaded
    /// model. (`cnn` itself needs images of 10×10 or more; the built-in digits are 8×8.)
    @Test func convolutionalPresetsStandardizeWithTheTrainingImages() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let preset = "cnn-strong"
        var c = config(tmp.file(preset), epochs: 1)
        c.model = .preset(preset)
        let summary = try TrainingRun.run(c, log: { _ in })
        let trained = try TrainedModel(directory: tmp.file(preset))
        #expect(trained.spec.layers.prefix(2) == [.reshape([8, 8, 1]), .normalization])
        let (train, test, scaler) = try TrainingRun.loadData(c)
        #expect(scaler == nil)
        let rows = train.count - Int((Double(train.count) * c.validationSplit).rounded())
        let pixels = Array(train.features.values.prefix(rows * 64))
        let mean = pixels.reduce(0, +) / Double(pixels.count)
        let variance = pixels.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(pixels.count)
        let weights = try Safetensors(contentsOf: tmp.file(preset + "/final.safetensors"))
        expectClose(try weights.tensor(named: "layers.1.mean"), [mean], relative: 1e-5)
        expectClose(try weights.tensor(named: "layers.1.variance"), [variance], relative: 1e-5)
        #expect(mean > 0.2 && variance > 0.05)   // pixels in [0, 1], not already standardized
        let predicted: [Double] = trained.predict(test.features).argmax(alongAxis: 1).values
        let labels: [Double] = test.targets.values
        let correct = zip(predicted, labels).filter { p, y in p == y }.count
        let accuracy = Double(correct) / Double(test.count)
        #expect(Swift.abs(accuracy - (summary.testAccuracy ?? -1)) < 1e-9)
    }

    /// A single output predicts class 1 above the threshold (0 for logits, 0.5 for probabilities); wider outputs by argmax.
    @Test func confusionMatrixReadsSingleOutputsByThreshold() {
        let single = Tensor(rows: [[-1], [2], [0.3]]), labels = Tensor([0, 1, 0])
        #expect(TrainingRun.confusionMatrix(single, labels, classes: 2, threshold: 0) == [[1, 1], [0, 1]])
        #expect(TrainingRun.confusionMatrix(single, labels, classes: 2, threshold: 0.5) == [[2, 0], [0, 1]])
        #expect(TrainingRun.confusionMatrix(Tensor(rows: [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), labels, classes: 2) == [[1, 1], [0, 1]])
    }

    /// A binary model with one logit output, from a model file without metrics: the confusion matrix uses the logit's
    /// sign, and the run reports the accuracy it implies (the same as the binary-accuracy metric gives).
    @Test func binaryModelWithOneOutputReportsItsConfusionMatrixAndAccuracy() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        var accuracies: [Double] = []
        for metrics in [#"[{"type": "binaryAccuracy", "threshold": 0}]"#, "[]"] {
            let spec = #"{"input": [2], "layers": [{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "dense", "units": 1}], "#
                + #""loss": "binaryCrossEntropyWithLogits", "optimizer": {"type": "adam", "learningRate": 0.05}, "metrics": "# + metrics + "}"
            try AtomicFile.write(spec, to: tmp.file("binary.json"))
            var c = config(tmp.file("run\(accuracies.count)"), epochs: 5)
            c.data = .builtin("circle")
            c.model = .specFile(tmp.file("binary.json"))
            let summary = try TrainingRun.run(c, log: { _ in })
            let m = try #require(summary.confusionMatrix)
            #expect(m[0][1] + m[1][1] > 0 && m[0][0] + m[1][0] > 0, "both classes predicted: \(m)")
            let accuracy = try #require(summary.testAccuracy)
            #expect(accuracy > 0.75, "\(m)")
            #expect(Swift.abs(accuracy - Double(m[0][0] + m[1][1]) / Double(m.joined().reduce(0, +))) < 1e-9, "\(m)")
            accuracies.append(accuracy)
            // `neuralkit evaluate` on the saved run reports the same accuracy.
            let trained = try TrainedModel(directory: c.outputDirectory)
            let (_, test, _) = try TrainingRun.loadData(c, standardize: false)
            let results = try trained.trainer(accuracy: true).evaluate(x: trained.scaler?.apply(test.features) ?? test.features, y: test.targets)
            #expect(results["accuracy"] == accuracy)
        }
        #expect(accuracies[0] == accuracies[1])
    }

    @Test func resumeFallsBackToThePreviousCheckpointWhenTheLatestIsDamaged() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        _ = try TrainingRun.run(config(tmp.path, epochs: 2), log: { _ in })
        let store = CheckpointStore(directory: tmp.path)
        var bytes = try AtomicFile.read(store.latestPath)
        bytes[bytes.count - 3] ^= 0xFF   // flip a weight byte: the checksum no longer matches
        try AtomicFile.write(bytes, to: store.latestPath)
        let (checkpoint, note) = try store.loadLatest()
        #expect(checkpoint.progress.epochsCompleted == 1)
        #expect(note?.contains("checksum mismatch") == true)
        // truncated latest: same fallback
        try AtomicFile.write(Array(bytes.prefix(100)), to: store.latestPath)
        #expect(try store.loadLatest().note?.contains("resumed from the previous one") == true)
    }

    @Test func checkpointRoundTripsEverything() throws {
        let model = Sequential([Dense(inputSize: 2, outputSize: 3, seed: 1), Dense(inputSize: 3, outputSize: 1, seed: 2)])
        let trainer = Trainer(model: model, loss: .meanSquaredError(), optimizer: Optimizer(Adam(learningRate: 0.01)), seed: 9)
        try trainer.fit(x: Tensor(rows: [[1, 2], [3, 4], [5, 6]]), y: Tensor(rows: [[1], [2], [3]]), batchSize: 2, epochs: 3)
        let c = Checkpoint(trainer: trainer, configurationHash: "abc")
        let back = try Checkpoint(bytes: c.serialized(), source: "mem")
        #expect(back.weights.keys.sorted() == c.weights.keys.sorted())
        #expect(back.weights.allSatisfy { $0.value == c.weights[$0.key] })
        #expect(back.optimizer.step == 6 && back.optimizer.slots.count == 4)
        #expect(back.progress.history == trainer.history)
        #expect(back.progress.shuffleGenerator == trainer.shuffleGenerator)
        #expect(back.configurationHash == "abc")
    }

    /// Batch normalization's running statistics after few steps at a high momentum: the run says so.
    @Test(arguments: [(0.99, true), (0.5, false)])
    func fewBatchNormUpdatesAreReported(momentum: Double, warned: Bool) throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let spec = try tmp.write(#"{"input": [4], "layers": [{"type": "dense", "units": 8}, {"type": "batchNorm", "momentum": \#(momentum)}, "#
                                 + #"{"type": "dense", "units": 3}], "loss": "softmaxCrossEntropy"}"#, to: "spec.json")
        var c = config(tmp.file("run"), epochs: 3)
        c.data = .builtin("iris")
        c.model = .specFile(spec)
        var lines: [String] = []
        _ = try TrainingRun.run(c, log: { lines.append($0) })
        // 108 training examples in batches of 64: 2 steps an epoch, 6 in all. 0.99⁶ = 0.94; 0.5⁶ = 0.016.
        let warning = lines.first { $0.hasPrefix("warning:") }
        #expect((warning != nil) == warned, "\(lines)")
        if warned { #expect(warning?.contains("after 6 training steps") == true && warning?.contains("still hold 94%") == true) }
        #expect(TrainingRun.batchNormWarning(Sequential([Dense(inputSize: 2, outputSize: 2)]), steps: 1) == nil)
    }

    /// A diverged run's NaN and infinite losses survive a checkpoint (JSON writes them as null; they read back NaN).
    @Test func checkpointKeepsADivergedHistory() throws {
        let trainer = Trainer(model: Sequential([Dense(inputSize: 2, outputSize: 1, seed: 1)]), loss: .meanSquaredError(),
                              optimizer: Optimizer(SGD(learningRate: 1e30)))
        try trainer.fit(x: Tensor(rows: [[1, 2], [3, 4]]), y: Tensor(rows: [[1], [2]]), batchSize: 1, epochs: 3)
        let losses = trainer.history["loss"]
        #expect(losses.contains { !$0.isFinite }, "did not diverge: \(losses)")
        let back = try Checkpoint(bytes: Checkpoint(trainer: trainer, configurationHash: "abc").serialized(), source: "mem")
        let restored = back.progress.history["loss"]
        #expect(restored.count == losses.count)
        #expect(zip(restored, losses).allSatisfy { $0 == $1 || (!$0.isFinite && !$1.isFinite) }, "\(restored) vs \(losses)")
    }

    /// A run whose loss overflows stops in that batch and says why, in the log and the summary; its outputs are
    /// still written.
    @Test func aDivergingRunStopsAndSaysSo() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        var c = config(tmp.file("run"), epochs: 20)
        c.data = .builtin("diabetes")
        c.optimizer = SGD()
        c.learningRate = 100
        var lines: [String] = []
        let summary = try TrainingRun.run(c, log: { lines.append($0) })
        #expect(summary.epochs < 20, "did not stop: \(summary.epochs) epochs")
        #expect(lines.contains { $0.hasPrefix("Stopped in epoch \(summary.epochs), batch ") && $0.contains("training diverged") }, "\(lines)")
        #expect(summary.note?.contains("the loss became NaN or infinite") == true)
        #expect(summary.json.contains(#""test_loss":null"#) && summary.json.contains(#""note":"Stopped in epoch"#), "\(summary.json)")
        #expect(FileManager.default.fileExists(atPath: tmp.file("run/final.safetensors")))
    }

    /// The checksum covers the tensors; edited metadata is checked field by field, without trapping.
    @Test(arguments: [#"{"epochs":[1e300],"values":{}}"#, #"{"epochs":[0.5],"values":{}}"#, #"{"epochs":["one"],"values":{}}"#])
    func checkpointWithEditedHistoryIsReported(history: String) throws {
        let trainer = Trainer(model: Sequential([Dense(inputSize: 2, outputSize: 1, seed: 1)]), loss: .meanSquaredError(),
                              optimizer: Optimizer(SGD(learningRate: 0.1)))
        try trainer.fit(x: Tensor(rows: [[1, 2], [3, 4]]), y: Tensor(rows: [[1], [2]]), batchSize: 2, epochs: 1)
        var file = try Safetensors(bytes: Checkpoint(trainer: trainer, configurationHash: "abc").serialized(), source: "mem")
        file.metadata = file.metadata.map { $0.key == "history" ? ($0.key, history) : $0 }
        let error = #expect(throws: DataError.self) { try Checkpoint(bytes: file.serialized(), source: "edited") }
        #expect(error?.description == "edited: checkpoint history is malformed")
    }
}

struct SimulatedCrash: Error {}

/// Throws at a given batch of a given epoch, like a crash after the checkpoint before it.
final class CrashAt: Callback {
    let epoch: Int, batch: Int
    var currentEpoch = 0
    init(epoch: Int, batch: Int) { self.epoch = epoch; self.batch = batch }
    func onEpochBegin(_ trainer: Trainer, epoch: Int, logs: Logs) { currentEpoch = epoch }
    func onBatchEnd(_ trainer: Trainer, batch: Int, logs: Logs) throws {
        if currentEpoch == epoch && batch == self.batch { throw SimulatedCrash() }
    }
}

@Suite struct MidEpochResumeTests {
    func trainer() throws -> (Trainer, Dataset) {
        let (train, _) = try BuiltinDatasets.trainTest("digits", seed: 2)
        RandomSeeds.reset(to: 5)
        let model = Sequential([Dense(inputSize: 64, outputSize: 32, activation: .relu), Dense(inputSize: 32, outputSize: 10)])
        return (Trainer(model: model, loss: .softmaxCrossEntropy(), optimizer: Optimizer(Adam(learningRate: 0.01)),
                        metrics: [.accuracy], seed: 7), train)
    }

    /// A crash in the middle of an epoch, resumed from the checkpoint taken 2 batches earlier, ends bitwise where an
    /// uninterrupted run does.
    @Test func resumingMidEpochIsExact() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let (straight, data) = try trainer()
        try straight.fit(x: data.features, y: data.targets, batchSize: 50, epochs: 3)

        let store = CheckpointStore(directory: tmp.path)
        let (first, _) = try trainer()
        #expect(throws: SimulatedCrash.self) {
            try first.fit(x: data.features, y: data.targets, batchSize: 50, epochs: 3,
                          callbacks: [CheckpointSaver(store: store, hash: "h", everyBatches: 5), CrashAt(epoch: 1, batch: 11)])
        }
        let (checkpoint, _) = try store.loadLatest()
        #expect(checkpoint.progress.epochsCompleted == 1 && checkpoint.progress.epochPosition?.batchesCompleted == 10)
        let (resumed, _) = try trainer()
        try checkpoint.restore(into: resumed)
        try resumed.fit(x: data.features, y: data.targets, batchSize: 50, epochs: 2)
        for (name, value) in straight.model.stateDict() {
            #expect(resumed.model.stateDict()[name]?.values.map(\.bitPattern) == value.values.map(\.bitPattern), "\(name)")
        }
        for key in ["loss", "accuracy", "lr"] { #expect(resumed.history[key] == straight.history[key], "\(key)") }
    }
}

/// README's figures that take seconds, from the exact commands README gives (the model files are in docs/models).
@Suite struct ReadmeFigureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func summary(_ arguments: [String]) throws -> JSONValue {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let run = try CommandLineTool.run(["train"] + arguments + ["--output", tmp.file("run"), "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        return try JSONParser.parse(Array((run.stdout.split(separator: "\n").last ?? "").utf8))
    }

    func number(_ value: JSONValue?) -> Double { if case .number(let x)? = value { x } else { .nan } }

    /// "test MAE 44.6 after 30 epochs, 58.6 with the bias started at 0".
    @Test func diabetesBiasStart() throws {
        let preset = try summary(["--dataset", "diabetes", "--epochs", "30"])
        let zero = try summary(["--dataset", "diabetes", "--epochs", "30", "--model-file", Self.root.appendingPathComponent("docs/models/diabetes-mlp-zero-bias.json").path])
        // Within rounding of README's one decimal, plus a little for another CPU's float rounding.
        #expect(Swift.abs(number(preset["test_mae"]) - 44.6) < 0.5, "\(preset)")
        #expect(Swift.abs(number(zero["test_mae"]) - 58.6) < 0.5, "\(zero)")
    }

    /// "test accuracy 0.77 after 20 epochs, 0.98 with "momentum": 0.9 in a model file".
    @Test func digitsBatchNormMomentum() throws {
        let preset = try summary(["--dataset", "digits", "--model", "cnn-strong", "--epochs", "20"])
        let lower = try summary(["--dataset", "digits", "--epochs", "20", "--model-file",
                                 Self.root.appendingPathComponent("docs/models/digits-cnn-strong-momentum-0.9.json").path])
        // 360 test images: one image is 0.0028; the lagging statistics make the first figure the more sensitive.
        #expect(Swift.abs(number(preset["test_accuracy"]) - 0.77) < 0.015, "\(preset)")
        #expect(Swift.abs(number(lower["test_accuracy"]) - 0.98) < 0.01, "\(lower)")
    }
}

/// The lstm preset, the default for sequence datasets, classifies the Japanese vowels' speakers.
@Suite struct SequencePresetTests {
    @Test func japaneseVowelsReach97PercentWithTheDefaultSequencePreset() throws {
        let tmp = try TemporaryDirectory()
        defer { tmp.remove() }
        let summary = try TrainingRun.quietly(.builtin("japanese-vowels"), epochs: 40, batchSize: 32, in: tmp)
        #expect(summary.model == "lstm")
        #expect(try #require(summary.testAccuracy) >= 0.97, "\(summary.json)")
    }

    @Test func theLSTMPresetNeedsSequences() {
        var c = RunConfiguration()
        c.data = .builtin("iris")
        c.model = .preset("lstm")
        #expect { _ = try TrainingRun.run(c, log: { _ in }) } throws: { error in
            "\(error)" == "--model lstm: needs sequences [time, features]; iris's examples have shape [4]"
        }
    }
}
