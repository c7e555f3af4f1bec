import Foundation
import Testing
import NeuralKit
import _TestSupport

final class Recorder: Callback {
    var events: [String] = []
    func onTrainBegin(_ trainer: Trainer, logs: Logs) { events.append("trainBegin") }
    func onTrainEnd(_ trainer: Trainer, logs: Logs) { events.append("trainEnd") }
    func onEpochBegin(_ trainer: Trainer, epoch: Int, logs: Logs) { events.append("epochBegin \(epoch)") }
    func onEpochEnd(_ trainer: Trainer, epoch: Int, logs: Logs) { events.append("epochEnd \(epoch)") }
    func onBatchBegin(_ trainer: Trainer, batch: Int, logs: Logs) { events.append("batchBegin \(batch)") }
    func onBatchEnd(_ trainer: Trainer, batch: Int, logs: Logs) { events.append("batchEnd \(batch)") }
}

func regressionData(_ n: Int, seed: UInt64) -> (Tensor, Tensor) {
    var rng = RandomGenerator(seed: seed)
    let x = Tensor.randomNormal([n, 3], using: &rng)
    let y = x.matmul(Tensor(shape: [3, 1], values: [1, -2, 0.5])) + 0.3
    return (x, y)
}

@Suite struct FitTests {
    func trainer(_ rule: any OptimizerRule = SGD(learningRate: 0.05), regularizer: Regularizer? = nil,
                 hidden: Int = 8) -> Trainer {
        RandomSeeds.reset(to: 3)
        let model = Sequential([Dense(inputSize: 3, outputSize: hidden, activation: .tanh, weightRegularizer: regularizer),
                                Dense(inputSize: hidden, outputSize: 1, weightRegularizer: regularizer)])
        return Trainer(model: model, loss: .meanSquaredError(), optimizer: Optimizer(rule), metrics: [.meanAbsoluteError])
    }

    /// Training from a BatchSource (bytes scaled per batch) follows exactly the same path as from the same values
    /// held as tensors: same shuffles, losses, validation split and evaluation.
    @Test func fitFromAByteSourceEqualsFitFromTensors() throws {
        var rng = RandomGenerator(seed: 4)
        let pixels = (0..<40 * 6).map { _ in UInt8(rng.next() % 256) }
        let labels = (0..<40).map { Int(pixels[6 * $0]) % 3 }
        let source = ByteImages(pixels: pixels, exampleShape: [6], labels: labels)
        let (x, y) = source.tensors
        func classifier() -> Trainer {
            RandomSeeds.reset(to: 5)
            let model = Sequential([Dense(inputSize: 6, outputSize: 5, activation: .relu), Dense(inputSize: 5, outputSize: 3)])
            return Trainer(model: model, loss: .softmaxCrossEntropy(), optimizer: Optimizer(Adam(learningRate: 0.01)),
                           metrics: [.accuracy], seed: 9)
        }
        let fromTensors = classifier(), fromBytes = classifier()
        let a = try fromTensors.fit(x: x, y: y, batchSize: 8, epochs: 3, validationSplit: 0.25)
        let b = try fromBytes.fit(source, batchSize: 8, epochs: 3, validationSplit: 0.25)
        for key in ["loss", "accuracy", "val_loss", "val_accuracy"] { #expect(a[key] == b[key], "\(key)") }
        #expect(try fromTensors.evaluate(x: x, y: y, batchSize: 7) == fromBytes.evaluate(source, batchSize: 7))
        #expect(try fromBytes.predict(source, batchSize: 7).values == fromTensors.predict(x: x, batchSize: 7).values)
        #expect(try fromTensors.evaluate(predictions: fromTensors.predict(x: x), targets: y) == fromTensors.evaluate(x: x, y: y))
        #expect(try fromBytes.predict(source.rows(10..<13)).shape == [3, 3])
        #expect(throws: TrainingError.self) { try fromBytes.fit(source.rows(0..<0), epochs: 1) }
        #expect(throws: TrainingError.self) { try fromBytes.predict(source.rows(0..<0)) }
    }

    @Test func callbacksRunInKerasOrder() throws {
        let (x, y) = regressionData(5, seed: 1)
        let r = Recorder()
        try trainer().fit(x: x, y: y, batchSize: 2, epochs: 2, callbacks: [r])
        let epoch = { (e: Int) in ["epochBegin \(e)"] + (0..<3).flatMap { ["batchBegin \($0)", "batchEnd \($0)"] } + ["epochEnd \(e)"] }
        #expect(r.events == ["trainBegin"] + epoch(0) + epoch(1) + ["trainEnd"])
    }

    /// A batch larger than the data (up to `Int.max`) is the whole data, one step an epoch, as in Keras.
    @Test(arguments: [(1, 40), (7, 6), (40, 1), (41, 1), (Int.max, 1)])
    func stochasticMiniBatchAndFullBatchAllTrain(batchSize: Int, stepsPerEpoch: Int) throws {
        let (x, y) = regressionData(40, seed: 2)
        let t = trainer()
        let history = try t.fit(x: x, y: y, batchSize: batchSize, epochs: 15)
        #expect(history["loss"].last! < history["loss"].first!)
        #expect(history.keys.contains("mae") && history.keys.contains("lr") && history.keys.contains("seconds"))
        #expect(t.optimizer.step == 15 * stepsPerEpoch)
        #expect(Trainer.batchCount(examples: 40, batchSize: batchSize) == stepsPerEpoch)
    }

    @Test func validationSplitHoldsOutTheLastExamples() throws {
        let (x, y) = regressionData(50, seed: 3)
        let t = trainer()
        let h = try t.fit(x: x, y: y, batchSize: 10, epochs: 2, validationSplit: 0.2)
        #expect(t.optimizer.step == 2 * 4)
        #expect(h["val_loss"].count == 2 && h["val_mae"].count == 2)
        let direct = try t.evaluate(x: x.slice(alongAxis: 0, 40..<50), y: y.slice(alongAxis: 0, 40..<50))
        #expect(Swift.abs(direct["loss"]! - h["val_loss"].last!) < 1e-6)
    }

    @Test func sameSeedSameTraining() throws {
        let (x, y) = regressionData(30, seed: 4)
        let a = try trainer().fit(x: x, y: y, batchSize: 4, epochs: 3)
        let b = try trainer().fit(x: x, y: y, batchSize: 4, epochs: 3)
        #expect(a["loss"] == b["loss"])
    }

    @Test func earlyStoppingRestoresTheBestWeights() throws {
        let (x, y) = regressionData(60, seed: 5)
        // A learning rate that first helps and then diverges makes the best epoch an early one.
        let t = trainer(SGD(learningRate: 0.3, momentum: 0.9))
        let stop = EarlyStopping(monitor: "val_loss", patience: 2, restoreBestWeights: true)
        let h = try t.fit(x: x, y: y, batchSize: 60, epochs: 40, validationSplit: 0.25, shuffle: false, callbacks: [stop])
        let best = h["val_loss"].filter { !$0.isNaN }.min()!
        let now = try t.evaluate(x: x.slice(alongAxis: 0, 45..<60), y: y.slice(alongAxis: 0, 45..<60))["loss"]!
        #expect(Swift.abs(now - best) <= 1e-6 * Swift.max(1, best), "now \(now), best \(best), history \(h["val_loss"])")
        #expect(stop.stoppedEpoch != nil)
        #expect(h["val_loss"].count < 40)
    }

    @Test func l2ShrinksWeightsComparedToNoRegularization() throws {
        let (x, y) = regressionData(40, seed: 6)
        let plain = trainer(), l2 = trainer(regularizer: .l2(0.05))
        try plain.fit(x: x, y: y, batchSize: 8, epochs: 20)
        let h = try l2.fit(x: x, y: y, batchSize: 8, epochs: 20)
        let norm = { (t: Trainer) in t.model.parameters.map { $0.value.squared().sum().scalar }.reduce(0, +) }
        #expect(norm(l2) < norm(plain))
        #expect(h["regularization"].count == 20 && h["regularization"].allSatisfy { $0 > 0 })
    }

    @Test func reduceLROnPlateauAndScheduler() throws {
        let (x, y) = regressionData(20, seed: 7)
        // After epoch 0 no epoch improves by minDelta: every second epoch end halves the rate.
        let t = trainer(SGD(learningRate: 0.1))
        let h = try t.fit(x: x, y: y, batchSize: 20, epochs: 5,
                          callbacks: [ReduceLROnPlateau(monitor: "loss", factor: 0.5, patience: 2, minDelta: 1e9)])
        #expect(h["lr"] == [0.1, 0.1, 0.1, 0.05, 0.05])
        #expect(t.optimizer.rule.learningRate == 0.025)
        let s = trainer(SGD(learningRate: 0.1))
        let h2 = try s.fit(x: x, y: y, batchSize: 20, epochs: 4, callbacks: [LearningRateScheduler(.stepDecay(factor: 0.5, stepSize: 1))])
        #expect(h2["lr"] == [0.1, 0.05, 0.025, 0.0125])
        let p = trainer(SGD(learningRate: 0.01))
        let h3 = try p.fit(x: x, y: y, batchSize: 20, epochs: 4,
                           callbacks: [ReduceLROnPlateau(monitor: "loss", factor: 0.5, patience: 1, minDelta: 100)])
        // Epoch 0 improves on +∞; every later epoch misses minDelta, so each end halves the next epoch's rate.
        #expect(h3["lr"] == [0.01, 0.01, 0.005, 0.0025])
    }

    @Test func terminateOnNaNStopsAtOnce() throws {
        let (x, y) = regressionData(20, seed: 8)
        let t = trainer(SGD(learningRate: 1e30))
        let stop = TerminateOnNaN()
        let h = try t.fit(x: x, y: y, batchSize: 2, epochs: 50, callbacks: [stop])
        #expect(stop.terminatedAtBatch != nil)
        #expect(h.epochs.count == 1)
    }

    @Test func csvLoggerWritesOneRowPerEpoch() throws {
        let (x, y) = regressionData(20, seed: 9)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nk-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try trainer().fit(x: x, y: y, batchSize: 5, epochs: 3, callbacks: [CSVLogger(path: path)])
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0] == "epoch,loss,lr,mae,seconds")
        #expect(lines[3].hasPrefix("2,"))
    }

    @Test func modelCheckpointKeepsTheBestWeights() throws {
        let (x, y) = regressionData(20, seed: 10)
        var saved: [Int] = []
        let checkpoint = ModelCheckpoint(monitor: "loss", saveBestOnly: true) { _, epoch in saved.append(epoch) }
        final class EveryEpoch: Callback {
            var weights: [[String: Tensor]] = []
            func onEpochEnd(_ trainer: Trainer, epoch: Int, logs: Logs) { weights.append(trainer.model.stateDict()) }
        }
        let every = EveryEpoch()
        let t = trainer(SGD(learningRate: 0.5))   // a rate that overshoots: the loss goes up and down
        let h = try t.fit(x: x, y: y, batchSize: 5, epochs: 6, callbacks: [every, checkpoint])
        #expect(checkpoint.best == h["loss"].min())
        #expect(saved.last == checkpoint.epoch)
        // The kept weights are those of the best epoch, not the last.
        let best = try #require(checkpoint.epoch)
        #expect(best == h["loss"].firstIndex(of: h["loss"].min()!))
        #expect(checkpoint.weights?.keys.sorted() == t.model.namedParameters.map(\.name).sorted())
        #expect(checkpoint.weights?.allSatisfy { every.weights[best][$0.key] == $0.value } == true)
        if best != 5 { #expect(checkpoint.weights?.allSatisfy { every.weights[5][$0.key] == $0.value } == false) }
    }

    @Test func badArgumentsThrowTypedErrors() {
        let (x, y) = regressionData(10, seed: 11)
        let t = trainer()
        #expect(throws: TrainingError.self) { try t.fit(x: x, y: y.slice(alongAxis: 0, 0..<5)) }
        #expect(throws: TrainingError.self) { try t.fit(x: x, y: y, batchSize: 0) }
        #expect(throws: TrainingError.self) { try t.fit(x: x, y: y, validationSplit: 1.5) }
        let error = #expect(throws: TrainingError.self) { try t.fit(x: Tensor.zeros([10, 4]), y: y) }
        #expect(error?.description == "Dense(3→8): expected input [batch, …, 3], found shape [1, 4]")
    }

    @Test func progressBarPrintsPlainLines() {
        #expect(ProgressBar.format(["loss": 0.5, "val_loss": 0.25, "accuracy": 1]) == "- loss: 0.5000 - accuracy: 1.0000 - val_loss: 0.2500")
        // A diverged loss reads "nan" whatever its sign bit (0/0 and inf − inf give −NaN on x86), or ±inf.
        #expect([-Double.nan, .nan, .infinity, -.infinity, 12.3].map(ProgressBar.fourDigits) == ["nan", "nan", "inf", "-inf", "12.3000"])
    }
}
